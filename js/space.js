// Search-space editor view of kt_widgets (anywidget ES module).
//
// It shows the rows Python sends (trait `rows`), and turns clicks and typing
// into edit requests ({type: "edit", action, name, ...}) that Python checks
// with keras_tuner and applies through `tuner.space`. Values travel as the
// text of the fields, or as indexes into the choices shown: their Python
// types never pass through JavaScript numbers. Python answers with new rows,
// or with a message in `errors`, shown under the row it concerns.

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

function numericRow(tr, row, send) {
  const min = input("ktw-min", row.fields.min_value, `${row.name} min_value`);
  const max = input("ktw-max", row.fields.max_value, `${row.name} max_value`);
  const range = element("span", "ktw-range-edit");
  range.append(min, element("span", "", " … "), max);
  cell(tr, range);
  const step = input("ktw-step", row.fields.step, `${row.name} step`);
  cell(tr, step);
  const sampling = select("ktw-sampling", SAMPLINGS, row.sampling || "linear", `${row.name} sampling`);
  cell(tr, sampling);
  const fallback = input("ktw-default", row.fields.default, `${row.name} default`);
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

function choiceRow(tr, row, send) {
  const chips = element("span", "ktw-choices");
  row.choices.forEach((text, index) => {
    const chip = element("span", "ktw-choice", text);
    chip.appendChild(button("ktw-remove", "×", `Remove ${text}`, () =>
      send({ action: "remove_value", name: row.name, index })));
    chips.appendChild(chip);
  });
  const add = input("ktw-add", "", `${row.name}: add a value`);
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

export function renderSpace(root, state, send) {
  root.replaceChildren();
  const rows = state.rows || [];
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
      else if (NUMERIC.includes(type)) numericRow(tr, row, send);
      else if (type === "Choice") choiceRow(tr, row, send);
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
}

export default {
  render({ model, el }) {
    const root = element("div", "ktw-space");
    el.appendChild(root);
    const send = (request) => model.send({ type: "edit", ...request });
    const draw = () =>
      renderSpace(root, {
        rows: model.get("rows"),
        history: model.get("history"),
        errors: model.get("errors"),
        editable: model.get("editable"),
      }, send);
    const traits = ["rows", "history", "errors", "editable"];
    for (const trait of traits) model.on(`change:${trait}`, draw);
    draw();
    return () => {
      for (const trait of traits) model.off(`change:${trait}`, draw);
    };
  },
};
