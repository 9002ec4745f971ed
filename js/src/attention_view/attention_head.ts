// The head view (bertviz head_view): queries on the left, keys on the right, one line per
// weight between them on a canvas, alpha ∝ weight, a colour per head. The token columns
// scroll together in a fixed-height box; the canvas covers only the visible band and draws
// the lines that touch visible rows (re-drawn on scroll).
//
// Hover is kept to one cheap frame: the layout it needs (canvas size, row height, theme) is
// measured by a full draw, not on every move; moves are coalesced into one animation frame
// (the same frame Chromium dispatches the mouse move in); the drawing with no focus is kept
// in an offscreen copy, so leaving a token puts it back with one blit instead of drawing
// every line again; shading writes only the token styles that change. A hovered token's
// lines of all the heads on are drawn as one line per token of the other column, in the
// colour the heads' lines make on top of one another (attention_lines.ts: focusStrokes):
// the canvas rasterises ≤ n lines in that frame, not ≤ heads × n.

import { displayToken, idOf, keysOf, separatorIndex, toggleHead, visibleRows, type LayerData } from "./attention_data";
import { LEVELS, collectLines, focusMax, focusStrokes, strokeFocus, type Focus } from "./attention_lines";
import { isRecording } from "../shared/snapshot_canvas";
import { fitCanvas, offscreen, pixelRatio, uiScale } from "../shared/canvas";
import { el } from "../shared/dom";
import { english, type Tr } from "../shared/i18n";
import { headColor, rgbaString } from "../shared/sequential";
import { readableText, isDark, themeBackground } from "../shared/theme";
import type { RGB } from "../shared/colors";
import { INK, inkAlpha } from "../shared/text_scale";

export const ROW_H = 20;
export const PAD_TOP = 4;
export { LEVELS, collectLines, focusMax, focusStrokes, type Focus } from "./attention_lines";

/** What drawing needs of the layout, measured by a full draw (never on a mouse move). */
interface Geometry {
  /** Canvas size in css px and in device px. */
  w: number;
  h: number;
  pw: number;
  ph: number;
  rowH: number;
  /** The page's background (token shading is blended over it for its text colour). */
  page: RGB;
}

export interface HeadViewOptions {
  /** Query tokens (left). */
  tokens: () => readonly string[];
  /** Key tokens (right); the query tokens when absent. */
  keyTokens?: () => readonly string[];
  headLabels: () => readonly string[];
  sep: () => number;
  onHeads: (heads: number[]) => void;
  onToken: (i: number) => void;
  /** The widget's words in its language (English when absent). */
  tr?: Tr;
}

export class HeadView {
  readonly el = el("div", "iw-attn-headview");
  /** Head swatches, placed in the toolbar by the widget. */
  readonly controls = el("div", "iw-attn-heads");
  private readonly box = el("div", "iw-attn-hv-box");
  private readonly scroller = el("div", "iw-attn-hv-scroll");
  private readonly left = el("div", "iw-attn-col iw-attn-col-q");
  private readonly gap = el("div", "iw-attn-gap");
  private readonly right = el("div", "iw-attn-col iw-attn-col-k");
  readonly canvas = el("canvas", "iw-attn-lines");
  private readonly hint = el("div", "iw-attn-hint");
  private data: LayerData | null = null;
  private active: number[] = [];
  private pinned: Focus | null = null;
  /** A key token pinned here only (queries and keys differ, so the `token` trait can't hold it). */
  private localPin = false;
  private hover: Focus | null = null;
  /** Token spans shaded now, with the background each was given. */
  private shaded = new Map<HTMLElement, string>();
  private frame = 0;
  /** The next frame re-measures the layout (scroll, resize, new data) rather than only repainting. */
  private full = false;
  private geom: Geometry | null = null;
  /** The scroll offset of the token columns, as of the last scroll event or full draw. */
  private top = 0;
  /** The drawing with no focus (device px), and what it was drawn for. */
  private base: { canvas: HTMLCanvasElement; key: string } | null = null;
  /** Whether the page is dark (head colours follow it). */
  private dark = false;
  private readonly cleanups: (() => void)[] = [];
  /** The token columns wait for the head view's first draw (see setTokens). */
  private tokensStale = true;

  constructor(parent: HTMLElement, private readonly opts: HeadViewOptions) {
    const heads = el("div", "iw-attn-colhead");
    const tr = opts.tr ?? english;
    heads.append(el("span", "", tr("attention.query")), el("span", "", tr("attention.key")));
    const cols = el("div", "iw-attn-hv-cols");
    cols.append(this.left, this.gap, this.right);
    this.scroller.append(cols);
    this.box.append(this.scroller, this.canvas);
    this.hint.hidden = true;
    this.el.append(heads, this.box, this.hint);
    parent.appendChild(this.el);
    const on = <E extends Event>(t: EventTarget, type: string, fn: (e: E) => void) => {
      t.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => t.removeEventListener(type, fn as EventListener));
    };
    on(this.scroller, "scroll", () => { this.top = this.scroller.scrollTop; this.schedule(); });
    on<MouseEvent>(cols, "mouseover", (e) => this.setHover(this.focusOf(e.target)));
    on(cols, "mouseleave", () => this.setHover(null));
    on<MouseEvent>(cols, "click", (e) => {
      const f = this.focusOf(e.target);
      if (!f) return;
      const same = this.pinned && this.pinned.side === f.side && this.pinned.i === f.i;
      this.pinned = same ? null : f;
      this.localPin = !same && f.side === "k" && !this.square();
      this.opts.onToken(same || this.localPin ? -1 : f.i);
      this.update();
    });
    on<MouseEvent>(this.controls, "click", (e) => {
      const b = (e.target as HTMLElement).closest?.("button");
      if (!b) return;
      if (b.classList.contains("iw-attn-all")) {
        const all = this.opts.headLabels().map((_, h) => h);
        this.opts.onHeads(this.active.length === all.length ? [] : all);
        return;
      }
      const h = Number(b.dataset.head);
      if (Number.isInteger(h)) this.opts.onHeads(toggleHead(this.active, h, e.detail >= 2));
    });
  }

  private focusOf(target: EventTarget | null): Focus | null {
    const span = (target as HTMLElement | null)?.closest?.("span.iw-attn-tok") as HTMLElement | null;
    if (!span) return null;
    return { side: span.dataset.side === "k" ? "k" : "q", i: Number(span.dataset.i) };
  }

  private keys(): readonly string[] {
    return this.opts.keyTokens?.() ?? this.opts.tokens();
  }

  private square(): boolean {
    return this.keys().length === this.opts.tokens().length;
  }

  /** The token columns are out of date: they are rebuilt when the head view next draws, so a
   *  widget opened on another view builds none of its (up to 2 × n) token spans. */
  setTokens(): void {
    this.pinned = null;
    this.localPin = false;
    this.hover = null;
    this.shaded.clear();
    this.geom = null;
    this.tokensStale = true;
    this.left.replaceChildren();
    this.right.replaceChildren();
  }

  /** Whether the token columns hold spans for the current tokens (built on the first draw). */
  get tokensBuilt(): boolean {
    return !this.tokensStale;
  }

  /** Build the token columns if `setTokens` left them out of date (the widget calls it when
   *  the head view is shown, so its tokens are there while a layer loads). */
  buildTokens(): void {
    if (!this.tokensStale) return;
    this.tokensStale = false;
    const queries = this.opts.tokens();
    const keys = this.keys();
    const sep = queries.length === keys.length ? separatorIndex(this.opts.sep(), queries.length) : -1;
    const make = (side: "q" | "k") => (side === "q" ? queries : keys).map((t, i) => {
      const s = el("span", "iw-attn-tok", displayToken(t));
      s.dataset.i = String(i);
      s.dataset.side = side;
      if (i === sep) s.classList.add("iw-attn-sep");
      if (t.length > 14) s.title = t;
      return s;
    });
    this.left.replaceChildren(...make("q"));
    this.right.replaceChildren(...make("k"));
    this.markPinned();
  }

  /** Rebuild the swatches (head labels changed). */
  setHeadLabels(): void {
    const labels = this.opts.headLabels();
    const tr = this.opts.tr ?? english;
    const all = el("button", "iw-attn-all", tr("attention.head_all"));
    all.type = "button";
    all.title = tr("attention.head_all_title");
    const buttons = labels.map((label, h) => {
      const b = el("button", "iw-attn-head iw-legend-key", label);
      b.type = "button";
      b.dataset.head = String(h);
      b.title = tr("attention.head_title", { head: label });
      return b;
    });
    this.controls.replaceChildren(el("span", "iw-field-name", tr("attention.heads")), ...buttons, all);
    this.paintSwatches();
    this.setActive(this.active);
  }

  /** Head colours for the page's theme (a second pass through the palette is darker on a
   *  light page, lighter on a dark one), on the swatches with a readable label colour. */
  private paintSwatches(): void {
    this.dark = isDark(this.el);
    for (const b of this.controls.querySelectorAll<HTMLButtonElement>("button.iw-attn-head")) {
      const rgb = headColor(Number(b.dataset.head), this.dark);
      b.style.setProperty("--iw-head", rgbaString(rgb, 1));
      b.style.setProperty("--iw-head-fg", readableText(rgb));
    }
  }

  setActive(heads: number[]): void {
    this.active = heads;
    for (const b of this.controls.querySelectorAll<HTMLButtonElement>("button.iw-attn-head")) {
      const on = heads.includes(Number(b.dataset.head));
      b.classList.toggle("iw-on", on);
      b.setAttribute("aria-pressed", String(on));
    }
  }

  /** The `token` trait: pin query token i (-1: none; a key pinned here alone stays). */
  setPinned(i: number): void {
    const n = this.opts.tokens().length;
    if (this.localPin && this.pinned) {
      if (i >= 0 && i < n) { this.localPin = false; this.pinned = { side: "q", i }; }
    } else if (i < 0 || i >= n) this.pinned = null;
    else if (!this.pinned || this.pinned.i !== i) this.pinned = { side: "q", i };
    this.markPinned();
  }

  private markPinned(): void {
    for (const s of this.el.querySelectorAll(".iw-attn-pinned")) s.classList.remove("iw-attn-pinned");
    if (this.pinned) this.spanOf(this.pinned)?.classList.add("iw-attn-pinned");
  }

  setLayer(data: LayerData | null): void {
    this.data = data;
  }

  private spanOf(f: Focus): HTMLElement | undefined {
    return (f.side === "q" ? this.left : this.right).children[f.i] as HTMLElement | undefined;
  }

  /** The token under the mouse changed: mark it now, shade and draw in the next frame (a
   *  mouse move is dispatched at the start of a frame, so that is the frame it is shown in). */
  private setHover(f: Focus | null): void {
    if (f?.side === this.hover?.side && f?.i === this.hover?.i) return;
    if (this.hover) this.spanOf(this.hover)?.classList.remove("iw-attn-hover");
    this.hover = f;
    if (f) this.spanOf(f)?.classList.add("iw-attn-hover");
    this.schedule(false);
  }

  /** One animation frame for every change before it; `full` re-measures the layout first. */
  private schedule(full = true): void {
    this.full ||= full;
    if (this.frame) return;
    const raf = typeof requestAnimationFrame === "function" ? requestAnimationFrame : (f: () => void) => setTimeout(f, 16);
    this.frame = raf(() => {
      this.frame = 0;
      const full = this.full;
      this.full = false;
      if (full || !this.geom) this.draw();
      else this.paint();
    }) as unknown as number;
  }

  /** Pinned-token marks, shading and lines for the current hover / pin. */
  update(): void {
    this.markPinned();
    if (this.geom) this.paint();
    else this.draw();
  }

  /** Measure the layout, then draw the lines; false when there is no layer to draw. */
  draw(): boolean {
    this.buildTokens();
    const w = Math.max(40, this.gap.offsetWidth || 200);
    const h = Math.max(40, this.scroller.clientHeight || 400);
    this.canvas.style.left = `${this.gap.offsetLeft}px`;
    this.top = this.scroller.scrollTop;
    const ctx = fitCanvas(this.canvas, w, h);
    if (isDark(this.el) !== this.dark) this.paintSwatches();
    this.geom = {
      w, h, pw: this.canvas.width, ph: this.canvas.height,
      rowH: this.rowHeight(), page: themeBackground(this.el),
    };
    return this.paint(ctx);
  }

  /** Shade the tokens and draw the lines with the layout of the last full draw (`ctx`: the
   *  canvas's context when the caller already has it); false when there is no layer. */
  private paint(ctx0?: CanvasRenderingContext2D | null): boolean {
    const g = this.geom;
    if (!g) return this.draw();
    const data = this.data;
    const heads = this.active.filter((h) => data && h < data.heads);
    const noHeads = !(heads.length > 0 || !data);
    if (this.hint.hidden === noHeads) {
      this.hint.hidden = !noHeads;
      if (noHeads) this.hint.textContent = (this.opts.tr ?? english)("attention.no_head");
    }
    const focus = this.hover ?? this.pinned;
    this.shade(focus, heads, g.page);
    if (!data) return false;
    const ctx = ctx0 === undefined ? this.context(g) : ctx0;
    if (!ctx) return true;
    const { n, values } = data;
    const nk = keysOf(data);
    const { w, h, rowH } = g;
    const top = this.top;
    const key = `${idOf(values)}|${heads.join(",")}|${top}|${g.pw}x${g.ph}|${rowH}|${this.dark}`;
    const drawn = heads.join(",");
    if (this.canvas.dataset.lines !== drawn) this.canvas.dataset.lines = drawn;
    if (!focus && this.base?.key === key && !isRecording(this.canvas)) {
      // back to the drawing with no focus: one blit of the copy made when it was drawn
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(this.base.canvas, 0, 0);
      ctx.restore();
      return true;
    }
    const [first, last] = visibleRows(top - PAD_TOP, h, rowH, Math.max(n, nk), 2);
    const y = (i: number) => PAD_TOP + i * rowH + rowH / 2 - top;
    ctx.lineWidth = heads.length > 4 ? 1 : 1.75;
    ctx.lineCap = "round";
    // With a focus, opacity is relative to that token's largest weight (still ∝ weight), so
    // a token's strongest line is always clearly visible; without, it is the weight itself.
    const gain = focus ? 1 / (focusMax(values, n, heads, focus, nk) || 1) : 1;
    if (focus && heads.length > 1 && !isRecording(this.canvas)) {
      // on screen, one line per token in the heads' composited colour (a picture being taken
      // keeps one path per head and opacity step: its SVG says which head drew what)
      const colors = heads.map((hd) => headColor(hd, this.dark));
      strokeFocus(ctx, focusStrokes(values, n, heads, colors, focus, gain, undefined, nk), focus, w, y);
      return true;
    }
    for (const head of heads) {
      const lines = collectLines(values, n, head, focus, first, last, gain, undefined, nk);
      const count = new Int32Array(LEVELS + 1);
      for (let k = 2; k < lines.length; k += 3) count[lines[k]]++;
      ctx.strokeStyle = rgbaString(headColor(head, this.dark), 1);
      for (let level = 1; level <= LEVELS; level++) {
        if (!count[level]) continue;
        ctx.globalAlpha = level / LEVELS;
        ctx.beginPath();
        for (let k = 0; k < lines.length; k += 3) {
          if (lines[k + 2] !== level) continue;
          ctx.moveTo(0, y(lines[k]));
          ctx.lineTo(w, y(lines[k + 1]));
        }
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
    if (!focus) this.keepBase(key, g);
    return true;
  }

  /** The lines canvas's context, its transform set and its pixels cleared (the size is kept
   *  from the last full draw). */
  private context(g: Geometry): CanvasRenderingContext2D | null {
    if (this.canvas.width !== g.pw || this.canvas.height !== g.ph) return fitCanvas(this.canvas, g.w, g.h);
    let ctx: CanvasRenderingContext2D | null = null;
    try { ctx = this.canvas.getContext("2d"); } catch { ctx = null; }
    if (!ctx || typeof ctx.setTransform !== "function") return null;
    const r = pixelRatio();
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, g.w, g.h);
    return ctx;
  }

  /** Copy the drawing with no focus, to put it back by one blit when a hover ends. */
  private keepBase(key: string, g: Geometry): void {
    let c = this.base?.canvas;
    if (!c || c.width !== g.pw || c.height !== g.ph) c = offscreen(g.pw, g.ph);
    const bctx = c.getContext?.("2d") ?? null;
    if (!bctx || typeof bctx.drawImage !== "function") { this.base = null; return; }
    bctx.clearRect(0, 0, c.width, c.height);
    bctx.drawImage(this.canvas, 0, 0);
    this.base = { canvas: c, key };
  }

  /** Height of a token row as laid out (ROW_H, × the text scale in presentation mode). */
  private rowHeight(): number {
    const first = this.left.firstElementChild as HTMLElement | null;
    const h = first ? first.getBoundingClientRect().height : 0;
    return h > 0 ? h : ROW_H * uiScale(this.el);
  }

  /** With a focus, shade the other column's tokens by the mean weight over active heads
   *  (in the head's colour when only one head is on). Only styles that change are written. */
  private shade(focus: Focus | null, heads: number[], page: RGB): void {
    const next = new Map<HTMLElement, string>();
    const data = this.data;
    if (focus && data && heads.length && focus.i < (focus.side === "q" ? data.n : keysOf(data))) this.shadeInto(next, focus, heads, page, data);
    for (const s of this.shaded.keys()) {
      if (!next.has(s)) { s.style.backgroundColor = ""; s.style.color = ""; }
    }
    this.shaded = next;
  }

  private shadeInto(next: Map<HTMLElement, string>, focus: Focus, heads: number[], page: RGB, data: LayerData): void {
    const { n, values } = data;
    const nk = keysOf(data);
    const col = focus.side === "q" ? this.right : this.left;
    const rgb = heads.length === 1 ? headColor(heads[0], this.dark) : [110, 118, 129] as [number, number, number];
    // one ink per theme on every shade (shared/text_scale.ts): the shade stops where the ink
    // would fall under its contrast, so a word's pieces never flip black ↔ white
    const theme = this.dark ? "dark" : "light";
    const cap = inkAlpha(rgb, page, theme);
    for (let t = 0; t < (focus.side === "q" ? nk : n); t++) {
      let sum = 0;
      for (const h of heads) {
        const base = h * n * nk;
        sum += focus.side === "q" ? values[base + focus.i * nk + t] : values[base + t * nk + focus.i];
      }
      const m = sum / heads.length;
      if (!(m >= 0.01)) continue;
      const s = col.children[t] as HTMLElement | undefined;
      if (!s) continue;
      const alpha = Math.min(cap, 0.1 + m);
      const bg = rgbaString(rgb, alpha);
      next.set(s, bg);
      if (this.shaded.get(s) === bg) continue;
      s.style.backgroundColor = bg;
      s.style.color = INK[theme];
    }
  }

  destroy(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.el.remove();
    this.controls.remove();
  }
}
