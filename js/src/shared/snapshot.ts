// A picture of what a widget shows, as SVG built from real primitives (no <foreignObject>):
// the rendered DOM is walked and every box becomes a <rect> (backgrounds, borders, inset
// rings, outlines; one per line fragment of inline text such as a coloured token), every
// word a <text> at its measured position in its computed font and colour, every canvas an
// <image> of its pixels, every inline <svg> a copy with its computed styles written out.
// Scrolling boxes clip their content, so a scrolled text exports the visible window.
// The SVG is rasterised on a canvas for PNG (at 2× or the screen's pixel ratio, whichever is
// larger); both download through blob: URLs, which exported pages' CSP allows.
// The parts: snapshot_boxes.ts paints boxes, snapshot_canvas.ts records canvases' drawing and
// snapshot_canvas_svg.ts writes it, snapshot_copy.ts copies inline SVG, snapshot_css.ts parses CSS.

import { type Ctx, type Deco, NS, SvgBoxes, XLINK, visibleColor } from "./snapshot_boxes";
import { type CanvasRecording } from "./snapshot_canvas";
import { type PixelMap, writePixels, writeRecording } from "./snapshot_canvas_svg";
import { copySvgNode, materializePseudo } from "./snapshot_copy";
import { type Rect, intersect, r2, xmlText } from "./snapshot_css";
import { type RGBA } from "./theme";

export * from "./snapshot_css";

/** What a snapshot leaves out: the toolbar itself, tooltips, the error box, loading/error
 *  overlays, and anything marked `data-iw-snapshot="skip"`. */
export const SNAPSHOT_EXCLUDE =
  ".iw-toolbar, .iw-tooltip, .iw-error, .iw-status, .iw-heatmap-status, [data-iw-snapshot='skip']";

// ---- the DOM walk

/** The text decoration `cs` puts on its text (null: none). */
function decoOf(cs: CSSStyleDeclaration): Deco | null {
  const lines = cs.textDecorationLine || "";
  if (!lines || lines === "none") return null;
  const t = parseFloat(cs.textDecorationThickness);
  const o = parseFloat(cs.textUnderlineOffset);
  return {
    lines, color: cs.textDecorationColor || cs.color, style: cs.textDecorationStyle || "solid",
    thickness: Number.isFinite(t) && t > 0 ? t : Math.max(1, (parseFloat(cs.fontSize) || 13) / 14),
    offset: Number.isFinite(o) ? o : null,
  };
}

const fontMetrics = new Map<string, [number, number]>();
let measureCtx: CanvasRenderingContext2D | null | undefined;

/** Ascent and descent (px) of a CSS font, from the canvas's font metrics. */
function metrics(font: string, size: number): [number, number] {
  const hit = fontMetrics.get(font);
  if (hit) return hit;
  if (measureCtx === undefined) {
    try { measureCtx = document.createElement("canvas").getContext("2d"); } catch { measureCtx = null; }
  }
  let out: [number, number] = [size * 0.8, size * 0.2];
  if (measureCtx) {
    measureCtx.font = font;
    const m = measureCtx.measureText("Hg");
    if (Number.isFinite(m.fontBoundingBoxAscent) && m.fontBoundingBoxAscent > 0) out = [m.fontBoundingBoxAscent, m.fontBoundingBoxDescent];
  }
  fontMetrics.set(font, out);
  return out;
}

/** The SVG picture of one widget: the boxes (SvgBoxes), then its words, form controls, canvases
 *  and inline SVG, walking the rendered DOM. */
class SvgWriter extends SvgBoxes {
  constructor(
    box: DOMRect,
    private readonly exclude: string,
    private readonly vector = false,
    private readonly recordings?: Map<HTMLCanvasElement, CanvasRecording>,
  ) {
    super(box);
  }

  // ---- text

  /** One <text> per word (a run of non-space characters on one line) of a text node. */
  text(node: Text, cs: CSSStyleDeclaration, ctx: Ctx): void {
    const raw = node.data;
    if (!/\S/.test(raw)) return;
    const color = visibleColor(cs.color);
    if (!color || cs.visibility === "hidden") return;
    const range = document.createRange();
    range.selectNodeContents(node);
    const whole = range.getBoundingClientRect();
    if (!intersect(whole, ctx.clip) || (whole.width === 0 && whole.height === 0)) return;
    const font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const size = parseFloat(cs.fontSize) || 13;
    const [asc, desc] = metrics(font, size);
    const upper = cs.textTransform === "uppercase";
    const words = /\S+/g;
    let m: RegExpExecArray | null;
    while ((m = words.exec(raw))) {
      const start = m.index;
      const end = start + m[0].length;
      range.setStart(node, start);
      range.setEnd(node, end);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 || r.height > 0);
      if (!rects.length) continue;
      if (rects.length === 1) this.word(m[0], rects[0], cs, color, asc, desc, upper, ctx);
      else this.perChar(node, start, end, cs, color, asc, desc, upper, ctx, range);
    }
    range.detach?.();
  }

  /** A word broken over lines: group its characters by line. */
  private perChar(node: Text, start: number, end: number, cs: CSSStyleDeclaration, color: RGBA, asc: number, desc: number, upper: boolean, ctx: Ctx, range: Range): void {
    const s = node.data;
    let run = "";
    let box: Rect | null = null;
    const flush = () => {
      if (run && box) this.word(run, box as DOMRect, cs, color, asc, desc, upper, ctx);
      run = "";
      box = null;
    };
    for (let i = start; i < end;) {
      const cp = s.codePointAt(i) ?? 0;
      const n = cp > 0xffff ? 2 : 1;
      range.setStart(node, i);
      range.setEnd(node, i + n);
      const r = range.getBoundingClientRect();
      if (r.width > 0 || r.height > 0) {
        const b = box as Rect | null;
        if (b && (Math.abs(r.top - b.top) > (b.bottom - b.top) / 2 || r.left < b.right - 1)) flush();
        const cur = box as Rect | null;
        box = cur ? { left: cur.left, top: Math.min(cur.top, r.top), right: r.right, bottom: Math.max(cur.bottom, r.bottom) } : { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
        run += s.slice(i, i + n);
      }
      i += n;
    }
    flush();
  }

  private word(text: string, r: Rect, cs: CSSStyleDeclaration, color: RGBA, asc: number, desc: number, upper: boolean, ctx: Ctx): void {
    if (!intersect(r, ctx.clip)) return;
    const content = xmlText(upper ? text.toUpperCase() : text);
    if (!content) return;
    const h = r.bottom - r.top;
    const baseline = r.top + (h - (asc + desc)) / 2 + asc;
    const a: Record<string, string | number> = {
      x: r.left - this.ox, y: baseline - this.oy,
      "font-family": cs.fontFamily, "font-size": cs.fontSize,
    };
    if (cs.fontWeight !== "400" && cs.fontWeight !== "normal") a["font-weight"] = cs.fontWeight;
    if (cs.fontStyle !== "normal") a["font-style"] = cs.fontStyle;
    const ls = parseFloat(cs.letterSpacing);
    if (ls) a["letter-spacing"] = ls;
    if (Array.from(content).length > 1) {
      a.textLength = r.right - r.left;
      a.lengthAdjust = "spacingAndGlyphs";
    }
    const t = this.node("text", this.fill(a, color, ctx.opacity), ctx.parent);
    t.textContent = content;
    const size = parseFloat(cs.fontSize) || 13;
    for (const d of [...(ctx.deco ?? []), ...[decoOf(cs)].filter((x): x is Deco => !!x)]) {
      const c = visibleColor(d.color);
      if (!c) continue;
      const dash = d.style === "dotted" ? `${r2(d.thickness)} ${r2(d.thickness)}` : d.style === "dashed" ? `${r2(d.thickness * 3)} ${r2(d.thickness * 2)}` : "";
      const ys: number[] = [];
      if (d.lines.includes("underline")) ys.push(baseline + (d.offset ?? size * 0.1) + d.thickness / 2);
      if (d.lines.includes("line-through")) ys.push(baseline - size * 0.28);
      if (d.lines.includes("overline")) ys.push(r.top + d.thickness / 2);
      for (const y of ys) this.line(r.left, y, r.right, y, c, d.thickness, dash, ctx);
    }
  }

  /** The value shown in a form control (a select's chosen option, an input's value). */
  control(el: HTMLSelectElement | HTMLInputElement, cs: CSSStyleDeclaration, ctx: Ctx): void {
    const value = el instanceof HTMLSelectElement ? el.selectedOptions[0]?.textContent ?? "" : el.value;
    const color = visibleColor(cs.color);
    const b = el.getBoundingClientRect();
    if (!color || !intersect(b, ctx.clip)) return;
    const pl = (parseFloat(cs.paddingLeft) || 0) + (parseFloat(cs.borderLeftWidth) || 0);
    const pr = (parseFloat(cs.paddingRight) || 0) + (parseFloat(cs.borderRightWidth) || 0);
    const size = parseFloat(cs.fontSize) || 13;
    const font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const [asc, desc] = metrics(font, size);
    // a select drawn with no arrow (appearance: none — a disabled one reads as its value) gets none
    const isSelect = el instanceof HTMLSelectElement && cs.getPropertyValue("appearance") !== "none";
    const arrow = isSelect ? size * 0.9 : 0;
    const cy = (b.top + b.bottom) / 2;
    const a: Record<string, string | number> = {
      y: cy + (asc - desc) / 2 - this.oy, "font-family": cs.fontFamily, "font-size": cs.fontSize,
    };
    const align = cs.textAlign;
    if (align === "center") { a.x = (b.left + pl + b.right - pr - arrow) / 2 - this.ox; a["text-anchor"] = "middle"; }
    else if (align === "right" || align === "end") { a.x = b.right - pr - arrow - this.ox; a["text-anchor"] = "end"; }
    else a.x = b.left + pl - this.ox;
    if (cs.fontWeight !== "400" && cs.fontWeight !== "normal") a["font-weight"] = cs.fontWeight;
    const clip = this.clipGroup({ left: b.left + pl * 0.5, top: b.top, right: b.right - pr * 0.5 - arrow, bottom: b.bottom }, ctx);
    const t = this.node("text", this.fill(a, color, ctx.opacity), clip);
    t.textContent = xmlText(value);
    if (isSelect) {
      const x = b.right - pr - arrow / 2 - this.ox;
      const s = size * 0.28;
      const y = cy - this.oy;
      this.node("path", this.fill({ d: `M${r2(x - s)},${r2(y - s / 2)}L${r2(x + s)},${r2(y - s / 2)}L${r2(x)},${r2(y + s / 2)}Z` }, color, ctx.opacity), ctx.parent);
    }
  }

  // ---- replaced content

  canvas(c: HTMLCanvasElement, cs: CSSStyleDeclaration, ctx: Ctx): void {
    if (!c.width || !c.height) return;
    const b = c.getBoundingClientRect();
    if (!intersect(b, ctx.clip)) return;
    const bl = parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft) || 0;
    const bt = parseFloat(cs.borderTopWidth) + parseFloat(cs.paddingTop) || 0;
    const br = parseFloat(cs.borderRightWidth) + parseFloat(cs.paddingRight) || 0;
    const bb = parseFloat(cs.borderBottomWidth) + parseFloat(cs.paddingBottom) || 0;
    const cw = Math.max(0, b.width - bl - br);
    const chh = Math.max(0, b.height - bt - bb);
    if (this.vector) {
      // as vectors: what the widget drew while recorded, else a small canvas's pixels
      const m: PixelMap = { x0: b.left + bl - this.ox, y0: b.top + bt - this.oy, sx: cw / c.width, sy: chh / c.height };
      const rec = this.recordings?.get(c);
      const g = this.clipGroup({ left: b.left + bl, top: b.top + bt, right: b.left + bl + cw, bottom: b.top + bt + chh }, ctx);
      g.setAttribute("data-canvas", c.className || "canvas");
      if (rec && rec.complete && !rec.lossy) { writeRecording(g, rec, m, ctx.opacity); return; }
      if (writePixels(g, c, m, ctx.opacity)) return;
      g.remove();
    }
    let url = "";
    try { url = c.toDataURL("image/png"); } catch { return; } // a tainted canvas: leave it out
    const a: Record<string, string | number> = {
      x: b.left + bl - this.ox, y: b.top + bt - this.oy, width: cw, height: chh, preserveAspectRatio: "none",
    };
    if (ctx.opacity < 0.999) a.opacity = ctx.opacity;
    if (/pixelated|crisp-edges/.test(cs.imageRendering)) a.style = "image-rendering:pixelated;image-rendering:crisp-edges";
    const img = this.node("image", a, ctx.parent);
    img.setAttributeNS(XLINK, "xlink:href", url);
  }

  /** An inline <svg> (a chart): a copy positioned where it is, its computed styles written
   *  out as attributes (the page's stylesheet does not travel with the file). */
  inlineSvg(src: SVGSVGElement, ctx: Ctx): void {
    const b = src.getBoundingClientRect();
    if (!intersect(b, ctx.clip) || !b.width || !b.height) return;
    const copy = document.createElementNS(NS, "svg");
    const vb = src.getAttribute("viewBox") || `0 0 ${b.width} ${b.height}`;
    copy.setAttribute("x", r2(b.left - this.ox));
    copy.setAttribute("y", r2(b.top - this.oy));
    copy.setAttribute("width", r2(b.width));
    copy.setAttribute("height", r2(b.height));
    copy.setAttribute("viewBox", vb);
    if (ctx.opacity < 0.999) copy.setAttribute("opacity", r2(ctx.opacity));
    for (const child of Array.from(src.children)) {
      const c = copySvgNode(child);
      if (c) copy.appendChild(c);
    }
    ctx.parent.appendChild(copy);
  }

  walk(el: Element, ctx: Ctx): void {
    if (el.matches(this.exclude)) return;
    const cs = getComputedStyle(el);
    if (cs.display === "none") return;
    const own = parseFloat(cs.opacity);
    const opacity = ctx.opacity * (Number.isFinite(own) ? own : 1);
    if (opacity < 0.005) return;
    const here: Ctx = { ...ctx, opacity };
    const box = el.getBoundingClientRect();
    const clips = cs.overflowX !== "visible" || cs.overflowY !== "visible";
    if (!intersect(box, ctx.clip) && (clips || cs.display === "inline")) return;
    if (el instanceof SVGSVGElement) { this.inlineSvg(el, here); return; }
    if (!(el instanceof HTMLElement)) return;
    if (cs.visibility !== "hidden" && cs.display !== "contents") this.paintBox(el, cs, here);
    if (el instanceof HTMLCanvasElement) { if (cs.visibility !== "hidden") this.canvas(el, cs, here); return; }
    if (el instanceof HTMLSelectElement || (el instanceof HTMLInputElement && el.type !== "checkbox" && el.type !== "radio")) {
      if (cs.visibility !== "hidden") this.control(el, cs, here);
      return;
    }
    if (el instanceof HTMLImageElement || el instanceof HTMLOptionElement || el instanceof HTMLTemplateElement || el instanceof HTMLScriptElement || el instanceof HTMLStyleElement) return;
    let inner = here;
    if (clips) {
      const pad = {
        left: box.left + el.clientLeft, top: box.top + el.clientTop,
        right: box.left + el.clientLeft + el.clientWidth, bottom: box.top + el.clientTop + el.clientHeight,
      };
      const clip = intersect(pad, ctx.clip);
      if (!clip) return;
      inner = { parent: this.clipGroup(clip, here), clip, opacity, deco: ctx.deco };
    }
    // text decorations propagate to the text of descendants (their own are added in word())
    const mine = decoOf(cs);
    const down: Ctx = mine ? { ...inner, deco: [...(inner.deco ?? []), mine] } : inner;
    for (const child of Array.from(el.childNodes)) {
      if (child.nodeType === 3) this.text(child as Text, cs, inner);
      else if (child.nodeType === 1) this.walk(child as Element, down);
    }
  }
}


export interface Snapshot { svg: string; width: number; height: number }

export interface SnapshotOptions {
  /** What to leave out (a selector); SNAPSHOT_EXCLUDE by default. */
  exclude?: string;
  /** Canvases as vectors (<rect>, <path>, <text>): from `recordings` where a canvas was
   *  recorded from clear, else from its pixels when small; as <image>s otherwise. */
  vector?: boolean;
  recordings?: Map<HTMLCanvasElement, CanvasRecording>;
}

/** The widget `root` as an SVG document (a string), `root`'s border box at 1 css px = 1 unit. */
export function snapshotSvg(root: HTMLElement, opts: SnapshotOptions | string = {}): Snapshot {
  const o = typeof opts === "string" ? { exclude: opts } : opts;
  const exclude = o.exclude ?? SNAPSHOT_EXCLUDE;
  const restore = materializePseudo(root, exclude);
  try {
    const box = root.getBoundingClientRect();
    const w = new SvgWriter(box, exclude, !!o.vector, o.recordings);
    w.walk(root, { parent: w.svg, clip: { left: box.left, top: box.top, right: box.left + w.width, bottom: box.top + w.height }, opacity: 1 });
    const text = new XMLSerializer().serializeToString(w.svg);
    return { svg: `<?xml version="1.0" encoding="UTF-8"?>\n${text}\n`, width: w.width, height: w.height };
  } finally {
    restore();
  }
}

/** The PNG scale: at least 2 (for slides), more on a denser screen (at most 4). */
export function pngScale(): number {
  const dpr = typeof window !== "undefined" && Number.isFinite(window.devicePixelRatio) ? window.devicePixelRatio : 1;
  return Math.min(4, Math.max(2, dpr));
}

/** Rasterise an SVG snapshot into a PNG blob at `scale` device pixels per css pixel. */
export async function svgToPng(snap: Snapshot, scale = pngScale()): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([snap.svg], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.decoding = "sync";
    const loaded = new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("the browser could not draw the SVG snapshot"));
    });
    img.src = url;
    await loaded;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(snap.width * scale);
    canvas.height = Math.round(snap.height * scale);
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2d canvas to draw the PNG on");
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the canvas gave no PNG"))), "image/png"));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Save `blob` as a file called `name` (a download through a blob: URL). */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  a.style.display = "none";
  (document.body ?? document.documentElement).appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
