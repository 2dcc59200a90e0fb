"""What a control says back: why Continue cannot add trials, and a log line per action."""

import json

import keras_tuner
import pytest
from test_tuner import FunctionTuner, objective_value, wait_for

import kt_widgets as ktw


class GridFunctionTuner(FunctionTuner):
    def run_trial(self, trial, *args, **kwargs):
        return objective_value(trial.hyperparameters.Choice("x", [0.1, 0.5, 0.9]))


def space():
    hp = keras_tuner.HyperParameters()
    hp.Float("x", -1.0, 1.0)
    return hp


def log_of(tuner):
    return [line for line in tuner.search_state.log_since(0)[1] if line.startswith("kt_widgets")]


@pytest.mark.parametrize(
    "cls, oracle, reason",
    [
        (
            FunctionTuner,
            keras_tuner.oracles.HyperbandOracle(
                max_epochs=3, factor=3, seed=4, hyperparameters=space()
            ),
            "Hyperband has run every bracket",
        ),
        (GridFunctionTuner, keras_tuner.oracles.GridSearchOracle(), "Every point of the grid"),
    ],
    ids=["hyperband", "grid"],
)
def test_continue_is_disabled_with_the_reason_when_the_oracle_has_no_trial_left(
    tmp_path, cls, oracle, reason
):
    tuner = cls(oracle=oracle, directory=str(tmp_path), project_name="ended")
    board = tuner.dashboard
    assert board.flush()
    # A budget of None is an empty field, not 0.
    assert board.header.max_trials.value == "" and board.header.max_trials.placeholder
    tuner.search(background=True)
    assert tuner.wait(timeout=60) and tuner.status == "finished"
    assert len(tuner.oracle.trials) >= 3
    assert reason in tuner.blocked_controls()["continue"]
    with pytest.raises(RuntimeError, match=f"Cannot continue: {reason.lower()}"):
        tuner.continue_search()
    assert board.flush()
    assert board.header.continue_button.disabled
    assert reason in board.header.continue_button.tooltip
    assert board.header.max_trials.value == ""
    assert any(reason.lower() in line for line in log_of(tuner))
    board.close()


def test_each_control_action_and_a_stopped_trial_have_a_log_line(tmp_path):
    oracle = keras_tuner.oracles.RandomSearchOracle(max_trials=2, seed=7)
    tuner = FunctionTuner(oracle=oracle, directory=str(tmp_path), project_name="log")
    tuner.batch_seconds = 0.02
    tuner.search(background=True)
    assert wait_for(lambda: tuner.batches_run >= 2)
    tuner.pause()
    assert wait_for(lambda: tuner.status == "paused")
    tuner.resume()
    tuner.stop_now()
    assert tuner.wait(timeout=30) and tuner.status == "stopped"
    tuner.continue_search(background=True)
    assert wait_for(lambda: tuner.search_state.trial("0").status == "RUNNING")
    tuner.skip_trial()
    tuner.stop()
    assert tuner.wait(timeout=30) and tuner.status == "stopped"
    assert log_of(tuner) == [
        "kt_widgets: pause asked: the search holds at the next batch",
        "kt_widgets: resumed",
        "kt_widgets: stop now asked: trial 0 ends at the next batch",
        "kt_widgets: trial 0 stopped by the user after 0 epochs; it runs again",
        "kt_widgets: continue (max_trials 2)",
        "kt_widgets: trial 0 ends after its current epoch (skipped)",
        "kt_widgets: stop asked: the search ends when trial 0 does",
    ]


class ModeTuner(ktw.Tuner):
    """A trial in mode "bad" raises: pinning "bad" reaches the consecutive-failures limit."""

    def run_trial(self, trial, *args, **kwargs):
        trial.hyperparameters.Float("x", 0.0, 1.0)  # makes each trial new
        if trial.hyperparameters.Choice("mode", ["ok", "bad"]) == "bad":
            raise ValueError("bad mode")
        return 1.0


def test_a_search_ended_by_the_failure_limit_continues_once_the_cause_is_fixed(tmp_path):
    def build(overwrite):
        modes = keras_tuner.HyperParameters()
        modes.Choice("mode", ["ok", "bad"])
        modes.Float("x", 0.0, 1.0)
        oracle = keras_tuner.oracles.RandomSearchOracle(
            hyperparameters=modes,
            max_trials=6,
            seed=3,
            max_consecutive_failed_trials=2,
            max_retries_per_trial=0,
        )
        return ModeTuner(
            oracle=oracle,
            directory=str(tmp_path),
            project_name="limit",
            overwrite=overwrite,
        )

    tuner = build(overwrite=True)
    tuner.space.fix("mode", "bad")
    tuner.search(background=True)
    with pytest.raises(RuntimeError, match="consecutive failures"):
        tuner.wait(timeout=60)
    assert tuner.status == "failed"
    statuses = {i: t.status for i, t in tuner.oracle.trials.items()}
    assert list(statuses.values()) == ["FAILED", "FAILED"], statuses
    # The trial whose end hit the limit is recorded FAILED on disk, not left RUNNING.
    for trial_id in statuses:
        saved = json.loads((tmp_path / "limit" / f"trial_{trial_id}" / "trial.json").read_text())
        assert saved["status"] == "FAILED"
        assert tuner.search_state.trial(trial_id).status == "FAILED"  # so says the table

    tuner.space.fix("mode", "ok")  # the cause, fixed
    assert "continue" not in tuner.blocked_controls()
    tuner.continue_search(background=False)
    assert tuner.status == "finished"
    trials = tuner.oracle.trials
    assert len(trials) == 6 and len(set(trials)) == 6
    assert [t.status for t in trials.values()] == ["FAILED"] * 2 + ["COMPLETED"] * 4
    assert all(t.hyperparameters.get("mode") == "ok" for t in list(trials.values())[2:])

    # The same after a reload: a project that ended at the limit goes on.
    tuner = build(overwrite=True)
    tuner.space.fix("mode", "bad")
    with pytest.raises(RuntimeError, match="consecutive failures"):
        tuner.search(background=False)
    reloaded = build(overwrite=False)
    reloaded.space.fix("mode", "ok")
    reloaded.search(background=False)
    assert [t.status for t in reloaded.oracle.trials.values()] == ["FAILED"] * 2 + ["COMPLETED"] * 4
    # Within one search keras_tuner's limit holds as before.
    reloaded.space.fix("mode", "bad")
    reloaded.max_trials = 10
    with pytest.raises(RuntimeError, match="consecutive failures"):
        reloaded.search(background=False)
    assert [t.status for t in reloaded.oracle.trials.values()][6:] == ["FAILED"] * 2
