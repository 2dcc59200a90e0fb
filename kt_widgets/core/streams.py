"""Route what worker threads write to stdout / stderr into a log, not into a cell.

In a kernel, `sys.stdout` sends text to whichever cell runs at that moment, so a
print from the search thread (keras_tuner's retry notes, Keras and TensorFlow
warnings) would land in an unrelated cell. `LineRouter` wraps the stream once; a
write from a registered thread is buffered into whole lines and handed to that
thread's sink, every other write goes to the wrapped stream unchanged.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

Sink = Callable[[str], None]

_install_lock = threading.Lock()


class LineRouter:
    """A text stream that diverts the writes of registered threads to sinks."""

    def __init__(self, wrapped) -> None:
        self._wrapped = wrapped
        self._sinks: dict[int, Sink] = {}
        self._partial: dict[int, str] = {}

    def route(self, thread_id: int, sink: Sink) -> None:
        self._sinks[thread_id] = sink

    def routes(self, thread_id: int) -> bool:
        return thread_id in self._sinks

    def unroute(self, thread_id: int) -> None:
        self.flush_thread(thread_id)
        self._sinks.pop(thread_id, None)

    def write(self, text: str) -> int:
        ident = threading.get_ident()
        sink = self._sinks.get(ident)
        if sink is None:
            return self._wrapped.write(text)
        buffered = self._partial.pop(ident, "") + text
        # Progress bars rewrite one line with "\r"; keep only the final text.
        *lines, rest = buffered.split("\n")
        for line in lines:
            sink(line.rsplit("\r", 1)[-1])
        if rest:
            self._partial[ident] = rest
        return len(text)

    def flush_thread(self, thread_id: int) -> None:
        rest = self._partial.pop(thread_id, "")
        sink = self._sinks.get(thread_id)
        if rest and sink is not None:
            sink(rest.rsplit("\r", 1)[-1])

    def flush(self) -> None:
        if threading.get_ident() not in self._sinks:
            self._wrapped.flush()

    def isatty(self) -> bool:
        # Worker output is a log, not a terminal: no progress-bar escapes.
        if threading.get_ident() in self._sinks:
            return False
        return self._wrapped.isatty()

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


def router_for(stream_name: str) -> LineRouter:
    """The router installed on `sys.<stream_name>`, installing it on first use.

    Logging handlers that hold the wrapped stream itself (TensorFlow's, absl's,
    a user's `StreamHandler()` made before) are pointed at the router too, or
    their records from the search thread would still reach the running cell.
    """
    with _install_lock:
        stream = getattr(sys, stream_name)
        if not isinstance(stream, LineRouter):
            stream = LineRouter(stream)
            setattr(sys, stream_name, stream)
        _adopt_logging_handlers(stream)
        return stream


def _adopt_logging_handlers(router: LineRouter) -> None:
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in list(logger.handlers):
            # absl wraps a StreamHandler in its own handler.
            for candidate in (handler, getattr(handler, "python_handler", None)):
                if (
                    isinstance(candidate, logging.StreamHandler)
                    and candidate.stream is router._wrapped
                ):
                    candidate.setStream(router)


class routed_output:
    """Context manager: the current thread's stdout and stderr go to `sink`."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._routers: list[LineRouter] = []

    def __enter__(self) -> routed_output:
        ident = threading.get_ident()
        self._routers = [router_for("stdout"), router_for("stderr")]
        for router in self._routers:
            router.route(ident, self._sink)
        return self

    def __exit__(self, *exc) -> None:
        ident = threading.get_ident()
        for router in self._routers:
            router.unroute(ident)
