// Unit tests of the pure logic of the curves view (no DOM needed).
import test from "node:test";
import assert from "node:assert/strict";

import view, {
  DASHES,
  PALETTE,
  createStore,
  isPlottable,
  makeScale,
  mergeSeries,
  nearestPoint,
  niceTicks,
  seriesExtent,
  seriesList,
  seriesPath,
} from "../curves.js";
import { decodeNumber, formatNumber } from "../shared.js";

const epochs = (series) => series.points.map(([epoch]) => epoch);

test("the module imports without a DOM and exports render", () => {
  assert.equal(typeof globalThis.document, "undefined");
  assert.equal(typeof view.render, "function");
});

test("decodeNumber and formatNumber", () => {
  assert.ok(Number.isNaN(decodeNumber("NaN")));
  assert.equal(decodeNumber("Infinity"), Infinity);
  assert.equal(decodeNumber("-Infinity"), -Infinity);
  assert.equal(decodeNumber(null), null);
  assert.equal(formatNumber(0.123456), "0.1235");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(3), "3");
});

test("mergeSeries: reset, append, replace a repeated epoch, new execution", () => {
  const store = createStore();
  mergeSeries(store, {
    type: "series",
    reset: true,
    series: [{ trial_id: "00", execution: 0, points: [[0, { loss: 1.0 }], [1, { loss: 0.8 }]] }],
  });
  mergeSeries(store, {
    type: "series",
    reset: false,
    series: [
      { trial_id: "00", execution: 0, points: [[1, { loss: 0.7 }], [2, { loss: "NaN" }]] },
      { trial_id: "00", execution: 1, points: [[0, { loss: 0.9 }]] },
      { trial_id: "01", execution: 0, points: [[3, { loss: 0.5 }]] },
    ],
  });
  assert.equal(store.series.size, 3);
  const first = [...store.series.values()][0];
  assert.deepEqual(epochs(first), [0, 1, 2]);
  assert.equal(first.points[1][1].loss, 0.7);
  assert.ok(Number.isNaN(first.points[2][1].loss));

  // A late point lands in epoch order.
  mergeSeries(store, { type: "series", series: [{ trial_id: "01", execution: 0, points: [[5, {}], [4, { loss: 0.4 }]] }] });
  const second = [...store.series.values()].find((s) => s.trialId === "01");
  assert.deepEqual(epochs(second), [3, 4, 5]);

  mergeSeries(store, { type: "series", reset: true, series: [{ trial_id: "02", execution: 0, points: [] }] });
  assert.deepEqual([...store.series.values()].map((s) => s.trialId), ["02"]);
});

test("mergeSeries: keep drops the other trials' series and keeps the kept ones' points", () => {
  const store = createStore();
  mergeSeries(store, {
    reset: true,
    series: [
      { trial_id: "1", execution: 1, points: [[0, { loss: 1 }], [1, { loss: 0.5 }]] },
      { trial_id: "2", execution: 1, points: [[0, { loss: 2 }]] },
      { trial_id: "2", execution: 2, points: [[0, { loss: 3 }]] },
    ],
  });
  mergeSeries(store, { keep: ["1", "3"], series: [{ trial_id: "3", execution: 1, points: [[0, { loss: 4 }]] }] });
  assert.deepEqual([...store.series.values()].map((s) => s.trialId), ["1", "3"]);
  assert.deepEqual(epochs([...store.series.values()][0]), [0, 1]);
});

test("colours follow first-seen trial order, survive resets; executions get dashes", () => {
  const store = createStore();
  mergeSeries(store, {
    reset: true,
    series: [
      { trial_id: "05", execution: 0, points: [] },
      { trial_id: "02", execution: 0, points: [] },
      { trial_id: "05", execution: 1, points: [] },
    ],
  });
  let list = seriesList(store);
  assert.deepEqual(list.map((s) => s.label), ["Trial 05 · exec 0", "Trial 05 · exec 1", "Trial 02"]);
  assert.deepEqual(list.map((s) => s.color), [PALETTE[0], PALETTE[0], PALETTE[1]]);
  assert.deepEqual(list.map((s) => s.dash), [DASHES[0], DASHES[1], DASHES[0]]);

  mergeSeries(store, { reset: true, series: [{ trial_id: "02", execution: 0, points: [] }] });
  list = seriesList(store, { "02": "lr=0.01" });
  assert.equal(list[0].color, PALETTE[1]);
  assert.equal(list[0].label, "lr=0.01");

  for (let i = 0; i < PALETTE.length; i += 1) mergeSeries(store, { series: [{ trial_id: `x${i}`, points: [] }] });
  const wrapped = seriesList(store).find((s) => s.trialId === `x${PALETTE.length - 2}`);
  assert.equal(wrapped.color, PALETTE[0]);
});

test("seriesExtent skips non-finite values, and non-positive ones on log scale", () => {
  const store = createStore();
  mergeSeries(store, {
    reset: true,
    series: [
      { trial_id: "0", execution: 0, points: [[1, { loss: 0.5, acc: 0.2 }], [2, { loss: "Infinity" }], [3, { loss: 0 }]] },
      { trial_id: "1", execution: 0, points: [[4, { loss: 2 }], [5, { loss: "NaN" }]] },
    ],
  });
  const list = seriesList(store);
  assert.deepEqual(seriesExtent(list, "loss"), { xMin: 1, xMax: 4, yMin: 0, yMax: 2 });
  assert.deepEqual(seriesExtent(list, "loss", true), { xMin: 1, xMax: 4, yMin: 0.5, yMax: 2 });
  assert.deepEqual(seriesExtent(list, "acc"), { xMin: 1, xMax: 1, yMin: 0.2, yMax: 0.2 });
  assert.equal(seriesExtent(list, "val_loss"), null);
  assert.equal(seriesExtent([], "loss"), null);
  assert.equal(isPlottable(-1, true), false);
  assert.equal(isPlottable(-1), true);
});

function assertCovers(ticks, min, max) {
  assert.ok(ticks.length >= 2, `ticks ${ticks} for [${min}, ${max}]`);
  assert.ok(ticks[0] <= min, `first tick ${ticks[0]} > ${min}`);
  assert.ok(ticks[ticks.length - 1] >= max, `last tick ${ticks[ticks.length - 1]} < ${max}`);
  for (let i = 1; i < ticks.length; i += 1) assert.ok(ticks[i] > ticks[i - 1], `ticks ${ticks} not increasing`);
}

test("niceTicks covers the range with round values", () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.13, 0.87, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-3, 7, 5), [-4, -2, 0, 2, 4, 6, 8]);
  const cases = [[0.1, 0.3], [0.30000000000000004, 0.7], [1e-5, 3e-5], [-0.002, 0.0013], [12, 12], [0, 0], [5e6, 9e7]];
  for (const [min, max] of cases) assertCovers(niceTicks(min, max, 5), min, max);
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 500; i += 1) {
    const a = (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6);
    const b = a + random() * 10 ** Math.floor(random() * 12 - 6);
    assertCovers(niceTicks(a, b, 5), a, b);
  }
  assert.deepEqual(niceTicks(NaN, 1), []);
});

test("niceTicks for epochs uses integer steps", () => {
  assert.deepEqual(niceTicks(0, 4, 8, false, true), [0, 1, 2, 3, 4]);
  assert.deepEqual(niceTicks(3, 3, 5, false, true), [3, 4]);
  for (const tick of niceTicks(1, 97, 6, false, true)) assert.ok(Number.isInteger(tick));
  assertCovers(niceTicks(1, 97, 6, false, true), 1, 97);
});

test("niceTicks on a log scale covers the range with powers of ten or 1-2-5", () => {
  assert.deepEqual(niceTicks(0.3, 0.8, 5, true), [0.2, 0.5, 1]);
  assert.deepEqual(niceTicks(0.001, 0.1, 5, true), [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]);
  assert.deepEqual(niceTicks(1e-6, 10, 5, true), [1e-6, 1e-4, 1e-2, 1, 100]);
  assert.deepEqual(niceTicks(1e-4, 10, 5, true), [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
  assert.deepEqual(niceTicks(1e-9, 1e3, 4, true), [1e-9, 1e-6, 1e-3, 1, 1e3]);
  assert.deepEqual(niceTicks(1, 1, 5, true), [0.5, 1, 2]);
  assert.deepEqual(niceTicks(0, 1, 5, true), []);
  let seed = 11;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 500; i += 1) {
    const a = 10 ** (random() * 16 - 8);
    const b = a * 10 ** (random() * 6);
    const ticks = niceTicks(a, b, 5, true);
    assertCovers(ticks, a, b);
    assert.ok(ticks.length <= 12, `too many ticks: ${ticks}`);
  }
});

test("makeScale maps linearly and on log10", () => {
  const linear = makeScale(0, 10, 100, 200);
  assert.equal(linear(0), 100);
  assert.equal(linear(5), 150);
  const inverted = makeScale(0, 1, 260, 0);
  assert.equal(inverted(1), 0);
  const log = makeScale(1, 100, 0, 100, true);
  assert.equal(log(10), 50);
});

test("seriesPath breaks the line at gaps", () => {
  const identity = (v) => v;
  const points = [[0, { loss: 1 }], [1, { loss: NaN }], [2, { loss: 3 }], [3, { loss: 4 }], [4, {}], [5, { loss: -1 }]];
  const { d, dots } = seriesPath(points, "loss", identity, identity);
  assert.equal(d, "M0.0 1.0M2.0 3.0L3.0 4.0M5.0 -1.0");
  assert.deepEqual(dots.map((dot) => dot.epoch), [0, 2, 3, 5]);
  const logged = seriesPath(points, "loss", identity, identity, true);
  assert.deepEqual(logged.dots.map((dot) => dot.epoch), [0, 2, 3]);
});

test("nearestPoint finds the closest point in screen space", () => {
  const points = [
    { x: 0, y: 0, id: "a" },
    { x: 10, y: 0, id: "b" },
    { x: 10, y: 10, id: "c" },
  ];
  assert.equal(nearestPoint(points, 9, 2).id, "b");
  assert.equal(nearestPoint(points, 9, 8).id, "c");
  assert.equal(nearestPoint(points, -50, -50).id, "a");
  assert.equal(nearestPoint(points, -50, -50, 20), null);
  assert.equal(nearestPoint(points, 5, 0).id, "a"); // a tie keeps the first
  assert.equal(nearestPoint([], 0, 0), null);
});
