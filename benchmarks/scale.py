"""10,000 model-free trials of 50 epochs: kt_widgets with its live dashboard vs plain keras_tuner.

The same `run_trial` (no model: it reports 50 epoch logs through the tuner's
`on_epoch_end`, as Keras' callback would, and returns a score) runs under plain
`keras_tuner.Tuner` (verbose=0) and under `kt_widgets.Tuner` with its dashboard
live, connected to a comm that serializes and records every message. Each run
is a fresh process; the runs alternate. Printed: trials per second and their
ratio, peak memory of each process, the memory kt_widgets' state holds for the
whole search (tracemalloc), and the messages and bytes sent to the frontend.

    python benchmarks/scale.py [--trials 10000] [--epochs 50] [--repeats 1] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def epoch_logs(x: float, epoch: int) -> dict[str, float]:
    loss = x * x + 1 / (epoch + 1)
    return {"loss": loss, "accuracy": 1 - loss / 3, "val_loss": loss * 1.1, "val_accuracy": 0.6}


def run_search(variant: str, trials: int, epochs: int) -> dict:
    """One search in this process; `variant` is "keras_tuner" or "kt_widgets"."""
    recorder = None
    if variant == "kt_widgets":
        sys.path.insert(0, str(HERE))
        import recording_comm

        recorder = recording_comm.install()
    import keras_tuner

    import kt_widgets

    base = keras_tuner.Tuner if variant == "keras_tuner" else kt_widgets.Tuner

    class ModelFree(base):
        def run_trial(self, trial, *args, **kwargs):
            hp = trial.hyperparameters
            x = hp.Float("x", -1.0, 1.0)
            hp.Int("units", 16, 512)
            hp.Choice("activation", ["relu", "tanh", "gelu"])
            for epoch in range(epochs):
                self.on_epoch_end(trial, None, epoch, logs=epoch_logs(x, epoch))
            return epoch_logs(x, epochs - 1)["val_loss"]

    tuner = ModelFree(
        oracle=keras_tuner.oracles.RandomSearchOracle(
            objective=keras_tuner.Objective("val_loss", "min"), max_trials=trials, seed=1
        ),
        directory=tempfile.mkdtemp(prefix="ktw-scale-"),
        project_name="scale",
        overwrite=True,
    )
    rss_before = rss_mb()
    if variant == "kt_widgets":
        tuner.dashboard  # noqa: B018 -- live, as when shown under a cell
    started, cpu_started = time.perf_counter(), time.process_time()
    if variant == "keras_tuner":
        tuner.search(verbose=0)
    else:
        tuner.search(background=True)  # the default verbose: one log line per trial
        tuner.wait()
    seconds = time.perf_counter() - started
    result = {
        "variant": variant,
        "trials": len(tuner.oracle.trials),
        "seconds": seconds,
        "cpu": time.process_time() - cpu_started,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }
    if recorder is not None:
        messages, sent, largest = recorder.since(started)
        result.update(messages=messages, bytes=sent, largest=largest)
        result["by_kind"] = recorder.by_kind(started)
    return result


def state_memory(trials: int, epochs: int) -> dict:
    """Bytes kt_widgets' SearchState holds for a whole search (tracemalloc)."""
    import tracemalloc

    from kt_widgets.core.state import SearchState

    tracemalloc.start()
    state = SearchState(objective="val_loss", direction="min", max_trials=trials)
    for i in range(trials):
        trial_id, x = str(i), (i % 997) / 997
        state.trial_started(trial_id, {"x": x, "units": 16 + i % 500, "activation": "relu"})
        for epoch in range(epochs):
            state.epoch_ended(trial_id, epoch, epoch_logs(x, epoch))
        last = epoch_logs(x, epochs - 1)
        state.trial_ended(trial_id, "COMPLETED", score=last["val_loss"], metrics=last)
    held, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"variant": "state", "bytes": held}


def in_child(mode: str, trials: int, epochs: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--trials", str(trials)]
    command += ["--epochs", str(epochs)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"{mode} run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def spread(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1,000 trials")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.trials = 1_000
    if args.child == "state":
        print(json.dumps(state_memory(args.trials, args.epochs)))
        return
    if args.child:
        print(json.dumps(run_search(args.child, args.trials, args.epochs)))
        return

    runs: dict[str, list[dict]] = {"keras_tuner": [], "kt_widgets": []}
    order = list(runs)
    for repeat in range(args.repeats):
        for variant in order if repeat % 2 == 0 else order[::-1]:
            result = in_child(variant, args.trials, args.epochs)
            runs[variant].append(result)
            print(f"  {variant:>11}: {result['seconds']:.1f} s", flush=True)
    state = in_child("state", args.trials, args.epochs)

    print(f"{args.trials} trials x {args.epochs} epochs, model-free, {args.repeats} run(s) each")
    rates = {}
    for variant, results in runs.items():
        assert all(r["trials"] == args.trials for r in results), results
        rates[variant] = [args.trials / r["seconds"] for r in results]
        peak = max(r["peak_rss_mb"] for r in results)
        before = max(r["rss_before_mb"] for r in results)
        print(
            f"{variant:>12}: {statistics.median(rates[variant]):7.1f} trials/s "
            f"({spread(rates[variant])}), peak RSS {peak:.0f} MB (at start {before:.0f} MB)"
        )
    paired = [
        ours / plain for plain, ours in zip(rates["keras_tuner"], rates["kt_widgets"], strict=True)
    ]
    print(
        f"trials/s ratio, kt_widgets / keras_tuner: median {statistics.median(paired):.3f} "
        f"({spread(paired)})"
    )
    cpu = [
        r["cpu"] / p["cpu"] for p, r in zip(runs["keras_tuner"], runs["kt_widgets"], strict=True)
    ]
    print(f"CPU-time ratio, kt_widgets / keras_tuner: median {statistics.median(cpu):.3f}")
    print(f"memory held by kt_widgets' state for the search: {state['bytes'] / 2**20:.1f} MB")
    for r in runs["kt_widgets"]:
        print(
            f"to the frontend: {r['messages'] / r['seconds']:.1f} messages/s, "
            f"{r['bytes'] / r['seconds'] / 1024:.1f} KiB/s "
            f"({r['messages']} messages, {r['bytes'] / 2**20:.2f} MiB in all, "
            f"largest {r['largest'] / 1024:.1f} KiB)"
        )
        parts = sorted(r["by_kind"].items(), key=lambda item: -item[1][1])
        shares = [f"{kind} {sent / r['seconds'] / 1024:.1f} KiB/s" for kind, (_, sent) in parts]
        print("  by widget: " + ", ".join(shares))


if __name__ == "__main__":
    main()
