"""The dashboard of 10,000 trials of 50 epochs in a real JupyterLab, timed in headless Chromium.

The notebook of tests/test_browser_scale.py (a model-free kt_widgets tuner given
10,000 finished trials of 50 epochs) runs in JupyterLab; then, in the page:

- sort: a click on a column header until the sorted rows are in the page
  (the next frame included), for the score, a numeric and a text column, each
  clicked several times;
- curves: 100 trials selected from Python until their 100 lines are drawn,
  measured from the selection and from the moment the kernel sent the points.

    python benchmarks/browser_scale.py [--trials 10000] [--epochs 50] [--clicks 6]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

import browser_support  # noqa: E402
from test_browser_scale import MULTIPLIER, PRIME, SCALE_CELL  # noqa: E402

SELECTED = 100

# Selects trials 0..99 from the kernel and prints when, and when their points went out.
SELECT_CELL = """\
import json, time
selected_at = time.time()
tuner.dashboard.table.selected = [str(i) for i in range({count})]
tuner.dashboard.flush()
print(json.dumps({{"selected_at": selected_at * 1000, "sent_at": time.time() * 1000}}))"""

# Clicks a header and resolves with the milliseconds until the table's rows are
# replaced (the sort and the rows built), and until the frame after that.
TIME_SORT = """async (key) => {
  const th = document.querySelector(`.ktw-table th[data-key="${key}"]`);
  const tbody = document.querySelector(".ktw-table tbody");
  const started = performance.now();
  const built = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(tbody, { childList: true });
  });
  th.click();
  const rowsAt = await built;
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const first = tbody.querySelector("tr[data-trial-id]").dataset.trialId;
  return [rowsAt - started, performance.now() - started, first];
}"""

# Keeps a promise of Date.now() once `count` curve lines are in the dashboard.
WHEN_DRAWN = """(count) => { window.ktwDrawn = new Promise((resolve) => {
  const drawn = () =>
    document.querySelectorAll(".ktw-dashboard path.ktw-series").length === count;
  const observer = new MutationObserver(() => {
    if (drawn()) {
      observer.disconnect();
      resolve(Date.now());
    }
  });
  observer.observe(document.querySelector(".ktw-dashboard"), { childList: true, subtree: true });
}); }"""


class _Folders:
    """What browser_support.start_lab needs of pytest's tmp_path_factory."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ktw-browser-bench-"))

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))


def run_cell(page, index: int) -> None:
    page.locator(".jp-Notebook .jp-Cell").nth(index).click()
    page.keyboard.press("Shift+Enter")


def cell_output(page, index: int, timeout_ms: float) -> str:
    output = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output")
    output.first.wait_for(timeout=timeout_ms)
    return output.first.inner_text()


def measure(page, lab, args) -> dict:
    scale = SCALE_CELL.format(
        trials=args.trials,
        epochs=args.epochs,
        directory=str(lab.root / "scale-runs"),
        multiplier=MULTIPLIER,
        prime=PRIME,
    )
    select = SELECT_CELL.format(count=SELECTED)
    name = browser_support.write_notebook(lab.root, "scale.ipynb", [scale, select])
    browser_support.open_notebook_with_kernel(page, lab, name)
    run_cell(page, 0)
    browser_support.wait_js(
        page,
        "n => document.querySelector('.ktw-table .ktw-count')?.textContent === `${n} trials`",
        "the table never counted all the trials",
        arg=args.trials,
        timeout=300_000,
    )
    sorts: dict[str, list[tuple[float, float]]] = {}
    for key in ("score", "hp:units", "hp:activation", "trial_id"):
        for _ in range(args.clicks):
            rows_ms, frame_ms, _first = page.evaluate(TIME_SORT, key)
            sorts.setdefault(key, []).append((rows_ms, frame_ms))
    page.evaluate(WHEN_DRAWN, SELECTED)
    run_cell(page, 1)
    times = json.loads(cell_output(page, 1, 120_000).strip().splitlines()[-1])
    drawn_at = page.evaluate("() => window.ktwDrawn")
    return {"sorts": sorts, "curves": times, "drawn_at": drawn_at}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--clicks", type=int, default=6, help="clicks per column")
    args = parser.parse_args()
    browser_support.require_chromium()
    labs = browser_support.start_lab(_Folders())
    lab = next(labs)
    try:
        pages = browser_support.open_page(lab)
        page = next(pages)
        try:
            result = measure(page, lab, args)
        finally:
            with contextlib.suppress(StopIteration):
                next(pages)
    finally:
        with contextlib.suppress(StopIteration):
            next(labs)

    print(f"{args.trials} trials x {args.epochs} epochs in JupyterLab, headless Chromium")
    every = []
    for key, timings in result["sorts"].items():
        rows = [r for r, _ in timings]
        frames = [f for _, f in timings]
        every += frames
        print(
            f"  sort by {key:<14} click -> rows: median {statistics.median(rows):5.1f} ms, "
            f"max {max(rows):5.1f} ms; -> next frame: median {statistics.median(frames):5.1f} ms, "
            f"max {max(frames):5.1f} ms"
        )
    print(f"  every sort, click -> next frame: median {statistics.median(every):.1f} ms")
    times = result["curves"]
    print(
        f"  {SELECTED} trials selected -> their curves drawn: "
        f"{result['drawn_at'] - times['selected_at']:.0f} ms "
        f"(from the kernel's send: {result['drawn_at'] - times['sent_at']:.0f} ms)"
    )


if __name__ == "__main__":
    main()
