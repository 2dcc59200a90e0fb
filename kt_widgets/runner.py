"""The one worker thread a tuner owns, and what it carries over from the caller.

Every background search of a tuner runs in the same thread, so keras_tuner's
per-thread oracle lock bookkeeping (see `release_leaked_oracle_lock`) always sees
one thread name. Keras 3 keeps the dtype policy, the distribution and the random
seed in thread-local state, and `keras.backend.clear_session()` (which keras_tuner
calls before building each trial's model) resets that state in every thread; so
they are read in the calling thread when a search starts and set again in the
search thread before each model is built.
"""

from __future__ import annotations

import itertools
import queue
import threading
import traceback
from collections.abc import Callable
from typing import Any

import keras
from keras.src.utils import rng_utils

_thread_numbers = itertools.count(1)


def capture_keras_context() -> Callable[[], None]:
    """Read the caller's thread-local Keras settings; return a function applying them."""
    policy = keras.config.dtype_policy()
    distribution = keras.distribution.distribution()
    seed = rng_utils.get_random_seed()  # what keras.utils.set_random_seed recorded

    def apply() -> None:
        keras.config.set_dtype_policy(policy)
        keras.distribution.set_distribution(distribution)
        if seed is not None and rng_utils.get_random_seed() != seed:
            # Only the record: re-seeding would restart the random streams the
            # search shares with the notebook, and change its results.
            rng_utils.global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)

    return apply


def release_leaked_oracle_lock(oracle: Any) -> None:
    """Undo the lock a keras_tuner `@synchronized` oracle method left held.

    keras_tuner 1.4 acquires a per-oracle lock around `create_trial`,
    `update_trial` and `end_trial` without try/finally: when one raises, the
    lock stays held by the raising thread's name, and a later call from another
    thread waits forever. Called in the thread that ran the failed search.
    """
    from keras_tuner.src.engine import oracle as oracle_module

    locks = getattr(oracle_module, "LOCKS", None)
    owners = getattr(oracle_module, "THREADS", None)
    if locks is None or owners is None:
        return
    if owners.get(oracle) == threading.current_thread().name:
        owners[oracle] = None
        lock = locks[oracle]
        if lock.locked():
            lock.release()


class SearchRunner:
    """Runs jobs one at a time in a daemon thread created on first use."""

    def __init__(self, name: str) -> None:
        self._name = f"kt_widgets-{name}-{next(_thread_numbers)}"
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job()` in the worker thread; raises if a job is still running.

        `job` must catch its own exceptions: the runner only sequences.
        """
        if self.busy:
            raise RuntimeError("a search is already running in this tuner's thread")
        self._idle.clear()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
            self._thread.start()
        self._jobs.put(job)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job runs; False if `timeout` (seconds) passed first."""
        return self._idle.wait(timeout)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except BaseException:  # a job's own handler failed: keep the thread
                traceback.print_exc()
            finally:
                self._idle.set()
