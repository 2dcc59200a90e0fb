"""The search space as plain rows, and the history of its edits, as plain data.

Rows are read from `HyperParameters.get_config()`; the edits themselves are
checked and applied on the Keras side (`kt_widgets.space_editor`), which
reuses keras_tuner's own hyperparameter classes.
"""

from __future__ import annotations

import math
from typing import Any

# Columns of a space row, in display order.
SPACE_COLUMNS = ("name", "type", "range", "step", "sampling", "default", "condition")

# The config keys `tuner.space.set()` takes, by hyperparameter class (keras_tuner's names).
EDITABLE_KEYS = {
    "Int": ("min_value", "max_value", "step", "sampling", "default"),
    "Float": ("min_value", "max_value", "step", "sampling", "default"),
    "Choice": ("values", "default"),
    "Boolean": ("default",),
}
SAMPLINGS = ("linear", "log", "reverse_log")

# Values Hyperband sets on each trial; shown, never edited.
HYPERBAND_VALUES = {
    "tuner/epochs": "epochs the trial trains to",
    "tuner/initial_epoch": "epoch the trial starts from",
    "tuner/bracket": "Hyperband bracket",
    "tuner/round": "round within the bracket",
    "tuner/trial_id": "trial whose model it continues",
}


def format_value(value: Any) -> str:
    """A value as the dashboard shows it: strings quoted, floats short."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value) if isinstance(value, str) else str(value)


def input_text(value: Any) -> str:
    """A value as an editor field holds it: exact, and parsed back by `parse_value`."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def parse_value(text: str, like: Any = None) -> Any:
    """A value typed in the editor, read as the Python value it spells.

    With `like` a string (the hyperparameter's values are strings), the text is
    taken as it is. Otherwise "true"/"false" are booleans, integers and floats
    are numbers, quoted text is a string, and any other text stays a string, so
    that keras_tuner's own check refuses it where a number is needed rather than
    the editor turning it into something else.
    """
    text = str(text).strip()
    if isinstance(like, str):
        return text
    if isinstance(like, float):
        try:
            return float(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _condition_text(conditions: list[dict[str, Any]]) -> str:
    parts = []
    for condition in conditions:
        config = condition.get("config", {})
        values = ", ".join(format_value(v) for v in config.get("values", []))
        parts.append(f"{config.get('name')} in [{values}]")
    return " and ".join(parts)


def _parent(conditions: list[dict[str, Any]]) -> str:
    # The innermost condition names the direct parent.
    return str(conditions[-1].get("config", {}).get("name", "")) if conditions else ""


def _row(kind: str, hp: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    name = hp.get("name", "?")
    if kind == "Fixed":
        default = hp.get("value")
    elif hp.get("default") is not None:
        default = hp.get("default")
    elif kind == "Choice" and hp.get("values"):
        default = hp["values"][0]  # keras_tuner's implicit default
    else:
        default = current.get(name, hp.get("min_value"))
    if kind in ("Int", "Float"):
        value_range = f"{format_value(hp.get('min_value'))} … {format_value(hp.get('max_value'))}"
    elif kind == "Choice":
        value_range = ", ".join(format_value(v) for v in hp.get("values", []))
    elif kind == "Boolean":
        value_range = "True, False"
    else:
        value_range = format_value(default)
    step = hp.get("step")
    conditions = hp.get("conditions", [])
    return {
        "name": name,
        "type": kind,
        "range": value_range,
        "step": "" if step is None else format_value(step),
        "sampling": hp.get("sampling") or "",
        "default": format_value(default),
        "condition": _condition_text(conditions),
        "parent": _parent(conditions),
        "config": hp,
        # What the editor's fields start from.
        "fields": {
            "min_value": input_text(hp.get("min_value")),
            "max_value": input_text(hp.get("max_value")),
            "step": input_text(step),
            "default": input_text(default),
        },
        "choices": [format_value(v) for v in hp.get("values", [])],
        "pinned": False,
        "editable": kind in EDITABLE_KEYS,
        "note": "",
    }


def _under_parents(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in tree order: each conditional row right after its parent, indented."""
    by_parent: dict[str, list[dict[str, Any]]] = {}
    names = {row["name"] for row in rows}
    roots = []
    for row in rows:
        if row["parent"] and row["parent"] in names and row["parent"] != row["name"]:
            by_parent.setdefault(row["parent"], []).append(row)
        else:
            roots.append(row)
    ordered: list[dict[str, Any]] = []
    seen: set[int] = set()

    def visit(row: dict[str, Any], depth: int) -> None:
        if id(row) in seen:  # a name reused under its own subtree
            return
        seen.add(id(row))
        row["depth"] = depth
        ordered.append(row)
        for child in by_parent.pop(row["name"], []):
            visit(child, depth + 1)

    for row in roots:
        visit(row, 0)
    for children in by_parent.values():  # parents that are not rows: keep them
        for row in children:
            visit(row, 0)
    return ordered


def space_rows(
    config: dict[str, Any],
    pinned: dict[str, str] | None = None,
    read_only: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per hyperparameter of a `HyperParameters.get_config()` dict.

    Each row keeps keras_tuner's own config keys (min_value, max_value, step,
    sampling, values, default) next to display strings for every column of
    `SPACE_COLUMNS`; conditional rows follow their parent, with a `depth`.

    Args:
        config: dict. What `HyperParameters.get_config()` returns.
        pinned: dict or None. Names pinned by the editor -> the type they had.
        read_only: dict or None. Values a tuner sets itself (name -> what it
            is), shown as rows that cannot be edited.
    """
    current = config.get("values", {})
    rows = []
    for entry in config.get("space", []):
        row = _row(entry.get("class_name", "?"), dict(entry.get("config", {})), current)
        if pinned and row["name"] in pinned:
            row["pinned"] = True
            row["type"] = f"{pinned[row['name']]}, pinned"
            row["editable"] = True
        rows.append(row)
    for name, what in (read_only or {}).items():
        rows.append(
            {
                **_row("Fixed", {"name": name, "value": "", "conditions": []}, {}),
                "type": "set per trial",
                "range": what,
                "default": "",
                "editable": False,
                "note": "set by the tuner for each trial; not editable",
            }
        )
    return _under_parents(rows)


# -- edit history ---------------------------------------------------------------


def describe_edit(entry: dict[str, Any]) -> str:
    """One line for an edit of the history, e.g. "units: max_value 64 → 32"."""
    name, action = entry.get("name", "?"), entry.get("action")
    if action == "fix":
        return f"{name}: pinned to {format_value(entry.get('changes', {}).get('value'))}"
    if action == "unfix":
        return f"{name}: unpinned"
    before = entry.get("before", {})
    parts = []
    for key, value in entry.get("changes", {}).items():
        old = before.get(key)
        if isinstance(value, list) or isinstance(old, list):
            old_text = "[" + ", ".join(format_value(v) for v in old or []) + "]"
            new_text = "[" + ", ".join(format_value(v) for v in value or []) + "]"
        else:
            old_text, new_text = format_value(old), format_value(value)
        parts.append(f"{key} {old_text} → {new_text}")
    return f"{name}: " + ", ".join(parts)


def version_for_index(history: list[dict[str, Any]], index: int) -> int:
    """The space version the trial created `index`-th (from 0) ran under.

    Each edit records how many trials had been created when it was applied;
    the trials created after it run under it.
    """
    version = 0
    for entry in history:
        if entry.get("from_trial_index", math.inf) <= index:
            version = max(version, int(entry.get("version", 0)))
    return version


# -- requests of the dashboard's editor -------------------------------------------


def edit_call(request: dict[str, Any], row: dict[str, Any]) -> tuple[str, tuple, dict[str, Any]]:
    """What an edit request of the browser means, as a call on `tuner.space`.

    The browser sends the text of its fields, and indexes into the choices it
    shows; the values themselves are taken from `row["config"]`, so that their
    Python types (1.0 against 1, True against 1) never pass through JavaScript.

    Returns:
        (method name, args, kwargs) for `tuner.space`.
    """
    name = row["name"]
    config = row.get("config", {})
    action = request.get("action")
    choices = list(config.get("values", []))
    like = choices[0] if choices else None
    float_row = row["type"].startswith("Float")
    if float_row:
        like = 0.0  # "1" typed for a Float is 1.0
    if action == "set":
        changes = {}
        for key, text in (request.get("fields") or {}).items():
            if key not in EDITABLE_KEYS.get(row["type"], ()):
                raise ValueError(f"{row['type']} {name!r} has no {key!r} to set.")
            text = str(text).strip()
            if key == "sampling":
                changes[key] = text
            elif text == "":
                if key in ("min_value", "max_value"):
                    raise ValueError(f"{key} of {name!r} is empty.")
                changes[key] = None  # no step; keras_tuner's implicit default
            else:
                # A Float's fields are floats ("0" is 0.0); an Int's are what they spell.
                value = parse_value(text, like if key == "default" or float_row else None)
                if key != "default" and (isinstance(value, (str, bool))):
                    raise ValueError(f"{key} of {name!r} must be a number, got {text!r}.")
                changes[key] = value
        return "set", (name,), changes
    if action == "add_value":
        return "set", (name,), {"values": [*choices, parse_value(request.get("text", ""), like)]}
    if action in ("remove_value", "default_index") or (action == "fix" and "index" in request):
        index = request.get("index")
        if not isinstance(index, int) or not 0 <= index < len(choices):
            raise ValueError(f"{name!r} has no choice number {index!r}.")
        if action == "remove_value":
            return "set", (name,), {"values": choices[:index] + choices[index + 1 :]}
        if action == "default_index":
            return "set", (name,), {"default": choices[index]}
        return "fix", (name, choices[index]), {}
    if action == "fix":
        return "fix", (name, parse_value(request.get("text", ""), like)), {}
    if action == "unfix":
        return "unfix", (name,), {}
    raise ValueError(f"Unknown edit {action!r}.")
