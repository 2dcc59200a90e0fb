"""The `%tune` and `%%tune` magics (the only module that imports IPython's magic machinery).

`%load_ext kt_widgets` registers them. The lines are read and checked by
`tune_command`; this module runs them in the shell's namespace and keeps the
subcommand table. A subcommand is one function registered with `@subcommand`:
it gets the magics object and the words after its name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from kt_widgets import kernel, wrapping
from kt_widgets.core import state as st
from kt_widgets.tune_command import (
    TuneUsageError,
    cell_error_line,
    cell_form_on_a_line,
    parse_cell,
    parse_search_call,
    parse_watch,
    split_line,
    status_line,
)
from kt_widgets.tuner import NotebookTunerMixin, active_searches
from kt_widgets.watch import watch as watch_project

HELP_WORDS = ("-h", "--help", "help")


@dataclass(frozen=True)
class Subcommand:
    """One `%tune <name> ...` form: its usage line, what it does, and its function."""

    name: str
    usage: str
    summary: str
    run: Callable[[TuneMagics, list[str]], None]


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, usage: str, summary: str):
    """Registers the decorated `run(magics, words)` as `%tune <name> ...`."""

    def register(run: Callable[[TuneMagics, list[str]], None]):
        SUBCOMMANDS[name] = Subcommand(name, usage, summary, run)
        return run

    return register


USAGE = """\
%tune runs a keras_tuner search in the background, with the kt_widgets dashboard.

  %tune TUNER.search(ARGS)    search with any keras_tuner tuner (built-in or your own
                              subclass), given the notebook behaviour in place; in
                              Python: kt_widgets.search(TUNER, ARGS)
{subcommands}
NAME is a name given to %tune (the tuner's expression, or --name of %%tune) or a
kt_widgets tuner in the notebook; without NAME a subcommand acts on the latest search.

  %%tune ALGORITHM [OPTIONS]  make a tuner from the cell, bind it to a name, search
    the cell makes the model from `hp` and assigns it to `model` (or ends with the model)
    ALGORITHM                 random | bayesian | hyperband | grid
    --name NAME               the notebook name the tuner is bound to (default: tuner)
    --objective METRIC        default: val_loss with validation data, else loss
    --direction min|max       needed when keras_tuner cannot infer it from METRIC
    --max-trials N            (not hyperband)     --max-epochs N, --factor N (hyperband)
    --executions-per-trial N  --seed N
    --directory DIR           --project-name NAME     --overwrite
    --data X [Y]              names of the training data in the notebook (required)
    --validation-data X [Y]   or --validation-split FRACTION
    --epochs N                --batch-size N

Examples:
  %tune tuner.search(x, y, epochs=5, validation_split=0.2)

  %%tune random --objective val_accuracy --max-trials 5 --data x y --epochs 3 --validation-split 0.2
  model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(hp.Int("units", 16, 64))])
  model.add(keras.layers.Dense(10, activation="softmax"))
  model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

  %tune status              %tune pause tuner         %tune wait
  %tune watch runs digits --name digits_watch
"""


def usage() -> str:
    lines = [f"  {s.usage.ljust(26)}  {s.summary}" for s in SUBCOMMANDS.values()]
    return USAGE.format(subcommands="\n".join(lines))


def _status_line(name: str, tuner: Any) -> str:
    return status_line(name, tuner.search_state.summary(), tuner.control.pause_requested)


def _background() -> bool | None:
    # A magic means the background; KT_WIDGETS_BACKGROUND, read by search(), still
    # decides where it is set (e.g. in notebooks run by nbconvert).
    return None if os.environ.get("KT_WIDGETS_BACKGROUND", "").strip() else True


@magics_class
class TuneMagics(Magics):
    """`%tune` and `%%tune`, and the searches they started in this shell."""

    def __init__(self, shell) -> None:
        super().__init__(shell)
        # Name -> tuner, oldest first; a name started again moves to the end.
        self.searches: dict[str, Any] = {}

    @line_cell_magic
    def tune(self, line: str, cell: str | None = None) -> None:
        """Run a keras_tuner search in the background with the dashboard; see `%tune --help`."""
        try:
            if cell is None:
                self._tune_line(line)
            else:
                self._tune_cell(line, cell)
        except TuneUsageError as error:
            # One line, no traceback: the mistake is in the line, not in code.
            raise UsageError(f"%tune: {error}") from None

    # -- the forms ---------------------------------------------------------------
    def _tune_line(self, line: str) -> None:
        words = line.split()
        if not words or words[0] in HELP_WORDS:
            print(usage())
            return
        command = SUBCOMMANDS.get(words[0])
        if command is not None:
            command.run(self, split_line(line)[1:])
            return
        mistaken = cell_form_on_a_line(line)
        if mistaken is not None:
            raise TuneUsageError(mistaken)
        if words[0].startswith("-"):
            raise TuneUsageError(f"unknown option {words[0]!r} (see %tune --help)")
        call = parse_search_call(line, self.shell.user_ns)
        self._start(call.name, call.tuner, call.args, call.kwargs)

    def _tune_cell(self, line: str, cell: str) -> None:
        words = line.split()
        if words[:1] and words[0] in HELP_WORDS:
            print(usage())
            return
        if words[:1] and words[0] in SUBCOMMANDS:  # the line magic's form, given a cell
            raise TuneUsageError(
                f"{words[0]!r} is a subcommand of the line magic %tune: "
                f"write %tune {line.strip()} on a line of its own, without a cell"
            )
        if ".search(" in line:
            raise TuneUsageError(
                "TUNER.search(...) is a form of the line magic %tune: write "
                f"%tune {line.strip()} on a line of its own, without a cell"
            )
        filename = self._cell_filename(cell)
        spec = parse_cell(line, cell, self.shell.user_ns, filename)
        try:
            tuner = spec.tuner_class(**spec.tuner_kwargs)
        except Exception as error:  # keras_tuner or the cell's code, at construction
            raise TuneUsageError(
                f"could not make the tuner: {cell_error_line(error, filename)}"
            ) from None
        self.shell.user_ns[spec.name] = tuner
        print(f"{spec.name} = kt_widgets.{type(tuner).__name__} in {tuner.project_dir}")
        self._start(spec.name, tuner, spec.search_args, spec.search_kwargs)

    def _start(self, name: str, tuner: Any, args: list, kwargs: dict) -> None:
        background = kwargs.pop("background", _background())
        tuner = wrapping.wrap(tuner)
        if tuner.status in st.ACTIVE_STATUSES:
            raise TuneUsageError(
                f"the search of {name} is {tuner.status}: %tune wait {name} to let it "
                f"finish, or %tune stop {name} to end it, first"
            )
        before = tuner.search_state.version
        try:
            tuner.search(*args, background=background, **kwargs)
        except RuntimeError as error:
            if tuner.search_state.version == before:  # refused: e.g. a busy project
                raise TuneUsageError(str(error).splitlines()[0]) from None
            raise  # a foreground search that failed: its own error
        finally:
            if tuner.search_state.version != before:
                self.searches.pop(name, None)
                self.searches[name] = tuner
        if not kernel.widget_frontend_available():  # no dashboard shows where it went
            print(_status_line(name, tuner))

    def _cell_filename(self, cell: str) -> str:
        try:  # IPython's cache, so that tracebacks of a trial show the cell's lines
            return self.shell.compile.cache(cell, self.shell.execution_count)
        except Exception:
            return "<%%tune cell>"

    # -- finding a search ---------------------------------------------------------
    def known_searches(self) -> dict[str, Any]:
        """The searches of %tune, then those started from Python: by their name in
        the notebook if they have one, else (still running) by their project."""
        known = dict(self.searches)
        named = [
            (name, value)
            for name, value in self.shell.user_ns.items()
            if isinstance(value, NotebookTunerMixin) and not name.startswith("_")
        ]
        running = [(tuner.project_name, tuner) for tuner in active_searches()]
        for name, tuner in named + running:
            if tuner.status != st.IDLE and all(tuner is not seen for seen in known.values()):
                known[name] = tuner
        return known

    def target(self, words: list[str], command: str) -> tuple[str, Any]:
        """The search a subcommand acts on: the one named in `words`, or the latest."""
        if len(words) > 1:
            raise TuneUsageError(f"%tune {command} takes at most one name, got {' '.join(words)}")
        if not words:
            if self.searches:
                return next(reversed(self.searches.items()))
            running = active_searches()
            if running:  # started from Python: the latest one
                return running[-1].project_name, running[-1]
            raise TuneUsageError(
                f"no search running or started by %tune: name one, %tune {command} NAME"
            )
        name = words[0]
        if name.startswith("-"):
            raise TuneUsageError(f"%tune {command} has no option {name}: %tune {command} [NAME]")
        if name in self.searches:
            return name, self.searches[name]
        tuner = self.shell.user_ns.get(name) if name.isidentifier() else None
        if isinstance(tuner, NotebookTunerMixin):
            return name, tuner
        if tuner is None:
            known = ", ".join(self.known_searches()) or "none yet"
            raise TuneUsageError(f"no search named {name!r} (searches: {known})")
        raise TuneUsageError(
            f"{name!r} is a {type(tuner).__name__}, not a kt_widgets tuner: "
            f"start its search with %tune {name}.search(...)"
        )


def _control(action: str) -> Callable[[TuneMagics, list[str]], None]:
    def run(magics: TuneMagics, words: list[str]) -> None:
        name, tuner = magics.target(words, action)
        try:
            getattr(tuner, action)()
        except RuntimeError as error:  # e.g. pause after the search ended
            raise TuneUsageError(f"{name}: {error}") from None
        print(_status_line(name, tuner))

    return run


@subcommand("status", "%tune status [NAME]", "status, trials done, running trial, best score")
def _status(magics: TuneMagics, words: list[str]) -> None:
    name, tuner = magics.target(words, "status")
    print(_status_line(name, tuner))


subcommand("pause", "%tune pause [NAME]", "pause at the next training batch")(_control("pause"))
subcommand("resume", "%tune resume [NAME]", "resume a paused search")(_control("resume"))
subcommand("stop", "%tune stop [NAME]", "finish the running trial, then stop")(_control("stop"))
subcommand("stop-now", "%tune stop-now [NAME]", "end the running trial now; it runs again later")(
    _control("stop_now")
)
subcommand("skip", "%tune skip [NAME]", "end the running trial after this epoch; keep its score")(
    _control("skip_trial")
)
subcommand("continue", "%tune continue [NAME]", "more trials, same data (raise max_trials first)")(
    _control("continue_search")
)


@subcommand("wait", "%tune wait [NAME]", "block until the search ends (raises its error)")
def _wait(magics: TuneMagics, words: list[str]) -> None:
    name, tuner = magics.target(words, "wait")
    tuner.wait()
    print(_status_line(name, tuner))


@subcommand("list", "%tune list", "the searches of %tune, then those started from Python")
def _list(magics: TuneMagics, words: list[str]) -> None:
    if words:
        raise TuneUsageError(f"%tune list takes no arguments, got {' '.join(words)}")
    listed = magics.known_searches()
    if not listed:
        print("no searches yet")
    for name, tuner in listed.items():
        print(_status_line(name, tuner))


@subcommand(
    "watch",
    "%tune watch DIR PROJECT",
    "a live, read-only dashboard of a project another process writes "
    "(--name N, default watcher; --interval S; --objective M)",
)
def _watch(magics: TuneMagics, words: list[str]) -> None:
    spec = parse_watch(words)
    try:
        handle = watch_project(
            spec.directory, spec.project_name, interval=spec.interval, objective=spec.objective
        )
    except (OSError, ValueError) as error:
        raise TuneUsageError(str(error)) from None
    magics.shell.user_ns[spec.name] = handle
    print(f"{spec.name} = {handle!r}")


def load_ipython_extension(ipython) -> None:
    """Registers `%tune` and `%%tune` (called by `%load_ext kt_widgets`)."""
    ipython.register_magics(TuneMagics)
