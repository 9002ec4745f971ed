// NeuronDashboard's data: one unit of a corpus scan as it arrives (the `unit` trait or a request
// reply, see interpwidgets/widgets/neuron_dashboard_data.py), decoded once into plain arrays.

import { decode, type Encoded } from "../shared/codec";
import { codePointLength } from "../shared/text";

/** One context: a window of a document around the character where the unit fired. */
export interface ContextRow {
  doc: string;
  docId: number;
  /** Code-point index in the document of the activating character. */
  position: number;
  /** The unit's value there (NaN: unknown). */
  value: number;
  start: number;
  end: number;
  /** Index of the activating character inside `context` (code points). */
  focus: number;
  context: string;
  /** The unit's value at every character (code point) of `context`. */
  values: Float32Array;
  /** Quantile samples only: the interval's label, value range and share of the corpus. */
  interval?: string;
  lo?: number;
  hi?: number;
  share?: number;
}

export interface Stats { count: number; mean: number; std: number; min: number; max: number; density: number }
export interface FeatureScore { feature: string; metric: string; value: number; score: number; sign: number }
export interface EffectToken { token: string; weight: number }

export interface Unit {
  layer: string;
  neuron: number;
  stats: Stats;
  /** Half-width of the colour scale (max |value| of the unit). */
  vmax: number;
  edges: Float32Array;
  counts: Int32Array;
  top: ContextRow[];
  bottom: ContextRow[];
  quantiles: ContextRow[];
  features: FeatureScore[];
  /** null: the layer has no direct path to the output. */
  effect: { promotes: EffectToken[]; suppresses: EffectToken[] } | null;
}

interface RawRow {
  doc?: unknown; doc_id?: unknown; position?: unknown; value?: unknown; start?: unknown; end?: unknown;
  focus?: unknown; context?: unknown; interval?: unknown; lo?: unknown; hi?: unknown; share?: unknown;
}
interface RawSection { rows?: RawRow[]; values?: Encoded }
export interface RawUnit {
  layer?: unknown; neuron?: unknown; stats?: Record<string, unknown>; vmax?: unknown;
  histogram?: { edges?: Encoded; counts?: Encoded };
  top?: RawSection; bottom?: RawSection; quantiles?: RawSection;
  features?: Record<string, unknown>[]; effect?: Record<string, unknown> | null;
}

/** A JSON number (null: NaN, as Python sends a missing value). */
export function num(v: unknown): number {
  return typeof v === "number" ? v : NaN;
}

function int(v: unknown, fallback = 0): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : fallback;
}

/** A section's rows with their per-character values sliced out of the section's one array. */
export function decodeSection(raw: RawSection | undefined, what: string): ContextRow[] {
  if (!raw || !Array.isArray(raw.rows) || raw.rows.length === 0) return [];
  const flat = raw.values ? (decode(raw.values).data as Float32Array) : new Float32Array(0);
  const out: ContextRow[] = [];
  let at = 0;
  for (const r of raw.rows) {
    const context = typeof r.context === "string" ? r.context : "";
    const n = codePointLength(context);
    if (at + n > flat.length) {
      throw new Error(`${what}: ${flat.length} values for contexts of ${at + n}+ characters`);
    }
    const row: ContextRow = {
      doc: String(r.doc ?? ""), docId: int(r.doc_id, -1), position: int(r.position), value: num(r.value),
      start: int(r.start), end: int(r.end), focus: int(r.focus, -1), context, values: flat.subarray(at, at + n),
    };
    if (r.interval !== undefined) {
      row.interval = String(r.interval);
      row.lo = num(r.lo);
      row.hi = num(r.hi);
      row.share = num(r.share);
    }
    out.push(row);
    at += n;
  }
  if (at !== flat.length) throw new Error(`${what}: ${flat.length} values for contexts of ${at} characters`);
  return out;
}

function tokens(raw: unknown): EffectToken[] {
  return Array.isArray(raw) ? raw.map((t: Record<string, unknown>) => ({ token: String(t?.token ?? ""), weight: num(t?.weight) })) : [];
}

/** The unit from its wire form; null when there is none; an Error when it does not add up. */
export function decodeUnit(raw: RawUnit | null | undefined): Unit | null {
  if (!raw || typeof raw !== "object" || raw.layer === undefined) return null;
  const s = raw.stats ?? {};
  const stats: Stats = {
    count: int(s.count), mean: num(s.mean), std: num(s.std), min: num(s.min), max: num(s.max), density: num(s.density),
  };
  let edges: Float32Array = new Float32Array(0);
  let counts: Int32Array = new Int32Array(0);
  if (raw.histogram?.edges && raw.histogram?.counts) {
    edges = decode(raw.histogram.edges).data as Float32Array;
    counts = decode(raw.histogram.counts).data as Int32Array;
    if (counts.length && edges.length !== counts.length + 1) {
      throw new Error(`histogram: expected ${counts.length + 1} edges for ${counts.length} counts, got ${edges.length}`);
    }
  }
  const vmax = num(raw.vmax);
  const eff = raw.effect;
  return {
    layer: String(raw.layer),
    neuron: int(raw.neuron),
    stats,
    vmax: Number.isFinite(vmax) && vmax > 0 ? vmax : 1,
    edges,
    counts,
    top: decodeSection(raw.top, "top"),
    bottom: decodeSection(raw.bottom, "bottom"),
    quantiles: decodeSection(raw.quantiles, "quantiles"),
    features: Array.isArray(raw.features)
      ? raw.features.map((f) => ({
        feature: String(f.feature ?? ""), metric: String(f.metric ?? ""), value: num(f.value), score: num(f.score), sign: num(f.sign),
      }))
      : [],
    effect: eff && typeof eff === "object" ? { promotes: tokens(eff.promotes), suppresses: tokens(eff.suppresses) } : null,
  };
}

/** Quantile rows grouped by interval, in the order they came (highest interval first). */
export function groupByInterval(rows: ContextRow[]): { interval: string; lo: number; hi: number; share: number; rows: ContextRow[] }[] {
  const groups: { interval: string; lo: number; hi: number; share: number; rows: ContextRow[] }[] = [];
  for (const r of rows) {
    const name = r.interval ?? "";
    let g = groups.find((x) => x.interval === name);
    if (!g) { g = { interval: name, lo: r.lo ?? NaN, hi: r.hi ?? NaN, share: r.share ?? NaN, rows: [] }; groups.push(g); }
    g.rows.push(r);
  }
  return groups;
}

/** Where x = 0 falls along the bins, as a fractional bin index in [0, n] (each bin one unit
 *  wide, as the histogram draws them); null when every bin is on one side of zero. */
export function zeroPosition(edges: ArrayLike<number>): number | null {
  const n = edges.length - 1;
  if (n < 1) return null;
  if (edges[0] > 0 || edges[n] < 0) return null;
  for (let i = 0; i < n; i++) {
    const a = edges[i];
    const b = edges[i + 1];
    if (a === 0) return i;
    if (a < 0 && b > 0) return i + -a / (b - a);
  }
  return edges[n] === 0 ? n : null;
}

/** One character of a context as shown on its one line: a newline as ↵, other control
 *  characters as a middle dot (their value and code are in the tooltip); anything else as is. */
export function visibleChar(ch: string): string {
  if (ch === "\n") return "\u21b5";
  if (ch === "\t" || ch === " ") return ch;
  const c = ch.length === 1 ? ch.charCodeAt(0) : -1;
  if ((c >= 0 && c < 0x20) || c === 0x7f) return "\u00b7";
  return ch;
}

/** A token as shown in a list: space ␣, newline ↵, tab ⇥, other control characters escaped
 *  (\x00, \r); the empty token ∅. */
export function visibleToken(token: string): string {
  if (token === "") return "\u2205";
  return Array.from(token).map((ch) => {
    if (ch === " ") return "\u2423";
    if (ch === "\n") return "\u21b5";
    if (ch === "\t") return "\u21e5";
    if (ch === "\r") return "\\r";
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, "0")}`;
    return ch;
  }).join("");
}
