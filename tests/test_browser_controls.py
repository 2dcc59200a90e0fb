"""The controls in a real browser: Pause, Resume, Skip trial, Stop now, Max trials, Continue, Stop.

A notebook in the session's JupyterLab runs a small search on the digits with
small batches; the test clicks each control in the dashboard and checks what a
user sees: the status, the frozen epoch count, the trial statuses in the table,
the disabled buttons with their reasons, a refused budget put back. It saves a
screenshot to tests/screenshots/controls.png.
"""

from __future__ import annotations

import pytest
from browser_support import (
    FINISH_MS,
    PAUSE_MS,
    open_notebook_with_kernel,
    run_all_cells,
    running_trial,
    save_screenshot,
    screenshot_path,
    wait_for_status,
    wait_js,
    widget_button,
    write_notebook,
)
from test_browser import BUILD_MODEL, SETUP

pytestmark = pytest.mark.browser

NOTEBOOK = "controls.ipynb"
EPOCHS = 4

SEARCH = """\
tuner = ktw.RandomSearch(
    build_model,
    objective="val_accuracy",
    max_trials=3,
    seed=3,
    directory={directory!r},
    project_name="controls",
    overwrite=True,
)
tuner.search(x_train, y_train, epochs={epochs}, batch_size=8,
             validation_data=(x_val, y_val))"""


def trial_status(page, trial_id: str) -> str | None:
    cell = page.locator(f'.ktw-table tr[data-trial-id="{trial_id}"] td[data-key="status"]')
    return cell.first.inner_text() if cell.count() else None


def wait_trial_status(page, trial_id: str, status: str, timeout: float = FINISH_MS) -> None:
    wait_js(
        page,
        """([id, status]) => document.querySelector(
            `.ktw-table tr[data-trial-id="${id}"] td[data-key="status"]`
        )?.textContent === status""",
        lambda: f"trial {trial_id} never showed {status}: it shows {trial_status(page, trial_id)}",
        arg=[trial_id, status],
        timeout=timeout,
    )


def title_of(page, css_class: str) -> str:
    return widget_button(page, css_class).get_attribute("title") or ""


def wait_enabled(page, css_class: str, enabled: bool = True) -> None:
    wait_js(
        page,
        "([c, on]) => { const b = document.querySelector(`button.${c}`); "
        "return b && b.disabled === !on; }",
        f"{css_class} never became {'enabled' if enabled else 'disabled'}",
        arg=[css_class, enabled],
        timeout=PAUSE_MS,
    )


def test_every_control_by_its_button(lab, page):
    search = SEARCH.format(directory=str(lab.root / "runs"), epochs=EPOCHS)
    name = write_notebook(lab.root, NOTEBOOK, [SETUP, BUILD_MODEL, search])
    open_notebook_with_kernel(page, lab, name)
    run_all_cells(page)
    wait_js(
        page,
        "() => document.querySelector('.ktw-dashboard .ktw-running')",
        "no trial ever ran",
    )
    wait_for_status(page, "running", PAUSE_MS)
    # Controls that do not apply are disabled, and say why.
    wait_enabled(page, "ktw-resume", False)
    assert "not paused" in title_of(page, "ktw-resume")
    assert "Continue applies once it has stopped" in title_of(page, "ktw-continue")
    hint = page.locator(".ktw-dashboard .ktw-hint").inner_text()
    assert "interrupt button does not reach it" in hint

    # Pause: the epoch count freezes; Skip trial while paused; Resume.
    widget_button(page, "ktw-pause").click()
    wait_for_status(page, "paused", PAUSE_MS)
    paused_at = running_trial(page)
    assert paused_at is not None and paused_at[0] == "0"
    page.wait_for_timeout(2000)
    assert running_trial(page) == paused_at, "training went on while paused"
    wait_enabled(page, "ktw-pause", False)
    assert "already paused" in title_of(page, "ktw-pause")
    widget_button(page, "ktw-skip-trial").click()
    wait_js(
        page,
        "() => document.querySelector('.ktw-dashboard .ktw-running')"
        "?.textContent.includes('ends after this epoch')",
        "the header never said the trial ends after this epoch",
        timeout=PAUSE_MS,
    )
    widget_button(page, "ktw-resume").click()
    wait_trial_status(page, "0", "SKIPPED")

    # Stop now, in trial 1: the search stops at once, the trial shows STOPPED.
    wait_js(
        page,
        "() => /^trial 1:/.test(document.querySelector('.ktw-dashboard .ktw-running')"
        "?.textContent ?? '')",
        "trial 1 never ran",
    )
    widget_button(page, "ktw-stop-now").click()
    wait_for_status(page, "stopped", PAUSE_MS)
    wait_trial_status(page, "1", "STOPPED", timeout=5_000)
    wait_enabled(page, "ktw-continue")

    # A budget below the trials that exist is refused, said, and put back.
    budget = page.locator(".ktw-max-trials input")
    budget.fill("1")
    budget.press("Enter")
    wait_js(
        page,
        "() => document.querySelector('.ktw-budget-error')?.textContent.includes('at least 2')",
        "the refused budget was not explained",
        timeout=PAUSE_MS,
    )
    wait_js(
        page,
        "() => document.querySelector('.ktw-max-trials input')?.value === '3'",
        "the refused budget was not put back to 3",
        timeout=PAUSE_MS,
    )

    # Continue: trial 1 runs again under its id; Stop lets it finish, starts no other.
    widget_button(page, "ktw-continue").click()
    wait_trial_status(page, "1", "RUNNING", timeout=PAUSE_MS)
    # The header comes in the same push as the row, as a message of its own.
    wait_for_status(page, "running", 5_000)
    widget_button(page, "ktw-stop").click()
    wait_for_status(page, "stopping", PAUSE_MS)
    wait_for_status(page, "stopped", FINISH_MS)
    wait_trial_status(page, "1", "COMPLETED", timeout=5_000)
    rows = page.locator(".ktw-table tr[data-trial-id]")
    assert sorted(rows.evaluate_all("trs => trs.map((tr) => tr.dataset.trialId)")) == ["0", "1"]
    save_screenshot(page, page.locator(".ktw-dashboard"), screenshot_path("controls.png"))
