// Search-space editor view of kt_widgets (anywidget ES module).
//
// It shows the rows Python sends (trait `rows`), and turns clicks and typing
// into edit requests ({type: "edit", action, name, ...}) that Python checks
// with keras_tuner and applies through `tuner.space`. Values travel as the
// text of the fields, or as indexes into the choices shown: their Python
// types never pass through JavaScript numbers. Python answers with new rows,
// or with a message in `errors`, shown under the row it concerns; the text
// the user typed stays in the fields until Python sends that row changed.

import { element } from "./shared.js";

const SAMPLINGS = ["linear", "log", "reverse_log"];
const NUMERIC = ["Int", "Float"];
const HEADINGS = ["Name", "Type", "Range / choices", "Step", "Sampling", "Default", ""];

// ---------------------------------------------------------------- requests

// The fields of a numeric row whose text differs from what Python sent.
export function changedFields(row, typed) {
  const changes = {};
  for (const key of ["min_value", "max_value", "step", "default"]) {
    const text = (typed[key] ?? "").trim();
    if (text !== (row.fields?.[key] ?? "")) changes[key] = text;
  }
  if (typed.sampling !== undefined && typed.sampling !== row.sampling) changes.sampling = typed.sampling;
  return changes;
}

// What the user typed in a row and Python has not taken yet, kept across
// redraws (a refusal redraws the panel) so that it can be corrected, until
// Python sends that row changed: drafts = {name: {signature, fields: {key: text}}}.
export function rowSignature(row) {
  return JSON.stringify([row.type, row.fields, row.sampling, row.choices, row.default, row.pinned]);
}

export function keepDrafts(drafts, rows) {
  const signatures = new Map(rows.map((row) => [row.name, rowSignature(row)]));
  for (const name of Object.keys(drafts)) {
    if (drafts[name].signature !== signatures.get(name)) delete drafts[name];
  }
}

export function noteDraft(drafts, row, key, text) {
  drafts[row.name] ??= { signature: rowSignature(row), fields: {} };
  drafts[row.name].fields[key] = text;
}

export function draftText(drafts, row, key, sent) {
  const fields = drafts[row.name]?.fields ?? {};
  return key in fields ? fields[key] : sent;
}

export function editText(entry) {
  const from = entry.from_trial === null || entry.from_trial === undefined ? "" : ` · from trial ${entry.from_trial} on`;
  const time = String(entry.time || "").replace("T", " ").replace("+00:00", " UTC");
  return `v${entry.version} · ${time}${from} · ${entry.text}`;
}

// ---------------------------------------------------------------- DOM

function button(className, text, title, onClick) {
  const node = element("button", className, text);
  node.type = "button";
  if (title) node.title = title;
  node.addEventListener("click", onClick);
  return node;
}

function input(className, value, label) {
  const node = element("input", className);
  node.type = "text";
  node.value = value ?? "";
  node.size = 9;
  node.setAttribute("aria-label", label);
  return node;
}

function select(className, options, selected, label) {
  const node = element("select", className);
  node.setAttribute("aria-label", label);
  for (const option of options) {
    const item = element("option", "", option);
    item.value = option;
    if (option === selected) item.selected = true;
    node.appendChild(item);
  }
  return node;
}

function cell(tr, content) {
  const td = element("td");
  if (typeof content === "string") td.textContent = content;
  else if (content) td.appendChild(content);
  tr.appendChild(td);
  return td;
}

function nameCell(tr, row) {
  const td = cell(tr);
  td.className = "ktw-space-name";
  td.style.paddingLeft = `${4 + 18 * (row.depth || 0)}px`;
  td.appendChild(element("span", "", (row.depth ? "↳ " : "") + row.name));
  if (row.condition) td.appendChild(element("div", "ktw-space-condition", `if ${row.condition}`));
}

function onEnter(node, action) {
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter") action();
  });
}

// A text field of a row that shows, and keeps, what the user typed.
function draftInput(className, row, key, sent, drafts) {
  const node = input(className, draftText(drafts, row, key, sent), `${row.name} ${key}`);
  node.addEventListener("input", () => noteDraft(drafts, row, key, node.value));
  return node;
}

function numericRow(tr, row, send, drafts) {
  const field = (className, key) => draftInput(className, row, key, row.fields[key], drafts);
  const min = field("ktw-min", "min_value");
  const max = field("ktw-max", "max_value");
  const range = element("span", "ktw-range-edit");
  range.append(min, element("span", "", " … "), max);
  cell(tr, range);
  const step = field("ktw-step", "step");
  cell(tr, step);
  const sampled = draftText(drafts, row, "sampling", row.sampling || "linear");
  const sampling = select("ktw-sampling", SAMPLINGS, sampled, `${row.name} sampling`);
  sampling.addEventListener("change", () => noteDraft(drafts, row, "sampling", sampling.value));
  cell(tr, sampling);
  const fallback = field("ktw-default", "default");
  cell(tr, fallback);
  const apply = () => {
    const typed = { min_value: min.value, max_value: max.value, step: step.value, default: fallback.value, sampling: sampling.value };
    const fields = changedFields(row, typed);
    if (Object.keys(fields).length) send({ action: "set", name: row.name, fields });
  };
  for (const node of [min, max, step, fallback]) onEnter(node, apply);
  const actions = cell(tr);
  actions.append(
    button("ktw-apply", "Apply", "Use these settings from the next trial on", apply),
    button("ktw-pin", "Pin", "Every later trial takes the default's value", () =>
      send({ action: "fix", name: row.name, text: fallback.value })),
  );
}

function choiceRow(tr, row, send, drafts) {
  const chips = element("span", "ktw-choices");
  row.choices.forEach((text, index) => {
    const chip = element("span", "ktw-choice", text);
    chip.appendChild(button("ktw-remove", "×", `Remove ${text}`, () =>
      send({ action: "remove_value", name: row.name, index })));
    chips.appendChild(chip);
  });
  const add = draftInput("ktw-add", row, "add", "", drafts);
  add.setAttribute("aria-label", `${row.name}: add a value`);
  add.placeholder = "add…";
  onEnter(add, () => {
    if (add.value.trim() !== "") send({ action: "add_value", name: row.name, text: add.value });
  });
  chips.appendChild(add);
  cell(tr, chips);
  cell(tr, "");
  cell(tr, "");
  const fallback = select("ktw-default-choice", row.choices, row.default, `${row.name} default`);
  fallback.addEventListener("change", () =>
    send({ action: "default_index", name: row.name, index: fallback.selectedIndex }));
  cell(tr, fallback);
  cell(tr, button("ktw-pin", "Pin", "Every later trial takes the default's value", () =>
    send({ action: "fix", name: row.name, index: fallback.selectedIndex })));
}

function booleanRow(tr, row, send) {
  cell(tr, row.range);
  cell(tr, "");
  cell(tr, "");
  const fallback = select("ktw-default-bool", ["True", "False"], row.default, `${row.name} default`);
  fallback.addEventListener("change", () =>
    send({ action: "set", name: row.name, fields: { default: fallback.value } }));
  cell(tr, fallback);
  cell(tr, button("ktw-pin", "Pin", "Every later trial takes the default's value", () =>
    send({ action: "fix", name: row.name, text: fallback.value })));
}

function plainRow(tr, row) {
  for (const key of ["range", "step", "sampling", "default"]) cell(tr, row[key]);
  cell(tr, row.note ? element("span", "ktw-space-note", row.note) : "");
}

function pinnedRow(tr, row, send) {
  cell(tr, element("span", "ktw-pinned", `📌 ${row.default}`));
  cell(tr, "");
  cell(tr, "");
  cell(tr, row.default);
  cell(tr, button("ktw-unpin", "Unpin", "Later trials draw it from its range again", () =>
    send({ action: "unfix", name: row.name })));
}

export function renderSpace(root, state, send, drafts = {}) {
  // The field being typed in keeps the focus across the redraw.
  const active = typeof document === "undefined" ? null : document.activeElement;
  const focused = active && root.contains(active) ? active.getAttribute("aria-label") : null;
  root.replaceChildren();
  const rows = state.rows || [];
  keepDrafts(drafts, rows);
  if (!rows.length) {
    root.appendChild(element("div", "ktw-space-empty", "The search space is empty until the model is built."));
  } else {
    const table = element("table", "ktw-space-grid");
    const head = element("tr");
    for (const heading of HEADINGS) head.appendChild(element("th", "", heading));
    table.appendChild(element("thead")).appendChild(head);
    const body = element("tbody");
    for (const row of rows) {
      const tr = element("tr", "ktw-space-row");
      tr.dataset.name = row.name;
      nameCell(tr, row);
      cell(tr, row.type);
      const type = row.type;
      if (!state.editable || !row.editable) plainRow(tr, row);
      else if (row.pinned) pinnedRow(tr, row, send);
      else if (NUMERIC.includes(type)) numericRow(tr, row, send, drafts);
      else if (type === "Choice") choiceRow(tr, row, send, drafts);
      else if (type === "Boolean") booleanRow(tr, row, send);
      else plainRow(tr, row);
      body.appendChild(tr);
      const error = (state.errors || {})[row.name];
      if (error) {
        const line = element("tr", "ktw-space-error");
        line.dataset.name = row.name;
        const td = element("td", "", error);
        td.colSpan = HEADINGS.length;
        td.setAttribute("role", "alert");
        line.appendChild(td);
        body.appendChild(line);
      }
    }
    table.appendChild(body);
    root.appendChild(table);
  }
  const history = element("div", "ktw-space-history");
  history.appendChild(element("div", "ktw-space-history-title", "Edits"));
  if (!(state.history || []).length) {
    history.appendChild(element("div", "ktw-space-note", "None yet: the space is as the model built it."));
  } else {
    const list = element("ol");
    for (const entry of state.history) list.appendChild(element("li", "", editText(entry)));
    history.appendChild(list);
  }
  root.appendChild(history);
  if (focused) {
    const again = [...root.querySelectorAll("input, select")].find((node) => node.getAttribute("aria-label") === focused);
    again?.focus();
  }
}

export default {
  render({ model, el }) {
    const root = element("div", "ktw-space");
    el.appendChild(root);
    const send = (request) => model.send({ type: "edit", ...request });
    const drafts = {};
    const draw = () =>
      renderSpace(root, {
        rows: model.get("rows"),
        history: model.get("history"),
        errors: model.get("errors"),
        editable: model.get("editable"),
      }, send, drafts);
    const traits = ["rows", "history", "errors", "editable"];
    for (const trait of traits) model.on(`change:${trait}`, draw);
    draw();
    return () => {
      for (const trait of traits) model.off(`change:${trait}`, draw);
    };
  },
};
