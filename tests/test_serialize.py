import json
import math

import numpy as np

from kt_widgets.core.serialize import json_restore, json_safe


def test_non_finite_numbers_become_explicit_strings_and_back():
    data = {"a": math.nan, "b": math.inf, "c": -math.inf, "d": 1.5, "e": None}
    safe = json_safe(data)
    assert safe == {"a": "NaN", "b": "Infinity", "c": "-Infinity", "d": 1.5, "e": None}
    text = json.dumps(safe, allow_nan=False)  # strict JSON: no NaN tokens
    restored = json_restore(json.loads(text))
    assert math.isnan(restored["a"]) and restored["b"] == math.inf
    assert restored["c"] == -math.inf and restored["d"] == 1.5


def test_numpy_values_and_tuples_are_plain():
    safe = json_safe({"i": np.int64(3), "f": np.float32(0.5), "t": (1, np.nan), "b": True})
    assert safe == {"i": 3, "f": 0.5, "t": [1, "NaN"], "b": True}
    assert type(safe["i"]) is int
