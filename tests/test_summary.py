"""results_summary(), search_space_summary(): a table in a notebook, else keras_tuner's text."""

import contextlib
import io

import keras_tuner
import pytest
from IPython.core.formatters import DisplayFormatter

import kt_widgets as ktw
from kt_widgets import kernel
from kt_widgets.core.summary import results_table, to_html


class Hostile(ktw.Tuner):
    """Names and values that would be markup if they were not escaped."""

    def run_trial(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        hp.Choice("<b>act</b>", ["<script>alert(1)</script>", "relu"])
        return hp.Float("x", 0, 1)


def stock_text(method, tuner, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        getattr(keras_tuner.Tuner, method)(tuner, *args)
    return out.getvalue()


@pytest.fixture
def tuner(tmp_path):
    tuner = Hostile(
        oracle=keras_tuner.oracles.RandomSearchOracle(max_trials=3, seed=2),
        directory=str(tmp_path),
        project_name="<i>proj</i>",
    )
    tuner.search(verbose=0)
    return tuner


def test_outside_a_notebook_the_text_is_keras_tuners(tuner, capsys):
    tuner.results_summary(2)
    tuner.search_space_summary()
    out = capsys.readouterr().out
    assert out == stock_text("results_summary", tuner, 2) + stock_text(
        "search_space_summary", tuner
    )


def test_in_a_notebook_a_table_whose_plain_text_is_keras_tuners(tuner, monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(kernel, "widget_frontend_available", lambda: True)
    monkeypatch.setattr(kernel, "show", shown.append)
    tuner.results_summary(2)
    tuner.search_space_summary()
    assert capsys.readouterr().out == ""  # displayed, not printed
    results, space = (DisplayFormatter().format(obj)[0] for obj in shown)
    assert results["text/plain"] == stock_text("results_summary", tuner, 2).rstrip("\n")
    assert space["text/plain"] == stock_text("search_space_summary", tuner).rstrip("\n")
    html = results["text/html"]
    assert html.count("<tr>") == 3  # the header and the 2 best trials
    best = tuner.oracle.get_best_trials(1)[0]
    assert f"<td style='text-align:left'>{best.trial_id}</td>" in html
    for markup in ("<b>act</b>", "<script>", "<i>proj</i>"):
        assert markup not in html and markup not in space["text/html"]
    assert "&lt;b&gt;act&lt;/b&gt;" in space["text/html"]
    assert "&lt;i&gt;proj&lt;/i&gt;" in html


def test_an_empty_project_and_nan_scores_render():
    empty = to_html(results_table("runs/p", "Objective()", 10, []))
    assert "No trials yet." in empty
    trial = {
        "trial_id": "0",
        "status": "FAILED",
        "score": float("nan"),
        "best_step": None,
        "hyperparameters": {"x": 1},
        "message": "Traceback (most recent call last):\n  ...\nValueError: <bad>",
    }
    html = to_html(results_table("runs/p", "Objective()", 10, [trial]))
    assert ">NaN<" in html and "ValueError: &lt;bad&gt;" in html


KERNEL_CELL = """
import keras_tuner, kt_widgets as ktw

class Quadratic(ktw.Tuner):
    def run_trial(self, trial, *args, **kwargs):
        return (trial.hyperparameters.Float("x", -1.0, 1.0) - 0.3) ** 2

tuner = Quadratic(
    oracle=keras_tuner.oracles.RandomSearchOracle(max_trials=3, seed=1),
    directory="runs", project_name="summary",
)
tuner.search(verbose=0, background=False)
"""


def test_in_a_real_kernel_the_summaries_are_displayed_as_tables(tmp_path):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    outputs = []
    try:
        for code in (KERNEL_CELL, "tuner.results_summary(2)", "tuner.search_space_summary()"):
            reply = client.execute_interactive(code, timeout=120, output_hook=outputs.append)
            assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    kinds = [msg["msg_type"] for msg in outputs]
    assert "stream" not in kinds  # nothing printed: verbose=0, and the summaries are displayed
    results, space = (
        msg["content"]["data"] for msg in outputs if msg["msg_type"] == "display_data"
    )
    assert "<table>" in results["text/html"] and results["text/html"].count("<tr>") == 3
    assert results["text/plain"].startswith("Results summary\nResults in runs/summary")
    assert "<table>" in space["text/html"] and "Float" in space["text/html"]
    assert space["text/plain"].startswith("Search space summary\nDefault search space size: 1")
