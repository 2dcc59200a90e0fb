"""Execution: the per-epoch logs of one `fit`, packed into arrays of numbers.

Kept as (epoch, dict) pairs, each epoch costs a tuple, a dict and a float object
per metric (~330 bytes for 4 metrics); 10,000 trials of 50 epochs then hold
160 MB. Packed, a number takes 8 bytes. Readers still see a sequence of
(epoch, logs) pairs: each pair is built when read.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any, overload

Point = tuple[int, dict[str, Any]]  # (epoch, logs)


class Execution(Sequence[Point]):
    """The (epoch, logs) pairs of one execution of a trial, in the order logged.

    Epoch numbers go in one array of integers and each metric in one array of
    doubles, aligned with the epochs. What an array cannot say exactly is kept
    aside: the epochs whose logs lacked a metric (absent, which is not NaN), and
    values that are not floats (ints, strings, numpy float32...), kept as given.
    """

    __slots__ = ("_epochs", "_columns", "_absent", "_others")

    def __init__(self, points: Iterable[Point] = ()) -> None:
        self._epochs = array("q")
        self._columns: dict[str, array] = {}
        # Made when first needed (most executions need neither):
        # metric name -> positions whose logs lacked it (its slot holds NaN),
        self._absent: dict[str, set[int]] | None = None
        # position -> {metric name: value} for values not stored as doubles.
        self._others: dict[int, dict[str, Any]] | None = None
        for epoch, logs in points:
            self.append(epoch, logs)

    # -- writes ----------------------------------------------------------------
    def append(self, epoch: int, logs: Mapping[str, Any]) -> bool:
        """Add one epoch's logs; returns whether a metric new to this execution appeared."""
        position = len(self._epochs)
        try:
            self._epochs.append(epoch)
        except TypeError:  # e.g. a float epoch (3.0)
            self._epochs.append(int(epoch))
        columns = self._columns
        complete = len(logs) == len(columns)
        new = False
        for name, value in logs.items():
            column = columns.get(name)
            if column is None:
                column = self._new_column(name, position)
                complete, new = False, True
            if type(value) is float:  # nearly every value: one append, no check
                column.append(value)
            else:
                self._append_other(position, name, value, column)
        if not complete:  # some metric may be missing from these logs
            for name, column in columns.items():
                if len(column) == position:
                    column.append(math.nan)
                    self._absent_at(name).add(position)
        return new

    def _absent_at(self, name: str) -> set[int]:
        if self._absent is None:
            self._absent = {}
        return self._absent.setdefault(name, set())

    def _new_column(self, name: str, position: int) -> array:
        # A metric that appears late was absent from the earlier epochs.
        column = self._columns[name] = array("d", [math.nan]) * position
        if position:
            self._absent_at(name).update(range(position))
        return column

    def _append_other(self, position: int, name: str, value: Any, column: array) -> None:
        if isinstance(value, float):  # a subclass, e.g. numpy.float64: the same double
            column.append(value)
            return
        column.append(math.nan)
        if self._others is None:
            self._others = {}
        self._others.setdefault(position, {})[name] = value

    def copy(self) -> Execution:
        twin = Execution.__new__(Execution)
        twin._epochs = self._epochs[:]
        twin._columns = {name: column[:] for name, column in self._columns.items()}
        twin._absent = twin._others = None
        if self._absent is not None:
            twin._absent = {name: set(positions) for name, positions in self._absent.items()}
        if self._others is not None:
            # The dicts inside are never changed once their epoch is appended.
            twin._others = dict(self._others)
        return twin

    # -- reads -----------------------------------------------------------------
    def metric_names(self) -> list[str]:
        """The metrics logged in some epoch of this execution, in order of first sight."""
        return list(self._columns)

    def _logs(self, position: int) -> dict[str, Any]:
        logs = {name: column[position] for name, column in self._columns.items()}
        if self._absent is not None:
            for name, positions in self._absent.items():
                if position in positions:
                    del logs[name]
        if self._others is not None and position in self._others:
            logs.update(self._others[position])
        return logs

    def __len__(self) -> int:
        return len(self._epochs)

    @overload
    def __getitem__(self, index: int) -> Point: ...
    @overload
    def __getitem__(self, index: slice) -> list[Point]: ...
    def __getitem__(self, index):
        size = len(self._epochs)
        if isinstance(index, slice):
            start, stop, step = index.indices(size)
            if step == 1:  # e.g. the epochs a view has not sent yet
                return list(self._points(start, stop))
            return [self[i] for i in range(start, stop, step)]
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError("execution index out of range")
        return self._epochs[position], self._logs(position)

    def __iter__(self) -> Iterator[Point]:
        return self._points(0, len(self._epochs))

    def _points(self, start: int, stop: int) -> Iterator[Point]:
        epochs = self._epochs[start:stop]
        if self._absent or self._others or not self._columns:
            return ((epoch, self._logs(i)) for i, epoch in enumerate(epochs, start))
        # Every epoch has every metric: the dicts are built by C loops (writing
        # a trial's file reads all its epochs).
        rows = zip(*(column[start:stop] for column in self._columns.values()), strict=True)
        logs = map(dict, map(zip, repeat(list(self._columns)), rows))
        return zip(epochs, logs, strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Execution) and self._same_arrays(other):
            return True  # NaNs included: the same record
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def _same_arrays(self, other: Execution) -> bool:
        return (
            self._epochs == other._epochs
            and self._columns.keys() == other._columns.keys()
            and all(c.tobytes() == other._columns[n].tobytes() for n, c in self._columns.items())
            and (self._absent or {}) == (other._absent or {})
            and (self._others or {}) == (other._others or {})
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Execution({list(self)!r})"


def as_execution(points: Iterable[Point]) -> Execution:
    """`points` packed (an Execution is kept as it is)."""
    return points if isinstance(points, Execution) else Execution(points)


def append_epoch(executions: list[Execution], epoch: int, logs: Mapping[str, Any]) -> bool:
    """Add one epoch's logs to the last execution, or start one.

    A new execution starts when the epoch number does not increase: each `fit`
    restarts its count. Returns whether a metric new to that execution appeared.
    """
    if executions:
        last = executions[-1]
        epochs = last._epochs
        if not epochs or epoch > epochs[-1]:
            return last.append(epoch, logs)
    execution = Execution()
    executions.append(execution)
    return execution.append(epoch, logs)
