"""Trial inspection without training: the panel's rules, comparison, export, figures."""

import csv
import io
import math
import threading
import time
import warnings

import keras_tuner
import matplotlib
import pandas as pd
import pytest

import kt_widgets as ktw
from kt_widgets import figures
from kt_widgets.core import inspection as ins
from kt_widgets.core.state import SearchState
from kt_widgets.dashboard import Dashboard
from kt_widgets.export import trials_csv, trials_dataframe


def finished(state, trial_id, score, hps, status="COMPLETED", epochs=3):
    state.trial_started(trial_id, hps)
    for epoch in range(epochs):
        state.epoch_ended(trial_id, epoch, {"loss": 1.0 / (epoch + 1), "val_accuracy": score})
    message = None if status == "COMPLETED" else "Traceback...\nValueError: broke <b>"
    state.trial_ended(
        trial_id, status, score=score, metrics={"val_accuracy": score}, message=message
    )


def missing_as_none(frame):
    return frame.astype(object).where(frame.notna(), None)


def record_messages(widget):
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)
    return sent


@pytest.fixture
def state():
    return SearchState(objective="val_accuracy", direction="max", max_trials=6)


def test_the_best_is_only_ever_a_completed_trial_with_a_finite_score(state):
    assert ins.panel_selection(state, []).mode == ins.EMPTY
    state.trial_started("0", {"x": 1})  # running
    finished(state, "1", 0.99, {"x": 2}, status="FAILED")  # better score, but failed
    finished(state, "2", math.nan, {"x": 3})
    empty = ins.panel_selection(state, [])
    assert empty.mode == ins.EMPTY and "No completed trials" in empty.message
    finished(state, "3", 0.5, {"x": 4})
    assert ins.panel_selection(state, []) == ins.PanelSelection(ins.BEST, ("3",))
    # The user may open any trial, failed or running ones included.
    assert ins.panel_selection(state, ["1"]) == ins.PanelSelection(ins.TRIAL, ("1",))
    assert ins.panel_selection(state, ["0", "3"]).mode == ins.COMPARE
    for trial_id in "4567":
        finished(state, trial_id, 0.1, {"x": 5})
    assert ins.panel_selection(state, ["3", "4", "5", "6", "7"]).mode == ins.TOO_MANY
    assert ins.panel_selection(state, ["gone"]).mode == ins.BEST  # unknown ids are ignored


def test_compared_hyperparameters_mark_differences_and_missing_values(state):
    finished(state, "0", 0.5, {"units": 32, "act": "relu", "flag": True})
    finished(state, "1", 0.6, {"units": 64, "act": "relu", "flag": 1, "dropout": 0.2})
    rows = {row.name: row for row in ins.compare_hyperparameters(state.trials(["0", "1"]))}
    assert rows["units"] == ins.ComparedValue("units", (32, 64), True)
    assert rows["act"] == ins.ComparedValue("act", ("relu", "relu"), False)
    assert rows["flag"].differs  # True == 1 in Python, yet another choice
    assert rows["dropout"] == ins.ComparedValue("dropout", (None, 0.2), True)


def test_the_panel_shows_the_best_then_a_selected_trial_then_a_comparison(state):
    board = Dashboard(state, None)
    board.close()  # the test pushes
    panel = board.inspection
    board.push()
    assert "No completed trials" in panel.body.value and panel.load_button.disabled
    finished(state, "0", 0.7, {"units": 32, "act": "<i>relu</i>"})
    finished(state, "1", 0.9, {"units": 64, "act": "<i>relu</i>"})
    finished(state, "2", 0.95, {"units": 16, "act": "tanh"}, status="FAILED")
    board.push()
    assert "Best model — trial 1" in panel.title.value
    assert "<i>" not in panel.body.value and "&lt;i&gt;relu&lt;/i&gt;" in panel.body.value
    assert "data:image/png;base64," in panel.body.value  # its curves
    board.table.selected = ["2"]
    board.push()
    assert "Trial 2" in panel.title.value and "FAILED" in panel.body.value
    assert "ValueError: broke &lt;b&gt;" in panel.body.value
    board.table.selected = ["0", "1"]
    board.push()
    assert panel.title.value.count("Comparison of trials 0, 1") == 1
    body = panel.body.value
    assert '<tr class="ktw-differs"><td>units' in body
    assert '<tr class="ktw-same"><td>act' in body
    assert "1 of 2 hyperparameters differ" in body


def test_a_tuner_whose_only_trial_failed_shows_no_best(tmp_path):
    class Failing(ktw.Tuner):
        def run_trial(self, trial, *args, **kwargs):
            trial.hyperparameters.Float("x", 0, 1)
            raise keras_tuner.errors.FailedTrialError("no good")

    oracle = keras_tuner.oracles.RandomSearchOracle(objective="loss", max_trials=1, seed=1)
    tuner = Failing(oracle=oracle, directory=str(tmp_path), project_name="f", overwrite=True)
    tuner.search(background=False)
    assert tuner.get_best_hyperparameters()  # stock pads with the failed trial
    tuner.dashboard.flush()
    panel = tuner.dashboard.inspection
    assert "No completed trials" in panel.body.value
    assert panel.load_button.disabled
    with pytest.raises(ValueError, match="No completed trials"):
        tuner.inspect()
    with pytest.raises(ValueError, match="is FAILED"):
        tuner.load_trial_model("0")
    tuner.dashboard.close()


class FunctionTuner(ktw.Tuner):
    def run_trial(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        x = hp.Float("x", 0.0, 1.0)
        kind = hp.Choice("kind", ["a", "b"])
        flag = hp.Boolean("flag")
        if x > 0.8:
            raise keras_tuner.errors.FailedTrialError("x too large")
        for epoch in range(3):
            self.on_epoch_end(trial, None, epoch, logs={"loss": (x - 0.3) ** 2 + 1 / (epoch + 1)})
        return {"loss": (x - 0.3) ** 2, "aux": float(kind == "a") + flag}


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective="loss", max_trials=8, seed=4, max_consecutive_failed_trials=8
    )
    tuner = FunctionTuner(
        oracle=oracle,
        directory=str(tmp_path_factory.mktemp("runs")),
        project_name="export",
        overwrite=True,
    )
    tuner.search(background=False, verbose=0)
    yield tuner
    tuner.dashboard.close()


def test_trials_dataframe_has_one_row_per_trial_as_keras_tuner_recorded_it(searched):
    frame = searched.trials_dataframe()
    trials = searched.oracle.trials
    assert list(frame["trial_id"]) == list(trials)
    assert {"FAILED", "COMPLETED"} <= set(frame["status"])  # the seed gives both
    for _, row in frame.iterrows():
        trial = trials[row["trial_id"]]
        assert row["status"] == trial.status
        for name, value in trial.hyperparameters.values.items():
            assert row[name] == value
        if trial.status == "COMPLETED":
            assert row["score"] == pytest.approx(trial.score)
            assert row["aux"] == trial.metrics.get_last_value("aux")
            assert row["epochs"] == 3 and pd.isna(row["error"])
            assert row["best_step"] == trial.best_step
        else:
            assert pd.isna(row["score"]) and "x too large" in row["error"]
            assert pd.isna(row["best_step"])  # a failed trial has no best step
        assert row["ended"] >= row["started"] and row["duration"] >= 0
    assert str(frame["started"].dtype) == "datetime64[ns, UTC]"


def test_the_csv_download_round_trips_to_the_dataframe(searched):
    board = searched.dashboard
    sent = record_messages(board.inspection.download)
    board.inspection.download.click("req-1")  # what the browser's click sends
    deadline = time.monotonic() + 10
    while not sent and time.monotonic() < deadline:  # the pump thread answers
        time.sleep(0.05)
    [message] = sent
    assert (message["type"], message["request"], message["name"]) == ("file", "req-1", "trials.csv")
    frame = searched.trials_dataframe()
    back = pd.read_csv(
        io.StringIO(message["text"]),
        parse_dates=["started", "ended"],
        dtype={"trial_id": str, "error": object},
    )
    # Missing values stay missing (pandas reads an empty text cell as NaN, not None).
    pd.testing.assert_frame_equal(missing_as_none(back), missing_as_none(frame), check_dtype=False)
    assert message["text"] == trials_csv(searched.search_state)
    steps = [row["best_step"] for row in csv.DictReader(io.StringIO(message["text"]))]
    assert "" in steps and all(step == "" or step.isdigit() for step in steps), steps


def test_the_dataframe_of_an_empty_search_has_the_key_columns():
    frame = trials_dataframe(SearchState(objective="loss"))
    assert frame.empty and list(frame.columns) == ["trial_id", "status", "score"]


def test_figures_never_touch_pyplot_even_from_a_thread(searched):
    """C22: Figure + Agg only, so the user's pyplot figures stay as they are."""
    plt = pytest.importorskip("matplotlib.pyplot")
    user_figure = plt.figure()
    before = plt.get_fignums()
    state = searched.search_state
    completed = [t for t in state.trial_ids() if state.trial(t).status == "COMPLETED"]
    made = {}

    def draw():
        made["curves"] = figures.curves_figure(state, completed[:2])
        made["scores"] = figures.scores_figure(state)
        made["png"] = figures.figure_png(made["scores"])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        worker = threading.Thread(target=draw)
        worker.start()
        worker.join()
    assert plt.get_fignums() == before and plt.gcf() is user_figure
    assert not [w for w in caught if "thread" in str(w.message).lower()], caught
    assert made["png"].startswith(b"\x89PNG")
    plt.close(user_figure)

    # The curves: one line per trial, exactly the recorded epochs.
    [axes] = made["curves"].axes  # loss is the objective: one metric
    for line, trial_id in zip(axes.lines, completed[:2], strict=True):
        [points] = state.curves(trial_id)
        assert list(line.get_xdata()) == [epoch for epoch, _ in points]
        assert list(line.get_ydata()) == [logs["loss"] for _, logs in points]
    # The scores: a point per completed trial, and the best so far.
    [axes] = made["scores"].axes
    scored = [state.trial(t).score for t in state.trial_ids() if t in completed]
    assert sorted(axes.collections[0].get_offsets()[:, 1]) == pytest.approx(sorted(scored))
    [best_line] = axes.lines
    history = ins.score_history(state)
    expected = [b for b in history.best_so_far if b is not None]
    assert list(best_line.get_ydata()) == pytest.approx(expected)
    assert expected[-1] == pytest.approx(min(scored))
    assert matplotlib.get_backend()  # the figures never switched it


def test_the_tuner_figure_functions(searched):
    best_id, _ = searched.search_state.best()
    figure = searched.plot_curves()
    assert [line.get_label() for line in figure.axes[0].lines] == [f"trial {best_id}"]
    assert searched.plot_scores().axes[0].get_title() == "loss by trial (min)"
    with pytest.raises(ValueError, match="No trial with id 'nope'"):
        searched.plot_curves(["nope"])


def test_a_report_figure_shows_itself_as_png_in_a_notebook(searched):
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(searched.plot_scores())
    assert data["image/png"].startswith(b"\x89PNG")


def test_a_model_free_tuner_offers_no_model_and_says_why_when_asked(searched):
    panel = searched.dashboard.inspection
    assert panel.load_button not in panel.children[-1].children  # no Load button
    best = searched.search_state.best()[0]
    assert best is not None
    for ask in (
        lambda: searched.load_trial_model(),
        lambda: searched.inspect(trial_id=best),
        lambda: searched.bind_model(best, "model"),
    ):
        with pytest.raises(ValueError, match="no model-building function"):
            ask()
    searched.dashboard.flush()
    assert "tuner.inspect" not in panel.body.value  # nothing to evaluate
