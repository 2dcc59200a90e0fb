"""SearchState: the live model of one tuner's search, shared between threads.

The search thread appends (trial started, epoch ended, trial ended); the UI pump
reads consistent copies. Every change bumps `version`, records which trial
changed, and wakes the subscribers, so a reader can ask for exactly what changed
since the version it last saw.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from kt_widgets.core.executions import Execution, append_epoch, as_execution

# Search statuses, as shown in the dashboard header and `tuner.status`.
IDLE = "idle"
RUNNING = "running"
PAUSING = "pausing"
PAUSED = "paused"
STOPPING = "stopping"
STOPPED = "stopped"
FINISHED = "finished"
FAILED = "failed"
ACTIVE_STATUSES = (RUNNING, PAUSING, PAUSED, STOPPING)

# Trial statuses are keras_tuner's TrialStatus strings.
TRIAL_RUNNING = "RUNNING"
TRIAL_COMPLETED = "COMPLETED"
TRIAL_FAILED = "FAILED"
_NOTE = "kt_widgets: the objective needs"
# Ours: ended by the user's "Skip trial" after an epoch; keras_tuner has it COMPLETED.
TRIAL_SKIPPED = "SKIPPED"
# Ended by the user's "Stop now" mid-epoch: not done; it runs again, under its id.
TRIAL_STOPPED = "STOPPED"
SCORED_TRIAL_STATUSES = (TRIAL_COMPLETED, TRIAL_SKIPPED)
DONE_TRIAL_STATUSES = (TRIAL_COMPLETED, TRIAL_SKIPPED, TRIAL_FAILED)

LOG_LINES_KEPT = 2000


@dataclass
class TrialRecord:
    """One trial as the dashboard knows it. Mutated only under the state's lock."""

    trial_id: str
    status: str = TRIAL_RUNNING
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    best_step: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    # The (epoch, logs) pairs of each execution, packed; a new execution starts
    # when the epoch number does not increase (each `fit` restarts its count).
    executions: list[Execution] = field(default_factory=list)
    started: float | None = None
    ended: float | None = None
    message: str | None = None
    epochs_planned: int | None = None
    # Time spent paused is not the trial's: its duration leaves it out.
    paused_seconds: float = 0.0
    paused_since: float | None = None
    # The tuner id of the worker that runs it, in a distributed search.
    worker: str | None = None
    # The version of the search space it ran under (0: as built; +1 per edit).
    space_version: int = 0

    @property
    def epochs_done(self) -> int:
        return max((len(points) for points in self.executions), default=0)

    @property
    def duration(self) -> float | None:
        if self.started is None:
            return None
        end = self.ended if self.ended is not None else time.time()
        paused = self.paused_seconds
        if self.paused_since is not None:
            paused += end - self.paused_since
        return max(0.0, end - self.started - paused)

    def copy(self) -> TrialRecord:
        return dataclasses.replace(
            self,
            hyperparameters=dict(self.hyperparameters),
            metrics=dict(self.metrics),
            executions=[points.copy() for points in self.executions],
        )


@dataclass(frozen=True)
class SearchSummary:
    """What the dashboard header shows, computed in one consistent read."""

    status: str
    objective: str
    direction: str
    trials_total: int
    trials_done: int
    trials_failed: int
    max_trials: int | None
    running_trial: str | None
    running_epoch: int
    running_epochs_planned: int | None
    elapsed: float
    remaining_estimate: float | None
    best_trial: str | None
    best_score: float | None
    error: str | None
    error_traceback: str | None


def is_better(score: float, than: float, direction: str) -> bool:
    return score > than if direction == "max" else score < than


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


class Subscribers:
    """Callbacks to call after a change; `add` returns the function that removes one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def add(self, callback: Callable[[], None]) -> Callable[[], None]:
        with self._lock:
            self._callbacks.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    def __iter__(self):
        with self._lock:  # a copy: a callback may remove itself
            return iter(list(self._callbacks))


class SearchState:
    """Thread-safe record of a search: trials, per-epoch logs, status, log lines."""

    def __init__(
        self,
        objective: str = "",
        direction: str = "min",
        max_trials: int | None = None,
        objective_metrics: list[str] | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._subscribers = Subscribers()
        self.objective = objective
        # Metrics the objective is made of (several for a multi-objective),
        # in the order the curves prefer them.
        self.objective_metrics = objective_metrics or ([objective] if objective else [])
        self.direction = direction
        self.max_trials = max_trials
        self._version = 0
        self._status = IDLE
        self._trials: dict[str, TrialRecord] = {}
        # trial id -> version of its last change, oldest change first.
        self._changes: collections.OrderedDict[str, int] = collections.OrderedDict()
        self._space: list[dict[str, Any]] = []
        self._space_history: list[dict[str, Any]] = []
        self._space_version = 0
        self._log: collections.deque[tuple[int, str]] = collections.deque(maxlen=LOG_LINES_KEPT)
        self._log_seq = 0
        self._started_at: float | None = None
        self._ended_at: float | None = None
        self._elapsed_before = 0.0  # time spent in earlier searches of this tuner
        self._error: str | None = None
        self._traceback: str | None = None
        self._hp_kinds: dict[str, str] = {}  # name -> "number" or "text"
        self._metric_names: dict[str, None] = {}
        self._epoch_metric_names: dict[str, None] = {}
        self._has_workers = False
        # What summary() and best() need, kept up to date at each change of a
        # trial, so that reading them costs nothing per trial: a push of the
        # dashboard must not get slower as trials accumulate.
        self._position: dict[str, int] = {}  # trial id -> order of first sight
        self._running: dict[str, None] = {}
        self._done = self._failed = 0
        self._durations: dict[str, float] = {}  # done trials with a duration
        self._duration_sum = 0.0
        self._best_cache: tuple[str, str | None, float | None] | None = None

    # -- subscriptions -------------------------------------------------------
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback()` after every change (from the changing thread).

        Callbacks must be cheap and must not raise; returns an unsubscribe function.
        """
        return self._subscribers.add(callback)

    def _changed(self, trial_id: str | None = None) -> None:
        # Called with the lock held.
        self._version += 1
        if trial_id is not None:
            self._changes[trial_id] = self._version
            self._changes.move_to_end(trial_id)
        for callback in self._subscribers:
            try:
                callback()
            except Exception as error:  # a view's trouble must not fail the trial
                self._log_seq += 1
                self._log.append((self._log_seq, f"kt_widgets: update failed: {error!r}"))

    # -- reads ---------------------------------------------------------------
    @property
    def version(self) -> int:
        return self._version

    @property
    def status(self) -> str:
        return self._status

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def space_version(self) -> int:
        return self._space_version

    def space(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(row) for row in self._space]

    def space_history(self) -> list[dict[str, Any]]:
        """The edits of the search space, oldest first."""
        with self._lock:
            return [dict(entry) for entry in self._space_history]

    def trial_ids(self) -> list[str]:
        with self._lock:
            return list(self._trials)

    def trial(self, trial_id: str) -> TrialRecord | None:
        with self._lock:
            record = self._trials.get(trial_id)
            return record.copy() if record is not None else None

    def trial_ids_with_epochs(self) -> list[str]:
        """The trials that logged at least one epoch, oldest first."""
        with self._lock:
            return [i for i, record in self._trials.items() if record.epochs_done]

    def trials(self, trial_ids: list[str] | None = None) -> list[TrialRecord]:
        with self._lock:
            ids = list(self._trials) if trial_ids is None else trial_ids
            return [self._trials[i].copy() for i in ids if i in self._trials]

    def changed_since(self, version: int) -> tuple[int, list[str]]:
        """The current version and the ids of trials changed after `version`."""
        with self._lock:
            changed = []
            for trial_id, changed_at in reversed(self._changes.items()):
                if changed_at <= version:
                    break
                changed.append(trial_id)
            changed.reverse()
            return self._version, changed

    def curves(self, trial_id: str) -> list[Execution]:
        """A copy of the trial's executions, each a sequence of (epoch, logs) pairs."""
        with self._lock:
            record = self._trials.get(trial_id)
            if record is None:
                return []
            return [points.copy() for points in record.executions]

    def hyperparameter_kinds(self) -> dict[str, str]:
        """Hyperparameter names seen, in order, each "number" or "text"."""
        with self._lock:
            return dict(self._hp_kinds)

    def _note_hyperparameters(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or self._hp_kinds.get(name) == "text":
                self._hp_kinds[name] = "text"
            else:
                self._hp_kinds[name] = "number"

    def has_workers(self) -> bool:
        """Whether some trial ran on a worker of a distributed search."""
        return self._has_workers

    def metric_names(self) -> list[str]:
        """Names of the final metrics reported for trials."""
        with self._lock:
            return list(self._metric_names)

    def epoch_metric_names(self) -> list[str]:
        """Names seen in per-epoch logs (what the curves can plot)."""
        with self._lock:
            return list(self._epoch_metric_names)

    def log_position(self) -> int:
        """The sequence number of the newest log line (0 before any)."""
        with self._lock:
            return self._log_seq

    def log_since(self, seq: int) -> tuple[int, list[str]]:
        """Log lines after sequence number `seq`, and the newest sequence number."""
        with self._lock:
            lines = []
            for s, line in reversed(self._log):  # the newest first: stop at the seen ones
                if s <= seq:
                    break
                lines.append(line)
            lines.reverse()
            return self._log_seq, lines

    def best(self) -> tuple[str | None, float | None]:
        """The best COMPLETED trial with a finite score, as (trial id, score)."""
        with self._lock:
            return self._best()

    def _best(self) -> tuple[str | None, float | None]:
        cache = self._best_cache
        if cache is None or cache[0] != self.direction:  # e.g. a watched project's late direction
            best_id, best_score = None, None
            for record in self._trials.values():
                if self._beats_best(record, best_id, best_score):
                    best_id, best_score = record.trial_id, record.score
            cache = self._best_cache = (self.direction, best_id, best_score)
        return cache[1], cache[2]

    def _beats_best(self, record: TrialRecord, best_id: str | None, best: float | None) -> bool:
        """Whether `record` is a better best; ties go to the trial seen first."""
        if record.status not in SCORED_TRIAL_STATUSES or not _finite(record.score):
            return False
        if best is None or is_better(record.score, best, self.direction):
            return True
        return record.score == best and self._position[record.trial_id] < self._position[best_id]

    # -- the running totals behind summary() and best() ------------------------
    def _uncount(self, record: TrialRecord) -> None:
        """Take `record` out of the totals before it changes (lock held)."""
        trial_id = record.trial_id
        self._running.pop(trial_id, None)
        if record.status in DONE_TRIAL_STATUSES:
            self._done -= 1
            self._failed -= record.status == TRIAL_FAILED
        duration = self._durations.pop(trial_id, None)
        if duration is not None:
            self._duration_sum -= duration
        if self._best_cache is not None and self._best_cache[1] == trial_id:
            self._best_cache = None  # the best changed: found again on the next read

    def _count(self, record: TrialRecord) -> None:
        """Add `record` to the totals after it changed (lock held)."""
        trial_id = record.trial_id
        self._position.setdefault(trial_id, len(self._position))
        if record.status == TRIAL_RUNNING:
            self._running[trial_id] = None
        if record.status in DONE_TRIAL_STATUSES:
            self._done += 1
            self._failed += record.status == TRIAL_FAILED
            duration = record.duration
            if duration is not None:
                self._durations[trial_id] = duration
                self._duration_sum += duration
        cache = self._best_cache
        if cache is not None and cache[0] == self.direction:
            if self._beats_best(record, cache[1], cache[2]):
                self._best_cache = (self.direction, trial_id, record.score)

    def elapsed(self) -> float:
        with self._lock:
            return self._elapsed()

    def _elapsed(self) -> float:
        if self._started_at is None:
            return self._elapsed_before
        end = self._ended_at if self._ended_at is not None else time.time()
        return self._elapsed_before + (end - self._started_at)

    def summary(self) -> SearchSummary:
        """The header's figures; costs the same at 10 trials and at 10,000."""
        with self._lock:
            done, failed = self._done, self._failed  # retried or interrupted: not done
            # The running trial shown is the last one seen (several run in a
            # distributed search).
            running_id = max(self._running, key=self._position.__getitem__, default=None)
            running = self._trials[running_id] if running_id is not None else None
            best_id, best_score = self._best()
            remaining = None
            if self.max_trials and self._durations and self._status in ACTIVE_STATUSES:
                left = max(0, self.max_trials - done)
                remaining = left * (self._duration_sum / len(self._durations))
                if running is not None and running.duration is not None:
                    remaining = max(0.0, remaining - running.duration)
            return SearchSummary(
                status=self._status,
                objective=self.objective,
                direction=self.direction,
                trials_total=len(self._trials),
                trials_done=done,
                trials_failed=failed,
                max_trials=self.max_trials,
                running_trial=running.trial_id if running else None,
                running_epoch=running.epochs_done if running else 0,
                running_epochs_planned=running.epochs_planned if running else None,
                elapsed=self._elapsed(),
                remaining_estimate=remaining,
                best_trial=best_id,
                best_score=best_score,
                error=self._error,
                error_traceback=self._traceback,
            )

    # -- writes: the search ------------------------------------------------------
    def set_status(self, status: str, only_from: Collection[str] | None = None) -> bool:
        """Set the search's status; with `only_from`, only if the current one is in it.

        Returns whether the status changed. The check and the change are one
        step, so two threads cannot both move the search (see core/lifecycle.py).
        """
        with self._lock:
            if status == self._status:
                return False
            if only_from is not None and self._status not in only_from:
                return False
            if status == RUNNING and self._status not in ACTIVE_STATUSES:
                # A new search: the clock restarts, earlier time is kept.
                self._elapsed_before = self._elapsed()
                self._started_at, self._ended_at = time.time(), None
                self._error = self._traceback = None
            elif status not in ACTIVE_STATUSES and self._started_at is not None:
                self._ended_at = self._ended_at or time.time()
            if PAUSED in (status, self._status):
                self._mark_pause(status == PAUSED)
            self._status = status
            self._changed()
            return True

    def set_max_trials(self, max_trials: int | None) -> None:
        """The trial budget changed (the user raised or lowered it)."""
        with self._lock:
            if max_trials != self.max_trials:
                self.max_trials = max_trials
                self._changed()

    def _mark_pause(self, pausing: bool) -> None:
        now = time.time()
        for trial_id in self._running:
            record = self._trials[trial_id]
            if pausing:
                record.paused_since = now
            elif record.paused_since is not None:
                record.paused_seconds += now - record.paused_since
                record.paused_since = None
            self._changed(record.trial_id)

    def fail(self, error: str, traceback_text: str | None = None) -> None:
        """The search ended with an exception; trials still running end FAILED."""
        with self._lock:
            now = time.time()
            for trial_id in list(self._running):
                record = self._trials[trial_id]
                self._uncount(record)
                record.status = TRIAL_FAILED
                record.ended = now
                record.message = record.message or error
                self._note_missing_objective(record)
                self._count(record)
                self._changed(trial_id)
            self._error, self._traceback = error, traceback_text
            self.set_status(FAILED)

    def set_space(
        self, rows: list[dict[str, Any]], history: list[dict[str, Any]] | None = None
    ) -> None:
        """The search space as rows, and (if given) the history of its edits."""
        with self._lock:
            history = self._space_history if history is None else history
            if rows == self._space and history == self._space_history:
                return
            self._space = [dict(row) for row in rows]
            self._space_history = [dict(entry) for entry in history]
            self._space_version += 1
            self._changed()

    # -- writes: trials ------------------------------------------------------------
    def _record(self, trial_id: str) -> TrialRecord:
        # Called with the lock held.
        record = self._trials.get(trial_id)
        if record is None:
            record = self._trials[trial_id] = TrialRecord(trial_id)
            self._count(record)
        return record

    def trial_started(
        self,
        trial_id: str,
        hyperparameters: dict[str, Any],
        epochs_planned: int | None = None,
        worker: str | None = None,
        space_version: int = 0,
    ) -> None:
        """A trial starts (or is retried: its earlier epochs are dropped)."""
        with self._lock:
            record = self._record(trial_id)
            record.space_version = space_version
            self._uncount(record)
            if worker is not None:
                record.worker = worker
                self._has_workers = True
            record.status = TRIAL_RUNNING
            record.hyperparameters = dict(hyperparameters)
            record.executions = []
            record.score = record.best_step = record.ended = record.message = None
            record.metrics = {}
            record.started = time.time()
            record.paused_seconds, record.paused_since = 0.0, None
            record.epochs_planned = epochs_planned
            self._count(record)
            self._note_hyperparameters(hyperparameters)
            self._changed(trial_id)

    def epoch_ended(self, trial_id: str, epoch: int, logs: dict[str, float]) -> None:
        """Record one epoch's logs (the hot path: no I/O, no copies beyond `logs`)."""
        with self._lock:
            record = self._record(trial_id)
            if record.started is None:  # epochs from a run_trial without on_trial_begin
                self._uncount(record)
                record.started = time.time()
                self._count(record)
            if append_epoch(record.executions, epoch, logs):
                for name in logs:
                    self._epoch_metric_names.setdefault(name, None)
            self._changed(trial_id)

    def trial_ended(
        self,
        trial_id: str,
        status: str,
        score: float | None = None,
        best_step: int | None = None,
        metrics: dict[str, float] | None = None,
        message: str | None = None,
        hyperparameters: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            record = self._record(trial_id)
            self._uncount(record)
            record.status = status
            record.score = score
            record.best_step = _scored_step(status, best_step)
            record.metrics = dict(metrics or {})
            record.message = message
            self._note_missing_objective(record)
            record.ended = time.time()
            if hyperparameters is not None:
                record.hyperparameters = dict(hyperparameters)
            self._count(record)
            self._note_hyperparameters(record.hyperparameters)
            for name in record.metrics:
                self._metric_names.setdefault(name, None)
            self._changed(trial_id)

    def _note_missing_objective(self, record: TrialRecord) -> None:
        # A trial that failed because its logs lack the objective (e.g. "val_accuracy"
        # without validation data, or a renamed metric) says which names it logged.
        if record.status != TRIAL_FAILED or not record.message or _NOTE in record.message:
            return
        logged = {name for points in record.executions for name in points.metric_names()}
        missing = [name for name in self.objective_metrics if name and name not in logged]
        if logged and missing:
            record.message += (
                f"\n{_NOTE} {', '.join(missing)}; this trial logged {', '.join(sorted(logged))}"
            )

    def restore_trial(self, record: TrialRecord) -> None:
        """Add a trial read back from disk (a reloaded project)."""
        with self._lock:
            earlier = self._trials.get(record.trial_id)
            if earlier is not None:
                self._uncount(earlier)
            record.executions = [as_execution(points) for points in record.executions]
            record.best_step = _scored_step(record.status, record.best_step)
            self._trials[record.trial_id] = record
            self._note_missing_objective(record)
            self._count(record)
            self._has_workers = self._has_workers or record.worker is not None
            self._note_hyperparameters(record.hyperparameters)
            for name in record.metrics:
                self._metric_names.setdefault(name, None)
            for points in record.executions:
                for name in points.metric_names():
                    self._epoch_metric_names.setdefault(name, None)
            self._changed(record.trial_id)

    def log(self, text: str) -> None:
        """Append lines of worker output (whole lines: see `streams.LineRouter`)."""
        if not text:
            return
        with self._lock:
            for line in text.splitlines():
                self._log_seq += 1
                self._log.append((self._log_seq, line))
            self._changed()


def _scored_step(status: str, best_step: int | None) -> int | None:
    # keras_tuner gives every trial a best_step, 0 for one that failed or never ended.
    return best_step if status in SCORED_TRIAL_STATUSES else None
