"""Plain Python values -> JSON-safe values, with non-finite floats made explicit.

JSON has no NaN or infinity; Jupyter's message packer would silently turn them
into null. We send them as the strings "NaN", "Infinity" and "-Infinity", which
the browser code decodes back into numbers.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode_number(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def json_safe(value: Any) -> Any:
    """Recursively convert `value` into something `json.dumps` takes as strict JSON."""
    # The common types first, by exact type: every epoch's logs pass here, and
    # the isinstance checks against numbers' ABCs below are slow.
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else encode_number(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {str(k): json_safe(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [json_safe(v) for v in value]
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return encode_number(float(value))
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return json_safe(value.tolist())
    return str(value)


def decode_number(value: Any) -> Any:
    """Inverse of `encode_number` for values read back from JSON."""
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    return value


def json_restore(value: Any) -> Any:
    """Inverse of `json_safe` for numbers (strings "NaN" etc. back to floats)."""
    if isinstance(value, dict):
        return {k: json_restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_restore(v) for v in value]
    return decode_number(value)
