"""A tuner built with plain keras_tuner, given the kt_widgets notebook behaviour in place.

`wrap(tuner)` changes the class of the tuner object to a subclass made on the
fly: the dashboard mixin first, then the tuner's own class (a built-in tuner or
the user's subclass). Nothing keras_tuner set up is rebuilt: the oracle, the
hypermodel, the project directory and the trials stay the same objects, so the
search makes the same trials and writes the same files as the plain tuner would.
"""

from __future__ import annotations

import threading
from typing import Any

from keras_tuner.src.engine.base_tuner import BaseTuner

from kt_widgets.tuner import NotebookTunerMixin
from kt_widgets.tuners import _DashboardMixin

# The subclass made for each plain tuner class, so that wrapping two tuners of
# one class gives them one class.
_notebook_classes: dict[type, type] = {}
_classes_lock = threading.Lock()


def notebook_class(cls: type) -> type:
    """The class `cls` with the kt_widgets notebook behaviour (made once per class).

    Args:
        cls: A subclass of `keras_tuner.engine.base_tuner.BaseTuner`, e.g.
            `keras_tuner.RandomSearch` or a user's own `keras_tuner.Tuner` subclass.

    Returns:
        `cls` itself if it has the behaviour already, else a subclass of it of
        the same name with the dashboard mixin first in its bases.
    """
    if issubclass(cls, NotebookTunerMixin):
        return cls
    if not (isinstance(cls, type) and issubclass(cls, BaseTuner)):
        raise TypeError(f"Expected a keras_tuner tuner class, got {cls!r}.")
    with _classes_lock:
        made = _notebook_classes.get(cls)
        if made is None:
            made = type(
                cls.__name__,
                (_DashboardMixin, cls),
                {
                    "__module__": cls.__module__,
                    "__qualname__": cls.__qualname__,
                    "__doc__": cls.__doc__,
                },
            )
            _notebook_classes[cls] = made
    return made


def wrap(tuner: Any) -> Any:
    """Gives a keras_tuner tuner the kt_widgets notebook behaviour, in place.

    After `wrap`, `tuner.search(...)` runs in the background of a Jupyter
    kernel with the live dashboard, and the tuner has `pause()`, `resume()`,
    `stop()`, `wait()` and `status`. Its trials, files and results are those
    of the plain tuner.

    Args:
        tuner: A keras_tuner tuner: a built-in one (`keras_tuner.RandomSearch`,
            ...), a user's `keras_tuner.Tuner` subclass, or a kt_widgets tuner
            (returned as it is).

    Returns:
        The same tuner object.

    Raises:
        TypeError: `tuner` is not a keras_tuner tuner.
    """
    if isinstance(tuner, NotebookTunerMixin):
        return tuner
    if not isinstance(tuner, BaseTuner):
        raise TypeError(
            f"Expected a keras_tuner tuner (e.g. keras_tuner.RandomSearch), "
            f"got {type(tuner).__name__}."
        )
    plain = type(tuner)
    tuner.__class__ = notebook_class(plain)
    try:
        tuner._attach_notebook()
    except BaseException:
        tuner.__class__ = plain  # nothing half-applied
        raise
    return tuner


def search(tuner: Any, *fit_args: Any, background: bool | None = None, **fit_kwargs: Any) -> None:
    """Runs a keras_tuner tuner's search with the kt_widgets dashboard.

    The Python form of `%tune tuner.search(...)`: wraps the tuner in place
    (see `wrap`), then calls its `search`.

    Args:
        tuner: A keras_tuner tuner or a kt_widgets tuner.
        *fit_args: Positional arguments of `search`, e.g. the data.
        background: bool or None. As in a kt_widgets tuner's `search`: in the
            background thread (True), in the calling thread (False), or in the
            background in a Jupyter kernel only (None). Defaults to None.
        **fit_kwargs: Keyword arguments of `search`, e.g. `epochs`.
    """
    wrap(tuner).search(*fit_args, background=background, **fit_kwargs)
