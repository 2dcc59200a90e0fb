"""Trial inspection as plain data: what the inspection panel shows, and evaluations.

The panel follows the table's selection: nothing selected shows the best
trial, one trial shows that trial, two to four are compared side by side.
Model architectures and evaluations come from the Keras side as the plain
values defined here, so the panel and the reports need no Keras.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kt_widgets.core.state import (
    SCORED_TRIAL_STATUSES,
    SearchState,
    Subscribers,
    TrialRecord,
    is_better,
)

BEST = "best"
TRIAL = "trial"
COMPARE = "compare"
EMPTY = "empty"
TOO_MANY = "too_many"

MAX_COMPARED = 4
NO_COMPLETED_TRIALS = "No completed trials yet: the best model appears here once a trial completes."


@dataclass(frozen=True)
class PanelSelection:
    """Which trials the panel shows, and how (one of the mode constants above)."""

    mode: str
    trial_ids: tuple[str, ...] = ()
    message: str = ""


def panel_selection(state: SearchState, selected: list[str]) -> PanelSelection:
    """The best trial when nothing is selected, else the selected trials.

    The best trial is only ever a COMPLETED one with a finite score: a failed
    or running trial is shown when the user selects it, never as the best.
    """
    known = set(state.trial_ids())
    chosen = tuple(trial_id for trial_id in selected if trial_id in known)
    if not chosen:
        best_id, _ = state.best()
        if best_id is None:
            return PanelSelection(EMPTY, message=NO_COMPLETED_TRIALS)
        return PanelSelection(BEST, (best_id,))
    if len(chosen) == 1:
        return PanelSelection(TRIAL, chosen)
    if len(chosen) <= MAX_COMPARED:
        return PanelSelection(COMPARE, chosen)
    return PanelSelection(
        TOO_MANY,
        chosen,
        f"{len(chosen)} trials are selected: select 2 to {MAX_COMPARED} to compare them.",
    )


@dataclass(frozen=True)
class ComparedValue:
    """One hyperparameter across the compared trials; None where a trial lacks it."""

    name: str
    values: tuple[Any, ...]
    differs: bool


def compare_hyperparameters(records: list[TrialRecord]) -> list[ComparedValue]:
    """Every hyperparameter of the trials, in first-seen order, with differences marked.

    A hyperparameter one trial has and another lacks (a conditional one) differs.
    """
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record.hyperparameters))
    rows = []
    for name in names:
        values = tuple(record.hyperparameters.get(name) for record in records)
        present = [name in record.hyperparameters for record in records]
        differs = not all(present) or any(_differ(values[0], v) for v in values[1:])
        rows.append(ComparedValue(name, values, differs))
    return rows


def _differ(a: Any, b: Any) -> bool:
    # True == 1 in Python, but a Boolean and a number are different choices.
    return type(a) is not type(b) or a != b


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: str
    params: int


@dataclass(frozen=True)
class Architecture:
    """A model's layers and parameter counts; `error` says why there is none."""

    layers: tuple[LayerRow, ...] = ()
    total_params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a trial's model evaluated on data the user passed."""

    trial_id: str
    metrics: dict[str, float]
    samples: int | None = None


@dataclass
class EvaluationResults:
    """The latest evaluation of each trial; thread-safe, with change callbacks."""

    _results: dict[str, Evaluation] = field(default_factory=dict)
    _subscribers: Subscribers = field(default_factory=Subscribers)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0

    def add(self, evaluation: Evaluation) -> None:
        with self._lock:
            self._results[evaluation.trial_id] = evaluation
            self.version += 1
        for callback in self._subscribers:
            callback()

    def get(self, trial_id: str) -> Evaluation | None:
        with self._lock:
            return self._results.get(trial_id)

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        return self._subscribers.add(callback)


@dataclass(frozen=True)
class CurveSeries:
    """One line of a curves figure: a metric of one execution of one trial."""

    trial_id: str
    execution: int  # from 1
    epochs: tuple[int, ...]
    values: tuple[float, ...]


def curve_series(state: SearchState, trial_ids: list[str], metric: str) -> list[CurveSeries]:
    """The per-epoch values of `metric` for each execution of the given trials."""
    series = []
    for trial_id in trial_ids:
        for number, points in enumerate(state.curves(trial_id), start=1):
            pairs = [(epoch, logs[metric]) for epoch, logs in points if metric in logs]
            if pairs:
                epochs, values = zip(*pairs, strict=True)
                series.append(CurveSeries(trial_id, number, epochs, values))
    return series


def default_metrics(state: SearchState, trial_ids: list[str]) -> list[str]:
    """The metrics worth plotting first: the objective's, then the loss."""
    seen: dict[str, None] = {}
    for trial_id in trial_ids:
        for points in state.curves(trial_id):
            for _, logs in points:
                seen.update(dict.fromkeys(logs))
    preferred = [m for m in (*state.objective_metrics, "loss") if m in seen]
    return list(dict.fromkeys(preferred)) or list(seen)[:1]


@dataclass(frozen=True)
class ScoreHistory:
    """Scores in trial order, and the best score so far after each trial."""

    trial_ids: tuple[str, ...]
    scores: tuple[float | None, ...]  # None: the trial has no finite completed score
    best_so_far: tuple[float | None, ...]
    objective: str
    direction: str


def score_history(state: SearchState) -> ScoreHistory:
    """Trials in the order they started; only COMPLETED finite scores count."""
    ids, scores, best_so_far = [], [], []
    current: float | None = None
    for record in state.trials():
        score = record.score if _counts(record) else None
        if score is not None and (current is None or is_better(score, current, state.direction)):
            current = score
        ids.append(record.trial_id)
        scores.append(score)
        best_so_far.append(current)
    return ScoreHistory(
        tuple(ids), tuple(scores), tuple(best_so_far), state.objective, state.direction
    )


def _counts(record: TrialRecord) -> bool:
    """The rule of `SearchState.best`: a completed (or skipped) trial, a finite score."""
    score = record.score
    return (
        record.status in SCORED_TRIAL_STATUSES
        and isinstance(score, (int, float))
        and math.isfinite(score)
    )
