"""Pause / resume / stop / stop now / skip intents shared by the UI and the search thread."""

from __future__ import annotations

import threading
from collections.abc import Callable


class SearchControl:
    """What the user asked the search to do, read by the search thread.

    The search thread checks `attention_needed` on every batch: a single
    `Event.is_set()`, well under a microsecond. Only when a pause or a
    "stop now" is asked does it call `hold_while_paused()`, which blocks on a
    condition (no CPU) until Resume, Stop or Stop now.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        # Set while nothing is asked of the search thread at a batch boundary.
        self._calm = threading.Event()
        self._calm.set()
        self._paused = False
        self._stop = False
        self._stop_now = False
        self._skip_trial: str | None = None
        # The interpreter is shutting down (e.g. a kernel restart): hold for ever.
        self._shutting_down = False
        self._parked = threading.Event()

    # -- what the search thread reads ---------------------------------------
    @property
    def attention_needed(self) -> bool:
        """A pause or a stop now is asked: the hot path's one check."""
        return not self._calm.is_set()

    @property
    def pause_requested(self) -> bool:
        return self._paused

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def stop_now_requested(self) -> bool:
        return self._stop_now

    def skip_requested(self, trial_id: str) -> bool:
        """Whether the user asked trial `trial_id` to end after its current epoch."""
        return self._skip_trial is not None and self._skip_trial == trial_id

    @property
    def skip_trial_id(self) -> str | None:
        return self._skip_trial

    # -- what the user asks -----------------------------------------------------
    def pause(self) -> None:
        with self._changed:
            self._paused = True
            self._update()

    def resume(self) -> None:
        with self._changed:
            self._paused = False
            self._update()

    def stop(self) -> None:
        """Ask for no new trial; a paused search is released so it can wind down."""
        with self._changed:
            self._stop, self._paused = True, False
            self._update()

    def stop_now(self) -> None:
        """Ask the running trial to end at the next batch, and no new trial."""
        with self._changed:
            self._stop = self._stop_now = True
            self._paused = False
            self._update()

    def skip(self, trial_id: str) -> None:
        """Ask trial `trial_id` to end after its current epoch."""
        with self._changed:
            self._skip_trial = trial_id

    def shut_down(self) -> None:
        """The interpreter exits: the search holds at its next boundary, for ever.

        Used at a graceful kernel shutdown, so the search behaves as in a killed
        kernel (its running trial stays RUNNING on disk and is run again after a
        reload) instead of training on while modules are torn down. Not undone
        by `reset()`.
        """
        with self._changed:
            self._shutting_down = True
            self._update()

    def wait_parked(self, timeout: float) -> bool:
        """Wait until the search thread holds for the shutdown; False on timeout."""
        return self._parked.wait(timeout)

    def reset(self) -> None:
        """Clear every intent, for a new search."""
        with self._changed:
            self._paused = self._stop = self._stop_now = False
            self._skip_trial = None
            self._update()

    def _update(self) -> None:
        # Called with the condition held.
        if self._paused or self._stop_now or self._shutting_down:
            self._calm.clear()
        else:
            self._calm.set()
        self._changed.notify_all()

    # -- the search thread --------------------------------------------------------
    def hold_while_paused(
        self,
        on_hold: Callable[[], None] | None = None,
        on_release: Callable[[], None] | None = None,
    ) -> None:
        """Block the calling (search) thread while a pause is requested.

        Once the interpreter shuts down, block it for ever (see `shut_down`).
        """
        with self._changed:
            if self._shutting_down:
                self._park()
            if not self._paused:
                return
        if on_hold is not None:
            on_hold()
        with self._changed:
            self._changed.wait_for(lambda: not self._paused or self._shutting_down)
            if self._shutting_down:
                self._park()
        if on_release is not None:
            on_release()

    def hold_for_shutdown(self) -> None:
        """Block the calling (search) thread for ever if the interpreter shuts down."""
        with self._changed:
            if self._shutting_down:
                self._park()

    def _park(self) -> None:
        # Called with the condition held; never returns. The thread is a daemon:
        # the interpreter exits without it, as if the process had been killed.
        self._parked.set()
        while True:
            self._changed.wait()
