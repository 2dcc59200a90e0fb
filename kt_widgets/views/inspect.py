"""The inspection panel: the best trial, any selected trial, or 2-4 trials compared.

It follows the trial table's selection (see `core.inspection.panel_selection`)
and shows hyperparameters, score, final metrics, the model's layers, an
evaluation made with `tuner.inspect(x, y)`, and the curves as a picture drawn
with `figures` (the live, interactive curves are the dashboard's Curves). Its
buttons load a trial's model into a notebook name and download the trials as
CSV. Only the dashboard's pump thread writes its widgets.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from html import escape
from typing import Any, Protocol

import anywidget
import ipywidgets as widgets
import traitlets

from kt_widgets import figures
from kt_widgets.core import inspection as ins
from kt_widgets.core.inspection import Architecture, EvaluationResults
from kt_widgets.core.state import SCORED_TRIAL_STATUSES, SearchState, TrialRecord
from kt_widgets.core.text import format_score, headline
from kt_widgets.views.base import static_file, view_module

DEFAULT_MODEL_NAME = "best_model"
CSV_NAME = "trials.csv"


class Inspector(Protocol):
    """What the panel asks of a tuner (a kt_widgets tuner is one)."""

    evaluations: EvaluationResults
    has_models: bool

    def architecture(self, trial_id: str) -> Architecture: ...
    def bind_model(self, trial_id: str, name: str) -> str: ...


class DownloadButton(anywidget.AnyWidget):
    """A button whose click asks Python for a file, which the browser then saves."""

    _esm = view_module("download.js")
    _css = static_file("dashboard.css")

    label = traitlets.Unicode("Download CSV", help="Button text.").tag(sync=True)
    # Not `tooltip`: ipywidgets' own trait of that name breaks a view with no description.
    hint = traitlets.Unicode("Every trial as a CSV file", help="Hover text.").tag(sync=True)

    def __init__(self, on_request: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_request = on_request
        self.on_msg(self._handle_message)

    def _handle_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "download":
            self._on_request(str(content.get("request", "")))

    def click(self, request: str = "") -> None:
        """What a click in the browser does (for tests and scripts)."""
        self._on_request(request)

    def send_file(self, request: str, name: str, text: str, mime: str = "text/csv") -> None:
        self.send({"type": "file", "request": request, "name": name, "text": text, "mime": mime})


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return format_score(value)
    return str(value)


def _table(head: list[str], rows: list[list[str]], row_classes: list[str] | None = None) -> str:
    """An HTML table; cells are HTML already escaped by the caller."""
    thead = "".join(f"<th>{cell}</th>" for cell in head)
    body = []
    for index, row in enumerate(rows):
        cls = row_classes[index] if row_classes else ""
        attr = f' class="{cls}"' if cls else ""
        body.append(f"<tr{attr}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    return (
        f'<table class="ktw-inspect-table"><thead><tr>{thead}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def architecture_html(architecture: Architecture) -> str:
    if architecture.error:
        return f'<div class="ktw-note">{escape(architecture.error)}</div>'
    rows = [
        [escape(layer.name), escape(layer.kind), escape(layer.output_shape), f"{layer.params:,}"]
        for layer in architecture.layers
    ]
    totals = (
        f'<div class="ktw-arch-totals">Total params: <b>{architecture.total_params:,}</b> · '
        f"trainable: {architecture.trainable_params:,} · "
        f"non-trainable: {architecture.non_trainable_params:,}</div>"
    )
    return _table(["Layer", "Type", "Output shape", "Params"], rows) + totals


def _score_text(record: TrialRecord, state: SearchState) -> str:
    objective = escape(state.objective or "score")
    return f"{objective} ({escape(state.direction)}) <b>{escape(_value(record.score))}</b>"


def trial_html(
    record: TrialRecord,
    state: SearchState,
    best: bool,
    architecture: Architecture | None,
    evaluation: ins.Evaluation | None,
    can_evaluate: bool,
) -> str:
    """One trial: summary, hyperparameters, metrics, evaluation, architecture."""
    title = "Best trial" if best else "Trial"
    parts = [
        f'<div class="ktw-inspect-summary"><b>{title} {escape(record.trial_id)}</b> · '
        f'<span class="ktw-inspect-status">{escape(record.status)}</span> · '
        f"{_score_text(record, state)}"
        + (f" · best step {escape(str(record.best_step))}" if record.best_step is not None else "")
        + "</div>"
    ]
    if record.message and record.status not in SCORED_TRIAL_STATUSES:
        parts.append(f'<div class="ktw-note ktw-error">{escape(headline(record.message))}</div>')
    hps = [[escape(name), escape(_value(v))] for name, v in record.hyperparameters.items()]
    columns = [
        '<div class="ktw-inspect-col"><h4>Hyperparameters</h4>'
        + (_table(["Name", "Value"], hps) if hps else '<div class="ktw-note">none</div>')
        + "</div>"
    ]
    metrics = [[escape(name), escape(_value(v))] for name, v in record.metrics.items()]
    if metrics:
        columns.append(
            '<div class="ktw-inspect-col"><h4>Final metrics</h4>'
            + _table(["Metric", "Value"], metrics)
            + "</div>"
        )
    if evaluation is not None:
        samples = f" ({evaluation.samples:,} samples)" if evaluation.samples else ""
        rows = [[escape(name), escape(_value(v))] for name, v in evaluation.metrics.items()]
        columns.append(
            f'<div class="ktw-inspect-col ktw-evaluation"><h4>On your data{samples}</h4>'
            + _table(["Metric", "Value"], rows)
            + "</div>"
        )
    elif can_evaluate and record.status in SCORED_TRIAL_STATUSES:
        call = (
            "tuner.inspect(x, y)" if best else f'tuner.inspect(x, y, trial_id="{record.trial_id}")'
        )
        columns.append(
            '<div class="ktw-inspect-col"><h4>On your data</h4>'
            f'<div class="ktw-note">Evaluate it with <code>{escape(call)}</code>.</div></div>'
        )
    parts.append('<div class="ktw-inspect-row">' + "".join(columns) + "</div>")
    if architecture is not None:
        parts.append(
            '<div class="ktw-architecture"><h4>Architecture</h4>'
            + architecture_html(architecture)
            + "</div>"
        )
    return "".join(parts)


def comparison_html(records: list[TrialRecord], state: SearchState) -> str:
    """Trials side by side; hyperparameters that differ are marked."""
    head = [""] + [f"Trial {escape(r.trial_id)}" for r in records]
    rows = [
        ["status"] + [escape(r.status) for r in records],
        [f"score ({escape(state.objective or 'objective')})"]
        + [escape(_value(r.score)) for r in records],
    ]
    classes = ["", "ktw-score-row"]
    hyperparameters = ins.compare_hyperparameters(records)
    for compared in hyperparameters:
        mark = (
            ' <span class="ktw-differs-mark" title="differs">≠</span>' if compared.differs else ""
        )
        rows.append([escape(compared.name) + mark] + [escape(_value(v)) for v in compared.values])
        classes.append("ktw-differs" if compared.differs else "ktw-same")
    metric_names: dict[str, None] = {}
    for record in records:
        metric_names.update(dict.fromkeys(record.metrics))
    for name in metric_names:
        rows.append([escape(name)] + [escape(_value(r.metrics.get(name))) for r in records])
        classes.append("ktw-metric-row")
    differing = sum(compared.differs for compared in hyperparameters)
    summary = (
        f'<div class="ktw-inspect-summary"><b>Comparing trials '
        f"{escape(', '.join(r.trial_id for r in records))}</b> · "
        f"{differing} of {len(hyperparameters)} hyperparameters differ (marked ≠)"
        "</div>"
    )
    return summary + _table(head, rows, classes)


def _figure_html(state: SearchState, trial_ids: list[str]) -> str:
    if not any(state.curves(t) for t in trial_ids):
        return '<div class="ktw-note">No epochs recorded for these trials.</div>'
    figure = figures.curves_figure(state, trial_ids, width=8.0, height=2.8)
    data = base64.b64encode(figures.figure_png(figure)).decode("ascii")
    return (
        '<img class="ktw-inspect-curves" alt="per-epoch curves" '
        f'src="data:image/png;base64,{data}">'
    )


class InspectPanel(widgets.VBox):
    """Best model / trial / comparison, with Load-model and Download-CSV buttons.

    Args:
        inspector: the tuner, or None (watch mode: no models to load).
        on_change: called (any thread) when a click needs the panel redrawn.
    """

    def __init__(self, inspector: Inspector | None, on_change: Callable[[], None]) -> None:
        self._inspector = inspector
        self._has_models = inspector is not None and inspector.has_models
        self._on_change = on_change
        self._key: Any = None
        self._lock = threading.Lock()
        self._notice = ""  # what the last Load click did, as HTML
        self._shown_trial: str | None = None  # the single completed trial shown
        self._downloads: list[str] = []  # requests the pump answers
        self.title = widgets.HTML()
        self.body = widgets.HTML()
        self.body.add_class("ktw-inspect")
        self.name_box = widgets.Text(
            value=DEFAULT_MODEL_NAME,
            description="as",
            layout={"width": "160px"},
            style={"description_width": "initial"},
        )
        self.name_box.tooltip = "The notebook name the model is bound to"
        self.load_button = widgets.Button(
            description="Load model", icon="download", tooltip="Load this trial's model"
        )
        self.load_button.add_class("ktw-load-model")
        self.load_button.on_click(lambda _button: self.load())
        self.notice = widgets.HTML()
        self.download = DownloadButton(on_request=self._request_download)
        load_row = [self.load_button, self.name_box] if self._has_models else []
        actions = widgets.HBox([*load_row, self.download, self.notice])
        actions.layout.align_items = "center"
        super().__init__([self.title, self.body, actions])
        self.add_class("ktw-inspect-panel")

    # -- clicks (kernel main thread) ---------------------------------------------------
    def load(self) -> None:
        """Load the shown trial's model into the name typed (the Load button)."""
        trial_id, name = self._shown_trial, self.name_box.value.strip()
        if self._inspector is None or trial_id is None:
            notice = '<span class="ktw-error">Select one completed trial to load its model.</span>'
        else:
            try:
                message = self._inspector.bind_model(trial_id, name)
                notice = f'<span class="ktw-ok">{escape(message)}</span>'
            except Exception as error:  # shown where the user clicked
                notice = f'<span class="ktw-error">{escape(str(error))}</span>'
        with self._lock:
            self._notice = notice
        self._on_change()

    def _request_download(self, request: str) -> None:
        with self._lock:
            self._downloads.append(request)
        self._on_change()

    # -- the pump thread ---------------------------------------------------------------
    def answer_downloads(self, csv_text: Callable[[], str]) -> None:
        with self._lock:
            requests, self._downloads = self._downloads, []
        if requests:
            text = csv_text()
            for request in requests:
                self.download.send_file(request, CSV_NAME, text)

    def update(self, state: SearchState, selected: list[str]) -> None:
        selection = ins.panel_selection(state, selected)
        records = state.trials(list(selection.trial_ids)) if selection.mode != ins.TOO_MANY else []
        evaluations = self._inspector.evaluations if self._inspector is not None else None
        with self._lock:
            notice = self._notice
        key = (
            selection,
            tuple((r.status, r.score, len(r.executions), r.epochs_done) for r in records),
            evaluations.version if evaluations is not None else 0,
            notice,
            state.objective,
            state.direction,
        )
        if key == self._key:
            return
        self._key = key
        single = records[0] if selection.mode in (ins.BEST, ins.TRIAL) else None
        self._shown_trial = single.trial_id if single is not None else None
        # The body first (drawing its figures takes a moment), then both at once:
        # a title never stands over another trial's body.
        body = self._body(state, selection, records)
        self.title.value = f'<b class="ktw-inspect-title">{escape(self._title(selection))}</b>'
        self.body.value = body
        loadable = single is not None and single.status in SCORED_TRIAL_STATUSES
        self.load_button.disabled = not loadable
        self.notice.value = notice

    @staticmethod
    def _title(selection: ins.PanelSelection) -> str:
        if selection.mode == ins.BEST:
            return f"Best model — trial {selection.trial_ids[0]}"
        if selection.mode == ins.TRIAL:
            return f"Trial {selection.trial_ids[0]}"
        if selection.mode == ins.COMPARE:
            return "Comparison of trials " + ", ".join(selection.trial_ids)
        return "Best model"

    def _body(self, state: SearchState, selection: ins.PanelSelection, records) -> str:
        if selection.mode in (ins.EMPTY, ins.TOO_MANY):
            return f'<div class="ktw-note ktw-inspect-empty">{escape(selection.message)}</div>'
        ids = [r.trial_id for r in records]
        if selection.mode == ins.COMPARE:
            return comparison_html(records, state) + _figure_html(state, ids)
        record = records[0]
        inspector = self._inspector
        architecture = inspector.architecture(record.trial_id) if inspector is not None else None
        evaluation = inspector.evaluations.get(record.trial_id) if inspector is not None else None
        html = trial_html(
            record,
            state,
            best=selection.mode == ins.BEST,
            architecture=architecture,
            evaluation=evaluation,
            can_evaluate=self._has_models,
        )
        return html + "<h4>Curves</h4>" + _figure_html(state, ids)
