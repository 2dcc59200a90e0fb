"""The search-space summary as an HTML table."""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as widgets

from kt_widgets.core.space import SPACE_COLUMNS

# Inline styles: an HTML widget gets no stylesheet of ours.
_CELL = "padding:3px 16px 3px 0;text-align:left;white-space:nowrap"
_HEAD = "font-weight:600;border-bottom:1px solid var(--jp-border-color1,#bbb)"


def space_html(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return (
            '<div class="ktw-space-empty">The search space is empty until the model is built.</div>'
        )
    head = "".join(f'<th style="{_CELL};{_HEAD}">{escape(c)}</th>' for c in SPACE_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(f'<td style="{_CELL}">{escape(str(row.get(c, "")))}</td>' for c in SPACE_COLUMNS)
        + "</tr>"
        for row in rows
    )
    return (
        '<table class="ktw-space" style="border-collapse:collapse;font-size:12px">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class SpaceView(widgets.HTML):
    """Every hyperparameter: type, range or choices, step, sampling, default, condition."""

    def update(self, rows: list[dict[str, Any]]) -> None:
        self.value = space_html(rows)
