"""Wall time of one search, side by side: kt_widgets' live dashboard vs plain keras_tuner.

The same search (the digits, a small dense model, RandomSearch with fixed seeds)
runs in four ways in one real Jupyter kernel driven by nbclient, which acts as
the notebook frontend (it receives and records every output and widget message):

- keras_tuner, verbose=0 (the baseline: nothing shown),
- keras_tuner, verbose=1 (its progress tables and bars),
- keras_tuner with livelossplot's Keras callback (a common way to get live curves),
- kt_widgets, with its dashboard displayed and live (what `search()` does in a notebook).

The machine is shared and noisy, so the four searches of a round take turns
trial by trial (each tuner resumes its search one trial further, as keras_tuner
does when max_trials grows), in an order that rotates at every trial: a slow
spell of the machine hits every way alike. Each way's search time is the sum of
its trials' steps, and is compared with the baseline of its own round. Printed:
per way the median of these paired ratios over the rounds, with their spread,
for wall time and for the CPU time of the kernel (all its threads).

    python benchmarks/overhead.py [--rounds 4] [--trials 8] [--epochs 5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import textwrap
import time

import nbclient
import nbformat

SETUP = """
import json, time
import keras, keras_tuner
from livelossplot.inputs.keras import PlotLossesCallback
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

# Each way: the tuner class, the extra arguments of search(), what ends the cell.
WAYS = {
    "keras_tuner verbose=0": ("keras_tuner.RandomSearch", "verbose=0", ""),
    "keras_tuner verbose=1": ("keras_tuner.RandomSearch", "verbose=1", ""),
    "keras_tuner + livelossplot": (
        "keras_tuner.RandomSearch",
        "verbose=0, callbacks=[PlotLossesCallback()]",
        "",
    ),
    # search() as a user writes it; it returns at once and the dashboard shows.
    "kt_widgets dashboard": ("ktw.RandomSearch", "", "tuner.wait()"),
}
BASELINE = "keras_tuner verbose=0"

# One trial of a search: the tuner of (way, round) is made at its first trial
# and searches one trial further at each step, so that the ways can take turns
# trial by trial (keras_tuner resumes a search when max_trials grows).
STEP = """
key = ({way!r}, {round})
started, cpu_started = time.perf_counter(), time.process_time()
if {step} == 1:
    keras.utils.set_random_seed(1)
    tuners[key] = {cls}(build_model, objective="val_accuracy", max_trials=1, seed=1,
                        directory={directory!r}, project_name="p{index}", overwrite=True)
tuner = tuners[key]
tuner.oracle.max_trials = {step}
tuner.search(x_train, y_train, epochs={epochs}, validation_data=(x_val, y_val), {arguments})
{end}
print(json.dumps({{"way": {way!r}, "round": {round}, "step": {step},
                  "seconds": time.perf_counter() - started,
                  "cpu": time.process_time() - cpu_started,
                  "trials": len(tuner.oracle.trials)}}))
"""


def cell(way: str, round_: int, step: int, epochs: int, directory: str) -> nbformat.NotebookNode:
    cls, arguments, end = WAYS[way]
    index = f"{round_}_{list(WAYS).index(way)}"
    code = STEP.format(
        cls=cls,
        arguments=arguments,
        end=end,
        way=way,
        round=round_,
        step=step,
        index=index,
        epochs=epochs,
        directory=directory,
    )
    return nbformat.v4.new_code_cell(textwrap.dedent(code))


def results(notebook) -> list[dict]:
    found = []
    for code_cell in notebook.cells:
        for output in code_cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith('{"way"'):
                    found.append(json.loads(line))
    return found


def quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, high


def totals(runs: list[dict], key: str) -> dict[str, list[float]]:
    """Per way, the whole search's `key` (the sum of its steps), one per round."""
    sums: dict[str, dict[int, float]] = {way: {} for way in WAYS}
    for run in runs:
        by_round = sums[run["way"]]
        by_round[run["round"]] = by_round.get(run["round"], 0.0) + run[key]
    return {way: [by_round[r] for r in sorted(by_round)] for way, by_round in sums.items()}


def report(runs: list[dict], key: str, label: str) -> None:
    searches = totals(runs, key)
    base = searches[BASELINE]
    print(f"\n{label} of the search: median s (each round) | ratio to {BASELINE}, ", end="")
    print("paired by round: median [interquartile range] (min-max)")
    for way, values in searches.items():
        paired = [v / b for v, b in zip(values, base, strict=True)]
        low, high = quartiles(paired)
        each = " ".join(f"{v:.1f}" for v in values)
        print(
            f"  {way:<28} {statistics.median(values):6.1f} s ({each})"
            f" | {statistics.median(paired):.3f} [{low:.3f}-{high:.3f}]"
            f" ({min(paired):.3f}-{max(paired):.3f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 2
    directory = tempfile.mkdtemp(prefix="ktw-overhead-")
    ways = list(WAYS)
    # First, each way once, untimed: TensorFlow's, matplotlib's and the
    # widgets' first-use costs are nobody's overhead.
    cells = [nbformat.v4.new_code_cell(SETUP + "\ntuners = {}")]
    cells += [cell(way, -1, 1, 1, directory) for way in ways]
    warm_up = len(cells)
    # Rounds of searches that take turns trial by trial, in an order that
    # rotates at every trial: a slow spell of the machine hits every way alike.
    turn = 0
    for r in range(args.rounds):
        for step in range(1, args.trials + 1):
            order = ways[turn % len(ways) :] + ways[: turn % len(ways)]
            cells += [cell(way, r, step, args.epochs, directory) for way in order]
            turn += 1
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = nbclient.NotebookClient(
        notebook, timeout=3600, kernel_name="python3", store_widget_state=True
    )
    started = time.perf_counter()
    with client.setup_kernel():
        for index, code_cell in enumerate(notebook.cells):
            client.execute_cell(code_cell, index)
            for run in results(nbformat.v4.new_notebook(cells=[code_cell])):
                if index >= warm_up and run["step"] == args.trials:  # progress
                    print(f"  round {run['round'] + 1} done: {run['way']}", flush=True)
    elapsed = time.perf_counter() - started
    runs = results(nbformat.v4.new_notebook(cells=notebook.cells[warm_up:]))
    expected = args.rounds * args.trials * len(ways)
    assert len(runs) == expected, f"{len(runs)} of {expected} trials reported"
    assert all(run["trials"] == run["step"] for run in runs), "a step ran no trial"
    print(
        f"{args.rounds} rounds x {len(ways)} ways, each a search of {args.trials} trials x "
        f"{args.epochs} epochs on the digits, taking turns trial by trial "
        f"({elapsed / 60:.1f} min in all)"
    )
    report(runs, "seconds", "Wall time")
    report(runs, "cpu", "CPU time of the kernel (all threads)")


if __name__ == "__main__":
    main()
