"""Pause / resume / stop intents shared by the UI and the search thread."""

from __future__ import annotations

import threading


class SearchControl:
    """What the user asked the search to do, read by the search thread.

    The search thread calls `hold_while_paused()` from its hooks. Its fast path
    is a single `Event.is_set()`, so checking on every batch costs well under a
    microsecond; while paused it blocks on the event and uses no CPU.
    """

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()

    @property
    def pause_requested(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        """Ask for no new trial; a paused search is released so it can wind down."""
        self._stop.set()
        self._running.set()

    def reset(self) -> None:
        """Clear every intent, for a new search."""
        self._stop.clear()
        self._running.set()

    def hold_while_paused(self, on_hold=None, on_release=None) -> None:
        """Block the calling (search) thread while a pause is requested."""
        if self._running.is_set():
            return
        if on_hold is not None:
            on_hold()
        self._running.wait()
        if on_release is not None:
            on_release()
