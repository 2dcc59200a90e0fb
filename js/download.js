// A button that downloads a file the kernel makes on request (anywidget ES
// module). The click asks the kernel for the file; the reply carries its text,
// which is saved through a Blob URL: no server route, no network.

import { element } from "./shared.js";

// Saves `text` as a file named `name` in the browser's downloads.
export function saveText(documentRef, name, text, type = "text/csv") {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const link = documentRef.createElement("a");
  link.href = url;
  link.download = name;
  link.style.display = "none";
  documentRef.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function render({ model, el }) {
  const button = element("button", "ktw-download", model.get("label"));
  button.type = "button";
  button.title = model.get("hint");
  // A widget shown twice has two views, and both get every reply: only the
  // view that asked saves the file.
  let pending = null;
  const onClick = () => {
    pending = `${Date.now()}-${Math.random()}`;
    button.disabled = true; // until the file arrives
    model.send({ type: "download", request: pending });
  };
  const onMessage = (msg) => {
    if (!msg || msg.type !== "file" || msg.request !== pending) return;
    pending = null;
    button.disabled = false;
    saveText(document, msg.name, msg.text, msg.mime);
  };
  const onLabel = () => {
    button.textContent = model.get("label");
  };
  button.addEventListener("click", onClick);
  model.on("msg:custom", onMessage);
  model.on("change:label", onLabel);
  el.append(button);
  return () => {
    button.removeEventListener("click", onClick);
    model.off("msg:custom", onMessage);
    model.off("change:label", onLabel);
  };
}

export default { render };
