"""Every control of a search, driven while real Keras models train on the digits.

Small batches give a trial many batches, so a control asked mid-epoch lands
mid-epoch. A pause is the test's sync point: the search holds at a known batch,
then the control under test is asked, and the search released.
"""

import inspect
import json
import os
import textwrap
import time

import pytest
from digits_support import build_model, digits_split

import kt_widgets as ktw
from kt_widgets import store

pytestmark = pytest.mark.keras

TRAIN = 960
BATCH = 8
BATCHES_PER_EPOCH = TRAIN // BATCH  # 120


@pytest.fixture(scope="module")
def digits():
    return digits_split(TRAIN, 1260)


class CountingSearch(ktw.RandomSearch):
    """Counts the training batches each trial runs, as seen by the tuner's hook."""

    def __init__(self, *args, **kwargs):
        self.batches: dict[str, int] = {}
        super().__init__(*args, **kwargs)

    def on_batch_end(self, trial, model, batch, logs=None):
        self.batches[trial.trial_id] = self.batches.get(trial.trial_id, 0) + 1
        super().on_batch_end(trial, model, batch, logs=logs)


def make(tmp_path, max_trials, overwrite=True, cls=CountingSearch):
    return cls(
        build_model,
        objective="val_accuracy",
        max_trials=max_trials,
        seed=4,
        directory=str(tmp_path),
        project_name="controls",
        overwrite=overwrite,
    )


def fit_args(digits, epochs, batch_size=BATCH):
    x, y, x_val, y_val = digits
    return (x, y), dict(epochs=epochs, batch_size=batch_size, validation_data=(x_val, y_val))


def wait_for(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def pause_in(tuner, trial_id, after_batches=5):
    """Pause once `trial_id` has run `after_batches`; returns its batches when held."""
    assert wait_for(lambda: tuner.batches.get(trial_id, 0) >= after_batches)
    asked_at = tuner.batches[trial_id]
    tuner.pause()
    assert wait_for(lambda: tuner.status == "paused", timeout=10)
    held_at = tuner.batches[trial_id]
    assert held_at - asked_at <= 1, "a pause takes effect within one batch"
    return held_at


def epochs_of(tuner, trial_id):
    return [[epoch for epoch, _ in points] for points in tuner.search_state.curves(trial_id)]


def trial_file(tuner, trial_id):
    with open(os.path.join(tuner.get_trial_dir(trial_id), "trial.json")) as f:
        return json.load(f)


def test_pause_holds_before_the_first_trial_and_inside_one_without_cpu(tmp_path, digits):
    tuner = make(tmp_path, max_trials=1)
    args, kwargs = fit_args(digits, epochs=2)
    tuner.search(*args, background=True, **kwargs)
    tuner.pause()  # before the first trial: it holds before creating one
    assert wait_for(lambda: tuner.status == "paused", timeout=30)
    time.sleep(0.3)
    assert tuner.oracle.trials == {} and tuner.batches == {}
    tuner.resume()

    held_at = pause_in(tuner, "0", after_batches=20)
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(1.5)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert tuner.batches["0"] == held_at, "no batch runs while paused"
    assert cpu < 0.1 * wall, f"a paused search used {cpu:.2f} s of CPU in {wall:.1f} s"
    assert tuner.search_state.status == "paused" and epochs_of(tuner, "0") in ([], [[0]])
    with pytest.raises(RuntimeError, match="Cannot pause: the search is already paused"):
        tuner.pause()

    tuner.resume()
    assert tuner.wait(timeout=120)
    assert tuner.status == "finished"
    # The same trial went on from the held batch: no epoch lost or repeated.
    assert tuner.batches == {"0": 2 * BATCHES_PER_EPOCH}
    assert epochs_of(tuner, "0") == [[0, 1]]
    assert trial_file(tuner, "0")["status"] == "COMPLETED"
    assert store.read_curves(tuner.get_trial_dir("0")) == tuner.search_state.curves("0")


def test_skip_stop_now_continue_and_stop_keep_every_trial(tmp_path, digits):
    tuner = make(tmp_path, max_trials=3)
    args, kwargs = fit_args(digits, epochs=3)
    tuner.search(*args, background=True, **kwargs)

    # Skip trial 0 in its first epoch: it ends after that epoch, and its score counts.
    pause_in(tuner, "0")
    tuner.skip_trial()
    assert "skip_trial" in tuner.blocked_controls()  # asked once
    tuner.resume()
    assert wait_for(lambda: tuner.search_state.trial("0").status != "RUNNING")
    skipped = tuner.search_state.trial("0")
    assert skipped.status == "SKIPPED" and "Skipped by the user" in skipped.message
    assert epochs_of(tuner, "0") == [[0]] and tuner.batches["0"] == BATCHES_PER_EPOCH
    assert tuner.oracle.trials["0"].status == "COMPLETED"  # keras_tuner keeps its score
    assert tuner.oracle.trials["0"].score == pytest.approx(
        tuner.search_state.curves("0")[0][0][1]["val_accuracy"]
    )

    # Stop now in trial 1: it ends at once, STOPPED, not completed with a partial score.
    held_at = pause_in(tuner, "1")
    tuner.stop_now()
    assert tuner.wait(timeout=60)
    assert tuner.status == "stopped"
    assert tuner.batches["1"] == held_at, "stop now ends the trial at the next batch"
    assert sorted(tuner.oracle.trials) == ["0", "1"]  # no new trial started
    stopped = tuner.search_state.trial("1")
    assert stopped.status == "STOPPED" and stopped.score is None
    assert "runs again" in stopped.message
    assert trial_file(tuner, "1")["status"] == "STOPPED"
    assert trial_file(tuner, "1")["score"] is None
    assert store.read_ended_by(tuner.get_trial_dir("1")) == "stop"
    assert tuner.search_state.summary().trials_done == 1
    with pytest.raises(RuntimeError, match="Cannot pause: the search has stopped"):
        tuner.pause()
    with pytest.raises(ValueError, match="at least 2: 2 trials exist"):
        tuner.max_trials = 1
    assert tuner.max_trials == 3  # the refused value changed nothing

    # Continue: trial 1 runs again under its id, whole; then trial 2.
    tuner.continue_search()
    assert tuner.wait(timeout=180)
    assert tuner.status == "finished"
    assert sorted(tuner.oracle.trials) == ["0", "1", "2"]
    assert [r.status for r in tuner.search_state.trials()] == ["SKIPPED", "COMPLETED", "COMPLETED"]
    assert epochs_of(tuner, "1") == [[0, 1, 2]] and epochs_of(tuner, "2") == [[0, 1, 2]]
    assert trial_file(tuner, "1")["status"] == "COMPLETED"
    assert trial_file(tuner, "1")["message"] is None  # the stop note went with the re-run
    assert "continue" in tuner.blocked_controls()  # the budget is spent

    # More trials by raising the budget and calling search() again; Stop in trial 3
    # lets it finish and starts no other.
    tuner.max_trials = 5
    tuner.search(*args, background=True, **kwargs)
    assert wait_for(lambda: tuner.batches.get("3", 0) >= 5)
    tuner.stop()
    assert tuner.wait(timeout=120)
    assert tuner.status == "stopped"
    assert sorted(tuner.oracle.trials) == ["0", "1", "2", "3"]
    assert tuner.batches["3"] == 3 * BATCHES_PER_EPOCH and epochs_of(tuner, "3") == [[0, 1, 2]]
    assert tuner.oracle.trials["3"].status == "COMPLETED"

    # A tuner built again on the project shows it all, the skipped trial as such.
    again = make(tmp_path, max_trials=5, overwrite=False)
    assert [(r.trial_id, r.status) for r in again.search_state.trials()] == [
        ("0", "SKIPPED"),
        ("1", "COMPLETED"),
        ("2", "COMPLETED"),
        ("3", "COMPLETED"),
    ]
    for trial_id in "0123":
        assert again.search_state.curves(trial_id) == tuner.search_state.curves(trial_id)


def test_a_second_search_or_a_busy_project_is_refused_while_one_runs(tmp_path, digits):
    tuner = make(tmp_path, max_trials=2)
    args, kwargs = fit_args(digits, epochs=2, batch_size=64)
    tuner.search(*args, background=True, **kwargs)
    with pytest.raises(RuntimeError, match="tuner.wait"):
        tuner.search(*args, background=True, **kwargs)
    with pytest.raises(RuntimeError, match="still writing to"):
        make(tmp_path, max_trials=2)
    with pytest.raises(RuntimeError, match="Cannot continue: the search is running"):
        tuner.continue_search()
    with pytest.raises(TypeError, match="whole number"):
        tuner.max_trials = "4"
    tuner.max_trials = 3  # while it runs: from the next trial on
    assert tuner.wait(timeout=120)
    assert sorted(tuner.oracle.trials) == ["0", "1", "2"]


# The kernel process is killed, or restarted from Jupyter, while trial 1 trains; a new
# kernel builds the same tuner with overwrite=False and continues.
KERNEL_SEARCH = """
import keras
from sklearn.datasets import load_digits
import kt_widgets as ktw
{build_model}
data = load_digits()
x = (data.data / 16.0).astype("float32")
def make(overwrite):
    return ktw.RandomSearch(build_model, objective="val_accuracy", max_trials=3, seed=4,
                            directory={directory!r}, project_name="recover",
                            overwrite=overwrite)
x_train, y_train = x[:{train}], data.target[:{train}]
validation = (x[{train}:1260], data.target[{train}:1260])
class CountBatches(keras.callbacks.Callback):
    trained = 0
    def on_train_batch_end(self, batch, logs=None):
        CountBatches.trained += 1
fit = dict(epochs=3, batch_size={batch}, validation_data=validation, callbacks=[CountBatches()])
"""

# Registered last, this exit handler runs first of the notebook's (before IPython
# clears its namespace): it notes whether any batch trains while the kernel exits.
EXIT_PROBE = """
import atexit, json, time
def probe():
    before = CountBatches.trained
    time.sleep(1.5)
    with open({path!r}, "w") as f:
        json.dump([before, CountBatches.trained], f)
atexit.register(probe)
"""


def run_in(client, code, timeout=180):
    out = []
    reply = client.execute_interactive(
        code,
        timeout=timeout,
        output_hook=lambda msg: out.append(msg["content"].get("text", "")),
    )
    text = "".join(out)
    assert reply["content"]["status"] == "ok", text + str(reply["content"])
    return text


def outputs_of(client, code):
    """The reply's content and the contents of every output message of `code`."""
    out = []
    reply = client.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m))
    return reply["content"], [m["content"] for m in out if m["msg_type"] != "status"]


def results(outputs):
    return [output["data"] for output in outputs if "data" in output]


def check_the_rerun_cell_and_the_dashboard_shown_again(client):
    # Running the cell that builds the tuner again is refused, and says how to see the
    # dashboard that its output held; the running tuner shown alone is that dashboard.
    reply, _ = outputs_of(client, "tuner = make(True)")
    assert reply["status"] == "error" and "display the running tuner" in reply["evalue"]
    _, shown = outputs_of(client, "tuner")
    view = results(shown)[-1]["application/vnd.jupyter.widget-view+json"]
    model_id = run_in(client, "print(tuner.dashboard.widget.model_id)").strip()
    assert view["model_id"] == model_id
    _, shown = outputs_of(client, "tuner.status, tuner")
    assert "display the tuner alone for its dashboard" in results(shown)[-1]["text/plain"]


@pytest.mark.parametrize("ending", ["killed", "restarted"])
def test_a_kernel_ended_mid_trial_is_recovered_with_overwrite_false(tmp_path, ending):
    from jupyter_client.manager import start_new_kernel

    directory = tmp_path / "runs"
    setup = KERNEL_SEARCH.format(
        build_model=textwrap.dedent(inspect.getsource(build_model)),
        directory=str(directory),
        batch=BATCH,
        train=TRAIN,
    )
    project = directory / "recover"
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        run_in(client, setup)
        run_in(
            client,
            "tuner = make(True)\ntuner.search(x_train, y_train, **fit)",
        )
        check_the_rerun_cell_and_the_dashboard_shown_again(client)
        # Trial 1 has saved an epoch of its curves: end the kernel mid-trial.
        curves = project / "trial_1" / store.CURVES_FILE
        assert wait_for(lambda: curves.exists(), timeout=180), "trial 1 never ran"
        if ending == "killed":
            manager.signal_kernel(9)  # SIGKILL: no cleanup of any kind
        else:
            # JupyterLab's Kernel > Restart: a shutdown_request, then the kernel exits by
            # itself (nothing here kills it, unlike Jupyter after 5 s).
            probe = tmp_path / "exit_probe.json"
            run_in(client, EXIT_PROBE.format(path=str(probe)))
            manager.request_shutdown(restart=True)
        assert wait_for(lambda: not manager.is_alive(), timeout=30), "the kernel did not exit"
        if ending == "restarted":
            before, after = json.loads(probe.read_text())
            assert before == after, f"{after - before} batches trained while the kernel exited"
        # Trial 1 was cut short, not failed; no trial started after it.
        assert json.loads((project / "trial_1" / "trial.json").read_text())["status"] == "RUNNING"
        assert not (project / "trial_2").exists()

        manager.restart_kernel(now=True)  # a fresh kernel process
        client.wait_for_ready(timeout=60)
        run_in(client, setup)
        shown = run_in(
            client,
            "again = make(False)\n"
            "import json\n"
            "print(json.dumps([(r.trial_id, r.status, len(r.executions[0]) if r.executions "
            "else 0) for r in again.search_state.trials()]))",
        )
        restored = json.loads(shown.strip().splitlines()[-1])
        assert restored[0][:2] == ["0", "COMPLETED"] and restored[0][2] == 3
        assert restored[1][:2] == ["1", "INTERRUPTED"] and restored[1][2] >= 1
        assert len(restored) == 2

        done = run_in(
            client,
            "again.search(x_train, y_train, **fit)\nagain.wait()\n"
            "print(json.dumps([(t.trial_id, t.status) for t in again.oracle.trials.values()]))\n"
            "print(json.dumps([[e for e, _ in again.search_state.curves(i)[0]] for i in '012']))",
        )
        trials, epochs = (json.loads(line) for line in done.strip().splitlines()[-2:])
        assert sorted(trials) == [["0", "COMPLETED"], ["1", "COMPLETED"], ["2", "COMPLETED"]]
        assert epochs == [[0, 1, 2]] * 3  # the interrupted trial ran again, whole
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    # Every file of ours is whole, and nothing of a write is left over.
    trial_dirs = sorted(p.name for p in project.glob("trial_*"))
    assert trial_dirs == ["trial_0", "trial_1", "trial_2"]  # no id duplicated or missing
    for trial_dir in project.glob("trial_*"):
        assert len(store.read_curves(str(trial_dir))[0]) == 3
        assert not [n for n in os.listdir(trial_dir) if n.startswith(".kt_widgets-partial")]
