"""The sortable, filterable trial table (browser code: js/table.js)."""

from __future__ import annotations

from typing import Any

import traitlets

from kt_widgets.views.base import StreamedWidget, static_file, view_module


class TrialTable(StreamedWidget):
    """One row per trial. Rows travel as messages (deltas), not as a trait.

    Sorting, filtering and selection happen in the browser and are mirrored in
    traits, so Python can read and drive them too.
    """

    _esm = view_module("table.js")
    _css = static_file("dashboard.css")

    columns = traitlets.List(help="Columns: dicts with key, label, kind.").tag(sync=True)
    direction = traitlets.Unicode("min", help="Objective direction: min or max.").tag(sync=True)
    best_trial_id = traitlets.Unicode("", help="Id of the best trial, marked ★.").tag(sync=True)
    sort_key = traitlets.Unicode("score", help="Column key the rows sort by.").tag(sync=True)
    sort_descending = traitlets.Bool(False, help="Sort from high to low.").tag(sync=True)
    status_filter = traitlets.Unicode("", help="Show only this status; '' for all.").tag(sync=True)
    selected = traitlets.List(traitlets.Unicode(), help="Selected trial ids.").tag(sync=True)

    def send_rows(self, rows: list[dict[str, Any]], reset: bool = False) -> None:
        self.send({"type": "rows", "reset": reset, "rows": rows})
