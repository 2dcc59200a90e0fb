"""Side by side: each scenario with the keras_tuner class and the kt_widgets class.

Every scenario runs three ways: the plain keras_tuner class, the kt_widgets class
searching in the foreground, and the kt_widgets class searching in its
background thread. The kt_widgets runs must give what keras_tuner gives: trial
ids, statuses, scores, metrics, best steps, best hyperparameters, the oracle's
state, the files of the project, the error the search ends with, and the text of
`results_summary()` and `search_space_summary()`. They must also print nothing
with `verbose=0`, and the dashboard's state must hold every trial (with its
per-epoch curve where the scenario trains by epochs).
"""

from __future__ import annotations

import copy
import logging
import math
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from keras.src.utils import rng_utils
from sklearn.datasets import load_digits

import kt_widgets as ktw
from kt_widgets import store

MODES = ["keras_tuner", "foreground", "background"]


# -- data and models ---------------------------------------------------------
def _digits():
    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    return x[:240], data.target[:240], x[240:360], data.target[240:360]


DIGITS = _digits()


def keras_args():
    x, y, x_val, y_val = DIGITS
    return (x, y), dict(epochs=1, batch_size=32, validation_data=(x_val, y_val))


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(hp.Int("units", 8, 32, step=8), activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Choice("learning_rate", [1e-3, 1e-2])),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def my_score(y_true, y_pred):
    """A custom metric: higher is better."""
    return keras.ops.mean(keras.ops.max(y_pred, axis=-1))


def space_of_x():
    hp = keras_tuner.HyperParameters()
    hp.Float("x", -1.0, 1.0)
    return hp


def quadratic(x):
    return (x - 0.3) ** 2


# -- tuners for each scenario (made for either API) --------------------------
def model_free(api, returns: Callable, name="Quadratic", epochs=0, base="Tuner"):
    """A subclass of `api.<base>` whose run_trial returns `returns(hp)`."""

    def run_trial(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        for epoch in range(epochs):
            self.on_epoch_end(trial, None, epoch, logs={"loss": 1.0 / (epoch + 1)})
        return returns(hp)

    return type(name, (getattr(api, base),), {"run_trial": run_trial})


def oracle(kind="random", **kwargs):
    oracles = keras_tuner.oracles
    cls = {
        "random": oracles.RandomSearchOracle,
        "bayesian": oracles.BayesianOptimizationOracle,
        "grid": oracles.GridSearchOracle,
    }[kind]
    if kind != "grid":
        kwargs.setdefault("seed", 3)
    return cls(**kwargs)


def raising(exception, when=lambda x: True):
    def returns(hp):
        x = hp.Float("x", 0.0, 1.0)
        if when(x):
            raise exception(f"trial failed on purpose at x={x:.3f}")
        return quadratic(x)

    return returns


class Uncopyable(keras.callbacks.Callback):
    """A callback holding a lock: it cannot be deep-copied."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()


class Counting(keras.callbacks.Callback):
    """Counts the epochs it saw, across the copies keras_tuner makes."""

    seen: list = []

    def on_epoch_end(self, epoch, logs=None):
        Counting.seen.append(epoch)


def fit_itself(api):
    """A run_trial that builds and fits the model itself, with no tuner hooks."""

    class FitsItself(api.Tuner):
        def run_trial(self, trial, x, y, **kwargs):
            model = build_model(trial.hyperparameters)
            return model.fit(x, y, **kwargs)

    return FitsItself


def hooks_without_super(api):
    """The built-in run_trial, with epoch and batch hooks that skip super()."""

    class Hooks(api.RandomSearch):
        def on_epoch_begin(self, trial, model, epoch, logs=None):
            self.calls.append(("epoch begins", trial.trial_id, epoch))

        def on_batch_begin(self, trial, model, batch, logs=None):
            self.calls.append(("batch begins", trial.trial_id, batch))

        def on_epoch_end(self, trial, model, epoch, logs=None):
            self.calls.append(("epoch", trial.trial_id, epoch, sorted(logs)))

        def on_batch_end(self, trial, model, batch, logs=None):
            self.calls.append(("batch", trial.trial_id, batch))

    return Hooks


def hooks_with_super(api):
    """A custom loop whose hook overrides call super(): as in keras_tuner's docs."""

    class Loop(api.Tuner):
        def run_trial(self, trial, *args, **kwargs):
            x = trial.hyperparameters.Float("x", 0.0, 1.0)
            for epoch in range(3):
                for batch in range(2):
                    self.on_batch_end(trial, None, batch, logs={})
                self.on_epoch_end(trial, None, epoch, logs={"loss": quadratic(x) + 1 / (1 + epoch)})
            return {"loss": quadratic(x)}

        def on_epoch_end(self, trial, model, epoch, logs=None):
            self.calls.append(("epoch", trial.trial_id, epoch))
            super().on_epoch_end(trial, model, epoch, logs=logs)

        def on_batch_end(self, trial, model, batch, logs=None):
            self.calls.append(("batch", trial.trial_id, batch))
            super().on_batch_end(trial, model, batch, logs=logs)

    return Loop


def history(values=None, **series):
    h = keras.callbacks.History()
    h.history = {"loss": list(values)} if values is not None else series
    return h


def conditional(hp):
    kind = hp.Choice("kind", ["linear", "square"])
    with hp.conditional_scope("kind", "linear"):
        slope = hp.Float("slope", 0.0, 1.0) if kind == "linear" else 0.0
    power = hp.Int("power", 2, 4, parent_name="kind", parent_values=["square"])
    return slope if kind == "linear" else 0.5**power


# -- scenarios ---------------------------------------------------------------
@dataclass
class Scenario:
    make: Callable[[Any, str], Any]  # (api, directory) -> tuner
    args: Callable[[], tuple] = lambda: ((), {})
    expect: Callable[[dict], bool] = lambda outcome: True  # facts about keras_tuner's run
    extra: Callable[[Any], dict] = lambda tuner: {}  # more outcomes to compare
    curves: bool = False  # completed trials have per-epoch curves in the dashboard
    keras: bool = False
    before: Callable[[], None] = lambda: None
    marks: list = field(default_factory=list)
    # keras_tuner's outcome as kt_widgets deliberately changes it (README: where it differs).
    ours: Callable[[dict], dict] = lambda outcome: outcome


def let_go_at_the_limit(outcome):
    """The trial that hit the consecutive-failures limit is let go (failure_limit.py)."""
    outcome["oracle_state"]["ongoing_trials"] = {}
    return outcome


def statuses(outcome):
    return [t[1] for t in outcome["trials"]]


def project(api, directory, cls, **kwargs):
    kwargs.setdefault("overwrite", True)
    return cls(directory=directory, project_name="conformance", **kwargs)


def best_model_extra(tuner):
    x, y, x_val, y_val = DIGITS
    best = tuner.oracle.get_best_trials(1)[0]
    model = tuner.get_best_models(1)[0]
    accuracy = float(np.mean(np.argmax(model.predict(x_val, verbose=0), axis=1) == y_val))
    loaded = tuner.load_model(best)
    try:
        tuner.save_model(best.trial_id, loaded)
        saved = "saved"
    except NotImplementedError:
        saved = "NotImplementedError"
    return {
        "best_model_accuracy": round(accuracy, 6),
        "load_model_weights": [w.shape for w in loaded.get_weights()],
        "same_weights": all(
            np.array_equal(a, b)
            for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True)
        ),
        "save_model": saved,
        "tuner_state": tuner.get_state(),
    }


def reload_and_continue(tuner):
    """Build the project again with overwrite=False and search on to 5 trials."""
    cls = type(tuner)
    again = cls(
        oracle=oracle(max_trials=5),
        directory=tuner.directory,
        project_name="conformance",
        overwrite=False,
    )
    before = sorted(again.oracle.trials)
    if isinstance(again, ktw.Tuner):
        again.search(verbose=0, background=False)
    else:
        again.search(verbose=0)
    restored = oracle(max_trials=5)
    restored.set_state(again.oracle.get_state())
    again.set_state(again.get_state())
    return {
        "tuner_id": again.tuner_id,
        "set_state": restored.get_state() == again.oracle.get_state(),
        "reloaded": before,
        "after": sorted(
            (t.trial_id, t.hyperparameters.values) for t in again.oracle.trials.values()
        ),
        "tuner_state": again.get_state(),
    }


SCENARIOS: dict[str, Scenario] = {
    # The built-in tuners.
    "random_search_keras": Scenario(
        make=lambda api, d: project(
            api,
            d,
            api.RandomSearch,
            hypermodel=build_model,
            objective="val_accuracy",
            max_trials=2,
            seed=4,
        ),
        args=keras_args,
        # C23: keras_tuner saves the weights and the build config, load_model uses them.
        expect=lambda o: (
            statuses(o) == ["COMPLETED"] * 2
            and {"trial_0/checkpoint.weights.h5", "trial_0/build_config.json"} <= set(o["files"])
            and o["extra"]["same_weights"]
        ),
        extra=best_model_extra,
        curves=True,
        keras=True,
    ),
    "bayesian": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(
                api, lambda hp: quadratic(hp.Float("x", -1.0, 1.0)), base="BayesianOptimization"
            ),
            max_trials=5,
            num_initial_points=2,
            seed=2,
        ),
        expect=lambda o: statuses(o) == ["COMPLETED"] * 5,
    ),
    "hyperband": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(
                api,
                lambda hp: quadratic(hp.Float("x", -1.0, 1.0)) / hp["tuner/epochs"],
                base="Hyperband",
            ),
            objective="loss",
            hyperparameters=space_of_x(),  # Hyperband needs its space before a trial
            max_epochs=9,
            factor=3,
            hyperband_iterations=1,
            seed=2,
        ),
        args=lambda: ((), {"epochs": 50}),
        expect=lambda o: (
            len(o["trials"]) > 10
            and {t[4]["tuner/epochs"] for t in o["trials"]} == {1, 3, 9}
            and any(t[4]["tuner/initial_epoch"] > 0 for t in o["trials"])
        ),
    ),
    "grid_search_exhausted": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(
                api,
                lambda hp: hp.Choice("a", [1, 2, 3]) * 10.0 + hp.Boolean("b"),
                base="GridSearch",
            ),
            objective="loss",
            max_trials=20,
        ),
        expect=lambda o: len(o["trials"]) == 6,  # 3 x 2, then stops
    ),
    # What a custom run_trial may return.
    "run_trial_float": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, lambda hp: quadratic(hp.Float("x", -1, 1))),
            oracle=oracle(max_trials=4),
            logger=logging.getLogger("tuning"),  # deprecated and ignored by keras_tuner
        ),
        extra=lambda t: {"logger": t.logger.name},
        expect=lambda o: 'name="default_objective"' in o["objective"],
    ),
    "run_trial_dict": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, lambda hp: {"score": quadratic(hp.Float("x", -1, 1)), "aux": 1.0}),
            oracle=oracle(max_trials=4, objective=keras_tuner.Objective("score", "min")),
        ),
        expect=lambda o: all("aux" in t[5] for t in o["trials"]),
    ),
    "run_trial_list": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, lambda hp: [hp.Float("x", 0, 1), 2.0, 6.0]),
            oracle=oracle(max_trials=3),
        ),
    ),
    "run_trial_history": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, lambda hp: history([hp.Float("x", 0, 1), 0.2, 0.4])),
            oracle=oracle(max_trials=3, objective="loss"),
        ),
        expect=lambda o: all(t[3] <= 1 for t in o["trials"]),
    ),
    "black_box": Scenario(
        make=lambda api, d: project(
            api,
            d,
            type(
                "BlackBox",
                (api.Tuner,),
                {
                    "run_trial": lambda self, trial: quadratic(
                        trial.hyperparameters.Float("x", -2, 2)
                    )
                },
            ),
            oracle=oracle(max_trials=5),
        ),
    ),
    "executions_and_compile_arguments_keras": Scenario(
        # executions_per_trial=2 (mean of executions), a custom metric as the
        # objective, and the optimizer/loss/metrics/max_model_size arguments.
        make=lambda api, d: project(
            api,
            d,
            api.RandomSearch,
            hypermodel=build_model,
            objective=keras_tuner.Objective("val_my_score", "max"),
            max_trials=1,
            executions_per_trial=2,
            optimizer="sgd",
            loss="sparse_categorical_crossentropy",
            metrics=[my_score],
            max_model_size=100_000,
            seed=1,
        ),
        args=keras_args,
        expect=lambda o: statuses(o) == ["COMPLETED"],
        extra=lambda t: (
            {"executions": len(t.search_state.curves("0"))}
            if isinstance(t, ktw.Tuner)
            else {"executions": 2}
        ),
        curves=True,
        keras=True,
    ),
    # Objectives.
    "objective_instance_max": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, lambda hp: {"gain": hp.Float("x", 0, 1)}),
            oracle=oracle(max_trials=4, objective=keras_tuner.Objective("gain", "max")),
        ),
    ),
    "objective_list": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(
                api,
                # keras_tuner takes a list objective from a History (a dict must
                # hold the key "multi_objective").
                lambda hp: history(a=[hp.Float("x", 0, 1), 0.5], b=[0.2, 1 - hp["x"] ** 2]),
            ),
            oracle=oracle(
                max_trials=4,
                objective=[keras_tuner.Objective("a", "min"), keras_tuner.Objective("b", "max")],
            ),
        ),
    ),
    # Errors.
    "trial_raises_then_retried": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, raising(ValueError, when=lambda x: x > 0.5)),
            oracle=oracle(max_trials=6, max_retries_per_trial=1, max_consecutive_failed_trials=6),
        ),
        expect=lambda o: "FAILED" in statuses(o),
    ),
    "failed_trial_error": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, raising(keras_tuner.errors.FailedTrialError, when=lambda x: x > 0.5)),
            oracle=oracle(max_trials=6, max_retries_per_trial=2, max_consecutive_failed_trials=6),
        ),
        expect=lambda o: "FAILED" in statuses(o),
    ),
    "fatal_error": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, raising(keras_tuner.errors.FatalValueError)),
            oracle=oracle(max_trials=4),
        ),
        expect=lambda o: o["error"][0] == "FatalValueError",
    ),
    "consecutive_failures": Scenario(
        make=lambda api, d: project(
            api, d, model_free(api, raising(ValueError)), oracle=oracle(max_trials=8)
        ),
        expect=lambda o: (
            o["error"][0] == "RuntimeError" and o["oracle_state"]["ongoing_trials"] != {}
        ),
        ours=let_go_at_the_limit,
    ),
    "nan_scores": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, lambda hp: math.nan if hp.Float("x", 0, 1) > 0.5 else 1.0),
            oracle=oracle(max_trials=6, max_consecutive_failed_trials=6),
        ),
        expect=lambda o: "FAILED" in statuses(o),
    ),
    # The search space.
    "conditional_hyperparameters": Scenario(
        make=lambda api, d: project(
            api, d, model_free(api, conditional), oracle=oracle(max_trials=8)
        ),
    ),
    # Callbacks in the fit arguments.
    "callbacks_keras": Scenario(
        make=lambda api, d: project(
            api,
            d,
            api.RandomSearch,
            hypermodel=build_model,
            objective="val_loss",
            max_trials=1,
            seed=2,
        ),
        args=lambda: (
            keras_args()[0],
            {
                **keras_args()[1],
                "epochs": 2,
                "callbacks": [keras.callbacks.EarlyStopping(patience=3), Counting()],
            },
        ),
        before=lambda: Counting.seen.clear(),
        extra=lambda t: {"counted_epochs": list(Counting.seen)},
        curves=True,
        keras=True,
    ),
    "uncopyable_callback": Scenario(
        make=lambda api, d: project(
            api, d, api.RandomSearch, hypermodel=build_model, objective="val_loss", max_trials=1
        ),
        args=lambda: (keras_args()[0], {**keras_args()[1], "callbacks": [Uncopyable()]}),
        expect=lambda o: o["error"][0] == "FatalValueError",
        keras=True,
    ),
    "max_model_size_exceeded": Scenario(
        make=lambda api, d: project(
            api,
            d,
            api.RandomSearch,
            hypermodel=build_model,
            objective="val_loss",
            max_trials=5,
            max_model_size=10,
            seed=1,
        ),
        args=keras_args,
        expect=lambda o: (
            o["error"][0] == "RuntimeError"
            and statuses(o) == ["FAILED"] * 3
            and all("Oversized model" in t[6][0] for t in o["trials"])
        ),
        ours=let_go_at_the_limit,
        keras=True,
    ),
    "distribution_strategy_keras": Scenario(
        make=lambda api, d: project(
            api,
            d,
            api.RandomSearch,
            hypermodel=build_model,
            objective="val_accuracy",
            max_trials=1,
            distribution_strategy=tf.distribute.MirroredStrategy(["/cpu:0"]),
            seed=3,
        ),
        args=keras_args,
        expect=lambda o: statuses(o) == ["COMPLETED"],
        curves=True,
        keras=True,
    ),
    # Reload and state.
    "overwrite_false_reload": Scenario(
        make=lambda api, d: project(
            api,
            d,
            model_free(api, lambda hp: quadratic(hp.Float("x", -1, 1))),
            oracle=oracle(max_trials=3),
        ),
        extra=reload_and_continue,
        expect=lambda o: len(o["extra"]["after"]) == 5,
    ),
    # A user's subclass overriding run_trial or the hooks.
    "run_trial_fits_itself_keras": Scenario(
        make=lambda api, d: project(
            api,
            d,
            fit_itself(api),
            oracle=oracle(max_trials=1, objective="val_accuracy"),
        ),
        args=keras_args,
        curves=True,
        keras=True,
    ),
    "hooks_without_super_keras": Scenario(
        make=lambda api, d: with_calls(
            project(
                api,
                d,
                hooks_without_super(api),
                hypermodel=build_model,
                objective="val_loss",
                max_trials=1,
                seed=5,
            )
        ),
        args=keras_args,
        extra=lambda t: {"calls": t.calls},
        expect=lambda o: (
            ("epoch", "0", 0, ["accuracy", "loss", "val_accuracy", "val_loss"])
            in o["extra"]["calls"]
        ),
        curves=True,
        keras=True,
    ),
    "hooks_with_super": Scenario(
        make=lambda api, d: with_calls(
            project(api, d, hooks_with_super(api), oracle=oracle(max_trials=3, objective="loss"))
        ),
        extra=lambda t: {"calls": t.calls},
        curves=True,
    ),
}


def with_calls(tuner):
    tuner.calls = []
    return tuner


# -- running and comparing ---------------------------------------------------
def _score(value):
    if value is None:
        return None
    value = float(value)
    return "nan" if math.isnan(value) else value


def _first_line(error):
    return re.sub(r" at 0x[0-9a-f]+", "", str(error).splitlines()[0])  # object addresses


def _without_our_frames(text: str) -> str:
    """A failed trial's traceback less the frames of kt_widgets' own overrides.

    Our subclasses add frames to the tracebacks keras_tuner keeps in its trials'
    messages; every other line must stay keras_tuner's.
    """
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith('  File "'):
            skipping = f"{os.sep}kt_widgets{os.sep}" in line
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "".join(kept)


def _files(root):
    found = set()
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name != store.CURVES_FILE:  # kt_widgets' own file, added beside keras_tuner's
                found.add(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def _oracle_state(tuner):
    state = copy.deepcopy(tuner.oracle.get_state())
    state.pop("display", None)  # start times
    return state


def run(name: str, mode: str, root, capsys) -> tuple[dict, Any]:
    scenario = SCENARIOS[name]
    api = keras_tuner if mode == "keras_tuner" else ktw
    directory = str(root / mode)
    scenario.before()
    keras.utils.set_random_seed(0)
    tuner = scenario.make(api, directory)
    fit_args, fit_kwargs = scenario.args()
    fit_kwargs = {**fit_kwargs, "verbose": 0}
    if mode != "keras_tuner":
        fit_kwargs["background"] = mode == "background"
    capsys.readouterr()
    error = None
    try:
        tuner.search(*fit_args, **fit_kwargs)
        if mode == "background":
            assert tuner.wait(timeout=300)
    except Exception as raised:  # the search's own error, compared below
        error = raised
    printed = capsys.readouterr().out
    tuner.results_summary()
    results_text = _without_our_frames(capsys.readouterr().out)
    tuner.search_space_summary()
    space_text = capsys.readouterr().out
    trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    outcome = {
        "trials": [
            (
                t.trial_id,
                t.status,
                _score(t.score),
                t.best_step,
                dict(t.hyperparameters.values),
                {m: _score(t.metrics.get_last_value(m)) for m in t.metrics.metrics},
                (t.message or "").strip().splitlines()[-1:],
            )
            for t in trials
        ],
        "best_hyperparameters": [hp.values for hp in tuner.get_best_hyperparameters(3)],
        "objective": str(tuner.oracle.objective),
        "oracle_state": _oracle_state(tuner),
        "files": _files(os.path.join(directory, "conformance")),
        "error": None if error is None else (type(error).__name__, _first_line(error)),
        "results_summary": results_text.replace(directory, "<dir>"),
        "search_space_summary": space_text,
        "extra": scenario.extra(tuner),
    }
    return outcome, (tuner, printed)


@pytest.fixture(scope="module")
def stock(tmp_path_factory):
    """keras_tuner's outcome of each scenario, run once for the module."""
    outcomes = {}

    def get(name, capsys):
        if name not in outcomes:
            root = tmp_path_factory.mktemp(name)
            outcomes[name] = run(name, "keras_tuner", root, capsys)[0]
        return outcomes[name]

    return get


def _params():
    for name, scenario in SCENARIOS.items():
        marks = [pytest.mark.keras] if scenario.keras else []
        for mode in MODES:
            yield pytest.param(name, mode, marks=marks, id=f"{name}-{mode}")


@pytest.mark.parametrize("name, mode", list(_params()))
def test_same_outcome_as_keras_tuner(name, mode, stock, tmp_path, capsys):
    expected = stock(name, capsys)
    scenario = SCENARIOS[name]
    if mode == "keras_tuner":
        assert scenario.expect(expected), expected
        return
    outcome, (tuner, printed) = run(name, mode, tmp_path, capsys)
    expected = scenario.ours(copy.deepcopy(expected))
    for key in expected:
        assert outcome[key] == expected[key], key
    assert printed == ""  # verbose=0: nothing on stdout, foreground or background
    # The dashboard's state holds every trial as the oracle ended it.
    for trial in tuner.oracle.trials.values():
        record = tuner.search_state.trial(trial.trial_id)
        # A fatal error ends the search inside a trial: keras_tuner leaves it
        # RUNNING in the oracle, the dashboard says FAILED.
        cut_short = trial.status == "RUNNING" and outcome["error"] is not None
        assert record is not None
        assert record.status == ("FAILED" if cut_short else trial.status)
        assert _score(record.score) == _score(trial.score)
        if scenario.curves and trial.status == "COMPLETED":
            assert record.executions and all(record.executions), trial.trial_id
    assert tuner.status == ("failed" if outcome["error"] else "finished")


# -- keras_tuner's hazards, fixed at our layer (README: where kt_widgets differs)
def grid_tuner(api):
    return model_free(
        api, lambda hp: hp.Choice("a", [1, 2, 3]) * 10.0 + hp.Boolean("b"), base="GridSearch"
    )


def grid_values(tuner):
    return [t.hyperparameters.values for t in sorted(tuner.oracle.trials.values(), key=_by_id)]


def _by_id(trial):
    return int(trial.trial_id)


@pytest.mark.parametrize("background", [False, True])
def test_grid_search_goes_on_after_a_reload_as_if_never_stopped(tmp_path, background):
    def search(api, name, max_trials, overwrite):
        tuner = grid_tuner(api)(
            objective="loss",
            max_trials=max_trials,
            directory=str(tmp_path),
            project_name=name,
            overwrite=overwrite,
        )
        if api is ktw:
            tuner.search(verbose=0, background=background)
            tuner.wait(timeout=60)
        else:
            tuner.search(verbose=0)
        return tuner

    uninterrupted = grid_values(search(keras_tuner, "whole", 10, True))
    assert len(uninterrupted) == 6
    search(ktw, "ours", 2, True)
    assert grid_values(search(ktw, "ours", 10, False)) == uninterrupted
    # keras_tuner's own GridSearch finds nothing left to try after a reload.
    search(keras_tuner, "stock", 2, True)
    assert len(grid_values(search(keras_tuner, "stock", 10, False))) == 2


def test_a_custom_tuner_id_is_found_again_on_reload(tmp_path):
    def make(api, max_trials, overwrite):
        cls = model_free(api, lambda hp: quadratic(hp.Float("x", -1, 1)))
        return cls(
            oracle=oracle(max_trials=max_trials),
            tuner_id="laptop",
            directory=str(tmp_path / api.__name__),
            project_name="p",
            overwrite=overwrite,
        )

    first = make(ktw, 2, True)
    first.search(verbose=0)
    again = make(ktw, 4, False)
    assert again.tuner_id == "laptop"
    assert grid_values(again) == grid_values(first)  # the earlier trials are there
    again.search(verbose=0, background=True)
    again.wait(timeout=60)
    assert grid_values(again)[:2] == grid_values(first) and len(again.oracle.trials) == 4
    # keras_tuner looks for tuner0.json, finds nothing and starts over.
    make(keras_tuner, 2, True).search(verbose=0)
    assert make(keras_tuner, 4, False).oracle.trials == {}


def test_a_search_after_a_failed_foreground_search_does_not_hang(tmp_path):
    # The consecutive-failures error leaves keras_tuner's oracle lock held by
    # the thread that failed; the next search runs in another thread.
    failing = {"on": True}

    def returns(hp):
        x = hp.Float("x", 0, 1)
        if failing["on"]:
            raise ValueError("broken")
        return x

    tuner = model_free(ktw, returns)(
        oracle=oracle(max_trials=6), directory=str(tmp_path), project_name="p"
    )
    with pytest.raises(RuntimeError, match="consecutive failures"):
        tuner.search(verbose=0, background=False)
    failing["on"] = False
    tuner.search(verbose=0, background=True)
    assert tuner.wait(timeout=30), "the background search hung on keras_tuner's oracle lock"
    statuses = [t.status for t in tuner.oracle.trials.values()]
    assert statuses == ["FAILED"] * 3 + ["COMPLETED"] * 3  # the failed ones stay failed


@pytest.mark.keras
def test_a_dtype_policy_and_a_seed_set_in_the_notebook_hold_in_every_trial(tmp_path):
    (x, y), fit = keras_args()
    seen = []

    def build(hp):
        model = build_model(hp)
        seen.append(
            (
                threading.current_thread() is threading.main_thread(),
                keras.config.dtype_policy().name,
                model.layers[0].dtype_policy.name,
                rng_utils.get_random_seed(),
            )
        )
        return model

    def search(background):
        keras.config.set_dtype_policy("mixed_float16")  # as a notebook cell would
        keras.utils.set_random_seed(7)
        seen.clear()
        tuner = ktw.RandomSearch(
            build,
            objective="val_loss",
            max_trials=1,  # its model is built after keras_tuner's clear_session()
            seed=1,
            directory=str(tmp_path),
            project_name=f"background_{background}",
        )
        tuner.search(x, y, **fit, verbose=0, background=background)
        assert tuner.wait(timeout=300)
        return [t.score for t in tuner.oracle.trials.values()], list(seen)

    try:
        foreground_scores, _ = search(False)
        background_scores, builds = search(True)
    finally:
        keras.config.set_dtype_policy("float32")
    trial_builds = builds[1:]  # builds[0]: keras_tuner's look at the space, in __init__
    assert len(trial_builds) == 1 and not any(main for main, *_ in trial_builds)
    assert all(b[1:] == ("mixed_float16", "mixed_float16", 7) for b in trial_builds)
    # The seed reached the search thread: the same scores as in the foreground.
    assert background_scores == foreground_scores
