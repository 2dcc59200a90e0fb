"""keras_tuner's consecutive-failures limit, made a stop a search can continue from.

keras_tuner raises at the limit from inside `Oracle.end_trial`, after marking the
trial FAILED and before saving it or letting it go: the trial stays RUNNING on
disk, and `create_trial` hands that same trial out again. Its check also counts
over the project's whole history, so once reached, the limit is reached again at
every later trial. A user who fixed the cause could never continue; here the
trial is recorded as the failure it was, and a later search counts failures from
the last time the limit stopped the project. Within one search the limit holds
as in keras_tuner.
"""

from __future__ import annotations

import contextlib
from typing import Any

from keras_tuner.src.engine import oracle as oracle_module

from kt_widgets.core import state as st


def settle_trial_at_limit(oracle: Any) -> list[Any]:
    """Save and let go the trials whose end raised; returns them."""
    ongoing = getattr(oracle, "ongoing_trials", None)
    ended = set(getattr(oracle, "end_order", ()))
    if not ongoing or not ended:
        return []
    lock = oracle_module.LOCKS.get(oracle)  # free again: see runner.release_leaked_oracle_lock
    settled = []
    with lock if lock is not None else contextlib.nullcontext():
        for tuner_id, trial in list(ongoing.items()):
            if trial.status == st.TRIAL_FAILED and trial.trial_id in ended:
                del ongoing[tuner_id]
                oracle._save_trial(trial)
                settled.append(trial)
        if settled:
            oracle.save()
    return settled


def count_failures_after_last_limit(oracle: Any) -> None:
    """Make the oracle's check count only failures after the limit last stopped it."""
    start = _after_last_limit(oracle)
    if "_check_consecutive_failures" in vars(oracle):  # our check of an earlier search
        del oracle._check_consecutive_failures
    if start == 0:
        return  # never stopped by the limit: keras_tuner's own check, untouched
    stock_check = oracle._check_consecutive_failures

    def check_since_the_limit() -> None:
        # end_order is read and changed under the oracle's lock, which end_trial holds.
        history = oracle.end_order
        oracle.end_order = history[start:]
        try:
            stock_check()
        finally:
            oracle.end_order = history

    oracle._check_consecutive_failures = check_since_the_limit


def _after_last_limit(oracle: Any) -> int:
    """The position in end_order after the last run of failures that reached the limit."""
    limit = getattr(oracle, "max_consecutive_failed_trials", None)
    order = getattr(oracle, "end_order", None)
    if not limit or not order:
        return 0
    run = start = 0
    for position, trial_id in enumerate(order, 1):
        trial = oracle.trials.get(trial_id)
        run = run + 1 if trial is not None and trial.status == st.TRIAL_FAILED else 0
        if run == limit:
            start, run = position, 0
    return start
