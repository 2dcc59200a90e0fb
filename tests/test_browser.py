"""End to end in a real browser: the live dashboard in JupyterLab, in headless Chromium.

The session's JupyterLab (conftest.py) serves a notebook that runs a real (small)
KerasTuner search; the test runs it through the JupyterLab UI and checks what a
user sees and clicks: the dashboard, sorting the trial table, Pause / Resume, the
end of the search. It saves a screenshot of the finished dashboard to
$KTW_SCREENSHOT (default tests/screenshots/dashboard.png).

Slow (about a minute) and needs /usr/bin/chromium; marked `browser`, so
`-m "not browser"` leaves it out.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest
from browser_support import (
    FINISH_MS,
    PAUSE_MS,
    ROWS,
    assert_reversed,
    assert_sorted_by_score,
    current_status,
    is_ours,
    open_notebook_with_kernel,
    progress_key,
    run_all_cells,
    running_trial,
    save_screenshot,
    screenshot_path,
    table_rows,
    wait_for_status,
    wait_js,
    widget_button,
    write_notebook,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "browser.ipynb"
MAX_TRIALS = 4
EPOCHS = 25


# ----------------------------------------------------------------- the notebook

SETUP = """\
import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kt_widgets as ktw

digits = load_digits()
x = (digits.data / 16.0).astype("float32")
x_train, x_val, y_train, y_val = train_test_split(
    x, digits.target, test_size=0.25, random_state=0
)"""

BUILD_MODEL = """\
def build_model(hp):
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(hp.Int("units", 16, 128, step=16), activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(
            hp.Float("learning_rate", 1e-3, 3e-2, sampling="log")
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model"""

# The last cell: once search() returns no cell runs, so clicks reach the kernel.
# 4 trials x 25 epochs take ~35 s on 2 CPUs: long enough to pause mid-trial.
SEARCH = """\
tuner = ktw.RandomSearch(
    build_model,
    objective="val_accuracy",
    max_trials={max_trials},
    seed=3,
    directory={directory!r},
    project_name="browser",
    overwrite=True,
)
tuner.search(x_train, y_train, epochs={epochs}, batch_size=32,
             validation_data=(x_val, y_val))"""


def write_search_notebook(root: Path) -> str:
    """The notebook the test runs, written into the server's root dir."""
    search = SEARCH.format(max_trials=MAX_TRIALS, directory=str(root / "runs"), epochs=EPOCHS)
    return write_notebook(root, NOTEBOOK, [SETUP, BUILD_MODEL, search])


# ----------------------------------------------------------------- the test


def test_dashboard_in_jupyterlab(lab, page):
    page_errors: list[str] = []
    console: list[str] = []  # reported, not asserted: Lab and anywidget log here too

    def on_console(message) -> None:
        if message.type in ("error", "warning"):
            console.append(f"{message.type}: {message.text}")

    page.on("pageerror", lambda err: page_errors.append(f"{err}\n{err.stack or ''}"))
    page.on("console", on_console)

    name = write_search_notebook(lab.root)
    open_notebook_with_kernel(page, lab, name)
    run_all_cells(page)

    # a. The dashboard renders: header, a row per started trial, curves.
    dashboard = page.locator(".ktw-dashboard")
    cell_errors = page.locator(".jp-OutputArea-output[data-mime-type*='error']")
    wait_js(
        page,
        "() => document.querySelector('.ktw-dashboard')?.checkVisibility()",
        lambda: f"no dashboard appeared; cell errors: {cell_errors.all_inner_texts()}",
    )
    assert dashboard.locator(".ktw-status").count() == 1, "no .ktw-status in header"
    wait_js(page, f"() => {ROWS}.length >= 2", "the table never showed 2 trials")
    wait_js(
        page,
        "() => document.querySelector('.ktw-dashboard svg path.ktw-series')",
        "the curves never drew a series",
    )

    # b. Sorting by score. Two scored rows make a reorder visible: wait for them.
    wait_js(
        page,
        """() => [...document.querySelectorAll('.ktw-table td[data-key="score"]')]
            .filter((td) => !Number.isNaN(parseFloat(td.textContent))).length >= 2""",
        "the table never showed 2 scored trials",
    )
    score_header = page.locator('.ktw-table th[data-key="score"]')
    sort_before = score_header.get_attribute("aria-sort")
    rows_before = table_rows(page)
    assert sort_before in ("ascending", "descending"), (
        f"the table should start sorted by score, aria-sort={sort_before!r}"
    )
    assert_sorted_by_score(rows_before, descending=sort_before == "descending")
    score_header.click()
    sort_after = "ascending" if sort_before == "descending" else "descending"
    wait_js(
        page,
        """s => document.querySelector('.ktw-table th[data-key="score"]')
            ?.getAttribute('aria-sort') === s""",
        f"aria-sort of Score did not change from {sort_before!r} to {sort_after!r}",
        arg=sort_after,
        timeout=5_000,
    )
    rows_after = table_rows(page)
    assert_sorted_by_score(rows_after, descending=sort_after == "descending")
    assert_reversed(rows_before, rows_after)

    # c. Pause, mid-trial: then the running trial's epoch count must freeze.
    wait_js(
        page,
        """max => {
            const running = document.querySelector('.ktw-dashboard .ktw-running');
            const match = running?.textContent.match(/: (\\d+)/);
            return match && Number(match[1]) <= max;
        }""",
        "no trial was running early enough to pause it mid-trial",
        arg=EPOCHS - 5,  # leaves epochs for the click to land in the same trial
    )
    widget_button(page, "ktw-pause").click()
    wait_for_status(page, "paused", PAUSE_MS)
    paused_at = running_trial(page)
    assert paused_at is not None, "paused mid-trial, yet no running trial is shown"
    samples = []
    for _ in range(11):  # 5 s, every 0.5 s: a paused search must not train at all
        samples.append(running_trial(page))
        page.wait_for_timeout(500)
    assert set(samples) == {paused_at}, f"training went on while paused: {samples}"
    assert current_status(page) == "paused", "the status left 'paused' by itself"

    # The status filter, while trials of two statuses are listed.
    status_filter = page.locator(".ktw-table select.ktw-status-filter")
    status_filter.select_option("RUNNING")
    wait_js(
        page,
        f"id => {ROWS}.length === 1 && {ROWS}[0].dataset.trialId === id",
        f"filtering on RUNNING should show trial {paused_at[0]} alone",
        arg=paused_at[0],
        timeout=5_000,
    )
    status_filter.select_option("")  # all statuses again
    wait_js(page, f"() => {ROWS}.length >= 2", "clearing the filter should show every trial")

    # d. Resume: running again, training goes on, then the search ends.
    widget_button(page, "ktw-resume").click()
    wait_for_status(page, "running", PAUSE_MS)
    deadline = time.monotonic() + PAUSE_MS / 1000
    while progress_key(running_trial(page)) <= progress_key(paused_at):
        assert time.monotonic() < deadline, f"no progress after Resume at {paused_at}"
        page.wait_for_timeout(200)
    wait_for_status(page, "finished", FINISH_MS)
    # The table redraws on the next animation frame, so its last update may come a
    # moment after the header's "finished": wait for it rather than read at once.
    wait_js(
        page,
        f"""() => {ROWS}.length === {MAX_TRIALS} && [...{ROWS}].every((tr) =>
            !Number.isNaN(parseFloat(tr.querySelector('td[data-key="score"]')?.textContent)))""",
        lambda: f"the table should show {MAX_TRIALS} scored trials: {table_rows(page)}",
        timeout=5_000,
    )

    # Selecting two rows plots exactly those two trials (no cell runs now, so
    # the selection reaches the kernel, which sends their curves).
    picked = [row[0] for row in table_rows(page)[:2]]
    for trial_id in picked:
        page.locator(f'.ktw-table tr[data-trial-id="{trial_id}"]').click()
    wait_js(
        page,
        """ids => {
            const shown = [...document.querySelectorAll('.ktw-dashboard path.ktw-series')]
                .map((path) => path.dataset.trialId);
            return shown.length === 2 && ids.every((id) => shown.includes(id));
        }""",
        f"selecting trials {picked} did not plot exactly their curves",
        arg=picked,
        timeout=10_000,
    )
    # The Log: one line per trial, in order, and the controls used, set as text.
    dashboard.get_by_text("Log", exact=True).click()
    log_text = dashboard.locator(".ktw-log-text")
    wait_js(
        page,
        f"""() => {{
            const text = document.querySelector('.ktw-log-text')?.textContent ?? '';
            return (text.match(/^Trial \\S+ COMPLETED/gm) || []).length === {MAX_TRIALS};
        }}""",
        lambda: f"the log should have a line per trial: {log_text.text_content()!r}",
        timeout=5_000,
    )
    assert "kt_widgets: pause asked" in log_text.text_content()
    dashboard.get_by_text("Log", exact=True).click()
    # The search space, for the screenshot.
    dashboard.get_by_text("Search space", exact=True).click()

    # e. Screenshot of the finished dashboard.
    path = screenshot_path()
    save_screenshot(page, dashboard, path)
    assert path.stat().st_size > 0

    for message in dict.fromkeys(m.split("\n", 1)[0] for m in console):
        warnings.warn(f"browser console: {message}", stacklevel=1)
    for error in page_errors:
        if not is_ours(error):
            warnings.warn(f"page error not from kt_widgets: {error}", stacklevel=1)
    ours = [error for error in page_errors if is_ours(error)]
    assert not ours, "uncaught page errors from kt_widgets:\n" + "\n\n".join(ours)
