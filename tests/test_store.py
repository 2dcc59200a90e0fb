"""The files kt_widgets keeps beside keras_tuner's: their format does not change."""

import math

from kt_widgets import store
from kt_widgets.core.state import SearchState

# A curves file as kt_widgets has always written it: two executions, a metric
# missing from one epoch, another appearing late, and non-finite values.
SAVED = (
    '{"format": 1, "executions": [[[0, {"loss": 1.0, "val_loss": "NaN"}], [1, {"loss": 0.5}],'
    ' [2, {"loss": 0.25, "val_loss": "Infinity", "lr": 0.1}]], [[0, {"loss": 2.0}]]]}'
)


def test_a_saved_curves_file_reads_back_and_is_written_again_byte_for_byte(tmp_path):
    (tmp_path / store.CURVES_FILE).write_text(SAVED, encoding="utf-8")
    first, second = store.read_curves(str(tmp_path))
    assert [epoch for epoch, _ in first] == [0, 1, 2]
    assert math.isnan(first[0][1]["val_loss"])
    assert first[1:] == [(1, {"loss": 0.5}), (2, {"loss": 0.25, "val_loss": math.inf, "lr": 0.1})]
    assert second == [(0, {"loss": 2.0})]
    again = tmp_path / "again"
    again.mkdir()
    store.write_curves(str(again), [first, second])
    assert (again / store.CURVES_FILE).read_text(encoding="utf-8") == SAVED


def test_curves_logged_live_are_saved_in_the_same_format(tmp_path):
    state = SearchState()
    state.trial_started("0", {})
    for epoch, logs in [
        (0, {"loss": 1.0, "val_loss": math.nan}),
        (1, {"loss": 0.5}),
        (2, {"loss": 0.25, "val_loss": math.inf, "lr": 0.1}),
        (0, {"loss": 2.0}),
    ]:
        state.epoch_ended("0", epoch, logs)
    store.write_curves(str(tmp_path), state.curves("0"))
    assert (tmp_path / store.CURVES_FILE).read_text(encoding="utf-8") == SAVED
