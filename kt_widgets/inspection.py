"""Best-model and trial inspection, export and report figures of a kt_widgets tuner.

`InspectionMixin` adds `inspect`, `load_trial_model`, `trials_dataframe` and
the figure functions, and serves the dashboard's inspection panel (the
architecture of a trial, evaluations, the model bound to a notebook name).
It also makes keras_tuner's own model building safe during a running search
(see `models`).
"""

from __future__ import annotations

import keyword
import threading
from dataclasses import dataclass, field
from typing import Any

from kt_widgets import export, figures, kernel, models
from kt_widgets.core import state as st
from kt_widgets.core.inspection import Architecture, Evaluation, EvaluationResults
from kt_widgets.core.text import format_score
from kt_widgets.tuner import active_searches

_lazy_lock = threading.Lock()


@dataclass
class Inspection:
    """What `tuner.inspect()` found out about one trial."""

    trial_id: str
    status: str
    score: float | None
    hyperparameters: dict[str, Any]
    metrics: dict[str, float]  # the trial's final metrics, as keras_tuner recorded them
    architecture: Architecture
    evaluation: dict[str, float] | None = None  # on the data passed to inspect()
    model: Any = field(default=None, repr=False)


class InspectionMixin:
    """Inspection of trials and their models; goes before keras_tuner's class in the bases."""

    # -- keras_tuner's model building, made safe ------------------------------------
    def on_search_begin(self) -> None:
        self._search_thread = threading.current_thread()
        super().on_search_begin()

    def _try_build(self, hp):
        # keras_tuner clears Keras' session before each build (in the search
        # thread, and in load_model / get_best_models wherever they are called).
        with models.session_guard():
            if self._search_runs_elsewhere():
                return models.build_keeping_session(self, hp)
            return super()._try_build(hp)

    def _search_runs_elsewhere(self) -> bool:
        """Whether a search of this process trains in a thread other than this one."""
        here = threading.current_thread()
        return any(
            tuner.status in st.ACTIVE_STATUSES
            and getattr(tuner, "_search_thread", None) not in (None, here)
            for tuner in active_searches()
        )

    # -- public API ------------------------------------------------------------
    def inspect(self, x: Any = None, y: Any = None, trial_id: str | None = None, **kwargs: Any):
        """Loads a trial's model, describes it, and evaluates it on the data given.

        The dashboard's inspection panel shows the evaluation's metrics while it
        shows that trial (the best one when no row is selected). Safe while a
        search runs: the running trial is not disturbed.

        Args:
            x: Input data for `model.evaluate`, or None to skip the evaluation.
                Defaults to None.
            y: Target data, as for `model.evaluate`. Defaults to None.
            trial_id: str or None. The trial; None means the best completed
                one. Defaults to None.
            **kwargs: More arguments of `model.evaluate` (e.g. `batch_size`).

        Returns:
            An `Inspection`: trial id, status, score, hyperparameters, final
            metrics, architecture, the evaluation's metrics and the model.
        """
        trial = self._finished_trial_model(trial_id)
        model = models.load_trial_model(self, trial)
        evaluation = None
        if x is not None:
            evaluation = models.evaluate(model, x, y, **kwargs)
            self.evaluations.add(Evaluation(trial.trial_id, evaluation, models.sample_count(x)))
        record = self.search_state.trial(trial.trial_id)
        return Inspection(
            trial_id=trial.trial_id,
            status=trial.status,
            score=trial.score,
            hyperparameters=dict(trial.hyperparameters.values),
            metrics=dict(record.metrics) if record is not None else {},
            architecture=models.describe(model),
            evaluation=evaluation,
            model=model,
        )

    def load_trial_model(self, trial_id: str | None = None):
        """The Keras model of a completed trial with its best epoch's weights.

        Unlike keras_tuner's `load_model`, this never clears Keras' session.

        Args:
            trial_id: str or None. The trial; None means the best completed
                one. Defaults to None.
        """
        return models.load_trial_model(self, self._finished_trial_model(trial_id))

    def trials_dataframe(self):
        """One row per trial (pandas): see `kt_widgets.export.trials_dataframe`."""
        return export.trials_dataframe(self.search_state)

    def plot_curves(self, trial_ids: list[str] | None = None, metrics: list[str] | None = None):
        """Per-epoch curves of trials, as a matplotlib Figure (safe from any thread).

        Args:
            trial_ids: list of str or None. Defaults to the best completed trial.
            metrics: list of str or None. Defaults to the objective's and the loss.
        """
        if trial_ids is None:
            trial_ids = [self._finished_trial(None).trial_id]
        return figures.curves_figure(self.search_state, list(trial_ids), metrics)

    def plot_scores(self):
        """Each trial's score with the best-so-far line, as a matplotlib Figure."""
        return figures.scores_figure(self.search_state)

    # -- served to the dashboard's panel -------------------------------------------
    @property
    def evaluations(self) -> EvaluationResults:
        """The latest evaluation of each trial by `inspect(x, y)`."""
        return self._inspection_records()[0]

    def _inspection_records(self) -> tuple[EvaluationResults, dict[str, Architecture]]:
        # Made on first use: a tuner wrapped in place (kt_widgets.wrap) runs no __init__ of ours.
        with _lazy_lock:
            if getattr(self, "_evaluations", None) is None:
                self._evaluations = EvaluationResults()
                self._architectures: dict[str, Architecture] = {}
            return self._evaluations, self._architectures

    def architecture(self, trial_id: str) -> Architecture:
        """The layers of a trial's model (built from its hyperparameters, no weights)."""
        _, architectures = self._inspection_records()
        cached = architectures.get(trial_id)
        if cached is not None:
            return cached
        trial = self.oracle.trials.get(trial_id)
        if trial is None:
            return Architecture(error=f"Trial {trial_id} is not known to the oracle.")
        if not self.has_models:
            return Architecture(error="This tuner has no model-building function.")
        try:
            described = models.describe(models.build_keeping_session(self, trial.hyperparameters))
        except Exception as error:  # a build that fails here must not break the panel
            described = Architecture(error=f"The model could not be built: {error}")
        architectures[trial_id] = described
        return described

    def bind_model(self, trial_id: str, name: str) -> str:
        """Load a completed trial's model and assign it to `name` in the notebook.

        Returns the sentence the panel shows; raises ValueError for a bad name.
        """
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{name!r} is not a valid Python name.")
        trial = self._finished_trial_model(trial_id)
        kernel.bind(name, models.load_trial_model(self, trial))
        score = f" ({self.search_state.objective} {format_score(trial.score)})"
        return f"{name} = the model of trial {trial.trial_id}{score}, with its best weights."

    @property
    def has_models(self) -> bool:
        """Whether trials have models: a model-free tuner (its own run_trial) has none."""
        return getattr(self, "hypermodel", None) is not None

    # -- internals ------------------------------------------------------------------
    def _finished_trial_model(self, trial_id: str | None):
        """The completed trial whose model is asked for; refused where there is no model."""
        trial = self._finished_trial(trial_id)
        if not self.has_models:
            raise ValueError(
                "This tuner has no model-building function (its run_trial makes no "
                "Keras model): there is no model to load or evaluate."
            )
        return trial

    def _finished_trial(self, trial_id: str | None):
        if trial_id is None:
            best_id, _ = self.search_state.best()
            if best_id is None:
                raise ValueError("No completed trials yet: there is no best model to inspect.")
            trial_id = best_id
        trial = self.oracle.trials.get(str(trial_id))
        if trial is None:
            raise ValueError(f"No trial with id {trial_id!r} in this search.")
        if trial.status != st.TRIAL_COMPLETED:
            raise ValueError(
                f"Trial {trial.trial_id} is {trial.status}: only a completed trial has a model "
                "with saved weights."
            )
        return trial
