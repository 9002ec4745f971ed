// A units × positions heatmap on canvas (neurons of one layer over a window of tokens),
// coloured with the scale neuron_scale.ts decides for the layer (the full diverging or
// sequential ramp: no text is drawn on it). Pure helpers (window arithmetic, row order,
// geometry) are exported for tests and for other widgets.

import { MISSING, divergingAt, type RGB } from "../shared/colors";
import { sequentialAt } from "../shared/sequential";
import { absStats, position, type NeuronScale } from "../neuron_text/neuron_scale";
import { el } from "../shared/dom";
import { english, type Tr } from "../shared/i18n";

/** Heatmap windows span this many positions and start at multiples of WINDOW_STEP
 *  (the same grid as the Python side's export: interpwidgets/widgets/neuron_explorer.py). */
export const WINDOW = 512;
export const WINDOW_STEP = WINDOW / 2;

/** The window [start, stop) shown when `first` is the first visible token of `n`. */
export function heatmapWindow(first: number, n: number, size = WINDOW, step = WINDOW_STEP): [number, number] {
  if (!(n > 0)) return [0, 0];
  const last = n <= size ? 0 : Math.ceil((n - size) / step) * step;
  const start = Math.min(Math.max(0, Math.floor((first | 0) / step) * step), last);
  return [start, Math.min(n, start + size)];
}

export interface RankedRow { layer: string; neuron: number }

/** Row order of the heatmap: the neurons of `layer` in ranking order (first occurrence,
 *  valid indices only), then the rest by index. order[row] = neuron. */
export function rowOrder(nUnits: number, ranking: readonly RankedRow[], layer: string): Int32Array {
  const order = new Int32Array(Math.max(0, nUnits));
  const used = new Uint8Array(order.length);
  let r = 0;
  for (const row of ranking) {
    const n = row.neuron;
    if (row.layer !== layer || !Number.isInteger(n) || n < 0 || n >= nUnits || used[n]) continue;
    used[n] = 1;
    order[r++] = n;
  }
  for (let n = 0; n < nUnits; n++) if (!used[n]) order[r++] = n;
  return order;
}

/** Row height in css px: tall enough to click, at least 2 px, the whole map about `target` px. */
export function rowHeight(rows: number, target = 300, min = 2, max = 14): number {
  if (rows <= 0) return max;
  return Math.max(min, Math.min(max, Math.floor(target / rows)));
}

/** Half-width of the heatmap's colour scale: the q-quantile of |value| over the finite values
 *  (neuron_scale.ts absStats), at most `cap`; 1 when there is nothing positive.
 *  A robust scale: a few huge cell-state values would otherwise wash every other row out. */
export function robustScale(values: ArrayLike<number>, q = 0.99, cap = Infinity): number {
  const { max, p99 } = absStats(values, q);
  const v = p99 > 0 ? p99 : max > 0 ? max : 0;
  if (!v) return Number.isFinite(cap) && cap > 0 ? cap : 1;
  return Number.isFinite(cap) && cap > 0 ? Math.min(v, cap) : v;
}

export interface HeatmapData {
  layer: string;
  start: number;
  stop: number;
  /** The 99th percentile of |value| in the window (robustScale, at most the layer's max). */
  vmax: number;
  /** The largest |value| of the layer. */
  max: number;
  rows: number;
  /** Row-major [rows][stop - start], rows in neuron index order. */
  values: Float32Array;
}

export interface Cell { row: number; neuron: number; pos: number; value: number }

/** Left margin (css px) that holds the marker of the selected row. */
export const GUTTER = 12;

export class Heatmap {
  readonly el = el("div", "iw-heatmap-wrap");
  readonly canvas = el("canvas", "iw-heatmap");
  private readonly scroller = el("div", "iw-heatmap-scroll");
  private readonly rowMark = el("div", "iw-heatmap-rowmark");
  private readonly colMark = el("div", "iw-heatmap-colmark");
  private readonly status = el("div", "iw-heatmap-status");
  private data: HeatmapData | null = null;
  /** The colour scale (null: diverging over ±data.vmax). */
  private scale: NeuronScale | null = null;
  private order: Int32Array = new Int32Array(0);
  private selected = -1;
  private ranked = 0;
  private cssWidth = 0;
  private rowH = 4;
  private observer: ResizeObserver | null = null;

  /** `tr`: the widget's words in its language. */
  constructor(parent: HTMLElement, private readonly tr: Tr = english) {
    const inner = el("div", "iw-heatmap-inner");
    inner.append(this.canvas, this.rowMark, this.colMark);
    this.scroller.append(inner);
    this.rowMark.hidden = true;
    this.colMark.hidden = true;
    this.status.hidden = true;
    this.status.setAttribute("role", "status");
    this.el.append(this.scroller, this.status);
    parent.appendChild(this.el);
    this.canvas.setAttribute("role", "img");
    if (typeof ResizeObserver !== "undefined") {
      this.observer = new ResizeObserver(() => {
        if (this.measure() !== this.cssWidth) this.draw();
      });
      this.observer.observe(this.el);
    }
  }

  get shown(): HeatmapData | null { return this.data; }
  get rowOrder(): Int32Array { return this.order; }

  /** Data, row order, ranked rows and selected neuron at once (one redraw). */
  show(data: HeatmapData, order: Int32Array, ranked: number, selected: number, scale: NeuronScale | null = null): void {
    this.data = data;
    this.scale = scale;
    this.order = order.length === data.rows ? order : rowOrder(data.rows, [], data.layer);
    this.ranked = Math.max(0, Math.min(this.order.length, ranked));
    this.selected = selected;
    this.draw();
  }

  setData(data: HeatmapData | null): void {
    this.data = data;
    if (data && this.order.length !== data.rows) this.order = rowOrder(data.rows, [], data.layer);
    this.draw();
  }

  /** Rows in this order; the first `ranked` of them come from a ranking (marked in the gutter). */
  setOrder(order: Int32Array, ranked = 0): void {
    this.order = order;
    this.ranked = Math.max(0, Math.min(order.length, ranked));
    this.draw();
  }

  /** Draw with another colour scale (the `scale` trait changed). */
  setScale(scale: NeuronScale): void {
    this.scale = scale;
    this.draw();
  }

  setSelected(neuron: number): void {
    if (neuron === this.selected) return;
    this.selected = neuron;
    this.draw();
  }

  setStale(stale: boolean): void {
    this.el.classList.toggle("iw-stale", stale);
  }

  private measure(): number {
    const w = Math.floor(this.scroller.clientWidth);
    return w > GUTTER + 20 ? w : 600; // 600 when not laid out (hidden, or a DOM without layout)
  }

  /** Draw the data (cells at device resolution, nearest neighbour) and the selected row. */
  draw(): void {
    const { data, canvas } = this;
    const cols = data ? data.stop - data.start : 0;
    const rows = data ? data.rows : 0;
    const rowH = (this.rowH = rowHeight(rows));
    const cssH = Math.max(rowH, rows * rowH);
    canvas.style.height = `${cssH}px`; // first: a vertical scroll bar narrows the width
    const cssW = (this.cssWidth = this.measure());
    const dpr = Math.max(1, window.devicePixelRatio || 1);
    canvas.style.width = `${cssW}px`;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    const ds = canvas.dataset;
    ds.rowHeight = String(rowH);
    ds.gutter = String(GUTTER);
    ds.layer = data ? data.layer : "";
    ds.start = data ? String(data.start) : "";
    ds.stop = data ? String(data.stop) : "";
    ds.rows = String(rows);
    ds.ranked = String(this.ranked);
    const scale: NeuronScale = this.scale ?? { ramp: "diverging", source: "p99", hi: data?.vmax || 1, squash: false };
    ds.vmax = data ? String(scale.hi) : "";
    ds.scale = data ? scale.source : "";
    ds.selected = String(this.selected);
    ds.order = Array.from(this.order).join(",");
    this.canvas.setAttribute("aria-label", data
      ? this.tr("explorer.heatmap_aria", { rows, layer: data.layer, first: data.start, last: data.stop - 1 })
      : this.tr("explorer.heatmap_empty"));
    const ctx = canvas.getContext("2d");
    if (!ctx || !data || !cols || !rows) { delete ds.drawn; return; }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    // One pixel per cell, then scaled up without smoothing: cell centres keep exact colours.
    const off = document.createElement("canvas");
    off.width = cols;
    off.height = rows;
    const octx = off.getContext("2d");
    if (!octx) return;
    const img = octx.createImageData(cols, rows);
    const px = img.data;
    const { values } = data;
    const lut = colourTable(scale);
    for (let r = 0; r < rows; r++) {
      const base = this.order[r] * cols;
      let o = r * cols * 4;
      for (let c = 0; c < cols; c++, o += 4) {
        const v = values[base + c];
        const rgb = Number.isNaN(v) ? MISSING : lut(v);
        px[o] = rgb[0]; px[o + 1] = rgb[1]; px[o + 2] = rgb[2]; px[o + 3] = 255;
      }
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    const left = Math.round(GUTTER * dpr);
    ctx.drawImage(off, left, 0, canvas.width - left, Math.round(rows * rowH * dpr));
    // Ranked rows: a bar along the gutter's left edge.
    if (this.ranked > 0) {
      ctx.fillStyle = getComputedStyle(this.el).getPropertyValue("--iw-accent").trim() || "#1f6feb";
      ctx.fillRect(0, 0, Math.round(2 * dpr), Math.round(this.ranked * rowH * dpr));
    }
    // The selected neuron: a triangle in the gutter and a frame around its row.
    const r = this.order.indexOf(this.selected);
    if (r >= 0) {
      const y0 = r * rowH * dpr;
      const h = rowH * dpr;
      const cy = y0 + h / 2;
      const s = Math.max(4, Math.min(6, rowH / 2 + 3)) * dpr;
      ctx.fillStyle = getComputedStyle(this.el).color || "#1f2328";
      ctx.beginPath();
      ctx.moveTo(left - 2 * dpr, cy);
      ctx.lineTo(left - 2 * dpr - s * 1.2, cy - s);
      ctx.lineTo(left - 2 * dpr - s * 1.2, cy + s);
      ctx.closePath();
      ctx.fill();
      ctx.strokeStyle = ctx.fillStyle;
      ctx.lineWidth = dpr;
      ctx.strokeRect(left - dpr / 2, y0 - dpr / 2, canvas.width - left, h + dpr);
    }
    ds.drawn = `${data.layer}:${data.start}:${data.stop}`;
  }

  /** The cell under the viewport point (x, y), or null. */
  cellAt(x: number, y: number): Cell | null {
    const { data } = this;
    if (!data) return null;
    const rect = this.canvas.getBoundingClientRect();
    const cols = data.stop - data.start;
    const w = rect.width - GUTTER;
    const cx = x - rect.left - GUTTER;
    const row = Math.floor((y - rect.top) / this.rowH);
    if (row < 0 || row >= data.rows || w <= 0) return null;
    const c = Math.min(cols - 1, Math.max(0, Math.floor((cx / w) * cols)));
    const neuron = this.order[row];
    return { row, neuron, pos: data.start + c, value: data.values[neuron * cols + c] };
  }

  /** Outline row `row` (hovered) and mark position `pos`; -1 hides either. */
  mark(row: number, pos: number): void {
    const { data } = this;
    const w = this.cssWidth - GUTTER;
    if (data && row >= 0 && row < data.rows) {
      Object.assign(this.rowMark.style, { top: `${row * this.rowH}px`, height: `${this.rowH}px`, left: `${GUTTER}px`, width: `${w}px` });
      this.rowMark.hidden = false;
    } else this.rowMark.hidden = true;
    if (data && pos >= data.start && pos < data.stop) {
      const cw = w / (data.stop - data.start);
      Object.assign(this.colMark.style, {
        left: `${GUTTER + (pos - data.start) * cw}px`, width: `${Math.max(1, cw)}px`, height: `${data.rows * this.rowH}px`,
      });
      this.colMark.hidden = false;
    } else this.colMark.hidden = true;
  }

  /** A message over the map (loading, error); `retry` adds a button. Empty hides it. */
  setStatus(text: string, kind = "", retry?: () => void): void {
    if (!text) { this.status.hidden = true; this.status.replaceChildren(); return; }
    this.status.className = `iw-heatmap-status ${kind}`;
    this.status.replaceChildren(el("span", "iw-status-text", text));
    if (retry) {
      const b = el("button", "iw-retry", this.tr("status.retry"));
      b.type = "button";
      b.addEventListener("click", retry);
      this.status.append(b);
    }
    this.status.hidden = false;
  }

  destroy(): void {
    this.observer?.disconnect();
    this.el.remove();
  }
}

/** value -> colour on `scale` (the full RdBu or Blues ramp), through a 1024-entry table. */
function colourTable(scale: NeuronScale): (v: number) => readonly number[] {
  const N = 1024;
  const seq = scale.ramp === "sequential";
  const table: RGB[] = [];
  for (let k = 0; k <= N; k++) table.push(seq ? sequentialAt(k / N) : divergingAt((k / N) * 2 - 1));
  return (x) => {
    const p = position(scale, x);
    return table[Math.round((seq ? p : (p + 1) / 2) * N)];
  };
}
