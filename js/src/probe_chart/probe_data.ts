// The pure parts of the ProbeChart: traits → series, the y range and its ticks, point
// positions, number formatting and the tooltip text. No DOM here (tested by vitest).

import { OKABE_ITO } from "../shared/colors";
import { english, type Tr } from "../shared/i18n";

export type Metric = "accuracy" | "selectivity" | "control_accuracy";
export const METRICS: readonly Metric[] = ["accuracy", "selectivity", "control_accuracy"];
export const METRIC_LABEL: Record<Metric, string> = {
  accuracy: "accuracy",
  selectivity: "selectivity",
  control_accuracy: "control accuracy",
};
const METRIC_KEY: Record<Metric, string> = {
  accuracy: "probe.accuracy",
  selectivity: "probe.selectivity",
  control_accuracy: "probe.control_accuracy",
};

/** The name of a metric in `tr`'s language. */
export function metricLabel(m: Metric, tr: Tr = english): string {
  return tr(METRIC_KEY[m]);
}

/** The catalogue keys of the x axis's units (Python's probe_axis.UNITS). */
const UNIT_KEY: Record<string, string> = { layer: "probe.unit_layer", block: "probe.unit_block" };

export type Value = number | null;

export interface Series {
  name: string;
  layers: string[];
  accuracy: Value[];
  control_accuracy: Value[];
  selectivity: Value[];
  majority: Value[];
  control_majority: Value[];
  /** Standard errors of the three measures (null: none given, no error bar). */
  accuracy_se: Value[];
  control_accuracy_se: Value[];
  selectivity_se: Value[];
  n_test: Value[];
  /** How train and test were separated ("by sentence, never by character: …"). */
  split: string;
  top_neurons: Record<string, [number, number][]>;
  /** What the x positions are: "layer" (a recurrent model's) or "block" (a Transformer's). */
  unit: string;
  /** Each layer's relative depth in [0, 1] (embeddings 0, last layer 1; null: not given). */
  depth: Value[];
  /** Sentences the numbers call for (Python's widgets/probe_axis.py), e.g. selectivity < 0. */
  notes: string[];
}

/** Error bars span ±Z standard errors: a 95 % interval. */
export const Z95 = 1.96;

/** The standard-error column of a measure. */
export function seKey(m: Metric): "accuracy_se" | "control_accuracy_se" | "selectivity_se" {
  return m === "accuracy" ? "accuracy_se" : m === "control_accuracy" ? "control_accuracy_se" : "selectivity_se";
}

/** One colour per series: Okabe–Ito's colour-blind-safe palette, readable on white and on a
 *  dark page (text in a series colour is made legible in probe_chart.ts). */
export const SERIES_COLORS: readonly string[] = OKABE_ITO;
export function seriesColor(i: number): string {
  return SERIES_COLORS[((i % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length];
}

function num(v: unknown): Value {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
function nonNegative(v: Value): Value {
  return v !== null && v >= 0 ? v : null;
}
function values(v: unknown, n: number): Value[] {
  const a = Array.isArray(v) ? v : [];
  return Array.from({ length: n }, (_, i) => num(a[i]));
}

/** The `series` trait, checked: anything malformed becomes empty / null, never a throw. */
export function readSeries(raw: unknown): Series[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((s: any, i: number) => {
    const layers = Array.isArray(s?.layers) ? s.layers.map((x: unknown) => String(x)) : [];
    const n = layers.length;
    const top: Record<string, [number, number][]> = {};
    const tn = s?.top_neurons;
    if (tn && typeof tn === "object") {
      for (const [k, v] of Object.entries(tn)) {
        if (!Array.isArray(v)) continue;
        top[k] = v
          .filter((p): p is [number, number] => Array.isArray(p) && Number.isInteger(p[0]))
          .map((p) => [p[0], num(p[1]) ?? NaN]);
      }
    }
    return {
      name: typeof s?.name === "string" ? s.name : `series ${i}`,
      layers,
      accuracy: values(s?.accuracy, n),
      control_accuracy: values(s?.control_accuracy, n),
      selectivity: values(s?.selectivity, n),
      majority: values(s?.majority, n),
      control_majority: values(s?.control_majority, n),
      accuracy_se: values(s?.accuracy_se, n).map(nonNegative),
      control_accuracy_se: values(s?.control_accuracy_se, n).map(nonNegative),
      selectivity_se: values(s?.selectivity_se, n).map(nonNegative),
      n_test: values(s?.n_test, n),
      split: typeof s?.split === "string" ? s.split : "",
      top_neurons: top,
      unit: typeof s?.unit === "string" && s.unit ? s.unit : "layer",
      depth: values(s?.depth, n).map((d) => (d !== null && d >= 0 && d <= 1 ? d : null)),
      notes: Array.isArray(s?.notes) ? s.notes.filter((t: unknown): t is string => typeof t === "string") : [],
    };
  });
}

/** The x axis's title: what its positions are, and how series of different kinds line up. */
export function xAxisTitle(series: Series[], cols: Columns = columns(series), tr: Tr = english): string {
  const units = [...new Set(series.map((s) => s.unit))].map((u) => (UNIT_KEY[u] ? tr(UNIT_KEY[u]) : u));
  const first = series.some((s) => s.layers[0] === "embed") ? tr("probe.embeddings_first") : "";
  const unit = units.length ? units.join(" / ") : tr("probe.unit_layer");
  // each series' labels are coloured as the series, so the title need not say which is which
  if (cols.by === "depth") return tr("probe.aligned_depth", { unit, first });
  if (series.length > 1 && !labelRows(series, cols).every((r) => r.series === null)) return tr("probe.aligned_index", { unit, first });
  return `${unit}${first}`;
}

/** Where each series' layers sit on the x axis: `n` columns; `of[k][i]` is the column of
 *  layer `i` of series `k`. Series with the same layers share columns one to one; series of
 *  different depths (a 2-layer LSTM beside a 4-block Transformer) are placed by relative
 *  depth when every layer has one, so last layers meet; else by index. */
export interface Columns { n: number; of: number[][]; by: "index" | "depth" }

export function columns(series: Series[]): Columns {
  const byIndex: Columns = { n: slots(series), of: series.map((s) => s.layers.map((_, i) => i)), by: "index" };
  if (series.length < 2) return byIndex;
  const same = series.every((s) => s.layers.join("\u0000") === series[0].layers.join("\u0000"));
  if (same || !series.every((s) => s.layers.length && s.depth.every((d) => d !== null))) return byIndex;
  const key = (d: number) => Math.round(d * 1e4);
  const distinct = [...new Set(series.flatMap((s) => s.depth.map((d) => key(d as number))))].sort((a, b) => a - b);
  // a series whose own layers collide on one depth cannot be drawn by depth
  if (series.some((s) => new Set(s.depth.map((d) => key(d as number))).size !== s.depth.length)) return byIndex;
  const at = new Map(distinct.map((d, i) => [d, i]));
  return { n: distinct.length, of: series.map((s) => s.depth.map((d) => at.get(key(d as number)) as number)), by: "depth" };
}

export function asMetric(v: unknown): Metric {
  return METRICS.includes(v as Metric) ? (v as Metric) : "accuracy";
}

/** A "nice" step (1, 2 or 5 × 10^k) giving about `target` intervals over `span`. */
export function niceStep(span: number, target = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw - 1e-12) return m * p;
  return 10 * p;
}

export interface YRange { min: number; max: number; ticks: number[] }

/** The y range fitted to what is drawn: the shown measure ± 1.96 SE and, with "accuracy",
 *  the control accuracy ± 1.96 SE and the majority baseline, so every line and bar is in
 *  view. Accuracies stay inside [0, 1] (the axis need not start at 0; its ticks say where
 *  it starts); selectivity always includes 0, the line that separates "the probe learned the
 *  property" from "it memorised the control's labels". */
export function yRange(series: Series[], metric: Metric): YRange {
  const acc = metric !== "selectivity";
  let lo = acc ? Infinity : 0;
  let hi = acc ? -Infinity : 0;
  const take = (vs: Value[], se: Value[] | null) => vs.forEach((v, i) => {
    if (v === null) return;
    const e = se ? Z95 * (se[i] ?? 0) : 0;
    lo = Math.min(lo, v - e);
    hi = Math.max(hi, v + e);
  });
  for (const s of series) {
    take(s[metric], s[seKey(metric)]);
    if (metric === "accuracy") {
      take(s.control_accuracy, s.control_accuracy_se);
      take(s.majority, null);
    }
  }
  if (!(hi >= lo)) return { min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] }; // nothing to fit
  if (acc) {
    // a little air above and below the outermost mark, at least a 0.1-wide window
    const air = Math.max(0.02, (hi - lo) * 0.04);
    lo = Math.max(0, lo - air);
    hi = Math.min(1, hi + air);
    if (hi - lo < 0.1) {
      const mid = (hi + lo) / 2;
      lo = Math.max(0, Math.min(mid - 0.05, 0.9));
      hi = Math.min(1, lo + 0.1);
    }
  }
  if (hi - lo < 1e-9) hi = lo + 0.1;
  const step = niceStep(hi - lo);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Math.round(t / step) * step);
  return { min: ticks[0], max: ticks[ticks.length - 1], ticks };
}

/** Plot area inside the SVG (pixels). */
export interface Frame { left: number; top: number; width: number; height: number }

/** Number of layer slots on the x axis: the longest series. */
export function slots(series: Series[]): number {
  return Math.max(0, ...series.map((s) => s.layers.length));
}

/** x of layer slot `i` of `n`: evenly spaced with half a slot of margin at each end. */
export function xAt(i: number, n: number, f: Frame): number {
  return f.left + ((i + 0.5) / Math.max(1, n)) * f.width;
}

/** y of value `v` on the range (clamped inside the frame). */
export function yAt(v: number, r: YRange, f: Frame): number {
  const t = r.max === r.min ? 0 : (v - r.min) / (r.max - r.min);
  return f.top + (1 - Math.max(0, Math.min(1, t))) * f.height;
}

/** A drawn point: `layer` indexes the series' layers, `slot` is its x column. */
export interface Point { series: number; layer: number; slot: number; x: number; y: number }

/** The drawn points of one series for one measure: missing values are left out. `col` maps
 *  the series' layer index to its x column (identity unless aligned by depth). */
export function points(s: Series, k: number, key: Metric | "majority", n: number, r: YRange, f: Frame, col?: number[]): Point[] {
  const out: Point[] = [];
  s[key].forEach((v, i) => {
    const slot = col?.[i] ?? i;
    if (v !== null) out.push({ series: k, layer: i, slot, x: xAt(slot, n, f), y: yAt(v, r, f) });
  });
  return out;
}

export interface ErrorBar { series: number; layer: number; x: number; y1: number; y2: number }

/** One vertical bar per point of `metric` that has a standard error: value ± 1.96 SE,
 *  clamped to the frame. Missing values or SEs draw no bar. */
export function errorBars(s: Series, k: number, metric: Metric, n: number, r: YRange, f: Frame, col?: number[]): ErrorBar[] {
  const out: ErrorBar[] = [];
  const se = s[seKey(metric)];
  s[metric].forEach((v, i) => {
    const e = se[i];
    if (v === null || e === null || !(e > 0)) return;
    out.push({ series: k, layer: i, x: xAt(col?.[i] ?? i, n, f), y1: yAt(v + Z95 * e, r, f), y2: yAt(v - Z95 * e, r, f) });
  });
  return out;
}

/** An SVG path through the points; a missing value breaks the line (a new "M"). */
export function linePath(pts: Point[]): string {
  let d = "";
  let prev = -2;
  for (const p of pts) {
    d += `${p.layer === prev + 1 ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    prev = p.layer;
  }
  return d;
}

/** Two decimals, a real minus sign, "—" for a missing value. */
export function fmt(v: Value | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "\u2014";
  const s = Math.abs(v).toFixed(digits);
  return v < 0 && Number(s) !== 0 ? `\u2212${s}` : s;
}

/** "0.94 ± 0.01" (± one standard error), or just the value when there is no SE. */
export function withSe(v: Value | undefined, se: Value | undefined): string {
  return se === null || se === undefined || v === null || v === undefined ? fmt(v) : `${fmt(v)} \u00b1 ${fmt(se)}`;
}

/** The tooltip of one point: [heading, values]. Values carry ± one standard error; the
 *  control majority follows the task majority, and the test size closes the line. */
export function tooltipLines(s: Series, i: number, tr: Tr = english): [string, string] {
  const n = s.n_test[i];
  const parts = [
    tr("probe.tip_accuracy", { v: withSe(s.accuracy[i], s.accuracy_se[i]) }),
    tr("probe.tip_control", { v: withSe(s.control_accuracy[i], s.control_accuracy_se[i]) }),
    tr("probe.tip_selectivity", { v: withSe(s.selectivity[i], s.selectivity_se[i]) }),
    tr("probe.tip_majority", { v: fmt(s.majority[i]) }),
  ];
  if (s.control_majority[i] !== null) parts.push(tr("probe.tip_control_majority", { v: fmt(s.control_majority[i]) }));
  if (n !== null) parts.push(tr("probe.tip_n_test", { n: Math.round(n).toLocaleString("en-US") }));
  return [`${s.name} \u00b7 ${s.layers[i] ?? i}`, parts.join(" \u00b7 ")];
}

/** The tooltip as one string: "series · layer: accuracy 0.94 · control 0.99 · …". */
export function tooltipText(s: Series, i: number): string {
  const [head, body] = tooltipLines(s, i);
  return `${head}: ${body}`;
}

/** "neuron 45 · weight 0.26" */
export function neuronText(n: number, w: number, tr: Tr = english): string {
  return tr("probe.neuron_weight", { n, w: fmt(w) });
}

/** One x-axis label row: `labels[c]` is the label under column c (undefined: none there),
 *  `layer[c]` the index of that layer in the row's series. */
export interface LabelRow { series: number | null; labels: (string | undefined)[]; layer: (number | undefined)[] }

/** The x-axis label rows: one row when every series has the same layers, else one per series,
 *  each label under its layer's column. */
export function labelRows(series: Series[], cols: Columns = columns(series)): LabelRow[] {
  if (!series.length) return [];
  const same = series.every((s) => s.layers.join("\u0000") === series[0].layers.join("\u0000"));
  if (same) return [{ series: null, labels: series[0].layers, layer: series[0].layers.map((_, i) => i) }];
  return series.map((s, k) => {
    const labels: (string | undefined)[] = new Array(cols.n).fill(undefined);
    const layer: (number | undefined)[] = new Array(cols.n).fill(undefined);
    s.layers.forEach((name, i) => {
      const c = cols.of[k][i];
      labels[c] = name;
      layer[c] = i;
    });
    return { series: k, labels, layer };
  });
}

/** Width of one character of a layer label (11px monospace ≈ 0.6 em) and the gap beside it. */
export const LABEL_CHAR = 6.8;
export const LABEL_GAP = 12;

/** The x-axis slot one layer needs so its longest label does not run into the next one. */
export function slotWidth(rows: { labels: (string | undefined)[] }[], scale = 1): number {
  const chars = Math.max(0, ...rows.flatMap((r) => r.labels.map((l) => l?.length ?? 0)));
  return (LABEL_CHAR * chars + LABEL_GAP) * scale;
}

/** The point nearest (x, y) in the slot under x (the whole column is a target), or null. */
export function nearest(all: Point[], x: number, y: number, n: number, f: Frame): Point | null {
  if (n <= 0 || x < f.left || x > f.left + f.width) return null;
  const slot = Math.min(n - 1, Math.floor(((x - f.left) / f.width) * n));
  let best: Point | null = null;
  for (const p of all) {
    if (p.slot !== slot) continue;
    if (!best || Math.abs(p.y - y) < Math.abs(best.y - y)) best = p;
  }
  return best;
}

/** Decimals the tick labels need: 0.1 steps → 1, 0.05 → 2. */
export function tickDigits(r: YRange): number {
  const step = r.ticks.length > 1 ? r.ticks[1] - r.ticks[0] : 1;
  return Math.max(0, Math.min(3, Math.ceil(-Math.log10(step) - 1e-9)));
}
