"""Two reloads (`overwrite=False`) that keras_tuner 1.4 gets wrong, made right.

- A custom `tuner_id`: keras_tuner saves the tuner as `<tuner_id>.json` but, when
  a tuner is built again, looks for it under the default id (`tuner0`), before
  the custom id is set; it finds nothing and starts over, writing its new trials
  over the old ones. `reload_under_tuner_id` reloads from the right file.
- GridSearch: its oracle's bookkeeping of which combinations follow which is
  not saved, so a reloaded grid search finds nothing left to try and stops at
  once. `resume_grid_search` rebuilds it from the trials on disk.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from keras_tuner.src.tuners.gridsearch import GridSearchOracle


def reload_under_tuner_id(tuner: Any, overwrite: bool) -> None:
    """Reload a project saved under a custom `tuner_id` that keras_tuner missed.

    Called right after keras_tuner's `__init__`, which has set `tuner.tuner_id`.
    """
    if overwrite or tuner._is_worker():
        return
    default_id = os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
    if tuner.tuner_id == default_id:
        return
    saved = tuner._get_tuner_fname()
    default = os.path.join(str(tuner.project_dir), f"{default_id}.json")
    if os.path.exists(saved) and not os.path.exists(default):
        print(f"Reloading Tuner from {saved}")  # as keras_tuner says for the default id
        tuner.reload()


def resume_grid_search(oracle: Any) -> None:
    """Give a reloaded GridSearch oracle back the order of its tried combinations."""
    if not isinstance(oracle, GridSearchOracle) or not oracle.trials:
        return
    if oracle._populate_next or oracle._ordered_ids._memory:
        return  # not a reload: the oracle keeps its own bookkeeping
    started = [t for t in oracle.start_order if t in oracle.trials]

    def compare(a: str, b: str) -> int:
        return oracle._compare(
            oracle.trials[a].hyperparameters.values, oracle.trials[b].hyperparameters.values
        )

    # The linked list orders the tried combinations as the grid does.
    for trial_id in sorted(started, key=functools.cmp_to_key(compare)):
        oracle._ordered_ids.insert(trial_id)
    # Each ended trial's combination may have an untried successor: queue them
    # in the order they ended, as the running search does. A trial that was
    # running is run again first by keras_tuner, and queued when it ends.
    oracle._populate_next = [t for t in oracle.end_order if t in oracle.trials]
