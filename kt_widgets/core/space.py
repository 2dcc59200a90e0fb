"""The search space as plain rows, read from `HyperParameters.get_config()`."""

from __future__ import annotations

from typing import Any

# Columns of a space row, in display order.
SPACE_COLUMNS = ("name", "type", "range", "step", "sampling", "default", "condition")


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value) if isinstance(value, str) else str(value)


def _condition_text(conditions: list[dict[str, Any]]) -> str:
    parts = []
    for condition in conditions:
        config = condition.get("config", {})
        values = ", ".join(_format_value(v) for v in config.get("values", []))
        parts.append(f"{config.get('name')} in [{values}]")
    return " and ".join(parts)


def space_rows(config: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per hyperparameter of a `HyperParameters.get_config()` dict.

    Each row keeps keras_tuner's own config keys (min_value, max_value, step,
    sampling, values, default) next to display strings for every column of
    `SPACE_COLUMNS`.
    """
    current = config.get("values", {})
    rows = []
    for entry in config.get("space", []):
        kind = entry.get("class_name", "?")
        hp = dict(entry.get("config", {}))
        name = hp.get("name", "?")
        if kind == "Fixed":
            default = hp.get("value")
        elif hp.get("default") is not None:
            default = hp.get("default")
        else:
            default = current.get(name, hp.get("min_value"))
        if kind in ("Int", "Float"):
            value_range = (
                f"{_format_value(hp.get('min_value'))} … {_format_value(hp.get('max_value'))}"
            )
        elif kind == "Choice":
            value_range = ", ".join(_format_value(v) for v in hp.get("values", []))
        elif kind == "Boolean":
            value_range = "True, False"
        else:
            value_range = _format_value(default)
        step = hp.get("step")
        rows.append(
            {
                "name": name,
                "type": kind,
                "range": value_range,
                "step": "" if step is None else _format_value(step),
                "sampling": hp.get("sampling") or "",
                "default": _format_value(default),
                "condition": _condition_text(hp.get("conditions", [])),
                "config": hp,
            }
        )
    return rows
