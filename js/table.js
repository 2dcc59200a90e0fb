// Trial table view of kt_widgets (anywidget ES module).
//
// It imports only ./shared.js, which kt_widgets inlines when it loads the
// view (anywidget takes one module string). Everything that is pure logic is
// a named export, so Node tests can import it without a DOM; `render`
// touches the DOM only when it is called.

import { cancelFrame, decodeNumber, element, formatNumber, requestFrame } from "./shared.js";

const MISSING_TEXT = "—";
// The order of String#localeCompare, built once: much faster per comparison.
const TEXT_ORDER = new Intl.Collator();
// Statuses in the order a user scans them; unknown ones follow alphabetically.
const STATUS_ORDER = ["RUNNING", "COMPLETED", "SKIPPED", "FAILED", "INVALID", "STOPPED", "IDLE"];
// Traits whose change only needs the rows in view rebuilt.
const REDRAW_TRAITS = ["best_trial_id", "selected"];
// Traits whose change also needs the rows filtered and sorted again.
const REORDER_TRAITS = ["columns", "sort_key", "sort_descending", "status_filter"];

// ---------------------------------------------------------------- values

// Seconds as a short human duration: "12.3 s", "2 min 05 s", "1 h 02 min".
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return formatNumber(seconds);
  if (Math.abs(seconds) < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  const two = (n) => String(n).padStart(2, "0");
  if (total < 3600) return `${Math.floor(total / 60)} min ${two(total % 60)} s`;
  return `${Math.floor(total / 3600)} h ${two(Math.floor((total % 3600) / 60))} min`;
}

// Text for values that are not formatted as numbers. Booleans read as in
// Python, since they are hyperparameter values of Python code.
function plainText(value) {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return formatNumber(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// The text of one cell. `key` matters for "duration", which is in seconds.
export function formatCell(value, kind, key = "") {
  if (value === null || value === undefined) return MISSING_TEXT;
  if (kind === "number") {
    const number = decodeNumber(value);
    if (number === null) return plainText(value);
    return key === "duration" ? formatDuration(number) : formatNumber(number);
  }
  return plainText(value);
}

// ---------------------------------------------------------------- sorting

// The value a cell sorts by: a number, a string, or null for "sorts last".
function sortValue(value, kind) {
  if (value === null || value === undefined) return null;
  if (kind === "number") {
    const number = decodeNumber(value);
    return number === null || Number.isNaN(number) ? null : number;
  }
  if (kind === "id") {
    // "007" sorts as 7; an id that is not an integer sorts as text.
    const text = String(value).trim();
    return /^-?\d+$/.test(text) ? Number(text) : text;
  }
  return plainText(value);
}

// Orders two sort values (see sortValue); null sorts last whatever the
// direction, so flipping `descending` never floats missing values to the top.
function compareValues(x, y, descending) {
  if (x === null || y === null) {
    if (x === y) return 0;
    return x === null ? 1 : -1;
  }
  let order;
  if (typeof x === "number" && typeof y === "number") {
    // No subtraction: Infinity - Infinity is NaN.
    order = x < y ? -1 : x > y ? 1 : 0;
  } else if (typeof x === "number" || typeof y === "number") {
    order = typeof x === "number" ? -1 : 1; // numeric ids before others
  } else {
    order = TEXT_ORDER.compare(x, y);
  }
  // `0 - order`, not `-order`: a tie stays +0 rather than -0.
  return descending ? 0 - order : order;
}

// Compares two cells of a column. Missing values and NaN come last whatever
// the direction.
export function compareCells(a, b, kind, descending = false) {
  return compareValues(sortValue(a, kind), sortValue(b, kind), descending);
}

// A sorted copy of `rows`. Ties keep trial id order (ascending); rows with
// the same id keep their input order, as Array#sort is stable. An empty key
// means "no sort": the order in which rows arrived. Each row's sort values
// are computed once, not at every comparison: 10,000 rows sort in a few ms.
export function sortRows(rows, key, kind, descending = false) {
  if (!key) return rows.slice();
  const keyed = rows.map((row) => ({ row, value: sortValue(row[key], kind), id: sortValue(row.trial_id, "id") }));
  keyed.sort((r, s) => compareValues(r.value, s.value, descending) || compareValues(r.id, s.id, false));
  return keyed.map((entry) => entry.row);
}

// The kind of the column `key`; trial_id is an id even without a column.
export function columnKind(columns, key) {
  const column = (columns || []).find((c) => c.key === key);
  if (column) return column.kind;
  return key === "trial_id" ? "id" : "text";
}

// Whether a column starts out descending when first clicked: only "score",
// and only when larger is better, so the best trial comes first.
export function defaultDescending(key, direction) {
  return key === "score" && direction === "max";
}

// The sort after a click on the header of `clickedKey`.
export function nextSort(current, clickedKey, direction) {
  if (current.key === clickedKey) return { key: clickedKey, descending: !current.descending };
  return { key: clickedKey, descending: defaultDescending(clickedKey, direction) };
}

// ---------------------------------------------------------------- rows

// Applies a {type: "rows", reset, rows} message to `store`, a Map from trial
// id to row that keeps the order in which trials were first seen. Updates
// merge into the known row, so Python may send only the changed fields.
export function mergeRows(store, msg) {
  if (msg.reset) store.clear();
  for (const row of msg.rows || []) {
    if (!row || row.trial_id === null || row.trial_id === undefined) continue;
    const id = String(row.trial_id);
    store.set(id, { ...store.get(id), ...row, trial_id: id });
  }
  return store;
}

export function filterRows(rows, status) {
  return status ? rows.filter((row) => row.status === status) : rows;
}

// The statuses to offer in the filter: those present, plus the current
// filter so that the select can show it even when no row matches any more.
export function statusOptions(rows, current = "") {
  const present = new Set(rows.map((row) => row.status).filter((s) => typeof s === "string" && s));
  if (current) present.add(current);
  const known = STATUS_ORDER.filter((s) => present.has(s));
  const others = [...present].filter((s) => !STATUS_ORDER.includes(s)).sort();
  return [...known, ...others];
}

export function countLabel(total, shown = total) {
  const label = `${total} ${total === 1 ? "trial" : "trials"}`;
  return shown === total ? label : `${label} (${shown} shown)`;
}

// Adds `id` to the selection, or removes it if it was there.
export function toggleSelection(selected, id) {
  return selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
}

// Status text as a class-name suffix ("COMPLETED" -> "completed").
export function statusClass(status) {
  return `ktw-status-${String(status).toLowerCase().replace(/[^a-z0-9_-]+/g, "-")}`;
}

// ---------------------------------------------------------------- window

// Up to this many rows are all in the DOM; beyond it only the rows in view
// (plus OVERSCAN_ROWS on each side) are, between two spacer rows that keep
// the scroll height. Building 10,000 rows would take seconds per redraw.
export const ALL_ROWS_LIMIT = 200;
export const OVERSCAN_ROWS = 20;
// Used until a row has been measured (12 px text, 3 px padding, 1 px border).
const ROW_HEIGHT_GUESS = 24;
// The scroller's max-height in dashboard.css, for when it is not laid out yet.
const VIEWPORT_GUESS = 360;

// The rows [start, end) to build, for `total` rows of `rowHeight` pixels seen
// through `viewport` pixels scrolled `scrollTop` pixels down the rows.
export function rowWindow(total, scrollTop, viewport, rowHeight, overscan = OVERSCAN_ROWS) {
  if (total <= ALL_ROWS_LIMIT) return { start: 0, end: total };
  const height = rowHeight > 0 ? rowHeight : ROW_HEIGHT_GUESS;
  const first = Math.floor(Math.max(0, scrollTop) / height);
  const start = Math.max(0, Math.min(first, total - 1) - overscan);
  const end = Math.min(total, first + Math.ceil(Math.max(viewport, 0) / height) + overscan + 1);
  return { start, end };
}

// ---------------------------------------------------------------- view

function render({ model, el }) {
  const rows = new Map();

  const root = element("div", "ktw-table");
  const toolbar = element("div", "ktw-toolbar");
  const filter = element("select", "ktw-status-filter");
  filter.setAttribute("aria-label", "Filter trials by status");
  const count = element("span", "ktw-count");
  const clear = element("button", "ktw-clear-selection", "Clear selection");
  clear.type = "button";
  toolbar.append(filter, count, clear);

  const scroller = element("div", "ktw-scroll");
  const table = element("table", "ktw-grid");
  const thead = element("thead");
  const headRow = element("tr");
  const tbody = element("tbody");
  thead.append(headRow);
  table.append(thead, tbody);
  scroller.append(table);
  root.append(toolbar, scroller);
  el.append(root);

  // What the header and the filter were last built from: rebuilding them
  // only when it changes keeps keyboard focus and an open select intact.
  let headerBuiltFrom = null;
  let filterBuiltFrom = null;

  function buildHeader(columns) {
    const signature = JSON.stringify(columns);
    if (signature === headerBuiltFrom) return;
    headerBuiltFrom = signature;
    headRow.replaceChildren(
      ...columns.map((column) => {
        const th = element("th", `ktw-kind-${column.kind}`);
        th.dataset.key = column.key;
        th.tabIndex = 0;
        th.append(element("span", "ktw-label", column.label ?? column.key), element("span", "ktw-sort-arrow"));
        return th;
      }),
    );
  }

  function updateSortIndicators(sortKey, descending) {
    for (const th of headRow.children) {
      const sorted = th.dataset.key === sortKey;
      th.setAttribute("aria-sort", sorted ? (descending ? "descending" : "ascending") : "none");
      th.querySelector(".ktw-sort-arrow").textContent = sorted ? (descending ? "▼" : "▲") : "";
    }
  }

  function buildFilter(statuses, current) {
    const signature = JSON.stringify(statuses);
    if (signature !== filterBuiltFrom) {
      filterBuiltFrom = signature;
      const all = element("option", "", "All statuses");
      all.value = "";
      filter.replaceChildren(
        all,
        ...statuses.map((status) => {
          const option = element("option", "", status);
          option.value = status;
          return option;
        }),
      );
    }
    filter.value = current;
  }

  function buildRow(row, columns, selected, bestId) {
    const id = row.trial_id;
    const tr = element("tr");
    tr.dataset.trialId = id;
    tr.setAttribute("aria-selected", String(selected.has(id)));
    if (selected.has(id)) tr.classList.add("ktw-selected");
    const isBest = id === bestId;
    if (isBest) tr.classList.add("ktw-best");
    for (const column of columns) {
      const value = row[column.key];
      const td = element("td", `ktw-kind-${column.kind}`);
      td.dataset.key = column.key;
      if (column.kind === "status" && value !== null && value !== undefined) {
        td.classList.add(statusClass(value));
        // A failed trial's error, on hover; select the row for the traceback.
        if (row.error) td.title = row.error;
      }
      if (isBest && column.kind === "id") {
        const star = element("span", "ktw-star", "★ ");
        star.title = "Best trial";
        td.append(star);
      }
      td.append(formatCell(value, column.kind, column.key));
      tr.append(td);
    }
    return tr;
  }

  // The filtered, sorted rows; recomputed only when rows, sort or filter
  // change, not when the user scrolls or selects.
  let shown = [];
  let orderStale = true;
  let rowHeight = 0; // measured from a built row
  const topSpacer = spacerRow();
  const bottomSpacer = spacerRow();

  function spacerRow() {
    const tr = element("tr", "ktw-spacer");
    tr.setAttribute("aria-hidden", "true");
    tr.append(element("td"));
    return tr;
  }

  function setSpacer(spacer, rowCount, columnCount) {
    const td = spacer.firstChild;
    td.colSpan = Math.max(1, columnCount);
    td.style.height = `${rowCount * (rowHeight || ROW_HEIGHT_GUESS)}px`;
    return rowCount > 0 ? [spacer] : [];
  }

  let frame = null;
  function scheduleDraw() {
    if (frame === null) frame = requestFrame(draw);
  }
  function reorder() {
    orderStale = true;
    scheduleDraw();
  }

  function draw() {
    frame = null;
    const columns = model.get("columns") || [];
    const sortKey = model.get("sort_key") || "";
    const descending = Boolean(model.get("sort_descending"));
    const statusFilter = model.get("status_filter") || "";
    const selected = new Set(model.get("selected") || []);
    const bestId = model.get("best_trial_id") || "";

    if (orderStale) {
      orderStale = false;
      const all = [...rows.values()];
      shown = sortRows(filterRows(all, statusFilter), sortKey, columnKind(columns, sortKey), descending);
      buildFilter(statusOptions(all, statusFilter), statusFilter);
      count.textContent = countLabel(all.length, shown.length);
      table.setAttribute("aria-rowcount", String(shown.length + 1));
    }
    clear.disabled = selected.size === 0;
    buildHeader(columns);
    updateSortIndicators(sortKey, descending);

    // Rows are laid out below the header, inside the scroller.
    const scrollTop = scroller.scrollTop - thead.offsetHeight;
    const viewport = scroller.clientHeight || VIEWPORT_GUESS;
    const { start, end } = rowWindow(shown.length, scrollTop, viewport, rowHeight);
    const built = [];
    for (let i = start; i < end; i += 1) {
      const tr = buildRow(shown[i], columns, selected, bestId);
      tr.setAttribute("aria-rowindex", String(i + 2)); // the header is row 1
      built.push(tr);
    }
    tbody.replaceChildren(
      ...setSpacer(topSpacer, start, columns.length),
      ...built,
      ...setSpacer(bottomSpacer, shown.length - end, columns.length),
    );
    // Spacers are sized in rows: measure a real one once it is laid out.
    if (built.length && shown.length > ALL_ROWS_LIMIT) {
      const measured = built[0].getBoundingClientRect().height;
      if (measured > 0 && Math.abs(measured - rowHeight) > 0.5) {
        rowHeight = measured;
        scheduleDraw();
      }
    }
  }

  function sortBy(key) {
    const next = nextSort(
      { key: model.get("sort_key") || "", descending: Boolean(model.get("sort_descending")) },
      key,
      model.get("direction"),
    );
    model.set("sort_key", next.key);
    model.set("sort_descending", next.descending);
    model.save_changes();
  }

  function setSelected(selected) {
    model.set("selected", selected);
    model.save_changes();
  }

  const onHeaderClick = (event) => {
    const th = event.target.closest("th[data-key]");
    if (th) sortBy(th.dataset.key);
  };
  const onHeaderKey = (event) => {
    const th = event.target.closest("th[data-key]");
    if (th && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      sortBy(th.dataset.key);
    }
  };
  const onRowClick = (event) => {
    const tr = event.target.closest("tr[data-trial-id]");
    if (tr) setSelected(toggleSelection(model.get("selected") || [], tr.dataset.trialId));
  };
  const onFilterChange = () => {
    model.set("status_filter", filter.value);
    model.save_changes();
  };
  const onClear = () => setSelected([]);
  const onMessage = (msg) => {
    if (!msg || msg.type !== "rows") return;
    mergeRows(rows, msg);
    reorder();
  };

  thead.addEventListener("click", onHeaderClick);
  thead.addEventListener("keydown", onHeaderKey);
  tbody.addEventListener("click", onRowClick);
  filter.addEventListener("change", onFilterChange);
  clear.addEventListener("click", onClear);
  scroller.addEventListener("scroll", scheduleDraw, { passive: true });
  model.on("msg:custom", onMessage);
  for (const trait of REDRAW_TRAITS) model.on(`change:${trait}`, scheduleDraw);
  for (const trait of REORDER_TRAITS) model.on(`change:${trait}`, reorder);

  draw();
  // Rows only come by message; ask for all of them now that we listen.
  model.send({ type: "ready" });

  return () => {
    if (frame !== null) cancelFrame(frame);
    frame = null;
    model.off("msg:custom", onMessage);
    for (const trait of REDRAW_TRAITS) model.off(`change:${trait}`, scheduleDraw);
    for (const trait of REORDER_TRAITS) model.off(`change:${trait}`, reorder);
    root.remove();
  };
}

export default { render };
