"""The views' browser code as anywidget receives it."""

import re

from kt_widgets.views.curves import CurvesView
from kt_widgets.views.table import TrialTable


def test_each_view_module_is_one_self_contained_string():
    for view in (TrialTable(), CurvesView()):
        module = view._esm
        assert not re.search(r"^\s*import\b", module, re.MULTILINE)  # nothing to fetch
        assert "http://" not in module.replace("http://www.w3.org/2000/svg", "")
        assert "export function decodeNumber" in module  # the shared helpers, inlined
        assert "export default" in module
        view.close()
