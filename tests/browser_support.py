"""What every browser test shares: a JupyterLab server, a Chromium page, waits and reads.

The `lab` and `page` fixtures live in conftest.py; a test file imports the helpers
from here (`from browser_support import ...`). One JupyterLab serves the whole
session; each test writes its own notebook into `lab.root`.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from playwright import sync_api

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
# Timeouts in milliseconds, Playwright's unit.
KERNEL_READY_MS = 90_000  # a fresh kernel
DASHBOARD_MS = 120_000  # TensorFlow's import, then the first trials
PAUSE_MS = 15_000
FINISH_MS = 240_000


def require_chromium() -> None:
    """Skip without Chromium, except in CI, which installs it (.ci/install)."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is not installed", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (bash .ci/install)")


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


def start_lab(tmp_path_factory):
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


# ----------------------------------------------------------------- the browser


def open_page(lab):
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
    # A workspace of its own: Lab would otherwise reopen the notebooks of earlier
    # tests in hidden tabs.
    workspace = re.sub(r"[^A-Za-z0-9]+", "-", name)
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?token={lab.token}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").wait_for(
        state="visible", timeout=60_000
    )
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


def write_notebook(root: Path, name: str, cells: list[str]) -> str:
    """A notebook of code cells, written into the server's root dir; returns its name."""
    kernelspec = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(code) for code in cells],
        metadata={"kernelspec": kernelspec},
    )
    nbformat.write(notebook, root / name)
    return name


def screenshot_path(name: str = "dashboard.png") -> Path:
    """tests/screenshots/<name>; $KTW_SCREENSHOT overrides the dashboard's."""
    default = REPO / "tests" / "screenshots" / name
    override = os.environ.get("KTW_SCREENSHOT") if name == "dashboard.png" else None
    path = Path(override or default)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
