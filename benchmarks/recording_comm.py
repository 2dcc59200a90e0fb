"""A widget frontend for benchmarks: a comm that serializes and records every message.

Installed before any widget exists, it takes the place of the kernel's comm, so
every widget message (trait updates and custom messages alike) is encoded as
Jupyter would send it (JSON, plus binary buffers) and counted.
"""

from __future__ import annotations

import json
import threading
import time

import comm
from comm.base_comm import BaseComm


class Recorder:
    """Messages sent to the frontend: (time, bytes) per message."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.times: list[float] = []
        self.sizes: list[int] = []
        self.kinds: list[str] = []

    def add(self, size: int, kind: str) -> None:
        with self._lock:
            self.times.append(time.perf_counter())
            self.sizes.append(size)
            self.kinds.append(kind)

    def by_kind(self, started: float) -> dict[str, tuple[int, int]]:
        """(messages, bytes) per widget kind, sent after `started`."""
        totals: dict[str, tuple[int, int]] = {}
        with self._lock:
            for t, size, kind in zip(self.times, self.sizes, self.kinds, strict=True):
                if t >= started:
                    count, sent = totals.get(kind, (0, 0))
                    totals[kind] = (count + 1, sent + size)
        return totals

    def since(self, started: float) -> tuple[int, int, int]:
        """Messages, total bytes and largest message sent after `started`."""
        with self._lock:
            sizes = [s for t, s in zip(self.times, self.sizes, strict=True) if t >= started]
        return len(sizes), sum(sizes), max(sizes, default=0)


RECORDER = Recorder()


class RecordingComm(BaseComm):
    kind = "?"

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys) -> None:
        if msg_type == "comm_open":  # the widget's model name, for the breakdown
            state = (data or {}).get("state", {})
            self.kind = f"{state.get('_model_name', '?')}".removesuffix("Model")
        kind = self.kind
        custom = (data or {}).get("content") if (data or {}).get("method") == "custom" else None
        if isinstance(custom, dict) and "type" in custom:  # the table's rows, the curves' series
            kind += f" {custom['type']}"
        content = dict(data or {}, comm_id=self.comm_id, **keys)
        size = len(json.dumps(content, default=str))
        size += sum(len(memoryview(buffer).cast("B")) for buffer in buffers or ())
        RECORDER.add(size, kind)


def install() -> Recorder:
    """Route every widget created from now on through a RecordingComm."""
    comm.create_comm = RecordingComm
    return RECORDER
