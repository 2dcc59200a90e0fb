"""Trial models built, loaded and described without disturbing a running trial.

keras_tuner builds every model through `Tuner._try_build`, which first calls
`keras.backend.clear_session()`. That call replaces Keras' global state for
every thread at once (layer-name counters, seed generators, the dtype policy),
and it is what `load_model` and `get_best_models` do too. Called from the
notebook while a trial builds its model in the search thread, it resets that
model's half-made state (and a trial starting meanwhile resets the notebook's).

So: every model kt_widgets builds goes through `session_guard()` (the search
thread's builds too), one at a time in the whole process; and a model built
while some search runs in another thread is built without clearing the session.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import keras
from keras_tuner.src import errors, utils

from kt_widgets.core.inspection import Architecture, LayerRow

# One lock for the process: Keras' session is global to it.
_session_lock = threading.RLock()


def session_guard() -> threading.RLock:
    """Held while a model is built: Keras' global state is one for the process."""
    return _session_lock


def build_keeping_session(tuner: Any, hyperparameters: Any) -> keras.Model:
    """Build the tuner's model for `hyperparameters` without clearing Keras' session."""
    with _session_lock:
        model = tuner._build_hypermodel(hyperparameters.copy())
    if not isinstance(model, keras.Model):
        raise errors.FatalTypeError(
            "The model-building function (HyperModel.build) returned "
            f"{type(model).__name__}, not a Keras Model, so this trial has no model to show."
        )
    return model


def load_trial_model(tuner: Any, trial: Any) -> keras.Model:
    """The model of a finished trial with its best checkpoint's weights, session kept."""
    with _session_lock:  # building from a saved config makes layers too
        return _load(tuner, trial)


def _load(tuner: Any, trial: Any) -> keras.Model:
    model = build_keeping_session(tuner, trial.hyperparameters)
    config_file = tuner._get_build_config_fname(trial.trial_id)
    if not model.built and os.path.exists(config_file):
        model.build_from_config(utils.load_json(config_file))
    checkpoint = tuner._get_checkpoint_fname(trial.trial_id)
    if not os.path.exists(checkpoint):
        raise FileNotFoundError(
            f"Trial {trial.trial_id} has no saved weights ({checkpoint!r}): only a trial "
            "that completed with keras_tuner's run_trial saves its best epoch."
        )
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # The checkpoint holds the optimizer's state too: with its variables
        # made, Keras loads it instead of warning that it skips it.
        optimizer.build(model.trainable_variables)
    model.load_weights(checkpoint)
    return model


def describe(model: keras.Model) -> Architecture:
    """Layers (name, type, output shape, parameters) and the parameter totals."""
    rows = []
    for layer in model.layers:
        rows.append(
            LayerRow(
                name=layer.name,
                kind=type(layer).__name__,
                output_shape=_output_shape(layer),
                params=_count(layer.weights),
            )
        )
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    return Architecture(
        layers=tuple(rows),
        total_params=trainable + non_trainable,
        trainable_params=trainable,
        non_trainable_params=non_trainable,
    )


def _count(variables) -> int:
    total = 0
    for variable in variables:
        size = 1
        for dim in variable.shape:
            size *= int(dim)
        total += size
    return total


def _output_shape(layer) -> str:
    try:
        output = layer.output
    except (AttributeError, ValueError):  # a layer of a subclassed model has no graph
        return "?"
    shapes = [t.shape for t in keras.tree.flatten(output)]
    text = ", ".join(_shape_text(s) for s in shapes)
    return text if len(shapes) == 1 else f"[{text}]"


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def evaluate(model: keras.Model, x: Any, y: Any = None, **kwargs: Any) -> dict[str, float]:
    """`model.evaluate` as a dict of floats, silently."""
    kwargs.setdefault("verbose", 0)
    results = model.evaluate(x, y, return_dict=True, **kwargs)
    return {name: float(value) for name, value in results.items()}


def sample_count(x: Any) -> int | None:
    """How many samples `x` holds, when that is cheap to know."""
    first = keras.tree.flatten(x)[0] if x is not None else None
    shape = getattr(first, "shape", None)
    return int(shape[0]) if shape and shape[0] is not None else None
