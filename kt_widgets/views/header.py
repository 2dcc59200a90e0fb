"""Header: status, progress, time, best score, the controls and the trial budget."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

import ipywidgets as widgets

from kt_widgets.core import lifecycle
from kt_widgets.core import state as st
from kt_widgets.core.lifecycle import Situation
from kt_widgets.core.state import SearchSummary
from kt_widgets.core.text import format_duration, format_score, headline, strip_ansi

_STATUS_COLOURS = {
    st.IDLE: "#6b7280",
    st.RUNNING: "#2563eb",
    st.PAUSING: "#d97706",
    st.PAUSED: "#d97706",
    st.STOPPING: "#d97706",
    st.STOPPED: "#6b7280",
    st.FINISHED: "#16a34a",
    st.FAILED: "#dc2626",
}


READ_ONLY_HINT = "Read-only: this dashboard shows the files of a search another process runs."


BACKGROUND_HINT = (
    "The search runs in the background: the kernel's interrupt button does not reach it. "
    "Use Pause and Stop here, or tuner.pause() / tuner.stop() / tuner.stop_now() from any cell."
)

# The buttons: lifecycle control, label, icon, what it does (the tooltip when it applies).
BUTTONS = (
    (lifecycle.PAUSE, "Pause", "pause", "Hold the search at the next training batch"),
    (lifecycle.RESUME, "Resume", "play", "Go on from where the search holds"),
    (lifecycle.STOP, "Stop", "stop", "Let the running trial finish, then stop"),
    (
        lifecycle.STOP_NOW,
        "Stop now",
        "times",
        "End the running trial at the next batch (it runs again when the search continues)",
    ),
    (
        lifecycle.SKIP_TRIAL,
        "Skip trial",
        "step-forward",
        "End the running trial after this epoch; its score counts",
    ),
    (
        lifecycle.CONTINUE,
        "Continue",
        "forward",
        "Run more trials with the same data, up to Max trials",
    ),
)


def status_label(summary: SearchSummary, situation: Situation | None = None) -> str:
    status = summary.status
    if status == st.PAUSING:
        return "pausing…"
    if status == st.STOPPING and situation is not None and situation.stop_now_requested:
        return "stopping now…"
    return status


def header_html(
    summary: SearchSummary, situation: Situation | None = None, read_only: bool = False
) -> str:
    """The header's text as HTML; every value from user code is escaped."""
    status = summary.status
    colour = _STATUS_COLOURS.get(status, "#6b7280")
    meaning = lifecycle.MEANINGS.get(status, "")
    parts = [
        f'<span class="ktw-status" data-status="{escape(status)}" title="{escape(meaning)}" '
        f'style="background:{colour};color:white;border-radius:9px;padding:1px 9px;'
        f'font-weight:600">{escape(status_label(summary, situation))}</span>'
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
        if situation is not None and situation.skip_requested:
            epoch += " (skipped: ends after this epoch)"
        parts.append(
            f'<span class="ktw-running">trial {escape(summary.running_trial)}: {epoch}</span>'
        )
    # A search not yet started (or a watched project seen idle) has no time to tell.
    if summary.elapsed > 0 or summary.status != st.IDLE:
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
        hint = BACKGROUND_HINT
    html += f'<div class="ktw-hint" style="opacity:.7;font-size:11px">{hint}</div>'
    return html


class HeaderView(widgets.VBox):
    """Status line, control buttons and the trial budget.

    `actions` maps each control of `lifecycle.CONTROLS` that is a button to the
    function it calls; None makes a read-only header (watch mode). Traits are
    written by `update()` only (the dashboard's pump thread).
    """

    def __init__(
        self,
        actions: Mapping[str, Callable[[], None]] | None,
        on_max_trials: Callable[[int], None] | None = None,
    ) -> None:
        self.read_only = actions is None
        self.text = widgets.HTML()
        self.progress = widgets.FloatProgress(min=0.0, max=1.0, layout={"width": "200px"})
        self.buttons: dict[str, widgets.Button] = {}
        self._tooltips: dict[str, str] = {}
        for control, label, icon, tooltip in BUTTONS:
            button = widgets.Button(description=label, icon=icon, tooltip=tooltip)
            button.layout.width = "auto"
            button.add_class("ktw-" + control.replace("_", "-"))
            action = (actions or {}).get(control)
            if action is not None:
                button.on_click(lambda _button, action=action: action())
            self.buttons[control] = button
            self._tooltips[control] = tooltip
        self.pause_button = self.buttons[lifecycle.PAUSE]
        self.resume_button = self.buttons[lifecycle.RESUME]
        self.stop_button = self.buttons[lifecycle.STOP]
        self.stop_now_button = self.buttons[lifecycle.STOP_NOW]
        self.skip_button = self.buttons[lifecycle.SKIP_TRIAL]
        self.continue_button = self.buttons[lifecycle.CONTINUE]
        # The trial budget; a value the tuner refuses is put back, and the reason shown.
        # Text, not IntText: a budget of None (GridSearch, Hyperband) shows empty, not 0.
        self.max_trials = widgets.Text(
            description="Max trials",
            placeholder="no limit",
            continuous_update=False,
            tooltip="The trial budget; raise it to continue the search",
            layout={"width": "150px"},
            style={"description_width": "initial"},
        )
        self.max_trials.add_class("ktw-max-trials")
        self.budget_error = widgets.HTML()
        self.budget_error.add_class("ktw-budget-error")
        self._on_max_trials = on_max_trials
        self._budget_shown: int | None = None
        self.refused_budget: str | None = None  # set by the dashboard, shown by update()
        self.max_trials.observe(self._budget_edited, names="value")
        controls = widgets.HBox(
            [
                self.pause_button,
                self.resume_button,
                self.stop_button,
                self.stop_now_button,
                self.skip_button,
                self.max_trials,
                self.continue_button,
                self.progress,
            ],
            layout={"flex_flow": "row wrap", "align_items": "center"},
        )
        if self.read_only:  # a watched search: nothing here to control
            controls.layout.display = "none"
            for button in self.buttons.values():
                button.disabled = True
            self.max_trials.disabled = True
        super().__init__([self.text, controls, self.budget_error])
        self.add_class("ktw-header-view")

    def _budget_edited(self, change) -> None:
        text = change["new"].strip()
        if self._on_max_trials is None or text == _budget_text(self._budget_shown):
            return  # our own update, not the user's edit
        try:
            value = int(text)
        except ValueError:
            value = text  # refused by the tuner, which says what it takes
        self._on_max_trials(value)

    def update(self, summary: SearchSummary, situation: Situation | None) -> None:
        self.text.value = header_html(summary, situation, self.read_only)
        if summary.max_trials:
            self.progress.value = min(1.0, summary.trials_done / summary.max_trials)
        else:
            self.progress.value = 1.0 if summary.status == st.FINISHED else 0.0
        if self.read_only or situation is None:
            return
        blocked = lifecycle.blocked_controls(situation)
        for control, button in self.buttons.items():
            reason = blocked.get(control)
            button.disabled = reason is not None
            button.tooltip = reason or self._tooltips[control]
        budget_reason = blocked.get(lifecycle.MAX_TRIALS)
        self.max_trials.disabled = budget_reason is not None
        self.max_trials.tooltip = budget_reason or "The trial budget; raise it to continue"
        refused, self.refused_budget = self.refused_budget, None
        if refused is not None or summary.max_trials != self._budget_shown:
            self._budget_shown = summary.max_trials
            self.max_trials.value = _budget_text(summary.max_trials)
        error = escape(refused) if refused else ""
        html = f'<span style="color:#dc2626;font-size:11px">{error}</span>' if error else ""
        if refused is not None or (not error and self.budget_error.value):
            self.budget_error.value = html


def _budget_text(max_trials: int | None) -> str:
    return "" if max_trials is None else str(max_trials)
