"""Watch mode: a live, read-only dashboard of a project that another process writes."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import keras_tuner
import pytest

import kt_widgets as ktw
from kt_widgets import store
from kt_widgets.views.header import READ_ONLY_HINT

WATCHED_SCRIPT = Path(__file__).with_name("watched_search.py")
TRIALS = 6


def file_hashes(root):
    """Every file under `root`, relative path -> sha256 of its bytes."""
    hashes = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                hashes[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return hashes


def wait_for(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_watch_shows_a_plain_search_in_another_process_live_and_writes_nothing(tmp_path):
    command = [sys.executable, str(WATCHED_SCRIPT), str(tmp_path), str(TRIALS), "0.4"]
    search = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    handle = ktw.watch(str(tmp_path), "watched", interval=0.1)
    try:
        seen_done, seen_running = set(), False
        while search.poll() is None:
            state = handle.search_state
            seen_done.add(state.summary().trials_done)
            seen_running = seen_running or handle.status == "running"
            time.sleep(0.05)
        output, errors = search.communicate()
        assert search.returncode == 0, errors
        written = file_hashes(tmp_path)  # what the search wrote, once it is over
        wait_for(lambda: handle.search_state.summary().trials_done == TRIALS, "every trial")
        for _ in range(3):  # more reads, after the search: still nothing written
            handle.refresh()
            time.sleep(0.1)
        assert file_hashes(tmp_path) == written
    finally:
        handle.close()
        if search.poll() is None:
            search.kill()
            search.communicate()

    # Only keras_tuner's own files are there.
    trial_files = {f"watched/trial_{i}/trial.json" for i in range(TRIALS)}
    assert set(written) == {"watched/oracle.json", "watched/tuner0.json"} | trial_files
    # It was live: trials showed up while the search ran, one running at a time.
    assert seen_running
    assert any(0 < done < TRIALS for done in seen_done), seen_done
    # Every trial, with the values the search printed.
    printed = {}
    for line in output.splitlines():
        _, trial_id, score, x = line.split()
        printed[trial_id] = (float(score), float(x))
    records = {r.trial_id: r for r in handle.search_state.trials()}
    assert set(records) == set(printed)
    for trial_id, (score, x) in printed.items():
        record = records[trial_id]
        assert record.status == "COMPLETED" and record.score == score
        assert record.hyperparameters["x"] == x and record.metrics["other"] == 1.0
        assert record.worker is None  # one process: no worker column
    assert handle.status == "idle"
    state = handle.search_state
    assert (state.objective, state.direction) == ("score", "max")
    best = max(printed, key=lambda t: printed[t][0])
    assert state.best() == (best, printed[best][0])
    assert [row["name"] for row in state.space()] == ["x", "units"]
    frame = handle.trials_dataframe()
    assert sorted(frame["trial_id"]) == sorted(printed)
    scores = dict(zip(frame["trial_id"], frame["score"], strict=True))
    assert scores == {trial_id: score for trial_id, (score, _) in printed.items()}
    # The dashboard has no controls.
    dashboard = handle.dashboard
    dashboard.flush()
    header = dashboard.header
    assert all(b.disabled for b in (header.pause_button, header.resume_button, header.stop_button))
    assert header.pause_button.layout.display is None  # hidden through the row that holds it
    assert header.children[1].layout.display == "none"
    assert READ_ONLY_HINT in header.text.value


class CurvesTuner(ktw.Tuner):
    def run_trial(self, trial, *args, **kwargs):
        x = trial.hyperparameters.Float("x", -1.0, 1.0)
        for epoch in range(3):
            self.on_epoch_end(trial, None, epoch, logs={"loss": x * x + 1 / (epoch + 1)})
        return {"val_loss": x * x}


def test_watch_shows_the_curves_a_kt_widgets_search_saved(tmp_path):
    oracle = keras_tuner.oracles.RandomSearchOracle(objective="val_loss", max_trials=3, seed=5)
    tuner = CurvesTuner(oracle=oracle, directory=str(tmp_path), project_name="curves")
    tuner.search(background=False, verbose=0)
    handle = ktw.watch(str(tmp_path), "curves", interval=0.1)
    try:
        records = {r.trial_id: r for r in handle.search_state.trials()}
        assert set(records) == set(tuner.oracle.trials)
        for trial_id, record in records.items():
            saved = store.read_curves(tuner.get_trial_dir(trial_id))
            assert record.executions == saved and [e for e, _ in saved[0]] == [0, 1, 2]
            assert record.score == tuner.oracle.trials[trial_id].score
        assert handle.search_state.objective == "val_loss"
        assert handle.search_state.epoch_metric_names() == ["loss"]
    finally:
        handle.close()


def test_watch_waits_for_a_project_that_is_not_there_yet_but_refuses_a_missing_directory(
    tmp_path,
):
    with pytest.raises(FileNotFoundError, match="no directory"):
        ktw.watch(str(tmp_path / "nowhere"), "p")
    with pytest.raises(ValueError, match="interval"):
        ktw.watch(str(tmp_path), "p", interval=0)
    handle = ktw.watch(str(tmp_path), "later", interval=0.05)
    try:
        assert handle.search_state.trial_ids() == [] and handle.status == "idle"
        assert not (tmp_path / "later").exists()  # watching creates nothing
        oracle = keras_tuner.oracles.RandomSearchOracle(objective="val_loss", max_trials=2, seed=5)
        tuner = CurvesTuner(oracle=oracle, directory=str(tmp_path), project_name="later")
        tuner.search(background=False, verbose=0)
        wait_for(lambda: len(handle.search_state.trial_ids()) == 2, "the new project's trials")
    finally:
        handle.close()
