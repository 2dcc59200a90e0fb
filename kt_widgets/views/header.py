"""Header: status, progress, time, best score, and the Pause / Resume / Stop buttons."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from kt_widgets.core import state as st
from kt_widgets.core.state import SearchSummary
from kt_widgets.core.text import format_duration, format_score, headline, strip_ansi

_STATUS_COLOURS = {
    st.IDLE: "#6b7280",
    st.RUNNING: "#2563eb",
    st.PAUSED: "#d97706",
    st.STOPPING: "#d97706",
    st.STOPPED: "#6b7280",
    st.FINISHED: "#16a34a",
    st.FAILED: "#dc2626",
}


READ_ONLY_HINT = "Read-only: this dashboard shows the files of a search another process runs."


def header_html(
    summary: SearchSummary, pause_requested: bool = False, read_only: bool = False
) -> str:
    """The header's text as HTML; every value from user code is escaped."""
    status = summary.status
    label = "pausing…" if pause_requested and status == st.RUNNING else status
    colour = _STATUS_COLOURS.get(status, "#6b7280")
    parts = [
        f'<span class="ktw-status" data-status="{escape(status)}" '
        f'style="background:{colour};color:white;border-radius:9px;padding:1px 9px;'
        f'font-weight:600">{escape(label)}</span>'
    ]
    of = f" / {summary.max_trials}" if summary.max_trials else ""
    trials = f"<b>{summary.trials_done}{of}</b> trials"
    if summary.trials_failed:
        trials += f" ({summary.trials_failed} failed)"
    parts.append(f'<span class="ktw-progress">{trials}</span>')
    if summary.running_trial is not None:
        planned = summary.running_epochs_planned
        # A count of epochs done (Keras' epoch indices, in the curves, start at 0).
        done = summary.running_epoch
        if planned:
            epoch = f"{done} / {planned} epochs"
        else:
            epoch = f"{done} epoch" + ("" if done == 1 else "s")
        parts.append(
            f'<span class="ktw-running">trial {escape(summary.running_trial)}: {epoch}</span>'
        )
    elapsed = f"elapsed {format_duration(summary.elapsed)}"
    if summary.remaining_estimate is not None:
        elapsed += f" · ~{format_duration(summary.remaining_estimate)} left"
    parts.append(f'<span class="ktw-elapsed">{elapsed}</span>')
    if summary.best_trial is not None:
        best = (
            f"best {escape(summary.objective)} ({escape(summary.direction)}): "
            f"<b>{escape(format_score(summary.best_score))}</b> "
            f"(trial {escape(summary.best_trial)})"
        )
    else:
        best = "no completed trial yet"
    parts.append(f'<span class="ktw-best-score">{best}</span>')
    html = (
        '<div class="ktw-header" style="display:flex;gap:14px;flex-wrap:wrap;align-items:center">'
    )
    html += "".join(parts) + "</div>"
    if summary.error:
        html += (
            '<details class="ktw-error" style="color:#dc2626;margin-top:4px">'
            f"<summary>The search failed: {escape(headline(summary.error))}</summary>"
            '<pre style="white-space:pre-wrap;max-height:300px;overflow:auto">'
            f"{escape(strip_ansi(summary.error_traceback or summary.error))}</pre>"
            "</details>"
        )
    # Always one line, so the buttons below do not move when the search ends.
    hint = "&nbsp;"
    if read_only:
        hint = READ_ONLY_HINT
    elif status in st.ACTIVE_STATUSES:
        hint = (
            "The search runs in the background: the kernel's interrupt button "
            "does not reach it; use Stop."
        )
    html += f'<div class="ktw-hint" style="opacity:.7;font-size:11px">{hint}</div>'
    return html


class HeaderView(widgets.VBox):
    """Status line and controls; buttons call the given functions."""

    def __init__(
        self,
        on_pause: Callable[[], None],
        on_resume: Callable[[], None],
        on_stop: Callable[[], None],
        read_only: bool = False,
    ) -> None:
        self.read_only = read_only
        self.text = widgets.HTML()
        self.progress = widgets.FloatProgress(min=0.0, max=1.0, layout={"width": "240px"})
        self.pause_button = widgets.Button(
            description="Pause", icon="pause", tooltip="Pause at the next batch"
        )
        self.resume_button = widgets.Button(
            description="Resume", icon="play", tooltip="Resume the paused search"
        )
        self.stop_button = widgets.Button(
            description="Stop", icon="stop", tooltip="Finish the running trial, then stop"
        )
        for button, action in (
            (self.pause_button, on_pause),
            (self.resume_button, on_resume),
            (self.stop_button, on_stop),
        ):
            button.layout.width = "100px"
            button.on_click(lambda _button, action=action: action())
            button.add_class("ktw-" + button.description.lower())
        controls = widgets.HBox(
            [self.pause_button, self.resume_button, self.stop_button, self.progress]
        )
        if read_only:  # a watched search: nothing here to control
            controls.layout.display = "none"
            for button in (self.pause_button, self.resume_button, self.stop_button):
                button.disabled = True
        super().__init__([self.text, controls])
        self.add_class("ktw-header-view")

    def update(self, summary: SearchSummary, pause_requested: bool, stop_requested: bool) -> None:
        self.text.value = header_html(summary, pause_requested, self.read_only)
        if self.read_only:
            return
        active = summary.status in st.ACTIVE_STATUSES
        self.pause_button.disabled = not (summary.status == st.RUNNING and not pause_requested)
        self.resume_button.disabled = not (
            summary.status == st.PAUSED or (pause_requested and summary.status == st.RUNNING)
        )
        self.stop_button.disabled = not active or stop_requested
        if summary.max_trials:
            self.progress.value = min(1.0, summary.trials_done / summary.max_trials)
        else:
            self.progress.value = 1.0 if summary.status == st.FINISHED else 0.0
