"""A worker of a distributed search, run as its own process by tests/test_distributed.py.

Usage: python distributed_worker.py (kt_widgets|keras_tuner) DIRECTORY
with KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT set.
Each trial "trains" three epochs of a model-free objective and prints its id.
"""

import sys
import time

import keras_tuner

KIND, DIRECTORY = sys.argv[1], sys.argv[2]
EPOCHS = 3

if KIND == "kt_widgets":
    import kt_widgets

    Base = kt_widgets.Tuner
else:
    Base = keras_tuner.Tuner


class Worker(Base):
    def run_trial(self, trial, *args, **kwargs):
        x = trial.hyperparameters.Float("x", -1.0, 1.0)
        for epoch in range(EPOCHS):
            time.sleep(0.05)
            self.on_epoch_end(trial, None, epoch, logs={"loss": (x - 0.3) ** 2 + 1 / (epoch + 1)})
        print("TRIAL", trial.trial_id, flush=True)
        return {"score": -((x - 0.3) ** 2)}


oracle = keras_tuner.oracles.RandomSearchOracle(
    objective=keras_tuner.Objective("score", "max"), max_trials=1000
)
worker = Worker(oracle=oracle, directory=DIRECTORY, project_name="distributed")
worker.search()
print("WORKER EXITS", flush=True)
