"""Short human-readable text for scores and durations (header, trial lines)."""

from __future__ import annotations

import math
import re

# Terminal colour codes, as in Keras' error messages: meaningless in HTML.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def format_score(value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return f"{value:.4g}"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def headline(text: str | None, limit: int = 200) -> str:
    """One line that says what an error is, shortened, without colour codes.

    For a traceback (keras_tuner stores one as a failed trial's message) that
    is its last unindented line, the exception; otherwise the first line.
    """
    lines = [line for line in strip_ansi(text or "").splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[0]
    if line.startswith("Traceback"):
        line = next((ln for ln in reversed(lines) if not ln[0].isspace()), line)
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
