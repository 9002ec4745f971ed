// A query × key heatmap on canvas (CircuitsVis' attention pattern): one ImageData for the
// whole matrix (block-max pooled when there are more tokens than device pixels), token labels
// on both axes (every one when they fit, else every n-th), the values printed in the cells
// when they fit, zoom (− / + / fit, Ctrl + wheel) with the matrix scrolled to pan, a
// crosshair and tooltip on hover drawn on an overlay canvas. Used by the matrix view (one
// head) and the rollout view.

import { poolMax } from "./attention_data";
import { canvasFont, cssColor, fitCanvas, fitText, matrixImage, pixelRatio, uiScale } from "../shared/canvas";
import { el } from "../shared/dom";
import { textColorFor } from "../shared/colors";
import { LUT_SIZE, sequential, sequentialLut } from "../shared/sequential";
import { english, type Tr } from "../shared/i18n";
import type { Tooltip } from "../shared/tooltip";

export interface MatrixSource {
  /** Row-major values, the matrix at values[offset + i * nk + j]. */
  values: Float32Array;
  offset: number;
  /** Rows (queries). */
  n: number;
  /** Columns (keys); n when absent. */
  nk?: number;
  vmax: number;
  /** Identifies the data, so the image is rebuilt only when it changes. */
  key: string;
  /** The values themselves, when `values` are their shades (e.g. a log scale): printed in the
   *  cells and given to the tooltip. Same layout as `values`. */
  raw?: Float32Array;
}

export interface MatrixLayout {
  /** Pooling factor: one drawn cell covers k × k tokens. */
  k: number;
  /** Cells along the longer side after pooling; rows and columns of cells. */
  m: number;
  rows: number;
  cols: number;
  /** Css px per drawn cell, and per token. */
  cell: number;
  tokPx: number;
  /** Longer side of the heatmap in css px; its width (columns) and height (rows). */
  size: number;
  w: number;
  h: number;
  /** Whether every token's label fits on the axes. */
  labels: boolean;
  /** Labels drawn every `step` tokens (1: all; 0: none — too dense even for every n-th). */
  step: number;
  /** Whether each cell is big enough to print its value in. */
  values: boolean;
}

/** Largest heatmap side (css px) and cell size; cells cover whole device pixels. */
export const MATRIX_MAX = 620;
export const CELL_MAX = 48;
export const LABEL_MIN_CELL = 11;
/** Smallest cell (css px) that holds its value printed (".42"). */
export const VALUE_MIN_CELL = 28;
/** Zoom steps of the matrix (× the fitted size), and the largest canvas side in device px. */
export const ZOOMS = [1, 1.5, 2, 3, 4, 6, 8, 12, 16];
export const CANVAS_MAX = 8192;

/** Every how many tokens a label goes when a token is `tokPx` css px and a label needs
 *  `labelMin` (1: every token; 0: not even every n-th makes a useful axis). */
export function labelStep(tokPx: number, n: number, labelMin = LABEL_MIN_CELL): number {
  if (!(tokPx > 0) || !(n > 0)) return 0;
  const step = Math.max(1, Math.ceil(labelMin / tokPx - 1e-9));
  return step > Math.max(1, n / 4) ? 0 : step;
}

/** How to draw an n × nk matrix (n rows, nk columns; square by default) in `avail` css px at
 *  pixel ratio `dpr`: square cells, sized by the longer side. */
export function matrixLayout(
  n: number, avail: number, dpr: number, maxSide = MATRIX_MAX, maxCell = CELL_MAX, nk = n, labelMin = LABEL_MIN_CELL,
): MatrixLayout {
  const long = Math.max(n, nk);
  if (!(n > 0) || !(nk > 0)) return { k: 1, m: 0, rows: 0, cols: 0, cell: 0, tokPx: 0, size: 0, w: 0, h: 0, labels: false, step: 0, values: false };
  const side = Math.max(120, Math.min(maxSide, avail));
  const cellDev = Math.floor((side * dpr) / long);
  const scale = labelMin / LABEL_MIN_CELL; // presentation mode scales every threshold
  if (cellDev >= 1) {
    const cell = Math.min(maxCell, cellDev / dpr);
    return {
      k: 1, m: long, rows: n, cols: nk, cell, tokPx: cell, size: cell * long, w: cell * nk, h: cell * n,
      labels: cell >= labelMin, step: labelStep(cell, long, labelMin), values: cell >= VALUE_MIN_CELL * scale,
    };
  }
  const k = Math.ceil(long / Math.floor(side * dpr));
  const rows = Math.ceil(n / k);
  const cols = Math.ceil(nk / k);
  const cell = 1 / dpr;
  return {
    k, m: Math.max(rows, cols), rows, cols, cell, tokPx: cell / k, size: Math.max(rows, cols) * cell, w: cols * cell, h: rows * cell,
    labels: false, step: labelStep(cell / k, long, labelMin), values: false,
  };
}

/** The token index under css offset `p` from the heatmap's origin along an axis of n tokens
 *  (-1 outside). */
export function tokenAt(p: number, layout: MatrixLayout, n: number): number {
  if (!(layout.tokPx > 0) || p < 0) return -1;
  const i = Math.floor(p / layout.tokPx);
  return i >= 0 && i < n && p < Math.ceil(n / layout.k) * layout.cell ? i : -1;
}

/** A value short enough for a cell: ".42", "1", "0", "<.01". */
export function cellValue(v: number): string {
  if (v >= 0.995) return v < 1.005 ? "1" : v.toFixed(1);
  if (v > 0 && v < 0.005) return "<.01";
  if (v <= 0 && v > -0.005) return "0";
  return v.toFixed(2).replace(/^(-?)0\./, "$1.");
}

export interface MatrixOptions {
  className: string;
  tooltip: Tooltip;
  /** The widget's words in its language (English when absent). */
  tr?: Tr;
  /** Row (query) labels. */
  tokens: () => readonly string[];
  /** Column (key) labels; the row labels when absent. */
  keyTokens?: () => readonly string[];
  sep: () => number;
  /** Tooltip lines for the cell (query i, key j) holding value v. */
  describe: (i: number, j: number, v: number) => string[];
  onClick?: (i: number, j: number) => void;
  caption?: string;
}

const PAD = 6;

export class MatrixPanel {
  readonly el = el("div", "iw-attn-matrix-wrap");
  readonly canvas: HTMLCanvasElement;
  private readonly overlay = el("canvas", "iw-attn-overlay");
  private readonly caption = el("div", "iw-attn-caption");
  private readonly captionText = el("span", "iw-attn-caption-text");
  private readonly zoomBar = el("span", "iw-attn-zoom iw-chrome");
  private readonly zoomLabel = el("span", "iw-attn-zoom-label");
  private readonly scroller = el("div", "iw-attn-matrix-scroll");
  /** Index into ZOOMS (0: fitted to the width). */
  private zoom = 0;
  private lastAvail = 0;
  private src: MatrixSource | null = null;
  private image: HTMLCanvasElement | null = null;
  private imageKey = "";
  private layout: MatrixLayout = matrixLayout(0, 0, 1);
  private nk = 0;
  private x0 = 0;
  private y0 = 0;
  private width = 0;
  private height = 0;
  private hover: [number, number] = [-1, -1];
  private mark = -1;
  private readonly cleanups: (() => void)[] = [];

  constructor(parent: HTMLElement, private readonly opts: MatrixOptions) {
    this.canvas = el("canvas", opts.className);
    this.canvas.setAttribute("role", "img");
    const tr = opts.tr ?? english;
    this.captionText.textContent = opts.caption ?? tr("attention.matrix_caption");
    const zoomButton = (text: string, title: string, to: () => number) => {
      const b = el("button", "iw-attn-zoom-btn", text);
      b.type = "button";
      b.title = title;
      b.setAttribute("aria-label", title);
      on(b, "click", () => this.setZoom(to()));
      return b;
    };
    const stack = el("div", "iw-attn-canvas-stack");
    stack.append(this.canvas, this.overlay);
    this.scroller.append(stack);
    this.el.append(this.caption, this.scroller);
    parent.appendChild(this.el);
    const on = <E extends Event>(t: EventTarget, type: string, fn: (e: E) => void) => {
      t.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => t.removeEventListener(type, fn as EventListener));
    };
    this.zoomBar.append(
      zoomButton("\u2212", tr("attention.zoom_out"), () => this.zoom - 1),
      this.zoomLabel,
      zoomButton("+", tr("attention.zoom_in"), () => this.zoom + 1),
      zoomButton(tr("attention.zoom_fit"), tr("attention.zoom_fit_title"), () => 0),
    );
    this.caption.append(this.captionText, this.zoomBar);
    on<WheelEvent>(this.canvas, "wheel", (e) => {
      if (!e.ctrlKey && !e.metaKey) return; // a plain wheel scrolls (pans)
      e.preventDefault();
      this.setZoom(this.zoom + (e.deltaY < 0 ? 1 : -1), e);
    });
    on<MouseEvent>(this.canvas, "mousemove", (e) => this.onMove(e));
    on(this.canvas, "mouseleave", () => this.setHover(-1, -1));
    on<MouseEvent>(this.canvas, "click", (e) => {
      const [i, j] = this.cellAt(e);
      if (i >= 0 && j >= 0) this.opts.onClick?.(i, j);
    });
  }

  setSource(src: MatrixSource | null): void {
    this.src = src;
  }

  /** The zoom factor (1: fitted to the width). */
  get zoomFactor(): number { return ZOOMS[this.zoom]; }

  /** Zoom to step `z` of ZOOMS (clamped), keeping the cell under the pointer `at` in place. */
  setZoom(z: number, at?: MouseEvent): void {
    const next = Math.max(0, Math.min(ZOOMS.length - 1, z));
    if (next === this.zoom || !this.src) return;
    const before = this.layout.tokPx;
    const r = this.scroller.getBoundingClientRect();
    const px = at ? at.clientX - r.left : r.width / 2;
    const py = at ? at.clientY - r.top : r.height / 2;
    const tx = (this.scroller.scrollLeft + px - this.x0) / Math.max(before, 1e-9);
    const ty = (this.scroller.scrollTop + py - this.y0) / Math.max(before, 1e-9);
    this.zoom = next;
    this.draw(this.lastAvail);
    this.scroller.scrollLeft = Math.max(0, this.x0 + tx * this.layout.tokPx - px);
    this.scroller.scrollTop = Math.max(0, this.y0 + ty * this.layout.tokPx - py);
  }

  /** Mark query row i (the pinned token); -1: none. */
  setMark(i: number): void {
    if (i === this.mark) return;
    this.mark = i;
    this.drawOverlay();
  }

  /** Draw into `avail` css px of width. Returns false when there is nothing to draw. */
  draw(avail: number): boolean {
    const src = this.src;
    this.lastAvail = avail;
    if (!src || !(src.n > 0)) return false;
    const { n } = src;
    const nk = src.nk ?? n;
    this.nk = nk;
    const dpr = pixelRatio();
    const ctx0 = this.canvas.getContext?.("2d") ?? null;
    // Label room: the widest row / column label (capped), measured only when labels could fit.
    let left = 0;
    let top = 0;
    // Presentation mode: bigger cells, label text and room for it (uiScale 1.5).
    const s = uiScale(this.el);
    // Zoomed: the fitted size × the zoom (never past CANVAS_MAX device px), scrolled to pan.
    const longest = Math.max(n, nk);
    let z = ZOOMS[this.zoom];
    while (this.zoom > 0 && Math.max(MATRIX_MAX * s, avail) * z * dpr > CANVAS_MAX) z = ZOOMS[--this.zoom];
    const fit = (room: number) => matrixLayout(n, room * z, dpr, MATRIX_MAX * s * z, CELL_MAX * s * Math.max(1, z), nk, LABEL_MIN_CELL * s);
    const probe = fit(avail - 40);
    const tokens = this.opts.tokens();
    const keys = this.opts.keyTokens?.() ?? tokens;
    if (probe.step > 0 && ctx0) {
      ctx0.font = canvasFont(this.el, 11);
      const widest = (list: readonly string[], count: number) => {
        let w = 0;
        for (let i = 0; i < count; i++) w = Math.max(w, ctx0.measureText(list[i] ?? "").width);
        return Math.ceil(Math.min(110 * s, w) + 14); // + the tick of every-n-th labels
      };
      left = widest(tokens, n);
      top = widest(keys, nk);
    }
    let layout = fit(avail - left - 2 * PAD);
    if (!layout.step) {
      left = top = 0;
      layout = fit(avail - 2 * PAD);
    }
    this.zoomLabel.textContent = `${ZOOMS[this.zoom]}\u00d7`;
    this.zoomBar.hidden = longest < 2;
    this.el.dataset.zoom = String(ZOOMS[this.zoom]);
    this.el.dataset.labelStep = String(layout.step);
    this.layout = layout;
    this.x0 = PAD + left;
    this.y0 = PAD + top;
    this.width = Math.ceil(this.x0 + layout.w + PAD);
    this.height = Math.ceil(this.y0 + layout.h + PAD);
    const key = `${src.key}|${layout.k}|${src.vmax}|${nk}`;
    if (key !== this.imageKey || !this.image) {
      const lut = sequentialLut();
      if (layout.k === 1) {
        this.image = matrixImage(src.values, src.offset, n, nk, nk, src.vmax, lut, LUT_SIZE, this.image);
      } else {
        const p = poolMax(src.values, src.offset, n, nk, nk, layout.k);
        this.image = matrixImage(p.data, 0, p.rows, p.cols, p.cols, src.vmax, lut, LUT_SIZE, this.image);
      }
      this.imageKey = key;
    }
    const ctx = fitCanvas(this.canvas, this.width, this.height);
    fitCanvas(this.overlay, this.width, this.height);
    const ds = this.canvas.dataset;
    ds.x0 = String(this.x0);
    ds.y0 = String(this.y0);
    ds.tok = String(layout.tokPx);
    ds.n = String(n);
    ds.nk = String(nk);
    ds.k = String(layout.k);
    ds.step = String(layout.step);
    ds.values = String(layout.values);
    if (!ctx) return true;
    if (this.image) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.image, 0, 0, layout.cols, layout.rows, this.x0, this.y0, layout.w, layout.h);
    }
    const fg = cssColor(this.el, "color", "#1f2328");
    const muted = cssColor(this.el, "--iw-fg-muted", "#59636e");
    ctx.strokeStyle = cssColor(this.el, "--iw-border-strong", "#afb8c1");
    ctx.lineWidth = 1;
    ctx.strokeRect(this.x0 - 0.5, this.y0 - 0.5, layout.w + 1, layout.h + 1);
    const sep = this.opts.sep();
    if (sep > 0 && sep < n && nk === n) {
      const p = sep * layout.tokPx;
      ctx.strokeStyle = fg;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(this.x0 - left, this.y0 + p);
      ctx.lineTo(this.x0 + layout.w, this.y0 + p);
      ctx.moveTo(this.x0 + p, this.y0 - top);
      ctx.lineTo(this.x0 + p, this.y0 + layout.h);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (layout.values) this.drawValues(ctx, src, nk);
    if (layout.step) this.drawLabels(ctx, tokens, keys, left, top, muted);
    this.drawOverlay();
    return true;
  }

  /** Each cell's value printed in it (".42", "1" for a whole 1), ink legible on its shade. */
  private drawValues(ctx: CanvasRenderingContext2D, src: MatrixSource, nk: number): void {
    const { tokPx } = this.layout;
    ctx.font = canvasFont(this.el, Math.min(12, tokPx / 2.6));
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < src.n; i++) {
      for (let j = 0; j < nk; j++) {
        const at = src.offset + i * nk + j;
        const v = src.values[at];
        if (!Number.isFinite(v)) continue;
        ctx.fillStyle = textColorFor(sequential(v, src.vmax));
        ctx.fillText(cellValue((src.raw ?? src.values)[at]), this.x0 + (j + 0.5) * tokPx, this.y0 + (i + 0.5) * tokPx);
      }
    }
  }

  private drawLabels(
    ctx: CanvasRenderingContext2D, tokens: readonly string[], keys: readonly string[], left: number, top: number, color: string,
  ): void {
    const { tokPx, step } = this.layout;
    const n = this.src?.n ?? 0;
    ctx.font = canvasFont(this.el, 11);
    ctx.fillStyle = color;
    ctx.strokeStyle = color;
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    // every `step`-th token when they are dense, with a tick at its row / column
    const tick = step > 1 ? 3 : 0;
    for (let i = 0; i < n; i += step) {
      const y = this.y0 + (i + 0.5) * tokPx;
      ctx.fillText(fitText(ctx, tokens[i] ?? "", left - 8 - tick), this.x0 - 5 - tick, y);
      if (tick) ctx.fillRect(this.x0 - tick - 1, y - 0.5, tick, 1);
    }
    ctx.save();
    ctx.translate(this.x0, this.y0 - 5);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "left";
    for (let j = 0; j < this.nk; j += step) {
      const y = (j + 0.5) * tokPx;
      ctx.fillText(fitText(ctx, keys[j] ?? "", top - 8 - tick), tick, y);
      if (tick) ctx.fillRect(-4, y - 0.5, tick, 1);
    }
    ctx.restore();
  }

  private cellAt(e: MouseEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    const n = this.src?.n ?? 0;
    const j = tokenAt(e.clientX - r.left - this.x0, this.layout, this.nk);
    const i = tokenAt(e.clientY - r.top - this.y0, this.layout, n);
    return i >= 0 && j >= 0 ? [i, j] : [-1, -1];
  }

  private onMove(e: MouseEvent): void {
    const [i, j] = this.cellAt(e);
    this.setHover(i, j);
    const src = this.src;
    if (i < 0 || !src) return;
    this.opts.tooltip.show(this.opts.describe(i, j, (src.raw ?? src.values)[src.offset + i * (src.nk ?? src.n) + j]), e.clientX, e.clientY);
  }

  private setHover(i: number, j: number): void {
    if (i < 0) this.opts.tooltip.hide();
    if (i === this.hover[0] && j === this.hover[1]) return;
    this.hover = [i, j];
    this.drawOverlay();
  }

  /** The crosshair of the hovered cell and the mark of the pinned row. */
  private drawOverlay(): void {
    const c = this.overlay;
    const ctx = c.getContext?.("2d") ?? null;
    if (!ctx || !this.src) return;
    const dpr = pixelRatio();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const { tokPx, w, h } = this.layout;
    const fg = cssColor(this.el, "color", "#1f2328");
    const accent = cssColor(this.el, "--iw-accent", "#1f6feb");
    const band = Math.max(tokPx, 1);
    if (this.mark >= 0 && this.mark < this.src.n) {
      ctx.strokeStyle = accent;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 2]);
      ctx.strokeRect(this.x0 - 0.75, this.y0 + this.mark * tokPx - 0.75, w + 1.5, band + 1.5);
      ctx.setLineDash([]);
    }
    const [i, j] = this.hover;
    if (i < 0 || j < 0) return;
    const x = this.x0 + j * tokPx;
    const y = this.y0 + i * tokPx;
    ctx.fillStyle = "rgba(127, 127, 127, 0.16)";
    ctx.fillRect(this.x0, y, w, band);
    ctx.fillRect(x, this.y0, band, h);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#fff";
    ctx.strokeRect(x - 1.5, y - 1.5, band + 3, band + 3);
    ctx.strokeStyle = fg;
    ctx.strokeRect(x - 0.75, y - 0.75, band + 1.5, band + 1.5);
  }

  destroy(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.el.remove();
  }
}
