"""The search's own output (keras_tuner notes, warnings, one line per trial)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import ipywidgets as widgets

from kt_widgets.core.text import strip_ansi
from kt_widgets.views.base import StreamedWidget, static_file, view_module

LINES_SHOWN = 200


class LogText(StreamedWidget):
    """The lines themselves (browser code: js/log.js). New lines travel as
    messages, so a push costs the lines it adds, not the whole log again."""

    _esm = view_module("log.js")
    _css = static_file("dashboard.css")

    def send_lines(self, lines: list[str], reset: bool = False) -> None:
        self.send({"type": "lines", "reset": reset, "lines": lines, "keep": LINES_SHOWN})


class LogView(widgets.VBox):
    """The last lines the search thread wrote; "Clear log" hides what came before.

    Only the dashboard's pump thread writes the widget: a click records the
    request and the position of the newest line at that moment (`position()`);
    the pump then drops every line up to it, including lines written before the
    click that it had not shown yet, and adds the newer ones. A view that opens
    (or reopens) asks for the lines kept here, through the pump too.
    """

    def __init__(
        self, on_change: Callable[[], None], position: Callable[[], int] | None = None
    ) -> None:
        self._lines: list[str] = []
        self._clear = threading.Event()
        self._resend = threading.Event()
        self._cleared_at = 0

        def request_resend() -> None:
            self._resend.set()
            on_change()

        self.text = LogText(on_ready=request_resend)
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
        reset = False
        if self._clear.is_set():
            self._clear.clear()
            self._lines, reset = [], True
            if first is not None:  # lines written before the click stay hidden
                lines = lines[max(0, self._cleared_at - first + 1) :]
        if self._resend.is_set():
            self._resend.clear()
            reset = True
        if not lines and not reset:
            return
        lines = [strip_ansi(line) for line in lines][-LINES_SHOWN:]
        self._lines = (self._lines + lines)[-LINES_SHOWN:]
        self.text.send_lines(self._lines if reset else lines, reset=reset)
