"""Per-epoch logs of every `model.fit` a trial runs, whatever the tuner's own code does.

keras_tuner feeds its `on_epoch_end` hook through a callback that only its own
`run_trial` adds to `fit`. A user's `run_trial` that calls `model.fit` itself,
or an `on_epoch_end` override that does not call `super()`, would leave the
dashboard without curves. So, while a kt_widgets tuner runs a trial in a thread,
`keras.Model.fit` called in that thread gets one more callback, `EpochRecorder`,
appended to its own copy of the callback list: the caller's arguments, hooks and
the returned History stay exactly as they were. In any other thread, and outside
a trial, `fit` is untouched.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from typing import Any

import keras

_local = threading.local()  # .trial: (tuner, trial) of the running trial; .fits: depth
_install_lock = threading.Lock()
_installed = False


class EpochRecorder(keras.callbacks.Callback):
    """Hands each epoch's logs to the tuner, and lets its controls act.

    The controls (pause, stop now, skip trial) answer here too, so they work
    even if the tuner's `on_batch_end` / `on_epoch_end` overrides skip `super()`;
    answering twice, here and in the hooks, changes nothing.
    """

    def __init__(self, tuner: Any, trial: Any) -> None:
        super().__init__()
        self._tuner = tuner
        self._trial = trial

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._tuner._record_epoch(self._trial, epoch, logs)
        self._tuner._skip_if_asked(self._trial, self.model)
        if self._tuner.control.attention_needed:
            self._tuner._answer_controls()

    def on_train_batch_end(self, batch, logs=None) -> None:
        if self._tuner.control.attention_needed:  # one Event check per batch
            self._tuner._answer_controls()


@contextlib.contextmanager
def recording(tuner: Any, trial: Any):
    """While the block runs, `fit` in this thread records epochs for `trial`."""
    _install()
    previous = getattr(_local, "trial", None)
    _local.trial = (tuner, trial)
    try:
        yield
    finally:
        _local.trial = previous


def inside_recorded_fit() -> bool:
    """True while this thread runs a `fit` that an `EpochRecorder` follows."""
    return getattr(_local, "fits", 0) > 0


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        original = keras.Model.fit
        signature = inspect.signature(original)

        @functools.wraps(original)
        def fit(self, *args, **kwargs):
            running = getattr(_local, "trial", None)
            if running is None:
                return original(self, *args, **kwargs)
            bound = signature.bind(self, *args, **kwargs)
            callbacks = bound.arguments.get("callbacks")
            if isinstance(callbacks, keras.callbacks.CallbackList):
                return original(self, *args, **kwargs)  # a list we must not change
            bound.arguments["callbacks"] = [*(callbacks or []), EpochRecorder(*running)]
            _local.fits = getattr(_local, "fits", 0) + 1
            try:
                return original(*bound.args, **bound.kwargs)
            finally:
                _local.fits -= 1

        keras.Model.fit = fit
        _installed = True
