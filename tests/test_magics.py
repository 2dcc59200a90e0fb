"""%tune and %%tune through IPython's own shell: each form, the wrapping, each error."""

import ast
import json
import queue
import threading
import time
from pathlib import Path

import keras_tuner
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import kt_widgets as ktw
from kt_widgets.core import state as st
from kt_widgets.magics import SUBCOMMANDS, TuneMagics
from kt_widgets.tune_command import parse_cell
from kt_widgets.tuner import NotebookTunerMixin

# A user's own keras_tuner.Tuner subclass, model-free: a "trial" of 2 epochs of
# 3 batches, scored by a number computed from `hp`.
TUNER_CELL = """
import time
import keras_tuner

class Quadratic(keras_tuner.Tuner):
    batch_seconds = 0.0

    def run_trial(self, trial, *args, **kwargs):
        x = trial.hyperparameters.Float("x", -1.0, 1.0)
        for epoch in range(2):
            for batch in range(3):
                self.batches = getattr(self, "batches", 0) + 1
                time.sleep(self.batch_seconds)
                self.on_batch_end(trial, None, batch, logs={})
            self.on_epoch_end(trial, None, epoch, logs={"loss": (x - 0.3) ** 2 + 1 / (epoch + 1)})
        return (x - 0.3) ** 2

def quadratic(project, max_trials=4, batch_seconds=0.0):
    tuner = Quadratic(
        oracle=keras_tuner.oracles.RandomSearchOracle(max_trials=max_trials, seed=5),
        directory="runs",
        project_name=project,
        overwrite=True,
    )
    tuner.batch_seconds = batch_seconds
    return tuner
"""


@pytest.fixture(scope="module")
def ipython():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    result = shell.run_cell("%load_ext kt_widgets")
    result.raise_error()
    shell.kt_widgets_test_names = set(shell.user_ns)
    return shell


@pytest.fixture
def shell(ipython, tmp_path, monkeypatch):
    """The shell, in a fresh directory, with the model-free tuner defined."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KT_WIDGETS_BACKGROUND", raising=False)
    magics = ipython.magics_manager.registry["TuneMagics"]
    magics.searches.clear()
    for name in set(ipython.user_ns) - ipython.kt_widgets_test_names:
        del ipython.user_ns[name]  # a fresh namespace (reset() would take a slow gc)
    run(ipython, TUNER_CELL)
    yield ipython
    for tuner in magics.searches.values():  # leave no search behind
        if tuner.status in st.ACTIVE_STATUSES and "stop" not in tuner.blocked_controls():
            tuner.stop()
        tuner.wait(10)


def run(shell, code):
    result = shell.run_cell(code)
    result.raise_error()
    return result


def usage_error(shell, capsys, code):
    """Run `code`; it must fail with one line of UsageError and no traceback."""
    capsys.readouterr()
    result = shell.run_cell(code)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("UsageError: %tune: ")
    return lines[0]


def trials(tuner):
    return [
        (t.trial_id, t.status, t.score, t.hyperparameters.values)
        for t in sorted(tuner.oracle.trials.values(), key=lambda t: int(t.trial_id))
    ]


def keras_tuner_files(project: Path) -> dict[str, object]:
    """keras_tuner's files of a project (ours left out), parsed."""
    return {
        str(path.relative_to(project)): json.loads(path.read_text())
        for path in sorted(project.rglob("*"))
        if path.is_file() and not path.name.startswith("kt_widgets")
    }


def test_load_ext_registers_the_line_and_cell_magic(ipython):
    assert isinstance(ipython.find_line_magic("tune").__self__, TuneMagics)
    assert isinstance(ipython.find_cell_magic("tune").__self__, TuneMagics)


def test_help_shows_every_form_with_examples(shell, capsys):
    run(shell, "%tune --help")
    text = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert f"%tune {name}" in text
    assert "%tune tuner.search(x, y, epochs=5, validation_split=0.2)" in text
    assert "%%tune random --objective val_accuracy" in text
    assert "kt_widgets.search(TUNER, ARGS)" in text


def test_tune_runs_a_plain_tuner_subclass_as_a_plain_search_would(shell):
    # keras_tuner in the foreground, quiet as a background search is (its printing
    # keeps start times in oracle.json).
    run(shell, "plain = quadratic('plain')\nplain.search(verbose=0)")
    run(shell, "tuner = quadratic('magic')")
    run(shell, "%tune tuner.search()")
    run(shell, "%tune wait")
    plain, tuner = shell.user_ns["plain"], shell.user_ns["tuner"]
    # Wrapped in place: the same object, still of the user's class, now with the dashboard.
    assert isinstance(tuner, shell.user_ns["Quadratic"]) and type(tuner).__name__ == "Quadratic"
    assert tuner.status == "finished" and len(tuner.search_state.trial_ids()) == 4
    assert trials(tuner) == trials(plain)
    assert keras_tuner_files(Path("runs/magic")) == keras_tuner_files(Path("runs/plain"))
    assert tuner.get_best_hyperparameters()[0].values == plain.get_best_hyperparameters()[0].values
    # And our per-epoch logs beside each trial.
    assert len(list(Path("runs/magic").glob("trial_*/kt_widgets_epochs.json"))) == 4


def test_the_python_call_wraps_in_place_once(shell, capsys):
    run(shell, "a = quadratic('a')\nb = quadratic('b')")
    a, b = shell.user_ns["a"], shell.user_ns["b"]
    plain_class = type(a)
    assert ktw.wrap(a) is a and ktw.wrap(a) is a
    assert ktw.wrap(b) is b and type(a) is type(b)  # one subclass per plain class
    assert issubclass(type(a), plain_class) and isinstance(a, NotebookTunerMixin)
    ktw.search(b, background=False)
    assert b.status == "finished" and [t[1] for t in trials(b)] == ["COMPLETED"] * 4
    capsys.readouterr()
    run(shell, "%tune list")  # a search started from Python, by its name in the notebook
    assert capsys.readouterr().out.startswith("b: finished · 4/4 trials")
    with pytest.raises(TypeError, match="keras_tuner tuner"):
        ktw.wrap(object())


def test_builtin_kt_widgets_tuners_are_left_as_they_are(shell):
    tuner = ktw.RandomSearch(
        lambda hp: None, objective="loss", max_trials=1, directory="runs", project_name="k"
    )
    cls = type(tuner)
    assert ktw.wrap(tuner) is tuner and type(tuner) is cls


def test_tune_returns_at_once_and_subcommands_act_on_the_latest_or_named(shell, capsys):
    run(shell, "a = quadratic('a', batch_seconds=0.05)\nb = quadratic('b', batch_seconds=0.05)")
    run(shell, "%tune a.search()")
    run(shell, "%tune b.search()")
    a, b = shell.user_ns["a"], shell.user_ns["b"]
    assert a.status == b.status == "running"  # both returned at once
    capsys.readouterr()
    run(shell, "%tune pause a")
    run(shell, "%tune status")  # the latest: b
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("a: pausing") or out[0].startswith("a: paused")
    assert out[1].startswith("b: running")
    assert a.control.pause_requested and not b.control.pause_requested
    run(shell, "%tune list")
    listed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in listed] == ["a", "b"]
    run(shell, "%tune stop")  # b
    run(shell, "%tune resume a")
    run(shell, "%tune wait b")
    assert b.status == "stopped" and b.search_state.summary().trials_done < 4
    run(shell, "%tune wait a")
    assert a.status == "finished"
    assert capsys.readouterr().out.splitlines()[-1].startswith("a: finished · 4/4 trials · best")


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("%tune --bogus", "unknown option '--bogus'"),
        ("%tune nothing.search(epochs=1)", "no tuner 'nothing'"),
        ("%tune tuner.search(x_train, epochs=1", "syntax error"),
        ("%tune tuner.search(x_missing, epochs=1)", "'x_missing' is not defined"),
        ("%tune tuner.fit(epochs=1)", "expected <tuner>.search(...)"),
        ("%tune time.search()", "not a keras_tuner tuner"),
        ("%tune status nobody", "no search named 'nobody'"),
        ("%tune status --json", "%tune status has no option --json"),
        ("%tune status", "no search running or started by %tune"),
        ("%tune pause tuner", "not a kt_widgets tuner"),
        ("%tune list everything", "takes no arguments"),
        # The cell magic's line typed as a line magic: say which form it is.
        ("%tune random --max-trials 3 --data x y", "'random' is an algorithm of the cell magic"),
        ("%tune hyperband", "cell that starts with %%tune hyperband"),
        ("%tune --max-trials", "'--max-trials' is an option of the cell magic %%tune"),
        ("%tune --data=x_train", "'--data' is an option of the cell magic %%tune"),
    ],
)
def test_a_bad_line_gives_one_line_and_starts_nothing(shell, capsys, code, says):
    run(shell, "tuner = quadratic('bad')")
    threads = threading.active_count()
    assert says in usage_error(shell, capsys, code)
    tuner = shell.user_ns["tuner"]
    assert not hasattr(tuner, "search_state") or tuner.status == "idle"
    assert threading.active_count() == threads
    assert not any(Path("runs/bad").glob("trial_*"))


def test_watch_binds_a_read_only_view_of_a_project_on_disk(shell, capsys):
    run(shell, "plain = quadratic('elsewhere', max_trials=3)\nplain.search(verbose=0)")
    files = keras_tuner_files(Path("runs/elsewhere"))
    run(shell, "%tune watch runs elsewhere --name seen --interval 0.2")
    handle = shell.user_ns["seen"]
    try:
        assert isinstance(handle, ktw.Watch)
        table = handle.trials_dataframe()
        assert sorted(table["trial_id"]) == sorted(t[0] for t in trials(shell.user_ns["plain"]))
        assert set(table["status"]) == {"COMPLETED"}
        assert capsys.readouterr().out.startswith("seen = <kt_widgets watch of ")
    finally:
        handle.close()
    assert keras_tuner_files(Path("runs/elsewhere")) == files


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("%tune watch runs", "the following arguments are required: project_name"),
        ("%tune watch nowhere digits", "There is no directory 'nowhere' to watch."),
        ("%tune watch runs digits --interval 0", "expected a positive number of seconds"),
        ("%tune watch runs digits --name 2x", "--name takes a Python name"),
        ("%tune watch runs digits --every 3", "unrecognized arguments: --every 3"),
    ],
)
def test_a_bad_watch_line_gives_one_line_and_watches_nothing(shell, capsys, code, says):
    Path("runs").mkdir()
    threads = threading.active_count()
    assert says in usage_error(shell, capsys, code)
    assert threading.active_count() == threads
    assert "watcher" not in shell.user_ns


def test_subcommands_without_a_name_act_on_the_latest_search_started_from_python(shell, capsys):
    run(shell, "import kt_widgets\nfirst = quadratic('first', batch_seconds=0.05)")
    run(shell, "second = quadratic('second', batch_seconds=0.05)")
    run(shell, "kt_widgets.search(first, background=True)")
    run(shell, "kt_widgets.search(second, background=True)")
    try:
        capsys.readouterr()
        run(shell, "%tune pause")
        assert capsys.readouterr().out.startswith("second: ")
        assert shell.user_ns["second"].control.pause_requested
        assert not shell.user_ns["first"].control.pause_requested
        # A wrong name lists the searches started from Python too.
        assert "(searches: first, second)" in usage_error(shell, capsys, "%tune stop third")
    finally:
        for name in ("first", "second"):
            tuner = shell.user_ns[name]
            tuner.control.resume()
            tuner.stop()
            tuner.wait(10)


def test_a_second_search_of_a_running_tuner_is_refused_in_one_line(shell, capsys):
    run(shell, "tuner = quadratic('twice', batch_seconds=0.05)")
    run(shell, "%tune tuner.search()")
    assert "is running: %tune wait tuner" in usage_error(shell, capsys, "%tune tuner.search()")
    run(shell, "%tune stop")


CELL_LINE = "random --max-trials 2 --data x y --epochs 1 --directory runs --project-name cell"
MODEL_CELL = "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\nmodel"


@pytest.mark.parametrize(
    ("line", "cell", "says"),
    [
        # C02a: the direction of an unknown metric cannot be inferred.
        (CELL_LINE + " --objective val_my_score", MODEL_CELL, "add --direction min or"),
        ("simulated " + CELL_LINE, MODEL_CELL, "invalid choice: 'simulated'"),
        (CELL_LINE + " --max-trails 3", MODEL_CELL, "unrecognized arguments: --max-trails"),
        (CELL_LINE + " --epochs zero", MODEL_CELL, "expected a whole number"),
        (CELL_LINE.replace("--data x y", "--data x y_missing"), MODEL_CELL, "no dataset 'y_m"),
        (CELL_LINE + " --validation-data x_val", MODEL_CELL, "no dataset 'x_val'"),
        (CELL_LINE + " --validation-split 1.5", MODEL_CELL, "fraction between 0 and 1"),
        (CELL_LINE + " --name 2tuner", MODEL_CELL, "--name takes a Python name"),
        (CELL_LINE.replace("random", "hyperband"), MODEL_CELL, "hyperband has no --max-trials"),
        (CELL_LINE + " --factor 3", MODEL_CELL, "an option of hyperband only"),
        (CELL_LINE + " --project-name 'open", MODEL_CELL, "cannot read the line"),
        (CELL_LINE, "model = keras.Sequential([\n", "syntax error in the cell, line 1"),
        (CELL_LINE, "layers = 3", "must assign the model to `model`"),
        (CELL_LINE, "units = hp.Int('u', 1, 4)\nundefined_builder(units)", "NameError"),
        # No data: keras_tuner would start trials that all fail.
        (CELL_LINE.replace("--data x y ", ""), MODEL_CELL, "--data is required"),
        # The line magic's forms given a cell.
        ("status", MODEL_CELL, "'status' is a subcommand of the line magic %tune"),
        ("tuner.search(x, y)", MODEL_CELL, "TUNER.search(...) is a form of the line magic"),
    ],
)
def test_a_bad_cell_gives_one_line_and_makes_no_tuner(shell, capsys, line, cell, says):
    run(shell, "import keras\nx = [[0.0] * 4] * 8\ny = [0] * 8")
    threads = threading.active_count()
    message = usage_error(shell, capsys, f"%%tune {line}\n{cell}")
    assert says in message
    assert "tuner" not in shell.user_ns
    assert threading.active_count() == threads
    assert not Path("runs/cell/oracle.json").exists()


def test_a_cell_error_names_its_line(shell, capsys):
    run(shell, "x = [[0.0] * 4] * 8\ny = [0] * 8")
    cell = "units = hp.Int('u', 1, 4)\nundefined_builder(units)"
    message = usage_error(shell, capsys, f"%%tune {CELL_LINE}\n{cell}")
    assert message.endswith("NameError: name 'undefined_builder' is not defined (cell line 2)")


# C21: %tune returns at once; Pause and Resume by the dashboard's buttons (click()
# on the main thread, as a frontend's message would); 5 COMPLETED trials, none
# lost or duplicated, none left RUNNING on disk.
def test_pause_and_resume_by_the_buttons_loses_and_repeats_no_trial(shell):
    run(shell, "tuner = quadratic('c21', max_trials=5, batch_seconds=0.02)")
    run(shell, "%tune tuner.search()")
    tuner = shell.user_ns["tuner"]
    state = tuner.search_state
    assert tuner.status == "running" and state.summary().trials_done < 5  # returned at once
    header = tuner.dashboard.header
    assert wait_for(lambda: state.summary().running_trial == "1")  # trial 2 of 5
    header.pause_button.click()
    assert wait_for(lambda: tuner.status == "paused")
    held = tuner.batches
    threading.Event().wait(0.3)
    assert tuner.batches == held  # paused means no batch runs
    assert state.summary().running_trial == "1"
    header.resume_button.click()
    run(shell, "%tune wait")
    assert tuner.status == "finished"
    ids = [t.trial_id for t in tuner.oracle.trials.values()]
    assert sorted(ids, key=int) == ["0", "1", "2", "3", "4"]
    saved = [json.loads(p.read_text()) for p in Path("runs/c21").glob("trial_*/trial.json")]
    assert sorted(t["status"] for t in saved) == ["COMPLETED"] * 5
    assert [r.status for r in state.trials()] == ["COMPLETED"] * 5


def wait_for(predicate, timeout=20.0):
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        event.wait(0.01)
    return False


def test_a_foreground_search_says_so_through_the_environment(shell, monkeypatch):
    monkeypatch.setenv("KT_WIDGETS_BACKGROUND", "0")
    run(shell, "tuner = quadratic('fg')")
    run(shell, "%tune tuner.search()")  # runs to the end before it returns
    assert shell.user_ns["tuner"].status == "finished"


def test_keras_tuner_oracle_objects_survive_the_wrapping(shell):
    run(shell, "tuner = quadratic('same')")
    tuner = shell.user_ns["tuner"]
    oracle, hypermodel = tuner.oracle, tuner.hypermodel
    run(shell, "%tune tuner.search()\n%tune wait")
    assert tuner.oracle is oracle and tuner.hypermodel is hypermodel
    assert isinstance(tuner.oracle, keras_tuner.oracles.RandomSearchOracle)


@pytest.mark.parametrize(
    ("line", "tuner_class", "tuner_kwargs"),
    [
        (
            "random --objective val_accuracy --max-trials 3 --seed 1 --overwrite",
            ktw.RandomSearch,
            {"objective": "val_accuracy", "max_trials": 3, "seed": 1, "overwrite": True},
        ),
        ("bayesian --max_trials 4", ktw.BayesianOptimization, {"max_trials": 4}),
        ("hyperband --max-epochs 9 --factor 3", ktw.Hyperband, {"max_epochs": 9, "factor": 3}),
        ("grid --directory d --project-name p", ktw.GridSearch, {"directory": "d"}),
    ],
)
def test_the_cell_line_names_the_algorithm_and_its_options(line, tuner_class, tuner_kwargs):
    namespace = {"x": [1], "y": [2], "xv": [3]}
    spec = parse_cell(f"{line} --data x y --validation-data xv --epochs 2", "hp", namespace, "c")
    assert spec.name == "tuner" and spec.tuner_class is tuner_class
    assert tuner_kwargs.items() <= spec.tuner_kwargs.items()
    assert spec.search_args == [[1], [2]]
    assert spec.search_kwargs == {"epochs": 2, "validation_data": [3]}
    if "objective" not in tuner_kwargs:
        assert spec.tuner_kwargs["objective"] == "val_loss"  # as there is validation data


def test_a_direction_makes_an_objective_of_any_metric():
    line = "random --objective val_my_score --direction max --data x"
    spec = parse_cell(line, "hp", {"x": [1]}, "c")
    objective = spec.tuner_kwargs["objective"]
    assert (objective.name, objective.direction) == ("val_my_score", "max")
    assert spec.tuner_kwargs["hypermodel"](7) == 7  # the cell's last line is returned


def test_only_the_magics_module_imports_ipythons_magic_machinery():
    package = Path(ktw.__file__).parent
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.startswith("IPython.core.magic") for name in names):
                importers.add(path.name)
    assert importers == {"magics.py"}
    # And `import kt_widgets` leaves it out: magics is imported inside the hook.
    top = ast.parse((package / "__init__.py").read_text()).body
    modules = [n.module for n in top if isinstance(n, ast.ImportFrom)]
    assert "kt_widgets.magics" not in modules


@pytest.mark.keras
def test_the_cell_magic_makes_binds_and_starts_a_tuner_on_the_digits(shell):
    run(
        shell,
        "import keras\nfrom sklearn.datasets import load_digits\n"
        "digits = load_digits()\nx, y = digits.data[:400] / 16.0, digits.target[:400]",
    )
    run(
        shell,
        "%%tune random --objective val_accuracy --max-trials 2 --seed 3 --data x y --epochs 1 "
        "--validation-split 0.25 --directory runs --project-name digits --name digits_tuner\n"
        "units = hp.Int('units', 8, 32)\n"
        "model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(units)])\n"
        "model.add(keras.layers.Dense(10, activation='softmax'))\n"
        "model.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])\n",
    )
    tuner = shell.user_ns["digits_tuner"]
    assert type(tuner) is ktw.RandomSearch and tuner.status in ("running", "finished")
    assert tuner.oracle.objective.name == "val_accuracy" and tuner.oracle.max_trials == 2
    run(shell, "%tune wait digits_tuner")
    assert tuner.status == "finished"
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"] * 2
    assert all(0.0 <= t.score <= 1.0 for t in tuner.oracle.trials.values())
    assert {"units"} == set(tuner.get_best_hyperparameters()[0].values)
    assert Path("runs/digits/oracle.json").exists()


# C19: in a real kernel, the dashboard's widgets advance while no cell runs (the
# updates come from the pump thread), and the search thread prints no exception.
def test_in_a_kernel_the_dashboard_advances_while_no_cell_runs(tmp_path):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        setup = TUNER_CELL + "\n%load_ext kt_widgets\ntuner = quadratic('c19', 3, 0.05)"
        assert client.execute_interactive(setup, timeout=120)["content"]["status"] == "ok"
        msg_id = client.execute("%tune tuner.search()")
        reply = client.get_shell_msg(timeout=60)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "ok"
        # The cell has returned: from here on no cell runs, and the widgets' models
        # must still change, up to the end of the search.
        kinds, progress, headers, streams = {}, [], [], []
        finished = False
        deadline = time.monotonic() + 60
        while not (finished and progress[-1:] == [1.0]) and time.monotonic() < deadline:
            try:
                msg = client.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            content, kind = msg["content"], msg["msg_type"]
            if kind == "stream":
                streams.append(content["text"])
            if kind not in ("comm_open", "comm_msg"):
                continue
            state = content.get("data", {}).get("state", {})
            if kind == "comm_open":
                kinds[content["comm_id"]] = state.get("_model_name")
            model = kinds.get(content["comm_id"])
            if model == "FloatProgressModel" and "value" in state:
                progress.append(state["value"])
            if model == "HTMLModel" and "ktw-header" in state.get("value", ""):
                headers.append(state["value"])
                finished = 'data-status="finished"' in state["value"]
        assert finished, headers[-1:]
        assert progress == sorted(progress) and progress[-1] == 1.0 and len(set(progress)) >= 3
        assert not any("Traceback" in text or "Exception" in text for text in streams)
        check = client.execute_interactive(
            "print(tuner.status, [t.status for t in tuner.oracle.trials.values()])",
            timeout=30,
            output_hook=lambda msg: streams.append(msg["content"].get("text", "")),
        )
        assert check["content"]["status"] == "ok"
        assert "finished ['COMPLETED', 'COMPLETED', 'COMPLETED']" in "".join(streams)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_stop_now_and_continue_by_the_magic(shell):
    run(shell, "t = quadratic('again', max_trials=2, batch_seconds=0.02)")
    run(shell, "%tune t.search()")
    tuner = shell.user_ns["t"]
    assert wait_for(lambda: getattr(tuner, "batches", 0) >= 2)
    run(shell, "%tune stop-now t")
    run(shell, "%tune wait t")
    assert tuner.status == "stopped"
    assert [r.status for r in tuner.search_state.trials()] == ["STOPPED"]
    run(shell, "%tune continue t")  # the stopped trial runs again, then the next
    run(shell, "%tune wait t")
    assert tuner.status == "finished"
    assert [(r.trial_id, r.status) for r in tuner.search_state.trials()] == [
        ("0", "COMPLETED"),
        ("1", "COMPLETED"),
    ]
