// NeuronDashboard's histogram: the unit's values over the corpus in log-binned signed bins, one
// equal-width bar per bin (so the x axis is symmetric-log), bar heights on a log count axis,
// zero marked with a line, and under the axis a strip in the colour each bin's values get in
// the contexts (the NeuronText scale). Hovering a bar says its range and count.

import { canvasFont, cssColor, fitCanvas, uiScale } from "../shared/canvas";
import { diverging, rgbString } from "../shared/colors";
import { formatTick } from "../shared/legend";
import { el } from "../shared/dom";
import { english, type Tr } from "../shared/i18n";
import { zeroPosition } from "./neuron_dashboard_data";
import { mix, parseColor, themeBackground } from "../shared/theme";
import { Tooltip } from "../shared/tooltip";

export interface HistData { edges: Float32Array; counts: Int32Array; vmax: number }

const PAD = { left: 40, right: 10, top: 8, bottom: 34 };
const STRIP = 6;

/** Heights of the bars on a log axis in [0, 1]: log10(1 + count) / log10(1 + max). */
export function logHeights(counts: ArrayLike<number>): Float32Array {
  let max = 0;
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i]);
  const out = new Float32Array(counts.length);
  if (max <= 0) return out;
  const top = Math.log10(1 + max);
  for (let i = 0; i < counts.length; i++) out[i] = Math.log10(1 + Math.max(0, counts[i])) / top;
  return out;
}

/** Fractional bin position of value `v` (each bin one unit wide): linear inside a bin that
 *  holds zero, logarithmic inside the others (the bins are log-spaced); null outside. */
export function binPosition(edges: ArrayLike<number>, v: number): number | null {
  const n = edges.length - 1;
  if (n < 1 || v < edges[0] || v > edges[n]) return null;
  for (let i = 0; i < n; i++) {
    const a = edges[i];
    const b = edges[i + 1];
    if (v < a || v > b) continue;
    if (b === a) return i;
    if (a > 0 && b > 0) return i + Math.log(v / a) / Math.log(b / a);
    if (a < 0 && b < 0) return i + Math.log(-a / -v) / Math.log(a / b) ;
    return i + (v - a) / (b - a);
  }
  return null;
}

/** Axis labels: zero (always, the dashed line marks it), the two ends, then ±powers of ten
 *  from the largest magnitude down — each kept only where its text, `width(v)` px wide (left-
 *  aligned at the left end, right-aligned at the right end, centred elsewhere), stays `pad` px
 *  clear of every label kept before it. Each is [value, fractional bin position]. */
export function axisTicks(
  edges: ArrayLike<number>, xOf: (pos: number) => number, width: (v: number) => number, pad = 6,
): [number, number][] {
  const n = edges.length - 1;
  if (n < 1) return [];
  const out: [number, number][] = [];
  const spans: [number, number][] = [];
  const extent = (v: number, p: number): [number, number] => {
    const x = xOf(p);
    const w = width(v);
    return p === 0 ? [x, x + w] : p === n ? [x - w, x] : [x - w / 2, x + w / 2];
  };
  const tryAdd = (v: number, p: number, force = false) => {
    const [a, b] = extent(v, p);
    if (!force && spans.some(([c, d]) => a < d + pad && b > c - pad)) return;
    out.push([v, p]);
    spans.push([a, b]);
  };
  const z = zeroPosition(edges);
  if (z !== null) tryAdd(0, z, true);
  tryAdd(edges[0], 0);
  tryAdd(edges[n], n);
  const big = Math.max(Math.abs(edges[0]), Math.abs(edges[n]));
  if (big > 0) {
    const top = Math.floor(Math.log10(big));
    for (let e = top; e >= top - 8; e--) {
      for (const v of [10 ** e, -(10 ** e)]) {
        const p = binPosition(edges, v);
        if (p !== null) tryAdd(v, p);
      }
    }
  }
  return out.sort((a, b) => a[1] - b[1]);
}

export class Histogram {
  readonly el = el("div", "iw-nd-hist");
  readonly canvas = el("canvas", "iw-nd-hist-canvas");
  private data: HistData | null = null;
  private width = 0;
  private height = 0;
  private readonly tooltip: Tooltip;
  private readonly cleanups: (() => void)[] = [];

  /** `tr`: the widget's words in its language. */
  constructor(private readonly root: HTMLElement, private readonly tr: Tr = english) {
    this.canvas.setAttribute("role", "img");
    this.el.append(this.canvas);
    this.tooltip = new Tooltip(root);
    const move = (e: MouseEvent) => this.hover(e);
    const leave = () => this.tooltip.hide();
    this.canvas.addEventListener("mousemove", move);
    this.canvas.addEventListener("mouseleave", leave);
    this.cleanups.push(() => {
      this.canvas.removeEventListener("mousemove", move);
      this.canvas.removeEventListener("mouseleave", leave);
    });
    if (typeof ResizeObserver !== "undefined") {
      let last = -1;
      const ro = new ResizeObserver(() => {
        const w = this.el.clientWidth;
        if (w !== last && this.data) { last = w; this.draw(); }
      });
      ro.observe(this.el);
      this.cleanups.push(() => ro.disconnect());
    }
  }

  set(data: HistData): void {
    this.data = data;
    this.draw();
  }

  private xOf(i: number): number {
    const n = Math.max(1, (this.data?.counts.length ?? 1));
    return PAD.left + (i / n) * (this.width - PAD.left - PAD.right);
  }

  draw(): void {
    const d = this.data;
    if (!d) return;
    const s = uiScale(this.root);
    this.width = Math.max(200, this.el.clientWidth || 300);
    this.height = Math.round(130 * s);
    const ctx = fitCanvas(this.canvas, this.width, this.height);
    const n = d.counts.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += d.counts[i];
    this.canvas.setAttribute("aria-label", this.tr("dashboard.hist_aria", { total, n }));
    this.canvas.dataset.bins = String(n);
    if (!ctx) return;
    const fg = cssColor(this.root, "--iw-fg", "#1f2328");
    const muted = cssColor(this.root, "--iw-fg-muted", "#59636e");
    const border = cssColor(this.root, "--iw-border-strong", "#afb8c1");
    // bars: the text colour halfway to the page's, so they read on light and dark pages
    const page = themeBackground(this.root);
    const ink = parseColor(fg) ?? [31, 35, 40, 1];
    const bar = rgbString(mix([ink[0], ink[1], ink[2]], page, 0.45));
    const bottom = this.height - PAD.bottom * s;
    const plotTop = PAD.top;
    const plotH = bottom - plotTop;
    ctx.font = canvasFont(this.root, 10.5);
    if (n === 0) {
      ctx.fillStyle = muted;
      ctx.fillText(this.tr("dashboard.no_values"), PAD.left, plotTop + 20);
      return;
    }
    // y axis: log count, ticks at powers of ten
    const h = logHeights(d.counts);
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, d.counts[i]);
    ctx.strokeStyle = border;
    ctx.fillStyle = muted;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const top = Math.log10(1 + max);
    let lastY = Infinity;
    for (let p = 0; 10 ** p <= max; p++) {
      const y = bottom - (Math.log10(1 + 10 ** p) / top) * plotH;
      if (lastY - y < 14 * s) continue;
      lastY = y;
      ctx.globalAlpha = 0.35;
      ctx.beginPath(); ctx.moveTo(PAD.left, Math.round(y) + 0.5); ctx.lineTo(this.width - PAD.right, Math.round(y) + 0.5); ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillText(p < 3 ? String(10 ** p) : p < 6 ? `${10 ** (p - 3)}k` : `${10 ** (p - 6)}M`, PAD.left - 4, y);
    }
    // bars
    ctx.fillStyle = bar;
    for (let i = 0; i < n; i++) {
      if (d.counts[i] <= 0) continue;
      const x0 = this.xOf(i);
      const x1 = this.xOf(i + 1);
      const bh = Math.max(1, h[i] * plotH);
      const gapPx = x1 - x0 >= 4 ? 1 : 0; // dense bins touch: no comb of hairline gaps
      ctx.fillRect(x0, bottom - bh, Math.max(1, x1 - x0 - gapPx + (gapPx ? 0 : 0.5)), bh);
    }
    // colour strip: what each bin's values look like in the contexts
    for (let i = 0; i < n; i++) {
      const mid = binMiddle(d.edges[i], d.edges[i + 1]);
      ctx.fillStyle = rgbString(diverging(mid, d.vmax));
      const x0 = this.xOf(i);
      ctx.fillRect(x0, bottom + 2, this.xOf(i + 1) - x0 + 0.5, STRIP * s);
    }
    ctx.strokeStyle = border;
    ctx.strokeRect(PAD.left + 0.5, bottom + 2.5, this.width - PAD.left - PAD.right - 1, STRIP * s - 1);
    ctx.beginPath(); ctx.moveTo(PAD.left, bottom + 0.5); ctx.lineTo(this.width - PAD.right, bottom + 0.5); ctx.stroke();
    // x labels at bin edges
    ctx.fillStyle = muted;
    ctx.textBaseline = "top";
    for (const [v, p] of axisTicks(d.edges, (q) => this.xOf(q), (v) => ctx.measureText(formatTick(v)).width, 8 * s)) {
      const x = this.xOf(p);
      ctx.textAlign = p === 0 ? "left" : p === n ? "right" : "center";
      ctx.fillText(formatTick(v), x, bottom + 4 + STRIP * s);
    }
    // zero
    const z = zeroPosition(d.edges);
    if (z !== null) {
      const x = Math.round(this.xOf(z)) + 0.5;
      ctx.strokeStyle = fg;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(x, plotTop - 2); ctx.lineTo(x, bottom + 2 + STRIP * s); ctx.stroke();
      ctx.setLineDash([]);
      this.canvas.dataset.zeroX = String(x);
    } else delete this.canvas.dataset.zeroX;
  }

  private hover(e: MouseEvent): void {
    const d = this.data;
    if (!d || !d.counts.length) return;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const n = d.counts.length;
    const i = Math.floor(((x - PAD.left) / (this.width - PAD.left - PAD.right)) * n);
    if (i < 0 || i >= n) { this.tooltip.hide(); return; }
    let total = 0;
    for (let k = 0; k < n; k++) total += d.counts[k];
    const share = total > 0 ? (100 * d.counts[i]) / total : 0;
    const left = r.left + this.xOf(i);
    this.tooltip.showFor(
      [this.tr("dashboard.hist_bin", { lo: formatTick(d.edges[i]), hi: formatTick(d.edges[i + 1]) }),
        this.tr("dashboard.hist_count", { count: d.counts[i].toLocaleString("en-US"), share: share < 0.1 && share > 0 ? "<0.1" : share.toFixed(1) })],
      { left, right: r.left + this.xOf(i + 1), top: r.top, bottom: r.top + 4 }, e.clientX,
    );
  }

  destroy(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.tooltip.destroy();
  }
}

/** A bin's representative value: the middle on the log scale for bins away from zero. */
function binMiddle(a: number, b: number): number {
  if (a > 0 && b > 0) return Math.sqrt(a * b);
  if (a < 0 && b < 0) return -Math.sqrt(a * b);
  return (a + b) / 2;
}
