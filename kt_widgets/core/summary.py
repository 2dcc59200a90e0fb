"""`results_summary()` / `search_space_summary()` as a table for the notebook.

A `RichSummary` carries both forms: an HTML table for a notebook front end, and,
as its plain text, exactly what keras_tuner prints. Every string in the HTML
(names, values, messages, paths) is escaped: they come from user code and disk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Any

from kt_widgets.core.text import headline


@dataclass
class SummaryTable:
    """A title, lines of notes under it, and a table."""

    title: str
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    empty: str = "(none)"


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def to_html(table: SummaryTable) -> str:
    parts = [f"<div class='ktw-summary'><b>{escape(table.title)}</b>"]
    parts += [f"<div>{escape(note)}</div>" for note in table.notes]
    if not table.rows:
        parts.append(f"<div><i>{escape(table.empty)}</i></div></div>")
        return "".join(parts)
    head = "".join(f"<th style='text-align:left'>{escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left'>{escape(cell_text(v))}</td>" for v in row)
        + "</tr>"
        for row in table.rows
    )
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
    return "".join(parts)


class RichSummary:
    """Shown by IPython as the HTML table, or as keras_tuner's text where HTML is not."""

    def __init__(self, table: SummaryTable, text: str) -> None:
        self.table = table
        self.text = text

    def _repr_html_(self) -> str:
        return to_html(self.table)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text.rstrip("\n"))

    def __repr__(self) -> str:
        return self.text.rstrip("\n")


def results_table(
    project_dir: str,
    objective: str,
    num_trials: int,
    trials: list[dict[str, Any]],
) -> SummaryTable:
    """The best trials as keras_tuner lists them: dicts of id, status, score, hyperparameters."""
    names: dict[str, None] = {}
    for trial in trials:
        names.update(dict.fromkeys(trial["hyperparameters"]))
    rows = [
        [trial["trial_id"], trial["status"], trial["score"], trial["best_step"]]
        + [trial["hyperparameters"].get(name) for name in names]
        + [headline(trial.get("message"))]
        for trial in trials
    ]
    return SummaryTable(
        title="Results summary",
        notes=[f"Results in {project_dir}", f"Showing {num_trials} best trials", objective],
        columns=["Trial", "Status", "Score", "Best step", *names, "Message"],
        rows=rows,
        empty="No trials yet.",
    )


def space_table(hyperparameters: list[tuple[str, str, dict[str, Any]]]) -> SummaryTable:
    """One row per hyperparameter: (name, class name, the rest of its config)."""
    rows = [
        [name, kind, ", ".join(f"{key}: {value!r}" for key, value in config.items())]
        for name, kind, config in hyperparameters
    ]
    return SummaryTable(
        title="Search space summary",
        notes=[f"Default search space size: {len(rows)}"],
        columns=["Name", "Type", "Settings"],
        rows=rows,
        empty="No hyperparameters yet.",
    )
