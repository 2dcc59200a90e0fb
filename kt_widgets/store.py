"""Files kt_widgets keeps beside keras_tuner's own, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from kt_widgets.core.executions import Execution, Point
from kt_widgets.core.serialize import json_restore, json_safe
from kt_widgets.core.state import TRIAL_SKIPPED, TRIAL_STOPPED

# Per-epoch logs of one trial, in its `trial_<id>` directory.
CURVES_FILE = "kt_widgets_epochs.json"
_FORMAT = 1
# A file being written has this prefix until it is renamed into place.
_PARTIAL_PREFIX = ".kt_widgets-partial-"
# How a trial the user ended early ended, kept in its curves file ("ended_by").
ENDED_BY = {TRIAL_SKIPPED: "skip", TRIAL_STOPPED: "stop"}
# The search-space edits of a project (history, pins, edited configs), in its directory.
SPACE_FILE = "kt_widgets_space.json"


def write_json_atomic(path: str, data: Any) -> None:
    """Write `data` as JSON so that `path` is either the old or the new file, whole."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=_PARTIAL_PREFIX, suffix=".json", dir=directory)
    try:
        # One write of the whole text: json.dump's many small writes cost more.
        text = json.dumps(data, allow_nan=False)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_curves(
    trial_dir: str, executions: Sequence[Sequence[Point]], ended_by: str | None = None
) -> None:
    data: dict[str, Any] = {
        "format": _FORMAT,
        "executions": [
            [[epoch, json_safe(logs)] for epoch, logs in points] for points in executions
        ],
    }
    if ended_by is not None:
        data["ended_by"] = ended_by
    write_json_atomic(os.path.join(trial_dir, CURVES_FILE), data)


def read_ended_by(trial_dir: str) -> str | None:
    """How the user ended the trial early ("skip" or "stop"), or None."""
    try:
        with open(os.path.join(trial_dir, CURVES_FILE), encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    ended_by = data.get("ended_by") if isinstance(data, dict) else None
    return ended_by if ended_by in ENDED_BY.values() else None


def remove_partial_files(trial_dir: str) -> list[str]:
    """Remove what a process killed mid-write left here; returns their names.

    Called on reload: the process that wrote the project is gone by then.
    """
    removed = []
    try:
        names = os.listdir(trial_dir)
    except FileNotFoundError:
        return removed
    for name in names:
        if name.startswith(_PARTIAL_PREFIX):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(trial_dir, name))
                removed.append(name)
    return removed


def read_curves(trial_dir: str) -> list[Execution]:
    """The per-epoch logs saved for a trial, packed; [] when there are none."""
    path = os.path.join(trial_dir, CURVES_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return []
    executions = data.get("executions", []) if isinstance(data, dict) else []
    return [
        Execution((int(epoch), json_restore(logs)) for epoch, logs in points)
        for points in executions
    ]


def write_space_edits(project_dir: str, edits: dict[str, Any]) -> None:
    write_json_atomic(
        os.path.join(project_dir, SPACE_FILE), {"format": _FORMAT, **json_safe(edits)}
    )


def read_space_edits(project_dir: str) -> dict[str, Any] | None:
    """The saved search-space edits of a project; None when there are none."""
    try:
        with open(os.path.join(project_dir, SPACE_FILE), encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    return data if isinstance(data, dict) else None
