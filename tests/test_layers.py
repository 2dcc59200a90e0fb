"""The dependency direction of DESIGN.md: core <- keras side / UI side <- wiring."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kt_widgets"
KERAS = {"keras", "keras_tuner", "tensorflow"}
UI = {"ipywidgets", "anywidget", "traitlets"}
IPYTHON = {"IPython"}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def top_levels(names):
    return {name.split(".")[0] for name in names}


def kt_modules(names):
    return {name for name in names if name.startswith("kt_widgets.")}


def test_core_imports_only_the_standard_library_and_itself():
    for path in (PACKAGE / "core").glob("*.py"):
        names = imports_of(path)
        assert not top_levels(names) & (KERAS | UI | IPYTHON), path.name
        assert all(m.startswith("kt_widgets.core") for m in kt_modules(names)), path.name


def test_keras_side_never_imports_widgets():
    keras_side = ("tuner.py", "controls.py", "runner.py", "store.py", "distributed.py")
    extra = ("space_editor.py", "epochs.py", "reloading.py", "failure_limit.py", "summaries.py")
    inspecting = ("models.py", "inspection.py", "export.py", "figures.py")
    for name in (*keras_side, "project_files.py", *extra, *inspecting):
        names = imports_of(PACKAGE / name)
        assert not top_levels(names) & UI, name
        assert not any(
            m.startswith(("kt_widgets.views", "kt_widgets.dashboard", "kt_widgets.tuners"))
            for m in kt_modules(names)
        ), name


def test_ui_side_never_imports_keras():
    paths = [*(PACKAGE / "views").glob("*.py"), PACKAGE / "dashboard.py"]
    for path in paths:
        names = imports_of(path)
        assert not top_levels(names) & KERAS, path.name
        assert not any(
            m in ("kt_widgets.tuner", "kt_widgets.runner", "kt_widgets.store", "kt_widgets.tuners")
            for m in kt_modules(names)
        ), path.name


def test_reading_a_watched_project_needs_no_keras():
    names = imports_of(PACKAGE / "project_files.py")
    assert not top_levels(names) & (KERAS | UI | IPYTHON)


def test_figures_and_exports_need_neither_keras_nor_widgets_nor_pyplot():
    # pyplot keeps global figures and is not thread-safe: the figures are drawn
    # from the dashboard's thread and must never touch the user's.
    for name in ("figures.py", "export.py"):
        names = imports_of(PACKAGE / name)
        assert not top_levels(names) & (KERAS | UI | IPYTHON), name
        assert "matplotlib.pyplot" not in names, name
