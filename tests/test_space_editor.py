"""`tuner.space`: edits of the search space while a real search runs, for every oracle.

Model-free tuners (run_trial returns a number computed from hp) run the real
keras_tuner oracles in the tuner's background thread; the edits come from
this (the main) thread while a trial runs, as they would from a cell.
"""

import json
import threading

import numpy as np
import pytest

import kt_widgets as ktw
from kt_widgets import store
from kt_widgets.core.state import SearchState
from kt_widgets.project_files import ProjectReader
from kt_widgets.space_editor import SpaceEditError


def build(hp):
    hp.Int("units", 1, 6)
    hp.Float("x", -1.0, 1.0)
    act = hp.Choice("act", ["relu", "tanh"])
    with hp.conditional_scope("act", ["relu"]):
        if act == "relu":
            hp.Int("depth", 1, 3)
    return 0


class GatedMixin:
    """Trial number `gate_at` (from 0) waits until the test has edited the space."""

    gate_at = None

    def __init__(self, *args, **kwargs):
        self.reached = threading.Event()
        self.edited = threading.Event()
        super().__init__(*args, **kwargs)

    def run_trial(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        self.hypermodel.build(hp)  # registers hps, as a model build would
        if self.gate_at is not None and int(trial.trial_id) == self.gate_at:
            self.reached.set()
            assert self.edited.wait(30), "the test never edited the space"
        return (hp["x"] - 0.3) ** 2 + hp["units"] / 100


class Random(GatedMixin, ktw.RandomSearch):
    pass


class Bayesian(GatedMixin, ktw.BayesianOptimization):
    pass


class Grid(GatedMixin, ktw.GridSearch):
    pass


class Band(GatedMixin, ktw.Hyperband):
    pass


def make(cls, tmp_path, overwrite=True, **kwargs):
    return cls(
        hypermodel=build,
        objective="loss",
        directory=str(tmp_path),
        project_name="edit",
        overwrite=overwrite,
        **kwargs,
    )


def edit_mid_search(tuner, edit, gate_at=2):
    """Start the search, edit while trial `gate_at` runs, let it finish."""
    tuner.gate_at = gate_at
    tuner.search(background=True)
    assert tuner.reached.wait(30)
    assert tuner.status == "running"
    edit(tuner)
    tuner.edited.set()
    assert tuner.wait(timeout=60)
    assert tuner.status == "finished"


def trials_in_order(tuner):
    return sorted(tuner.oracle.trials.values(), key=lambda t: int(t.trial_id))


def later(tuner):
    """The trials created after the (one) edit, and their recorded space versions."""
    start = tuner.space.history[-1]["from_trial_index"]
    assert start == tuner.gate_at + 1  # the running trial keeps its space
    trials = [t for t in trials_in_order(tuner) if int(t.trial_id) >= start]
    versions = {tuner.search_state.trial(t.trial_id).space_version for t in trials}
    return trials, versions


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (Random, dict(max_trials=12, seed=3)),
        # Each trial after its initial ones fits a Gaussian process: few of them.
        (Bayesian, dict(max_trials=7, seed=3, num_initial_points=3)),
    ],
)
def test_a_narrowed_range_holds_for_every_later_trial(tmp_path, cls, kwargs):
    tuner = make(cls, tmp_path, **kwargs)
    edit_mid_search(tuner, lambda t: t.space.set("x", min_value=0.2, max_value=0.4))
    trials, versions = later(tuner)
    assert len(trials) >= 4 and versions == {1}
    assert all(0.2 <= t.hyperparameters["x"] <= 0.4 for t in trials)
    earlier = [t for t in trials_in_order(tuner) if int(t.trial_id) <= tuner.gate_at]
    assert {tuner.search_state.trial(t.trial_id).space_version for t in earlier} == {0}
    assert any(not 0.2 <= t.hyperparameters["x"] <= 0.4 for t in earlier)  # kept as they ran


def test_a_pinned_value_holds_for_every_later_trial_and_unpinning_frees_it(tmp_path):
    tuner = make(Random, tmp_path, max_trials=10, seed=5)
    edit_mid_search(tuner, lambda t: t.space.fix("act", "tanh"))
    trials, _ = later(tuner)
    assert [t.hyperparameters["act"] for t in trials] == ["tanh"] * len(trials)
    assert all("depth" not in t.hyperparameters.values for t in trials)  # its condition is off
    tuner.space.unfix("act")
    tuner.oracle.max_trials = 30
    tuner.search(background=False)
    freed = [t for t in trials_in_order(tuner) if int(t.trial_id) >= 10]
    assert "relu" in {t.hyperparameters["act"] for t in freed}
    assert [e["action"] for e in tuner.space.history] == ["fix", "unfix"]


def combination(trial):
    return tuple(sorted(trial.hyperparameters.values.items()))


def test_grid_search_walks_the_new_grid_and_never_repeats_a_combination(tmp_path):
    tuner = make(Grid, tmp_path)  # no max_trials: the whole grid

    def edit(t):
        t.space.fix("x", 0.0)
        t.space.fix("act", "tanh")
        t.space.set("units", min_value=2, max_value=4)

    edit_mid_search(tuner, edit, gate_at=1)
    start = tuner.space.history[0]["from_trial_index"]
    assert start == 2
    trials = trials_in_order(tuner)
    combos = [combination(t) for t in trials]
    assert len(combos) == len(set(combos))
    new = [t.hyperparameters.values for t in trials[start:]]
    # The whole new grid, less the combinations already run: units 2, 3, 4 with x=0.0, tanh.
    expected = [{"units": u, "x": 0.0, "act": "tanh"} for u in (2, 3, 4)]
    ran_before = [t.hyperparameters.values for t in trials[:start]]
    assert new == [v for v in expected if v not in ran_before]


def test_hyperband_samples_new_models_from_the_edited_space(tmp_path):
    tuner = make(Band, tmp_path, max_epochs=9, factor=3, hyperband_iterations=2, seed=2)
    edit_mid_search(tuner, lambda t: t.space.set("units", min_value=5, max_value=6))
    trials, _ = later(tuner)
    started = [t for t in trials if t.hyperparameters["tuner/round"] == 0]
    continued = [t for t in trials if t.hyperparameters["tuner/round"] > 0]
    assert len(started) >= 5
    assert all(t.hyperparameters["units"] in (5, 6) for t in started)
    state = tuner.search_state
    assert {state.trial(t.trial_id).space_version for t in started} == {1}
    for trial in continued:  # a promoted model keeps its values, and their version
        past = trial.hyperparameters["tuner/trial_id"]
        assert trial.hyperparameters["units"] == tuner.oracle.trials[past].hyperparameters["units"]
        assert state.trial(trial.trial_id).space_version == state.trial(past).space_version
    rows = {row["name"]: row for row in tuner.space.rows()}
    assert not rows["tuner/epochs"]["editable"]
    with pytest.raises(SpaceEditError, match="set by Hyperband"):
        tuner.space.set("tuner/epochs", min_value=1)


INVALID = [
    # keras_tuner's own rules, raised by its classes
    ("units", dict(min_value=7, max_value=3), "min_value 7 is greater than the max_value 3"),
    ("x", dict(min_value=0.0, sampling="log"), "log sampling needs min_value > 0"),
    ("x", dict(min_value=1e-4, max_value=0.1, sampling="log", step=1), "expected step > 1"),
    ("act", dict(values=[]), "`values` must be provided"),
    ("act", dict(values=[1, "relu"]), "only one type of value"),
    ("act", dict(values=[1, 2.5]), "only one type of value"),
    ("act", dict(values=[None, 1]), "only one type of value"),
    ("act", dict(values=list(np.arange(3))), "can contain only `int`, `float`, `str`, or `bool`"),
    ("act", dict(values=["a", "b"], default="c"), "default value should be one of the choices"),
    ("units", dict(step=1.5), "step must be an int"),
    # the rules keras_tuner leaves out
    ("act", dict(values=[True, False], default=1), "default 1 of Choice 'act' is of type int"),
    ("act", dict(values=["a", "a"]), "more than once"),
    ("units", dict(step=9), "does not fit"),
    ("units", dict(step=0), "must be above 0"),
    ("units", dict(default=9), "outside 1 … 6"),
    ("units", dict(values=[1, 2]), "has no 'values' to set"),
    ("nope", dict(max_value=3), "No hyperparameter named 'nope'"),
]


@pytest.mark.parametrize("name, changes, message", INVALID)
def test_invalid_edits_are_refused_with_a_clear_message_and_change_nothing(
    tmp_path, name, changes, message
):
    tuner = make(Random, tmp_path, max_trials=2)
    before = tuner.oracle.get_space().get_config()
    with pytest.raises(SpaceEditError, match=message.replace("(", r"\(").replace("[", r"\[")):
        tuner.space.set(name, **changes)
    assert tuner.oracle.get_space().get_config() == before
    assert tuner.space.history == [] and tuner.space.version == 0
    assert not (tmp_path / "edit" / store.SPACE_FILE).exists()


def typed_build(hp):
    hp.Int("units", 1, 6)
    hp.Float("x", -1.0, 1.0)
    hp.Boolean("flag")
    hp.Choice("act", ["relu", "tanh"])
    return 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s.set("flag", default=1), "default of Boolean 'flag' must be True or False"),
        (lambda s: s.set("flag", default="True"), "must be a Python boolean"),  # keras_tuner's
        (lambda s: s.set("units", default=2.0), "default of Int 'units' must be an int, got 2.0"),
        (lambda s: s.set("units", min_value=2.0), "min_value of Int 'units' must be an int"),
        (lambda s: s.set("units", max_value=5.0), "max_value of Int 'units' must be an int"),
        (lambda s: s.set("units", step=2.0), "step of Int 'units' must be an int"),
        (lambda s: s.set("x", default=1), "Float 'x' must be a float, got 1 .an int.: write 1.0"),
        (lambda s: s.set("x", default=True), "must be a number, got True"),
        (lambda s: s.fix("x", 1), "pin it to a float, not 1"),
        (lambda s: s.fix("units", 2.0), "pin it to an int, not 2.0"),
        (lambda s: s.fix("flag", 1), "pin it to True or False"),
    ],
)
def test_a_value_of_another_type_is_refused_never_converted(tmp_path, edit, message):
    tuner = Random(typed_build, objective="loss", directory=str(tmp_path), max_trials=1)
    before = tuner.oracle.get_space().get_config()
    with pytest.raises(SpaceEditError, match=message):
        edit(tuner.space)
    assert tuner.oracle.get_space().get_config() == before and tuner.space.history == []


def test_values_of_the_hyperparameters_own_type_are_taken(tmp_path):
    tuner = Random(typed_build, objective="loss", directory=str(tmp_path), max_trials=1)
    tuner.space.set("flag", default=True)
    tuner.space.set("units", default=2, max_value=5)
    tuner.space.set("x", default=1.0, min_value=0)  # keras_tuner's Float bounds are floats
    tuner.space.fix("x", 0.5)
    space = tuner.oracle.get_space()
    assert space.get("flag") is True and space.get("units") == 2 and space.get("x") == 0.5
    assert [e["changes"] for e in tuner.space.history][:2] == [
        {"default": True},
        {"max_value": 5, "default": 2},
    ]


def test_pins_must_be_values_the_hyperparameter_can_take(tmp_path):
    tuner = make(Random, tmp_path, max_trials=2)
    for name, value, message in [
        ("act", "elu", "not one of the values"),
        ("act", 1, "not one of the values"),
        ("units", 9, "outside the range"),
        ("units", 2.5, "pin it to an int"),
    ]:
        with pytest.raises(SpaceEditError, match=message):
            tuner.space.fix(name, value)
    with pytest.raises(SpaceEditError, match="is not pinned"):
        tuner.space.unfix("units")
    assert tuner.space.history == []


def test_bayesian_refuses_to_drop_a_choice_it_has_used_and_says_why(tmp_path):
    tuner = make(Bayesian, tmp_path, max_trials=4, seed=1)
    tuner.search(background=False)
    used = {t.hyperparameters["act"] for t in tuner.oracle.trials.values()}
    dropped = sorted(used)[0]
    kept = [v for v in ("relu", "tanh") if v != dropped]
    with pytest.raises(SpaceEditError, match=f"ran with act='{dropped}'.*pin 'act' instead"):
        tuner.space.set("act", values=kept)
    tuner.space.fix("act", kept[0])  # what it suggests works, and the search goes on
    tuner.oracle.max_trials = 8
    tuner.search(background=False)
    assert {t.hyperparameters["act"] for t in trials_in_order(tuner)[4:]} == {kept[0]}


def test_a_narrowed_float_range_moves_a_default_left_outside(tmp_path):
    tuner = make(Random, tmp_path, max_trials=2)
    tuner.space.set("x", min_value=0.2)
    entry = tuner.space.history[0]
    assert entry["changes"] == {"min_value": 0.2, "default": None}  # shown in the history
    assert tuner.oracle.get_space().get("x") == 0.2


def test_a_reload_keeps_the_edited_space_its_history_and_trial_versions(tmp_path):
    tuner = make(Random, tmp_path, max_trials=8, seed=4)
    edit_mid_search(tuner, lambda t: (t.space.set("x", min_value=0.5), t.space.fix("act", "relu")))
    history = tuner.space.history
    versions = {t: tuner.search_state.trial(t).space_version for t in tuner.oracle.trials}
    saved = json.loads((tmp_path / "edit" / store.SPACE_FILE).read_text())
    assert saved["history"] == history

    again = make(Random, tmp_path, overwrite=False, max_trials=14, seed=4)
    assert again.space.history == history and again.space.version == 2
    assert again.space.pinned == {"act": "relu"}
    assert again.oracle.get_space().get_config() == tuner.oracle.get_space().get_config()
    assert {t: again.search_state.trial(t).space_version for t in versions} == versions
    assert [e["version"] for e in again.search_state.space_history()] == [1, 2]
    again.search(background=False)
    new = [t for t in trials_in_order(again) if int(t.trial_id) >= 8]
    assert len(new) == 6
    assert all(t.hyperparameters["x"] >= 0.5 and t.hyperparameters["act"] == "relu" for t in new)
    again.space.unfix("act")  # the pin's original Choice came back from the file too
    assert again.oracle.get_space().get_config()["space"][2]["config"]["values"] == ["relu", "tanh"]


def test_the_dashboard_editor_applies_edits_and_shows_refusals_inline(tmp_path):
    tuner = make(Random, tmp_path, max_trials=3, seed=2)
    board = tuner.dashboard
    board.space.edit("set", "units", fields={"max_value": "3"})
    board.space.edit("set", "x", fields={"min_value": "0", "sampling": "log"})
    board.space.edit("add_value", "act", text="7")  # a str choice: taken as the string '7'
    board.space.edit("remove_value", "act", index=0)
    board.space.edit("fix", "units", text="2")
    assert board.flush()
    assert tuner.oracle.get_space().get_config()["space"][0]["class_name"] == "Fixed"
    assert tuner.oracle.get_space().get_config()["space"][2]["config"]["values"] == ["tanh", "7"]
    assert set(board.space.errors) == {"x"}
    assert "does not support negative values" in board.space.errors["x"]
    assert [e["text"] for e in board.space.history][0] == "units: max_value 6 → 3"
    rows = {row["name"]: row for row in board.space.rows}
    assert rows["units"]["pinned"] and rows["depth"]["depth"] == 1
    board.space.edit("set", "x", fields={"min_value": "0.1"})  # a valid edit clears the message
    # Typed values are what they spell, never turned into strings to fit.
    tuner.space.set("act", values=[1, 2])
    board.space.edit("add_value", "act", text="3")
    board.space.edit("add_value", "act", text="abc")
    assert board.flush()
    assert tuner.oracle.get_space().get_config()["space"][2]["config"]["values"] == [1, 2, 3]
    assert "only one type of value" in board.space.errors["act"]
    board.space.edit("remove_value", "act", index=2)
    tuner.search(background=False)
    assert board.flush()
    assert board.space.errors == {}
    assert {"key": "space_version", "label": "Space", "kind": "number"} in board.table.columns


def test_the_panel_shows_each_refusal_keeps_it_and_drops_it_once_the_row_changes(tmp_path):
    tuner = make(Random, tmp_path, max_trials=3, seed=2)
    board = tuner.dashboard
    board.space.edit("add_value", "act", text="relu")  # a refusal and nothing else
    assert board.flush()
    assert "Choice 'act' lists 'relu' more than once" in board.space.errors["act"]
    board.space.edit("set", "units", fields={"default": "2.0"})  # an Int's text, never 2
    board.space.edit("set", "x", fields={"default": "true"})
    assert board.flush()
    assert "default of Int 'units' must be an int, got 2.0" in board.space.errors["units"]
    assert "must be a number, got True" in board.space.errors["x"]
    assert tuner.space.history == []
    # Edits from Python: a row that changed loses its old message, the others keep theirs.
    tuner.space.set("act", values=["relu", "tanh", "elu"])
    assert board.flush()
    assert set(board.space.errors) == {"units", "x"}
    tuner.space.fix("units", 3)
    assert board.flush()
    assert set(board.space.errors) == {"x"}
    board.space.edit("set", "x", fields={"min_value": "0"})  # a Float's text is a float
    assert board.flush()
    assert type(tuner.space.history[-1]["changes"]["min_value"]) is float
    assert board.space.errors == {}


def test_a_log_range_with_a_step_multiplies_by_the_step(tmp_path):
    tuner = make(Random, tmp_path, max_trials=25, seed=8)
    tuner.space.set("units", min_value=8, max_value=256, sampling="log", step=2)
    tuner.search(background=False)
    drawn = {t.hyperparameters["units"] for t in tuner.oracle.trials.values()}
    assert drawn <= {8, 16, 32, 64, 128, 256} and len(drawn) >= 4


def test_a_watched_project_shows_its_edits_pins_and_trial_versions(tmp_path):
    tuner = make(Random, tmp_path, max_trials=3, seed=4)
    tuner.search(background=False)
    tuner.space.fix("act", "tanh")
    tuner.oracle.max_trials = 5
    tuner.search(background=False)
    state = SearchState()
    ProjectReader(str(tmp_path / "edit"), state).poll()
    assert [e["action"] for e in state.space_history()] == ["fix"]
    assert {row["name"]: row["pinned"] for row in state.space()}["act"] is True
    versions = {t.trial_id: t.space_version for t in state.trials()}
    assert versions == {"0": 0, "1": 0, "2": 0, "3": 1, "4": 1}


def test_edits_racing_a_fast_search_each_hold_from_the_trial_they_date(tmp_path):
    """Edits from this thread while the search thread creates trials as fast as it can."""
    tuner = make(Random, tmp_path, max_trials=200, seed=6)
    ranges = [(1, 3), (4, 6)]
    tuner.search(background=True)
    edits = 0
    while tuner.status == "running" and edits < 40:
        low, high = ranges[edits % 2]
        tuner.space.set("units", min_value=low, max_value=high)
        edits += 1
    assert tuner.wait(timeout=60)
    assert edits >= 2 and len(tuner.oracle.trials) == 200
    for trial in tuner.oracle.trials.values():
        version = tuner.search_state.trial(trial.trial_id).space_version
        low, high = (1, 6) if version == 0 else ranges[(version - 1) % 2]
        assert low <= trial.hyperparameters["units"] <= high, (trial.trial_id, version)
