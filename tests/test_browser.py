"""End to end in a real browser: the live dashboard in JupyterLab, in headless Chromium.

A module fixture starts JupyterLab on a free local port; the test writes a notebook
that runs a real (small) KerasTuner search, runs it through the JupyterLab UI and
checks what a user sees and clicks: the dashboard, sorting the trial table,
Pause / Resume, the end of the search. It saves a screenshot of the finished
dashboard to $KTW_SCREENSHOT (default tests/screenshots/dashboard.png).

Slow (about a minute) and needs /usr/bin/chromium; marked `browser`, so
`-m "not browser"` leaves it out.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from playwright import sync_api

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "browser.ipynb"
MAX_TRIALS = 4
EPOCHS = 25

# Timeouts in milliseconds, Playwright's unit.
KERNEL_READY_MS = 90_000  # a fresh kernel
DASHBOARD_MS = 120_000  # TensorFlow's import, then the first trials
PAUSE_MS = 15_000
FINISH_MS = 240_000

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):  # CI installs it (.ci/install): missing is a failure there
        pytest.fail(f"{CHROMIUM} is not installed", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (bash .ci/install)", allow_module_level=True)


# ----------------------------------------------------------------- JupyterLab


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (kernels are the server's children), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name may contain spaces: the ppid comes after its ")".
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return children


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server of its own: free port, random token, temp dirs."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root, settings = base / "root", base / "settings"
    root.mkdir()
    # Without this, a "news" notification pops up over the notebook.
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        # Keep the user's own config and saved workspaces out of the test.
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser", "--allow-root",
        f"--port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
    ]  # fmt: skip
    log = base / "jupyterlab.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log)
    try:
        _wait_for_api(lab, server)
        yield lab
    finally:
        _shut_down(lab, server)


def _wait_for_api(lab: Lab, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited ({server.returncode}):\n{lab.log_tail()}")
        with contextlib.suppress(OSError):
            lab.api("/api/status")
            return
        time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer in {timeout} s:\n{lab.log_tail()}")


def _shut_down(lab: Lab, server: subprocess.Popen) -> None:
    """Kernels first (through the API, so they exit cleanly), then the server."""
    kernel_pids = _child_pids(server.pid)
    with contextlib.suppress(OSError, ValueError):
        for kernel in lab.api("/api/kernels"):
            lab.api(f"/api/kernels/{kernel['id']}", method="DELETE")
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    # Whatever survived (a kernel stuck in TensorFlow, say) must not outlive us.
    for pid in kernel_pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


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


def write_notebook(root: Path) -> str:
    """The notebook the test runs, written into the server's root dir."""
    search = SEARCH.format(max_trials=MAX_TRIALS, directory=str(root / "runs"), epochs=EPOCHS)
    cells = [nbformat.v4.new_code_cell(code) for code in (SETUP, BUILD_MODEL, search)]
    kernelspec = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec})
    nbformat.write(notebook, root / NOTEBOOK)
    return NOTEBOOK


# ----------------------------------------------------------------- the browser


@pytest.fixture
def page(lab):
    """A Chromium page with a tall viewport (Lab scrolls inside its own panels)."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def open_notebook_with_kernel(page, lab: Lab, name: str) -> None:
    """Open `name`, accept the kernel dialog if one shows, wait for an idle kernel."""
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
    page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=60_000)
    accept = page.locator(".jp-Dialog button.jp-mod-accept")
    deadline = time.monotonic() + KERNEL_READY_MS / 1000
    while time.monotonic() < deadline:
        # The dialog may come late on a fresh server: look for both at once.
        if accept.is_visible():
            accept.click()
        if _kernel_state(lab, name) == "idle":
            return
        page.wait_for_timeout(250)
    pytest.fail(f"no idle kernel for {name} within {KERNEL_READY_MS / 1000} s")


def _kernel_state(lab: Lab, name: str) -> str | None:
    for session in lab.api("/api/sessions"):
        if session.get("path", "").endswith(name) and session.get("kernel"):
            return session["kernel"].get("execution_state")
    return None


def run_all_cells(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


# ----------------------------------------------------------------- waits and reads


def wait_js(
    page,
    predicate: str,
    failure: str | Callable[[], str],
    arg=None,
    timeout: float = DASHBOARD_MS,
) -> None:
    """Wait until the JS `predicate(arg)` is truthy, else fail saying `failure`.

    `failure` may be a function, to describe the page as it is when the wait fails.
    """
    try:
        page.wait_for_function(predicate, arg=arg, timeout=timeout)
    except sync_api.TimeoutError:
        message = failure() if callable(failure) else failure
        pytest.fail(f"{message} (waited {timeout / 1000:.0f} s)")


def current_status(page) -> str | None:
    status = page.locator(".ktw-dashboard .ktw-status")
    return status.first.get_attribute("data-status") if status.count() else None


def wait_for_status(page, status: str, timeout: float) -> None:
    wait_js(
        page,
        "s => document.querySelector(`.ktw-dashboard .ktw-status[data-status='${s}']`)",
        lambda: f"the status never became {status!r}: it is {current_status(page)!r}",
        arg=status,
        timeout=timeout,
    )


ROWS = "document.querySelectorAll('.ktw-table tr[data-trial-id]')"


def table_rows(page) -> list[tuple[str, str]]:
    """(trial id, score text) per displayed row, read at once: rows redraw live."""
    rows = page.evaluate(
        f"""() => [...{ROWS}].map((tr) => [
            tr.dataset.trialId,
            tr.querySelector('td[data-key="score"]')?.textContent ?? '',
        ])"""
    )
    return [tuple(row) for row in rows]


def score_value(text: str) -> float | None:
    """A displayed score as a number; None for missing ("—") or NaN."""
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def scored_ids(rows: list[tuple[str, str]]) -> list[str]:
    return [trial for trial, text in rows if score_value(text) is not None]


def assert_sorted_by_score(rows: list[tuple[str, str]], descending: bool) -> None:
    scores = [score_value(text) for _, text in rows]
    present = [s for s in scores if s is not None]
    assert scores[: len(present)] == present, f"missing/NaN scores must come last: {rows}"
    assert present == sorted(present, reverse=descending), (
        f"scores not {'descending' if descending else 'ascending'}: {rows}"
    )


def assert_reversed(before: list[tuple[str, str]], after: list[tuple[str, str]]) -> None:
    """Scored rows of distinct scores come in reverse order after flipping the sort.

    Equal scores keep trial id order both ways, so only distinct ones must swap.
    A trial that ended between the two reads is left out of the comparison.
    """
    scores = {trial: text for trial, text in before if score_value(text) is not None}
    if len(set(scores.values())) < len(scores):
        return  # ties: assert_sorted_by_score has checked the order already
    again = [trial for trial in scored_ids(after) if trial in scores]
    assert again == scored_ids(before)[::-1], (
        f"clicking Score did not reverse the scored rows: {before} -> {after}"
    )


RUNNING_TEXT = re.compile(r"trial (\S+): (\d+)(?: / \d+)? epochs")


def running_trial(page) -> tuple[str, int] | None:
    """(trial id, epochs done) from "trial 2: 7 / 25 epochs"; None if none runs."""
    running = page.locator(".ktw-dashboard .ktw-running")
    if running.count() == 0:
        return None
    text = running.first.inner_text()
    match = RUNNING_TEXT.search(text)
    assert match, f"unexpected running-trial text: {text!r}"
    return match.group(1), int(match.group(2))


def progress_key(running: tuple[str, int] | None) -> tuple[int, int]:
    """Orders (trial, epoch) so that any training progress makes it larger."""
    if running is None:  # between trials, or done: past any running epoch
        return (sys.maxsize, 0)
    trial, epoch = running
    return (int(trial) if trial.isdigit() else 0, epoch)


def widget_button(page, css_class: str):
    # ipywidgets 8 puts add_class() classes on the <button> element itself.
    return page.locator(f"button.{css_class}")


def is_ours(error: str) -> bool:
    """Whether a page error comes from kt_widgets (anywidget loads it from blobs)."""
    return any(mark in error for mark in ("ktw", "kt_widgets", "anywidget", "blob:"))


def screenshot_path() -> Path:
    default = REPO / "tests" / "screenshots" / "dashboard.png"
    path = Path(os.environ.get("KTW_SCREENSHOT") or default)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def save_screenshot(page, dashboard, path: Path, margin: int = 24) -> None:
    """The dashboard scrolled into view, with a margin of the notebook around it."""
    dashboard.evaluate("el => el.scrollIntoView({block: 'center'})")
    box = dashboard.bounding_box()
    assert box and box["height"] > 0, "the dashboard has no size to screenshot"
    x, y = max(0, box["x"] - margin), max(0, box["y"] - margin)
    clip = {
        "x": x,
        "y": y,
        "width": box["x"] + box["width"] + margin - x,
        "height": box["y"] + box["height"] + margin - y,
    }
    page.screenshot(path=str(path), clip=clip)


# ----------------------------------------------------------------- the test


def test_dashboard_in_jupyterlab(lab, page):
    page_errors: list[str] = []
    console: list[str] = []  # reported, not asserted: Lab and anywidget log here too

    def on_console(message) -> None:
        if message.type in ("error", "warning"):
            console.append(f"{message.type}: {message.text}")

    page.on("pageerror", lambda err: page_errors.append(f"{err}\n{err.stack or ''}"))
    page.on("console", on_console)

    name = write_notebook(lab.root)
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
