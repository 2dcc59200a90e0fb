// Unit tests of js/download.js (Node's built-in runner; no DOM needed).

import assert from "node:assert/strict";
import { test } from "node:test";

import { saveText } from "../download.js";

function fakeDocument() {
  const clicked = [];
  return {
    clicked,
    body: { append() {} },
    createElement(tag) {
      return {
        tag,
        style: {},
        click() {
          clicked.push({ href: this.href, download: this.download });
        },
        remove() {},
      };
    },
  };
}

test("saveText clicks a download link to a Blob with the text", async () => {
  const documentRef = fakeDocument();
  const saved = [];
  const original = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    saved.push(blob);
    return "blob:fake";
  };
  try {
    saveText(documentRef, "trials.csv", "trial_id,score\n0,0.5\n");
  } finally {
    URL.createObjectURL = original;
  }
  assert.deepEqual(documentRef.clicked, [{ href: "blob:fake", download: "trials.csv" }]);
  assert.equal(saved.length, 1);
  assert.equal(saved[0].type, "text/csv");
  assert.equal(await saved[0].text(), "trial_id,score\n0,0.5\n");
});
