"""Matplotlib figures of a search for reports: trial curves, and scores by trial.

Every figure is a `matplotlib.figure.Figure` drawn with the Agg canvas, never
through pyplot: pyplot is not thread-safe and keeps a global list of figures,
so these functions can run in any thread (the dashboard draws from its own)
and never touch the figures of the user's notebook.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kt_widgets.core.inspection import curve_series, default_metrics, score_history
from kt_widgets.core.state import SearchState

# The live curves' palette (matplotlib's tab10), so a report looks like the dashboard.
_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
]  # fmt: skip


class ReportFigure(Figure):
    """A Figure that a notebook shows as a PNG, with or without pyplot imported."""

    def _repr_png_(self) -> bytes:
        return figure_png(self, dpi=100)


def _figure(width: float, height: float) -> Figure:
    figure = ReportFigure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)  # a canvas of its own: savefig needs no pyplot backend
    return figure


def curves_figure(
    state: SearchState,
    trial_ids: list[str],
    metrics: list[str] | None = None,
    width: float = 7.0,
    height: float = 3.0,
) -> Figure:
    """Per-epoch curves of the given trials, one axes per metric, one line per execution.

    Args:
        state: SearchState. The search (`tuner.search_state`).
        trial_ids: list of str. The trials to draw, overlaid.
        metrics: list of str or None. Metrics from the epoch logs, one axes
            each. Defaults to the objective's metric and the loss.
        width: float. Figure width in inches. Defaults to 7.
        height: float. Figure height in inches. Defaults to 3.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    trial_ids = [str(t) for t in trial_ids]
    unknown = [t for t in trial_ids if state.trial(t) is None]
    if unknown:
        raise ValueError(f"No trial with id {', '.join(map(repr, unknown))} in this search.")
    metrics = list(metrics) if metrics else default_metrics(state, trial_ids)
    figure = _figure(width, height)
    if not metrics:
        axes = figure.add_subplot()
        axes.text(0.5, 0.5, "no epochs recorded", ha="center", va="center")
        axes.set_axis_off()
        return figure
    colour = {trial_id: _COLOURS[i % len(_COLOURS)] for i, trial_id in enumerate(trial_ids)}
    for index, metric in enumerate(metrics, start=1):
        axes = figure.add_subplot(1, len(metrics), index)
        for series in curve_series(state, trial_ids, metric):
            label = f"trial {series.trial_id}"
            if len(state.curves(series.trial_id)) > 1:
                label += f" · run {series.execution}"
            axes.plot(
                series.epochs,
                series.values,
                marker="o",
                markersize=3,
                color=colour[series.trial_id],
                linestyle="-" if series.execution == 1 else "--",
                label=label,
            )
        axes.set_title(metric, fontsize=10)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.xaxis.get_major_locator().set_params(integer=True)
        if axes.lines:
            axes.legend(fontsize=8)
    return figure


def scores_figure(state: SearchState, width: float = 7.0, height: float = 3.0) -> Figure:
    """Each trial's score in the order trials started, with the best-so-far line.

    Only COMPLETED trials with a finite score have a point; the others are
    marked at the bottom of the axes.

    Args:
        state: SearchState. The search (`tuner.search_state`).
        width: float. Figure width in inches. Defaults to 7.
        height: float. Figure height in inches. Defaults to 3.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    history = score_history(state)
    figure = _figure(width, height)
    axes = figure.add_subplot()
    positions = range(1, len(history.trial_ids) + 1)
    scored = [(x, s) for x, s in zip(positions, history.scores, strict=True) if s is not None]
    if scored:
        xs, ys = zip(*scored, strict=True)
        axes.scatter(xs, ys, s=18, color=_COLOURS[0], label="score", zorder=3)
        best = [
            (x, b) for x, b in zip(positions, history.best_so_far, strict=True) if b is not None
        ]
        bx, by = zip(*best, strict=True)
        axes.step(bx, by, where="post", color=_COLOURS[2], label="best so far")
    unscored = [x for x, s in zip(positions, history.scores, strict=True) if s is None]
    if unscored:
        axes.scatter(
            unscored,
            [0] * len(unscored),
            marker="x",
            color=_COLOURS[3],
            label="no score (failed or running)",
            transform=axes.get_xaxis_transform(),
            clip_on=False,
        )
    objective = history.objective or "score"
    axes.set_title(f"{objective} by trial ({history.direction})", fontsize=10)
    axes.set_xlabel("trial (in the order trials started)")
    axes.set_ylabel(objective)
    if history.trial_ids:
        step = max(1, len(history.trial_ids) // 12)
        ticks = list(positions)[::step]
        axes.set_xticks(ticks, [history.trial_ids[i - 1] for i in ticks])
    axes.grid(alpha=0.3)
    if axes.collections or axes.lines:
        axes.legend(fontsize=8)
    return figure


def figure_png(figure: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (what the dashboard's panel shows)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
