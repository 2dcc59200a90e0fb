"""Watch mode: a live, read-only dashboard of a KerasTuner project another process writes.

A poller thread reads the project's files (see `project_files`) into a
SearchState every `interval` seconds; the usual dashboard shows that state,
without its controls. Nothing is written to the project.
"""

from __future__ import annotations

import os
import threading
import traceback

from kt_widgets import kernel
from kt_widgets.core.state import SearchState
from kt_widgets.dashboard import Dashboard
from kt_widgets.export import trials_dataframe
from kt_widgets.project_files import ProjectReader

DEFAULT_INTERVAL = 1.0  # seconds between two reads of the project's files


class Watch:
    """The handle `kt_widgets.watch()` returns: state, dashboard, table of trials.

    Args:
        directory: str. The `directory` the search was given.
        project_name: str. Its `project_name`.
        interval: float. Seconds between two reads of the files.
        objective: str or None. The objective's metric name; None infers it.
    """

    def __init__(
        self,
        directory: str,
        project_name: str,
        interval: float = DEFAULT_INTERVAL,
        objective: str | None = None,
    ) -> None:
        directory = str(directory or ".")
        project_name = project_name or "untitled_project"
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"There is no directory {directory!r} to watch.")
        if not isinstance(interval, (int, float)) or not interval > 0:
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}.")
        self.project_dir = os.path.join(directory, project_name)
        self.interval = float(interval)
        self.search_state = SearchState(objective=objective or "")
        self._reader = ProjectReader(self.project_dir, self.search_state, objective)
        self._lock = threading.Lock()  # one poll at a time
        self._closed = threading.Event()
        if not os.path.isdir(self.project_dir):
            self.search_state.log(f"kt_widgets: waiting for {self.project_dir!r} to appear")
        self.refresh()  # the dashboard starts with what is there
        self.dashboard = Dashboard(self.search_state, controls=None)
        self._thread = threading.Thread(target=self._poll, name="kt_widgets-watch", daemon=True)
        self._thread.start()

    @property
    def status(self) -> str:
        """ "running" while the files show a running trial, "idle" otherwise."""
        return self.search_state.status

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def refresh(self) -> bool:
        """Read the files now; True if anything changed."""
        with self._lock:
            return self._reader.poll()

    def trials_dataframe(self):
        """One row per trial (pandas): see `kt_widgets.export.trials_dataframe`."""
        return trials_dataframe(self.search_state)

    def close(self) -> None:
        """Stop watching (the dashboard keeps what it shows)."""
        self._closed.set()
        self._thread.join(timeout=self.interval + 5)

    def _poll(self) -> None:
        while not self._closed.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # a strange file must not end the watch
                self.search_state.log(
                    "kt_widgets: reading the project failed\n" + traceback.format_exc()
                )

    def __repr__(self) -> str:
        count = len(self.search_state.trial_ids())
        state = "closed" if self.closed else self.status
        return f"<kt_widgets watch of {self.project_dir!r}: {state}, {count} trials>"


def watch(
    directory: str,
    project_name: str,
    interval: float = DEFAULT_INTERVAL,
    objective: str | None = None,
) -> Watch:
    """Shows a live, read-only dashboard of a KerasTuner project on disk.

    The search runs elsewhere (a script, a cluster job, a distributed chief);
    its files are read every `interval` seconds, so new trials and epochs show
    up as they are written. Nothing is written to the project.

    Args:
        directory: str. The `directory` the search was given.
        project_name: str. Its `project_name`.
        interval: float. Seconds between two reads of the files. Defaults to 1.
        objective: str or None. The objective's metric name; None infers it
            from the files. Defaults to None.

    Returns:
        A `Watch`: `.status`, `.trials_dataframe()`, `.dashboard`, `.close()`.
    """
    handle = Watch(directory, project_name, interval=interval, objective=objective)
    if kernel.widget_frontend_available():
        kernel.show(handle.dashboard)
    return handle
