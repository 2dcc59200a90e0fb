// Unit tests of the pure logic of the trial table (no DOM needed).
import test from "node:test";
import assert from "node:assert/strict";

import view, {
  ALL_ROWS_LIMIT,
  columnKind,
  compareCells,
  countLabel,
  defaultDescending,
  filterRows,
  formatCell,
  formatDuration,
  mergeRows,
  nextSort,
  rowWindow,
  sortRows,
  statusClass,
  statusOptions,
  toggleSelection,
} from "../table.js";
import { decodeNumber, formatNumber } from "../shared.js";

const ids = (rows) => rows.map((row) => row.trial_id);

test("the module imports without a DOM and exports render", () => {
  assert.equal(typeof globalThis.document, "undefined");
  assert.equal(typeof view.render, "function");
});

test("decodeNumber turns Python's encodings back into numbers", () => {
  assert.ok(Number.isNaN(decodeNumber("NaN")));
  assert.equal(decodeNumber("Infinity"), Infinity);
  assert.equal(decodeNumber("-Infinity"), -Infinity);
  assert.equal(decodeNumber(0.25), 0.25);
  assert.equal(decodeNumber("1.5"), 1.5);
  assert.equal(decodeNumber(true), 1);
  assert.equal(decodeNumber(null), null);
  assert.equal(decodeNumber(undefined), null);
  assert.equal(decodeNumber(""), null);
  assert.equal(decodeNumber("relu"), null);
});

test("numbers sort as numbers, not as text", () => {
  const rows = [
    { trial_id: "0", units: 10 },
    { trial_id: "1", units: 2 },
    { trial_id: "2", units: 9 },
  ];
  assert.deepEqual(ids(sortRows(rows, "units", "number")), ["1", "2", "0"]);
  assert.deepEqual(ids(sortRows(rows, "units", "number", true)), ["0", "2", "1"]);
  assert.ok(compareCells(2, 10, "number") < 0);
});

test("ids sort by integer value", () => {
  const rows = [{ trial_id: "10" }, { trial_id: "9" }, { trial_id: "007" }, { trial_id: "100" }];
  assert.deepEqual(ids(sortRows(rows, "trial_id", "id")), ["007", "9", "10", "100"]);
  assert.deepEqual(ids(sortRows(rows, "trial_id", "id", true)), ["100", "10", "9", "007"]);
  assert.ok(compareCells("9", "10", "id") < 0);
});

test("NaN and missing values go last in both directions", () => {
  const rows = [
    { trial_id: "0", score: "NaN" },
    { trial_id: "1", score: 0.5 },
    { trial_id: "2", score: null },
    { trial_id: "3" },
    { trial_id: "4", score: 0.9 },
    { trial_id: "5", score: 0.1 },
  ];
  assert.deepEqual(ids(sortRows(rows, "score", "number")), ["5", "1", "4", "0", "2", "3"]);
  assert.deepEqual(ids(sortRows(rows, "score", "number", true)), ["4", "1", "5", "0", "2", "3"]);
});

test("missing text goes last in both directions", () => {
  const rows = [{ trial_id: "0", opt: "sgd" }, { trial_id: "1" }, { trial_id: "2", opt: "adam" }];
  assert.deepEqual(ids(sortRows(rows, "opt", "text")), ["2", "0", "1"]);
  assert.deepEqual(ids(sortRows(rows, "opt", "text", true)), ["0", "2", "1"]);
});

test("infinities sort as numbers", () => {
  const rows = [
    { trial_id: "0", loss: "Infinity" },
    { trial_id: "1", loss: 3 },
    { trial_id: "2", loss: "-Infinity" },
    { trial_id: "3", loss: "NaN" },
  ];
  assert.deepEqual(ids(sortRows(rows, "loss", "number")), ["2", "1", "0", "3"]);
  assert.deepEqual(ids(sortRows(rows, "loss", "number", true)), ["0", "1", "2", "3"]);
  assert.equal(compareCells("Infinity", "Infinity", "number"), 0);
});

test("ties keep trial id order ascending in both directions", () => {
  const rows = [
    { trial_id: "12", lr: 0.1 },
    { trial_id: "3", lr: 0.1 },
    { trial_id: "7", lr: 0.01 },
    { trial_id: "1", lr: 0.1 },
  ];
  assert.deepEqual(ids(sortRows(rows, "lr", "number")), ["7", "1", "3", "12"]);
  assert.deepEqual(ids(sortRows(rows, "lr", "number", true)), ["1", "3", "12", "7"]);
  assert.equal(compareCells(1, 1, "number", true), 0);
});

test("text sorts with localeCompare and status as text", () => {
  const rows = [
    { trial_id: "0", act: "tanh", status: "RUNNING" },
    { trial_id: "1", act: "relu", status: "COMPLETED" },
    { trial_id: "2", act: "elu", status: "FAILED" },
  ];
  assert.deepEqual(ids(sortRows(rows, "act", "text")), ["2", "1", "0"]);
  assert.deepEqual(ids(sortRows(rows, "status", "status")), ["1", "2", "0"]);
});

test("no sort key keeps arrival order and sortRows does not mutate", () => {
  const rows = [{ trial_id: "2" }, { trial_id: "1" }];
  const sorted = sortRows(rows, "", "text");
  assert.deepEqual(ids(sorted), ["2", "1"]);
  sortRows(rows, "trial_id", "id");
  assert.deepEqual(ids(rows), ["2", "1"]);
});

test("columnKind looks the column up, trial_id defaults to id", () => {
  const columns = [{ key: "score", label: "Score", kind: "number" }];
  assert.equal(columnKind(columns, "score"), "number");
  assert.equal(columnKind(columns, "trial_id"), "id");
  assert.equal(columnKind(columns, "other"), "text");
});

test("score starts descending only when the objective is maximized", () => {
  assert.equal(defaultDescending("score", "max"), true);
  assert.equal(defaultDescending("score", "min"), false);
  assert.equal(defaultDescending("units", "max"), false);
  assert.deepEqual(nextSort({ key: "", descending: false }, "score", "max"), { key: "score", descending: true });
  assert.deepEqual(nextSort({ key: "units", descending: true }, "score", "min"), { key: "score", descending: false });
  assert.deepEqual(nextSort({ key: "units", descending: true }, "lr", "max"), { key: "lr", descending: false });
  assert.deepEqual(nextSort({ key: "score", descending: true }, "score", "max"), { key: "score", descending: false });
  assert.deepEqual(nextSort({ key: "lr", descending: false }, "lr", "max"), { key: "lr", descending: true });
});

test("formatNumber: integers as is, floats with 4 significant digits", () => {
  assert.equal(formatNumber(42), "42");
  assert.equal(formatNumber(1000000), "1000000");
  assert.equal(formatNumber(0.93124), "0.9312");
  assert.equal(formatNumber(0.5), "0.5");
  assert.equal(formatNumber(12.3456), "12.35");
  assert.equal(formatNumber(-0.123456), "-0.1235");
  assert.equal(formatNumber(0.00123456), "0.001235");
  assert.equal(formatNumber(0.000123456), "1.235e-4");
  assert.equal(formatNumber(0.00012), "1.2e-4");
  assert.equal(formatNumber(1234567.8), "1.235e+6");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(Infinity), "Infinity");
  assert.equal(formatNumber(-Infinity), "-Infinity");
});

test("formatCell handles kinds, missing values and encoded floats", () => {
  assert.equal(formatCell(null, "number"), "—");
  assert.equal(formatCell(undefined, "text"), "—");
  assert.equal(formatCell("NaN", "number"), "NaN");
  assert.equal(formatCell("-Infinity", "number"), "-Infinity");
  assert.equal(formatCell(0.93124, "number"), "0.9312");
  assert.equal(formatCell(64, "number"), "64");
  assert.equal(formatCell("007", "id"), "007");
  assert.equal(formatCell("relu", "text"), "relu");
  assert.equal(formatCell(true, "text"), "True");
  assert.equal(formatCell("COMPLETED", "status"), "COMPLETED");
});

test("durations are shown in seconds, minutes or hours", () => {
  assert.equal(formatCell(12.34, "number", "duration"), "12.3 s");
  assert.equal(formatCell(5, "number", "duration"), "5.0 s");
  assert.equal(formatCell(125.4, "number", "duration"), "2 min 05 s");
  assert.equal(formatCell(3725, "number", "duration"), "1 h 02 min");
  assert.equal(formatCell(null, "number", "duration"), "—");
  assert.equal(formatDuration(NaN), "NaN");
});

test("mergeRows resets, upserts by trial id and keeps first-seen order", () => {
  const store = new Map();
  mergeRows(store, { type: "rows", reset: true, rows: [{ trial_id: "0", status: "RUNNING" }, { trial_id: "1", status: "RUNNING" }] });
  mergeRows(store, { type: "rows", reset: false, rows: [{ trial_id: "0", status: "COMPLETED", score: 0.9 }, { trial_id: "2", status: "RUNNING" }] });
  assert.deepEqual([...store.keys()], ["0", "1", "2"]);
  assert.deepEqual(store.get("0"), { trial_id: "0", status: "COMPLETED", score: 0.9 });
  // An update that leaves out a field keeps its known value.
  mergeRows(store, { type: "rows", rows: [{ trial_id: "0", status: "COMPLETED" }] });
  assert.equal(store.get("0").score, 0.9);
  mergeRows(store, { type: "rows", reset: true, rows: [{ trial_id: "5", status: "IDLE" }] });
  assert.deepEqual([...store.keys()], ["5"]);
  mergeRows(store, { type: "rows", reset: true, rows: [] });
  assert.equal(store.size, 0);
});

test("status filter and its options", () => {
  const rows = [
    { trial_id: "0", status: "COMPLETED" },
    { trial_id: "1", status: "RUNNING" },
    { trial_id: "2", status: "FAILED" },
    { trial_id: "3", status: "COMPLETED" },
    { trial_id: "4", status: "CUSTOM" },
  ];
  assert.deepEqual(ids(filterRows(rows, "COMPLETED")), ["0", "3"]);
  assert.equal(filterRows(rows, "").length, 5);
  assert.deepEqual(statusOptions(rows), ["RUNNING", "COMPLETED", "FAILED", "CUSTOM"]);
  assert.deepEqual(statusOptions(rows, "STOPPED"), ["RUNNING", "COMPLETED", "FAILED", "STOPPED", "CUSTOM"]);
  assert.equal(statusClass("COMPLETED"), "ktw-status-completed");
});

test("count label mentions how many are shown when filtered", () => {
  assert.equal(countLabel(12), "12 trials");
  assert.equal(countLabel(1, 1), "1 trial");
  assert.equal(countLabel(12, 3), "12 trials (3 shown)");
});

test("toggleSelection adds and removes", () => {
  assert.deepEqual(toggleSelection([], "3"), ["3"]);
  assert.deepEqual(toggleSelection(["3", "5"], "3"), ["5"]);
  assert.deepEqual(toggleSelection(["5"], "3"), ["5", "3"]);
});

test("rowWindow: short tables are built whole, long ones only around the view", () => {
  assert.deepEqual(rowWindow(ALL_ROWS_LIMIT, 5000, 360, 24), { start: 0, end: ALL_ROWS_LIMIT });
  // At the top: the rows in view (360 / 24 = 15) and the overscan below them.
  assert.deepEqual(rowWindow(10000, 0, 360, 24, 20), { start: 0, end: 36 });
  // In the middle: row 1000 is the first in view, overscan on both sides.
  assert.deepEqual(rowWindow(10000, 24000, 360, 24, 20), { start: 980, end: 1036 });
  // At the very end, and scrolled past it: the last rows, never beyond.
  const end = rowWindow(10000, 240000, 360, 24, 20);
  assert.equal(end.end, 10000);
  assert.ok(end.start < 10000 && end.start >= 10000 - 21);
  assert.deepEqual(rowWindow(10000, 10 ** 9, 360, 24, 20).end, 10000);
  // Negative scroll (above the rows) and an unmeasured row height.
  assert.deepEqual(rowWindow(10000, -50, 360, 0, 0).start, 0);
  assert.ok(rowWindow(10000, 0, 360, 0, 0).end > 0);
});

test("sortRows sorts 10,000 rows quickly and like compareCells", () => {
  const rows = Array.from({ length: 10000 }, (_, i) => ({
    trial_id: String(i),
    score: i % 17 === 0 ? "NaN" : ((i * 7919) % 10007) / 10007,
    act: ["relu", "tanh", "Elu"][i % 3],
  }));
  const byScore = sortRows(rows, "score", "number", true);
  for (let i = 1; i < byScore.length; i += 1) {
    const order = compareCells(byScore[i - 1].score, byScore[i].score, "number", true);
    assert.ok(order <= 0, `rows ${i - 1} and ${i} out of order`);
  }
  assert.equal(byScore.at(-1).score, "NaN");
  const byText = sortRows(rows, "act", "text");
  assert.deepEqual([...new Set(byText.map((r) => r.act))], ["Elu", "relu", "tanh"].sort((a, b) => a.localeCompare(b)));
});
