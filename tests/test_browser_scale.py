"""A dashboard of 10,000 trials in a real JupyterLab: the table stays usable.

The notebook gives a model-free kt_widgets tuner 10,000 finished trials of 50
epochs (read back as from an earlier search) and shows its dashboard. A user
sees the count, sorts by score (the best trial comes first), scrolls to the
end (the worst trial is there), and selects a row there (its curve is drawn).
Only the rows in view are in the page, so this stays fast; the timings are
measured by benchmarks/browser_scale.py, not here.
"""

from __future__ import annotations

import pytest
from browser_support import (
    ROWS,
    open_notebook_with_kernel,
    run_all_cells,
    table_rows,
    wait_js,
    write_notebook,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "scale.ipynb"
TRIALS = 10_000
EPOCHS = 50

# Scores are a permutation of i / PRIME over the trials: distinct, so the
# best and the worst trial are known without running anything.
PRIME = 10_007
MULTIPLIER = 7_919


def score_of(index: int) -> float:
    return (index * MULTIPLIER % PRIME) / PRIME


# Also used by benchmarks/browser_scale.py: keep it a plain format string.
SCALE_CELL = """\
import keras_tuner
import kt_widgets as ktw
from kt_widgets.core.state import TrialRecord

class ModelFree(ktw.Tuner):
    def run_trial(self, trial, *args, **kwargs):
        return 0.0

tuner = ModelFree(
    oracle=keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("val_accuracy", "max"), max_trials={trials}
    ),
    directory={directory!r}, project_name="scale", overwrite=True,
)
for i in range({trials}):
    score = (i * {multiplier} % {prime}) / {prime}
    curve = [
        (epoch, {{"loss": 1 / (epoch + 1), "val_accuracy": score * (epoch + 1) / {epochs}}})
        for epoch in range({epochs})
    ]
    tuner.search_state.restore_trial(TrialRecord(
        trial_id=str(i), status="COMPLETED", score=score, best_step={epochs} - 1,
        hyperparameters={{"units": 16 + i % 7 * 16, "activation": ("relu", "tanh")[i % 2]}},
        metrics={{"val_accuracy": score}}, executions=[curve], started=0.0, ended=1.0,
    ))
tuner.dashboard"""


def scale_notebook(root, trials: int = TRIALS, epochs: int = EPOCHS) -> str:
    cell = SCALE_CELL.format(
        trials=trials,
        epochs=epochs,
        directory=str(root / "scale-runs"),
        multiplier=MULTIPLIER,
        prime=PRIME,
    )
    return write_notebook(root, NOTEBOOK, [cell])


def test_ten_thousand_trials_sort_scroll_and_select(lab, page):
    name = scale_notebook(lab.root)
    open_notebook_with_kernel(page, lab, name)
    run_all_cells(page)
    wait_js(
        page,
        "n => document.querySelector('.ktw-table .ktw-count')?.textContent === `${n} trials`",
        "the table never counted all the trials",
        arg=TRIALS,
    )
    in_page = page.evaluate(f"() => {ROWS}.length")
    assert 0 < in_page <= 200, f"{in_page} rows in the page: the table must show a window"

    scores = {str(i): score_of(i) for i in range(TRIALS)}
    best = max(scores, key=scores.get)
    worst = min(scores, key=scores.get)
    # The objective is maximized: the table starts sorted by score, descending.
    score_header = page.locator('.ktw-table th[data-key="score"]')
    assert score_header.get_attribute("aria-sort") == "descending"
    assert table_rows(page)[0][0] == best
    score_header.click()  # ascending: the worst first
    wait_js(page, f"() => {ROWS}[0]?.dataset.trialId === {worst!r}", "no worst trial first")
    score_header.click()  # descending again
    wait_js(page, f"() => {ROWS}[0]?.dataset.trialId === {best!r}", "no best trial first")

    # Scrolled to the end, the last row is the worst trial, as in a full table.
    page.evaluate("() => { const s = document.querySelector('.ktw-table .ktw-scroll');"
                  " s.scrollTop = s.scrollHeight; }")  # fmt: skip
    wait_js(
        page,
        f"() => [...{ROWS}].at(-1)?.dataset.trialId === {worst!r}",
        lambda: f"the end of the table is not the worst trial: {table_rows(page)[-3:]}",
    )
    rows = table_rows(page)
    shown = [scores[trial] for trial, _ in rows]
    assert shown == sorted(shown, reverse=True), "the rows in view are out of order"
    assert len(rows) <= 200

    # A click there selects that trial, and its curve is drawn.
    page.locator(f'.ktw-table tr[data-trial-id="{worst}"]').click()
    wait_js(
        page,
        """id => document.querySelector(`.ktw-table tr[data-trial-id="${id}"]`)
              ?.getAttribute('aria-selected') === 'true'
            && [...document.querySelectorAll('.ktw-dashboard path.ktw-series')]
              .map((path) => path.dataset.trialId).join() === id""",
        "selecting the last row did not draw exactly its curve",
        arg=worst,
        timeout=20_000,
    )
