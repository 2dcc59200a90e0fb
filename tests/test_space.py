import pytest

from kt_widgets.core.space import (
    describe_edit,
    edit_call,
    parse_value,
    space_rows,
    version_for_index,
)

# The shape of keras_tuner's HyperParameters.get_config() (1.4).
CONFIG = {
    "space": [
        {
            "class_name": "Int",
            "config": {
                "name": "units",
                "default": None,
                "conditions": [],
                "min_value": 8,
                "max_value": 64,
                "step": 8,
                "sampling": "linear",
            },
        },
        {
            "class_name": "Float",
            "config": {
                "name": "lr",
                "default": 0.0001,
                "conditions": [],
                "min_value": 0.0001,
                "max_value": 0.1,
                "step": None,
                "sampling": "log",
            },
        },
        {
            "class_name": "Choice",
            "config": {
                "name": "act",
                "default": "relu",
                "conditions": [],
                "values": ["relu", "tanh"],
                "ordered": False,
            },
        },
        {"class_name": "Boolean", "config": {"name": "drop", "default": False, "conditions": []}},
        {"class_name": "Fixed", "config": {"name": "f", "conditions": [], "value": 3}},
        {
            "class_name": "Int",
            "config": {
                "name": "x",
                "default": None,
                "min_value": 1,
                "max_value": 3,
                "step": 1,
                "sampling": "linear",
                "conditions": [
                    {"class_name": "Parent", "config": {"name": "act", "values": ["relu"]}}
                ],
            },
        },
    ],
    "values": {"units": 8, "lr": 0.0001, "act": "relu", "drop": False, "f": 3, "x": 1},
}


def test_rows_show_type_range_step_sampling_default_and_condition():
    rows = {row["name"]: row for row in space_rows(CONFIG)}
    assert list(rows) == ["units", "lr", "act", "x", "drop", "f"]  # x under its parent
    assert (rows["units"]["type"], rows["units"]["range"], rows["units"]["step"]) == (
        "Int",
        "8 … 64",
        "8",
    )
    assert rows["units"]["default"] == "8"  # keras_tuner's implicit default: min_value
    assert (rows["lr"]["sampling"], rows["lr"]["range"]) == ("log", "0.0001 … 0.1")
    assert rows["act"]["range"] == "'relu', 'tanh'"
    assert rows["drop"]["range"] == "True, False"
    assert rows["f"]["default"] == "3"
    assert rows["x"]["condition"] == "act in ['relu']"
    assert (rows["x"]["parent"], rows["x"]["depth"], rows["act"]["depth"]) == ("act", 1, 0)
    assert rows["units"]["config"]["max_value"] == 64  # keras_tuner's own keys are kept


def test_an_empty_space_has_no_rows():
    assert space_rows({"space": [], "values": {}}) == []


ROWS = {row["name"]: row for row in space_rows(CONFIG)}


def test_typed_text_becomes_the_python_value_it_spells():
    assert parse_value(" 32 ") == 32 and type(parse_value("32")) is int
    assert parse_value("1e-3") == 0.001
    assert parse_value("True") is True and parse_value("false") is False
    assert parse_value("'3'") == "3" and parse_value("relu") == "relu"
    assert parse_value("3", like="a") == "3"  # a Choice of strings takes the text as it is
    assert parse_value("1", like=0.5) == 1.0 and type(parse_value("1", like=0.5)) is float


def test_editor_requests_become_tuner_space_calls_with_values_from_python():
    units, act = ROWS["units"], ROWS["act"]
    request = {"action": "set", "fields": {"max_value": "32", "step": ""}}
    assert edit_call(request, units) == ("set", ("units",), {"max_value": 32, "step": None})
    assert edit_call({"action": "add_value", "text": "elu"}, act) == (
        "set",
        ("act",),
        {"values": ["relu", "tanh", "elu"]},
    )
    assert edit_call({"action": "remove_value", "index": 1}, act)[2] == {"values": ["relu"]}
    assert edit_call({"action": "default_index", "index": 1}, act)[2] == {"default": "tanh"}
    assert edit_call({"action": "fix", "index": 1}, act) == ("fix", ("act", "tanh"), {})
    assert edit_call({"action": "fix", "text": "0.01"}, ROWS["lr"]) == ("fix", ("lr", 0.01), {})
    assert edit_call({"action": "unfix"}, units) == ("unfix", ("units",), {})
    for request, row, message in [
        ({"action": "set", "fields": {"min_value": "abc"}}, units, "must be a number"),
        ({"action": "set", "fields": {"max_value": ""}}, units, "is empty"),
        ({"action": "set", "fields": {"values": "1"}}, units, "no 'values'"),
        ({"action": "remove_value", "index": 5}, act, "no choice number 5"),
        ({"action": "explode"}, act, "Unknown edit"),
    ]:
        with pytest.raises(ValueError, match=message):
            edit_call(request, row)


def test_edits_read_as_one_line_and_date_the_trials_after_them():
    history = [
        {
            "version": 1,
            "action": "set",
            "name": "units",
            "changes": {"max_value": 32},
            "before": {"max_value": 64},
            "from_trial_index": 3,
        },
        {
            "version": 2,
            "action": "fix",
            "name": "act",
            "changes": {"value": "relu"},
            "before": {},
            "from_trial_index": 5,
        },
        {
            "version": 3,
            "action": "unfix",
            "name": "act",
            "changes": {},
            "before": {},
            "from_trial_index": 5,
        },
    ]
    assert [describe_edit(e) for e in history] == [
        "units: max_value 64 → 32",
        "act: pinned to 'relu'",
        "act: unpinned",
    ]
    assert [version_for_index(history, i) for i in range(7)] == [0, 0, 0, 1, 1, 3, 3]
