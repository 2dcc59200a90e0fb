// Log view of kt_widgets (anywidget ES module): the search's own output.
//
// Lines arrive as messages: {type: "lines", reset, lines, keep}. `reset`
// replaces what is shown; otherwise the lines are appended, and only the
// last `keep` stay. Lines are set as text, never parsed as HTML.

import { element } from "./shared.js";

const EMPTY_TEXT = "(no output)";

// The lines shown after a message: pure, so Node's tests can check it.
export function mergeLines(shown, message) {
  const keep = Number.isInteger(message.keep) && message.keep > 0 ? message.keep : 200;
  const incoming = Array.isArray(message.lines) ? message.lines.map(String) : [];
  const lines = message.reset ? incoming : shown.concat(incoming);
  return lines.length > keep ? lines.slice(lines.length - keep) : lines;
}

function render({ model, el }) {
  // column-reverse keeps the box scrolled to its end, the newest lines, as
  // lines are added, unless the user scrolled up to read.
  const box = element("div", "ktw-log-box");
  const text = element("pre", "ktw-log-text", EMPTY_TEXT);
  box.append(text);
  el.append(box);
  let lines = [];

  const onMessage = (msg) => {
    if (!msg || msg.type !== "lines") return;
    lines = mergeLines(lines, msg);
    text.textContent = lines.length ? lines.join("\n") : EMPTY_TEXT;
  };
  model.on("msg:custom", onMessage);
  model.send({ type: "ready" });

  return () => {
    model.off("msg:custom", onMessage);
    box.remove();
  };
}

export default { render };
