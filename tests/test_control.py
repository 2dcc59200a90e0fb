import threading
import time

from kt_widgets.core.control import SearchControl


def test_pause_holds_the_search_thread_until_resume():
    control = SearchControl()
    events = []
    control.pause()

    def search_thread():
        control.hold_while_paused(lambda: events.append("held"), lambda: events.append("released"))
        events.append("continued")

    thread = threading.Thread(target=search_thread)
    thread.start()
    time.sleep(0.2)
    assert events == ["held"]
    control.resume()
    thread.join(2)
    assert events == ["held", "released", "continued"]


def test_stop_releases_a_paused_search_and_is_remembered():
    control = SearchControl()
    control.pause()
    thread = threading.Thread(target=control.hold_while_paused)
    thread.start()
    control.stop()
    thread.join(2)
    assert not thread.is_alive()
    assert control.stop_requested and not control.pause_requested
    control.reset()
    assert not control.stop_requested
