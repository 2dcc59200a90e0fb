"""`tuner.space`: edits of a tuner's search space, before and during its search.

Every edit is checked by building the new hyperparameter with keras_tuner's
own classes (which raise on what they refuse), plus the rules keras_tuner leaves
out and those a running oracle needs. A valid edit replaces the oracle's
`hyperparameters` under the oracle's own lock, the one keras_tuner's
`create_trial` holds: the trial being created finishes with the old space, the
next one uses the new. The history of edits is saved atomically in the project
directory and applied again when the project is reloaded.

Threads: edits come from the kernel's main thread (cells, widget clicks); the
search thread only reads `oracle.hyperparameters`, which an edit swaps for a
new object in one assignment.
"""

from __future__ import annotations

import copy
import datetime
import math
import threading
from typing import Any

from keras_tuner.src.engine import hyperparameters as hp_module
from keras_tuner.src.engine import oracle as oracle_module
from keras_tuner.src.tuners.bayesian import BayesianOptimizationOracle
from keras_tuner.src.tuners.gridsearch import GridSearchOracle
from keras_tuner.src.tuners.hyperband import HyperbandOracle

from kt_widgets import store
from kt_widgets.core.space import (
    EDITABLE_KEYS,
    HYPERBAND_VALUES,
    describe_edit,
    space_rows,
    version_for_index,
)

LOCK_TIMEOUT = 30.0  # seconds an edit waits for the oracle (a Bayesian fit holds it)


class SpaceEditError(ValueError):
    """An edit of the search space that was refused; nothing was changed."""


class SearchSpaceEditor:
    """The search space of one tuner, editable while it searches (`tuner.space`).

    Edits take keras_tuner's own config keys and apply from the next trial on;
    trials already run keep their values. Each edit makes a new version of the
    space; each trial records the version it ran under.
    """

    def __init__(self, tuner: Any, on_change=None) -> None:
        self._tuner = tuner
        self._on_change = on_change or (lambda: None)
        self._lock = threading.Lock()  # one edit at a time
        self._history: list[dict[str, Any]] = []
        # name -> the config a pin replaced, to restore on unfix.
        self._pinned: dict[str, dict[str, Any]] = {}
        self._grid: _GridWalk | None = None

    # -- reading ------------------------------------------------------------
    @property
    def history(self) -> list[dict[str, Any]]:
        """The edits, oldest first.

        Each is a dict: version, time (UTC), action (set, fix, unfix), name,
        changes, before, and from_trial_index (the first trial it applies to).
        """
        with self._lock:
            return copy.deepcopy(self._history)

    @property
    def version(self) -> int:
        """The current version of the space: 0 as built, +1 for each edit."""
        return len(self._history)

    @property
    def pinned(self) -> dict[str, Any]:
        """The pinned hyperparameters and their values."""
        space = self._oracle.get_space()
        return {hp.name: hp.value for hp in space.space if hp.name in self._pinned}

    def rows(self) -> list[dict[str, Any]]:
        """The space as plain rows (what the dashboard's editor shows)."""
        config = self._oracle.get_space().get_config()
        pinned = {name: old["class_name"] for name, old in self._pinned.items()}
        hyperband = isinstance(self._oracle, HyperbandOracle)
        return space_rows(config, pinned, HYPERBAND_VALUES if hyperband else None)

    def version_of_trial(self, trial_id: str, values: dict[str, Any] | None = None) -> int:
        """The space version a trial ran under.

        A Hyperband trial that continues an earlier one keeps that one's values,
        so it keeps its version too.
        """
        continued = (values or {}).get("tuner/trial_id")
        if continued is not None and continued != trial_id:
            return self.version_of_trial(str(continued))
        return version_for_index(self._history, self._trial_index(trial_id))

    def __repr__(self) -> str:
        lines = [f"Search space, version {self.version}:"]
        for row in self.rows():
            indent = "  " * (1 + row.get("depth", 0))
            extra = f" (if {row['condition']})" if row["condition"] else ""
            lines.append(f"{indent}{row['name']}: {row['type']} {row['range']}{extra}")
        lines += [f"  v{e['version']}: {describe_edit(e)}" for e in self._history]
        return "\n".join(lines)

    # -- edits ----------------------------------------------------------------
    def set(self, name: str, **changes: Any) -> None:
        """Changes a hyperparameter from the next trial on.

        Args:
            name: str. The hyperparameter's name.
            **changes: keras_tuner's config keys: `min_value`, `max_value`,
                `step`, `sampling`, `default` for Int and Float; `values`,
                `default` for Choice; `default` for Boolean.

        Raises:
            SpaceEditError: the edit is invalid, or the oracle cannot take it;
                the space is unchanged.
        """
        with self._lock:
            self._set(name, changes)
        self._applied()

    def _set(self, name: str, changes: dict[str, Any]) -> None:
        old = self._entry(name)
        kind = old["class_name"]
        if name in self._pinned:
            raise SpaceEditError(f"{name!r} is pinned: unfix it first, or pin another value.")
        if kind not in EDITABLE_KEYS:
            raise SpaceEditError(f"{name!r} is {kind} in the model: the editor cannot change it.")
        allowed = EDITABLE_KEYS[kind]
        unknown = [key for key in changes if key not in allowed]
        if unknown:
            raise SpaceEditError(
                f"{kind} {name!r} has no {', '.join(map(repr, unknown))} to set; "
                f"it takes {', '.join(allowed)}."
            )
        if not changes:
            raise SpaceEditError(
                "Nothing to change: pass keras_tuner config keys, e.g. max_value=32."
            )
        config = copy.deepcopy(old["config"])
        config.update(copy.deepcopy(changes))
        if "default" not in changes:
            _drop_default_outside(kind, config)
        new = {"class_name": kind, "config": config}
        _check_new_hyperparameter(new, explicit_default="default" in changes)
        _check_value_types(kind, name, changes)
        recorded = {k: config.get(k) for k in allowed if config.get(k) != old["config"].get(k)}
        if not recorded:
            raise SpaceEditError(f"{name!r} already has these settings.")
        before = {k: old["config"].get(k) for k in recorded}
        self._apply(name, new, "set", recorded, before)

    def fix(self, name: str, value: Any) -> None:
        """Pins a hyperparameter to one of its values, from the next trial on.

        Args:
            name: str. The hyperparameter's name.
            value: The value every later trial takes: one of its choices, a
                bool for a Boolean, a number in the range for Int and Float.
        """
        with self._lock:
            self._fix(name, value)
        self._applied()

    def _fix(self, name: str, value: Any) -> None:
        old = self._entry(name)
        original = self._pinned.get(name, old)
        kind = original["class_name"]
        if kind not in EDITABLE_KEYS:
            raise SpaceEditError(f"{name!r} is {kind} in the model: the editor cannot change it.")
        _check_pin_value(name, original, value)
        current = old["config"].get("value")
        if name in self._pinned and type(current) is type(value) and current == value:
            raise SpaceEditError(f"{name!r} is pinned to {value!r} already.")
        config = {"name": name, "value": value, "conditions": old["config"].get("conditions", [])}
        new = {"class_name": "Fixed", "config": config}
        _check_new_hyperparameter(new, explicit_default=False)
        before = {"value": old["config"].get("value")} if name in self._pinned else {}
        self._apply(name, new, "fix", {"value": value}, before, pinned_from=original)

    def unfix(self, name: str) -> None:
        """Unpins a hyperparameter: later trials draw it from its range again."""
        with self._lock:
            self._entry(name)
            if name not in self._pinned:
                raise SpaceEditError(f"{name!r} is not pinned.")
            original = copy.deepcopy(self._pinned[name])
            self._apply(name, original, "unfix", {}, {})
        self._applied()

    # -- internals --------------------------------------------------------------
    @property
    def _oracle(self):
        return self._tuner.oracle

    def _entry(self, name: str) -> dict[str, Any]:
        if not isinstance(name, str):
            raise SpaceEditError(f"A hyperparameter name is a string, got {name!r}.")
        if name in HYPERBAND_VALUES and isinstance(self._oracle, HyperbandOracle):
            raise SpaceEditError(
                f"{name!r} is set by Hyperband for each trial; it cannot be edited."
            )
        if not hasattr(self._oracle, "hyperparameters"):
            raise SpaceEditError("This tuner's oracle is served by a chief: edit the space there.")
        entries = [
            e for e in self._oracle.get_space().get_config()["space"] if e["config"]["name"] == name
        ]
        if not entries:
            names = [e["config"]["name"] for e in self._oracle.get_space().get_config()["space"]]
            known = ", ".join(map(repr, names)) or "none yet (the model has not been built)"
            raise SpaceEditError(f"No hyperparameter named {name!r}; the space has {known}.")
        if len(entries) > 1:
            raise SpaceEditError(
                f"{len(entries)} hyperparameters are named {name!r} (under different conditions); "
                "the editor cannot tell them apart."
            )
        return entries[0]

    def _apply(self, name, new, action, changes, before, pinned_from=None) -> None:
        """Swap the new hyperparameter into the oracle's space (called with self._lock)."""
        oracle = self._oracle
        lock = oracle_module.LOCKS[oracle]
        if not lock.acquire(timeout=LOCK_TIMEOUT):
            raise SpaceEditError("The oracle stayed busy; nothing was changed. Try again.")
        try:
            config = oracle.hyperparameters.get_config()
            for i, entry in enumerate(config["space"]):
                if entry["config"]["name"] == name:
                    config["space"][i] = copy.deepcopy(new)
            space = hp_module.HyperParameters.from_config(config)
            hp = next(h for h in space.space if h.name == name)
            _check_oracle_can_take(oracle, hp)
            if name in space.values:
                space.values[name] = hp.default
            index = len(oracle.trials)
            entry = {
                "version": len(self._history) + 1,
                "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "action": action,
                "name": name,
                "changes": changes,
                "before": before,
                "from_trial_index": index,
            }
            pinned = dict(self._pinned)
            if action == "fix":
                pinned.setdefault(name, copy.deepcopy(pinned_from))
            elif action == "unfix":
                pinned.pop(name, None)
            # Saved first: a crash after this leaves the edit to be applied on reload.
            try:
                self._save([*self._history, entry], pinned, space)
            except OSError as error:
                raise SpaceEditError(f"The edit was not saved: {error}") from None
            self._history.append(entry)
            self._pinned = pinned
            oracle.hyperparameters = space
            self._follow_grid(oracle)
        finally:
            lock.release()

    def _applied(self) -> None:
        """After an edit (without self._lock: the callback reads the history)."""
        if not self._tuner_searching():
            # keras_tuner's own file, so that a plain keras_tuner reload sees the
            # edit too; while a search runs, its next trial saves it (a save
            # from here could interleave with the search thread's).
            self._oracle.save()
        self._on_change()

    def _tuner_searching(self) -> bool:
        runner = getattr(self._tuner, "_runner", None)
        return bool(runner is not None and runner.busy)

    def _follow_grid(self, oracle) -> None:
        # keras_tuner's grid walks from each trial's values to the next
        # combination, which fails once values leave the space: after an
        # edit, walk the new grid instead, skipping combinations already run.
        if isinstance(oracle, GridSearchOracle):
            self._grid = _GridWalk(oracle)
            oracle.populate_space = self._grid.populate_space

    def _trial_index(self, trial_id: str) -> int:
        if str(trial_id).isdigit():
            return int(trial_id)
        order = list(getattr(self._oracle, "start_order", []))
        return order.index(trial_id) if trial_id in order else len(order)

    def _save(self, history, pinned, space) -> None:
        project_dir = getattr(self._tuner, "project_dir", None)
        if project_dir is None:
            return
        edited = {e["name"] for e in history}
        store.write_space_edits(
            project_dir,
            {
                "history": history,
                "pinned": pinned,
                "hyperparameters": [
                    entry
                    for entry in space.get_config()["space"]
                    if entry["config"]["name"] in edited
                ],
            },
        )

    def restore(self) -> None:
        """Apply the edits saved in the project directory (a reload, overwrite=False)."""
        project_dir = getattr(self._tuner, "project_dir", None)
        saved = store.read_space_edits(project_dir) if project_dir else None
        if not saved or not hasattr(self._oracle, "hyperparameters"):
            return
        oracle = self._oracle
        with self._lock:
            self._history = list(saved.get("history", []))
            self._pinned = dict(saved.get("pinned", {}))
            edited = {e["config"]["name"]: e for e in saved.get("hyperparameters", [])}
            config = oracle.hyperparameters.get_config()
            for i, entry in enumerate(config["space"]):
                replacement = edited.get(entry["config"]["name"])
                if replacement is not None:
                    config["space"][i] = replacement
            oracle.hyperparameters = hp_module.HyperParameters.from_config(config)
            if self._history:
                self._follow_grid(oracle)


class _GridWalk:
    """GridSearch over the edited space: the next combination not run yet.

    The order is keras_tuner's own (`_get_next_combination`), from the
    defaults; a combination is skipped when keras_tuner's record of values
    already run (`_tried_so_far`) has it.
    """

    def __init__(self, oracle: GridSearchOracle) -> None:
        self._oracle = oracle
        self._last: dict[str, Any] | None = None

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        values = self._next()
        if values is not None:
            return {"status": "RUNNING", "values": values}
        if self._oracle.ongoing_trials:
            return {"status": "IDLE", "values": None}
        return {"status": "STOPPED", "values": None}

    def _next(self) -> dict[str, Any] | None:
        oracle = self._oracle
        if self._last is None:
            hps = oracle.get_space()
            hps.values = {}
            for hp in hps.space:
                if hps.is_active(hp):
                    hps.values[hp.name] = hp.default
            candidate = hps.values
        else:
            candidate = oracle._get_next_combination(self._last)
        while candidate is not None and oracle._duplicate(candidate):
            candidate = oracle._get_next_combination(candidate)
        if candidate is not None:
            self._last = candidate
        return candidate


# -- checks ------------------------------------------------------------------------


def _check_new_hyperparameter(entry: dict[str, Any], explicit_default: bool) -> None:
    """Build the hyperparameter with keras_tuner's class; add the rules it leaves out."""
    kind, config = entry["class_name"], entry["config"]
    try:
        hp = hp_module.deserialize(copy.deepcopy(entry))
    except (TypeError, ValueError) as error:
        message = str(error)
        if config.get("sampling") == "log" and config.get("min_value") == 0:
            # keras_tuner calls 0 "negative" here: say what the rule is.
            message += " (log sampling needs min_value > 0)"
        raise SpaceEditError(message) from None
    name = config["name"]
    if kind in ("Int", "Float"):
        _check_numeric(name, hp, config, explicit_default)
    elif kind == "Choice":
        values = list(config["values"])
        repeated = sorted({repr(v) for v in values if values.count(v) > 1})
        if repeated:
            raise SpaceEditError(f"Choice {name!r} lists {', '.join(repeated)} more than once.")
        default = config.get("default")
        if default is not None and type(default) is not type(values[0]):
            # keras_tuner takes default=1 for [True, False], since 1 == True.
            raise SpaceEditError(
                f"The default {default!r} of Choice {name!r} is of type "
                f"{type(default).__name__}, its values of type {type(values[0]).__name__}: "
                f"{values}."
            )


def _type_name(value: Any) -> str:
    return f"{'an' if type(value).__name__[0] in 'aeiou' else 'a'} {type(value).__name__}"


def _check_value_types(kind: str, name: str, changes: dict[str, Any]) -> None:
    """Values of the hyperparameter's own type: none is converted to fit.

    keras_tuner takes `default=1` for a Boolean and for a Float, and turns
    `min_value=2.0` of an Int into 2; a trial would then get a value of
    another type than the model asked for.
    """
    for key, value in changes.items():
        if value is None or key in ("values", "sampling"):
            continue  # no step or default; Choice values are keras_tuner's one-type rule
        what = "The default" if key == "default" else key
        if kind == "Boolean" and not isinstance(value, bool):
            raise SpaceEditError(
                f"{what} of Boolean {name!r} must be True or False, got {value!r} "
                f"({_type_name(value)})."
            )
        if kind == "Int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise SpaceEditError(
                f"{what} of Int {name!r} must be an int, got {value!r} ({_type_name(value)})."
            )
        if kind == "Float" and key == "default" and not isinstance(value, float):
            hint = f": write {float(value)!r}" if type(value) is int else ""
            raise SpaceEditError(
                f"{what} of Float {name!r} must be a float, got {value!r} "
                f"({_type_name(value)}){hint}."
            )


def _check_numeric(name: str, hp, config: dict[str, Any], explicit_default: bool) -> None:
    low, high, step = hp.min_value, hp.max_value, hp.step
    for key in ("min_value", "max_value", "step"):
        value = config.get(key)
        if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            raise SpaceEditError(f"{key} of {name!r} must be a finite number, got {value!r}.")
    if step is not None:
        if step <= 0:
            raise SpaceEditError(f"The step of {name!r} must be above 0, got {step!r}.")
        linear = hp.sampling == "linear"
        reach = low + step if linear else low * step
        if high > low and reach > high:
            how = "added to" if linear else "times"
            raise SpaceEditError(
                f"The step {step!r} does not fit in {low!r} … {high!r}: {low!r} {how} it is "
                f"above max_value, so {low!r} would be the only value. Pin {name!r} instead."
            )
    default = config.get("default")
    if explicit_default and default is not None:
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            raise SpaceEditError(f"The default of {name!r} must be a number, got {default!r}.")
        if not low <= default <= high:
            raise SpaceEditError(
                f"The default {default!r} of {name!r} is outside {low!r} … {high!r}."
            )


def _drop_default_outside(kind: str, config: dict[str, Any]) -> None:
    """A default the edit leaves outside the space goes (keras_tuner's implicit one applies).

    Float's config always carries a default (its min_value when none was
    given), so narrowing a range would otherwise be refused for it.
    """
    default = config.get("default")
    if default is None:
        return
    if kind in ("Int", "Float"):
        low, high = config.get("min_value"), config.get("max_value")
        try:
            outside = not low <= default <= high
        except TypeError:
            return  # keras_tuner's check reports the bad bound
    elif kind == "Choice":
        outside = default not in (config.get("values") or [])
    else:
        return
    if outside:
        config["default"] = None


def _check_pin_value(name: str, original: dict[str, Any], value: Any) -> None:
    kind, config = original["class_name"], original["config"]
    if kind == "Choice":
        values = config["values"]
        if not any(type(v) is type(value) and v == value for v in values):
            shown = ", ".join(map(repr, values))
            raise SpaceEditError(f"{value!r} is not one of the values of {name!r}: {shown}.")
    elif kind == "Boolean":
        if not isinstance(value, bool):
            raise SpaceEditError(f"{name!r} is a Boolean: pin it to True or False, not {value!r}.")
    else:
        wanted = int if kind == "Int" else float
        if isinstance(value, bool) or not isinstance(value, wanted):
            what = "an int" if kind == "Int" else "a float"
            raise SpaceEditError(
                f"{name!r} is {kind}: pin it to {what}, not {value!r} ({_type_name(value)})."
            )
        low, high = config["min_value"], config["max_value"]
        if not low <= value <= high:
            raise SpaceEditError(f"{value!r} is outside the range of {name!r}: {low!r} … {high!r}.")


def _check_oracle_can_take(oracle, hp) -> None:
    """What a running oracle needs beyond keras_tuner's rules (called under its lock)."""
    if not isinstance(oracle, BayesianOptimizationOracle) or isinstance(hp, hp_module.Fixed):
        return
    # Its Gaussian process places every trial run so far in the space
    # (`value_to_prob`), including values an edit would take out.
    for trial in oracle.trials.values():
        values = trial.hyperparameters.values
        if hp.name not in values:
            continue
        value = values[hp.name]
        try:
            hp.value_to_prob(value)
        except (ValueError, ZeroDivisionError, TypeError):
            raise SpaceEditError(
                f"BayesianOptimization cannot take this edit: trial {trial.trial_id} ran with "
                f"{hp.name}={value!r}, and its model of past results must place every value "
                f"tried in the space. Keep {value!r} in it, or pin {hp.name!r} instead."
            ) from None
