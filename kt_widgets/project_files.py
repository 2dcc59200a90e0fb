"""A KerasTuner project on disk, read into a SearchState as its files change.

Another process (a script, a cluster job, a distributed chief) writes the
project: keras_tuner's `oracle.json` and `trial_<id>/trial.json`, and, from
kt_widgets, `trial_<id>/kt_widgets_epochs.json`. This module only reads them,
as plain JSON (no Keras needed), and never writes, creates or locks anything
there. A file is read again only when its size or modification time changed;
one caught half-written is read again at the next poll.
"""

from __future__ import annotations

import json
import math
import os
import time
from typing import Any

from kt_widgets import store
from kt_widgets.core import state as st
from kt_widgets.core.space import space_rows, version_for_index
from kt_widgets.core.state import SearchState, TrialRecord

ORACLE_FILE = "oracle.json"
TRIAL_FILE = "trial.json"
# keras_tuner's tuner id when the search is not distributed: not worth a column.
_LOCAL_TUNER_ID = "tuner0"


def _signature(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def _mean(values: Any) -> float | None:
    if isinstance(values, (int, float)):
        return float(values)
    numbers = [float(v) for v in values or [] if isinstance(v, (int, float))]
    return sum(numbers) / len(numbers) if numbers else None


def _last_values(metrics: dict[str, Any]) -> dict[str, float]:
    """The last observation of each metric (keras_tuner's `get_last_value`)."""
    values = {}
    for name, history in metrics.items():
        observations = history.get("observations") or [] if isinstance(history, dict) else []
        if observations:
            value = _mean(observations[-1].get("value"))
            if value is not None:
                values[name] = value
    return values


def _value_at(history: dict[str, Any], step: Any) -> float | None:
    for observation in history.get("observations") or []:
        if observation.get("step") == step:
            return _mean(observation.get("value"))
    return None


def _trial_sort_key(name: str):
    trial_id = name[len("trial_") :]
    return (0, int(trial_id), "") if trial_id.isdigit() else (1, 0, trial_id)


class ProjectReader:
    """Reads what changed in one project directory into a SearchState.

    Args:
        project_dir: str. The `directory/project_name` folder of the search.
        state: SearchState. Where the trials go.
        objective: str or None. The objective's metric name; None infers it
            from the files (the metric whose value at the best step is the
            trial's score).
    """

    def __init__(self, project_dir: str, state: SearchState, objective: str | None = None):
        self.project_dir = project_dir
        self._state = state
        self._objective = objective  # the name given, if any
        self._objective_known = False
        self._signatures: dict[str, tuple[int, int, int] | None] = {}
        self._trials: dict[str, dict[str, Any]] = {}  # trial id -> its trial.json
        self._curves: dict[str, list] = {}
        self._dirs: dict[str, str] = {}  # trial id -> its directory
        self._workers: dict[str, str] = {}  # trial id -> tuner id that ran it
        self._seen_running: dict[str, float] = {}
        self._seen_ended: dict[str, float] = {}
        # The space from oracle.json, and kt_widgets' edits of it (history, pins).
        self._space: dict[str, Any] = {}
        self._space_edits: dict[str, Any] = {}

    def _read_if_changed(self, path: str, read) -> tuple[bool, Any]:
        """(changed, content) of a file, read only when it changed since the last read."""
        signature = _signature(path)
        if signature is None or signature == self._signatures.get(path):
            return False, None
        try:
            content = read(path)
        except (OSError, ValueError):  # half-written: the next poll reads it again
            return False, None
        self._signatures[path] = signature
        return True, content

    def poll(self) -> bool:
        """Read what changed on disk; True if the state changed."""
        dirty: set[str] = set()
        changed, oracle = self._read_if_changed(
            os.path.join(self.project_dir, ORACLE_FILE), _read_json
        )
        if changed and isinstance(oracle, dict):
            space = oracle.get("hyperparameters")
            if isinstance(space, dict):
                self._space = space
            for tuner_id, trial_id in (oracle.get("ongoing_trials") or {}).items():
                if tuner_id != _LOCAL_TUNER_ID and self._workers.get(trial_id) != tuner_id:
                    self._workers[str(trial_id)] = str(tuner_id)
                    dirty.add(str(trial_id))
        edited, edits = self._read_if_changed(
            os.path.join(self.project_dir, store.SPACE_FILE), _read_json
        )
        if edited and isinstance(edits, dict):
            self._space_edits = edits
            dirty.update(self._trials)  # their space versions may have changed
        if changed or edited:
            pinned = {
                name: str(config.get("class_name", "?"))
                for name, config in (self._space_edits.get("pinned") or {}).items()
            }
            history = list(self._space_edits.get("history") or [])
            self._state.set_space(space_rows(self._space, pinned), history)
        try:
            entries = sorted(
                (e for e in os.scandir(self.project_dir) if e.name.startswith("trial_")),
                key=lambda e: _trial_sort_key(e.name),
            )
        except OSError:  # not there yet
            entries = []
        for entry in entries:
            if not entry.is_dir():
                continue
            changed, trial = self._read_if_changed(os.path.join(entry.path, TRIAL_FILE), _read_json)
            if changed and isinstance(trial, dict) and trial.get("trial_id") is not None:
                trial_id = str(trial["trial_id"])
                self._trials[trial_id] = trial
                self._dirs[trial_id] = entry.path
                dirty.add(trial_id)
            trial_id = entry.name[len("trial_") :]
            changed, curves = self._read_if_changed(
                os.path.join(entry.path, store.CURVES_FILE), _read_curves_file
            )
            if changed:
                self._curves[trial_id] = curves
                dirty.add(trial_id)
        dirty &= set(self._trials)
        if not dirty:
            return False
        if not self._objective_known:
            self._infer_objective()
        for trial_id in sorted(dirty, key=lambda t: _trial_sort_key("trial_" + t)):
            self._state.restore_trial(self._record(trial_id))
        running = any(t.get("status") == st.TRIAL_RUNNING for t in self._trials.values())
        self._state.set_status(st.RUNNING if running else st.IDLE)
        return True

    def _record(self, trial_id: str) -> TrialRecord:
        trial = self._trials[trial_id]
        status = str(trial.get("status") or st.TRIAL_RUNNING)
        now = time.time()
        if status == st.TRIAL_RUNNING:
            self._seen_running.setdefault(trial_id, now)
            self._seen_ended.pop(trial_id, None)
        elif trial_id in self._seen_running:
            self._seen_ended.setdefault(trial_id, now)
        hyperparameters = trial.get("hyperparameters") or {}
        metrics = (trial.get("metrics") or {}).get("metrics") or {}
        score = trial.get("score")
        return TrialRecord(
            trial_id=trial_id,
            status=status,
            hyperparameters=dict(hyperparameters.get("values") or {}),
            score=float(score) if isinstance(score, (int, float)) else None,
            best_step=trial.get("best_step"),
            metrics=_last_values(metrics),
            executions=self._curves.get(trial_id, []),
            # Times are known only for trials seen running by this reader.
            started=self._seen_running.get(trial_id),
            ended=self._seen_ended.get(trial_id),
            message=trial.get("message"),
            worker=self._workers.get(trial_id),
            space_version=version_for_index(
                list(self._space_edits.get("history") or []),
                int(trial_id) if trial_id.isdigit() else 0,
            ),
        )

    def _infer_objective(self) -> None:
        """The metric whose value at the best step is the score, in every completed trial."""
        candidates: dict[str, str] | None = None
        for trial in self._trials.values():
            score, step = trial.get("score"), trial.get("best_step")
            if trial.get("status") != st.TRIAL_COMPLETED or not isinstance(score, (int, float)):
                continue
            metrics = (trial.get("metrics") or {}).get("metrics") or {}
            matching = {}
            for name, history in metrics.items():
                if self._objective is not None and name != self._objective:
                    continue
                value = _value_at(history, step) if isinstance(history, dict) else None
                if value is not None and math.isclose(value, score, rel_tol=1e-9, abs_tol=1e-12):
                    matching[name] = str(history.get("direction") or "min")
            if candidates is None:
                candidates = matching
            else:
                candidates = {n: d for n, d in candidates.items() if n in matching}
        if candidates:
            # Settled once one metric is left; until then the first one stands in.
            self._objective_known = len(candidates) == 1
            name, direction = next(iter(candidates.items()))
            self._state.objective = name
            self._state.objective_metrics = [name]
            self._state.direction = direction


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _read_curves_file(path: str) -> list:
    return store.read_curves(os.path.dirname(path))
