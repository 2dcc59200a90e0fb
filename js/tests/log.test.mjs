// Unit tests of js/log.js (Node's built-in runner; no DOM needed).

import assert from "node:assert/strict";
import { test } from "node:test";

import { mergeLines } from "../log.js";

test("new lines are appended and only the last `keep` stay", () => {
  const shown = mergeLines([], { lines: ["a", "b", "c"], keep: 4 });
  assert.deepEqual(shown, ["a", "b", "c"]);
  assert.deepEqual(mergeLines(shown, { lines: ["d", "e"], keep: 4 }), ["b", "c", "d", "e"]);
});

test("a reset replaces what is shown, a cleared log included", () => {
  assert.deepEqual(mergeLines(["old"], { reset: true, lines: ["new"], keep: 200 }), ["new"]);
  assert.deepEqual(mergeLines(["old"], { reset: true, lines: [], keep: 200 }), []);
});

test("lines are kept verbatim, markup included; a message without lines changes nothing", () => {
  const line = "<script>alert(1)</script>";
  assert.deepEqual(mergeLines([], { lines: [line], keep: 200 }), [line]);
  assert.deepEqual(mergeLines(["kept"], { keep: 200 }), ["kept"]);
});
