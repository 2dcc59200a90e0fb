"""What the custom views share: their browser files, and the "ready" handshake."""

from __future__ import annotations

import re
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


_SHARED_IMPORT = re.compile(r'^import \{[^}]*\} from "\./shared\.js";\n', re.MULTILINE)


def view_module(name: str) -> str:
    """The ES module of a view as anywidget takes it: one string, no relative import.

    The views import their common helpers from ./shared.js (so Node's tests can
    import them too); here that import line is replaced by the helpers' source.
    """
    source = static_file(name).read_text(encoding="utf-8")
    shared = static_file("shared.js").read_text(encoding="utf-8")
    module, count = _SHARED_IMPORT.subn(lambda _match: shared, source, count=1)
    if count != 1:
        raise RuntimeError(f"{name} must import its helpers from ./shared.js")
    return module


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
