"""The notebook as chief of keras_tuner's distributed search, and what workers send it.

keras_tuner runs a search across machines with one chief that serves the oracle
over gRPC (its `OracleServicer`) and workers whose tuners reach it through its
`OracleClient`; the KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and
KERASTUNER_ORACLE_PORT environment variables say who is who. kt_widgets keeps
that engine. At the chief, keras_tuner's servicer is given a `ChiefOracle`: the
real oracle, plus the dashboard's state and controls, so that every worker's
trial shows up live, Pause holds new trials back and Stop answers STOPPED. Only
the server's lifetime is ours: keras_tuner's `start_server` blocks its thread
until every worker is gone and offers no way to stop it.

Per-epoch logs of kt_widgets workers travel in keras_tuner's own UpdateTrial
call, under metric names starting with `EPOCH_PREFIX`. The chief takes them out
before the oracle sees them, so the oracle's trials, scores and files stay what
they would be without them. A plain chief's oracle would reject such metrics
(they lack the objective), so a worker first asks the chief, with a call any
keras_tuner chief answers harmlessly, whether it takes them (`EpochRelay`).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent import futures

from kt_widgets import store
from kt_widgets.core import state as st

EPOCH_PREFIX = "kt_widgets/epoch/"
# The probe: `get_best_trials(0)`. A plain oracle answers it with no trial; a
# kt_widgets chief with one trial of this id.
PROBE_TRIAL_ID = "kt_widgets-chief"
# How long a paused chief holds a worker's request for a trial before it
# answers IDLE (the worker then asks again): one request a second per worker.
HOLD_SECONDS = 1.0
SAVE_INTERVAL = 1.0  # seconds between saves of a running trial's epochs
SERVER_THREADS = 16  # oracle calls are serialized anyway; this only lets held requests wait
DEFAULT_IP = "0.0.0.0"
DEFAULT_PORT = 8000


def _dist_utils():
    # keras_tuner imports its distribute modules lazily (protobuf versions).
    from keras_tuner.src.distribute import utils

    return utils


def chief_from_environment() -> bool:
    """Whether KERASTUNER_TUNER_ID and friends make this process the chief."""
    return _dist_utils().is_chief_oracle()


def is_worker() -> bool:
    """Whether the environment makes this process a worker of a distributed search."""
    utils = _dist_utils()
    return utils.has_chief_oracle() and not utils.is_chief_oracle()


def _trial_class():
    from keras_tuner.src.engine import trial as trial_module

    return trial_module


def _trial_metrics(trial) -> dict[str, float]:
    metrics = {}
    for name in trial.metrics.metrics:
        value = trial.metrics.get_last_value(name)
        if value is not None:
            metrics[name] = float(value)
    return metrics


class ChiefOracle:
    """The oracle as keras_tuner's servicer sees it at a kt_widgets chief.

    Every call goes to the real oracle, one at a time (keras_tuner's server has
    a single thread; ours has several so that held requests do not block the
    others). Around the calls: the dashboard's state is fed, a paused search
    hands out no new trial, and after a stop every worker is told STOPPED.
    """

    def __init__(self, tuner) -> None:
        self._tuner = tuner
        self._oracle = tuner.oracle
        self._state: st.SearchState = tuner.search_state
        self._control = tuner.control
        self._lock = threading.RLock()
        self.changed = threading.Event()
        # tuner id -> "active", or "stopped" once it was answered STOPPED.
        self._workers: dict[str, str] = {}
        self._oracle_stopped = False
        self._saved_at: dict[str, float] = {}
        self.error: BaseException | None = None

    # -- what the server loop asks -------------------------------------------
    def workers(self) -> dict[str, str]:
        """Each worker seen, "active" or "stopped" (told to exit)."""
        with self._lock:
            return dict(self._workers)

    def ongoing(self) -> int:
        return len(self._oracle.ongoing_trials)

    def done(self) -> bool:
        """The search is over: no new trial will start, none runs, every worker was told."""
        with self._lock:
            ending = self._oracle_stopped or self._control.stop_requested
            told = all(status == "stopped" for status in self._workers.values())
            return ending and told and not self._oracle.ongoing_trials

    # -- keras_tuner's servicer calls these --------------------------------------
    def _call(self, method: str, *args, **kwargs):
        from kt_widgets.runner import release_leaked_oracle_lock

        with self._lock:
            try:
                return getattr(self._oracle, method)(*args, **kwargs)
            except Exception as error:
                # keras_tuner leaves the oracle's lock held when a method raises.
                release_leaked_oracle_lock(self._oracle)
                if method == "end_trial":  # e.g. the consecutive-failures limit
                    self.error = error
                raise
            finally:
                self.changed.set()

    def get_space(self):
        return self._call("get_space")

    def update_space(self, hyperparameters) -> None:
        self._call("update_space", hyperparameters)
        self._record_space()

    def get_trial(self, trial_id):
        return self._call("get_trial", trial_id)

    def get_best_trials(self, num_trials=1):
        if num_trials == 0:  # the probe of EpochRelay
            trial_module = _trial_class()
            return [
                trial_module.Trial(
                    self.get_space(), trial_id=PROBE_TRIAL_ID, status=trial_module.TrialStatus.IDLE
                )
            ]
        return self._call("get_best_trials", num_trials)

    def create_trial(self, tuner_id):
        trial_module = _trial_class()
        status = trial_module.TrialStatus
        with self._lock:
            self._workers.setdefault(tuner_id, "active")
            ongoing = self._oracle.ongoing_trials.get(tuner_id)
        if ongoing is None:
            deadline = time.monotonic() + HOLD_SECONDS
            while self._control.pause_requested and not self._control.stop_requested:
                if time.monotonic() >= deadline:
                    self.changed.set()
                    return trial_module.Trial(self.get_space(), status=status.IDLE)
                time.sleep(0.05)
            if self._control.stop_requested:
                with self._lock:
                    self._workers[tuner_id] = "stopped"
                self.changed.set()
                return trial_module.Trial(self.get_space(), status=status.STOPPED)
        trial = self._call("create_trial", tuner_id)
        if trial.status == status.RUNNING and ongoing is None:
            self._record_space()
            values = dict(trial.hyperparameters.values)
            self._state.trial_started(
                trial.trial_id,
                values,
                worker=tuner_id,
                space_version=self._tuner.space.version_of_trial(trial.trial_id, values),
            )
        elif trial.status == status.STOPPED:
            with self._lock:
                self._oracle_stopped = True
                self._workers[tuner_id] = "stopped"
        return trial

    def update_trial(self, trial_id, metrics, step=0):
        epoch_logs, results = {}, {}
        for name, value in metrics.items():
            if name.startswith(EPOCH_PREFIX):
                epoch_logs[name[len(EPOCH_PREFIX) :]] = float(value)
            else:
                results[name] = value
        if epoch_logs:
            self._state.epoch_ended(trial_id, int(step), epoch_logs)
            self._save_curves(trial_id, force=False)
        if results or not epoch_logs:
            return self._call("update_trial", trial_id, results, step=step)
        self.changed.set()
        return self._call("get_trial", trial_id)

    def end_trial(self, trial) -> None:
        self._call("end_trial", trial)
        ended = self._call("get_trial", trial.trial_id)
        score = ended.score
        self._state.trial_ended(
            ended.trial_id,
            ended.status,
            score=None if score is None else float(score),
            best_step=ended.best_step,
            metrics=_trial_metrics(ended),
            message=ended.message,
            hyperparameters=dict(ended.hyperparameters.values),
        )
        self._save_curves(ended.trial_id, force=True)

    # -- our own files -------------------------------------------------------------
    def _record_space(self) -> None:
        self._tuner._record_space()

    def _save_curves(self, trial_id: str, force: bool) -> None:
        """The epochs workers sent, beside the chief's trial files (as a local search does)."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._saved_at.get(trial_id, -SAVE_INTERVAL) < SAVE_INTERVAL:
                return
            self._saved_at[trial_id] = now
        executions = self._state.curves(trial_id)
        if not executions:
            return
        try:
            store.write_curves(self._tuner.get_trial_dir(trial_id), executions)
        except OSError as error:  # a full disk must not fail the search
            self._state.log(f"kt_widgets: could not save epochs of trial {trial_id}: {error}")


class ChiefServer:
    """keras_tuner's oracle servicer on a gRPC server that this process controls.

    Args:
        tuner: the kt_widgets tuner whose oracle is served.
        ip: str. The address to listen on ("0.0.0.0": every interface).
        port: int. The port; 0 picks a free one (see `port`).
    """

    def __init__(self, tuner, ip: str, port: int) -> None:
        import grpc
        from keras_tuner.src import protos
        from keras_tuner.src.distribute import oracle_chief

        self.oracle = ChiefOracle(tuner)
        # No port sharing: a second chief on a busy port must fail, not split the workers.
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=SERVER_THREADS),
            options=[("grpc.so_reuseport", 0)],
        )
        servicer = oracle_chief.OracleServicer(self.oracle)
        protos.get_service_grpc().add_OracleServicer_to_server(servicer, self._server)
        host = f"[{ip}]" if ":" in ip else ip
        try:
            bound = self._server.add_insecure_port(f"{host}:{port}")
        except RuntimeError as error:
            bound = 0
            reason = str(error)
        else:
            reason = "the address is in use or not this machine's"
        if not bound:
            raise OSError(f"The chief cannot listen on {ip}:{port}: {reason}.")
        self.ip, self.port = ip, bound
        self._closed = threading.Event()

    @property
    def address(self) -> str:
        """Where workers reach the chief (KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT)."""
        return f"{self.ip}:{self.port}"

    def workers(self) -> dict[str, str]:
        """Each worker seen so far: "active", or "stopped" once told to exit."""
        return self.oracle.workers()

    def serve(self, state: st.SearchState, control) -> None:
        """Serve until the search is over (run in the search thread).

        A paused search shows as paused once no trial runs any more; until then
        it is "pausing" (the workers' trials go on).
        """
        self._server.start()
        state.log(f"kt_widgets: the chief serves the oracle at {self.address}")
        try:
            while not self._closed.is_set():
                if self.oracle.error is not None:
                    raise self.oracle.error
                if self.oracle.done():
                    return
                self._show_pause(state, control)
                self.oracle.changed.wait(0.25)
                self.oracle.changed.clear()
        finally:
            self.close()

    def _show_pause(self, state: st.SearchState, control) -> None:
        if control.stop_requested:
            if state.status != st.STOPPING:
                state.set_status(st.STOPPING)
        elif control.pause_requested:
            if not self.oracle.ongoing():  # the last worker's trial has ended
                state.set_status(st.PAUSED, only_from=(st.PAUSING,))
        elif state.status == st.PAUSED:
            state.set_status(st.RUNNING)

    def close(self, grace: float = 1.0) -> None:
        """Stop serving (requests under way get `grace` seconds to finish)."""
        if not self._closed.is_set():
            self._closed.set()
            self.oracle.changed.set()
            self._server.stop(grace).wait(grace + 1.0)


def chief_address(ip: str | None, port: int | None) -> tuple[str, int]:
    """The address to serve on: as given, else from keras_tuner's variables, else defaults."""
    if ip is None:
        ip = os.environ.get("KERASTUNER_ORACLE_IP", DEFAULT_IP)
    if port is None:
        port = os.environ.get("KERASTUNER_ORACLE_PORT", DEFAULT_PORT)
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ValueError(f"The chief's port must be a whole number, got {port!r}.") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"The chief's port must be between 0 and 65535, got {port}.")
    if not isinstance(ip, str) or not ip:
        raise ValueError(f"The chief's ip must be a host name or address, got {ip!r}.")
    return ip, port


class EpochRelay:
    """Sends a worker's per-epoch logs to a kt_widgets chief, through the oracle client.

    Errors never reach the trial: the relay says so once and stops sending.
    """

    def __init__(self, oracle_client, log) -> None:
        self._client = oracle_client
        self._log = log
        self._accepted: bool | None = None  # asked on the first epoch

    def send(self, trial_id: str, epoch: int, logs: dict[str, float]) -> None:
        if self._accepted is False or not logs:
            return
        try:
            if self._accepted is None:
                probe = self._client.get_best_trials(0)
                self._accepted = any(t.trial_id == PROBE_TRIAL_ID for t in probe)
                if not self._accepted:
                    return
            metrics = {EPOCH_PREFIX + name: value for name, value in logs.items()}
            self._client.update_trial(trial_id, metrics, step=epoch)
        except Exception as error:
            self._accepted = False
            self._log(f"kt_widgets: per-epoch logs no longer go to the chief: {error!r}")


def epoch_relay(tuner) -> EpochRelay | None:
    """The relay of a worker tuner, or None when the tuner is no worker."""
    if not is_worker():
        return None
    return EpochRelay(tuner.oracle, tuner.search_state.log)
