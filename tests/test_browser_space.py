"""The search-space editor in a real JupyterLab, while a search runs.

A model-free RandomSearch runs in the kernel's background. In the dashboard's
"Search space" panel a user first types an invalid range (refused inline with
keras_tuner's message, nothing changes), then narrows the range of `units`
and applies it. The edit shows in the history, and every trial created after
it (Space column 1) lies in the new range.
"""

from __future__ import annotations

import pytest
from browser_support import (
    FINISH_MS,
    is_ours,
    open_notebook_with_kernel,
    run_all_cells,
    save_screenshot,
    screenshot_path,
    wait_for_status,
    wait_js,
    write_notebook,
)

pytestmark = pytest.mark.browser

TRIALS = 10
SEARCH_CELL = """\
import time
import kt_widgets as ktw

def build(hp):
    hp.Int("units", 1, 100)
    hp.Choice("act", ["relu", "tanh"])
    with hp.conditional_scope("act", ["relu"]):
        hp.Int("depth", 1, 3)
    return 0

class ModelFree(ktw.RandomSearch):
    def run_trial(self, trial, *args, **kwargs):
        time.sleep(1.5)
        return float(trial.hyperparameters["units"])

tuner = ModelFree(hypermodel=build, objective="loss", max_trials={trials}, seed=1,
                  directory={directory!r}, project_name="space", overwrite=True)
tuner.search()"""

UNITS_ROW = '.ktw-space tr.ktw-space-row[data-name="units"]'


def trial_cells(page) -> list[tuple[str, str, str]]:
    """(trial id, units, space version) of every row of the trial table."""
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.ktw-table tr[data-trial-id]')].map((tr) => [
            tr.dataset.trialId,
            tr.querySelector('td[data-key="hp:units"]')?.textContent ?? '',
            tr.querySelector('td[data-key="space_version"]')?.textContent ?? '',
        ])"""
    )
    return [tuple(row) for row in rows]


def test_a_range_edited_in_the_ui_holds_for_the_later_trials(lab, page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    cell = SEARCH_CELL.format(trials=TRIALS, directory=str(lab.root / "space-runs"))
    name = write_notebook(lab.root, "space.ipynb", [cell])
    open_notebook_with_kernel(page, lab, name)
    run_all_cells(page)
    wait_for_status(page, "running", timeout=120_000)
    dashboard = page.locator(".ktw-dashboard").first
    dashboard.get_by_text("Search space", exact=True).click()
    row = page.locator(UNITS_ROW)
    row.wait_for(state="visible")
    # A conditional hyperparameter sits under its parent, with its condition.
    names = page.eval_on_selector_all(
        ".ktw-space tr.ktw-space-row", "rows => rows.map((tr) => tr.dataset.name)"
    )
    assert names == ["units", "act", "depth"]
    condition = page.locator('.ktw-space tr[data-name="depth"] .ktw-space-condition')
    assert condition.inner_text() == "if act in ['relu']"

    # An invalid range: keras_tuner's message under the row, and no edit made.
    row.locator("input.ktw-min").fill("500")
    row.locator("button.ktw-apply").click()
    wait_js(
        page,
        """() => document.querySelector('.ktw-space tr.ktw-space-error[data-name="units"]')
              ?.textContent.includes('min_value 500 is greater than the max_value 100')""",
        "the invalid range was not refused inline",
        timeout=20_000,
    )
    assert page.locator(".ktw-space-history li").count() == 0

    # A valid one: applied from the next trial on, and written in the history.
    row = page.locator(UNITS_ROW)
    row.locator("input.ktw-min").fill("40")
    row.locator("input.ktw-max").fill("45")
    row.locator("input.ktw-max").press("Enter")
    wait_js(
        page,
        """() => document.querySelector('.ktw-space-history li')
              ?.textContent.includes('units: min_value 1 → 40, max_value 100 → 45')""",
        "the edit never reached the history",
        timeout=20_000,
    )
    assert page.locator(".ktw-space tr.ktw-space-error").count() == 0
    assert page.locator(f"{UNITS_ROW} input.ktw-min").input_value() == "40"

    wait_for_status(page, "finished", timeout=FINISH_MS)
    wait_js(
        page,
        "n => document.querySelectorAll('.ktw-table tr[data-trial-id]').length === n",
        "not every trial is in the table",
        arg=TRIALS,
        timeout=20_000,
    )
    cells = trial_cells(page)
    later = [(trial, int(units)) for trial, units, version in cells if version == "1"]
    assert len(later) >= 3, f"too few trials after the edit: {cells}"
    assert all(40 <= units <= 45 for _, units in later), cells
    assert {version for _, _, version in cells} == {"0", "1"}, cells
    save_screenshot(page, dashboard, screenshot_path("space_editor.png"))
    assert not [e for e in errors if is_ours(e)], errors
