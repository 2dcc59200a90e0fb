"""The dashboard fed from a SearchState by hand: no Keras, real widgets."""

import time

import pytest

from kt_widgets.core import lifecycle
from kt_widgets.core import state as st
from kt_widgets.core.control import SearchControl
from kt_widgets.core.state import SearchState
from kt_widgets.dashboard import Dashboard


class Controls:
    """Stands in for a tuner: the buttons' targets, moving the status as a tuner does."""

    def __init__(self, state):
        self.state = state
        self.control = SearchControl()
        self.calls = []
        self.max_trials = state.max_trials

    def _act(self, name, status=None):
        self.calls.append(name)
        reason = lifecycle.blocked_reason(name, self.control_situation())
        if reason is not None:
            raise RuntimeError(f"Cannot {name}: {reason}")
        if status is not None:
            self.state.set_status(status, only_from=lifecycle.sources(status))

    def pause(self):
        self._act("pause", st.PAUSING)
        self.control.pause()

    def resume(self):
        self._act("resume", st.RUNNING)
        self.control.resume()

    def stop(self):
        self._act("stop", st.STOPPING)

    def stop_now(self):
        self._act("stop_now", st.STOPPING)

    def skip_trial(self):
        self._act("skip_trial")

    def continue_search(self, max_trials=None, background=None):
        self._act("continue", st.RUNNING)

    def control_situation(self):
        return lifecycle.Situation(status=self.state.status)


def record_messages(widget):
    """What the widget sends to the browser (the comm has no browser here)."""
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)
    return sent


@pytest.fixture
def dashboard():
    state = SearchState(objective="val_accuracy", direction="max", max_trials=4)
    board = Dashboard(state, Controls(state))
    board.close()  # no pump thread: the tests call push() themselves
    return board


def finish_trial(state, trial_id, score, epochs=2, hps=None):
    state.trial_started(trial_id, hps or {"units": 32, "act": "relu"})
    for epoch in range(epochs):
        state.epoch_ended(trial_id, epoch, {"loss": 1.0 - 0.1 * epoch, "val_accuracy": score})
    state.trial_ended(
        trial_id, "COMPLETED", score=score, best_step=epochs - 1, metrics={"val_accuracy": score}
    )


def test_rows_travel_as_deltas_of_the_changed_trials_only(dashboard):
    state = dashboard.state
    rows = record_messages(dashboard.table)
    for trial_id in range(10):
        finish_trial(state, str(trial_id), 0.5 + trial_id / 100)
    dashboard.push()
    assert len(rows[-1]["rows"]) == 10
    state.trial_started("10", {"units": 64, "act": "tanh"})
    state.epoch_ended("10", 0, {"loss": 0.9})
    dashboard.push()
    assert rows[-1]["reset"] is False
    assert [row["trial_id"] for row in rows[-1]["rows"]] == ["10"]
    count = len(rows)
    dashboard.push()  # nothing changed: nothing sent
    assert len(rows) == count
    assert dashboard.table.best_trial_id == "9"
    assert "hp:units" in [c["key"] for c in dashboard.table.columns]


def test_a_new_view_gets_every_row_again(dashboard):
    state = dashboard.state
    rows = record_messages(dashboard.table)
    finish_trial(state, "0", 0.9)
    dashboard.push()
    dashboard.table._handle_message(dashboard.table, {"type": "ready"}, [])
    dashboard.push()
    assert rows[-1]["reset"] is True and [r["trial_id"] for r in rows[-1]["rows"]] == ["0"]


def test_curves_follow_the_running_and_best_trial_then_the_selection(dashboard):
    state = dashboard.state
    series = record_messages(dashboard.curves)
    finish_trial(state, "0", 0.9)
    finish_trial(state, "1", 0.8)
    state.trial_started("2", {"units": 16, "act": "relu"})
    state.epoch_ended("2", 0, {"loss": 1.2})
    dashboard.push()
    assert {s["trial_id"] for s in series[-1]["series"]} == {"0", "2"}  # best and running
    assert dashboard.curves.metrics == ["loss", "val_accuracy"]
    assert dashboard.curves.metric == "val_accuracy"  # the objective, once it is logged
    state.epoch_ended("2", 1, {"loss": 1.1})
    dashboard.push()
    assert series[-1]["reset"] is False
    assert series[-1]["series"] == [
        {"trial_id": "2", "execution": 1, "points": [[1, {"loss": 1.1}]]}
    ]
    dashboard.table.selected = ["1"]
    dashboard.push()
    # A delta: the browser keeps only trial 1, whose curve comes whole.
    assert series[-1]["reset"] is False and series[-1]["keep"] == ["1"]
    assert [s["trial_id"] for s in series[-1]["series"]] == ["1"]
    dashboard.table.selected = ["1", "2"]
    dashboard.push()
    assert series[-1]["keep"] == ["1", "2"]
    assert [(s["trial_id"], len(s["points"])) for s in series[-1]["series"]] == [("2", 2)]


def test_with_no_scored_trial_the_curves_show_the_latest_trials_with_epochs(dashboard):
    state = dashboard.state
    series = record_messages(dashboard.curves)
    for trial_id in ("0", "1", "2"):  # each fails after an epoch: no score, no best
        state.trial_started(trial_id, {"units": 32})
        state.epoch_ended(trial_id, 0, {"loss": 1.0})
        state.trial_ended(trial_id, "FAILED", message="ValueError: boom")
    state.trial_started("3", {"units": 16})  # failed before its first epoch
    state.trial_ended("3", "FAILED", message="ValueError: boom")
    dashboard.push()
    assert state.summary().best_trial is None
    assert [s["trial_id"] for s in series[-1]["series"]] == ["2", "1"]
    state.trial_started("4", {"units": 8})  # the running trial and the latest with epochs
    dashboard.push()
    # Trial 1 drops out, trial 2's curve is already there and 4 has no epoch yet.
    assert series[-1]["reset"] is False and series[-1]["keep"] == ["4", "2"]
    assert series[-1]["series"] == []
    state.epoch_ended("4", 0, {"loss": 0.5})
    dashboard.push()
    assert series[-1]["reset"] is False
    assert [s["trial_id"] for s in series[-1]["series"]] == ["4"]
    state.trial_ended("4", "COMPLETED", score=0.5, best_step=0, metrics={"val_accuracy": 0.5})
    dashboard.push()  # a best at last: the default it names
    assert series[-1]["keep"] == ["4"]


def test_header_escapes_user_text_and_shows_the_error(dashboard):
    state = dashboard.state
    state.objective = "<img src=x onerror=alert(1)>"
    state.set_status(st.RUNNING)
    finish_trial(state, "0", 0.7)
    state.fail("ValueError: <b>bad</b> & worse", "Traceback: <script>")
    dashboard.push()
    html = dashboard.header.text.value
    assert "<img" not in html and "&lt;img src=x" in html
    assert "&lt;b&gt;bad&lt;/b&gt; &amp; worse" in html and "<script>" not in html
    assert 'data-status="failed"' in html
    assert dashboard.header.pause_button.disabled and dashboard.header.stop_button.disabled


def test_the_header_tells_elapsed_time_once_the_search_has_started(dashboard):
    dashboard.push()
    assert "elapsed" not in dashboard.header.text.value  # built, not searched yet
    dashboard.state.set_status(st.RUNNING)
    dashboard.push()
    assert "elapsed 0." in dashboard.header.text.value


def test_buttons_call_the_controls_and_follow_the_status(dashboard):
    state, controls = dashboard.state, dashboard._controls
    state.set_status(st.RUNNING)
    dashboard.push()
    assert not dashboard.header.pause_button.disabled
    assert dashboard.header.resume_button.disabled
    dashboard.header.pause_button.click()
    assert controls.calls == ["pause"] and controls.control.pause_requested
    dashboard.push()
    assert "pausing…" in dashboard.header.text.value
    assert dashboard.header.pause_button.disabled and not dashboard.header.resume_button.disabled
    dashboard.header.resume_button.click()
    assert not controls.control.pause_requested
    state.set_status(st.FINISHED)
    dashboard.header.stop_button.click()  # a click that raced the end: logged
    dashboard.push()
    assert "kt_widgets: Cannot stop: The search has finished; there is nothing to stop." in (
        dashboard.log.lines
    )


def test_space_and_log_escape_html(dashboard):
    state = dashboard.state
    state.set_space(
        [
            {
                "name": "<u>units</u>",
                "type": "Int",
                "range": "1 … 2",
                "step": "1",
                "sampling": "linear",
                "default": "1",
                "condition": "",
            }
        ]
    )
    log_messages = record_messages(dashboard.log.text)
    state.log("warning: <script>alert(1)</script>")
    dashboard.push()
    # The space and the log travel as data; js/space.js and js/log.js set them
    # as text, never as HTML.
    assert dashboard.space.rows[0]["name"] == "<u>units</u>"
    assert not dashboard.space.editable  # no tuner.space behind these controls
    assert log_messages[-1]["lines"] == ["warning: <script>alert(1)</script>"]
    dashboard.log.clear_button.click()
    state.log("newer")
    dashboard.push()
    assert dashboard.log.lines == ["newer"]
    assert log_messages[-1]["reset"] and log_messages[-1]["lines"] == ["newer"]


def test_the_log_sends_new_lines_only_and_everything_to_a_view_that_opens(dashboard):
    state = dashboard.state
    sent = record_messages(dashboard.log.text)
    for i in range(300):
        state.log(f"line {i}")
    dashboard.push()
    state.log("\x1b[31mred\x1b[0m one more")
    dashboard.push()
    assert sent[-1] == {"type": "lines", "reset": False, "lines": ["red one more"], "keep": 200}
    dashboard.push()  # nothing new: nothing sent
    count = len(sent)
    dashboard.log.text._handle_message(None, {"type": "ready"}, [])  # a view opens
    dashboard.push()
    assert len(sent) == count + 1 and sent[-1]["reset"]
    assert sent[-1]["lines"] == [f"line {i}" for i in range(101, 300)] + ["red one more"]


def test_the_pump_thread_updates_the_widgets_live():
    state = SearchState(objective="loss", max_trials=2)
    board = Dashboard(state, Controls(state))
    try:
        state.set_status(st.RUNNING)
        finish_trial(state, "0", 0.3)
        assert board.flush(timeout=5)
        assert 'data-status="running"' in board.header.text.value
        assert "<b>1 / 2</b> trials" in board.header.text.value
        assert board.header.progress.value == pytest.approx(0.5)
    finally:
        board.close()
    started = time.monotonic()
    assert not board._pump.is_alive() and time.monotonic() - started < 3


def test_an_idle_pump_thread_ends_and_a_change_restarts_it(monkeypatch):
    from kt_widgets import dashboard as dashboard_module

    monkeypatch.setattr(dashboard_module, "IDLE_EXIT", 0.2)
    state = SearchState(objective="loss", max_trials=2)
    board = Dashboard(state, Controls(state))
    try:
        first = board._pump
        assert first is not None
        first.join(timeout=5)
        assert not first.is_alive() and board._pump is None
        finish_trial(state, "0", 0.3)  # a change wakes a new pump
        assert board.flush(timeout=5)
        assert "<b>1 / 2</b> trials" in board.header.text.value
    finally:
        board.close()


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "model.py", line 3, in build\n'
    "    raise ValueError(...)\n"
    "ValueError: \x1b[1mInput 0 is incompatible\x1b[0m with the layer\n"
)


def test_a_selected_failed_trial_shows_its_traceback_and_its_row_the_error(dashboard):
    state = dashboard.state
    rows = record_messages(dashboard.table)
    state.trial_started("0", {"units": 8})
    state.trial_ended("0", "FAILED", message=TRACEBACK)
    dashboard.push()
    assert rows[-1]["rows"][0]["error"] == "ValueError: Input 0 is incompatible with the layer"
    assert dashboard.trial_errors.value == ""  # nothing selected
    dashboard.table.selected = ["0"]
    dashboard.push()
    html = dashboard.trial_errors.value
    assert "<b>Trial 0</b> FAILED: ValueError: Input 0 is incompatible" in html
    assert "File &quot;model.py&quot;, line 3" in html and "\x1b" not in html


def test_a_failed_search_says_why_in_one_line_with_the_traceback_one_click_away(dashboard):
    state = dashboard.state
    state.set_status(st.RUNNING)
    state.fail(
        "RuntimeError: Number of consecutive failures exceeded the limit of 3.\n" + TRACEBACK,
        "Traceback (most recent call last):\n  ...\nRuntimeError: Number of ...",
    )
    dashboard.push()
    html = dashboard.header.text.value
    summary = html.split("<summary>")[1].split("</summary>")[0]
    assert summary == (
        "The search failed: RuntimeError: Number of consecutive failures exceeded the limit of 3."
    )
    assert html.count("Traceback (most recent call last)") == 1
