"""Output of the search thread goes to its log, never into the running cell."""

import io
import sys
import threading

from kt_widgets.core.streams import routed_output


def test_thread_output_goes_to_its_sink_and_other_output_is_untouched(monkeypatch):
    cell = io.StringIO()
    monkeypatch.setattr(sys, "stdout", cell)
    monkeypatch.setattr(sys, "stderr", cell)
    lines = []
    started, release = threading.Event(), threading.Event()

    def worker():
        with routed_output(lines.append):
            print("epoch 1")
            started.set()
            release.wait()
            sys.stderr.write("warning: slow\nprogress 10%\rprogress 100%\n")
            print("unterminated", end="")

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait()
    print("other")  # the user's cell, while the worker is routed
    release.set()
    thread.join()
    assert lines == ["epoch 1", "warning: slow", "progress 100%", "unterminated"]
    assert cell.getvalue() == "other\n"


def test_logging_handlers_made_before_follow_the_routing(monkeypatch):
    import logging

    cell = io.StringIO()
    monkeypatch.setattr(sys, "stderr", cell)
    logger = logging.getLogger("kt_widgets_test_library")
    handler = logging.StreamHandler()  # holds the cell's stream, as TensorFlow's does
    logger.addHandler(handler)
    logger.propagate = False
    lines = []
    try:

        def worker():
            with routed_output(lines.append):
                logger.warning("from the search")

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        logger.warning("from the cell")
    finally:
        logger.removeHandler(handler)
    assert lines == ["from the search"]
    assert cell.getvalue() == "from the cell\n"
