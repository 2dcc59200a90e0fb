"""The public tuner classes: keras_tuner's, with the notebook behaviour and dashboard.

This is where the Keras side (`tuner.py`) and the UI side (`dashboard.py`) meet.
"""

from __future__ import annotations

import keras_tuner

from kt_widgets import kernel
from kt_widgets.dashboard import Dashboard
from kt_widgets.inspection import InspectionMixin
from kt_widgets.tuner import NotebookTunerMixin


class _DashboardMixin(InspectionMixin, NotebookTunerMixin):
    """Shows the live dashboard for a background search, and on `display(tuner)`.

    With the inspection of trials (best model, comparison, export) first in the bases.
    """

    _dashboard: Dashboard | None = None

    @property
    def dashboard(self) -> Dashboard:
        """The live dashboard of this tuner (created on first use)."""
        if self._dashboard is None:
            self._dashboard = Dashboard(self.search_state, self, inspector=self)
        return self._dashboard

    def wait(self, timeout: float | None = None) -> bool:
        try:
            return super().wait(timeout)
        finally:
            if self._dashboard is not None:
                # What the user sees once wait() returns is the final state.
                self._dashboard.flush()

    def _on_background_search_started(self) -> None:
        if self._continuing and self._dashboard is not None:
            return  # a search continued in place: its dashboard is on screen already
        if kernel.widget_frontend_available():  # a script has nowhere to show it
            kernel.show(self.dashboard)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.dashboard._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):  # without widgets, the short line, not the widget's repr
            bundle = {**bundle, "text/plain": repr(self)}
        return bundle

    def __repr__(self) -> str:
        # Also what a tuple such as `tuner.status, tuner` shows: it says where the dashboard is.
        summary = self.search_state.summary()
        of = f" / {summary.max_trials}" if summary.max_trials else ""
        return (
            f"<kt_widgets {type(self).__name__} {self.project_name!r}: {summary.status}, "
            f"{summary.trials_done}{of} trials done; display the tuner alone for its dashboard>"
        )


class Tuner(_DashboardMixin, keras_tuner.Tuner):
    """`keras_tuner.Tuner` with a background search and a live dashboard.

    Takes exactly the arguments of `keras_tuner.Tuner`; use it with any oracle
    and with a custom `run_trial`.
    """


class RandomSearch(_DashboardMixin, keras_tuner.RandomSearch):
    """`keras_tuner.RandomSearch` with a background search and a live dashboard."""


class BayesianOptimization(_DashboardMixin, keras_tuner.BayesianOptimization):
    """`keras_tuner.BayesianOptimization` with a background search and a live dashboard."""


class Hyperband(_DashboardMixin, keras_tuner.Hyperband):
    """`keras_tuner.Hyperband` with a background search and a live dashboard."""


class GridSearch(_DashboardMixin, keras_tuner.GridSearch):
    """`keras_tuner.GridSearch` with a background search and a live dashboard."""
