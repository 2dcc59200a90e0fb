"""The notebook as chief of keras_tuner's distributed search, with real worker processes.

The chief runs in this process (as in a kernel: a background search), two
workers run tests/distributed_worker.py on 127.0.0.1: one a kt_widgets tuner, one
a plain keras_tuner tuner. Their trials are model-free.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import keras_tuner
import pytest

import kt_widgets as ktw
from kt_widgets import distributed, store
from kt_widgets.core.table import table_columns, trial_row

WORKER_SCRIPT = Path(__file__).with_name("distributed_worker.py")
DEADLINE = 90.0  # seconds for anything to happen, TensorFlow's import included


class Chief(ktw.Tuner):
    def run_trial(self, trial, *args, **kwargs):
        raise AssertionError("a chief runs no trial")


def declare_space(hp):
    hp.Float("x", -1.0, 1.0)


def make_chief(tmp_path, max_trials=1000):
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("score", "max"), max_trials=max_trials, seed=3
    )
    return Chief(
        oracle=oracle,
        hypermodel=declare_space,
        directory=str(tmp_path / "chief"),
        project_name="distributed",
    )


def wait_for(condition, what, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def start_workers(tmp_path):
    """Start worker processes; every one is killed at the end, whatever happened."""
    processes = []

    def start(chief, kinds):
        for number, kind in enumerate(kinds):
            env = dict(
                os.environ,
                KERASTUNER_TUNER_ID=f"worker{number}",
                KERASTUNER_ORACLE_IP="127.0.0.1",
                KERASTUNER_ORACLE_PORT=str(chief.chief.port),
                KT_WIDGETS_BACKGROUND="0",
            )
            command = [sys.executable, str(WORKER_SCRIPT), kind, str(tmp_path / f"w{number}")]
            processes.append(
                subprocess.Popen(
                    command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                )
            )
        return processes

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_chief_shows_every_workers_trials_and_pause_and_stop_reach_them(tmp_path, start_workers):
    chief = make_chief(tmp_path)
    chief.start_chief(ip="127.0.0.1", port=0, background=True)
    try:
        assert chief.status == "running"
        chief.pause()  # before any worker asks: none gets a trial
        workers = start_workers(chief, ["kt_widgets", "keras_tuner"])
        wait_for(lambda: len(chief.chief.workers()) == 2, "both workers to ask for a trial")
        time.sleep(2 * distributed.HOLD_SECONDS)  # each asked again, held back again
        assert chief.search_state.trial_ids() == []
        assert chief.status == "paused"

        chief.resume()
        state = chief.search_state
        wait_for(lambda: state.summary().trials_done >= 6, "six trials")
        chief.pause()
        wait_for(lambda: chief.status == "paused", "the running trials to end")
        held = state.trial_ids()
        time.sleep(2 * distributed.HOLD_SECONDS)
        assert state.trial_ids() == held, "a paused chief handed out a trial"
        assert all(w.poll() is None for w in workers), "workers wait while paused"

        chief.stop()
        outputs = [w.communicate(timeout=DEADLINE)[0] for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        assert all("WORKER EXITS" in out for out in outputs), outputs
        assert chief.wait(timeout=10)
        assert chief.status == "stopped"
    finally:
        if chief.chief is not None:
            chief.chief.close()

    # Every trial each worker ran is at the chief, under that worker's name.
    ran = {
        f"worker{n}": {line.split()[1] for line in out.splitlines() if line.startswith("TRIAL ")}
        for n, out in enumerate(outputs)
    }
    assert ran["worker0"] and ran["worker1"]
    records = {r.trial_id: r for r in state.trials()}
    assert set(records) == ran["worker0"] | ran["worker1"] == set(chief.oracle.trials)
    for worker, trial_ids in ran.items():
        assert {records[t].worker for t in trial_ids} == {worker}
    for trial_id, record in records.items():
        assert record.status == "COMPLETED"
        assert record.score == chief.oracle.trials[trial_id].score
    # Curves from the kt_widgets worker, three epochs each, kept beside the
    # chief's files too; the plain worker reports per-trial results only.
    trial_dir = os.path.join(chief.project_dir, "trial_{}")
    for trial_id in ran["worker0"]:
        assert [epoch for epoch, _ in records[trial_id].executions[0]] == [0, 1, 2]
        assert store.read_curves(trial_dir.format(trial_id)) == records[trial_id].executions
    for trial_id in ran["worker1"]:
        assert records[trial_id].executions == []
    # The oracle saw no epoch metrics: its trials hold what the workers returned.
    assert all(set(t.metrics.metrics) == {"score"} for t in chief.oracle.trials.values())
    # The table has a worker column.
    columns = table_columns(state.hyperparameter_kinds(), state.metric_names(), workers=True)
    assert [c["key"] for c in columns][:4] == ["trial_id", "status", "worker", "score"]
    assert trial_row(records[sorted(ran["worker1"])[0]])["worker"] == "worker1"


def test_a_bad_chief_address_fails_at_the_call(tmp_path):
    chief = make_chief(tmp_path)
    with pytest.raises(ValueError, match="port"):
        chief.start_chief(ip="127.0.0.1", port=70000)
    chief.start_chief(ip="127.0.0.1", port=0, background=True)
    try:
        other = make_chief(tmp_path / "other")
        with pytest.raises(OSError, match="cannot listen"):
            other.start_chief(ip="127.0.0.1", port=chief.chief.port, background=True)
        assert other.status == "idle"
    finally:
        chief.stop()
        assert chief.wait(timeout=10) and chief.status == "stopped"
