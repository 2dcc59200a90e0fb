"""The notebooks in notebooks/ are documentation that runs: execute them headless."""

import re
import shutil
from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

pytestmark = pytest.mark.keras


def execute(name, tmp_path):
    shutil.copy(NOTEBOOKS / name, tmp_path / name)
    notebook = nbformat.read(tmp_path / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    return notebook


def text_outputs(notebook):
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def widget_states(notebook):
    states = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return [model["state"] for model in states.values()]


# A line of TensorFlow's C++ log (absl): severity I, W, E or F, then the date.
CXX_LOG_LINE = re.compile(r"^([IWEF])\d{4} ")


def cxx_log_lines(notebook):
    """(cell index, severity) of each C++ log line the notebook shows."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                match = CXX_LOG_LINE.match(line)
                if match:
                    found.append((index, match.group(1)))
    return found


def test_quickstart_tunes_the_digits_live_to_90_percent(tmp_path, monkeypatch):
    # As a user's kernel starts: the notebook's own TF_CPP_MIN_LOG_LEVEL applies.
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    notebook = execute("quickstart.ipynb", tmp_path)
    # What its first cell says: the only C++ lines are TensorFlow's notes while it
    # loads, in that cell; no warning or error of it later.
    first = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    assert "TF_CPP_MIN_LOG_LEVEL" in notebook.cells[first].source
    assert {(index, severity) for index, severity in cxx_log_lines(notebook)} <= {(first, "I")}
    text = text_outputs(notebook)
    assert "finished" in text
    best = float(re.search(r"best val_accuracy: ([0-9.]+)", text).group(1))
    assert best >= 0.9
    # The dashboard's final widget state, written from the pump thread.
    states = widget_states(notebook)
    header = next(s["value"] for s in states if "ktw-header" in s.get("value", ""))
    assert 'data-status="finished"' in header and "<b>6 / 6</b> trials" in header
    table = next(s for s in states if "best_trial_id" in s)
    assert table["best_trial_id"] != ""
    assert {"hp:learning_rate", "m:val_accuracy"} <= {c["key"] for c in table["columns"]}
    curves = next(s for s in states if "log_scale" in s)
    assert curves["metric"] == "val_accuracy"
    # Trial files and our per-epoch logs are on disk beside each trial.
    saved = sorted((tmp_path / "runs" / "quickstart").glob("trial_*/kt_widgets_epochs.json"))
    assert len(saved) == 6


def test_magic_notebook_shows_each_form_on_the_digits(tmp_path):
    notebook = execute("magic.ipynb", tmp_path)
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if "Traceback" in o.get("text", "")]
    text = text_outputs(notebook)
    assert "%tune status [NAME]" in text  # the help
    # `%tune list`: the searches of %tune, then the one started from Python.
    listed = notebook.cells[-2]["outputs"][0]["text"].splitlines()
    assert [line.split(" · ")[:2] for line in listed] == [
        ["plain: finished", "3/3 trials"],
        ["tuner: finished", "3/3 trials"],
        ["mine: finished", "2/2 trials"],
    ]
    assert all(" · best val_accuracy " in line for line in listed)
    best = float(re.search(r"best val_accuracy of the cell's tuner: ([0-9.]+)", text).group(1))
    assert best >= 0.7  # chance is 0.1
    # One live dashboard per search, each ended "finished".
    values = [s.get("value") for s in widget_states(notebook)]
    headers = [v for v in values if isinstance(v, str) and "ktw-header" in v]
    assert len(headers) == 3 and all('data-status="finished"' in h for h in headers)
    for project, trials in (("plain", 3), ("mine", 2), ("cell", 3)):
        saved = list((tmp_path / "runs" / project).glob("trial_*/trial.json"))
        assert len(saved) == trials, project
