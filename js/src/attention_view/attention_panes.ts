// The model view (pooled thumbnails of every head), the summary view (one measure per head)
// and the matrix view (one head's query × key heatmap), each a pane of the AttentionView.

import { displayToken, idOf, keysOf, maxOf, rangeOf, type LayerData, type Measure } from "./attention_data";
import { paintThumbCodes, thumbRect, type Thumbs } from "./attention_thumbs";
import { LayerHeadGrid, cellOrigin, type GridLayout } from "./attention_grid";
import { MatrixPanel } from "./attention_matrix";
import { paintMatrix, offscreen, cssColor, canvasFont, uiScale } from "../shared/canvas";
import { MISSING, rgbString, textColorFor } from "../shared/colors";
import { formatValue } from "../shared/legend";
import { LUT_SIZE, sequential, sequentialLut } from "../shared/sequential";
import type { Tr } from "../shared/i18n";
import type { Tooltip } from "../shared/tooltip";

/** Attention weights for tooltips: three decimals, small values with 4 significant digits. */
export function formatWeight(v: number): string {
  if (Number.isNaN(v)) return "missing";
  return Math.abs(v) >= 0.001 || v === 0 ? v.toFixed(3) : formatValue(v);
}

export interface PaneHost {
  tooltip: Tooltip;
  /** Query tokens. */
  tokens: () => readonly string[];
  /** Key tokens. */
  keyTokens: () => readonly string[];
  /** The shown group's name ("" when there is one group), prefixed to tooltips. */
  groupName: () => string;
  layerLabels: () => readonly string[];
  headLabels: () => readonly string[];
  sep: () => number;
  /** Open (layer, head) in the matrix view. */
  open: (layer: number, head: number) => void;
  /** Pin query token i (-1: none). */
  pin: (i: number) => void;
  /** The widget's words in its language. */
  tr: Tr;
}

/** The thumbnails as one image, (heads·tk) × (layers·t) pixels, each cell scaled to its own max. */
export function thumbAtlas(th: Thumbs): HTMLCanvasElement | null {
  const { layers, heads, t, tk } = th;
  const w = heads * tk;
  const c = offscreen(w, layers * t);
  let ctx: CanvasRenderingContext2D | null = null;
  try { ctx = c.getContext("2d"); } catch { ctx = null; }
  if (!ctx || typeof ctx.createImageData !== "function") return null;
  const img = ctx.createImageData(w, layers * t);
  const lut = sequentialLut();
  if (!paintThumbCodes(img.data, th, lut, LUT_SIZE)) {
    const { values } = th;
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const off = (l * heads + h) * t * tk;
        paintMatrix(img.data, w, h * tk, l * t, values, off, t, tk, tk, maxOf(values, off, t * tk), lut, LUT_SIZE);
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/** "Cross · " before a tooltip when there are named groups. */
function prefix(host: PaneHost): string {
  const name = host.groupName();
  return name ? `${name} \u00b7 ` : "";
}

/** "layer l head h" of a grid cell, in the widget's language (the group first when named). */
function cellName(host: PaneHost, l: number, h: number): string {
  return host.tr("attention.cell_title", { group: prefix(host), layer: host.layerLabels()[l] ?? "", head: host.headLabels()[h] ?? "" });
}

export class ModelPane {
  readonly grid: LayerHeadGrid;
  private thumbs: Thumbs | null = null;
  private atlas: HTMLCanvasElement | null = null;

  constructor(parent: HTMLElement, host: PaneHost) {
    this.grid = new LayerHeadGrid(parent, {
      className: "iw-attn-grid",
      tooltip: host.tooltip,
      caption: host.tr("attention.model_caption"),
      rowLabels: host.layerLabels,
      colLabels: host.headLabels,
      describe: (l, h) => [cellName(host, l, h), host.tr("attention.open_matrix")],
      onClick: (l, h) => host.open(l, h),
      paint: (ctx, g) => this.paint(ctx, g),
      minCell: 26, maxCell: 84, gap: 5,
    });
  }

  get el(): HTMLElement { return this.grid.el; }

  /** The thumbnails to show; their image is built when the model view first draws them. */
  setThumbs(th: Thumbs | null): void {
    this.thumbs = th;
    this.atlas = null;
  }

  private paint(ctx: CanvasRenderingContext2D, g: GridLayout): void {
    const th = this.thumbs;
    if (!th) return;
    this.atlas ??= thumbAtlas(th);
    ctx.imageSmoothingEnabled = false;
    ctx.strokeStyle = cssColor(this.grid.el, "--iw-border", "#d8dee4");
    ctx.lineWidth = 1;
    for (let l = 0; l < Math.min(g.rows, th.layers); l++) {
      for (let h = 0; h < Math.min(g.cols, th.heads); h++) {
        const [x, y] = cellOrigin(g, l, h);
        // a rectangular thumbnail (queries ≠ keys) keeps its aspect inside the square cell
        const [dx, dy, w, hh] = thumbRect(th.t, th.tk, g.cell);
        if (this.atlas) ctx.drawImage(this.atlas, h * th.tk, l * th.t, th.tk, th.t, x + dx, y + dy, w, hh);
        ctx.strokeRect(x + dx - 0.5, y + dy - 0.5, w + 1, hh + 1);
      }
    }
  }

  draw(avail: number): boolean {
    if (!this.thumbs) return false;
    this.grid.draw(avail);
    return true;
  }
}

export class SummaryPane {
  readonly grid: LayerHeadGrid;
  private measure: Measure | null = null;
  private range: [number, number] = [0, 1];

  constructor(parent: HTMLElement, host: PaneHost) {
    this.grid = new LayerHeadGrid(parent, {
      className: "iw-attn-summary-grid",
      tooltip: host.tooltip,
      caption: host.tr("attention.summary_caption"),
      rowLabels: host.layerLabels,
      colLabels: host.headLabels,
      describe: (l, h) => {
        const m = this.measure;
        const v = m ? m.values[l * m.heads + h] : NaN;
        return [cellName(host, l, h), `${m?.label ?? ""}: ${formatValue(v)}`, host.tr("attention.open_matrix")];
      },
      onClick: (l, h) => host.open(l, h),
      paint: (ctx, g) => this.paint(ctx, g),
      minCell: 22, maxCell: 60, gap: 2,
    });
  }

  get el(): HTMLElement { return this.grid.el; }
  get shownRange(): [number, number] { return this.range; }

  setMeasure(m: Measure | null): void {
    this.measure = m;
    this.range = m ? rangeOf(m.values) : [0, 1];
    if (m) this.grid.canvas.dataset.measure = m.key;
  }

  private paint(ctx: CanvasRenderingContext2D, g: GridLayout): void {
    const m = this.measure;
    if (!m) return;
    const [lo, hi] = this.range;
    const s = uiScale(this.grid.el); // presentation mode: the numbers are bigger, so need bigger cells
    const text = g.cell >= 34 * s;
    ctx.font = canvasFont(this.grid.el, g.cell >= 46 * s ? 11 : 10, "400", "--iw-code-font");
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let l = 0; l < Math.min(g.rows, m.layers); l++) {
      for (let h = 0; h < Math.min(g.cols, m.heads); h++) {
        const v = m.values[l * m.heads + h];
        const rgb = Number.isNaN(v) ? [...MISSING] as [number, number, number] : sequential(v, hi, lo);
        const [x, y] = cellOrigin(g, l, h);
        ctx.fillStyle = rgbString(rgb);
        ctx.fillRect(x, y, g.cell, g.cell);
        if (text) {
          ctx.fillStyle = textColorFor(rgb);
          ctx.fillText(Number.isNaN(v) ? "\u2013" : shortNumber(v), x + g.cell / 2, y + g.cell / 2 + 0.5);
        }
      }
    }
  }

  draw(avail: number): boolean {
    if (!this.measure) return false;
    this.grid.draw(avail);
    return true;
  }
}

/** A value in at most 4 characters where possible ("0.83", "3.21", "12.4", "-0.5"). */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return String(Math.round(v));
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export class MatrixPane {
  readonly panel: MatrixPanel;
  private layer = 0;
  private head = 0;

  constructor(parent: HTMLElement, host: PaneHost) {
    this.panel = new MatrixPanel(parent, {
      className: "iw-attn-matrix",
      tooltip: host.tooltip,
      tokens: host.tokens,
      keyTokens: host.keyTokens,
      sep: host.sep,
      describe: (i, j, v) => {
        const t = host.tokens();
        const k = host.keyTokens();
        return [
          host.tr("attention.matrix_cell", { group: prefix(host), layer: host.layerLabels()[this.layer] ?? "", head: host.headLabels()[this.head] ?? "", i, j }),
          host.tr("attention.matrix_weight", { from: displayToken(t[i] ?? ""), to: displayToken(k[j] ?? ""), weight: formatWeight(v) }),
        ];
      },
      onClick: (i) => host.pin(i),
      tr: host.tr,
    });
  }

  get el(): HTMLElement { return this.panel.el; }

  setHead(data: LayerData, head: number): void {
    this.layer = data.layer;
    this.head = head;
    this.panel.setSource({
      values: data.values, offset: head * data.n * keysOf(data), n: data.n, nk: keysOf(data),
      vmax: data.headMax[head] || 1, key: `${idOf(data.values)}:${head}`,
    });
  }

  draw(avail: number): boolean {
    return this.panel.draw(avail);
  }
}

