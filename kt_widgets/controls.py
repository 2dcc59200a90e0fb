"""The tuner's controls: pause, resume, stop, stop now, skip trial, continue, the budget.

Every control is a method here and a button of the dashboard; both ask
`core.lifecycle` whether it applies, so a refused call and a disabled button
give the same reason. The search thread answers the intents in the tuner's
hooks (`_answer_controls`), at batch, epoch and trial boundaries.
"""

from __future__ import annotations

import dataclasses
import numbers
import threading
from typing import Any

import keras_tuner

from kt_widgets.core import lifecycle
from kt_widgets.core import state as st

# The start of a stopped trial's message (keras_tuner's trial.json keeps it).
USER_STOP_NOTE = "Stopped by the user"
USER_SKIP_NOTE = "Skipped by the user"


class StopNow(BaseException):
    """Ends the running trial at once, from a training hook.

    A BaseException, so that neither keras_tuner (which turns an Exception of a
    trial into a failed or retried trial) nor a user's `except Exception` in a
    custom `run_trial` can swallow it.
    """


class ControlsMixin:
    """The user's controls of a notebook tuner's search (see NotebookTunerMixin)."""

    # What the mixin that uses this one provides.
    control: Any
    search_state: st.SearchState
    oracle: Any
    chief: Any
    _current_trial: str | None

    def _init_controls(self) -> None:
        # One control call at a time (buttons on the main thread, cells, other threads).
        self._control_lock = threading.RLock()
        # The arguments of the last search, so that Continue can run it again.
        self._last_search: tuple[tuple, dict, bool] | None = None
        self._continuing = False
        # Why the oracle ended the last search with budget left (Hyperband's brackets
        # all ran, the grid is exhausted...): Continue cannot add trials then.
        self._oracle_exhausted: str | None = None

    # -- public API ---------------------------------------------------------
    def pause(self) -> None:
        """Pauses the search at the next training batch (or before the next trial).

        The search thread then waits, using no CPU, inside the running trial;
        `resume()` goes on from that batch: no epoch is lost or repeated.
        """
        with self._control_lock:
            self._require(lifecycle.PAUSE)
            self.control.pause()
            self._move(st.PAUSING)
            self._log("pause asked: the search holds at the next batch")

    def resume(self) -> None:
        """Resumes a paused search where it stopped."""
        with self._control_lock:
            self._require(lifecycle.RESUME)
            self.control.resume()
            self._move(st.RUNNING)
            self._log("resumed")

    def stop(self) -> None:
        """Lets the running trial finish, then ends the search; no new trial starts."""
        with self._control_lock:
            self._require(lifecycle.STOP)
            self.control.stop()
            self._move(st.STOPPING)
            running = self._current_trial
            self._log(
                f"stop asked: the search ends when trial {running} does"
                if running is not None
                else "stop asked: no new trial starts"
            )

    def stop_now(self) -> None:
        """Ends the running trial at the next batch, then the search.

        The trial is recorded as STOPPED (by the user), not as a completed trial
        with a partial score: keras_tuner runs it again, under its id, when the
        search continues (`continue_search()`, `search()`, or a reload).
        """
        with self._control_lock:
            self._require(lifecycle.STOP_NOW)
            self.control.stop_now()
            self._move(st.STOPPING)
            running = self._current_trial
            self._log(
                f"stop now asked: trial {running} ends at the next batch"
                if running is not None
                else "stop now asked: no new trial starts"
            )

    def skip_trial(self) -> None:
        """Ends the running trial after its current epoch; its score counts.

        keras_tuner records the trial as COMPLETED with the score of its best
        epoch so far (the oracle learns from it); the table shows it SKIPPED.
        With `executions_per_trial` > 1, each of its executions stops after an
        epoch. A custom `run_trial` ends early only if its loop checks
        `model.stop_training`, as Keras' `fit` does.
        """
        with self._control_lock:
            self._require(lifecycle.SKIP_TRIAL)
            self.control.skip(self._current_trial)
            self._log(f"trial {self._current_trial} ends after its current epoch (skipped)")

    def continue_search(self, max_trials: int | None = None, background: bool | None = None):
        """Continues a stopped, finished or failed search in place, keeping every trial.

        Runs `search()` again with the arguments of the last search. A trial
        stopped with `stop_now()` (or cut short by a dead kernel) runs again
        first, under its id.

        Args:
            max_trials: int or None. A new trial budget, set first. Defaults to
                None (keep the budget).
            background: bool or None. As for `search()`. Defaults to None: as
                the last search ran.
        """
        with self._control_lock:
            situation = self.control_situation()
            if max_trials is not None:
                # Check all but the budget first: nothing is half-applied.
                unbudgeted = dataclasses.replace(situation, trials_left=True)
                self._refuse(lifecycle.CONTINUE, unbudgeted, "continue")
                self.max_trials = max_trials
                situation = self.control_situation()
            self._refuse(lifecycle.CONTINUE, situation, "continue")
            args, kwargs, last_background = self._last_search
            budget = self.oracle.max_trials
            self._log("continue" + (f" (max_trials {budget})" if budget is not None else ""))
        self._continuing = True  # in place: the dashboard already shown is not shown again
        try:
            return self.search(
                *args, background=last_background if background is None else background, **kwargs
            )
        finally:
            self._continuing = False

    @property
    def max_trials(self) -> int | None:
        """The trial budget: no trial is created beyond it. Raise it to continue a search.

        Settable at any time, also while the search runs (from the next trial
        on); it cannot go below the number of trials that exist.
        """
        return self.oracle.max_trials

    @max_trials.setter
    def max_trials(self, value: int) -> None:
        with self._control_lock:
            reason = self._budget_blocker()
            if reason:
                raise RuntimeError(f"Cannot set max_trials: {_lower_first(reason)}")
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"max_trials must be a whole number, got {value!r}")
            value = int(value)
            created = len(self.oracle.trials)
            least = max(1, created)
            if value < least:
                exist = f": {created} trials exist already" if created else ""
                raise ValueError(f"max_trials must be at least {least}{exist}; got {value}")
            self.oracle.max_trials = value
            self.search_state.set_max_trials(value)

    def blocked_controls(self) -> dict[str, str]:
        """The controls that do not apply now, each with the reason.

        Keys are "pause", "resume", "stop", "stop_now", "skip_trial",
        "continue" and "max_trials"; a control absent from the dict applies.
        """
        return lifecycle.blocked_controls(self.control_situation())

    def control_situation(self) -> lifecycle.Situation:
        """What decides which controls apply now (the dashboard reads it too)."""
        control = self.control
        running = self._current_trial
        return lifecycle.Situation(
            status=self.search_state.status,
            running_trial=running,
            stop_now_requested=control.stop_now_requested,
            skip_requested=running is not None and control.skip_requested(running),
            continue_blocker=self._continue_blocker(),
            trials_left=self._trials_left(),
            budget_blocker=self._budget_blocker(),
            distributed=self.chief is not None,
        )

    # -- the search thread ------------------------------------------------------
    def _answer_controls(self) -> None:
        """At a batch or epoch boundary: hold while paused; end the trial on Stop now."""
        self._hold_if_paused()
        if self.control.stop_now_requested and self._current_trial is not None:
            raise StopNow()

    def _hold_if_paused(self) -> None:
        def on_hold() -> None:
            self.search_state.set_status(st.PAUSED, only_from=(st.PAUSING,))
            self._save_curves()

        self.control.hold_while_paused(on_hold=on_hold)

    def _skip_if_asked(self, trial, model) -> None:
        """At an epoch's end: a skipped trial's training stops here (as Keras' own)."""
        if self.control.skip_requested(trial.trial_id) and model is not None:
            if hasattr(model, "stop_training"):
                model.stop_training = True

    def _ended_status(self, trial) -> tuple[str, str | None]:
        """Our status and message for a trial keras_tuner has just ended."""
        if trial.status == st.TRIAL_COMPLETED and self.control.skip_requested(trial.trial_id):
            record = self.search_state.trial(trial.trial_id)
            epochs = record.epochs_done if record is not None else 0
            return st.TRIAL_SKIPPED, f"{USER_SKIP_NOTE} after {epochs} epochs; its score counts."
        return trial.status, trial.message

    def _forget_user_stop(self, trial) -> None:
        """A stopped trial runs again: its note must not stay on the completed trial."""
        if trial.message and trial.message.startswith(USER_STOP_NOTE):
            trial.message = None

    def _record_stopped_trial(self) -> None:
        """After Stop now: the trial is STOPPED on disk and waits to run again.

        keras_tuner's search loop was left by an exception, so it did not end
        the trial. It is taken off the oracle's ongoing trials and put in its
        retry queue (saved in oracle.json), which keras_tuner serves first, in
        this kernel or after a reload.
        """
        trial_id = self._current_trial
        if trial_id is None:
            return
        oracle = self.oracle
        trial = oracle.trials[trial_id]
        record = self.search_state.trial(trial_id)
        epochs = record.epochs_done if record is not None else 0
        trial.status = st.TRIAL_STOPPED
        trial.message = (
            f"{USER_STOP_NOTE} after {epochs} complete epochs; it runs again, "
            "under its id, when the search continues."
        )
        for tuner_id, ongoing in list(oracle.ongoing_trials.items()):
            if ongoing.trial_id == trial_id:
                del oracle.ongoing_trials[tuner_id]
        if trial_id not in oracle._retry_queue:  # keras_tuner 1.4's own queue
            oracle._retry_queue.append(trial_id)
        oracle._save_trial(trial)
        self.save()
        self.search_state.trial_ended(
            trial_id,
            st.TRIAL_STOPPED,
            message=trial.message,
            hyperparameters=dict(trial.hyperparameters.values),
        )
        self._log(f"trial {trial_id} stopped by the user after {epochs} epochs; it runs again")
        self._save_curves()
        self._current_trial = self._current_trial_dir = None

    def _requeue_unfinished(self) -> None:
        """A reloaded trial left RUNNING or STOPPED runs again, even if oracle.json missed it.

        keras_tuner saves a new trial's file before oracle.json: a kernel that
        dies between the two leaves a RUNNING trial no queue knows, which
        would never run again.
        """
        oracle = self.oracle
        queue = getattr(oracle, "_retry_queue", None)
        if queue is None:
            return
        ongoing = {t.trial_id for t in oracle.ongoing_trials.values()}
        for trial_id, trial in oracle.trials.items():
            unfinished = trial.status in (st.TRIAL_RUNNING, st.TRIAL_STOPPED)
            if unfinished and trial_id not in queue and trial_id not in ongoing:
                queue.append(trial_id)

    # -- internals ------------------------------------------------------------------
    def _remember_search(self, fit_args: tuple, fit_kwargs: dict, background: bool) -> None:
        self._last_search = (fit_args, fit_kwargs, background)
        self._oracle_exhausted = None  # this search asks the oracle again

    def _note_search_finished(self) -> None:
        """keras_tuner ended the search by itself: if the budget had room, the oracle had none."""
        if self.chief is not None or self.control.stop_requested or not self._trials_left():
            return
        self._oracle_exhausted = _exhaustion_reason(self.oracle)
        self._log(f"the search finished: {_lower_first(self._oracle_exhausted)}")

    def _log(self, line: str) -> None:
        self.search_state.log(f"kt_widgets: {line}")

    def _move(self, status: str) -> bool:
        return self.search_state.set_status(status, only_from=lifecycle.sources(status))

    def _require(self, control: str) -> None:
        self._refuse(control, self.control_situation(), control.replace("_", " "))

    @staticmethod
    def _refuse(control: str, situation: lifecycle.Situation, verb: str) -> None:
        reason = lifecycle.blocked_reason(control, situation)
        if reason is not None:
            raise RuntimeError(f"Cannot {verb}: {_lower_first(reason)}")

    def _trials_left(self) -> bool:
        oracle = self.oracle
        if getattr(oracle, "_retry_queue", None) or getattr(oracle, "ongoing_trials", None):
            return True  # a trial waits to run again
        trials = getattr(oracle, "trials", None)
        budget = getattr(oracle, "max_trials", None)
        return budget is None or trials is None or len(trials) < budget

    def _continue_blocker(self) -> str | None:
        if self.chief is not None:
            return "A distributed search continues with tuner.start_chief()."
        if self._last_search is None:
            return (
                "This tuner has not searched in this kernel; call tuner.search(...) with the data."
            )
        return self._oracle_exhausted

    def _budget_blocker(self) -> str | None:
        if isinstance(self.oracle, keras_tuner.oracles.HyperbandOracle):
            return "Hyperband's budget comes from max_epochs and hyperband_iterations."
        if self._is_worker():
            return "A worker's trial budget is the chief's."
        return None


def _exhaustion_reason(oracle) -> str:
    """Why `oracle` offers no new trial although its budget has room."""
    if isinstance(oracle, keras_tuner.oracles.HyperbandOracle):
        return (
            "Hyperband has run every bracket: its budget is max_epochs, factor and "
            "hyperband_iterations, so Continue cannot add trials (build a new tuner for more)."
        )
    if isinstance(oracle, keras_tuner.oracles.GridSearchOracle):
        return (
            "Every point of the grid has run, so Continue cannot add trials "
            "(add values to the search space, then call tuner.search(...))."
        )
    return (
        "The oracle has no new values to try (the search space is exhausted), so Continue "
        "cannot add trials."
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
