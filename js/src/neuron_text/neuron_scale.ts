// The colour scale of a neuron's values, decided in one place for NeuronText, NeuronExplorer's
// text and heatmap, and their legend. A layer's range comes from Python (the `range` of each
// entry of the `layers` trait, interpwidgets/widgets/neuron_scale.py):
//   "unit" (sigmoid gates, 0..1)   → sequential from 0 to 1: a half-open gate is a middle shade;
//   "tanh" (h, g: −1..1)           → diverging at 0 over the fixed range ±1;
//   none (c, a Transformer's MLP)  → diverging at 0 over ±vmax when Python fixed one, else
//                                    the `scale` trait: the 99th percentile of |value|
//                                    ("p99"), the largest |value| ("max"), or tanh(value).

import { rgbString, type RGB } from "../shared/colors";
import { textBackground, type Ramp, type Theme } from "../shared/text_scale";
import { formatTick } from "../shared/legend";
import { english, type Tr } from "../shared/i18n";

export type ScaleMode = "p99" | "max" | "tanh";
export const SCALE_MODES: readonly ScaleMode[] = ["p99", "max", "tanh"];
/** A layer's known range (null: unbounded or unknown). */
export type ValueRange = "unit" | "tanh" | null;

export interface NeuronScale {
  ramp: Ramp;
  /** What decided it: the layer's range, Python's fixed vmax, or the `scale` mode. */
  source: "unit" | "tanh-range" | "fixed" | ScaleMode;
  /** The value at the scale's full end: 0..hi (sequential) or ±hi (diverging). */
  hi: number;
  /** Values are placed by tanh(value) (the "tanh" mode; hi is 1). */
  squash: boolean;
}

/** |value| statistics of what a scale spans (finite values only). */
export interface AbsStats { max: number; p99: number }

export function readMode(raw: unknown): ScaleMode {
  return SCALE_MODES.includes(raw as ScaleMode) ? (raw as ScaleMode) : "p99";
}

export function readRange(raw: unknown): ValueRange {
  return raw === "unit" || raw === "tanh" ? raw : null;
}

/** The q-quantile of |value| over the finite values (linear between the sorted values around
 *  position q·(m − 1), numpy's default, so a short text is not clipped at its second largest
 *  value), and the largest |value|; 0 for both when there is none. */
export function absStats(values: ArrayLike<number>, q = 0.99): AbsStats {
  const a = new Float32Array(values.length);
  let m = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      const x = (a[m++] = Math.abs(v));
      if (x > max) max = x;
    }
  }
  if (!m) return { max: 0, p99: 0 };
  const pos = q * (m - 1);
  const lo = Math.floor(pos);
  const b = a.subarray(0, m);
  const x = select(b, lo);
  // the next value up is the smallest of those select left above position lo
  let y = x;
  if (lo + 1 < m) { y = Infinity; for (let i = lo + 1; i < m; i++) if (b[i] < y) y = b[i]; }
  return { max, p99: x + (pos - lo) * (y - x) };
}

/** The k-th smallest value of `a` (0-based), found in linear time on average (Hoare's
 *  quickselect); `a` is reordered so that a[k] holds it, smaller values before, larger after.
 *  A full sort of a 1,000,000-character column took most of a neuron step's time. */
function select(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three as the pivot
    const p = Math.max(Math.min(a[lo], a[mid]), Math.min(Math.max(a[lo], a[mid]), a[hi]));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** The scale for values of a layer of `range`, shown with `mode`; `fixed`: the half-width
 *  Python was given (null: none); `stats`: |value| statistics of what is shown (called only
 *  when the mode needs them). */
export function neuronScale(range: ValueRange, mode: ScaleMode, fixed: number | null, stats: () => AbsStats): NeuronScale {
  if (range === "unit") return { ramp: "sequential", source: "unit", hi: 1, squash: false };
  if (range === "tanh") return { ramp: "diverging", source: "tanh-range", hi: 1, squash: false };
  if (fixed !== null && Number.isFinite(fixed) && fixed > 0) return { ramp: "diverging", source: "fixed", hi: fixed, squash: false };
  if (mode === "tanh") return { ramp: "diverging", source: "tanh", hi: 1, squash: true };
  const s = stats();
  const hi = mode === "p99" && s.p99 > 0 ? s.p99 : s.max > 0 ? s.max : 1;
  return { ramp: "diverging", source: mode === "p99" && s.p99 > 0 ? "p99" : "max", hi, squash: false };
}

/** Where `v` sits on `scale`: 0..1 (sequential) or −1..1 (diverging), clipped; NaN stays NaN. */
export function position(scale: NeuronScale, v: number): number {
  if (Number.isNaN(v)) return NaN;
  const x = (scale.squash ? Math.tanh(v) : v) / scale.hi;
  return scale.ramp === "sequential" ? Math.max(0, Math.min(1, x)) : Math.max(-1, Math.min(1, x));
}

/** What the legend says of `scale`: its three ticks (low end, middle, high end) and a note. */
export function describeScale(scale: NeuronScale, tr: Tr = english): { ticks: [string, string, string]; note: string } {
  const v = formatTick(scale.hi);
  switch (scale.source) {
    case "unit": return { ticks: ["0", "0.5", "1"], note: tr("scale.note_unit") };
    case "tanh-range": return { ticks: ["\u22121", "0", "1"], note: tr("scale.note_tanh_range") };
    case "tanh": return { ticks: ["\u22121", "0", "1"], note: tr("scale.note_tanh") };
    case "fixed": return { ticks: [formatTick(-scale.hi), "0", v], note: tr("scale.note_fixed", { v }) };
    case "max": return { ticks: [formatTick(-scale.hi), "0", v], note: tr("scale.note_max", { v }) };
    default: return { ticks: [formatTick(-scale.hi), "0", v], note: tr("scale.note_p99", { v }) };
  }
}

const TABLE = 1024;

/** The background of text for a value on `scale` in `theme` (a CSS colour), through a table
 *  of TABLE + 1 shades; NaN gives the theme's missing grey. */
export function textShade(scale: NeuronScale, theme: Theme): (v: number) => string {
  const at = (p: number) => rgbString(textBackground(scale.ramp, p, theme));
  const lo = scale.ramp === "sequential" ? 0 : -1;
  const table: string[] = [];
  for (let k = 0; k <= TABLE; k++) table.push(at(lo + ((1 - lo) * k) / TABLE));
  const missing = at(NaN);
  return (v) => {
    const p = position(scale, v);
    return Number.isNaN(p) ? missing : table[Math.round(((p - lo) / (1 - lo)) * TABLE)];
  };
}

/** The legend bar's colour at u in 0..1 of `scale` in `theme`. */
export function barColor(scale: NeuronScale, theme: Theme): (u: number) => RGB {
  return scale.ramp === "sequential" ? (u) => textBackground("sequential", u, theme) : (u) => textBackground("diverging", u * 2 - 1, theme);
}
