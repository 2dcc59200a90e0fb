import os

# Quieter TensorFlow in test output; the backend is the product's default.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """One JupyterLab server for every browser test: free port, random token, temp dirs."""
    import browser_support

    browser_support.require_chromium()
    yield from browser_support.start_lab(tmp_path_factory)


@pytest.fixture
def page(lab):
    """A Chromium page with a tall viewport (Lab scrolls inside its own panels)."""
    import browser_support

    yield from browser_support.open_page(lab)
