"""The search's own output (keras_tuner notes, warnings, one line per trial)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from kt_widgets.core.text import strip_ansi

LINES_SHOWN = 200


class LogView(widgets.VBox):
    """The last lines the search thread wrote; "Clear log" hides what came before.

    Only the dashboard's pump thread writes the widget: a click records the
    request and the position of the newest line at that moment (`position()`);
    the pump then drops every line up to it, including lines written before the
    click that it had not shown yet, and adds the newer ones.
    """

    def __init__(
        self, on_change: Callable[[], None], position: Callable[[], int] | None = None
    ) -> None:
        self._lines: list[str] = []
        self._clear = threading.Event()
        self._cleared_at = 0
        self.text = widgets.HTML()
        self.text.add_class("ktw-log")
        self.clear_button = widgets.Button(description="Clear log", icon="eraser")
        self.clear_button.layout.width = "110px"

        def request_clear(_button) -> None:
            if position is not None:
                self._cleared_at = position()
            self._clear.set()
            on_change()

        self.clear_button.on_click(request_clear)
        super().__init__([self.text, self.clear_button])

    @property
    def lines(self) -> list[str]:
        return list(self._lines)

    def add(self, lines: list[str], first: int | None = None) -> None:
        """Append `lines`; `first` is the position of the first of them."""
        if self._clear.is_set():
            self._clear.clear()
            self._lines = []
            if first is not None:  # lines written before the click stay hidden
                lines = lines[max(0, self._cleared_at - first + 1) :]
            changed = True
        else:
            changed = bool(lines)
        if not changed:
            return
        self._lines = (self._lines + lines)[-LINES_SHOWN:]
        body = escape(strip_ansi("\n".join(self._lines))) or "(no output)"
        # column-reverse keeps the box scrolled to its end, the newest lines,
        # each time the text is replaced.
        self.text.value = (
            '<div style="max-height:180px;overflow:auto;display:flex;'
            'flex-direction:column-reverse">'
            f'<pre style="font-size:11px;margin:0">{body}</pre></div>'
        )
