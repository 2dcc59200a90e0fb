"""SearchState: the core model of a search, with no Keras and no widgets."""

import math
import threading

from kt_widgets.core import state as st
from kt_widgets.core.executions import Execution
from kt_widgets.core.state import SearchState, TrialRecord


def test_epochs_group_into_executions_when_the_count_restarts():
    state = SearchState()
    state.trial_started("0", {"x": 1})
    for epoch in (0, 1, 0, 1):  # two fits of two epochs (executions_per_trial=2)
        state.epoch_ended("0", epoch, {"loss": 1.0 / (epoch + 1)})
    curves = state.curves("0")
    assert [[e for e, _ in points] for points in curves] == [[0, 1], [0, 1]]


def test_a_curve_may_start_after_epoch_zero():
    # Hyperband's promoted trials fit with initial_epoch=1.
    state = SearchState()
    state.trial_started("4", {})
    state.epoch_ended("4", 1, {"loss": 0.5})
    state.epoch_ended("4", 2, {"loss": 0.4})
    assert state.curves("4") == [[(1, {"loss": 0.5}), (2, {"loss": 0.4})]]


def test_a_retried_trial_starts_its_curves_again():
    state = SearchState()
    state.trial_started("0", {"x": 1})
    state.epoch_ended("0", 0, {"loss": 1.0})
    state.trial_ended("0", "INVALID", message="boom")
    state.trial_started("0", {"x": 1})
    assert state.curves("0") == []
    assert state.trial("0").status == "RUNNING"
    assert state.trial("0").message is None


def test_packed_epochs_read_back_as_they_were_logged():
    points = [
        (0, {"loss": 1.5, "val_loss": 1.75}),
        (1, {"loss": math.nan, "val_loss": math.inf}),
        (2, {"loss": -0.0, "val_loss": 1e-300}),
    ]
    execution = Execution(points)
    assert len(execution) == 3
    assert execution[0] == points[0] and execution[-1] == points[-1]
    assert execution[2:] == points[2:] and len(execution[1:]) == 2
    assert [epoch for epoch, _ in execution] == [0, 1, 2]
    assert math.isnan(execution[1][1]["loss"]) and execution[1][1]["val_loss"] == math.inf
    assert math.copysign(1, execution[2][1]["loss"]) == -1
    assert execution == execution.copy()  # its NaN included


def test_a_metric_missing_from_an_epoch_stays_missing_and_nan_stays_nan():
    state = SearchState()
    state.trial_started("0", {})
    state.epoch_ended("0", 0, {"loss": 1.0, "val_loss": math.nan})
    state.epoch_ended("0", 1, {"loss": 0.5})  # no validation this epoch
    state.epoch_ended("0", 2, {"val_loss": 0.25, "loss": 0.4})
    [points] = state.curves("0")
    logs = [logs for _, logs in points]
    assert math.isnan(logs[0]["val_loss"])
    assert logs[1] == {"loss": 0.5} and "val_loss" not in points[1][1]
    assert logs[2] == {"loss": 0.4, "val_loss": 0.25}


def test_a_metric_may_appear_in_the_middle_of_an_execution():
    state = SearchState()
    state.trial_started("0", {})
    state.epoch_ended("0", 0, {"loss": 1.0})
    state.epoch_ended("0", 1, {"loss": 0.8})
    state.epoch_ended("0", 2, {"loss": 0.6, "lr": 0.01})
    assert state.curves("0") == [
        [(0, {"loss": 1.0}), (1, {"loss": 0.8}), (2, {"loss": 0.6, "lr": 0.01})]
    ]
    assert state.epoch_metric_names() == ["loss", "lr"]


def test_values_that_are_not_floats_are_kept_as_given():
    execution = Execution()
    execution.append(0, {"loss": 1.0, "steps": 32, "note": "warm-up", "best": True})
    execution.append(1, {"loss": 0.5, "steps": 64, "note": None})
    [(_, first), (_, second)] = execution
    assert first == {"loss": 1.0, "steps": 32, "note": "warm-up", "best": True}
    assert type(first["steps"]) is int and first["best"] is True
    assert second == {"loss": 0.5, "steps": 64, "note": None}


def test_a_new_execution_starts_when_the_epoch_number_does_not_increase():
    state = SearchState()
    state.trial_started("0", {})
    for epoch in (0, 1, 2, 2, 3, 0):  # a repeated epoch is a new fit too
        state.epoch_ended("0", epoch, {"loss": float(epoch)})
    curves = state.curves("0")
    assert [[e for e, _ in points] for points in curves] == [[0, 1, 2], [2, 3], [0]]
    assert state.trial("0").epochs_done == 3


def test_a_copy_of_the_curves_does_not_change_with_later_epochs():
    state = SearchState()
    state.trial_started("0", {})
    state.epoch_ended("0", 0, {"loss": 1.0})
    [before] = state.curves("0")
    state.epoch_ended("0", 1, {"loss": 0.5, "val_loss": 0.6})
    assert before == [(0, {"loss": 1.0})]
    assert state.curves("0") == [[(0, {"loss": 1.0}), (1, {"loss": 0.5, "val_loss": 0.6})]]


def test_changed_since_lists_only_trials_changed_after_a_version():
    state = SearchState()
    state.trial_started("0", {})
    state.trial_started("1", {})
    version, changed = state.changed_since(0)
    assert changed == ["0", "1"]
    state.epoch_ended("0", 0, {"loss": 1.0})
    newer, changed = state.changed_since(version)
    assert changed == ["0"]
    assert state.changed_since(newer) == (newer, [])


def test_best_skips_nan_failed_and_running_trials_and_follows_direction():
    state = SearchState(objective="val_my_score", direction="max")
    for trial_id, status, score in [
        ("0", "COMPLETED", 0.5),
        ("1", "COMPLETED", math.nan),
        ("2", "FAILED", None),
        ("3", "COMPLETED", 0.7),
        ("4", "COMPLETED", 0.6),
    ]:
        state.trial_started(trial_id, {})
        state.trial_ended(trial_id, status, score=score)
    state.trial_started("5", {})  # running
    assert state.best() == ("3", 0.7)
    state.direction = "min"
    assert state.best() == ("0", 0.5)


def test_only_a_scored_trial_has_a_best_step():
    # keras_tuner gives every trial a best_step, 0 for a failed or interrupted one.
    state = SearchState(objective="loss")
    for trial_id, status in [("0", "COMPLETED"), ("1", "FAILED"), ("2", "SKIPPED")]:
        state.trial_started(trial_id, {})
        state.trial_ended(trial_id, status, score=0.5 if status != "FAILED" else None, best_step=0)
    state.restore_trial(TrialRecord("3", status="INTERRUPTED", best_step=0))
    steps = {trial_id: state.trial(trial_id).best_step for trial_id in "0123"}
    assert steps == {"0": 0, "1": None, "2": 0, "3": None}


def test_no_best_without_a_completed_trial():
    state = SearchState()
    state.trial_started("0", {})
    state.trial_ended("0", "FAILED", message="ValueError")
    assert state.best() == (None, None)
    summary = state.summary()
    assert summary.best_trial is None
    assert summary.trials_done == 1 and summary.trials_failed == 1


def test_summary_counts_and_running_epoch():
    state = SearchState(objective="loss", max_trials=4)
    state.set_status(st.RUNNING)
    state.trial_started("0", {})
    state.trial_ended("0", "COMPLETED", score=1.0)
    state.trial_started("1", {}, epochs_planned=5)
    state.epoch_ended("1", 0, {"loss": 2.0})
    state.epoch_ended("1", 1, {"loss": 1.5})
    summary = state.summary()
    assert (summary.trials_total, summary.trials_done, summary.max_trials) == (2, 1, 4)
    assert (summary.running_trial, summary.running_epoch) == ("1", 2)
    assert summary.running_epochs_planned == 5
    assert summary.remaining_estimate is not None


def test_fail_ends_running_trials_and_records_the_error():
    state = SearchState()
    state.set_status(st.RUNNING)
    state.trial_started("0", {})
    state.fail("FatalValueError: bad", "Traceback ...")
    assert state.status == st.FAILED
    assert state.trial("0").status == "FAILED"
    assert state.summary().error == "FatalValueError: bad"
    state.set_status(st.RUNNING)  # a new search clears the error
    assert state.error is None


def test_hyperparameter_kinds_turn_text_on_any_non_number():
    state = SearchState()
    state.trial_started("0", {"units": 32, "act": "relu", "flag": True})
    state.trial_started("1", {"units": 64, "act": "tanh", "flag": False})
    assert state.hyperparameter_kinds() == {"units": "number", "act": "text", "flag": "text"}


def test_log_keeps_lines_in_order():
    state = SearchState()
    state.log("one")
    seq, lines = state.log_since(0)
    state.log("two")
    state.log("three")
    assert lines == ["one"]
    assert state.log_since(seq)[1] == ["two", "three"]


def test_subscribers_are_called_on_change_until_unsubscribed():
    state = SearchState()
    calls = []
    unsubscribe = state.subscribe(lambda: calls.append(1))
    state.trial_started("0", {})
    unsubscribe()
    state.trial_started("1", {})
    assert calls == [1]


def test_concurrent_writers_and_a_reader_lose_nothing():
    state = SearchState()
    for t in range(4):
        state.trial_started(str(t), {})
    reads = []

    def write(trial_id):
        for epoch in range(500):
            state.epoch_ended(trial_id, epoch, {"loss": float(epoch)})

    def read():
        for _ in range(200):
            for record in state.trials():
                points = record.executions[0] if record.executions else []
                reads.append([e for e, _ in points] == list(range(len(points))))

    threads = [threading.Thread(target=write, args=(str(t),)) for t in range(4)]
    threads.append(threading.Thread(target=read))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(reads)
    assert [len(state.curves(str(t))[0]) for t in range(4)] == [500] * 4


def test_time_spent_paused_is_not_part_of_a_trials_duration(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(st.time, "time", lambda: clock[0])
    state = SearchState()
    state.set_status(st.RUNNING)
    state.trial_started("0", {})
    clock[0] = 103.0
    state.set_status(st.PAUSED)
    clock[0] = 160.0
    assert state.trial("0").duration == 3.0  # frozen while paused
    state.set_status(st.RUNNING)
    clock[0] = 162.0
    state.trial_ended("0", "COMPLETED", score=1.0)
    assert state.trial("0").duration == 5.0
    assert state.elapsed() == 62.0  # the search's wall time includes the pause


def test_a_failing_subscriber_never_fails_the_search_thread():
    state = SearchState()

    def broken():
        raise RuntimeError("the UI broke")

    state.subscribe(broken)
    state.trial_started("0", {})
    state.epoch_ended("0", 0, {"loss": 1.0})  # does not raise
    assert state.curves("0") == [[(0, {"loss": 1.0})]]
    assert any("the UI broke" in line for line in state.log_since(0)[1])


def recount(state):
    """The header's figures counted from every trial, the slow way."""
    records = state.trials()
    done = [r for r in records if r.status in st.DONE_TRIAL_STATUSES]
    running = [r.trial_id for r in records if r.status == st.TRIAL_RUNNING]
    best = None
    for r in records:  # the first of equal scores wins
        if r.status == "COMPLETED" and r.score is not None and math.isfinite(r.score):
            if best is None or st.is_better(r.score, best.score, state.direction):
                best = r
    return (
        len(done),
        sum(r.status == "FAILED" for r in done),
        running[-1] if running else None,
        (best.trial_id, best.score) if best else (None, None),
    )


def test_summary_totals_follow_retries_failures_restores_and_direction():
    state = SearchState(objective="score", direction="max", max_trials=20)
    state.set_status(st.RUNNING)

    def check():
        summary = state.summary()
        best = (summary.best_trial, summary.best_score)
        counted = (summary.trials_done, summary.trials_failed, summary.running_trial, best)
        assert counted == recount(state)

    for i, score in enumerate([0.3, 0.9, 0.9, math.nan, 0.5]):
        state.trial_started(str(i), {"x": i})
        check()
        state.trial_ended(str(i), "COMPLETED", score=score)
        check()
    state.trial_started("1", {"x": 1})  # the best is retried: "2" ties and takes over
    check()
    state.trial_ended("1", "FAILED", message="boom")
    check()
    state.restore_trial(st.TrialRecord("2", status="COMPLETED", score=0.1))  # read again
    check()
    state.direction = "min"  # a watched project tells its direction late
    check()
    state.epoch_ended("5", 0, {"score": 1.0})  # epochs of a trial never started
    state.trial_started("6", {})
    check()
    state.fail("Error: stop")  # both running trials end FAILED
    check()
    assert state.summary().trials_failed == 3
