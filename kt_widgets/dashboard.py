"""The live dashboard of one search: views fed from a SearchState by one pump thread.

Threads: the search thread only appends to the SearchState. The pump thread is
the only writer of widget traits and messages: it wakes on a change (or a
request from a view), at most ~10 times a second, and sends what changed since
its last push. Clicks arrive on the kernel's main thread and only call the
control functions or set a flag for the pump.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Protocol

import ipywidgets as widgets

from kt_widgets.core import lifecycle
from kt_widgets.core import state as st
from kt_widgets.core.serialize import json_safe
from kt_widgets.core.space import edit_call
from kt_widgets.core.state import SearchState
from kt_widgets.core.table import table_columns, trial_row
from kt_widgets.export import trials_csv
from kt_widgets.views.curves import CurvesView
from kt_widgets.views.errors import TrialErrorsView
from kt_widgets.views.header import HeaderView
from kt_widgets.views.inspect import Inspector, InspectPanel
from kt_widgets.views.log import LogView
from kt_widgets.views.space import SpaceEditor
from kt_widgets.views.table import TrialTable

PUSH_INTERVAL = 0.1  # seconds between pushes: at most ~10 updates a second
CLOCK_INTERVAL = 1.0  # the elapsed time ticks this often while a search runs
# While a search runs, the best-model panel (nothing selected) follows a new best
# at most this often: it draws a matplotlib figure, which would otherwise take
# the pump, and the search thread's share of the interpreter, at every new best.
BEST_PANEL_INTERVAL = 5.0
IDLE_EXIT = 30.0  # an idle pump thread ends after this long; a change restarts it
DEFAULT_CURVES = 2  # trials the curves show when none is selected


class Controls(Protocol):
    """What the buttons call (a kt_widgets tuner)."""

    max_trials: int | None
    space: Any  # the tuner's SearchSpaceEditor (optional)

    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def stop(self) -> None: ...
    def stop_now(self) -> None: ...
    def skip_trial(self) -> None: ...
    def continue_search(self, max_trials: int | None = None, background: bool | None = None): ...
    def control_situation(self) -> lifecycle.Situation: ...


def _section(title: str, body: widgets.Widget) -> widgets.Widget:
    heading = widgets.HTML(f"<b>{title}</b>")
    return widgets.VBox([heading, body])


class Dashboard:
    """Header, search space, trial table, curves and log of one search."""

    def __init__(
        self,
        state: SearchState,
        controls: Controls | None,
        inspector: Inspector | None = None,
        *,
        live: bool = True,
    ) -> None:
        """`controls` None: a read-only dashboard (watch mode), with no buttons.

        `inspector` (the tuner) gives the inspection panel its models; None
        leaves the panel without architecture, evaluation and Load button.
        `live` False: no pump thread; the views change only when `push()` is called.
        """
        self.state = state
        self._controls = controls
        self._live = live
        self._wake = threading.Event()
        self._hurry = threading.Event()  # a flush() waits: push without the pause
        self._closed = threading.Event()
        self._resend_rows = True
        self._resend_curves = True
        self._version = 0
        self._space_version = -1
        self._log_seq = 0
        self._shown: list[str] = []
        # Pushes begun and finished by the pump: flush() waits for one that
        # begins after it is called, so it covers selections and space edits
        # as well as the state.
        self._pushed = threading.Condition()
        self._pushes_begun = self._pushes_done = 0
        self._sent_points: dict[tuple[str, int], int] = {}
        self._best_panel_at = float("-inf")
        self._panel_selection: list[str] = []
        if controls is None:
            self.header = HeaderView(None)
        else:
            actions = {
                lifecycle.PAUSE: controls.pause,
                lifecycle.RESUME: controls.resume,
                lifecycle.STOP: controls.stop,
                lifecycle.STOP_NOW: controls.stop_now,
                lifecycle.SKIP_TRIAL: controls.skip_trial,
                # A click must never run a search in the foreground of the kernel.
                lifecycle.CONTINUE: lambda: controls.continue_search(background=True),
            }
            self.header = HeaderView(
                {name: self._call(action) for name, action in actions.items()},
                on_max_trials=self._set_max_trials,
            )
        # The editor's refusals: name -> (message, the row's config it was refused
        # against); a message goes once that config changes (an edit from Python).
        self._space_errors: dict[str, tuple[str, Any]] = {}
        self._space_errors_lock = threading.Lock()
        self._space_errors_sent: dict[str, str] | None = None
        editor = getattr(controls, "space", None)
        self.space = SpaceEditor(on_edit=self._edit_space if editor is not None else None)
        self.table = TrialTable(on_ready=self._request_rows, direction=state.direction)
        self.table.sort_descending = state.direction == "max"
        self.curves = CurvesView(on_ready=self._request_curves, metric=state.objective)
        self.trial_errors = TrialErrorsView()
        self.log = LogView(on_change=self._poke, position=state.log_position)
        self.inspection = InspectPanel(inspector, on_change=self._poke)
        self.table.observe(lambda _change: self._poke(), names="selected")
        self.widget = widgets.VBox(
            [
                self.header,
                _section("Trials", widgets.VBox([self.table, self.trial_errors])),
                _section("Curves", self.curves),
                self.inspection,
                # Two accordions, so that both can be open at once.
                widgets.Accordion(children=[self.space], titles=("Search space",)),
                widgets.Accordion(children=[self.log], titles=("Log",)),
            ]
        )
        self.widget.add_class("ktw-dashboard")
        self.push()  # the first state, written before any other thread exists
        self._pump: threading.Thread | None = None
        self._pump_lock = threading.Lock()
        self._unsubscribe = state.subscribe(self._poke) if live else (lambda: None)
        if inspector is not None and live:  # an evaluation by tuner.inspect() redraws the panel
            self._unsubscribe_evaluations = inspector.evaluations.subscribe(self._poke)
        self._poke()

    # -- display -----------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop updating and close the widgets."""
        self._closed.set()
        self._wake.set()
        self._unsubscribe()
        getattr(self, "_unsubscribe_evaluations", lambda: None)()
        pump = self._pump
        if pump is not None:
            pump.join(timeout=2)
        views = (
            self.header,
            self.space,
            self.table,
            self.trial_errors,
            self.curves,
            self.inspection,
            self.log,
        )
        for view in (*views, self.widget):
            view.close()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the pump has pushed everything as it is now; False on timeout."""
        if not self._live:
            self.push()
            return True
        with self._pushed:
            target = self._pushes_begun + 1
        self._hurry.set()
        self._poke()
        with self._pushed:
            return self._pushed.wait_for(lambda: self._pushes_done >= target, timeout)

    # -- requests from views and buttons (kernel main thread) ---------------
    def _call(self, action):
        def run() -> None:
            try:
                action()
            except RuntimeError as error:  # e.g. a click that raced the search's end
                self.state.log(f"kt_widgets: {error}")
            self._poke()

        return run

    def _set_max_trials(self, value: int) -> None:
        try:
            self._controls.max_trials = value
        except (TypeError, ValueError, RuntimeError) as error:
            self.header.refused_budget = str(error)  # the pump puts the budget back
        else:
            self.header.refused_budget = ""  # clears an earlier refusal
        self._poke()

    def _edit_space(self, request: dict[str, Any]) -> None:
        """An edit from the space editor: applied through `tuner.space`, or refused inline."""
        name = str(request.get("name", ""))
        rows = {row["name"]: row for row in self.state.space()}
        try:
            if name not in rows:
                raise ValueError(f"No hyperparameter named {name!r}.")
            method, args, kwargs = edit_call(request, rows[name])
            getattr(self._controls.space, method)(*args, **kwargs)
        except (ValueError, TypeError) as error:  # refused: keras_tuner's or our reason
            message = str(error)
        except Exception as error:  # shown where the user acted, never lost in the kernel
            message = f"{type(error).__name__}: {error}"
        else:
            message = None
        with self._space_errors_lock:
            if message is None:
                self._space_errors.pop(name, None)
            else:
                self._space_errors[name] = (message, rows.get(name, {}).get("config"))
        self._poke()

    def _request_rows(self) -> None:
        self._resend_rows = True
        self._poke()

    def _request_curves(self) -> None:
        self._resend_curves = True
        self._poke()

    # -- the pump ------------------------------------------------------------
    def _poke(self) -> None:
        """Wake the pump, starting it if it went idle (called on every state change)."""
        if not self._live or (self._pump is not None and self._wake.is_set()):
            return  # no pump, or it has not taken the last wake-up yet: this change rides along
        self._wake.set()
        # Under the lock: an idle pump decides to end under it too, after looking at
        # `_wake`, so a change is never left with no pump to push it.
        with self._pump_lock:
            if self._pump is None and not self._closed.is_set():
                self._pump = threading.Thread(
                    target=self._run, name="kt_widgets-dashboard", daemon=True
                )
                self._pump.start()

    def _run(self) -> None:
        # The thread ends when nothing happened for IDLE_EXIT seconds, so that
        # dashboards of finished searches hold no thread.
        while not self._closed.is_set():
            active = self.state.status in st.ACTIVE_STATUSES
            woke = self._wake.wait(CLOCK_INTERVAL if active else IDLE_EXIT)
            if self._closed.is_set():
                break
            if not woke and not active:
                with self._pump_lock:
                    if not self._wake.is_set():  # else a change raced in: go on
                        self._pump = None
                        return
            self._wake.clear()
            with self._pushed:
                self._pushes_begun += 1
                this_push = self._pushes_begun
            try:
                self.push()
            except Exception:  # the UI must never take the search down
                self.state.log("kt_widgets: dashboard update failed\n" + traceback.format_exc())
            with self._pushed:
                self._pushes_done = this_push
                self._pushed.notify_all()
            if self._hurry.wait(PUSH_INTERVAL):
                self._hurry.clear()

    def push(self) -> None:
        """Send every view what changed since the last push."""
        state = self.state
        situation = self._controls.control_situation() if self._controls is not None else None
        summary = state.summary()
        if state.space_version != self._space_version:
            self._space_version = state.space_version
            self.space.update(state.space(), state.space_history())
        configs = {row["name"]: row.get("config") for row in state.space()}
        with self._space_errors_lock:
            for name, (_, refused_config) in list(self._space_errors.items()):
                if configs.get(name) != refused_config:  # edited since: the message is old
                    del self._space_errors[name]
            errors = {name: message for name, (message, _) in self._space_errors.items()}
        if errors != self._space_errors_sent:
            self._space_errors_sent = errors
            self.space.errors = errors
        # One read of what changed serves the rows and the curves.
        self._version, changed = state.changed_since(self._version)
        self._push_rows(changed, summary.best_trial)
        self.trial_errors.update(state.trials(list(self.table.selected)))
        self._push_curves(set(changed), summary.running_trial, summary.best_trial)
        self._update_inspection(summary.status)
        self.inspection.answer_downloads(lambda: trials_csv(state))
        self._log_seq, lines = state.log_since(self._log_seq)
        self.log.add(lines, first=self._log_seq - len(lines) + 1)
        # The header last: when it says "finished", the rows are already sent.
        self.header.update(summary, situation)

    def _update_inspection(self, status: str) -> None:
        selected = list(self.table.selected)
        now = time.monotonic()
        # A change of selection shows at once; the best, while it keeps changing, later.
        if not selected and not self._panel_selection and status in st.ACTIVE_STATUSES:
            if now - self._best_panel_at < BEST_PANEL_INTERVAL:
                return  # a push after the interval shows the best as it is then
        self._best_panel_at, self._panel_selection = now, selected
        self.inspection.update(self.state, selected)

    def _push_rows(self, changed: list[str], best_trial: str | None) -> None:
        state = self.state
        columns = table_columns(
            state.hyperparameter_kinds(),
            state.metric_names(),
            workers=state.has_workers(),
            space_versions=bool(state.space_history()),
        )
        if columns != self.table.columns:
            self.table.columns = columns
        self.table.best_trial_id = best_trial or ""
        self.table.direction = state.direction  # a watched project may tell it late
        reset, self._resend_rows = self._resend_rows, False
        if reset:
            changed = state.trial_ids()
        if changed or reset:
            rows = [trial_row(record) for record in state.trials(changed)]
            self.table.send_rows(rows, reset=reset)

    def _shown_trials(self, running: str | None, best: str | None) -> list[str]:
        if self.table.selected:
            return list(self.table.selected)
        shown = [t for t in dict.fromkeys([running, best]) if t is not None]
        if best is None:  # no trial scored yet (e.g. all failed): the latest with epochs
            latest = [t for t in reversed(self.state.trial_ids_with_epochs()) if t not in shown]
            shown += latest[: max(0, DEFAULT_CURVES - len(shown))]
        return shown

    def _push_curves(self, changed: set[str], running: str | None, best: str | None) -> None:
        state = self.state
        metrics = state.epoch_metric_names()
        if metrics != self.curves.metrics:
            self.curves.metrics = metrics
            if self.curves.metric not in metrics and metrics:
                preferred = [m for m in self.state.objective_metrics if m in metrics]
                self.curves.metric = (preferred or metrics)[0]
        shown = self._shown_trials(running, best)
        reset, self._resend_curves = self._resend_curves, False
        # When other trials are shown, the browser drops the curves of those no
        # longer shown and gets only the new ones whole: a new running trial
        # does not send the best trial's curve again.
        moved = not reset and shown != self._shown
        if reset:
            self._sent_points = {}
        elif moved:
            kept = set(shown)
            self._sent_points = {k: n for k, n in self._sent_points.items() if k[0] in kept}
        newly_shown = set(shown) - set(self._shown)
        self._shown = shown
        series = []
        for trial_id in shown if reset else [t for t in shown if t in changed or t in newly_shown]:
            for execution, points in enumerate(state.curves(trial_id)):
                sent = self._sent_points.get((trial_id, execution), 0)
                if len(points) < sent:  # a retried trial starts its epochs again
                    self._request_curves()
                elif len(points) > sent:
                    series.append(
                        {
                            "trial_id": trial_id,
                            "execution": execution + 1,  # people count from 1
                            "points": json_safe(points[sent:]),
                        }
                    )
                    self._sent_points[(trial_id, execution)] = len(points)
        if series or reset or moved:
            self.curves.send_series(series, reset=reset, keep=shown if moved else None)
