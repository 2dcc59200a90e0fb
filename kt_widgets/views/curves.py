"""Per-epoch curves of the shown trials (browser code: js/curves.js)."""

from __future__ import annotations

from typing import Any

import traitlets

from kt_widgets.views.base import StreamedWidget, static_file, view_module


class CurvesView(StreamedWidget):
    """Lines of one metric per (trial, execution); points arrive as messages."""

    _esm = view_module("curves.js")
    _css = static_file("dashboard.css")

    metrics = traitlets.List(traitlets.Unicode(), help="Metrics seen in epoch logs.").tag(sync=True)
    metric = traitlets.Unicode("", help="The metric drawn.").tag(sync=True)
    log_scale = traitlets.Bool(False, help="Logarithmic y axis.").tag(sync=True)
    trial_labels = traitlets.Dict(help="Legend label per trial id.").tag(sync=True)

    def send_series(
        self, series: list[dict[str, Any]], reset: bool = False, keep: list[str] | None = None
    ) -> None:
        """`series`: dicts with trial_id, execution and points [[epoch, logs], ...].

        `keep`: the trials shown from now on; the browser drops the others' curves.
        """
        message = {"type": "series", "reset": reset, "series": series}
        if keep is not None:
            message["keep"] = keep
        self.send(message)
