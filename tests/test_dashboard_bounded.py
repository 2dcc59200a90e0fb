"""What the dashboard sends the browser for one new epoch does not grow with the trials.

Every widget message goes through a comm that encodes it as JSON, as the kernel
would, and records its size. The same epoch is pushed with 10 and with 1,000
finished trials of 50 epochs behind it.
"""

import json

import comm
import pytest
from comm.base_comm import BaseComm

from kt_widgets.core import state as st
from kt_widgets.core.state import SearchState
from kt_widgets.dashboard import Dashboard

EPOCHS = 50
RUNNING = "running"
# One epoch changes the running trial's row, adds one point to its curve and
# one to the header's epoch count: a few hundred bytes each.
EPOCH_BYTES_BOUND = 4096


def logs(epoch: int, score: float) -> dict[str, float]:
    return {"loss": 1 / (epoch + 1), "val_accuracy": score * (epoch + 1) / EPOCHS}


class RecordingComm(BaseComm):
    """A comm with no browser behind it: encodes each message and keeps it."""

    sent: list[tuple[str, dict, int]] = []

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        content = dict(data or {}, comm_id=self.comm_id)
        size = len(json.dumps(content)) + sum(len(bytes(b)) for b in buffers or ())
        self.sent.append((msg_type, data or {}, size))


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(RecordingComm, "sent", messages)
    monkeypatch.setattr(comm, "create_comm", RecordingComm)
    return messages


def one_epoch(trials: int, sent: list) -> list[tuple[str, dict, int]]:
    """The messages for epoch 3 of a running trial, after `trials` finished ones."""
    state = SearchState(objective="val_accuracy", direction="max", max_trials=trials + 1)
    state.set_status(st.RUNNING)
    for i in range(trials):
        score = (i * 7919 % 10007) / 10007
        state.trial_started(str(i), {"units": 16 + i % 7 * 16, "activation": "relu"})
        for epoch in range(EPOCHS):
            state.epoch_ended(str(i), epoch, logs(epoch, score))
        state.trial_ended(str(i), "COMPLETED", score=score, metrics={"val_accuracy": score})
    state.trial_started(RUNNING, {"units": 64, "activation": "tanh"})
    for epoch in range(3):
        state.epoch_ended(RUNNING, epoch, logs(epoch, 0.5))
    board = Dashboard(state, None, live=False)
    board.table._handle_message(None, {"type": "ready"}, [])  # a view shows: it gets it all
    board.curves._handle_message(None, {"type": "ready"}, [])
    board.push()
    before = len(sent)
    state.epoch_ended(RUNNING, 3, logs(3, 0.5))
    board.push()
    epoch_messages = sent[before:]
    board.close()
    return epoch_messages


def custom(messages, kind):
    return [
        data["content"]
        for _, data, _ in messages
        if data.get("method") == "custom" and data["content"].get("type") == kind
    ]


def test_one_epoch_sends_the_same_deltas_at_10_and_at_1000_trials(sent):
    few = one_epoch(10, sent)
    many = one_epoch(1000, sent)
    for messages in (few, many):
        # The running trial's row, and the one new point of its curve: deltas.
        (rows,) = custom(messages, "rows")
        assert not rows["reset"] and [row["trial_id"] for row in rows["rows"]] == [RUNNING]
        (series,) = custom(messages, "series")
        assert not series["reset"]
        assert [(s["trial_id"], len(s["points"])) for s in series["series"]] == [(RUNNING, 1)]
    total_few = sum(s for *_, s in few)
    total_many = sum(s for *_, s in many)
    assert total_many <= EPOCH_BYTES_BOUND, f"{total_many} bytes for one epoch: {many}"
    # The header's counts have more digits at 1,000 trials; nothing else may grow.
    assert total_many - total_few < 64, (total_few, total_many)
