"""The notebook behaviour added to keras_tuner's tuners: hooks -> state, controls.

`NotebookTunerMixin` goes first in the bases of a keras_tuner tuner class. It
extends keras_tuner through its own template methods (`pre_create_trial`,
`on_trial_begin`, `on_epoch_end`, ...) and leaves the search loop, the oracle and
the saved files to keras_tuner.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import inspect
import os
import sys
import threading
import time
import traceback
import weakref
from typing import Any

import keras
import keras_tuner
from keras_tuner.src.engine import oracle as oracle_module

from kt_widgets import distributed, epochs, failure_limit, kernel, reloading, store, summaries
from kt_widgets.controls import ControlsMixin, StopNow
from kt_widgets.core import state as st
from kt_widgets.core.control import SearchControl
from kt_widgets.core.state import SearchState, TrialRecord
from kt_widgets.core.streams import LineRouter, routed_output
from kt_widgets.core.text import format_duration, format_score
from kt_widgets.runner import (
    SearchRunner,
    capture_keras_context,
    release_leaked_oracle_lock,
)
from kt_widgets.space_editor import SearchSpaceEditor

# Project directory -> the tuner whose search writes it, in this process.
_searching: dict[str, weakref.ref] = {}
_searching_lock = threading.Lock()

SAVE_INTERVAL = 1.0  # seconds between saves of a running trial's epochs

# Our status for a trial a reloaded project left RUNNING; not a keras_tuner status.
INTERRUPTED = "INTERRUPTED"


class _StopSearch(Exception):
    """Ends keras_tuner's search loop between trials after a stop request."""


class _SilentDisplay(oracle_module.Display):
    """keras_tuner's oracle Display without output.

    The stock one prints tables and calls `clear_output()`, which from a
    background thread clears whichever cell is running. Its state (kept in the
    oracle's saved file) is inherited unchanged.
    """

    def on_trial_begin(self, trial) -> None:
        pass

    def on_trial_end(self, trial) -> None:
        pass


def _trial_metrics(trial) -> dict[str, float]:
    metrics = {}
    for name in trial.metrics.metrics:
        value = trial.metrics.get_last_value(name)
        if value is not None:
            metrics[name] = float(value)
    return metrics


class NotebookTunerMixin(ControlsMixin):
    """Background search, live state and controls for a keras_tuner tuner."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before keras_tuner's __init__, which may wipe the directory (overwrite=True).
        _refuse_busy_project(_project_key(kwargs.get("directory"), kwargs.get("project_name")))
        super().__init__(*args, **kwargs)
        reloading.reload_under_tuner_id(self, overwrite=kwargs.get("overwrite", False))
        self._attach_notebook()

    def _attach_notebook(self) -> None:
        """Sets up the notebook behaviour on a constructed keras_tuner tuner.

        Run by `__init__`, and by `kt_widgets.wrap` on a tuner built as a plain
        keras_tuner one.
        """
        self._project = _project_key(self.directory, self.project_name)
        reloading.resume_grid_search(self.oracle)
        objective = self.oracle.objective
        parts = getattr(objective, "objectives", None) or [objective]
        self.search_state = SearchState(
            objective=getattr(objective, "name", ""),
            direction=getattr(objective, "direction", "min"),
            max_trials=self.oracle.max_trials,
            objective_metrics=[getattr(o, "name", "") for o in parts],
        )
        self.control = SearchControl()
        self._init_controls()
        self._runner = SearchRunner(self.project_name)
        self._search_error: BaseException | None = None
        self._fit_epochs: int | None = None
        self._keras_context = None  # the caller's Keras settings, applied per model
        self._trial_lines = True
        # The running trial, its directory, and when its epochs were last saved.
        self._current_trial: str | None = None
        self._current_trial_dir: str | None = None
        self._saved_at = 0.0
        # Distributed search: the server while this tuner is the chief, the
        # address asked for by start_chief(), a worker's sender of epochs.
        self.chief: distributed.ChiefServer | None = None
        self._chief_address: tuple[str, int] | None = None
        self._epoch_relay = distributed.epoch_relay(self)
        stock_display = getattr(self.oracle, "_display", None)  # absent on a remote oracle
        if stock_display is not None:
            silent = _SilentDisplay(self.oracle, verbose=stock_display.verbose)
            silent.set_state(stock_display.get_state())
            self.oracle._display = silent
        self._space_lock = threading.Lock()
        self._shown_space: tuple[int, int] | None = None  # (version, size) last shown
        self.space = SearchSpaceEditor(self, on_change=self._record_space)
        self.space.restore()
        self._record_space()
        self._restore_trials()
        if not self._is_worker():
            self._requeue_unfinished()

    # -- public API ---------------------------------------------------------
    @property
    def status(self) -> str:
        """The search's status: idle, running, pausing, paused, stopping, stopped, finished or
        failed (see `kt_widgets.core.lifecycle` for the moves between them)."""
        return self.search_state.status

    def search(self, *fit_args: Any, background: bool | None = None, **fit_kwargs: Any):
        """Performs a search for best hyperparameter configurations.

        In a Jupyter kernel the search runs in this tuner's own background thread
        and `search` returns at once, showing the live dashboard; elsewhere it
        runs in the foreground, as keras_tuner's does. Called again on a
        stopped or finished search, it continues it in place (raise
        `max_trials` first for more trials; `continue_search()` reuses the data).

        Args:
            *fit_args: Positional arguments passed to `run_trial`, e.g. the data.
            background: bool or None. Run in the background thread (True), in the
                calling thread (False), or decide by whether a Jupyter kernel is
                there, unless the environment variable KT_WIDGETS_BACKGROUND is
                0 or 1 (None). Defaults to None.
            **fit_kwargs: Keyword arguments passed to `run_trial`. In the
                background `verbose` is forced to 0 for `fit`, since progress bars
                from a thread would print into other cells.
        """
        if background is None:
            background = _background_default()
        if self._runner.busy or self.status in st.ACTIVE_STATUSES:
            raise RuntimeError(
                f"This tuner's search is {self.status}: call tuner.wait() to let it "
                "finish, or tuner.stop() to end it, before calling search() again."
            )
        self._remember_search(fit_args, dict(fit_kwargs), background)
        verbose = fit_kwargs.get("verbose", 1)
        self._trial_lines = verbose not in (0, False)
        if background and _accepts_keyword(self.run_trial, "verbose"):
            fit_kwargs["verbose"] = 0  # no progress bars from a thread
        epochs = fit_kwargs.get("epochs")
        self._fit_epochs = epochs if isinstance(epochs, int) else None
        self._search_error = None
        self._keras_context = capture_keras_context()
        _refuse_busy_project(self._project, allowed=self)
        self._prepare_chief()
        with _searching_lock:
            _searching[self._project] = weakref.ref(self)
        self.control.reset()
        failure_limit.count_failures_after_last_limit(self.oracle)
        self.search_state.set_max_trials(self.oracle.max_trials)
        if not self._trials_left():
            self.search_state.log(
                f"kt_widgets: all {self.oracle.max_trials} trials of max_trials have run; "
                "raise tuner.max_trials for more"
            )
        self.search_state.set_status(st.RUNNING)
        if not background:
            self._run_search(fit_args, fit_kwargs, background=False)
            return None

        def job() -> None:
            self._run_search(fit_args, fit_kwargs, background=True, setup=self._keras_context)

        self._runner.submit(job)
        try:
            self._on_background_search_started()
        except Exception:  # the search runs on even if its dashboard cannot be shown
            self.search_state.log("kt_widgets: the dashboard failed\n" + traceback.format_exc())
        return None

    def wait(self, timeout: float | None = None) -> bool:
        """Blocks until the search ends, and raises the error it ended with.

        A click on the dashboard cannot reach the kernel while the cell that
        calls `wait()` runs: call it in a later cell, or use the Python methods.

        Args:
            timeout: float or None. Seconds to wait at most. Defaults to None.

        Returns:
            True if no search is running any more, False if `timeout` passed.
        """
        finished = self._runner.wait(timeout)
        if finished and self._search_error is not None:
            raise self._search_error
        return finished

    def start_chief(
        self, ip: str | None = None, port: int | None = None, background: bool | None = None
    ) -> None:
        """Serves this tuner's oracle to the workers of a distributed search.

        The notebook becomes keras_tuner's chief: workers started with
        KERASTUNER_TUNER_ID=<a unique id>, KERASTUNER_ORACLE_IP and
        KERASTUNER_ORACLE_PORT pointing here run the trials, and the dashboard
        shows each one live. Pause hands out no new trial; Stop tells every
        worker to exit once its trial ends. With KERASTUNER_TUNER_ID=chief set
        in the kernel, `search()` does the same.

        Args:
            ip: str or None. The address to listen on; "0.0.0.0" listens on
                every interface. Defaults to KERASTUNER_ORACLE_IP, else "0.0.0.0".
            port: int or None. The port; 0 picks a free one (see
                `tuner.chief.port`). Defaults to KERASTUNER_ORACLE_PORT, else 8000.
            background: bool or None. As for `search()`. Defaults to None.
        """
        self._chief_address = distributed.chief_address(ip, port)
        try:
            self.search(background=background)
        finally:
            self._chief_address = None

    def results_summary(self, num_trials: int = 10) -> None:
        """keras_tuner's results summary; in a notebook, shown as a table.

        Args:
            num_trials: int. Number of best trials to show. Defaults to 10.
        """
        summaries.show_or_print(
            functools.partial(super().results_summary, num_trials),
            functools.partial(summaries.results, self, num_trials),
        )

    def search_space_summary(self, extended: bool = False) -> None:
        """keras_tuner's search space summary; in a notebook, shown as a table.

        Args:
            extended: bool. Passed on to keras_tuner. Defaults to False.
        """
        summaries.show_or_print(
            functools.partial(super().search_space_summary, extended),
            functools.partial(summaries.space, self),
        )

    # -- keras_tuner hooks --------------------------------------------------
    def pre_create_trial(self) -> None:
        super().pre_create_trial()
        self._hold_if_paused()
        if self.control.stop_requested:
            raise _StopSearch()

    def on_trial_begin(self, trial) -> None:
        super().on_trial_begin(trial)
        values = dict(trial.hyperparameters.values)
        planned = values.get("tuner/epochs", self._fit_epochs)
        self._record_space(only_if_changed=True)
        self.search_state.trial_started(
            trial.trial_id,
            values,
            epochs_planned=planned,
            space_version=self.space.version_of_trial(trial.trial_id, values),
        )
        self._current_trial = trial.trial_id
        self._current_trial_dir = self.get_trial_dir(trial.trial_id)
        self._forget_user_stop(trial)
        self._saved_at = -SAVE_INTERVAL  # its first epoch is saved at once

    def on_epoch_begin(self, trial, model, epoch, logs=None) -> None:
        super().on_epoch_begin(trial, model, epoch, logs=logs)
        if self.control.attention_needed:
            self._answer_controls()

    def on_batch_end(self, trial, model, batch, logs=None) -> None:
        super().on_batch_end(trial, model, batch, logs=logs)
        if self.control.attention_needed:  # the per-batch cost: one Event check
            self._answer_controls()

    def on_epoch_end(self, trial, model, epoch, logs=None) -> None:
        super().on_epoch_end(trial, model, epoch, logs=logs)
        if not epochs.inside_recorded_fit():  # e.g. a custom training loop calls the hook
            self._record_epoch(trial, epoch, logs)
        self._skip_if_asked(trial, model)
        if self.control.attention_needed:
            self._answer_controls()

    def on_trial_end(self, trial) -> None:
        if self._trial_lines or _routed_already():
            super().on_trial_end(trial)
        else:
            # verbose=0: keras_tuner's own notes (retries) go to the log, not stdout.
            with routed_output(self.search_state.log):
                super().on_trial_end(trial)
        ended = self.oracle.get_trial(trial.trial_id)
        score = ended.score
        status, message = self._ended_status(ended)
        self.search_state.trial_ended(
            ended.trial_id,
            status,
            score=None if score is None else float(score),
            best_step=ended.best_step,
            metrics=_trial_metrics(ended),
            message=message,
            hyperparameters=dict(ended.hyperparameters.values),
        )
        self._save_curves()
        self._current_trial = self._current_trial_dir = None
        if self._trial_lines:
            print(self._trial_line(ended.trial_id), flush=True)

    def _try_run_and_update_trial(self, trial, *fit_args, **fit_kwargs) -> None:
        # keras_tuner's step that runs one trial: every model.fit in it records epochs.
        with epochs.recording(self, trial):
            super()._try_run_and_update_trial(trial, *fit_args, **fit_kwargs)
        # keras_tuner records an error of the trial as its failure: one raised by
        # the interpreter's teardown is none, so the trial is left RUNNING.
        self.control.hold_for_shutdown()

    def _build_hypermodel(self, hp):
        # Called by keras_tuner right after its clear_session(), which reset the
        # dtype policy, distribution and seed the caller had set.
        if self._keras_context is not None:
            self._keras_context()
        model = super()._build_hypermodel(hp)
        _refuse_a_model_of_another_package(model)
        return model

    # -- internals ------------------------------------------------------------
    def _record_epoch(self, trial, epoch, logs) -> None:
        """One epoch of a trial reaches the state, the chief and the trial's file."""
        values = {}
        for name, value in (logs or {}).items():
            if type(value) is float:  # most logs: no conversion, no try
                values[name] = value
                continue
            with contextlib.suppress(TypeError, ValueError):
                values[name] = float(value)
        self.search_state.epoch_ended(trial.trial_id, int(epoch), values)
        if self._epoch_relay is not None:  # a worker: the chief shows the curves too
            self._epoch_relay.send(trial.trial_id, int(epoch), values)
        if trial.trial_id == self._current_trial:
            self._save_curves(force=False)

    def _on_background_search_started(self) -> None:
        """Called in the caller's thread once a background search is submitted."""

    def _prepare_chief(self) -> None:
        """Listen for workers now, so that a bad address fails at the call."""
        address = self._chief_address
        if address is None and distributed.chief_from_environment():
            address = distributed.chief_address(None, None)
        self.chief = distributed.ChiefServer(self, *address) if address else None

    def _run_search(self, fit_args, fit_kwargs, background: bool, setup=None) -> None:
        output = routed_output(self.search_state.log) if background else contextlib.nullcontext()
        with output:
            try:
                if setup is not None:
                    setup()
                if self.chief is not None:
                    self.save()  # as keras_tuner's chief does before serving
                    self.chief.serve(self.search_state, self.control)
                else:
                    super().search(*fit_args, **fit_kwargs)
            except _StopSearch:
                self.on_search_end()
                self.search_state.set_status(st.STOPPED)
            except StopNow:
                self._record_stopped_trial()
                self.on_search_end()
                self.search_state.set_status(st.STOPPED)
            except BaseException as error:
                self.control.hold_for_shutdown()  # an error of the teardown is not the search's
                release_leaked_oracle_lock(self.oracle)
                for trial in failure_limit.settle_trial_at_limit(self.oracle):
                    self.search_state.trial_ended(
                        trial.trial_id, st.TRIAL_FAILED, message=trial.message
                    )
                self._save_curves()
                self._search_error = error
                self.search_state.fail(f"{type(error).__name__}: {error}", traceback.format_exc())
                if not background:
                    raise
            else:
                self._note_search_finished()
                stopped = self.control.stop_requested
                self.search_state.set_status(st.STOPPED if stopped else st.FINISHED)
            finally:
                with _searching_lock:
                    _searching.pop(self._project, None)

    def _record_space(self, only_if_changed: bool = False) -> None:
        # One at a time: the search thread (each trial) and an edit (main
        # thread) must not set an older space after a newer one. Between edits
        # the space only grows (a trial declares new hyperparameters), so a trial
        # whose space has the version and size already shown skips the rebuild.
        # (A worker's oracle is keras_tuner's client of the chief: no local space.)
        local = getattr(self.oracle, "hyperparameters", None)
        key = (self.space.version, len(local.space)) if local is not None else None
        with self._space_lock:
            if only_if_changed and key is not None and key == self._shown_space:
                return
            self.search_state.set_space(self.space.rows(), self.space.history)
            self._shown_space = key

    def _save_curves(self, force: bool = True) -> None:
        """Write the running trial's epochs atomically; unforced, at most every SAVE_INTERVAL.

        Rewriting the whole file after every epoch would cost O(epochs) each
        time; a trial cut short is run again anyway, so its last second of
        epochs is all a crash can lose.
        """
        trial_id, trial_dir = self._current_trial, self._current_trial_dir
        if trial_id is None or trial_dir is None:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_INTERVAL:
            return
        self._saved_at = now
        try:
            record = self.search_state.trial(trial_id)
            ended_by = store.ENDED_BY.get(record.status) if record is not None else None
            store.write_curves(trial_dir, self.search_state.curves(trial_id), ended_by=ended_by)
        except OSError as error:  # a full disk must not fail the trial
            self.search_state.log(f"kt_widgets: could not save epochs of trial {trial_id}: {error}")

    def _restore_trials(self) -> None:
        """Show the trials of a reloaded project (overwrite=False), with their curves."""
        if self._is_worker():  # the chief keeps the trials
            return
        for trial_id in sorted(self.oracle.trials, key=_trial_sort_key):
            trial = self.oracle.trials[trial_id]
            trial_dir = os.path.join(self.project_dir, f"trial_{trial_id}")
            store.remove_partial_files(trial_dir)
            ended_by = None
            try:
                executions = store.read_curves(trial_dir)
                ended_by = store.read_ended_by(trial_dir)
            except (OSError, ValueError) as error:
                self.search_state.log(f"kt_widgets: unreadable epochs of trial {trial_id}: {error}")
                executions = []
            score = trial.score
            # A trial saved as RUNNING was cut short (a dead kernel): keras_tuner
            # runs it again, under its id, when the search goes on.
            status = INTERRUPTED if trial.status == st.TRIAL_RUNNING else trial.status
            if status == st.TRIAL_COMPLETED and ended_by == store.ENDED_BY[st.TRIAL_SKIPPED]:
                status = st.TRIAL_SKIPPED
            self.search_state.restore_trial(
                TrialRecord(
                    trial_id=trial_id,
                    status=status,
                    hyperparameters=dict(trial.hyperparameters.values),
                    score=None if score is None else float(score),
                    best_step=trial.best_step,
                    metrics=_trial_metrics(trial),
                    executions=executions,
                    message=trial.message,
                    space_version=self.space.version_of_trial(
                        trial_id, dict(trial.hyperparameters.values)
                    ),
                )
            )

    def _trial_line(self, trial_id: str) -> str:
        summary = self.search_state.summary()
        record = self.search_state.trial(trial_id)
        of = f"/{summary.max_trials}" if summary.max_trials else ""
        line = f"Trial {trial_id} {record.status}"
        if record.score is not None:
            line += f" {summary.objective}={format_score(record.score)}"
        line += f" [{format_duration(record.duration)}]"
        if summary.best_trial is not None:
            line += f" | best {format_score(summary.best_score)} (trial {summary.best_trial})"
        return line + f" | {summary.trials_done}{of} trials done"


def _refuse_a_model_of_another_package(model) -> None:
    """A model from `tf_keras` (Keras 2) or another library: say which package it is.

    keras_tuner refuses it too, but names only its class; mixed Keras packages
    are the usual cause, so the error says so.
    """
    if isinstance(model, keras.Model) or not hasattr(model, "fit"):
        return  # a Keras 3 model, or something keras_tuner's own check explains
    package = type(model).__module__.split(".")[0]
    raise keras_tuner.errors.FatalTypeError(
        f"The model-building function returned a {type(model).__name__} from the package "
        f"{package!r}, not a Keras 3 model: keras_tuner works with the package 'keras' "
        f"(also reached as tf.keras on TensorFlow >= 2.16). Build the model with "
        f"`import keras`, not with {package!r}."
    )


def _routed_already() -> bool:
    """Whether this thread's output already goes to a search log (a background search)."""
    router = sys.stdout
    return isinstance(router, LineRouter) and router.routes(threading.get_ident())


def _background_default() -> bool:
    """Background in a Jupyter kernel, unless KT_WIDGETS_BACKGROUND=0 says otherwise.

    A kernel run by nbconvert or papermill cannot tell it has no one watching;
    there the variable keeps notebooks that never call wait() complete.
    """
    setting = os.environ.get("KT_WIDGETS_BACKGROUND", "").strip().lower()
    if setting in ("0", "false", "no"):
        return False
    if setting in ("1", "true", "yes"):
        return True
    return kernel.widget_frontend_available()


def _project_key(directory, project_name) -> str:
    return os.path.abspath(os.path.join(str(directory or "."), project_name or "untitled_project"))


def active_searches() -> list:
    """The tuners of this process whose search is running (paused included)."""
    with _searching_lock:
        tuners = [ref() for ref in _searching.values()]
    return [tuner for tuner in tuners if tuner is not None]


def _hold_searches_at_exit() -> None:
    """A graceful interpreter exit (a kernel restart) ends each search as a kill would.

    Left alone, the search thread trains on while modules and the notebook's
    namespace are torn down, and records the errors that follow as failed
    trials. Instead it holds at its next batch or trial boundary: the running
    trial stays RUNNING on disk, is shown INTERRUPTED after a reload and runs
    again under its id. Waits briefly for the holds, so no file is being written
    when the interpreter stops.
    """
    searches = active_searches()
    for tuner in searches:
        tuner.control.shut_down()
    deadline = time.monotonic() + EXIT_HOLD_TIMEOUT
    for tuner in searches:
        if tuner.chief is None:  # a chief's thread serves workers: nothing to hold
            tuner.control.wait_parked(max(0.0, deadline - time.monotonic()))


EXIT_HOLD_TIMEOUT = 2.0  # seconds; Jupyter kills a kernel that takes 5 s to exit
# threading's exit hooks run before atexit's (so before IPython clears the
# notebook's namespace); they exist since Python 3.9.
getattr(threading, "_register_atexit", atexit.register)(_hold_searches_at_exit)


def _refuse_busy_project(key: str, allowed=None) -> None:
    """Two searches writing one project would overwrite each other's files."""
    with _searching_lock:
        ref = _searching.get(key)
    other = ref() if ref is not None else None
    if other is not None and other is not allowed:
        raise RuntimeError(
            f"A search in this kernel is still writing to {key!r} (status: {other.status}). "
            "Stop it first (kt_widgets.active_searches() lists the tuners that search: "
            "call .stop() and .wait() on it), or use another directory or project_name. "
            "Its dashboard was in this cell's output: to see it again, display the running "
            "tuner (a cell with just its name, e.g. `tuner`, or "
            "`kt_widgets.active_searches()[0]`)."
        )


def _accepts_keyword(function, name: str) -> bool:
    """Whether `function(..., name=...)` is a valid call (a `**kwargs` takes any)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.kind is p.VAR_KEYWORD or (p.name == name and p.kind is not p.POSITIONAL_ONLY)
        for p in parameters
    )


def _trial_sort_key(trial_id: str):
    return (0, int(trial_id), "") if trial_id.isdigit() else (1, 0, trial_id)
