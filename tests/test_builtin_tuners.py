"""Each built-in tuner gives the same trials as its keras_tuner namesake (real training)."""

import keras
import keras_tuner
import pytest
from sklearn.datasets import load_digits

import kt_widgets as ktw

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    return x[:600], data.target[:600], x[1500:], data.target[1500:]


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(hp.Int("units", 16, 256, step=16), activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Choice("learning_rate", [1e-3, 3e-3, 1e-2])),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


CASES = {
    "RandomSearch": dict(max_trials=2, seed=4),
    "BayesianOptimization": dict(max_trials=2, seed=4),
    "GridSearch": dict(max_trials=2),
    "Hyperband": dict(max_epochs=3, factor=3, hyperband_iterations=1, seed=4),
}


@pytest.fixture(scope="module")
def search(tmp_path_factory, digits):
    """Runs each (module, tuner name) search once for the whole module."""
    done = {}

    def get(module, name):
        if (module, name) not in done:
            done[module, name] = run(module, name, tmp_path_factory.mktemp(name), digits)
        return done[module, name]

    return get


def run(module, name, tmp_path, digits):
    x, y, x_val, y_val = digits
    keras.utils.set_random_seed(0)
    tuner = getattr(module, name)(
        build_model,
        objective="val_accuracy",
        directory=str(tmp_path),
        project_name=module.__name__,
        overwrite=True,
        **CASES[name],
    )
    tuner.search(
        x, y, epochs=50 if name == "Hyperband" else 1, validation_data=(x_val, y_val), verbose=0
    )
    return tuner


def trial_values(tuner):
    return [(t.trial_id, t.status, t.hyperparameters.values) for t in tuner.oracle.trials.values()]


@pytest.mark.parametrize("name", list(CASES))
def test_same_trials_as_keras_tuner(name, search):
    plain = search(keras_tuner, name)
    ours = search(ktw, name)
    assert isinstance(ours, getattr(keras_tuner, name))
    assert trial_values(ours) == trial_values(plain)
    assert ours.status == "finished"
    for trial in ours.oracle.trials.values():
        record = ours.search_state.trial(trial.trial_id)
        assert record.status == trial.status
        values = trial.hyperparameters.values
        # Every epoch Keras ran reached the state (Hyperband: from its initial_epoch).
        first = values.get("tuner/initial_epoch", 0)
        last = values.get("tuner/epochs", 1)
        assert [epoch for epoch, _ in record.executions[0]] == list(range(first, last))


def test_hyperband_brackets_override_the_epochs_given_to_search(search):
    tuner = search(ktw, "Hyperband")
    trials = list(tuner.oracle.trials.values())
    plan = sorted(
        (t.hyperparameters["tuner/epochs"], t.hyperparameters["tuner/initial_epoch"])
        for t in trials
    )
    assert plan == [(1, 0), (1, 0), (1, 0), (3, 0), (3, 0), (3, 1)]
    promoted = next(t for t in trials if t.hyperparameters["tuner/initial_epoch"] == 1)
    parent = promoted.hyperparameters["tuner/trial_id"]
    first_round = [t for t in trials if t.hyperparameters["tuner/epochs"] == 1]
    assert parent == max(first_round, key=lambda t: t.score).trial_id
    # The promoted trial's curve starts at epoch 1, where its parent's weights left off.
    curve = tuner.search_state.curves(promoted.trial_id)[0]
    assert curve[0][0] == 1
