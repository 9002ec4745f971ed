// Canvases as vectors in the SVG picture. While a picture is taken, every canvas of the widget
// hands out a recording 2D context (the real one, with its drawing calls noted down) and the
// widget redraws once; the widget's own draw functions therefore decide the geometry, and the
// exporter turns what they did into SVG: fillRect → <rect>, a stroked or filled path → one
// <path> (its subpaths are the attention lines, with their opacity), fillText → <text> in the
// context's font, drawImage of a one-pixel-per-cell image → <rect> runs of equal colour.
// A canvas whose drawing the recorder could not follow (not redrawn from clear, a gradient
// fill, a rotated image…) is painted from its pixels: small ones as <rect> runs, large ones
// as one <image>.
// This file records; snapshot_canvas_svg.ts writes a recording (or the pixels) as SVG.

import { type RGBA, parseColor } from "./theme";

/** At most this many <rect>s for the drawn images of one canvas (after merging equal-colour
 *  neighbours, ~60 bytes each: ~1.2 MB); past it each image becomes one pixelated <image>.
 *  A 128×128 attention matrix fits; the model view's 72 thumbnails of 128 tokens do not. */
export const RECT_BUDGET = 20_000;
/** A canvas that could not be recorded is read as pixels and written as <rect> runs when it
 *  has at most this many pixels (colour bars of legends), else embedded as an <image>. */
export const SMALL_CANVAS = 4096;

/** A drawing call, in the canvas's own pixels (the context's transform applied). */
export type CanvasOp =
  | { k: "rect"; x: number; y: number; w: number; h: number; color: RGBA; alpha: number }
  | {
      k: "path"; segs: number[]; subpaths: number; stroke: RGBA | null; fill: RGBA | null; width: number;
      alpha: number; cap: string; join: string; dash: number[];
    }
  | { k: "text"; s: string; x: number; y: number; rot: number; size: number; family: string; weight: string; style: string; align: string; color: RGBA; alpha: number }
  | { k: "cells"; x: number; y: number; w: number; h: number; cols: number; rows: number; px: Uint8ClampedArray; runs: number[][]; alpha: number }
  | { k: "image"; x: number; y: number; w: number; h: number; src: HTMLCanvasElement; alpha: number; smooth: boolean };

/** Path segment codes in CanvasOp.segs: code, then its points' coordinates. */
export const SEG = { M: 0, L: 1, C: 2, Q: 3, Z: 4 } as const;

export class CanvasRecording {
  ops: CanvasOp[] = [];
  /** Cleared (or resized) while recording: the ops are the whole picture. */
  complete = false;
  /** A call the recorder cannot write as SVG happened: use the pixels instead. */
  lossy = false;
  reset(): void {
    this.ops = [];
    this.complete = true;
    this.lossy = false;
  }
}

/** Runs of equal colour in a rows × cols RGBA pixel block, merged across rows when a run
 *  repeats exactly below itself: [c0, r0, c1, r1, pixel offset of its colour] per rectangle
 *  (transparent pixels are left out). */
export function cellRuns(px: Uint8ClampedArray, cols: number, rows: number, limit = Infinity): number[][] | null {
  const out: number[][] = [];
  let open = new Map<string, number[]>();
  for (let r = 0; r < rows; r++) {
    const next = new Map<string, number[]>();
    let c = 0;
    while (c < cols) {
      const o = (r * cols + c) * 4;
      const a = px[o + 3];
      let e = c + 1;
      while (e < cols) {
        const p = (r * cols + e) * 4;
        if (px[p] !== px[o] || px[p + 1] !== px[o + 1] || px[p + 2] !== px[o + 2] || px[p + 3] !== a) break;
        e++;
      }
      if (a > 0) {
        const key = `${c},${e},${px[o]},${px[o + 1]},${px[o + 2]},${a}`;
        const above = open.get(key);
        if (above) { above[3] = r + 1; next.set(key, above); }
        else {
          const run = [c, r, e, r + 1, o];
          out.push(run);
          if (out.length > limit) return null;
          next.set(key, run);
        }
      }
      c = e;
    }
    open = next;
  }
  return out;
}

function colorOf(v: unknown): RGBA | null {
  return typeof v === "string" ? parseColor(v) : null;
}

/** "italic 700 11.5px system-ui, sans-serif" → its parts (the canvas normalises `font`). */
export function parseCanvasFont(font: string): { style: string; weight: string; size: number; family: string } {
  const m = /^\s*((?:(?:italic|oblique|normal|small-caps|bold|bolder|lighter|\d{3}|ultra-condensed|condensed|semi-condensed|semi-expanded|expanded)\s+)*)([\d.]+)px(?:\s*\/\s*\S+)?\s+(.+)$/i.exec(font);
  if (!m) return { style: "normal", weight: "400", size: 10, family: "sans-serif" };
  const words = m[1].trim().split(/\s+/).filter(Boolean);
  const style = words.find((w) => /^(italic|oblique)$/i.test(w)) ?? "normal";
  const wt = words.find((w) => /^(bold|bolder|lighter|\d{3})$/i.test(w)) ?? "400";
  return { style, weight: wt === "bold" ? "700" : wt, size: parseFloat(m[2]), family: m[3].trim() };
}

const baselineShift = new Map<string, number>();

type Ctx2D = CanvasRenderingContext2D;

/** The recording context: calls go to the real context, and the ones that paint are noted. */
function recordingContext(real: Ctx2D, rec: CanvasRecording): Ctx2D {
  let segs: number[] = [];
  let subpaths = 0;
  const pt = (x: number, y: number): [number, number] => {
    const t = real.getTransform();
    return [t.a * x + t.c * y + t.e, t.b * x + t.d * y + t.f];
  };
  const scaleOf = () => { const t = real.getTransform(); return Math.sqrt(Math.abs(t.a * t.d - t.b * t.c)) || 1; };
  const axisAligned = () => { const t = real.getTransform(); return Math.abs(t.b) < 1e-9 && Math.abs(t.c) < 1e-9; };
  const paintable = (style: unknown) => {
    const c = colorOf(style);
    if (!c) rec.lossy = true;
    return c;
  };
  const rectOp = (x: number, y: number, w: number, h: number): { x: number; y: number; w: number; h: number } | null => {
    if (!axisAligned()) { rec.lossy = true; return null; }
    const [x0, y0] = pt(x, y);
    const [x1, y1] = pt(x + w, y + h);
    return { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
  };
  const canvas = real.canvas;
  const hooks: Record<string, (...a: any[]) => void> = {
    clearRect(x: number, y: number, w: number, h: number) {
      const r = rectOp(x, y, w, h);
      if (r && r.x <= 0.5 && r.y <= 0.5 && r.x + r.w >= canvas.width - 0.5 && r.y + r.h >= canvas.height - 0.5) rec.reset();
      else rec.lossy = true;
    },
    fillRect(x: number, y: number, w: number, h: number) {
      const c = paintable(real.fillStyle);
      if (!c) return;
      if (axisAligned()) {
        const r = rectOp(x, y, w, h)!;
        rec.ops.push({ k: "rect", ...r, color: c, alpha: real.globalAlpha });
        return;
      }
      // under a rotation (a tick of a rotated label): the rectangle as a filled polygon
      const p: number[] = [];
      const corners: [number, number][] = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
      corners.forEach(([a, b], i) => p.push(i ? SEG.L : SEG.M, ...pt(a, b)));
      p.push(SEG.Z);
      rec.ops.push({ k: "path", segs: p, subpaths: 1, stroke: null, fill: c, width: 0, alpha: real.globalAlpha, cap: "butt", join: "miter", dash: [] });
    },
    strokeRect(x: number, y: number, w: number, h: number) {
      const c = paintable(real.strokeStyle);
      if (!c) return;
      const p: number[] = [];
      const corners: [number, number][] = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
      corners.forEach(([a, b], i) => { const [u, v] = pt(a, b); p.push(i ? SEG.L : SEG.M, u, v); });
      p.push(SEG.Z);
      rec.ops.push({ k: "path", segs: p, subpaths: 1, stroke: c, fill: null, width: real.lineWidth * scaleOf(), alpha: real.globalAlpha, cap: real.lineCap, join: real.lineJoin, dash: real.getLineDash().map((d) => d * scaleOf()) });
    },
    beginPath() { segs = []; subpaths = 0; },
    moveTo(x: number, y: number) { segs.push(SEG.M, ...pt(x, y)); subpaths++; },
    lineTo(x: number, y: number) { segs.push(SEG.L, ...pt(x, y)); },
    bezierCurveTo(a: number, b: number, c: number, d: number, x: number, y: number) { segs.push(SEG.C, ...pt(a, b), ...pt(c, d), ...pt(x, y)); },
    quadraticCurveTo(a: number, b: number, x: number, y: number) { segs.push(SEG.Q, ...pt(a, b), ...pt(x, y)); },
    closePath() { segs.push(SEG.Z); },
    rect(x: number, y: number, w: number, h: number) {
      const c: [number, number][] = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
      c.forEach(([a, b], i) => segs.push(i ? SEG.L : SEG.M, ...pt(a, b)));
      segs.push(SEG.Z);
      subpaths++;
    },
    arc() { rec.lossy = true; },
    arcTo() { rec.lossy = true; },
    ellipse() { rec.lossy = true; },
    roundRect() { rec.lossy = true; },
    clip() { rec.lossy = true; },
    putImageData() { rec.lossy = true; },
    stroke(arg?: unknown) {
      if (arg) { rec.lossy = true; return; }
      const c = paintable(real.strokeStyle);
      if (c && segs.length) {
        rec.ops.push({ k: "path", segs: segs.slice(), subpaths, stroke: c, fill: null, width: real.lineWidth * scaleOf(), alpha: real.globalAlpha, cap: real.lineCap, join: real.lineJoin, dash: real.getLineDash().map((d) => d * scaleOf()) });
      }
    },
    fill(arg?: unknown) {
      if (arg && typeof arg !== "string") { rec.lossy = true; return; }
      const c = paintable(real.fillStyle);
      if (c && segs.length) rec.ops.push({ k: "path", segs: segs.slice(), subpaths, stroke: null, fill: c, width: 0, alpha: real.globalAlpha, cap: "butt", join: "miter", dash: [] });
    },
    strokeText() { rec.lossy = true; },
    fillText(s: unknown, x: number, y: number, maxWidth?: number) {
      const c = paintable(real.fillStyle);
      if (!c) return;
      const text = String(s);
      if (maxWidth !== undefined && real.measureText(text).width > maxWidth) rec.lossy = true;
      const key = `${real.font}|${real.textBaseline}`;
      let dy = baselineShift.get(key);
      if (dy === undefined) {
        // how far below the textBaseline line the alphabetic baseline lies (SVG text sits on it)
        const here = real.measureText("Hg").fontBoundingBoxAscent;
        const was = real.textBaseline;
        real.textBaseline = "alphabetic";
        const alpha = real.measureText("Hg").fontBoundingBoxAscent;
        real.textBaseline = was;
        dy = Number.isFinite(here) && Number.isFinite(alpha) ? alpha - here : 0;
        baselineShift.set(key, dy);
      }
      const f = parseCanvasFont(real.font);
      const s0 = scaleOf();
      const [px, py] = pt(x, y + dy);
      let align = real.textAlign as string;
      const rtl = real.direction === "rtl";
      if (align === "start") align = rtl ? "right" : "left";
      if (align === "end") align = rtl ? "left" : "right";
      const t = real.getTransform();
      const rot = (Math.atan2(t.b, t.a) * 180) / Math.PI;
      rec.ops.push({ k: "text", s: text, x: px, y: py, rot: Math.abs(rot) < 1e-6 ? 0 : rot, size: f.size * s0, family: f.family, weight: f.weight, style: f.style, align, color: c, alpha: real.globalAlpha });
    },
    drawImage(...a: any[]) {
      const src = a[0];
      if (!(src instanceof HTMLCanvasElement) || !axisAligned()) { rec.lossy = true; return; }
      let sx = 0, sy = 0, sw = src.width, sh = src.height, dx: number, dy: number, dw: number, dh: number;
      if (a.length >= 9) [, sx, sy, sw, sh, dx, dy, dw, dh] = a;
      else if (a.length >= 5) [, dx, dy, dw, dh] = a;
      else { [, dx, dy] = a; dw = sw; dh = sh; }
      const r = rectOp(dx, dy, dw, dh);
      if (!r || sw <= 0 || sh <= 0) return;
      const cols = Math.round(sw);
      const rows = Math.round(sh);
      // one pixel per cell, drawn without smoothing: the cells, read now (the source is reused)
      let px: Uint8ClampedArray | null = null;
      if (!real.imageSmoothingEnabled && cols * rows <= RECT_BUDGET * 8) {
        try { px = src.getContext("2d")?.getImageData(Math.round(sx), Math.round(sy), cols, rows).data ?? null; } catch { px = null; }
      }
      const runs = px && cellRuns(px, cols, rows, RECT_BUDGET);
      if (px && runs) {
        rec.ops.push({ k: "cells", ...r, cols, rows, px, runs, alpha: real.globalAlpha });
        return;
      }
      const copy = document.createElement("canvas");
      copy.width = cols;
      copy.height = rows;
      copy.getContext("2d")?.drawImage(src, sx, sy, sw, sh, 0, 0, cols, rows);
      rec.ops.push({ k: "image", ...r, src: copy, alpha: real.globalAlpha, smooth: real.imageSmoothingEnabled });
    },
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(real, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      let f = bound.get(prop);
      if (!f) {
        const hook = hooks[prop as string];
        f = hook
          ? (...args: unknown[]) => { hook(...args); return (v as (...x: unknown[]) => unknown).apply(target, args); }
          : (v as (...x: unknown[]) => unknown).bind(target);
        bound.set(prop, f);
      }
      return f;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
}

const recording = new WeakSet<HTMLCanvasElement>();

/** True while a picture records `canvas`: a draw function that keeps a cached copy of its
 *  drawing must draw for real then (a blit of the copy would reach the picture as an image). */
export function isRecording(canvas: HTMLCanvasElement): boolean {
  return recording.has(canvas);
}

export interface CanvasRecorder {
  /** Each recorded canvas's drawing (only those drawn from clear are `complete`). */
  readonly recordings: Map<HTMLCanvasElement, CanvasRecording>;
  /** Give the canvases their own contexts back. */
  stop(): void;
}

/** Record the drawing of `canvases` until stop(): their getContext("2d") hands out the
 *  recording context, and resizing one (which clears it) starts its recording afresh. */
export function recordCanvases(canvases: Iterable<HTMLCanvasElement>): CanvasRecorder {
  const recordings = new Map<HTMLCanvasElement, CanvasRecording>();
  const undo: (() => void)[] = [];
  const proto = HTMLCanvasElement.prototype;
  const sizeProps = ["width", "height"] as const;
  for (const canvas of canvases) {
    if (recordings.has(canvas) || Object.prototype.hasOwnProperty.call(canvas, "getContext")) continue;
    const rec = new CanvasRecording();
    recordings.set(canvas, rec);
    recording.add(canvas);
    let wrapped: Ctx2D | null = null;
    Object.defineProperty(canvas, "getContext", {
      configurable: true,
      value: (type: string, options?: unknown) => {
        const ctx = (proto.getContext as (t: string, o?: unknown) => RenderingContext | null).call(canvas, type, options);
        if (type !== "2d" || !ctx) return ctx;
        return (wrapped ??= recordingContext(ctx as Ctx2D, rec));
      },
    });
    for (const p of sizeProps) {
      const d = Object.getOwnPropertyDescriptor(proto, p)!;
      Object.defineProperty(canvas, p, {
        configurable: true,
        get() { return d.get!.call(canvas); },
        set(v: number) { d.set!.call(canvas, v); rec.reset(); },
      });
    }
    undo.push(() => {
      recording.delete(canvas);
      delete (canvas as unknown as Record<string, unknown>).getContext;
      for (const p of sizeProps) delete (canvas as unknown as Record<string, unknown>)[p];
    });
  }
  return { recordings, stop: () => { for (const u of undo.splice(0)) u(); } };
}
