from kt_widgets.core.space import space_rows

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
    assert list(rows) == ["units", "lr", "act", "drop", "f", "x"]
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
    assert rows["units"]["config"]["max_value"] == 64  # keras_tuner's own keys are kept


def test_an_empty_space_has_no_rows():
    assert space_rows({"space": [], "values": {}}) == []
