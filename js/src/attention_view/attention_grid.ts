// A layers × heads grid on ONE canvas: the model view (a pooled attention thumbnail per
// cell) and the summary view (one number per cell). Labels, hover outline + tooltip and
// click are shared; what goes in a cell is the caller's `paint`.

import { canvasFont, cssColor, fitCanvas, pixelRatio, uiScale } from "../shared/canvas";
import { el } from "../shared/dom";
import type { Tooltip } from "../shared/tooltip";

export interface GridLayout {
  /** Top-left corner of cell (0, 0) in css px. */
  x0: number;
  y0: number;
  cell: number;
  gap: number;
  rows: number;
  cols: number;
  width: number;
  height: number;
}

/** Cells as large as fit in `avail` css px (between minCell and maxCell), in whole px. */
export function gridLayout(
  rows: number, cols: number, avail: number,
  o: { minCell: number; maxCell: number; gap: number; labelW: number; labelH: number; pad?: number },
): GridLayout {
  const pad = o.pad ?? 4;
  const room = avail - o.labelW - 2 * pad;
  const fit = cols > 0 ? Math.floor((room + o.gap) / cols) - o.gap : o.maxCell;
  const cell = Math.max(o.minCell, Math.min(o.maxCell, fit));
  const x0 = pad + o.labelW;
  const y0 = pad + o.labelH;
  return {
    x0, y0, cell, gap: o.gap, rows, cols,
    width: x0 + cols * (cell + o.gap) - o.gap + pad,
    height: y0 + rows * (cell + o.gap) - o.gap + pad,
  };
}

/** The cell [row, col] under css point (x, y), or null (outside, or in a gap). */
export function gridCellAt(g: GridLayout, x: number, y: number): [number, number] | null {
  const step = g.cell + g.gap;
  const dx = x - g.x0;
  const dy = y - g.y0;
  if (dx < 0 || dy < 0) return null;
  const c = Math.floor(dx / step);
  const r = Math.floor(dy / step);
  if (c >= g.cols || r >= g.rows) return null;
  if (dx - c * step >= g.cell || dy - r * step >= g.cell) return null;
  return [r, c];
}

/** Top-left corner of cell (r, c). */
export function cellOrigin(g: GridLayout, r: number, c: number): [number, number] {
  return [g.x0 + c * (g.cell + g.gap), g.y0 + r * (g.cell + g.gap)];
}

export interface GridOptions {
  className: string;
  tooltip: Tooltip;
  caption: string;
  rowLabels: () => readonly string[];
  colLabels: () => readonly string[];
  describe: (r: number, c: number) => string[];
  onClick: (r: number, c: number) => void;
  /** Draw every cell's content (the frame and labels are drawn by the grid). */
  paint: (ctx: CanvasRenderingContext2D, g: GridLayout) => void;
  minCell: number;
  maxCell: number;
  gap: number;
}

export class LayerHeadGrid {
  readonly el = el("div", "iw-attn-grid-wrap");
  readonly canvas: HTMLCanvasElement;
  private readonly overlay = el("canvas", "iw-attn-overlay");
  /** Whether the overlay has been given pixels (on the first hover). */
  private overlayOn = false;
  private layout: GridLayout | null = null;
  private hover: [number, number] = [-1, -1];
  private selected: [number, number] = [-1, -1];
  private readonly cleanups: (() => void)[] = [];

  constructor(parent: HTMLElement, private readonly opts: GridOptions) {
    this.canvas = el("canvas", opts.className);
    this.canvas.setAttribute("role", "img");
    const stack = el("div", "iw-attn-canvas-stack");
    this.overlay.width = this.overlay.height = 0;
    stack.append(this.canvas, this.overlay);
    this.el.append(el("div", "iw-attn-caption", opts.caption), stack);
    parent.appendChild(this.el);
    const on = <E extends Event>(type: string, fn: (e: E) => void) => {
      this.canvas.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => this.canvas.removeEventListener(type, fn as EventListener));
    };
    on<MouseEvent>("mousemove", (e) => {
      const cell = this.cellAt(e);
      this.setHover(cell ?? [-1, -1]);
      if (cell) this.opts.tooltip.show(this.opts.describe(cell[0], cell[1]), e.clientX, e.clientY);
      else this.opts.tooltip.hide();
    });
    on("mouseleave", () => { this.setHover([-1, -1]); this.opts.tooltip.hide(); });
    on<MouseEvent>("click", (e) => {
      const cell = this.cellAt(e);
      if (cell) { this.opts.tooltip.hide(); this.opts.onClick(cell[0], cell[1]); }
    });
  }

  get shownLayout(): GridLayout | null { return this.layout; }

  /** The cell outlined as selected, shown by the next `draw` (it is painted with the cells). */
  setSelected(r: number, c: number): void {
    this.selected = [r, c];
  }

  draw(avail: number): void {
    const rows = this.opts.rowLabels();
    const cols = this.opts.colLabels();
    const ctx0 = this.canvas.getContext?.("2d") ?? null;
    const font = canvasFont(this.el, 11);
    const s = uiScale(this.el); // presentation mode: bigger cells and label room
    let labelW = 24 * s;
    if (ctx0) {
      ctx0.font = font;
      for (const r of rows) labelW = Math.max(labelW, Math.ceil(ctx0.measureText(r).width) + 10);
      labelW = Math.min(labelW, 90 * s);
    }
    const g = gridLayout(rows.length, cols.length, avail, {
      minCell: this.opts.minCell * s, maxCell: this.opts.maxCell * s, gap: this.opts.gap, labelW, labelH: Math.round(18 * s),
    });
    this.layout = g;
    const ds = this.canvas.dataset;
    ds.x0 = String(g.x0);
    ds.y0 = String(g.y0);
    ds.cell = String(g.cell);
    ds.gap = String(g.gap);
    const ctx = fitCanvas(this.canvas, g.width, g.height);
    // the hover layer gets its pixels when a cell is first hovered (until then it is 0 × 0:
    // nothing to allocate, clear or composite for the first frame)
    if (this.overlayOn) this.fitOverlay(g);
    this.canvas.dataset.selected = this.selected.join(":");
    if (!ctx) return;
    this.opts.paint(ctx, g);
    ctx.font = font;
    ctx.fillStyle = cssColor(this.el, "--iw-fg-muted", "#59636e");
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    const step = g.cell + g.gap;
    rows.forEach((label, r) => ctx.fillText(label, g.x0 - 6, g.y0 + r * step + g.cell / 2));
    this.canvas.dataset.scale = String(s);
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    // Column labels: every one when they fit, else every k-th.
    const widest = cols.reduce((w, c) => Math.max(w, ctx.measureText(c).width), 0);
    const every = Math.max(1, Math.ceil((widest + 4) / step));
    cols.forEach((label, c) => {
      if (c % every === 0) ctx.fillText(label, g.x0 + c * step + g.cell / 2, g.y0 - 6 * s);
    });
    const [sr, sc] = this.selected;
    if (sr >= 0 && sc >= 0 && sr < g.rows && sc < g.cols) {
      ctx.strokeStyle = cssColor(this.el, "--iw-accent", "#1f6feb");
      ctx.lineWidth = 2;
      ctx.strokeRect(g.x0 + sc * step - 1, g.y0 + sr * step - 1, g.cell + 2, g.cell + 2);
    }
    this.drawOverlay();
  }

  private fitOverlay(g: GridLayout): void {
    fitCanvas(this.overlay, g.width, g.height);
    this.overlayOn = true;
  }

  private cellAt(e: MouseEvent): [number, number] | null {
    if (!this.layout) return null;
    const r = this.canvas.getBoundingClientRect();
    return gridCellAt(this.layout, e.clientX - r.left, e.clientY - r.top);
  }

  private setHover(cell: [number, number]): void {
    if (cell[0] === this.hover[0] && cell[1] === this.hover[1]) return;
    this.hover = cell;
    this.canvas.style.cursor = cell[0] >= 0 ? "pointer" : "";
    this.drawOverlay();
  }

  /** The hover outline and label bands, on the layer above the cells. */
  private drawOverlay(): void {
    const g = this.layout;
    const [r, c] = this.hover;
    if (!g || (!this.overlayOn && r < 0)) return;
    if (!this.overlayOn) this.fitOverlay(g);
    const ctx = this.overlay.getContext?.("2d") ?? null;
    if (!ctx) return;
    const dpr = pixelRatio();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, g.width, g.height);
    const fg = cssColor(this.el, "color", "#1f2328");
    const step = g.cell + g.gap;
    if (r >= 0 && c >= 0) {
      ctx.strokeStyle = fg;
      ctx.lineWidth = 2;
      ctx.strokeRect(g.x0 + c * step - 1.5, g.y0 + r * step - 1.5, g.cell + 3, g.cell + 3);
      // Mark the row and column labels' band lightly.
      ctx.fillStyle = "rgba(127, 127, 127, 0.14)";
      ctx.fillRect(0, g.y0 + r * step, g.x0 - 2, g.cell);
      ctx.fillRect(g.x0 + c * step, 0, g.cell, g.y0 - 2);
    }
  }

  destroy(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.el.remove();
  }
}
