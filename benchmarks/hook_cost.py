"""Cost of the tuner hooks in the search thread, kt_widgets vs plain keras_tuner.

Calls `on_batch_end` and `on_epoch_end` of a trial the way Keras' callback does,
on a kt_widgets tuner (with its dashboard's state subscriber attached) and on
the plain keras_tuner tuner, and prints microseconds per call.

    python benchmarks/hook_cost.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import keras_tuner

import kt_widgets as ktw


def make(base, directory):
    class Tuner(base):
        def run_trial(self, trial, *args, **kwargs):
            return 0.0

    oracle = keras_tuner.oracles.RandomSearchOracle(max_trials=1, seed=1)
    tuner = Tuner(oracle=oracle, directory=directory, project_name="hooks", overwrite=True)
    trial = tuner.oracle.create_trial(tuner.tuner_id)
    tuner.on_trial_begin(trial)
    return tuner, trial


def per_call(function, calls: int) -> float:
    started = time.perf_counter()
    for i in range(calls):
        function(i)
    return (time.perf_counter() - started) / calls * 1e6


LOGS = {"loss": 0.5, "accuracy": 0.9, "val_loss": 0.6, "val_accuracy": 0.88}


def measure(base, calls: int) -> tuple[float, float]:
    tuner, trial = make(base, tempfile.mkdtemp(prefix="ktw-hooks-"))
    # A live dashboard subscribes to every state change, as in a notebook.
    dashboard = getattr(tuner, "dashboard", None)
    batch = per_call(lambda i: tuner.on_batch_end(trial, None, i, LOGS), calls)
    epoch = per_call(lambda i: tuner.on_epoch_end(trial, None, i, LOGS), calls)
    if dashboard is not None:
        dashboard.close()
    return batch, epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    plain = measure(keras_tuner.Tuner, args.calls)
    ours = measure(ktw.Tuner, args.calls)
    for name, (batch, epoch) in (("keras_tuner", plain), ("kt_widgets", ours)):
        print(f"{name:>12}: on_batch_end {batch:7.2f} µs   on_epoch_end {epoch:7.2f} µs")
    print(
        f"added per call: on_batch_end {ours[0] - plain[0]:.2f} µs, "
        f"on_epoch_end {ours[1] - plain[1]:.2f} µs"
    )


if __name__ == "__main__":
    main()
