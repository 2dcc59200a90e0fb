"""Inspection of real Keras trials on scikit-learn's digits: best model, evaluation, export."""

import html
import io
import threading
import time

import keras
import numpy as np
import pandas as pd
import pytest
from digits_support import build_model, digits_split
from IPython.core.interactiveshell import InteractiveShell

import kt_widgets as ktw

pytestmark = pytest.mark.keras


def eventually(condition, timeout=10.0):
    """The dashboard's pump thread redraws the panel a moment after a change."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def missing_as_none(frame):
    return frame.astype(object).where(frame.notna(), None)


@pytest.fixture(scope="module")
def digits():
    return digits_split()


@pytest.fixture(scope="module")
def tuner(digits, tmp_path_factory):
    x, y, x_val, y_val = digits
    tuner = ktw.RandomSearch(
        build_model,
        objective="val_accuracy",
        max_trials=3,
        executions_per_trial=1,
        seed=11,
        directory=str(tmp_path_factory.mktemp("runs")),
        project_name="inspect",
        overwrite=True,
    )
    tuner.search(x, y, epochs=2, validation_data=(x_val, y_val), background=True)
    assert tuner.wait(timeout=300)
    yield tuner
    tuner.dashboard.close()


def test_the_panel_shows_what_keras_tuner_reports_for_the_best_trial(tuner):
    best = tuner.oracle.get_best_trials(1)[0]
    tuner.dashboard.flush()
    panel = tuner.dashboard.inspection
    assert f"Best model — trial {best.trial_id}" in panel.title.value
    body = panel.body.value
    assert f"<td>units</td><td>{best.hyperparameters.get('units')}</td>" in body
    assert f"<b>{best.score:.4g}</b>" in body
    # The architecture: keras_tuner's own loaded best model, layer by layer.
    model = tuner.get_best_models(1)[0]
    architecture = tuner.architecture(best.trial_id)
    assert [(r.name, r.kind, r.params) for r in architecture.layers] == [
        (layer.name, type(layer).__name__, layer.count_params()) for layer in model.layers
    ]
    assert [r.output_shape for r in architecture.layers] == [
        f"(None, {layer.output.shape[-1]})" for layer in model.layers
    ]
    assert architecture.total_params == model.count_params()
    assert f"Total params: <b>{model.count_params():,}</b>" in body
    for row in architecture.layers:
        assert f"<td>{row.name}</td><td>{row.kind}</td>" in body


def test_evaluating_the_loaded_best_model_matches_its_best_validation_accuracy(tuner, digits):
    _, _, x_val, y_val = digits
    best = tuner.oracle.get_best_trials(1)[0]
    inspection = tuner.inspect(x_val, y_val)
    assert inspection.trial_id == best.trial_id
    assert inspection.hyperparameters == best.hyperparameters.values
    assert inspection.evaluation["accuracy"] == pytest.approx(best.score, rel=1e-4)
    panel = tuner.dashboard.inspection
    shown = f"On your data ({len(x_val):,} samples)"
    assert eventually(lambda: shown in panel.body.value), "the evaluation never showed"
    body = panel.body.value
    assert f"<td>accuracy</td><td>{inspection.evaluation['accuracy']:.4g}</td>" in body


def test_the_load_button_binds_the_best_model_to_a_notebook_name(tuner, digits):
    _, _, x_val, y_val = digits
    shell = InteractiveShell.instance()
    try:
        panel = tuner.dashboard.inspection
        tuner.dashboard.flush()
        panel.name_box.value = "2bad"
        panel.load_button.click()
        notice = lambda: html.unescape(panel.notice.value)  # noqa: E731
        assert eventually(lambda: "'2bad' is not a valid Python name" in notice()), notice()
        panel.name_box.value = "champion"
        panel.load_button.click()
        model = shell.user_ns["champion"]
        best = tuner.oracle.get_best_trials(1)[0]
        predicted = np.argmax(model.predict(x_val, verbose=0), axis=1)
        assert float(np.mean(predicted == y_val)) == pytest.approx(best.score, rel=1e-4)
        assert eventually(lambda: f"champion = the model of trial {best.trial_id}" in notice())
    finally:
        InteractiveShell.clear_instance()


def test_the_dataframe_and_its_csv_round_trip_on_real_trials(tuner):
    frame = tuner.trials_dataframe()
    trials = tuner.oracle.trials
    assert list(frame["trial_id"]) == list(trials) and len(frame) == 3
    for _, row in frame.iterrows():
        trial = trials[row["trial_id"]]
        assert row["score"] == pytest.approx(trial.score)
        assert row["units"] == trial.hyperparameters.get("units")
        assert row["learning_rate"] == pytest.approx(trial.hyperparameters.get("learning_rate"))
        assert row["val_accuracy"] == pytest.approx(trial.metrics.get_last_value("val_accuracy"))
        assert row["epochs"] == 2 and row["status"] == "COMPLETED"
    text = frame.to_csv(index=False)
    back = pd.read_csv(
        io.StringIO(text),
        parse_dates=["started", "ended"],
        dtype={"trial_id": str, "error": object},  # ids stay text; no error is no number
    )
    # Missing values stay missing (pandas reads an empty text cell as NaN, not None).
    pd.testing.assert_frame_equal(missing_as_none(back), missing_as_none(frame), check_dtype=False)


class ProbedSearch(ktw.RandomSearch):
    """Stops trial 1 after its first epoch until the test has inspected."""

    def __init__(self, *args, probe, **kwargs):
        self.probe = probe
        super().__init__(*args, **kwargs)

    def on_trial_begin(self, trial):
        super().on_trial_begin(trial)
        if trial.trial_id == "1":
            self.probe["build_pause"] = threading.current_thread()

    def on_epoch_end(self, trial, model, epoch, logs=None):
        super().on_epoch_end(trial, model, epoch, logs=logs)
        if trial.trial_id == "1" and epoch == 0:
            self.probe["mid_trial"].set()
            self.probe["inspected"].wait(120)

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        if trial.trial_id == "1":  # one that failed before its first epoch ends the wait too
            self.probe["mid_trial"].set()


def test_inspection_during_a_running_trial_leaves_its_curve_continuous(digits, tmp_path):
    """keras_tuner's model loading clears Keras' session, a process-wide reset."""
    x, y, x_val, y_val = digits
    probe = {
        "build_pause": None,
        "building": threading.Event(),
        "mid_trial": threading.Event(),
        "inspected": threading.Event(),
    }

    def build(hp):
        # Trial 1's model stops half-built while the notebook inspects.
        model = keras.Sequential([keras.Input(shape=(64,))])
        model.add(keras.layers.Dense(hp.Int("units", 16, 64, step=16), activation="relu"))
        if probe["build_pause"] is threading.current_thread():
            probe["build_pause"] = None
            probe["building"].set()
            threading.Event().wait(1.0)
        model.add(keras.layers.Dense(32, activation="relu"))
        model.add(keras.layers.Dense(10, activation="softmax"))
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = ProbedSearch(
        build,
        probe=probe,
        objective="val_accuracy",
        max_trials=2,
        seed=2,
        directory=str(tmp_path),
        project_name="probe",
        overwrite=True,
    )
    tuner.search(x, y, epochs=3, validation_data=(x_val, y_val), background=True)
    try:
        assert probe["building"].wait(120), "trial 1 never started building"
        during_build = tuner.inspect(x_val, y_val)  # trial 0, the only completed one
        [user_loaded] = tuner.get_best_models(1)  # keras_tuner's own call, by the user
        assert probe["mid_trial"].wait(120), "trial 1 neither trained nor ended"
        mid_trial = tuner.inspect(x_val, y_val)
        tuner.load_model(tuner.oracle.get_trial("0"))
    finally:
        probe["inspected"].set()
        assert tuner.wait(timeout=300)
    assert during_build.trial_id == mid_trial.trial_id == "0"
    assert during_build.evaluation == pytest.approx(mid_trial.evaluation)
    assert user_loaded.count_params() == during_build.model.count_params()

    trial = tuner.oracle.get_trial("1")
    assert trial.status == "COMPLETED", trial.message
    [points] = tuner.search_state.curves("1")  # one run, not restarted
    assert [epoch for epoch, _ in points] == [0, 1, 2]
    assert all(np.isfinite(logs["loss"]) for _, logs in points)
    assert trial.score == pytest.approx(max(logs["val_accuracy"] for _, logs in points))
    tuner.dashboard.close()
