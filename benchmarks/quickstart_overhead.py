"""Wall time of the quickstart search: live dashboard vs plain keras_tuner (verbose=0).

Both run side by side in one real Jupyter kernel driven by nbclient, which acts
as the widget frontend (it receives and records every widget message). The
runs alternate (plain, dashboard, plain, ...) with the same seeds, and the
script prints the median of each and their ratio.

    python benchmarks/quickstart_overhead.py [--repeats 3] [--trials 6] [--epochs 6]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import textwrap

import nbclient
import nbformat

SETUP = """
import json, time
import keras, keras_tuner
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
import kt_widgets as ktw

digits = load_digits()
x = (digits.data / 16.0).astype("float32")
x_train, x_val, y_train, y_val = train_test_split(x, digits.target, test_size=0.25, random_state=0)

def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(64,))])
    for i in range(hp.Int("layers", 1, 2)):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 32, 128, step=32),
                                     activation=hp.Choice("activation", ["relu", "tanh"])))
    model.add(keras.layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("learning_rate", 1e-3, 3e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

RUN = """
keras.utils.set_random_seed(1)
started, cpu_started = time.perf_counter(), time.process_time()
tuner = {cls}(build_model, objective="val_accuracy", max_trials={trials}, seed=1,
              directory={directory!r}, project_name="{name}", overwrite=True)
tuner.search(x_train, y_train, epochs={epochs}, validation_data=(x_val, y_val), verbose=0)
{wait}
print(json.dumps({{"name": "{name}", "seconds": time.perf_counter() - started,
                  "cpu": time.process_time() - cpu_started,
                  "trials": len(tuner.oracle.trials)}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="ktw-bench-")
    # One untimed search first: TensorFlow's first-use costs are no one's overhead.
    warm_up = RUN.format(
        cls="keras_tuner.RandomSearch",
        trials=1,
        epochs=1,
        directory=directory,
        name="warm-up",
        wait="",
    )
    cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(warm_up)]
    variants = [
        ("plain", "keras_tuner.RandomSearch", ""),
        ("dashboard", "ktw.RandomSearch", "tuner.wait()  # the dashboard is displayed and live"),
    ]
    for repeat in range(args.repeats):
        order = variants if repeat % 2 == 0 else variants[::-1]
        for name, cls, wait in order:
            code = RUN.format(
                cls=cls,
                trials=args.trials,
                epochs=args.epochs,
                directory=directory,
                name=name,
                wait=wait,
            )
            cells.append(nbformat.v4.new_code_cell(textwrap.dedent(code)))
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = nbclient.NotebookClient(
        notebook, timeout=3600, kernel_name="python3", store_widget_state=True
    )
    client.execute()
    seconds: dict[str, list[float]] = {"plain": [], "dashboard": [], "warm-up": []}
    cpu: dict[str, list[float]] = {"plain": [], "dashboard": [], "warm-up": []}
    for cell in notebook.cells[1:]:
        for output in cell.outputs:
            for line in output.get("text", "").splitlines():
                if line.startswith("{"):
                    result = json.loads(line)
                    seconds[result["name"]].append(result["seconds"])
                    cpu[result["name"]].append(result["cpu"])
    del seconds["warm-up"]
    plain = statistics.median(seconds["plain"])
    dashboard = statistics.median(seconds["dashboard"])
    print(f"runs: {args.repeats} x {args.trials} trials x {args.epochs} epochs (digits)")
    for name, values in seconds.items():
        print(
            f"{name:>10}: median {statistics.median(values):6.2f} s  "
            f"({', '.join(f'{v:.2f}' for v in values)})"
        )
    print(f"ratio of medians, dashboard / plain verbose=0: {dashboard / plain:.3f}")
    # Each repeat runs both back to back: their ratio cancels slow phases of
    # the machine better than the ratio of medians does.
    paired = [d / p for p, d in zip(seconds["plain"], seconds["dashboard"], strict=True)]
    print(
        f"paired ratios: {', '.join(f'{r:.3f}' for r in paired)}; "
        f"median {statistics.median(paired):.3f}"
    )
    # CPU time of the kernel process (all its threads, the dashboard's pump
    # included) is steadier than wall time on a shared machine.
    cpu_ratio = statistics.median(cpu["dashboard"]) / statistics.median(cpu["plain"])
    for name in ("plain", "dashboard"):
        print(f"{name:>10}: median CPU {statistics.median(cpu[name]):6.2f} s")
    print(f"CPU-time ratio of medians, dashboard / plain verbose=0: {cpu_ratio:.3f}")


if __name__ == "__main__":
    main()
