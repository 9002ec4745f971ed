// The head view's lines as numbers: which lines a head draws (collectLines), at what opacity
// step, and a focused token's lines composited over the heads into one line per token
// (focusStrokes, drawn on a given context by strokeFocus). No DOM: numbers in, numbers out.

import type { RGB } from "../shared/colors";

/** Alpha steps: lines are batched by quantized alpha (one stroke per head and step). */
export const LEVELS = 24;

export interface Focus { side: "q" | "k"; i: number }

/** Lines of head h of a [heads, n, nk] stack (n queries on the left, nk keys on the right) to
 *  draw, as (query, key, level) triples, level = round(w · gain · LEVELS) (at most LEVELS):
 *  with a focus, every line of that token; else the lines touching rows [first, last) of
 *  either column. Weights whose level rounds to 0 are skipped (with a focus, any weight
 *  ≥ minFocus shows at level 1 at least). */
export function collectLines(
  values: Float32Array, n: number, h: number, focus: Focus | null, first: number, last: number,
  gain = 1, minFocus = 0.004, nk = n,
): Int32Array {
  const base = h * n * nk;
  const focused = !!focus && focus.i >= 0 && focus.i < (focus.side === "q" ? n : nk);
  const rows = Math.max(0, Math.min(last, n) - first);
  const cols = Math.max(0, Math.min(last, nk) - first);
  // One typed array as large as the most lines there can be (no growing, little garbage).
  const out = new Int32Array(3 * (focused ? Math.max(n, nk) : rows * nk + cols * n));
  let m = 0;
  const push = (i: number, j: number, w: number, floor: boolean) => {
    if (!(w > 0)) return;
    let level = Math.round(Math.min(1, w * gain) * LEVELS);
    if (level === 0 && floor && w >= minFocus) level = 1;
    if (level > 0) { out[m++] = i; out[m++] = j; out[m++] = level; }
  };
  if (focused) {
    const f = focus!.i;
    if (focus!.side === "q") for (let j = 0; j < nk; j++) push(f, j, values[base + f * nk + j], true);
    else for (let i = 0; i < n; i++) push(i, f, values[base + i * nk + f], true);
    return out.slice(0, m);
  }
  for (let i = first; i < Math.min(last, n); i++) {
    const row = base + i * nk;
    for (let j = 0; j < nk; j++) push(i, j, values[row + j], false);
  }
  for (let j = first; j < Math.min(last, nk); j++) {
    for (let i = 0; i < n; i++) {
      if (i >= first && i < last) continue;
      push(i, j, values[base + i * nk + j], false);
    }
  }
  return out.slice(0, m);
}

/** A focused token's line opacity step for weight w (collectLines's rule: a weight ≥ minFocus
 *  shows at step 1 at least). */
function focusLevel(w: number, gain: number, minFocus: number): number {
  if (!(w > 0)) return 0;
  const level = Math.round(Math.min(1, w * gain) * LEVELS);
  return level === 0 && w >= minFocus ? 1 : level;
}

/** The lines of a focused token over `heads`, one per token of the other column, as
 *  (token, r, g, b, alpha) quintuples. Every head's line between the same two rows lies on
 *  the same pixels, so the heads' lines (each in its colour at opacity level / LEVELS, as
 *  collectLines gives it) are composited here, source-over in head order, into the one
 *  colour and opacity they make together: the canvas rasterises one line per token instead
 *  of one per head and token. `colors[k]` is heads[k]'s colour. */
export function focusStrokes(
  values: Float32Array, n: number, heads: readonly number[], colors: readonly RGB[], f: Focus,
  gain = 1, minFocus = 0.004, nk = n,
): Float64Array {
  const q = f.side === "q";
  if (f.i < 0 || f.i >= (q ? n : nk)) return new Float64Array(0);
  const other = q ? nk : n;
  const out = new Float64Array(5 * other);
  let m = 0;
  for (let t = 0; t < other; t++) {
    // premultiplied colour and alpha of the heads' lines drawn over one another
    let r = 0, g = 0, b = 0, a = 0;
    for (let k = 0; k < heads.length; k++) {
      const base = heads[k] * n * nk;
      const level = focusLevel(q ? values[base + f.i * nk + t] : values[base + t * nk + f.i], gain, minFocus);
      if (!level) continue;
      const s = level / LEVELS;
      const c = colors[k];
      r = c[0] * s + r * (1 - s);
      g = c[1] * s + g * (1 - s);
      b = c[2] * s + b * (1 - s);
      a = s + a * (1 - s);
    }
    if (!(a > 0)) continue;
    out[m++] = t;
    out[m++] = r / a;
    out[m++] = g / a;
    out[m++] = b / a;
    out[m++] = a;
  }
  return out.slice(0, m);
}

/** Largest weight of the focused token's lines over `heads` (0 when none). */
export function focusMax(values: Float32Array, n: number, heads: readonly number[], f: Focus, nk = n): number {
  let m = 0;
  if (f.i < 0 || f.i >= (f.side === "q" ? n : nk)) return 0;
  const other = f.side === "q" ? nk : n;
  for (const h of heads) {
    const base = h * n * nk;
    for (let t = 0; t < other; t++) {
      const w = f.side === "q" ? values[base + f.i * nk + t] : values[base + t * nk + f.i];
      if (w > m) m = w;
    }
  }
  return m;
}

/** `rgba(…)` strings by packed colour (r, g, b, alpha in 1/255 steps: the canvas keeps 8 bits
 *  a channel, so nothing is lost), kept between frames so a hover formats few new ones. */
const STYLES = new Map<number, string>();

function styleOf(r: number, g: number, b: number, a: number): [number, string] {
  const key = ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
  let s = STYLES.get(key);
  if (s === undefined) {
    if (STYLES.size >= 4096) STYLES.clear();
    s = `rgba(${r}, ${g}, ${b}, ${(a / 255).toFixed(3)})`;
    STYLES.set(key, s);
  }
  return [key, s];
}

/** Draw focusStrokes's lines, from the focused token's row (at y(focus.i)) to each token's,
 *  across width w: one path per distinct colour, at globalAlpha 1. */
export function strokeFocus(
  ctx: CanvasRenderingContext2D, strokes: Float64Array, focus: Focus, w: number, y: (i: number) => number,
): void {
  const paths = new Map<number, { style: string; tokens: number[] }>();
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let k = 0; k < strokes.length; k += 5) {
    const [key, style] = styleOf(clamp(strokes[k + 1]), clamp(strokes[k + 2]), clamp(strokes[k + 3]), clamp(strokes[k + 4] * 255));
    let p = paths.get(key);
    if (!p) paths.set(key, (p = { style, tokens: [] }));
    p.tokens.push(strokes[k]);
  }
  ctx.globalAlpha = 1;
  const yf = y(focus.i);
  for (const { style, tokens } of paths.values()) {
    ctx.strokeStyle = style;
    ctx.beginPath();
    for (const t of tokens) {
      if (focus.side === "q") { ctx.moveTo(0, yf); ctx.lineTo(w, y(t)); } else { ctx.moveTo(0, y(t)); ctx.lineTo(w, yf); }
    }
    ctx.stroke();
  }
}
