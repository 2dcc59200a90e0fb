"""Real Keras training on scikit-learn's digits: curves, files and reload."""

import json
import os

import keras
import keras_tuner
import numpy as np
import pytest
from digits_support import build_model, digits_split

import kt_widgets as ktw
from kt_widgets import store

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def digits():
    return digits_split()


def test_random_search_records_keras_epoch_logs_and_matches_keras_tuner(tmp_path, digits):
    x, y, x_val, y_val = digits
    args = dict(objective="val_accuracy", max_trials=2, seed=5, overwrite=True)
    fit = dict(epochs=2, validation_data=(x_val, y_val), verbose=0)

    keras.utils.set_random_seed(1)
    plain = keras_tuner.RandomSearch(
        build_model, directory=str(tmp_path), project_name="plain", **args
    )
    plain.search(x, y, **fit)
    keras.utils.set_random_seed(1)
    tuner = ktw.RandomSearch(build_model, directory=str(tmp_path), project_name="ours", **args)
    tuner.search(x, y, background=True, **fit)
    assert tuner.wait(timeout=300)

    assert [t.hyperparameters.values for t in tuner.oracle.trials.values()] == [
        t.hyperparameters.values for t in plain.oracle.trials.values()
    ]
    for trial in tuner.oracle.trials.values():
        record = tuner.search_state.trial(trial.trial_id)
        assert record.status == "COMPLETED"
        [points] = record.executions
        assert [epoch for epoch, _ in points] == [0, 1]
        assert set(points[0][1]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
        # The score keras_tuner computed is the best epoch's val_accuracy we recorded.
        assert trial.score == pytest.approx(max(logs["val_accuracy"] for _, logs in points))
        with open(os.path.join(tuner.get_trial_dir(trial.trial_id), store.CURVES_FILE)) as f:
            saved = json.load(f)
        assert len(saved["executions"][0]) == 2
    best_score = max(t.score for t in tuner.oracle.trials.values())
    assert tuner.search_state.best()[1] == pytest.approx(best_score)
    model = tuner.get_best_models(1)[0]
    accuracy = float(np.mean(np.argmax(model.predict(x_val, verbose=0), axis=1) == y_val))
    assert accuracy == pytest.approx(best_score, rel=1e-4)

    reloaded = ktw.RandomSearch(
        build_model,
        directory=str(tmp_path),
        project_name="ours",
        **{**args, "overwrite": False},
    )
    assert reloaded.search_state.curves("1") == tuner.search_state.curves("1")


def test_executions_per_trial_give_one_curve_each(tmp_path, digits):
    x, y, x_val, y_val = digits
    tuner = ktw.RandomSearch(
        build_model,
        objective="val_loss",
        max_trials=1,
        executions_per_trial=2,
        directory=str(tmp_path),
        project_name="execs",
        overwrite=True,
        seed=2,
    )
    tuner.search(x, y, epochs=2, validation_data=(x_val, y_val), verbose=0)
    record = tuner.search_state.trial("0")
    assert [[e for e, _ in points] for points in record.executions] == [[0, 1], [0, 1]]
    best_per_execution = [
        min(logs["val_loss"] for _, logs in points) for points in record.executions
    ]
    assert record.score == pytest.approx(np.mean(best_per_execution))
