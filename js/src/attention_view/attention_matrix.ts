// A query × key heatmap on canvas (CircuitsVis' attention pattern): one ImageData for the
// whole matrix (block-max pooled when there are more tokens than device pixels), token labels
// on both axes when they fit, a crosshair and tooltip on hover drawn on an overlay canvas.
// Used by the matrix view (one head) and the rollout view.

import { poolMax } from "./attention_data";
import { canvasFont, cssColor, fitCanvas, fitText, matrixImage, pixelRatio, uiScale } from "../shared/canvas";
import { el } from "../shared/dom";
import { LUT_SIZE, sequentialLut } from "../shared/sequential";
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
  /** Whether token labels are drawn on the axes. */
  labels: boolean;
}

/** Largest heatmap side (css px) and cell size; cells cover whole device pixels. */
export const MATRIX_MAX = 620;
export const CELL_MAX = 30;
export const LABEL_MIN_CELL = 11;

/** How to draw an n × nk matrix (n rows, nk columns; square by default) in `avail` css px at
 *  pixel ratio `dpr`: square cells, sized by the longer side. */
export function matrixLayout(
  n: number, avail: number, dpr: number, maxSide = MATRIX_MAX, maxCell = CELL_MAX, nk = n, labelMin = LABEL_MIN_CELL,
): MatrixLayout {
  const long = Math.max(n, nk);
  if (!(n > 0) || !(nk > 0)) return { k: 1, m: 0, rows: 0, cols: 0, cell: 0, tokPx: 0, size: 0, w: 0, h: 0, labels: false };
  const side = Math.max(120, Math.min(maxSide, avail));
  const cellDev = Math.floor((side * dpr) / long);
  if (cellDev >= 1) {
    const cell = Math.min(maxCell, cellDev / dpr);
    return { k: 1, m: long, rows: n, cols: nk, cell, tokPx: cell, size: cell * long, w: cell * nk, h: cell * n, labels: cell >= labelMin };
  }
  const k = Math.ceil(long / Math.floor(side * dpr));
  const rows = Math.ceil(n / k);
  const cols = Math.ceil(nk / k);
  const cell = 1 / dpr;
  return { k, m: Math.max(rows, cols), rows, cols, cell, tokPx: cell / k, size: Math.max(rows, cols) * cell, w: cols * cell, h: rows * cell, labels: false };
}

/** The token index under css offset `p` from the heatmap's origin along an axis of n tokens
 *  (-1 outside). */
export function tokenAt(p: number, layout: MatrixLayout, n: number): number {
  if (!(layout.tokPx > 0) || p < 0) return -1;
  const i = Math.floor(p / layout.tokPx);
  return i >= 0 && i < n && p < Math.ceil(n / layout.k) * layout.cell ? i : -1;
}

export interface MatrixOptions {
  className: string;
  tooltip: Tooltip;
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
    this.caption.textContent = opts.caption ?? "rows: query (attends from) \u00b7 columns: key (attended to)";
    const stack = el("div", "iw-attn-canvas-stack");
    stack.append(this.canvas, this.overlay);
    this.el.append(this.caption, stack);
    parent.appendChild(this.el);
    const on = <E extends Event>(t: EventTarget, type: string, fn: (e: E) => void) => {
      t.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => t.removeEventListener(type, fn as EventListener));
    };
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

  /** Mark query row i (the pinned token); -1: none. */
  setMark(i: number): void {
    if (i === this.mark) return;
    this.mark = i;
    this.drawOverlay();
  }

  /** Draw into `avail` css px of width. Returns false when there is nothing to draw. */
  draw(avail: number): boolean {
    const src = this.src;
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
    const fit = (room: number) => matrixLayout(n, room, dpr, MATRIX_MAX * s, CELL_MAX * s, nk, LABEL_MIN_CELL * s);
    const probe = fit(avail - 40);
    const tokens = this.opts.tokens();
    const keys = this.opts.keyTokens?.() ?? tokens;
    if (probe.labels && ctx0) {
      ctx0.font = canvasFont(this.el, 11);
      const widest = (list: readonly string[], count: number) => {
        let w = 0;
        for (let i = 0; i < count; i++) w = Math.max(w, ctx0.measureText(list[i] ?? "").width);
        return Math.ceil(Math.min(110 * s, w) + 10);
      };
      left = widest(tokens, n);
      top = widest(keys, nk);
    }
    let layout = fit(avail - left - 2 * PAD);
    if (!layout.labels) {
      left = top = 0;
      layout = fit(avail - 2 * PAD);
    }
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
    if (layout.labels) this.drawLabels(ctx, tokens, keys, left, top, muted);
    this.drawOverlay();
    return true;
  }

  private drawLabels(
    ctx: CanvasRenderingContext2D, tokens: readonly string[], keys: readonly string[], left: number, top: number, color: string,
  ): void {
    const { tokPx } = this.layout;
    const n = this.src?.n ?? 0;
    ctx.font = canvasFont(this.el, 11);
    ctx.fillStyle = color;
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    for (let i = 0; i < n; i++) ctx.fillText(fitText(ctx, tokens[i] ?? "", left - 8), this.x0 - 5, this.y0 + (i + 0.5) * tokPx);
    ctx.save();
    ctx.translate(this.x0, this.y0 - 5);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "left";
    for (let j = 0; j < this.nk; j++) ctx.fillText(fitText(ctx, keys[j] ?? "", top - 8), 0, (j + 0.5) * tokPx);
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
    this.opts.tooltip.show(this.opts.describe(i, j, src.values[src.offset + i * (src.nk ?? src.n) + j]), e.clientX, e.clientY);
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
