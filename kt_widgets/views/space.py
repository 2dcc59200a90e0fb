"""The search-space editor (browser code: js/space.js).

Rows, the edit history and the editor's error messages are traits written by
the dashboard's pump thread; edits arrive as messages on the kernel's main
thread and go to `on_edit`, which calls `tuner.space`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from kt_widgets.core.serialize import json_safe
from kt_widgets.core.space import describe_edit
from kt_widgets.views.base import StreamedWidget, static_file, view_module


def _browser_row(row: dict[str, Any]) -> dict[str, Any]:
    # keras_tuner's config stays in Python: its values keep their types there.
    return json_safe({key: value for key, value in row.items() if key != "config"})


def _browser_edit(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": entry.get("version"),
        "time": str(entry.get("time", "")),
        "from_trial": entry.get("from_trial_index"),
        "text": describe_edit(entry),
    }


class SpaceEditor(StreamedWidget):
    """Every hyperparameter, editable: range, step, sampling, choices, default, pin."""

    _esm = view_module("space.js")
    _css = static_file("dashboard.css")

    rows = traitlets.List(
        help="One dict per hyperparameter; conditional ones follow their parent."
    ).tag(sync=True)
    history = traitlets.List(help="The edits: version, time, from_trial, text.").tag(sync=True)
    errors = traitlets.Dict(help="Hyperparameter name -> why its last edit was refused.").tag(
        sync=True
    )
    editable = traitlets.Bool(True, help="False: a read-only view of the space.").tag(sync=True)

    def __init__(self, on_edit: Callable[[dict[str, Any]], None] | None = None, **kwargs: Any):
        super().__init__(editable=on_edit is not None, **kwargs)
        self._on_edit = on_edit

    def _handle_message(self, widget, content, buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "edit" and self._on_edit:
            self._on_edit(content)
        else:
            super()._handle_message(widget, content, buffers)

    def update(self, rows: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
        self.rows = [_browser_row(row) for row in rows]
        self.history = [_browser_edit(entry) for entry in history]

    def edit(self, action: str, name: str, **request: Any) -> None:
        """What a click in the browser sends: `edit("set", "units", fields={"max_value": "32"})`.

        Python can drive the editor with it, as a user would.
        """
        self._handle_message(self, {"type": "edit", "action": action, "name": name, **request}, [])
