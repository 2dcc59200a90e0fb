"""The errors of the selected trials, with their tracebacks (a row's details)."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from kt_widgets.core.state import TRIAL_COMPLETED, TrialRecord
from kt_widgets.core.text import headline, strip_ansi


def trial_errors_html(records: list[TrialRecord]) -> str:
    parts = []
    for record in records:
        if not record.message or record.status == TRIAL_COMPLETED:
            continue
        parts.append(
            '<details open class="ktw-trial-error" style="margin:4px 0">'
            f"<summary><b>Trial {escape(record.trial_id)}</b> {escape(record.status)}: "
            f"{escape(headline(record.message))}</summary>"
            '<pre style="white-space:pre-wrap;max-height:240px;overflow:auto;font-size:11px">'
            f"{escape(strip_ansi(record.message))}</pre></details>"
        )
    return "".join(parts)


class TrialErrorsView(widgets.HTML):
    """Shows why each selected trial failed; empty when none did."""

    def update(self, records: list[TrialRecord]) -> None:
        html = trial_errors_html(records)
        if html != self.value:
            self.value = html
