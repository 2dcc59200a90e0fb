"""How many training batches run between `tuner.pause()` and the search holding.

Trains a small Keras model on scikit-learn's digits in a kt_widgets search in
the background, pauses it at random moments from the main thread (as a click
or a cell would), and counts the batches that finished after `pause()` was
called and before the status became "paused". Also reports the wall time to
hold and the CPU the process used while held.

    python benchmarks/pause_latency.py [--pauses 30] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import kt_widgets as ktw  # noqa: E402


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(hp.Int("units", 32, 128, step=32), activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class CountingSearch(ktw.RandomSearch):
    """Counts finished training batches in the tuner's own hook, before it may hold."""

    batches = 0

    def on_batch_end(self, trial, model, batch, logs=None):
        self.batches += 1
        super().on_batch_end(trial, model, batch, logs=logs)


def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the search did not get there in time")
        time.sleep(0.0005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pauses", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--hold", type=float, default=0.5, help="seconds held per pause")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    random.seed(args.seed)

    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    tuner = CountingSearch(
        build_model,
        objective="val_accuracy",
        max_trials=1,
        seed=args.seed,
        directory=tempfile.mkdtemp(prefix="ktw-pause-"),
        project_name="pause_latency",
        overwrite=True,
    )
    tuner.search(
        x[:1400],
        data.target[:1400],
        epochs=10_000,  # ended below by stop_now()
        batch_size=args.batch_size,
        validation_data=(x[1400:], data.target[1400:]),
        background=True,
    )
    wait_until(lambda: tuner.batches >= 50)  # past the first batch's tracing

    batches_after, seconds, cpu_share = [], [], []
    for _ in range(args.pauses):
        time.sleep(random.uniform(0.02, 0.3))  # a random moment in training
        asked_at, asked_time = tuner.batches, time.perf_counter()
        tuner.pause()
        wait_until(lambda: tuner.status == "paused")
        seconds.append(time.perf_counter() - asked_time)
        batches_after.append(tuner.batches - asked_at)
        cpu, wall = time.process_time(), time.monotonic()
        time.sleep(args.hold)
        cpu_share.append((time.process_time() - cpu) / (time.monotonic() - wall))
        if tuner.batches != asked_at + batches_after[-1]:
            raise AssertionError("a batch ran while the search was paused")
        tuner.resume()
    tuner.stop_now()
    tuner.wait(timeout=60)

    counts = collections.Counter(batches_after)
    print(f"pauses: {args.pauses}, batch size {args.batch_size}, digits, Keras {keras.__version__}")
    print("batches run between pause() and the search holding:")
    for batches in sorted(counts):
        share = counts[batches] / len(batches_after)
        label = f"{batches} batch" + ("" if batches == 1 else "es")
        print(f"  {label}: {counts[batches]:3d} pauses ({share:.0%})")
    print(
        f"  median {statistics.median(batches_after)}, max {max(batches_after)}; "
        f"time to hold median {statistics.median(seconds) * 1e3:.1f} ms, "
        f"max {max(seconds) * 1e3:.1f} ms"
    )
    print(f"CPU of the process while held: {statistics.mean(cpu_share):.1%} of one core on average")


if __name__ == "__main__":
    main()
