"""The views' browser code as anywidget receives it."""

import re
from pathlib import Path

from kt_widgets.views.curves import CurvesView
from kt_widgets.views.log import LogText
from kt_widgets.views.table import TrialTable

ROOT = Path(__file__).resolve().parent.parent


def test_each_view_module_is_one_self_contained_string():
    for view in (TrialTable(), CurvesView(), LogText()):
        module = view._esm
        assert not re.search(r"^\s*import\b", module, re.MULTILINE)  # nothing to fetch
        assert "http://" not in module.replace("http://www.w3.org/2000/svg", "")
        assert "export function decodeNumber" in module  # the shared helpers, inlined
        assert "export default" in module
        view.close()


def test_the_wheel_ships_every_browser_file():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    names = sorted(path.name for path in (ROOT / "js").iterdir() if path.suffix in (".js", ".css"))
    assert "log.js" in names
    for name in names:  # each one in [tool.hatch.build.targets.wheel.force-include]
        assert f'"js/{name}" = "kt_widgets/static/{name}"' in pyproject, name
