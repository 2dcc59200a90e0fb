"""`results_summary()` and `search_space_summary()` as tables in a notebook.

In a Jupyter kernel, called from the notebook's own thread, the summary is
displayed as an HTML table whose plain-text form is keras_tuner's printed text;
anywhere else (a script, the search thread) keras_tuner prints it as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kt_widgets import kernel
from kt_widgets.core.streams import routed_output
from kt_widgets.core.summary import RichSummary, SummaryTable, results_table, space_table


def show_or_print(print_stock: Callable[[], None], table: Callable[[], SummaryTable]) -> None:
    """Display `table()` with keras_tuner's text as its plain form, or just print."""
    if threading.current_thread() is not threading.main_thread() or not (
        kernel.widget_frontend_available()
    ):
        print_stock()
        return
    lines: list[str] = []
    with routed_output(lines.append):  # this thread only: a search may print meanwhile
        print_stock()
    kernel.show(RichSummary(table(), "\n".join(lines)))


def results(tuner: Any, num_trials: int) -> SummaryTable:
    trials = [
        {
            "trial_id": trial.trial_id,
            "status": trial.status,
            "score": trial.score,
            "best_step": trial.best_step,
            "hyperparameters": dict(trial.hyperparameters.values),
            "message": trial.message,
        }
        for trial in tuner.oracle.get_best_trials(num_trials)
    ]
    return results_table(tuner.project_dir, str(tuner.oracle.objective), num_trials, trials)


def space(tuner: Any) -> SummaryTable:
    rows = []
    for hp in tuner.oracle.get_space().space:
        config = hp.get_config()
        rows.append((config.pop("name"), type(hp).__name__, config))
    return space_table(rows)
