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


def test_only_a_pause_or_a_stop_now_needs_the_search_threads_attention():
    control = SearchControl()
    assert not control.attention_needed
    control.skip("3")  # read at the epoch's end, not at every batch
    assert not control.attention_needed
    assert control.skip_requested("3") and not control.skip_requested("4")
    control.pause()
    assert control.attention_needed
    control.resume()
    assert not control.attention_needed
    control.stop()  # a plain stop waits for the trial's end: nothing to do per batch
    assert not control.attention_needed and control.stop_requested
    control.stop_now()
    assert control.attention_needed and control.stop_now_requested
    control.reset()
    assert not control.attention_needed and not control.skip_requested("3")


def test_stop_now_releases_a_paused_search():
    control = SearchControl()
    control.pause()
    thread = threading.Thread(target=control.hold_while_paused)
    thread.start()
    time.sleep(0.1)
    assert thread.is_alive()
    control.stop_now()
    thread.join(2)
    assert not thread.is_alive() and control.stop_now_requested
