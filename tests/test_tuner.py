"""The notebook tuner with a model-free run_trial: fast, and every rule of the search."""

import json
import threading
import time

import keras_tuner
import pytest

import kt_widgets as ktw
from kt_widgets import store


def objective_value(x):
    return (x - 0.3) ** 2


class CurveMixin:
    """A run_trial that 'trains' with batches and epochs, as Keras' callbacks would."""

    epochs = 3
    batches = 4
    batch_seconds = 0.0
    fail_with = None  # an exception class raised by every trial

    def run_trial(self, trial, *args, **kwargs):
        self.threads.add(threading.current_thread().name)
        x = trial.hyperparameters.Float("x", -1.0, 1.0)
        if self.fail_with is not None:
            raise self.fail_with("trial failed on purpose")
        for epoch in range(self.epochs):
            for batch in range(self.batches):
                self.batches_run += 1
                self.on_batch_end(trial, None, batch, logs={})
                time.sleep(self.batch_seconds)
            self.on_epoch_end(
                trial, None, epoch, logs={"loss": objective_value(x) + 1 / (epoch + 1)}
            )
        return objective_value(x)


class FunctionTuner(CurveMixin, ktw.Tuner):
    def __init__(self, *args, **kwargs):
        self.threads = set()
        self.batches_run = 0
        super().__init__(*args, **kwargs)


class PlainFunctionTuner(CurveMixin, keras_tuner.Tuner):
    def __init__(self, *args, **kwargs):
        self.threads = set()
        self.batches_run = 0
        super().__init__(*args, **kwargs)


def make(cls, tmp_path, max_trials=5, overwrite=True, oracle_kwargs=None, **kwargs):
    oracle = keras_tuner.oracles.RandomSearchOracle(
        max_trials=max_trials, seed=7, **(oracle_kwargs or {})
    )
    return cls(
        oracle=oracle, directory=str(tmp_path), project_name="fn", overwrite=overwrite, **kwargs
    )


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def outcome(tuner):
    return [
        (t.trial_id, t.status, t.score, t.hyperparameters.values)
        for t in sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    ]


def test_foreground_search_gives_the_same_trials_as_keras_tuner(tmp_path, capsys):
    plain = make(PlainFunctionTuner, tmp_path / "plain")
    plain.search(verbose=0)
    ours = make(FunctionTuner, tmp_path / "ours")
    assert ours.search(verbose=0) is None
    assert outcome(ours) == outcome(plain)
    assert ours.status == "finished"
    assert ours.threads == {threading.current_thread().name}  # no kernel: foreground
    best = plain.get_best_hyperparameters()[0].values
    assert ours.get_best_hyperparameters()[0].values == best
    assert capsys.readouterr().out == ""  # verbose=0 prints nothing


def test_foreground_prints_one_short_line_per_trial(tmp_path, capsys):
    tuner = make(FunctionTuner, tmp_path, max_trials=3)
    tuner.search()
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Trial 0 COMPLETED default_objective=")
    assert lines[-1].endswith("3/3 trials done")


def test_background_search_returns_at_once_and_wait_ends_it(tmp_path, capsys):
    tuner = make(FunctionTuner, tmp_path, max_trials=4)
    tuner.batch_seconds = 0.01
    started = time.monotonic()
    tuner.search(background=True)
    assert time.monotonic() - started < 1.0
    assert tuner.status in ("running", "finished")
    assert tuner.wait(timeout=60) is True
    assert tuner.status == "finished"
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"] * 4
    # The state holds each trial's curve, recorded from on_epoch_end.
    record = tuner.search_state.trial("2")
    assert [epoch for epoch, _ in record.executions[0]] == [0, 1, 2]
    assert record.score == tuner.oracle.trials["2"].score
    # Its output went to the dashboard's log, not to the cell.
    assert capsys.readouterr().out == ""
    _, log = tuner.search_state.log_since(0)
    assert len([line for line in log if line.startswith("Trial ")]) == 4
    # A second search of the same tuner runs in the same worker thread.
    tuner.oracle.max_trials = 6
    tuner.search(background=True)
    tuner.wait(timeout=60)
    assert len(tuner.oracle.trials) == 6
    assert len(tuner.threads) == 1 and threading.current_thread().name not in tuner.threads


def test_pause_holds_within_one_batch_and_resume_loses_nothing(tmp_path):
    tuner = make(FunctionTuner, tmp_path, max_trials=3)
    tuner.batch_seconds = 0.02
    tuner.search(background=True)
    assert wait_for(lambda: tuner.batches_run >= 5)
    tuner.pause()
    asked_at = tuner.batches_run
    assert wait_for(lambda: tuner.status == "paused")
    held_at = tuner.batches_run
    assert held_at - asked_at <= 1  # within one batch
    time.sleep(0.5)
    assert tuner.batches_run == held_at
    tuner.resume()
    assert tuner.wait(timeout=60)
    assert tuner.status == "finished"
    assert tuner.batches_run == 3 * tuner.epochs * tuner.batches  # nothing lost or repeated
    assert sorted(tuner.oracle.trials) == ["0", "1", "2"]
    assert all(t.status == "COMPLETED" for t in tuner.oracle.trials.values())


def test_stop_lets_the_running_trial_finish_and_starts_no_new_one(tmp_path):
    tuner = make(FunctionTuner, tmp_path, max_trials=10)
    tuner.batch_seconds = 0.02
    tuner.search(background=True)
    assert wait_for(lambda: tuner.batches_run >= 2)
    tuner.stop()
    assert tuner.status == "stopping"
    tuner.wait(timeout=60)
    assert tuner.status == "stopped"
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"]


def test_controls_that_do_not_apply_say_why(tmp_path):
    tuner = make(FunctionTuner, tmp_path)
    with pytest.raises(RuntimeError, match="Cannot pause: the search is idle"):
        tuner.pause()
    with pytest.raises(RuntimeError, match="Cannot stop"):
        tuner.stop()


def test_a_second_search_while_one_runs_is_refused(tmp_path):
    tuner = make(FunctionTuner, tmp_path, max_trials=3)
    tuner.batch_seconds = 0.02
    tuner.search(background=True)
    with pytest.raises(RuntimeError, match="tuner.wait"):
        tuner.search(background=True)
    tuner.wait(timeout=60)
    assert len(tuner.oracle.trials) == 3  # the refused call changed nothing


@pytest.mark.parametrize(
    "error, expected",
    [
        (keras_tuner.errors.FatalValueError, keras_tuner.errors.FatalValueError),
        (keras_tuner.errors.FatalTypeError, keras_tuner.errors.FatalTypeError),
    ],
)
def test_a_fatal_error_stops_the_search_and_wait_raises_it(tmp_path, error, expected):
    tuner = make(FunctionTuner, tmp_path)
    tuner.fail_with = error
    tuner.search(background=True)
    with pytest.raises(expected, match="on purpose"):
        tuner.wait(timeout=60)
    assert tuner.status == "failed"
    summary = tuner.search_state.summary()
    assert expected.__name__ in summary.error and "Traceback" in summary.error_traceback
    assert [t.status for t in tuner.search_state.trials()] == ["FAILED"]  # not left running


def test_after_a_failed_search_the_next_search_does_not_hang(tmp_path):
    # Three failing trials make the oracle's end_trial raise while it holds its
    # lock (keras_tuner leaks it); a search from another thread must still run.
    tuner = make(FunctionTuner, tmp_path, max_trials=6)
    tuner.fail_with = ValueError
    tuner.search(background=True)
    with pytest.raises(RuntimeError, match="consecutive failures"):
        tuner.wait(timeout=60)
    assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED"] * 3
    tuner.fail_with = None
    finished = []
    foreground = threading.Thread(target=lambda: finished.append(tuner.search(background=False)))
    foreground.start()
    foreground.join(timeout=30)
    assert finished == [None], "the second search hung on keras_tuner's oracle lock"
    # The trial that hit the limit stays failed (keras_tuner would hand it out again).
    statuses = [t.status for t in tuner.oracle.trials.values()]
    assert statuses == ["FAILED"] * 3 + ["COMPLETED"] * 3


def test_nan_scores_fail_and_are_never_best(tmp_path):
    class NanTuner(FunctionTuner):
        def run_trial(self, trial, *args, **kwargs):
            x = trial.hyperparameters.Float("x", -1.0, 1.0)
            return float("nan") if x > 0 else objective_value(x)

    tuner = make(
        NanTuner, tmp_path, max_trials=8, oracle_kwargs={"max_consecutive_failed_trials": 8}
    )
    tuner.search(verbose=0)
    statuses = {t.trial_id: t.status for t in tuner.oracle.trials.values()}
    nan_ids = [t.trial_id for t in tuner.oracle.trials.values() if t.hyperparameters["x"] > 0]
    assert nan_ids and all(statuses[i] == "FAILED" for i in nan_ids)
    best_id, best_score = tuner.search_state.best()
    assert best_id not in nan_ids
    assert best_score == min(
        t.score for t in tuner.oracle.trials.values() if t.status == "COMPLETED"
    )


def test_reload_shows_earlier_trials_with_their_curves(tmp_path):
    first = make(FunctionTuner, tmp_path, max_trials=3)
    first.search(verbose=0)
    trial_dir = first.get_trial_dir("1")
    assert store.read_curves(trial_dir) == first.search_state.curves("1")
    again = make(FunctionTuner, tmp_path, max_trials=3, overwrite=False)
    assert again.search_state.trial_ids() == ["0", "1", "2"]
    for trial_id in ("0", "1", "2"):
        assert again.search_state.curves(trial_id) == first.search_state.curves(trial_id)
        assert again.search_state.trial(trial_id).score == first.oracle.trials[trial_id].score
    assert again.search_state.best() == first.search_state.best()


def test_a_trial_cut_short_shows_as_interrupted_and_runs_again_under_its_id(tmp_path):
    class CutShort(FunctionTuner):
        def run_trial(self, trial, *args, **kwargs):
            if trial.trial_id == "1" and not self.resumed:
                raise KeyboardInterrupt  # like a kernel interrupt mid-trial
            return super().run_trial(trial, *args, **kwargs)

    CutShort.resumed = False
    first = make(CutShort, tmp_path, max_trials=3)
    with pytest.raises(KeyboardInterrupt):
        first.search(verbose=0)
    CutShort.resumed = True
    again = make(CutShort, tmp_path, max_trials=3, overwrite=False)
    assert [t.status for t in again.search_state.trials()] == ["COMPLETED", "INTERRUPTED"]
    assert again.search_state.summary().trials_done == 1  # the interrupted one is not done
    again.search(verbose=0)
    assert again.search_state.trial_ids() == ["0", "1", "2"]
    assert [t.status for t in again.oracle.trials.values()] == ["COMPLETED"] * 3


def test_a_run_trial_without_keyword_arguments_works_in_the_background(tmp_path):
    # The black-box use from keras_tuner's docs: run_trial takes only the trial.
    class BlackBox(ktw.Tuner):
        def run_trial(self, trial):
            return objective_value(trial.hyperparameters.Float("x", -1.0, 1.0))

    tuner = make(BlackBox, tmp_path, max_trials=4)
    tuner.search(background=True)
    tuner.wait(timeout=60)
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"] * 4


def test_a_long_trial_is_saved_whole_without_rewriting_its_file_every_epoch(tmp_path, monkeypatch):
    writes = []
    write_curves = store.write_curves
    monkeypatch.setattr(
        store, "write_curves", lambda *a, **k: (writes.append(1), write_curves(*a, **k))
    )
    tuner = make(FunctionTuner, tmp_path, max_trials=1)
    tuner.epochs, tuner.batches = 2000, 0
    tuner.search(verbose=0)
    assert len(store.read_curves(tuner.get_trial_dir("0"))[0]) == 2000
    assert len(writes) < 20  # throttled while running, then once at the trial's end


def test_a_second_tuner_on_a_project_being_searched_is_refused_before_it_wipes_it(tmp_path):
    # Re-running the cell that creates the tuner, while its search still runs.
    first = make(FunctionTuner, tmp_path, max_trials=3)
    first.batch_seconds = 0.02
    first.search(background=True)
    with pytest.raises(RuntimeError, match="still writing to"):
        make(FunctionTuner, tmp_path, max_trials=3, overwrite=True)
    assert ktw.active_searches() == [first]
    assert wait_for(lambda: first.batches_run >= 1)
    first.stop()
    first.wait(timeout=60)
    assert ktw.active_searches() == []
    assert first.oracle.trials  # nothing was wiped
    again = make(FunctionTuner, tmp_path, max_trials=3, overwrite=False)
    assert again.search_state.trial_ids() == list(first.oracle.trials)


def test_the_environment_can_keep_a_kernel_search_in_the_foreground(tmp_path, monkeypatch):
    monkeypatch.setattr(ktw.tuner.kernel, "widget_frontend_available", lambda: True)
    monkeypatch.setenv("KT_WIDGETS_BACKGROUND", "0")  # e.g. under papermill
    tuner = make(FunctionTuner, tmp_path, max_trials=2)
    tuner.search(verbose=0)
    assert tuner.status == "finished"
    assert tuner.threads == {threading.current_thread().name}


def test_a_trial_stopped_now_is_stopped_on_disk_and_runs_again_after_a_reload(tmp_path):
    first = make(FunctionTuner, tmp_path, max_trials=3)
    first.batch_seconds = 0.01
    first.search(background=True)
    assert wait_for(lambda: first.search_state.summary().trials_done == 1)
    assert wait_for(lambda: first.search_state.trial("1") is not None)
    first.stop_now()
    first.wait(timeout=60)
    assert [t.status for t in first.oracle.trials.values()] == ["COMPLETED", "STOPPED"]
    again = make(FunctionTuner, tmp_path, max_trials=3, overwrite=False)
    assert [r.status for r in again.search_state.trials()] == ["COMPLETED", "STOPPED"]
    again.search(verbose=0)
    assert sorted((t.trial_id, t.status) for t in again.oracle.trials.values()) == [
        ("0", "COMPLETED"),
        ("1", "COMPLETED"),
        ("2", "COMPLETED"),
    ]
    assert again.batches_run == 2 * again.epochs * again.batches  # trial 1 ran whole


def test_a_running_trial_that_oracle_json_missed_still_runs_again(tmp_path):
    # A kernel that died between keras_tuner's writes of trial.json and oracle.json.
    class CutShort(FunctionTuner):
        def run_trial(self, trial, *args, **kwargs):
            if trial.trial_id == "1":
                raise KeyboardInterrupt
            return super().run_trial(trial, *args, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        make(CutShort, tmp_path, max_trials=3).search(verbose=0)
    oracle_file = tmp_path / "fn" / "oracle.json"
    saved = json.loads(oracle_file.read_text())
    saved["ongoing_trials"] = {}
    oracle_file.write_text(json.dumps(saved))
    again = make(FunctionTuner, tmp_path, max_trials=3, overwrite=False)
    again.search(verbose=0)
    assert sorted((t.trial_id, t.status) for t in again.oracle.trials.values()) == [
        ("0", "COMPLETED"),
        ("1", "COMPLETED"),
        ("2", "COMPLETED"),
    ]
