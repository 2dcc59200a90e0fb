import math

from kt_widgets.core.state import TrialRecord
from kt_widgets.core.table import table_columns, trial_row


def test_columns_put_hyperparameters_and_metrics_between_score_and_timing():
    columns = table_columns({"units": "number", "act": "text"}, ["val_accuracy"])
    assert [c["key"] for c in columns] == [
        "trial_id",
        "status",
        "score",
        "hp:units",
        "hp:act",
        "m:val_accuracy",
        "best_step",
        "epochs",
        "duration",
    ]
    kinds = {c["key"]: c["kind"] for c in columns}
    assert kinds["trial_id"] == "id" and kinds["hp:units"] == "number" and kinds["hp:act"] == "text"


def test_row_is_json_safe_with_nan_spelled_out():
    record = TrialRecord(
        trial_id="03",
        status="FAILED",
        hyperparameters={"units": 32},
        score=math.nan,
        metrics={"loss": math.inf},
        executions=[[(0, {}), (1, {})]],
        started=10.0,
        ended=12.5,
    )
    row = trial_row(record)
    assert row == {
        "trial_id": "03",
        "status": "FAILED",
        "score": "NaN",
        "best_step": None,
        "epochs": 2,
        "duration": 2.5,
        "space_version": 0,
        "hp:units": 32,
        "m:loss": "Infinity",
    }
