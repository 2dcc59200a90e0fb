"""The search's states, the moves between them, and which control applies when.

One table for the tuner (which refuses a control that does not apply, saying
why) and for the dashboard (which disables its button with that reason as the
tooltip), so the two never disagree.

    idle ──search──> running ──pause──> pausing ──held──> paused
                       │  ^                │                │
                       │  └────resume──────┴────resume──────┘
                       ├──stop / stop now──> stopping ──> stopped ─┐
                       ├──last trial──> finished ──────────────────┤
                       └──error──> failed ─────────────────────────┴─continue─> running
"""

from __future__ import annotations

from dataclasses import dataclass

from kt_widgets.core.state import (
    FAILED,
    FINISHED,
    IDLE,
    PAUSED,
    PAUSING,
    RUNNING,
    STOPPED,
    STOPPING,
)

STATUSES = (IDLE, RUNNING, PAUSING, PAUSED, STOPPING, STOPPED, FINISHED, FAILED)
ENDED = (STOPPED, FINISHED, FAILED)

# status -> the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset({RUNNING}),
    RUNNING: frozenset({PAUSING, STOPPING, FINISHED, FAILED}),
    # A pause asked during the last moments of the search ends with it.
    PAUSING: frozenset({PAUSED, RUNNING, STOPPING, FINISHED, FAILED}),
    PAUSED: frozenset({RUNNING, STOPPING, FAILED}),
    STOPPING: frozenset({STOPPED, FINISHED, FAILED}),
    STOPPED: frozenset({RUNNING}),
    FINISHED: frozenset({RUNNING}),
    FAILED: frozenset({RUNNING}),
}

# What each status means, for the header's tooltip.
MEANINGS = {
    IDLE: "No search has run in this kernel yet.",
    RUNNING: "Trials are training in the background.",
    PAUSING: "Pause asked: the search holds at the next training batch.",
    PAUSED: "The search holds inside the running trial (or between trials); Resume goes on "
    "from there.",
    STOPPING: "No new trial starts; the search ends when the running trial does.",
    STOPPED: "Stopped by the user; Continue (or search() again) goes on, keeping every trial.",
    FINISHED: "Every trial of the budget has run; raise Max trials and Continue for more.",
    FAILED: "The search ended with an error; Continue (or search() again) retries.",
}

# The controls, in the order of the dashboard's buttons.
PAUSE = "pause"
RESUME = "resume"
STOP = "stop"
STOP_NOW = "stop_now"
SKIP_TRIAL = "skip_trial"
CONTINUE = "continue"
MAX_TRIALS = "max_trials"
CONTROLS = (PAUSE, RESUME, STOP, STOP_NOW, SKIP_TRIAL, CONTINUE, MAX_TRIALS)


def sources(status: str) -> frozenset[str]:
    """The statuses from which `status` can be reached."""
    return frozenset(s for s, targets in TRANSITIONS.items() if status in targets)


def can_move(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class Situation:
    """What decides which control applies: the status and a few facts beside it."""

    status: str
    running_trial: str | None = None  # the trial training now, if one is
    stop_now_requested: bool = False
    skip_requested: bool = False  # for the running trial
    # Why this tuner cannot continue even once ended (None: it can), e.g. no data yet.
    continue_blocker: str | None = None
    trials_left: bool = True  # the budget allows another trial (or one waits to re-run)
    # Why the budget cannot be edited at all (None: it can), e.g. Hyperband's.
    budget_blocker: str | None = None
    distributed: bool = False  # the notebook is the chief: trials run on workers


def blocked_reason(control: str, situation: Situation) -> str | None:
    """Why `control` does not apply in `situation`, or None when it does."""
    status = situation.status
    if control == MAX_TRIALS:
        return situation.budget_blocker
    if control == CONTINUE:
        if status not in ENDED and status != IDLE:
            return f"The search is {status}; Continue applies once it has stopped or finished."
        if situation.continue_blocker:
            return situation.continue_blocker
        if not situation.trials_left:
            return "Every trial of the budget has run; raise max_trials first."
        return None
    if status == IDLE:
        return "The search is idle; call tuner.search(...) first."
    if status in ENDED:
        return f"The search has {status}; there is nothing to {_verb(control)}."
    if control == PAUSE:
        if status in (PAUSING, PAUSED):
            return f"The search is already {status}."
        if status == STOPPING:
            return "The search is stopping; it ends with the running trial."
        return None
    if control == RESUME:
        return None if status in (PAUSING, PAUSED) else "The search is not paused."
    if control == STOP:
        return "The search is already stopping." if status == STOPPING else None
    if situation.distributed:
        return "Trials run on the workers of a distributed search; use Stop."
    if control == STOP_NOW:
        if situation.stop_now_requested:
            return "The running trial is already being stopped."
        return None
    if control == SKIP_TRIAL:
        if situation.running_trial is None:
            return "No trial is running (the search is between trials)."
        if situation.skip_requested or situation.stop_now_requested:
            return f"Trial {situation.running_trial} already ends early."
        return None
    raise ValueError(f"unknown control {control!r}; the controls are {', '.join(CONTROLS)}")


def blocked_controls(situation: Situation) -> dict[str, str]:
    """Every control that does not apply in `situation`, with the reason."""
    reasons = {control: blocked_reason(control, situation) for control in CONTROLS}
    return {control: reason for control, reason in reasons.items() if reason is not None}


def _verb(control: str) -> str:
    return {STOP_NOW: "stop", SKIP_TRIAL: "skip"}.get(control, control)
