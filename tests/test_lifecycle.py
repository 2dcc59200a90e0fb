"""The search's states, their moves, and which control applies when (no Keras, no widgets)."""

import threading

import pytest

from kt_widgets.core import lifecycle as lc
from kt_widgets.core import state as st
from kt_widgets.core.lifecycle import Situation
from kt_widgets.core.state import SearchState


def reachable(start):
    seen, todo = {start}, [start]
    while todo:
        for target in lc.TRANSITIONS[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_status_is_reachable_and_every_ended_search_can_continue():
    assert set(lc.TRANSITIONS) == set(lc.STATUSES)
    assert reachable(st.IDLE) == set(lc.STATUSES)
    for status in lc.STATUSES:
        assert st.RUNNING in reachable(status) or status == st.RUNNING
    for ended in lc.ENDED:
        assert lc.TRANSITIONS[ended] == {st.RUNNING}  # only Continue leaves an ended search
    assert not lc.can_move(st.PAUSED, st.FINISHED)  # a paused search resumes first
    assert not lc.can_move(st.RUNNING, st.IDLE)
    assert lc.sources(st.PAUSED) == {st.PAUSING}
    assert lc.sources(st.STOPPED) == {st.STOPPING}


def test_the_state_moves_only_along_the_table_when_asked_to():
    state = SearchState()
    assert state.set_status(st.RUNNING, only_from=lc.sources(st.RUNNING))
    assert not state.set_status(st.PAUSED, only_from=lc.sources(st.PAUSED))  # not pausing
    assert state.status == st.RUNNING
    assert state.set_status(st.PAUSING, only_from=lc.sources(st.PAUSING))
    assert state.set_status(st.PAUSED, only_from=lc.sources(st.PAUSED))
    assert not state.set_status(st.FINISHED, only_from=lc.sources(st.FINISHED))
    assert state.status == st.PAUSED


def test_two_threads_racing_to_move_the_search_move_it_once():
    # Resume (main thread) racing the search thread's "held": one wins, never both.
    for _ in range(200):
        state = SearchState()
        state.set_status(st.RUNNING)
        state.set_status(st.PAUSING)
        results = []
        barrier = threading.Barrier(2)

        def move(to, results=results, state=state, barrier=barrier):
            barrier.wait()
            results.append(state.set_status(to, only_from={st.PAUSING}))

        threads = [threading.Thread(target=move, args=(s,)) for s in (st.PAUSED, st.RUNNING)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False, True]


CONTROLS_BY_STATUS = {
    # status: the controls that apply (a trial running, nothing else asked)
    st.IDLE: {lc.MAX_TRIALS},
    st.RUNNING: {lc.PAUSE, lc.STOP, lc.STOP_NOW, lc.SKIP_TRIAL, lc.MAX_TRIALS},
    st.PAUSING: {lc.RESUME, lc.STOP, lc.STOP_NOW, lc.SKIP_TRIAL, lc.MAX_TRIALS},
    st.PAUSED: {lc.RESUME, lc.STOP, lc.STOP_NOW, lc.SKIP_TRIAL, lc.MAX_TRIALS},
    st.STOPPING: {lc.STOP_NOW, lc.SKIP_TRIAL, lc.MAX_TRIALS},
    st.STOPPED: {lc.CONTINUE, lc.MAX_TRIALS},
    st.FINISHED: {lc.CONTINUE, lc.MAX_TRIALS},
    st.FAILED: {lc.CONTINUE, lc.MAX_TRIALS},
}


@pytest.mark.parametrize("status", lc.STATUSES)
def test_which_controls_apply_in_each_status(status):
    # Idle with data known: a tuner reloaded in a kernel that has searched (rare);
    # without data, Continue is refused (see the next test).
    situation = Situation(status=status, running_trial="3")
    blocked = lc.blocked_controls(situation)
    applies = set(lc.CONTROLS) - set(blocked)
    expected = CONTROLS_BY_STATUS[status] | ({lc.CONTINUE} if status == st.IDLE else set())
    assert applies == expected
    for reason in blocked.values():
        assert reason.endswith(".") and len(reason) > 20  # a sentence saying why


def test_the_reasons_say_what_to_do():
    def why(control, **facts):
        return lc.blocked_reason(control, Situation(**facts))

    assert why(lc.PAUSE, status=st.IDLE) == "The search is idle; call tuner.search(...) first."
    assert "already paused" in why(lc.PAUSE, status=st.PAUSED)
    assert why(lc.RESUME, status=st.RUNNING) == "The search is not paused."
    assert "raise max_trials" in why(lc.CONTINUE, status=st.FINISHED, trials_left=False)
    assert "with the data" in why(
        lc.CONTINUE, status=st.IDLE, continue_blocker="... call tuner.search(...) with the data."
    )
    assert "between trials" in why(lc.SKIP_TRIAL, status=st.RUNNING)
    assert "already ends early" in why(
        lc.SKIP_TRIAL, status=st.RUNNING, running_trial="2", skip_requested=True
    )
    assert "already being stopped" in why(lc.STOP_NOW, status=st.STOPPING, stop_now_requested=True)
    assert "use Stop" in why(lc.STOP_NOW, status=st.RUNNING, distributed=True)
    assert "Hyperband" in why(lc.MAX_TRIALS, status=st.RUNNING, budget_blocker="Hyperband's ...")
    with pytest.raises(ValueError, match="unknown control 'rewind'"):
        why("rewind", status=st.RUNNING)
