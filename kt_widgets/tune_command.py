"""What `%tune` and `%%tune` lines mean, checked before anything runs (no IPython here).

Every mistake in a line (an unknown option, a name the notebook does not have,
a syntax error, an objective whose direction cannot be inferred) raises
`TuneUsageError` with one line of text, before a tuner is made or a thread starts.
"""

from __future__ import annotations

import argparse
import ast
import keyword
import shlex
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import keras_tuner
from keras_tuner.src.engine.base_tuner import BaseTuner
from keras_tuner.src.engine.objective import create_objective

from kt_widgets import tuners
from kt_widgets.core.text import format_duration, format_score, headline

ALGORITHMS: dict[str, type] = {
    "random": tuners.RandomSearch,
    "bayesian": tuners.BayesianOptimization,
    "hyperband": tuners.Hyperband,
    "grid": tuners.GridSearch,
}

DEFAULT_NAME = "tuner"


class TuneUsageError(ValueError):
    """A `%tune` line that cannot run; the message is one line."""


# -- %tune <tuner>.search(...) ------------------------------------------------


@dataclass
class SearchCall:
    """`%tune <tuner>.search(...)`, evaluated in the notebook's namespace."""

    name: str  # how %tune status/pause/... refer to it: the tuner expression
    tuner: Any
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)


def _collect(*args: Any, **kwargs: Any) -> tuple[list[Any], dict[str, Any]]:
    return list(args), kwargs


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def parse_search_call(line: str, namespace: Mapping[str, Any]) -> SearchCall:
    """Reads `<tuner>.search(...)` and evaluates its parts in `namespace`.

    Args:
        line: str. The text after `%tune`, e.g. `tuner.search(x, y, epochs=5)`.
        namespace: The notebook's namespace.

    Returns:
        The tuner and the arguments of its search.

    Raises:
        TuneUsageError: a syntax error, not a `.search(...)` call, an unknown
            name, or an object that is not a keras_tuner tuner.
    """
    try:
        tree = ast.parse(line.strip(), mode="eval")
    except SyntaxError as error:
        raise TuneUsageError(f"syntax error in {line.strip()!r}: {error.msg}") from None
    call = tree.body
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "search"
    ):
        raise TuneUsageError(
            f"expected <tuner>.search(...) or a subcommand, got {line.strip()!r} (see %tune --help)"
        )
    name = ast.unparse(call.func.value)
    try:
        tuner = eval(compile(ast.Expression(call.func.value), "<%tune>", "eval"), namespace)
    except (NameError, AttributeError) as error:
        raise TuneUsageError(f"no tuner {name!r} in the notebook ({_one_line(error)})") from None
    if not isinstance(tuner, BaseTuner):
        raise TuneUsageError(
            f"{name!r} is a {type(tuner).__name__}, not a keras_tuner tuner "
            "(e.g. keras_tuner.RandomSearch)"
        )
    collect = ast.Call(
        func=ast.Name("_kt_widgets_collect", ast.Load()), args=call.args, keywords=call.keywords
    )
    code = compile(ast.fix_missing_locations(ast.Expression(collect)), "<%tune>", "eval")
    try:
        args, kwargs = eval(code, namespace, {"_kt_widgets_collect": _collect})
    except NameError as error:
        raise TuneUsageError(
            f"{error.name!r} is not defined in the notebook (an argument of {name}.search)"
        ) from None
    return SearchCall(name=name, tuner=tuner, args=args, kwargs=kwargs)


# -- %%tune <algorithm> [options] -----------------------------------------------


class _Parser(argparse.ArgumentParser):
    option_names: set[str]  # every spelling of its options

    def error(self, message: str):  # argparse would print usage and exit
        raise TuneUsageError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {value}")
    return value


def _cell_parser() -> _Parser:
    parser = _Parser(prog="%%tune", add_help=False, allow_abbrev=False)
    parser.option_names = set()

    def option(*names: str, **kwargs: Any) -> None:
        # --max-trials or --max_trials, as keras_tuner spells the argument.
        spelled = [
            n for name in names for n in dict.fromkeys((name, "--" + name[2:].replace("-", "_")))
        ]
        parser.option_names.update(spelled)
        parser.add_argument(*spelled, **kwargs)

    parser.add_argument("algorithm", choices=sorted(ALGORITHMS))
    option("--name", default=DEFAULT_NAME)
    option("--objective")
    option("--direction", choices=("min", "max"))
    option("--max-trials", type=_positive_int)
    option("--max-epochs", type=_positive_int)
    option("--factor", type=_positive_int)
    option("--executions-per-trial", type=_positive_int)
    option("--seed", type=int)
    option("--directory")
    option("--project-name")
    option("--overwrite", action="store_true")
    option("--data", nargs="+", metavar="NAME")
    option("--validation-data", nargs="+", metavar="NAME")
    option("--validation-split", type=_fraction)
    option("--epochs", type=_positive_int)
    option("--batch-size", type=_positive_int)
    return parser


def cell_form_on_a_line(line: str) -> str | None:
    """What to say when a `%tune` line is written as `%%tune` would be, else None.

    `%tune random --data x y` or `%tune --max-trials 3` is the cell magic's line
    typed without its cell: say so rather than "syntax error" or "unknown option".
    """
    line = line.strip()
    words = line.split()
    if not words:
        return None
    cell = "put the code that builds the model in a cell that starts with"
    if words[0] in ALGORITHMS:
        return f"{words[0]!r} is an algorithm of the cell magic %%tune: {cell} %%tune {line}"
    option = words[0].split("=", 1)[0]
    if option in _cell_parser().option_names:
        return (
            f"{option!r} is an option of the cell magic %%tune: "
            f"{cell} %%tune ALGORITHM {option} ... (see %tune --help)"
        )
    return None


@dataclass
class CellTune:
    """A checked `%%tune` line and cell: all that is needed to make and start the tuner."""

    name: str
    tuner_class: type
    tuner_kwargs: dict[str, Any]
    search_args: list[Any]
    search_kwargs: dict[str, Any]


def split_line(line: str) -> list[str]:
    """The words of a line, quoted ones kept whole (`shlex`)."""
    try:
        return shlex.split(line)
    except ValueError as error:
        raise TuneUsageError(f"cannot read the line: {error}") from None


def _datasets(names: list[str] | None, option: str, namespace: Mapping[str, Any]) -> list[Any]:
    if names is None:
        return []
    if len(names) > 2:
        raise TuneUsageError(f"--{option} takes one or two names (x, or x y), got {len(names)}")
    values = []
    for name in names:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise TuneUsageError(f"--{option} takes names of the notebook, got {name!r}")
        if name not in namespace:
            raise TuneUsageError(f"no dataset {name!r} in the notebook (--{option})")
        values.append(namespace[name])
    return values


def _objective(name: str | None, direction: str | None, validation: bool):
    if name is None:
        if direction is not None:
            raise TuneUsageError("--direction needs --objective")
        name = "val_loss" if validation else "loss"
    if direction is not None:
        return keras_tuner.Objective(name, direction)
    try:
        create_objective(name)  # keras_tuner's own inference of the direction
    except ValueError:
        raise TuneUsageError(
            f"cannot infer whether {name!r} is to be minimized or maximized: "
            f"add --direction min or --direction max"
        ) from None
    return name


def parse_cell(line: str, cell: str, namespace: Mapping[str, Any], filename: str) -> CellTune:
    """Checks a `%%tune` line and cell, and resolves the data names in `namespace`.

    Args:
        line: str. The text after `%%tune`, e.g. `random --max-trials 5 --data x y`.
        cell: str. Code that makes the model from `hp`: it assigns the model
            to `model`, or its last line is the model.
        namespace: The notebook's namespace; data names are looked up there
            and the cell's code runs in it.
        filename: str. The name the cell's code is compiled under (tracebacks
            of a trial show its lines).

    Raises:
        TuneUsageError: any mistake in the line or the cell.
    """
    options = _cell_parser().parse_args(split_line(line))
    if options.data is None:  # keras_tuner would start and fail each trial without data
        raise TuneUsageError("--data is required: the names of the training data, e.g. --data x y")
    if not options.name.isidentifier() or keyword.iskeyword(options.name):
        raise TuneUsageError(f"--name takes a Python name, got {options.name!r}")
    hyperband = options.algorithm == "hyperband"
    if hyperband and options.max_trials is not None:
        raise TuneUsageError("hyperband has no --max-trials; its budget is --max-epochs")
    for given, flag in ((options.max_epochs, "--max-epochs"), (options.factor, "--factor")):
        if not hyperband and given is not None:
            raise TuneUsageError(f"{flag} is an option of hyperband only")
    if options.validation_split is not None and options.validation_data is not None:
        raise TuneUsageError("give --validation-split or --validation-data, not both")
    data = _datasets(options.data, "data", namespace)
    validation = _datasets(options.validation_data, "validation-data", namespace)
    has_validation = bool(validation) or options.validation_split is not None
    objective = _objective(options.objective, options.direction, has_validation)
    build = build_function(cell, namespace, filename)

    tuner_kwargs: dict[str, Any] = {"hypermodel": build, "objective": objective}
    for key in ("max_trials", "max_epochs", "factor", "executions_per_trial", "seed"):
        if getattr(options, key) is not None:
            tuner_kwargs[key] = getattr(options, key)
    for key in ("directory", "project_name"):
        if getattr(options, key) is not None:
            tuner_kwargs[key] = getattr(options, key)
    tuner_kwargs["overwrite"] = options.overwrite

    search_kwargs: dict[str, Any] = {}
    for key in ("epochs", "batch_size", "validation_split"):
        if getattr(options, key) is not None:
            search_kwargs[key] = getattr(options, key)
    if validation:
        pair = len(validation) > 1
        search_kwargs["validation_data"] = tuple(validation) if pair else validation[0]
    return CellTune(
        name=options.name,
        tuner_class=ALGORITHMS[options.algorithm],
        tuner_kwargs=tuner_kwargs,
        search_args=data,
        search_kwargs=search_kwargs,
    )


def _assigns(tree: ast.AST, name: str) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
        for node in ast.walk(tree)
    )


def build_function(cell: str, namespace: Mapping[str, Any], filename: str) -> Callable:
    """Turns a cell that makes a model from `hp` into `build(hp)`.

    The cell becomes the body of a function whose globals are the notebook's
    namespace; it returns `model` if the cell assigns it, else its last expression.
    """
    try:
        tree = ast.parse(cell, filename=filename)
    except SyntaxError as error:
        message = f"syntax error in the cell, line {error.lineno}: {error.msg}"
        raise TuneUsageError(message) from None
    body = tree.body
    if not body:
        raise TuneUsageError("the cell is empty: write the code that makes the model from hp")
    # `model` first: a cell that ends with `model.compile(...)` is common.
    if _assigns(tree, "model"):
        body.append(ast.Return(ast.Name("model", ast.Load())))
    elif isinstance(body[-1], ast.Expr):
        body[-1] = ast.copy_location(ast.Return(body[-1].value), body[-1])
    else:
        raise TuneUsageError("the cell must assign the model to `model`, or end with it")
    function = ast.FunctionDef(
        name="build_model",
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg("hp")],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=body,
        decorator_list=[],
        returns=None,
        type_params=[],
    )
    module = ast.fix_missing_locations(ast.Module(body=[function], type_ignores=[]))
    scope: dict[str, Any] = {}
    exec(compile(module, filename, "exec"), namespace, scope)  # noqa: S102 - the user's cell
    return scope["build_model"]


# -- %tune watch DIRECTORY PROJECT_NAME [options] ---------------------------------

DEFAULT_WATCH_NAME = "watcher"


@dataclass
class WatchLine:
    """A checked `%tune watch` line."""

    name: str
    directory: str
    project_name: str
    interval: float
    objective: str | None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value}")
    return value


def parse_watch(words: list[str]) -> WatchLine:
    """`%tune watch DIRECTORY PROJECT_NAME [--name N] [--interval S] [--objective M]`."""
    parser = _Parser(prog="%tune watch", add_help=False, allow_abbrev=False)
    parser.add_argument("directory")
    parser.add_argument("project_name")
    parser.add_argument("--name", default=DEFAULT_WATCH_NAME)
    parser.add_argument("--interval", type=_positive_seconds, default=1.0)
    parser.add_argument("--objective")
    options = parser.parse_args(words)
    if not options.name.isidentifier() or keyword.iskeyword(options.name):
        raise TuneUsageError(f"--name takes a Python name, got {options.name!r}")
    return WatchLine(
        options.name, options.directory, options.project_name, options.interval, options.objective
    )


def cell_error_line(error: BaseException, filename: str) -> str:
    """One line for an error the cell's code raised: its type, text and cell line."""
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    where = f" (cell line {lines[-1]})" if lines else ""
    return _one_line(error) + where


def status_line(name: str, summary, pause_requested: bool = False) -> str:
    """One line on a search, from its `SearchSummary`: status, trials, best score."""
    of = f"/{summary.max_trials}" if summary.max_trials else ""
    status = "pausing" if pause_requested and summary.status == "running" else summary.status
    parts = [f"{name}: {status}", f"{summary.trials_done}{of} trials"]
    if summary.trials_failed:
        parts[-1] += f" ({summary.trials_failed} failed)"
    if summary.running_trial is not None:
        planned = f"/{summary.running_epochs_planned}" if summary.running_epochs_planned else ""
        parts.append(f"trial {summary.running_trial}: epoch {summary.running_epoch}{planned}")
    if summary.best_trial is not None:
        parts.append(
            f"best {summary.objective} {format_score(summary.best_score)} "
            f"(trial {summary.best_trial})"
        )
    parts.append(f"elapsed {format_duration(summary.elapsed)}")
    if summary.error:
        parts.append(headline(summary.error))
    return " · ".join(parts)
