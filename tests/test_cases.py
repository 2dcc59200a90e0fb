"""The cases from public bug reports about KerasTuner and notebook widgets, each with its value.

Each test names its case (C01, C02, ...). Most are model-free; the ones about
Keras train tiny models on a subset of scikit-learn's digits (or iris) for 1-2
epochs.
"""

from __future__ import annotations

import math
import statistics
import threading
import time

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from keras_tuner.src.engine import hyperparameters as hp_module
from sklearn.datasets import load_digits, load_iris

import kt_widgets as ktw
from kt_widgets import summaries
from kt_widgets.core.summary import to_html
from kt_widgets.core.table import trial_row


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    return x[:240], data.target[:240], x[240:360], data.target[240:360]


def dense_model(hp, metrics=("accuracy",), layers=keras.layers):
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            layers.Dense(hp.Int("units", 8, 32, step=8), activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def function_tuner(returns, base=None, epochs=0):
    """A kt_widgets Tuner whose run_trial returns `returns(hp)` (model-free)."""

    class Function(base or ktw.Tuner):
        def run_trial(self, trial, *args, **kwargs):
            for epoch in range(epochs):
                self.on_epoch_end(trial, None, epoch, logs={"loss": 1.0 / (epoch + 1)})
            return returns(trial.hyperparameters)

    return Function


def random_oracle(**kwargs):
    kwargs.setdefault("seed", 1)
    return keras_tuner.oracles.RandomSearchOracle(**kwargs)


# -- C01 ---------------------------------------------------------------------
def two_outputs(hp):
    inputs = keras.Input(shape=(64,))
    hidden = keras.layers.Dense(hp.Int("units", 8, 32, step=8), activation="relu")(inputs)
    out_a = keras.layers.Dense(10, activation="softmax", name="out_a")(hidden)
    out_b = keras.layers.Dense(10, activation="softmax", name="out_b")(hidden)
    model = keras.Model(inputs, {"out_a": out_a, "out_b": out_b})
    model.compile(
        "adam",
        {"out_a": "sparse_categorical_crossentropy", "out_b": "sparse_categorical_crossentropy"},
        metrics={"out_a": "accuracy"},
    )
    return model


@pytest.mark.keras
@pytest.mark.parametrize("build", [dense_model, two_outputs], ids=["one_output", "two_outputs"])
def test_c01_a_missing_objective_fails_each_trial_by_name_and_the_error_reaches_the_user(
    build, digits, tmp_path
):
    x, y, _, _ = digits
    targets = y if build is dense_model else {"out_a": y, "out_b": y}
    tuner = ktw.RandomSearch(
        build, objective="val_accuracy", max_trials=5, directory=str(tmp_path), seed=1
    )
    tuner.search(x, targets, epochs=1, verbose=0, background=True)  # no validation data
    with pytest.raises(RuntimeError, match="consecutive failures"):
        tuner.wait(timeout=120)
    trials = list(tuner.oracle.trials.values())
    assert [t.status for t in trials] == ["FAILED"] * 3
    assert all("val_accuracy" in t.message for t in trials)
    assert tuner.status == "failed"
    # The dashboard also says which names the trials did log.
    for trial in trials:
        note = tuner.search_state.trial(trial.trial_id).message.splitlines()[-1]
        assert note.startswith("kt_widgets: the objective needs val_accuracy; this trial logged ")
        assert "loss" in note.split("logged ")[1].split(", ")
    board = tuner.dashboard
    try:
        assert board.flush()
        assert 'data-status="failed"' in board.header.text.value
        assert "consecutive failures" in board.header.text.value
    finally:
        board.close()


# -- C02 ---------------------------------------------------------------------
def my_score(y_true, y_pred):
    return keras.ops.mean(keras.ops.max(y_pred, axis=-1))


def test_c02a_an_objective_of_unknown_direction_is_refused_at_construction(tmp_path):
    with pytest.raises(ValueError, match="Could not infer optimization direction"):
        ktw.RandomSearch(lambda hp: None, objective="val_my_score", directory=str(tmp_path))
    assert not (tmp_path / "untitled_project").exists()  # nothing made, nothing started


@pytest.mark.keras
def test_c02bc_a_custom_metric_maximised_and_a_metric_made_in_build(digits, tmp_path):
    # (b) a function metric as the objective, "max": the best is the max, and the
    # table's best mark and default sort follow "max". (c) keras.metrics.AUC()
    # created in build keeps its name (val_auc, never val_auc_1) in every trial.
    x, y, x_val, y_val = digits

    def build(hp):
        model = keras.Sequential(
            [
                keras.Input(shape=(64,)),
                keras.layers.Dense(hp.Int("units", 4, 64, step=4), activation="relu"),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile("adam", "binary_crossentropy", metrics=[my_score, keras.metrics.AUC()])
        return model

    tuner = ktw.RandomSearch(
        build,
        objective=keras_tuner.Objective("val_my_score", "max"),
        max_trials=3,
        directory=str(tmp_path),
        seed=3,
    )
    tuner.search(x, y == 0, epochs=1, validation_data=(x_val, y_val == 0), verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert [t.status for t in trials] == ["COMPLETED"] * 3
    assert all(t.metrics.exists("val_auc") for t in trials)
    best = tuner.oracle.get_best_trials()[0]
    assert best.score == max(t.score for t in trials)
    board = tuner.dashboard
    try:
        assert board.flush()
        assert board.table.sort_descending is True  # the default sort puts "max" first
        assert board.table.best_trial_id == best.trial_id
    finally:
        board.close()


# -- C04 ---------------------------------------------------------------------
def test_c04a_a_float_is_the_score_of_the_default_objective(tmp_path):
    cls = function_tuner(lambda hp: (hp.Float("x", 0, 1) - 0.3) ** 2)
    tuner = cls(oracle=random_oracle(max_trials=3), directory=str(tmp_path))
    tuner.search(verbose=0)
    assert tuner.oracle.objective.name == "default_objective"
    for trial in tuner.oracle.trials.values():
        assert trial.score == (trial.hyperparameters["x"] - 0.3) ** 2


def test_c04b_a_dict_gives_the_score_and_keeps_the_other_metrics(tmp_path):
    cls = function_tuner(lambda hp: {"score": hp.Float("x", 0, 1), "aux": 1})
    oracle = random_oracle(max_trials=3, objective=keras_tuner.Objective("score", "min"))
    tuner = cls(oracle=oracle, directory=str(tmp_path))
    tuner.search(verbose=0)
    for trial in tuner.oracle.trials.values():
        assert trial.score == trial.hyperparameters["x"]
        assert trial.metrics.get_last_value("aux") == 1
        assert tuner.search_state.trial(trial.trial_id).metrics["aux"] == 1


def test_c04c_a_list_is_averaged(tmp_path):
    tuner = function_tuner(lambda hp: [1.0, 2.0, 6.0])(
        oracle=random_oracle(max_trials=1), directory=str(tmp_path)
    )
    tuner.search(verbose=0)
    assert tuner.oracle.trials["0"].score == 3.0


@pytest.mark.parametrize("background", [False, True])
def test_c04d_a_dict_without_the_objective_stops_the_search_at_once(tmp_path, background):
    cls = function_tuner(lambda hp: {"aux": 1})
    oracle = random_oracle(max_trials=5, objective=keras_tuner.Objective("score", "min"))
    tuner = cls(oracle=oracle, directory=str(tmp_path))
    with pytest.raises(keras_tuner.errors.FatalValueError, match="score"):
        tuner.search(verbose=0, background=background)
        tuner.wait(timeout=30)
    assert len(tuner.oracle.trials) == 1
    assert tuner.status == "failed"


def test_c04e_none_asks_whether_you_forgot_to_return(tmp_path):
    tuner = function_tuner(lambda hp: None)(
        oracle=random_oracle(max_trials=5), directory=str(tmp_path)
    )
    with pytest.raises(
        keras_tuner.errors.FatalTypeError, match="Did you forget to return the metrics?"
    ):
        tuner.search(verbose=0)
    assert len(tuner.oracle.trials) == 1


def test_c04f_a_custom_loop_calling_on_epoch_end_draws_its_loss(tmp_path):
    class Loop(ktw.Tuner):
        def run_trial(self, trial, *args, **kwargs):
            x = trial.hyperparameters.Float("x", 0, 1)
            for epoch in range(3):
                self.on_epoch_end(trial, None, epoch, logs={"loss": x / (epoch + 1)})
            return {"loss": x / 3}

    tuner = Loop(oracle=random_oracle(max_trials=2, objective="loss"), directory=str(tmp_path))
    tuner.search(verbose=0, background=True)
    assert tuner.wait(timeout=30)
    x = tuner.oracle.trials["1"].hyperparameters["x"]
    assert tuner.search_state.curves("1") == [
        [(0, {"loss": x}), (1, {"loss": x / 2}), (2, {"loss": x / 3})]
    ]
    board = tuner.dashboard
    try:
        board.table.selected = ["1"]
        assert board.flush()
        assert board.curves.metrics == ["loss"] and board.curves.metric == "loss"
    finally:
        board.close()


# -- C05 ---------------------------------------------------------------------
def iris_model(hp):
    layers = [keras.Input(shape=(4,)), keras.layers.Dense(hp.Int("units", 4, 16, step=4))]
    if hp.Boolean("poison"):
        layers.append(keras.layers.Lambda(lambda t: t * float("nan")))
    layers.append(keras.layers.Dense(3, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.keras
@pytest.mark.parametrize("name", ["RandomSearch", "BayesianOptimization"])
def test_c05_nan_trials_fail_and_are_never_best(name, tmp_path):
    data = load_iris()
    x, y = data.data.astype("float32"), data.target
    tuner = getattr(ktw, name)(
        iris_model,
        objective="val_loss",
        max_trials=6,
        max_consecutive_failed_trials=6,
        directory=str(tmp_path),
        seed=5,
    )
    tuner.search(x, y, epochs=1, validation_split=0.3, verbose=0, background=True)
    assert tuner.wait(timeout=300)  # Bayesian keeps going: no "Input contains NaN"
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 6
    poisoned = [t for t in trials if t.hyperparameters["poison"]]
    clean = [t for t in trials if not t.hyperparameters["poison"]]
    assert poisoned and clean
    assert all(t.status == "FAILED" for t in poisoned)
    best_ids = [t.trial_id for t in tuner.oracle.get_best_trials(len(clean))]
    assert set(best_ids) == {t.trial_id for t in clean}
    assert all(not hp["poison"] for hp in tuner.get_best_hyperparameters(len(clean)))
    table = summaries.results(tuner, 10)
    assert table.rows[0][1] == "COMPLETED" and not math.isnan(table.rows[0][2])
    # The table shows "NaN" (js/tests/table.test.mjs checks it sorts last both ways).
    rows = [trial_row(tuner.search_state.trial(t.trial_id)) for t in poisoned]
    assert all(row["score"] == "NaN" and row["status"] == "FAILED" for row in rows)
    assert tuner.search_state.best()[0] in {t.trial_id for t in clean}


def test_c05_three_nan_trials_in_a_row_give_the_stock_error(tmp_path):
    tuner = function_tuner(lambda hp: float("nan") + hp.Float("x", 0, 1))(
        oracle=random_oracle(max_trials=6), directory=str(tmp_path)
    )
    tuner.search(verbose=0, background=True)
    with pytest.raises(RuntimeError, match="consecutive failures exceeded the limit of 3"):
        tuner.wait(timeout=30)
    assert [t.status for t in tuner.search_state.trials()] == ["FAILED"] * 3


# -- C06 ---------------------------------------------------------------------
def too_big(hp):
    units, layers = hp.Int("units", 10, 60, step=10), hp.Int("layers", 1, 3)
    if units * layers > 100:
        raise ValueError(f"too big: {units} x {layers}")
    return units * layers / 100


def test_c06_a_raising_trial_is_retried_then_failed_and_the_search_goes_on(tmp_path):
    tuner = function_tuner(too_big)(
        oracle=random_oracle(max_trials=8, max_retries_per_trial=1, seed=3),
        directory=str(tmp_path),
    )
    tuner.search(verbose=0, background=True)
    assert tuner.wait(timeout=60)
    failed = [t for t in tuner.oracle.trials.values() if t.status == "FAILED"]
    assert failed and len(tuner.oracle.trials) == 8
    assert all(tuner.oracle._run_times[t.trial_id] == 2 for t in failed)  # retried once
    board = tuner.dashboard
    try:
        board.table.selected = [failed[0].trial_id]  # a click on its row
        assert wait_for(lambda: "Traceback" in board.trial_errors.value)
        assert "ValueError: too big" in board.trial_errors.value
    finally:
        board.close()


def test_c06_failed_trial_error_fails_without_retry(tmp_path):
    def returns(hp):
        raise keras_tuner.errors.FailedTrialError(f"skip {hp.Float('x', 0, 1)}")

    tuner = function_tuner(returns)(
        oracle=random_oracle(max_trials=2, max_retries_per_trial=3), directory=str(tmp_path)
    )
    tuner.search(verbose=0)
    assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED"] * 2
    assert all(tuner.oracle._run_times[t] == 1 for t in tuner.oracle.trials)


def test_c06_a_fatal_error_stops_at_once_with_its_type_and_the_widget_leaves_running(tmp_path):
    def returns(hp):
        raise keras_tuner.errors.FatalValueError(f"fatal {hp.Float('x', 0, 1)}")

    tuner = function_tuner(returns)(
        oracle=random_oracle(max_trials=5, max_retries_per_trial=3), directory=str(tmp_path)
    )
    tuner.search(verbose=0, background=True)
    with pytest.raises(keras_tuner.errors.FatalValueError, match="fatal"):
        tuner.wait(timeout=30)
    assert len(tuner.oracle.trials) == 1
    board = tuner.dashboard
    try:
        assert board.flush()
        assert 'data-status="failed"' in board.header.text.value
    finally:
        board.close()


# -- C08 ---------------------------------------------------------------------
def test_c08a_histories_of_executions_are_averaged_at_their_best_epochs(tmp_path):
    def returns(hp):
        hp.Float("x", 0, 1)
        histories = []
        for values in ([0.5, 0.3], [0.4, 0.6], [0.2, 0.9]):
            history = keras.callbacks.History()
            history.history = {"val_loss": values}
            histories.append(history)
        return histories

    tuner = function_tuner(returns)(
        oracle=random_oracle(max_trials=1, objective="val_loss"), directory=str(tmp_path)
    )
    tuner.search(verbose=0)
    trial = tuner.oracle.trials["0"]
    assert trial.score == pytest.approx(0.3)
    assert trial.best_step == 0


@pytest.mark.keras
def test_c08b_executions_per_trial_average_and_plot_one_line_each(digits, tmp_path):
    x, y, x_val, y_val = digits
    tuner = ktw.RandomSearch(
        dense_model,
        objective="val_loss",
        max_trials=1,
        executions_per_trial=2,
        directory=str(tmp_path),
        seed=2,
    )
    tuner.search(x, y, epochs=2, validation_data=(x_val, y_val), verbose=0, background=True)
    assert tuner.wait(timeout=120)
    executions = tuner.search_state.curves("0")
    assert [[epoch for epoch, _ in points] for points in executions] == [[0, 1], [0, 1]]
    best = [min(logs["val_loss"] for _, logs in points) for points in executions]
    assert tuner.oracle.trials["0"].score == pytest.approx(np.mean(best))
    board = tuner.dashboard
    sent = []
    board.curves.send = lambda content, buffers=None: sent.append(content)
    try:
        board.table.selected = ["0"]
        board.curves._handle_message(board.curves, {"type": "ready"}, [])  # a view opens

        def plotted():
            series = [s for message in sent for s in message.get("series", [])]
            return sorted((s["execution"], len(s["points"])) for s in series)

        assert wait_for(lambda: plotted() == [(1, 2), (2, 2)]), plotted()
    finally:
        board.close()


# -- C09 ---------------------------------------------------------------------
@pytest.mark.keras
def test_c09_hyperband_brackets_epochs_and_weights_carried_to_the_next_round(digits, tmp_path):
    x, y, x_val, y_val = digits

    def build(hp):
        hp.Int("units", 8, 64, step=8)
        hp.Choice("activation", ["relu", "tanh"])
        return dense_model(hp)

    tuner = ktw.Hyperband(
        build,
        objective="val_loss",
        max_epochs=3,
        factor=3,
        hyperband_iterations=1,
        directory=str(tmp_path),
        seed=1,
    )
    tuner.search(x, y, epochs=50, validation_data=(x_val, y_val), verbose=0, background=True)
    assert tuner.wait(timeout=300)
    trials = list(tuner.oracle.trials.values())
    plan = sorted(
        (t.hyperparameters["tuner/epochs"], t.hyperparameters["tuner/initial_epoch"])
        for t in trials
    )
    assert plan == [(1, 0), (1, 0), (1, 0), (3, 0), (3, 0), (3, 1)]  # epochs=50 overridden
    first_round = [t for t in trials if t.hyperparameters["tuner/epochs"] == 1]
    promoted = next(t for t in trials if t.hyperparameters["tuner/initial_epoch"] == 1)
    parent = min(first_round, key=lambda t: t.score)
    assert promoted.hyperparameters["tuner/trial_id"] == parent.trial_id
    [curve] = tuner.search_state.curves(promoted.trial_id)
    assert [epoch for epoch, _ in curve] == [1, 2]  # the plot starts at epoch index 1
    [parent_curve] = tuner.search_state.curves(parent.trial_id)
    # Weights reloaded: training goes on below the parent's last loss, where a
    # model trained from scratch would start above it.
    assert curve[0][1]["loss"] < parent_curve[-1][1]["loss"]
    row = trial_row(tuner.search_state.trial(promoted.trial_id))
    assert row["hp:tuner/epochs"] == 3 and row["hp:tuner/initial_epoch"] == 1


# -- C12 ---------------------------------------------------------------------
def raising_build(hp):
    units = hp.Int("units", 8, 64, step=8)
    if units > 8:  # the default (8) builds, so construction works; trials fail
        raise ValueError(f"cannot build {units} units")
    return dense_model(hp)


def without_own_frames(text):
    """A traceback without the frames of kt_widgets' own code (it wraps a few steps)."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("  File "):
            skipping = "/kt_widgets/" in line
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.keras
def test_c12_zero_completed_trials_summaries_and_best_lists_as_in_keras_tuner(tmp_path, capsys):
    fresh = ktw.RandomSearch(raising_build, objective="val_loss", directory=str(tmp_path / "a"))
    fresh.results_summary()
    fresh.search_space_summary()
    text = capsys.readouterr().out
    assert text.startswith("Results summary") and "Trial " not in text
    assert "Search space summary" in text
    assert fresh.get_best_hyperparameters() == [] and fresh.get_best_models() == []
    assert "No trials yet." in to_html(summaries.results(fresh, 10))
    fresh.dashboard.close()  # renders with no trials

    outcomes = {}
    for api in (keras_tuner, ktw):
        tuner = api.RandomSearch(
            raising_build,
            objective="val_loss",
            max_trials=3,
            max_consecutive_failed_trials=1,
            directory=str(tmp_path / api.__name__),
            seed=1,
        )
        with pytest.raises(RuntimeError, match="consecutive failures"):
            tuner.search(np.zeros((4, 64)), np.zeros(4), epochs=1, verbose=0)
        assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED"]
        with pytest.raises(ValueError, match="cannot build") as loading:
            tuner.get_best_models()
        capsys.readouterr()
        tuner.results_summary()
        outcomes[api] = (
            [hp.values for hp in tuner.get_best_hyperparameters()],  # stock pads
            type(loading.value),
            without_own_frames(capsys.readouterr().out.replace(tuner.project_dir, "<dir>")),
        )
    assert outcomes[ktw] == outcomes[keras_tuner]
    assert len(outcomes[ktw][0]) == 1
    table = summaries.results(tuner, 10)
    assert [row[1] for row in table.rows] == ["FAILED"]  # never presented as completed
    assert tuner.search_state.best() == (None, None)


# -- C16 ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [[1, "relu"], [1, 2.5], [None, 1], list(np.arange(3))],
    ids=["int_and_str", "int_and_float", "none", "numpy_int64"],
)
def test_c16_a_choice_of_mixed_or_unsupported_types_is_a_type_error(values, tmp_path):
    with pytest.raises(TypeError):
        keras_tuner.HyperParameters().Choice("a", values)

    def build(hp):
        hp.Choice("a", values)
        return dense_model(hp)

    with pytest.raises(TypeError):  # at construction, before any thread starts
        ktw.RandomSearch(build, objective="val_loss", directory=str(tmp_path))


def test_c16_a_default_outside_the_choices_and_a_bool_default_of_one():
    with pytest.raises(ValueError, match="default value should be one of the choices"):
        keras_tuner.HyperParameters().Choice("e", ["a", "b"], default="c")
    hp = keras_tuner.HyperParameters()
    assert hp.Choice("f", [True, False], default=1) == 1  # stock accepts it silently (1 == True)


# -- C17 ---------------------------------------------------------------------
def test_c17_log_sampling_with_a_zero_minimum_or_a_step_of_one_is_refused():
    with pytest.raises(ValueError):
        hp_module.Float("lr", 0, 0.1, sampling="log")
    with pytest.raises(ValueError):
        hp_module.Float("lr", 1e-4, 0.1, sampling="log", step=1)


def test_c17_log_sampled_values_from_a_search_spread_as_documented(tmp_path):
    def returns(hp):
        return hp.Float("lr", 1e-4, 0.1, sampling="log") + hp.Int(
            "u", 8, 256, sampling="log", step=2
        )

    tuner = function_tuner(returns)(
        oracle=random_oracle(max_trials=300, seed=11), directory=str(tmp_path)
    )
    tuner.search(verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 300
    rates = [t.hyperparameters["lr"] for t in trials]
    assert all(1e-4 <= r <= 0.1 for r in rates)
    assert 1.5e-3 < statistics.median(rates) < 7e-3  # log-uniform: median sqrt(1e-5) = 3.2e-3
    assert {t.hyperparameters["u"] for t in trials} <= {8, 16, 32, 64, 128, 256}


# -- C19 ---------------------------------------------------------------------
def test_c19_a_failing_ui_update_in_on_epoch_end_is_logged_and_the_trial_completes(tmp_path):
    tuner = function_tuner(lambda hp: hp.Float("x", 0, 1), epochs=3)(
        oracle=random_oracle(max_trials=2), directory=str(tmp_path)
    )
    calls = []

    def broken_view():
        calls.append(1)
        raise RuntimeError("the view broke")

    tuner.search_state.subscribe(broken_view)
    tuner.search(verbose=0, background=True)
    assert tuner.wait(timeout=30)
    assert calls and tuner.status == "finished"
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"] * 2
    _, log = tuner.search_state.log_since(0)
    assert any("the view broke" in line for line in log)


# -- C20 ---------------------------------------------------------------------
class Chatty(ktw.Tuner):
    """Prints one line per epoch, slowly, from the search thread."""

    gate: threading.Event

    def run_trial(self, trial, *args, **kwargs):
        x = trial.hyperparameters.Float("x", 0, 1)
        for epoch in range(3):
            if trial.trial_id == "1" and epoch == 1:
                self.gate.wait(30)  # holds until the test has pressed "Clear log"
            print(f"trial {trial.trial_id} epoch {epoch}")
            time.sleep(0.02)
        return x


def test_c20_log_lines_arrive_in_order_in_the_log_only_and_clear_keeps_newer(tmp_path, capsys):
    tuner = Chatty(oracle=random_oracle(max_trials=3), directory=str(tmp_path))
    tuner.gate = threading.Event()
    board = tuner.dashboard
    try:
        tuner.search(verbose=0, background=True)
        for _ in range(5):
            print("other")  # another cell prints while the search runs
        assert wait_for(lambda: board.flush(0.5) and "trial 1 epoch 0" in board.log.lines)
        board.log.clear_button.click()  # keeps only lines written after this
        tuner.gate.set()
        assert tuner.wait(timeout=60)
        assert board.flush()
        expected = [f"trial {t} epoch {e}" for t in range(3) for e in range(3)]
        assert board.log.lines == expected[4:]  # trial 1 epoch 1 onwards, in order
        _, everything = tuner.search_state.log_since(0)
        assert everything == expected  # all 9 lines, in order
        out = capsys.readouterr().out
        assert out == "other\n" * 5  # none of the search's lines went to the cell
    finally:
        board.close()


# -- C23 ---------------------------------------------------------------------
@pytest.mark.keras
@pytest.mark.parametrize("package", [keras, tf.keras], ids=["keras", "tf.keras"])
def test_c23_a_run_trial_returning_fit_history_is_scored_at_its_best_epoch(
    package, digits, tmp_path
):
    x, y, x_val, y_val = digits

    class Fits(ktw.Tuner):
        def run_trial(self, trial, *args, **kwargs):
            model = dense_model(trial.hyperparameters, layers=package.layers)
            assert isinstance(model, package.Sequential)
            return model.fit(x, y, epochs=2, validation_data=(x_val, y_val), verbose=0)

    tuner = Fits(oracle=random_oracle(max_trials=1, objective="val_loss"), directory=str(tmp_path))
    tuner.search(verbose=0)
    trial = tuner.oracle.trials["0"]
    assert trial.status == "COMPLETED"
    [curve] = tuner.search_state.curves("0")  # recorded although run_trial calls no hook
    assert trial.score == pytest.approx(min(logs["val_loss"] for _, logs in curve))


def test_c23_a_model_of_another_package_names_that_package(tmp_path):
    from sklearn.linear_model import LinearRegression

    def build(hp):
        hp.Int("units", 1, 2)
        return LinearRegression()  # has fit(), but is no Keras model

    tuner = ktw.RandomSearch(build, objective="loss", max_trials=1, directory=str(tmp_path))
    with pytest.raises(keras_tuner.errors.FatalTypeError, match="from the package 'sklearn'"):
        tuner.search(np.zeros((2, 1)), np.zeros(2), verbose=0)


@pytest.mark.keras
def test_c23_a_users_own_keras_model_subclass_is_accepted(digits, tmp_path):
    x, y, x_val, y_val = digits

    class Mine(keras.Model):  # defined outside the keras package
        def __init__(self, units):
            super().__init__()
            self.hidden = keras.layers.Dense(units, activation="relu")
            self.out = keras.layers.Dense(10, activation="softmax")

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    def build(hp):
        model = Mine(hp.Int("units", 8, 16, step=8))
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = ktw.RandomSearch(
        build, objective="val_accuracy", max_trials=1, directory=str(tmp_path), seed=1
    )
    tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert tuner.oracle.trials["0"].status == "COMPLETED"
