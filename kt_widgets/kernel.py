"""The few places where kt_widgets asks IPython about the kernel it runs in."""

from __future__ import annotations


def widget_frontend_available() -> bool:
    """True inside a Jupyter kernel (where widgets can be shown and clicked).

    A script or plain pytest has no kernel: there the search runs in the
    foreground, as keras_tuner's does.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show(obj) -> None:
    """Display `obj` under the cell that is running."""
    from IPython.display import display

    display(obj)


def bind(name: str, value) -> None:
    """Assign `value` to `name` in the notebook's namespace."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is None:
        raise RuntimeError(f"There is no notebook namespace to bind {name!r} in.")
    shell.user_ns[name] = value
