"""kt_widgets: KerasTuner, notebook-native.

A `keras_tuner` tuner whose search runs in the background of the kernel, with a
live dashboard: search space, sortable trial table, per-epoch curves, and
pause / resume / stop.
"""

from kt_widgets.space_editor import SpaceEditError
from kt_widgets.tuner import active_searches
from kt_widgets.tuners import (
    BayesianOptimization,
    GridSearch,
    Hyperband,
    RandomSearch,
    Tuner,
)
from kt_widgets.watch import Watch, watch
from kt_widgets.wrapping import search, wrap

__version__ = "0.1.0"

__all__ = [
    "BayesianOptimization",
    "GridSearch",
    "Hyperband",
    "RandomSearch",
    "SpaceEditError",
    "Tuner",
    "Watch",
    "__version__",
    "active_searches",
    "load_ipython_extension",
    "search",
    "watch",
    "wrap",
]


def load_ipython_extension(ipython) -> None:
    """`%load_ext kt_widgets`: registers the `%tune` and `%%tune` magics."""
    from kt_widgets import magics  # IPython's magic machinery, only when asked for

    magics.load_ipython_extension(ipython)
