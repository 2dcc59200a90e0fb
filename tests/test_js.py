"""The browser code's own unit tests (Node's built-in runner, no npm packages)."""

import shutil
import subprocess
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "js"


def test_js_unit_tests_pass():
    node = shutil.which("node")
    assert node, "Node.js is needed to run js/tests (it ships with the machine; see .ci/run)"
    result = subprocess.run(
        [node, "--test", str(JS / "tests")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
