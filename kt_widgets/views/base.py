"""What the custom views share: their browser files, and the "ready" handshake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget

_PACKAGE = Path(__file__).resolve().parent.parent


def static_file(name: str) -> Path:
    """A file of js/: kt_widgets/static/ in a wheel, ../js in a source checkout."""
    for folder in (_PACKAGE / "static", _PACKAGE.parent / "js"):
        path = folder / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"kt_widgets is missing its browser file {name!r}")


class StreamedWidget(anywidget.AnyWidget):
    """An anywidget whose bulk data travels as messages, not traits.

    Messages sent before a view exists are lost, so every view announces itself
    with {"type": "ready"}; `on_ready` then resends the full data.
    """

    def __init__(self, on_ready: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_ready = on_ready
        self.on_msg(self._handle_message)

    def _handle_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "ready" and self._on_ready:
            self._on_ready()
