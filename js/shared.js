// Helpers shared by the kt_widgets views (table.js, curves.js).
//
// The views import them from "./shared.js". anywidget loads a view as one
// module string with no relative imports, so kt_widgets inlines this file in
// place of that import line when it builds each view's module (see
// kt_widgets/views/base.py); Node's tests import it as a normal module.

// Python sends NaN and ±Infinity as the strings "NaN", "Infinity" and
// "-Infinity" (JSON has no such numbers); missing values are null/absent.
// Returns a JS number, or null when the value is not a number at all.
export function decodeNumber(value) {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return Number(value);
  if (typeof value !== "string" || value.trim() === "") return null;
  // Number() already parses "NaN", "Infinity" and "-Infinity"; any other
  // text it cannot parse is not a number, rather than a NaN one.
  const number = Number(value);
  return Number.isNaN(number) && value.trim() !== "NaN" ? null : number;
}

// Four significant digits; exponent form only where fixed notation would be
// unreadable. Integers are shown exactly.
export function formatNumber(number) {
  if (Number.isNaN(number)) return "NaN";
  if (!Number.isFinite(number)) return number > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(number)) return String(number);
  const magnitude = Math.abs(number);
  if (magnitude < 1e-3 || magnitude >= 1e6) {
    // "1.200e-4" -> "1.2e-4": trailing zeros of the mantissa say nothing.
    return number.toExponential(3).replace(/\.?0+e/, "e");
  }
  // Number() drops the trailing zeros that toPrecision keeps ("0.5000").
  return String(Number(number.toPrecision(4)));
}

// Coalesces bursts of updates into one redraw per frame; setTimeout stands
// in where there are no animation frames.
export function requestFrame(callback) {
  return typeof requestAnimationFrame === "function" ? requestAnimationFrame(callback) : setTimeout(callback, 0);
}

export function cancelFrame(handle) {
  if (typeof requestAnimationFrame === "function") cancelAnimationFrame(handle);
  else clearTimeout(handle);
}

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
