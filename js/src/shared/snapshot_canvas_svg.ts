// A canvas in the SVG picture: what snapshot_canvas.ts recorded, written as SVG (<rect>s,
// <path>s, <text>s, runs of equal-colour cells), or, for a canvas the recorder could not
// follow, its pixels: small ones as <rect> runs, large ones as one <image>.

import { type CanvasRecording, RECT_BUDGET, SEG, SMALL_CANVAS, cellRuns } from "./snapshot_canvas";
import { hex, r2, xmlText } from "./snapshot_css";
import { type RGBA } from "./theme";

const NS = "http://www.w3.org/2000/svg";

/** Where the canvas's pixels land in the picture: x' = x0 + x * sx (css px of the SVG). */
export interface PixelMap { x0: number; y0: number; sx: number; sy: number }

function node(tag: string, attrs: Record<string, string | number>, parent: Element): Element {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, typeof v === "number" ? r2(v) : v);
  parent.appendChild(e);
  return e;
}

function paint(attrs: Record<string, string | number>, key: "fill" | "stroke", c: RGBA, alpha: number): Record<string, string | number> {
  attrs[key] = hex(c);
  const a = c[3] * alpha;
  if (a < 0.9999) attrs[`${key}-opacity`] = String(Math.round(a * 10000) / 10000);
  return attrs;
}

/** <rect> runs of a rows × cols pixel block drawn over (x, y, w, h) canvas px. */
export function writeCells(parent: Element, px: Uint8ClampedArray, runs: number[][], cols: number, rows: number, box: { x: number; y: number; w: number; h: number }, m: PixelMap, opacity: number): void {
  const g = node("g", { "shape-rendering": "crispEdges" }, parent);
  const cw = (box.w * m.sx) / cols;
  const ch = (box.h * m.sy) / rows;
  const x0 = m.x0 + box.x * m.sx;
  const y0 = m.y0 + box.y * m.sy;
  for (const [c0, r0, c1, r1, o] of runs) {
    const c: RGBA = [px[o], px[o + 1], px[o + 2], px[o + 3] / 255];
    node("rect", paint({ x: x0 + c0 * cw, y: y0 + r0 * ch, width: (c1 - c0) * cw, height: (r1 - r0) * ch }, "fill", c, opacity), g);
  }
}

/** The path data of recorded segments, mapped into the picture. */
function pathData(segs: number[], m: PixelMap): string {
  let d = "";
  const X = (v: number) => r2(m.x0 + v * m.sx);
  const Y = (v: number) => r2(m.y0 + v * m.sy);
  for (let i = 0; i < segs.length;) {
    const code = segs[i++];
    if (code === SEG.M || code === SEG.L) { d += `${code === SEG.M ? "M" : "L"}${X(segs[i])},${Y(segs[i + 1])}`; i += 2; }
    else if (code === SEG.C) { d += `C${X(segs[i])},${Y(segs[i + 1])} ${X(segs[i + 2])},${Y(segs[i + 3])} ${X(segs[i + 4])},${Y(segs[i + 5])}`; i += 6; }
    else if (code === SEG.Q) { d += `Q${X(segs[i])},${Y(segs[i + 1])} ${X(segs[i + 2])},${Y(segs[i + 3])}`; i += 4; }
    else d += "Z";
  }
  return d;
}

/** A complete recording as SVG elements under `parent` (a group clipped to the canvas). */
export function writeRecording(parent: Element, rec: CanvasRecording, m: PixelMap, opacity: number): void {
  const k = Math.sqrt(Math.abs(m.sx * m.sy)) || 1;
  let cellRects = 0;
  for (const op of rec.ops) if (op.k === "cells") cellRects += op.runs.length;
  const cellsAsImages = cellRects > RECT_BUDGET;
  for (const op of rec.ops) {
    const alpha = op.alpha * opacity;
    if (alpha < 0.003) continue;
    if (op.k === "rect") {
      node("rect", paint({ x: m.x0 + op.x * m.sx, y: m.y0 + op.y * m.sy, width: op.w * m.sx, height: op.h * m.sy }, "fill", op.color, alpha), parent);
    } else if (op.k === "path") {
      const a: Record<string, string | number> = { d: pathData(op.segs, m) };
      if (op.fill) paint(a, "fill", op.fill, alpha);
      else a.fill = "none";
      if (op.stroke) {
        paint(a, "stroke", op.stroke, alpha);
        a["stroke-width"] = op.width * k;
        if (op.cap !== "butt") a["stroke-linecap"] = op.cap;
        if (op.join !== "miter") a["stroke-linejoin"] = op.join;
        if (op.dash.length) a["stroke-dasharray"] = op.dash.map((d) => r2(d * k)).join(" ");
      }
      if (op.subpaths > 1) a["data-lines"] = String(op.subpaths);
      node("path", a, parent);
    } else if (op.k === "text") {
      const x = m.x0 + op.x * m.sx;
      const y = m.y0 + op.y * m.sy;
      const a: Record<string, string | number> = op.rot
        ? { x: 0, y: 0, transform: `translate(${r2(x)},${r2(y)}) rotate(${r2(op.rot)})` }
        : { x, y };
      a["font-family"] = op.family;
      a["font-size"] = op.size * k;
      if (op.weight !== "400" && op.weight !== "normal") a["font-weight"] = op.weight;
      if (op.style !== "normal") a["font-style"] = op.style;
      if (op.align === "center") a["text-anchor"] = "middle";
      else if (op.align === "right") a["text-anchor"] = "end";
      const t = node("text", paint(a, "fill", op.color, alpha), parent);
      t.textContent = xmlText(op.s);
    } else if (op.k === "cells" && !cellsAsImages) {
      writeCells(parent, op.px, op.runs, op.cols, op.rows, op, m, alpha);
    } else if (op.k === "cells") {
      image(parent, cellsImage(op.px, op.cols, op.rows), op, m, alpha, false);
    } else {
      image(parent, op.src, op, m, alpha, op.smooth);
    }
  }
}

/** A rows × cols pixel block as a canvas (for an <image>). */
function cellsImage(px: Uint8ClampedArray, cols: number, rows: number): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = cols;
  c.height = rows;
  const ctx = c.getContext("2d");
  if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(px), cols, rows), 0, 0);
  return c;
}

/** `src` drawn over (x, y, w, h) canvas px, as one <image> (pixelated unless `smooth`). */
function image(parent: Element, src: HTMLCanvasElement, box: { x: number; y: number; w: number; h: number }, m: PixelMap, alpha: number, smooth: boolean): void {
  const a: Record<string, string | number> = {
    x: m.x0 + box.x * m.sx, y: m.y0 + box.y * m.sy, width: box.w * m.sx, height: box.h * m.sy, preserveAspectRatio: "none",
  };
  if (alpha < 0.999) a.opacity = alpha;
  if (!smooth) a.style = "image-rendering:pixelated;image-rendering:crisp-edges";
  const img = node("image", a, parent);
  img.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:href", src.toDataURL("image/png"));
}

/** A canvas's current pixels as <rect> runs when it is small (a legend's colour bar); false
 *  when it is too large or unreadable (the caller embeds it as an image). */
export function writePixels(parent: Element, canvas: HTMLCanvasElement, m: PixelMap, opacity: number): boolean {
  const { width: cols, height: rows } = canvas;
  if (!cols || !rows || cols * rows > SMALL_CANVAS) return false;
  let px: Uint8ClampedArray;
  try {
    const ctx = (HTMLCanvasElement.prototype.getContext as (t: string) => CanvasRenderingContext2D | null).call(canvas, "2d");
    if (!ctx) return false;
    px = ctx.getImageData(0, 0, cols, rows).data;
  } catch {
    return false;
  }
  const runs = cellRuns(px, cols, rows, RECT_BUDGET);
  if (!runs) return false;
  writeCells(parent, px, runs, cols, rows, { x: 0, y: 0, w: cols, h: rows }, m, opacity);
  return true;
}
