// Per-epoch curves view of kt_widgets (anywidget ES module).
//
// It imports only ./shared.js, which kt_widgets inlines when it loads the
// view (anywidget takes one module string). Everything that is pure logic is
// a named export, so Node tests can import it without a DOM; `render`
// touches the DOM only when it is called.

import { cancelFrame, decodeNumber, element, formatNumber, requestFrame } from "./shared.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const HEIGHT = 260;
const DEFAULT_WIDTH = 600; // until the container has been laid out
const MIN_WIDTH = 240;
const MARGIN = { top: 12, right: 16, bottom: 36, left: 60 };
// Beyond this many points a series is drawn as a line only: thousands of
// circles slow down every redraw of a live search and hide the line anyway.
const MAX_DOTS_PER_SERIES = 150;
// How close (in px) the pointer must be to a point for the tooltip.
const HOVER_RADIUS = 40;
// Readable on light and dark backgrounds.
export const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
];
// Executions of one trial share its colour and differ by dash pattern.
export const DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 3"];
const REDRAW_TRAITS = ["metrics", "metric", "log_scale", "trial_labels"];

// ---------------------------------------------------------------- values

// Whether a decoded value can be drawn: finite, and positive on a log scale.
export function isPlottable(value, log = false) {
  return typeof value === "number" && Number.isFinite(value) && (!log || value > 0);
}

// ---------------------------------------------------------------- series store

// A store holds the series by (trial, execution), in the order they were
// first seen, and the order in which trials were first seen, which fixes
// their colours. That order outlives resets: every view of the widget gets
// the reset Python sends when another view asks for the data, and colours
// must not jump then.
export function createStore() {
  return { series: new Map(), trialOrder: new Map() };
}

export function seriesKey(trialId, execution) {
  return `${trialId}\u0000${execution}`;
}

// Inserts or replaces the point of `epoch`, keeping the points sorted by
// epoch. Epochs nearly always come in order, so the search starts at the end.
function upsertPoint(points, epoch, values) {
  let i = points.length;
  while (i > 0 && points[i - 1][0] > epoch) i -= 1;
  if (i > 0 && points[i - 1][0] === epoch) points[i - 1] = [epoch, values];
  else points.splice(i, 0, [epoch, values]);
}

// Applies a {type: "series", reset, series: [{trial_id, execution, points}]}
// message to `store`. Points are [epoch, {metric: value}]; values are decoded
// here once, so a redraw does not decode them again.
// With `keep` (trial ids), the series of other trials are dropped first.
export function mergeSeries(store, msg) {
  if (msg.reset) store.series.clear();
  if (Array.isArray(msg.keep)) {
    const keep = new Set(msg.keep.map(String));
    for (const [key, series] of store.series) if (!keep.has(series.trialId)) store.series.delete(key);
  }
  for (const incoming of msg.series || []) {
    if (!incoming || incoming.trial_id === null || incoming.trial_id === undefined) continue;
    const trialId = String(incoming.trial_id);
    const execution = incoming.execution ?? 0;
    if (!store.trialOrder.has(trialId)) store.trialOrder.set(trialId, store.trialOrder.size);
    const key = seriesKey(trialId, execution);
    let series = store.series.get(key);
    if (!series) {
      series = { trialId, execution, points: [] };
      store.series.set(key, series);
    }
    for (const point of incoming.points || []) {
      if (!Array.isArray(point)) continue;
      const epoch = decodeNumber(point[0]);
      if (!isPlottable(epoch)) continue;
      const values = {};
      for (const [name, raw] of Object.entries(point[1] || {})) values[name] = decodeNumber(raw);
      upsertPoint(series.points, epoch, values);
    }
  }
  return store;
}

function compareExecutions(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

// The series to draw, by trial (first seen first) then execution, each with
// its colour, dash pattern and legend label. `labels` maps trial id to label.
export function seriesList(store, labels = {}) {
  const executionsByTrial = new Map();
  for (const series of store.series.values()) {
    const executions = executionsByTrial.get(series.trialId) || [];
    executions.push(series.execution);
    executionsByTrial.set(series.trialId, executions);
  }
  for (const executions of executionsByTrial.values()) executions.sort(compareExecutions);

  return [...store.series.values()]
    .map((series) => {
      const trialIndex = store.trialOrder.get(series.trialId);
      const executions = executionsByTrial.get(series.trialId);
      const base = labels && labels[series.trialId] ? String(labels[series.trialId]) : `Trial ${series.trialId}`;
      return {
        ...series,
        trialIndex,
        color: PALETTE[trialIndex % PALETTE.length],
        dash: DASHES[executions.indexOf(series.execution) % DASHES.length],
        label: executions.length > 1 ? `${base} · exec ${series.execution}` : base,
      };
    })
    .sort((a, b) => a.trialIndex - b.trialIndex || compareExecutions(a.execution, b.execution));
}

// The epochs and values that `metric` spans over all `series`, or null when
// there is nothing to draw. Only plottable values count (see isPlottable).
export function seriesExtent(series, metric, log = false) {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const { points } of series) {
    for (const [epoch, values] of points) {
      const value = values[metric];
      if (!isPlottable(value, log)) continue;
      xMin = Math.min(xMin, epoch);
      xMax = Math.max(xMax, epoch);
      yMin = Math.min(yMin, value);
      yMax = Math.max(yMax, value);
    }
  }
  return xMin === Infinity ? null : { xMin, xMax, yMin, yMax };
}

// ---------------------------------------------------------------- axes

// Drops the binary noise of products like 3 * 0.1.
function clean(value) {
  return Number(value.toPrecision(12));
}

// The 1, 2 or 5 times a power of ten nearest above `raw`.
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const multiple = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return clean(multiple * power);
}

function logTicks(min, max, count) {
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const decade = (exponent, mantissa = 1) => Number(`${mantissa}e${exponent}`); // exact, unlike 10 ** -3
  if (high - low <= 2) {
    // Few decades: 1-2-5 ticks, trimmed to the tightest set that covers.
    const candidates = [];
    for (let e = low; e < high; e += 1) candidates.push(decade(e), decade(e, 2), decade(e, 5));
    candidates.push(decade(high));
    const first = candidates.findLastIndex((t) => t <= min);
    const last = candidates.findIndex((t) => t >= max);
    return candidates.slice(first, last + 1);
  }
  const stride = Math.ceil((high - low) / count);
  const ticks = [];
  for (let e = low; ; e += stride) {
    ticks.push(decade(e));
    if (e >= high) return ticks;
  }
}

// "Nice" tick values whose first is <= min and last >= max, about `count`
// intervals apart. With `log` they are powers of ten (or 1-2-5 within a few
// decades) and min must be > 0. With `integer` the step is at least 1, for
// epochs.
export function niceTicks(min, max, count = 5, log = false, integer = false) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  // A single value gets a range around it, so that it has an axis at all.
  if (log) {
    if (!(min > 0)) return [];
    return min === max ? logTicks(min / 2, max * 2, Math.max(1, count)) : logTicks(min, max, Math.max(1, count));
  }
  if (min === max) {
    if (integer) max = min + 1;
    else {
      const pad = Math.abs(min) * 0.1 || 1;
      min -= pad;
      max += pad;
    }
  }
  let step = niceStep((max - min) / Math.max(1, count));
  if (integer) step = Math.max(1, Math.round(step));
  const ticks = [];
  for (let n = Math.floor(min / step); ; n += 1) {
    const tick = clean(n * step);
    ticks.push(tick);
    if (tick >= max) break;
  }
  // Rounding may leave the first tick a hair above min: add one below.
  if (ticks[0] > min) ticks.unshift(clean(ticks[0] - step));
  return ticks;
}

// Maps [d0, d1] to [r0, r1], linearly or on log10.
export function makeScale(d0, d1, r0, r1, log = false) {
  const f = log ? Math.log10 : (v) => v;
  const a = f(d0);
  const span = f(d1) - a || 1;
  return (value) => r0 + ((f(value) - a) / span) * (r1 - r0);
}

// SVG path data and screen points of one series for `metric`. Values that
// cannot be drawn break the line (a gap) instead of bridging it.
export function seriesPath(points, metric, x, y, log = false) {
  let d = "";
  let penDown = false;
  const dots = [];
  for (const [epoch, values] of points) {
    const value = values[metric];
    if (!isPlottable(value, log)) {
      penDown = false;
      continue;
    }
    const px = x(epoch);
    const py = y(value);
    d += `${penDown ? "L" : "M"}${px.toFixed(1)} ${py.toFixed(1)}`;
    penDown = true;
    dots.push({ x: px, y: py, epoch, value });
  }
  return { d, dots };
}

// The candidate ({x, y, ...}) nearest to (x, y), or null if none is within
// maxDistance.
export function nearestPoint(candidates, x, y, maxDistance = Infinity) {
  let best = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = (candidate.x - x) ** 2 + (candidate.y - y) ** 2;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= maxDistance ** 2 ? best : null;
}

// ---------------------------------------------------------------- view

function svgElement(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const store = createStore();

  const root = element("div", "ktw-curves");
  const toolbar = element("div", "ktw-toolbar");
  const metricLabel = element("label", "ktw-metric-label", "Metric ");
  const metricSelect = element("select", "ktw-metric");
  metricLabel.append(metricSelect);
  const logLabel = element("label", "ktw-log-label");
  const logBox = element("input", "ktw-log");
  logBox.type = "checkbox";
  logLabel.append(logBox, " log scale");
  toolbar.append(metricLabel, logLabel);

  const plot = element("div", "ktw-plot");
  const svg = svgElement("svg", {
    class: "ktw-curves-svg",
    width: "100%",
    height: HEIGHT,
    preserveAspectRatio: "none",
    role: "img",
  });
  const empty = element("div", "ktw-empty");
  const tooltip = element("div", "ktw-tooltip");
  tooltip.hidden = true;
  plot.append(svg, empty, tooltip);
  const legend = element("div", "ktw-legend");
  root.append(toolbar, plot, legend);
  el.append(root);

  // Set by each draw, read on hover.
  let viewWidth = DEFAULT_WIDTH;
  let hoverDots = [];
  let hoverRing = null;
  let metricsBuiltFrom = null;

  function syncControls(metrics, metric, log) {
    const options = metric && !metrics.includes(metric) ? [...metrics, metric] : metrics;
    const signature = JSON.stringify([options, metric === ""]);
    if (signature !== metricsBuiltFrom) {
      metricsBuiltFrom = signature;
      const nodes = options.map((name) => {
        const option = element("option", "", name);
        option.value = name;
        return option;
      });
      if (!metric) {
        const placeholder = element("option", "", "Choose a metric");
        placeholder.value = "";
        placeholder.disabled = true;
        nodes.unshift(placeholder);
      }
      metricSelect.replaceChildren(...nodes);
    }
    metricSelect.value = metric;
    logBox.checked = log;
  }

  function showEmpty(text) {
    svg.style.display = "none";
    empty.hidden = false;
    empty.textContent = text;
  }

  function drawAxes(xTicks, yTicks, x, y, metric, log) {
    const left = MARGIN.left;
    const right = viewWidth - MARGIN.right;
    const top = MARGIN.top;
    const bottom = HEIGHT - MARGIN.bottom;
    const grid = svgElement("g", { class: "ktw-grid" });
    const labels = svgElement("g", { class: "ktw-axis" });
    for (const tick of xTicks) {
      const px = x(tick).toFixed(1);
      grid.append(svgElement("line", { x1: px, x2: px, y1: top, y2: bottom }));
      labels.append(svgElement("text", { x: px, y: bottom + 14, "text-anchor": "middle" }, formatNumber(tick)));
    }
    for (const tick of yTicks) {
      const py = y(tick).toFixed(1);
      grid.append(svgElement("line", { x1: left, x2: right, y1: py, y2: py }));
      labels.append(svgElement("text", { x: left - 6, y: py, "text-anchor": "end", "dominant-baseline": "middle" }, formatNumber(tick)));
    }
    const axisLine = svgElement("path", { class: "ktw-axis-line", d: `M${left} ${top}V${bottom}H${right}` });
    const xTitle = svgElement("text", { class: "ktw-axis-title", x: (left + right) / 2, y: HEIGHT - 4, "text-anchor": "middle" }, "epoch");
    const yMid = (top + bottom) / 2;
    const yTitle = svgElement(
      "text",
      { class: "ktw-axis-title", x: 12, y: yMid, "text-anchor": "middle", transform: `rotate(-90 12 ${yMid})` },
      log ? `${metric} (log)` : metric,
    );
    svg.append(grid, axisLine, labels, xTitle, yTitle);
  }

  function legendItem(series) {
    const item = element("span", "ktw-legend-item");
    item.dataset.trialId = series.trialId;
    item.dataset.execution = String(series.execution);
    const swatch = svgElement("svg", { class: "ktw-swatch", width: 22, height: 8, viewBox: "0 0 22 8" });
    swatch.append(svgElement("line", { x1: 1, x2: 21, y1: 4, y2: 4, stroke: series.color, "stroke-width": 2, "stroke-dasharray": series.dash }));
    item.append(swatch, element("span", "ktw-legend-label", series.label));
    return item;
  }

  let frame = null;
  function scheduleDraw() {
    if (frame === null) frame = requestFrame(draw);
  }

  function draw() {
    frame = null;
    const metrics = model.get("metrics") || [];
    const metric = model.get("metric") || "";
    const log = Boolean(model.get("log_scale"));
    syncControls(metrics, metric, log);

    viewWidth = Math.max(MIN_WIDTH, plot.clientWidth || DEFAULT_WIDTH);
    svg.setAttribute("viewBox", `0 0 ${viewWidth} ${HEIGHT}`);
    svg.replaceChildren();
    legend.replaceChildren();
    hideTooltip();
    hoverDots = [];

    const list = seriesList(store, model.get("trial_labels") || {});
    const extent = metric ? seriesExtent(list, metric, log) : null;
    if (!extent) {
      const onlyNonPositive = log && metric && seriesExtent(list, metric, false);
      showEmpty(onlyNonPositive ? "No positive values to show on a log scale" : "No epochs yet");
      return;
    }
    svg.style.display = "";
    empty.hidden = true;

    const plotWidth = viewWidth - MARGIN.left - MARGIN.right;
    const xTicks = niceTicks(extent.xMin, extent.xMax, Math.max(2, Math.floor(plotWidth / 70)), false, true);
    const yTicks = niceTicks(extent.yMin, extent.yMax, 5, log);
    const x = makeScale(xTicks[0], xTicks[xTicks.length - 1], MARGIN.left, viewWidth - MARGIN.right);
    const y = makeScale(yTicks[0], yTicks[yTicks.length - 1], HEIGHT - MARGIN.bottom, MARGIN.top, log);
    drawAxes(xTicks, yTicks, x, y, metric, log);

    const layer = svgElement("g", { class: "ktw-series-layer" });
    for (const series of list) {
      const { d, dots } = seriesPath(series.points, metric, x, y, log);
      if (dots.length === 0) continue; // no value of this metric yet
      const group = svgElement("g", { class: "ktw-series-group" });
      group.append(
        svgElement("path", {
          class: "ktw-series",
          d,
          stroke: series.color,
          "stroke-dasharray": series.dash,
          "data-trial-id": series.trialId,
          "data-execution": series.execution,
        }),
      );
      if (dots.length <= MAX_DOTS_PER_SERIES) {
        for (const dot of dots) {
          group.append(svgElement("circle", { class: "ktw-point", cx: dot.x.toFixed(1), cy: dot.y.toFixed(1), r: 2.5, fill: series.color }));
        }
      }
      layer.append(group);
      for (const dot of dots) hoverDots.push({ ...dot, series });
      legend.append(legendItem(series));
    }
    hoverRing = svgElement("circle", { class: "ktw-hover-ring", r: 5, visibility: "hidden" });
    svg.append(layer, hoverRing);
  }

  function hideTooltip() {
    tooltip.hidden = true;
    if (hoverRing) hoverRing.setAttribute("visibility", "hidden");
  }

  const onMouseMove = (event) => {
    const rect = svg.getBoundingClientRect();
    if (!rect.width || !rect.height) return;
    // Pointer position in viewBox units (the svg may be stretched).
    const scaleX = viewWidth / rect.width;
    const scaleY = HEIGHT / rect.height;
    const hit = nearestPoint(hoverDots, (event.clientX - rect.left) * scaleX, (event.clientY - rect.top) * scaleY, HOVER_RADIUS);
    if (!hit) {
      hideTooltip();
      return;
    }
    const { series } = hit;
    hoverRing.setAttribute("cx", hit.x.toFixed(1));
    hoverRing.setAttribute("cy", hit.y.toFixed(1));
    hoverRing.setAttribute("stroke", series.color);
    hoverRing.setAttribute("visibility", "visible");

    const custom = (model.get("trial_labels") || {})[series.trialId];
    const title = element("div", "ktw-tooltip-title", custom ? `Trial ${series.trialId} · ${custom}` : `Trial ${series.trialId}`);
    title.style.color = series.color;
    tooltip.replaceChildren(
      title,
      element("div", "ktw-tooltip-row", `execution ${series.execution}`),
      element("div", "ktw-tooltip-row", `epoch ${hit.epoch}`),
      element("div", "ktw-tooltip-row", `${model.get("metric")} ${formatNumber(hit.value)}`),
    );
    tooltip.hidden = false;
    // Beside the point, flipped to its left near the right edge.
    const px = hit.x / scaleX;
    const py = hit.y / scaleY;
    const flip = px > rect.width - 160;
    tooltip.style.left = flip ? "" : `${px + 12}px`;
    tooltip.style.right = flip ? `${rect.width - px + 12}px` : "";
    tooltip.style.top = `${Math.max(0, py - 12)}px`;
  };
  const onMetricChange = () => {
    model.set("metric", metricSelect.value);
    model.save_changes();
  };
  const onLogChange = () => {
    model.set("log_scale", logBox.checked);
    model.save_changes();
  };
  const onMessage = (msg) => {
    if (!msg || msg.type !== "series") return;
    mergeSeries(store, msg);
    scheduleDraw();
  };

  svg.addEventListener("mousemove", onMouseMove);
  svg.addEventListener("mouseleave", hideTooltip);
  metricSelect.addEventListener("change", onMetricChange);
  logBox.addEventListener("change", onLogChange);
  model.on("msg:custom", onMessage);
  for (const trait of REDRAW_TRAITS) model.on(`change:${trait}`, scheduleDraw);

  // The width follows the container: redraw when it changes.
  let lastWidth = plot.clientWidth;
  const resizeObserver =
    typeof ResizeObserver === "function"
      ? new ResizeObserver(() => {
          if (plot.clientWidth !== lastWidth) {
            lastWidth = plot.clientWidth;
            scheduleDraw();
          }
        })
      : null;
  if (resizeObserver) resizeObserver.observe(plot);

  draw();
  // Series only come by message; ask for all of them now that we listen.
  model.send({ type: "ready" });

  return () => {
    if (frame !== null) cancelFrame(frame);
    frame = null;
    if (resizeObserver) resizeObserver.disconnect();
    model.off("msg:custom", onMessage);
    for (const trait of REDRAW_TRAITS) model.off(`change:${trait}`, scheduleDraw);
    root.remove();
  };
}

export default { render };
