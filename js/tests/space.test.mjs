// Unit tests of the pure logic of the search-space editor (no DOM needed).
import test from "node:test";
import assert from "node:assert/strict";

import view, { changedFields, draftText, editText, keepDrafts, noteDraft } from "../space.js";

const row = {
  name: "units",
  sampling: "linear",
  fields: { min_value: "8", max_value: "64", step: "8", default: "8" },
};

test("the module imports without a DOM and exports render", () => {
  assert.equal(typeof globalThis.document, "undefined");
  assert.equal(typeof view.render, "function");
});

test("only the fields the user changed are sent, as typed text", () => {
  const typed = { min_value: "8", max_value: " 32 ", step: "8", default: "8", sampling: "linear" };
  assert.deepEqual(changedFields(row, typed), { max_value: "32" });
  assert.deepEqual(changedFields(row, { ...typed, max_value: "64", sampling: "log", step: "" }), {
    step: "",
    sampling: "log",
  });
});

test("an edit of the history reads as version, time, first trial and change", () => {
  const entry = { version: 2, time: "2026-01-02T10:31:02+00:00", from_trial: 4, text: "units: max_value 64 → 32" };
  assert.equal(editText(entry), "v2 · 2026-01-02 10:31:02 UTC · from trial 4 on · units: max_value 64 → 32");
});

test("a refused edit keeps what the user typed; a changed row shows what Python sent", () => {
  const drafts = {};
  const act = { name: "act", type: "Choice", choices: ["'relu'", "'tanh'"], default: "'relu'" };
  noteDraft(drafts, row, "max_value", "6.5");
  noteDraft(drafts, act, "add", "relu");
  // The refusal redraws the panel with the same rows: the text is still there.
  keepDrafts(drafts, [row, act]);
  assert.equal(draftText(drafts, row, "max_value", row.fields.max_value), "6.5");
  assert.equal(draftText(drafts, row, "min_value", row.fields.min_value), "8");
  assert.equal(draftText(drafts, act, "add", ""), "relu");
  // An edit of `units` (from the panel or from Python) sends it changed.
  const edited = { ...row, fields: { ...row.fields, max_value: "32" } };
  keepDrafts(drafts, [edited, act]);
  assert.equal(draftText(drafts, edited, "max_value", edited.fields.max_value), "32");
  assert.equal(draftText(drafts, act, "add", ""), "relu");  // another row's text stays
  keepDrafts(drafts, [edited]);  // a hyperparameter gone: its text goes too
  assert.deepEqual(drafts, {});
});
