"""kt_widgets: KerasTuner, notebook-native.

A `keras_tuner` tuner whose search runs in the background of the kernel, with a
live dashboard: search space, sortable trial table, per-epoch curves, and
pause / resume / stop.
"""

from kt_widgets.tuner import active_searches
from kt_widgets.tuners import (
    BayesianOptimization,
    GridSearch,
    Hyperband,
    RandomSearch,
    Tuner,
)
from kt_widgets.watch import Watch, watch

__version__ = "0.1.0"

__all__ = [
    "BayesianOptimization",
    "GridSearch",
    "Hyperband",
    "RandomSearch",
    "Tuner",
    "Watch",
    "__version__",
    "active_searches",
    "watch",
]
