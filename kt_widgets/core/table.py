"""The trial table as plain data: columns and one JSON-safe row per trial."""

from __future__ import annotations

from typing import Any

from kt_widgets.core.serialize import json_safe
from kt_widgets.core.state import TrialRecord
from kt_widgets.core.text import headline

HP_PREFIX = "hp:"
METRIC_PREFIX = "m:"

_FIXED_COLUMNS = [
    {"key": "trial_id", "label": "Trial", "kind": "id"},
    {"key": "status", "label": "Status", "kind": "status"},
    {"key": "score", "label": "Score", "kind": "number"},
]
_TAIL_COLUMNS = [
    {"key": "best_step", "label": "Best step", "kind": "number"},
    {"key": "epochs", "label": "Epochs", "kind": "number"},
    {"key": "duration", "label": "Duration", "kind": "number"},
]


_WORKER_COLUMN = {"key": "worker", "label": "Worker", "kind": "text"}
_SPACE_COLUMN = {"key": "space_version", "label": "Space", "kind": "number"}


def table_columns(
    hp_kinds: dict[str, str],
    metric_names: list[str],
    workers: bool = False,
    space_versions: bool = False,
) -> list[dict[str, str]]:
    """Columns: id, status, score, each hyperparameter, each final metric, timing.

    `hp_kinds` maps each hyperparameter to "number" (sorts as numbers) or "text".
    `workers` adds the worker column (after the status) of a distributed search;
    `space_versions` the version of the search space each trial ran under (once
    the space has been edited).
    """
    columns = list(_FIXED_COLUMNS)
    if workers:
        columns.insert(2, _WORKER_COLUMN)
    for name, kind in hp_kinds.items():
        columns.append({"key": HP_PREFIX + name, "label": name, "kind": kind})
    for name in metric_names:
        columns.append({"key": METRIC_PREFIX + name, "label": name, "kind": "number"})
    if space_versions:
        columns.append(_SPACE_COLUMN)
    return columns + _TAIL_COLUMNS


def trial_row(record: TrialRecord) -> dict[str, Any]:
    """One JSON-safe table row; non-finite numbers become "NaN" / "Infinity"."""
    row: dict[str, Any] = {
        "trial_id": record.trial_id,
        "status": record.status,
        "score": record.score,
        "best_step": record.best_step,
        "epochs": record.epochs_done,
        "duration": None if record.duration is None else round(record.duration, 2),
        "space_version": record.space_version,
    }
    if record.worker is not None:
        row["worker"] = record.worker
    if record.message and record.status != "COMPLETED":
        row["error"] = headline(record.message)
    for name, value in record.hyperparameters.items():
        row[HP_PREFIX + name] = value
    for name, value in record.metrics.items():
        row[METRIC_PREFIX + name] = value
    return json_safe(row)
