// The boxes of a widget's SVG picture (snapshot.ts): the <svg> and its <defs>, rects clipped to
// the scrolling box they sit in, and one element's own painting — background colour and
// gradients, box shadows without blur, borders (one stroke when the four sides agree, else a
// line per side) and outlines. Text, form controls, canvases and inline SVG are snapshot.ts's.

import {
  type Gradient, type Rect, gradientLine, hex, intersect, parseGradient, parseShadows, r2, shadowRects, splitTop, stopOffsets,
} from "./snapshot_css";
import { type RGBA, parseColor } from "./theme";

export const NS = "http://www.w3.org/2000/svg";
export const XLINK = "http://www.w3.org/1999/xlink";

/** A text decoration an element puts on the text inside it (CSS propagates it down). */
export interface Deco { lines: string; color: string; style: string; thickness: number; offset: number | null }

/** Where the walk is: the SVG element to add to, the clip of the scrolling box, the opacity. */
export interface Ctx { parent: Element; clip: Rect | null; opacity: number; deco?: Deco[] }

/** A CSS colour, or null when it is (nearly) transparent. */
export function visibleColor(css: string): RGBA | null {
  const c = parseColor(css);
  return c && c[3] > 0.003 ? c : null;
}

export class SvgBoxes {
  readonly svg: SVGSVGElement;
  protected readonly defs: SVGDefsElement;
  private ids = 0;
  protected readonly ox: number;
  protected readonly oy: number;
  readonly width: number;
  readonly height: number;

  constructor(box: DOMRect) {
    this.ox = box.left;
    this.oy = box.top;
    this.width = Math.max(1, Math.ceil(box.width));
    this.height = Math.max(1, Math.ceil(box.height));
    this.svg = document.createElementNS(NS, "svg");
    this.svg.setAttribute("xmlns", NS);
    this.svg.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:xlink", XLINK);
    this.svg.setAttribute("width", String(this.width));
    this.svg.setAttribute("height", String(this.height));
    this.svg.setAttribute("viewBox", `0 0 ${this.width} ${this.height}`);
    this.defs = document.createElementNS(NS, "defs");
    this.svg.append(this.defs);
  }

  protected node<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent: Element): SVGElementTagNameMap[K] {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, typeof v === "number" ? r2(v) : v);
    parent.appendChild(e);
    return e;
  }

  protected fill(attrs: Record<string, string | number>, c: RGBA, opacity: number, key = "fill"): Record<string, string | number> {
    attrs[key] = hex(c);
    const a = c[3] * opacity;
    if (a < 0.999) attrs[`${key}-opacity`] = Math.round(a * 1000) / 1000;
    return attrs;
  }

  rect(r: Rect, c: RGBA, ctx: Ctx, rx = 0): void {
    const v = intersect(r, ctx.clip);
    if (!v) return;
    const a: Record<string, string | number> = { x: r.left - this.ox, y: r.top - this.oy, width: r.right - r.left, height: r.bottom - r.top };
    if (rx > 0) a.rx = Math.min(rx, (r.right - r.left) / 2, (r.bottom - r.top) / 2);
    this.node("rect", this.fill(a, c, ctx.opacity), ctx.parent);
  }

  private strokeRect(r: Rect, c: RGBA, width: number, ctx: Ctx, rx: number, dash: string): void {
    if (!intersect({ left: r.left - width, top: r.top - width, right: r.right + width, bottom: r.bottom + width }, ctx.clip)) return;
    const a: Record<string, string | number> = {
      x: r.left - this.ox, y: r.top - this.oy, width: Math.max(0, r.right - r.left), height: Math.max(0, r.bottom - r.top),
      fill: "none", "stroke-width": width,
    };
    if (rx > 0) a.rx = rx;
    if (dash) a["stroke-dasharray"] = dash;
    this.node("rect", this.fill(a, c, ctx.opacity, "stroke"), ctx.parent);
  }

  protected line(x1: number, y1: number, x2: number, y2: number, c: RGBA, width: number, dash: string, ctx: Ctx): void {
    const a: Record<string, string | number> = { x1: x1 - this.ox, y1: y1 - this.oy, x2: x2 - this.ox, y2: y2 - this.oy, "stroke-width": width };
    if (dash) a["stroke-dasharray"] = dash;
    this.node("line", this.fill(a, c, ctx.opacity, "stroke"), ctx.parent);
  }

  /** A group clipped to `r` (a scrolling or overflow-hidden box). */
  clipGroup(r: Rect, ctx: Ctx): Element {
    const id = `iwclip${++this.ids}`;
    const cp = this.node("clipPath", { id }, this.defs);
    this.node("rect", { x: r.left - this.ox, y: r.top - this.oy, width: Math.max(0, r.right - r.left), height: Math.max(0, r.bottom - r.top) }, cp);
    return this.node("g", { "clip-path": `url(#${id})` }, ctx.parent);
  }

  // ---- one element's own painting

  paintBox(el: Element, cs: CSSStyleDeclaration, ctx: Ctx): void {
    const inline = cs.display === "inline";
    const boxes: Rect[] = inline ? Array.from(el.getClientRects()) : [el.getBoundingClientRect()];
    const rx = parseFloat(cs.borderTopLeftRadius) || 0;
    const shadows = parseShadows(cs.boxShadow).filter((s) => s.blur === 0);
    // outer shadows paint under the background
    for (const s of shadows) {
      if (s.inset) continue;
      const c = visibleColor(s.color);
      if (c) for (const b of boxes) for (const r of shadowRects(b, s)) this.rect(r, c, ctx);
    }
    const bg = visibleColor(cs.backgroundColor);
    if (bg) for (const b of boxes) this.rect(b, bg, ctx, rx);
    if (cs.backgroundImage && cs.backgroundImage !== "none") {
      for (const layer of splitTop(cs.backgroundImage).reverse()) {
        const g = parseGradient(layer);
        if (g) for (const b of boxes) this.gradient(b, g, ctx, rx);
      }
    }
    for (const s of shadows) {
      if (!s.inset) continue;
      const c = visibleColor(s.color);
      if (c) for (const b of boxes) for (const r of shadowRects(b, s)) this.rect(r, c, ctx);
    }
    for (const b of boxes) this.borders(b, cs, ctx, rx);
    const ow = parseFloat(cs.outlineWidth) || 0;
    const oc = cs.outlineStyle !== "none" && ow > 0 ? visibleColor(cs.outlineColor) : null;
    if (oc) {
      const off = (parseFloat(cs.outlineOffset) || 0) + ow / 2;
      const dash = cs.outlineStyle === "dashed" ? `${r2(ow * 3)} ${r2(ow * 2)}` : cs.outlineStyle === "dotted" ? `${r2(ow)} ${r2(ow)}` : "";
      for (const b of boxes) this.strokeRect({ left: b.left - off, top: b.top - off, right: b.right + off, bottom: b.bottom + off }, oc, ow, ctx, 0, dash);
    }
  }

  private borders(b: Rect, cs: CSSStyleDeclaration, ctx: Ctx, rx: number): void {
    const sides = (["Top", "Right", "Bottom", "Left"] as const).map((s) => ({
      w: cs.getPropertyValue(`border-${s.toLowerCase()}-style`) === "none" ? 0 : parseFloat(cs.getPropertyValue(`border-${s.toLowerCase()}-width`)) || 0,
      style: cs.getPropertyValue(`border-${s.toLowerCase()}-style`),
      color: cs.getPropertyValue(`border-${s.toLowerCase()}-color`),
    }));
    if (sides.every((s) => s.w === 0)) return;
    const dashOf = (s: { w: number; style: string }) => (s.style === "dashed" ? `${r2(s.w * 3)} ${r2(s.w * 2)}` : s.style === "dotted" ? `${r2(s.w)} ${r2(s.w)}` : "");
    const same = sides.every((s) => s.w === sides[0].w && s.style === sides[0].style && s.color === sides[0].color);
    if (same) {
      const c = visibleColor(sides[0].color);
      const w = sides[0].w;
      if (c) this.strokeRect({ left: b.left + w / 2, top: b.top + w / 2, right: b.right - w / 2, bottom: b.bottom - w / 2 }, c, w, ctx, Math.max(0, rx - w / 2), dashOf(sides[0]));
      return;
    }
    const [t, r, btm, l] = sides;
    const draw = (s: typeof t, x1: number, y1: number, x2: number, y2: number) => {
      const c = s.w > 0 ? visibleColor(s.color) : null;
      if (c) this.line(x1, y1, x2, y2, c, s.w, dashOf(s), ctx);
    };
    draw(t, b.left, b.top + t.w / 2, b.right, b.top + t.w / 2);
    draw(btm, b.left, b.bottom - btm.w / 2, b.right, b.bottom - btm.w / 2);
    draw(l, b.left + l.w / 2, b.top, b.left + l.w / 2, b.bottom);
    draw(r, b.right - r.w / 2, b.top, b.right - r.w / 2, b.bottom);
  }

  private gradient(b: Rect, g: Gradient, ctx: Ctx, rx: number): void {
    if (!intersect(b, ctx.clip)) return;
    const w = b.right - b.left;
    const h = b.bottom - b.top;
    const id = `iwgrad${++this.ids}`;
    const [x1, y1, x2, y2] = gradientLine(g.angle, w, h);
    const len = Math.hypot(x2 - x1, y2 - y1);
    if (g.repeating) {
      const period = stopOffsets(g.stops, len);
      const last = g.stops[g.stops.length - 1];
      const p = last.unit === "px" && last.pos ? last.pos : period[period.length - 1] * len;
      if (!(p > 0.5)) return;
      const pat = this.node("pattern", { id, patternUnits: "userSpaceOnUse", width: p, height: p * 4 + 4, patternTransform: `rotate(${r2(g.angle - 90)})` }, this.defs);
      const offs = stopOffsets(g.stops, p);
      for (let i = 0; i + 1 < g.stops.length; i++) {
        const c = visibleColor(g.stops[i].color);
        const from = offs[i] * p;
        const to = offs[i + 1] * p;
        if (c && to > from && g.stops[i].color === g.stops[i + 1].color) {
          this.node("rect", this.fill({ x: from, y: 0, width: to - from, height: p * 4 + 4 }, c, 1), pat);
        }
      }
    } else {
      const lg = this.node("linearGradient", {
        id, gradientUnits: "userSpaceOnUse",
        x1: x1 + b.left - this.ox, y1: y1 + b.top - this.oy, x2: x2 + b.left - this.ox, y2: y2 + b.top - this.oy,
      }, this.defs);
      const offs = stopOffsets(g.stops, len);
      g.stops.forEach((s, i) => {
        const c = parseColor(s.color) ?? [0, 0, 0, 0];
        const a: Record<string, string | number> = { offset: Math.max(0, Math.min(1, offs[i])), "stop-color": hex(c) };
        if (c[3] < 0.999) a["stop-opacity"] = c[3];
        this.node("stop", a, lg);
      });
    }
    const a: Record<string, string | number> = { x: b.left - this.ox, y: b.top - this.oy, width: w, height: h, fill: `url(#${id})` };
    if (rx > 0) a.rx = Math.min(rx, w / 2, h / 2);
    if (ctx.opacity < 0.999) a.opacity = ctx.opacity;
    this.node("rect", a, ctx.parent);
  }
}
