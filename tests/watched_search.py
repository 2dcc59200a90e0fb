"""A plain keras_tuner search in its own process, watched by tests/test_watch.py.

Usage: python watched_search.py DIRECTORY TRIALS SECONDS_PER_TRIAL
Prints one line per trial: TRIAL <id> <score> <x>.
"""

import sys
import time

import keras_tuner

DIRECTORY, TRIALS, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])


class Search(keras_tuner.Tuner):
    def run_trial(self, trial, *args, **kwargs):
        x = trial.hyperparameters.Float("x", -1.0, 1.0)
        trial.hyperparameters.Choice("units", [8, 16, 32])
        time.sleep(SECONDS)
        score = -((x - 0.3) ** 2)
        print("TRIAL", trial.trial_id, repr(score), repr(x), flush=True)
        return {"score": score, "other": 1.0}


oracle = keras_tuner.oracles.RandomSearchOracle(
    objective=keras_tuner.Objective("score", "max"), max_trials=TRIALS, seed=11
)
Search(oracle=oracle, directory=DIRECTORY, project_name="watched").search(verbose=0)
