"""The trials of a search as a table for pandas and as CSV.

One implementation for every handle: a tuner's and a watched project's
`trials_dataframe()`, and the dashboard's CSV download.
"""

from __future__ import annotations

from typing import Any

from kt_widgets.core.state import SCORED_TRIAL_STATUSES, SearchState, TrialRecord
from kt_widgets.core.text import headline

_TIME_COLUMNS = ("started", "ended")


def trial_table(state: SearchState) -> list[dict[str, Any]]:
    """One dict per trial: id, status, score, hyperparameters, final metrics, timing.

    A metric whose name a hyperparameter already uses is given as
    `metric:<name>`, so that no value hides another.
    """
    records = state.trials()
    # The search space's version, once it was edited (as the table's Space column).
    edited = any(record.space_version for record in records)
    return [_row(record, edited) for record in records]


def _row(record: TrialRecord, edited: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"trial_id": record.trial_id, "status": record.status}
    if record.worker is not None:
        row["worker"] = record.worker
    row["score"] = record.score
    row.update(record.hyperparameters)
    for name, value in record.metrics.items():
        row["metric:" + name if name in row else name] = value
    if edited:
        row["space_version"] = record.space_version
    row["best_step"] = record.best_step
    row["epochs"] = record.epochs_done
    row["started"] = record.started
    row["ended"] = record.ended
    row["duration"] = record.duration
    scored = record.status in SCORED_TRIAL_STATUSES
    row["error"] = None if scored else headline(record.message)
    return row


def trials_dataframe(state: SearchState):
    """A pandas DataFrame with one row per trial of `state`, in the order trials started.

    Columns: trial_id, status, (worker,) score, each hyperparameter, each final
    metric, (space_version, once the space was edited,) best_step, epochs,
    started and ended (UTC timestamps), duration (seconds, time paused left
    out) and error (a failed trial's exception).
    """
    import pandas as pd

    frame = pd.DataFrame(trial_table(state))
    if frame.empty:
        return pd.DataFrame(columns=["trial_id", "status", "score"])
    for column in _TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    # Steps stay integers where some are missing (a failed trial has none): "9", not "9.0".
    frame["best_step"] = frame["best_step"].astype("Int64")
    return frame


def trials_csv(state: SearchState) -> str:
    """`trials_dataframe(state)` as CSV text (read it back with `pandas.read_csv`)."""
    return trials_dataframe(state).to_csv(index=False)
