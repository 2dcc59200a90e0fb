"""In a real browser: the inspection panel of a finished search, a comparison, the CSV.

A notebook runs a small KerasTuner search on the digits and evaluates the best
model with `tuner.inspect(x, y)`; the test then reads the best-model panel,
selects two rows of the trial table to compare them, downloads the CSV, and
loads the best model into a notebook name with the panel's button. Screenshots:
tests/screenshots/inspect_best.png and inspect_compare.png.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from browser_support import (
    DASHBOARD_MS,
    FINISH_MS,
    is_ours,
    open_notebook_with_kernel,
    run_all_cells,
    save_screenshot,
    screenshot_path,
    table_rows,
    wait_for_status,
    wait_js,
    widget_button,
    write_notebook,
)

pytestmark = pytest.mark.browser

MAX_TRIALS = 3

SETUP = """\
import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kt_widgets as ktw

digits = load_digits()
x = (digits.data / 16.0).astype("float32")
x_train, x_val, y_train, y_val = train_test_split(
    x, digits.target, test_size=0.25, random_state=0
)

def build_model(hp):
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(hp.Int("units", 16, 128, step=16), activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-3, 3e-2, sampling="log")),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model"""

SEARCH = """\
tuner = ktw.RandomSearch(
    build_model, objective="val_accuracy", max_trials={max_trials}, seed=5,
    directory={directory!r}, project_name="inspect", overwrite=True,
)
tuner.search(x_train, y_train, epochs=3, validation_data=(x_val, y_val))"""

# In a cell of its own, after the search: the panel then shows the evaluation.
INSPECT = """\
tuner.wait()
result = tuner.inspect(x_val, y_val)
result.trial_id, result.evaluation"""

PANEL = ".ktw-dashboard .ktw-inspect-panel"


def panel_text(page, selector: str) -> str:
    node = page.locator(f"{PANEL} {selector}")
    return node.first.inner_text() if node.count() else ""


def test_best_model_panel_comparison_and_csv_in_jupyterlab(lab, page):
    page_errors: list[str] = []
    page.on("pageerror", lambda err: page_errors.append(f"{err}\n{err.stack or ''}"))
    search = SEARCH.format(max_trials=MAX_TRIALS, directory=str(lab.root / "runs"))
    name = write_notebook(lab.root, "inspect.ipynb", [SETUP, search, INSPECT])
    open_notebook_with_kernel(page, lab, name)
    run_all_cells(page)

    # a. The best model, once the search is over and the best model evaluated.
    wait_for_status(page, "finished", FINISH_MS)
    wait_js(
        page,
        f"""() => document.querySelector('{PANEL} .ktw-evaluation')""",
        lambda: f"no evaluation in the panel: {panel_text(page, '.ktw-inspect')!r}",
        timeout=DASHBOARD_MS,
    )
    title = panel_text(page, ".ktw-inspect-title")
    match = re.fullmatch(r"Best model — trial (\S+)", title)
    assert match, title
    best_id = match.group(1)
    rows = table_rows(page)
    assert len(rows) == MAX_TRIALS
    assert float(dict(rows)[best_id]) == max(float(score) for _, score in rows)
    body = panel_text(page, ".ktw-inspect")
    assert "On your data (450 samples)" in body
    architecture = page.locator(f"{PANEL} .ktw-architecture tbody tr")
    layers = [architecture.nth(i).inner_text().split("\t") for i in range(architecture.count())]
    assert [layer[1] for layer in layers] == ["Dense", "Dense"], layers
    assert layers[1][2] == "(None, 10)"
    assert "Total params:" in body
    assert page.locator(f"{PANEL} img.ktw-inspect-curves").count() == 1
    save_screenshot(page, page.locator(PANEL), screenshot_path("inspect_best.png"))

    # b. The CSV download: one line per trial, made in the browser from the kernel's text.
    with page.expect_download(timeout=30_000) as download_info:
        page.locator(f"{PANEL} button.ktw-download").click()
    download = download_info.value
    assert download.suggested_filename == "trials.csv"
    with open(download.path(), encoding="utf-8") as f:
        table = list(csv.DictReader(io.StringIO(f.read())))
    assert sorted(row["trial_id"] for row in table) == sorted(t for t, _ in rows)
    assert {"units", "learning_rate", "val_accuracy", "duration"} <= set(table[0])

    # c. Load the best model into a notebook name.
    widget_button(page, "ktw-load-model").click()
    wait_js(
        page,
        f"""() => document.querySelector('{PANEL} .ktw-ok')""",
        lambda: f"the Load button said: {panel_text(page, '.ktw-error')!r}",
        timeout=30_000,
    )
    assert f"best_model = the model of trial {best_id}" in html.unescape(
        panel_text(page, ".ktw-ok")
    )

    # d. Two selected rows are compared side by side.
    picked = [trial for trial, _ in rows[:2]]
    for trial_id in picked:
        page.locator(f'.ktw-table tr[data-trial-id="{trial_id}"]').click()
    wait_js(
        page,
        # The title and the body are two widgets: wait for both.
        f"""() => document.querySelector('{PANEL} .ktw-inspect-title')?.textContent
            .startsWith('Comparison of trials') && document.querySelector(
            '{PANEL} .ktw-inspect-summary')?.textContent.startsWith('Comparing trials')""",
        lambda: f"no comparison: {panel_text(page, '.ktw-inspect-title')!r}",
        timeout=30_000,
    )
    compared = panel_text(page, ".ktw-inspect-title").removeprefix("Comparison of trials ")
    assert sorted(compared.split(", ")) == sorted(picked)
    header = page.locator(f"{PANEL} table.ktw-inspect-table thead th")
    assert [header.nth(i).inner_text() for i in range(header.count())][1:] == [
        f"Trial {t}" for t in compared.split(", ")
    ]
    # The learning rates are floats drawn at random: they differ, and are marked.
    differs = page.locator(f"{PANEL} tr.ktw-differs td:first-child")
    marked = [differs.nth(i).inner_text() for i in range(differs.count())]
    assert any(name.startswith("learning_rate") and "≠" in name for name in marked), marked
    background = page.locator(f"{PANEL} tr.ktw-differs td").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    wait_js(
        page,
        f"() => document.querySelector('{PANEL} img.ktw-inspect-curves')",
        "the comparison has no curves",
        timeout=10_000,
    )
    save_screenshot(page, page.locator(PANEL), screenshot_path("inspect_compare.png"))

    ours = [error for error in page_errors if is_ours(error)]
    assert not ours, "uncaught page errors from kt_widgets:\n" + "\n\n".join(ours)
