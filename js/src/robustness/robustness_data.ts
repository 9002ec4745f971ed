// Robustness's data: the traits read into plain records, the order rows are shown in, and the
// number formats. Nothing here touches the DOM. The word-level diff between a text and its
// variant, and the pieces a row is drawn from, are in robustness_diff.ts.

import { english, type Tr } from "../shared/i18n";
import { decode, isEncoded } from "../shared/codec";
import type { RobustnessState } from "../shared/states";
import type { AnyModel } from "../shared/types";

const MINUS = "\u2212";

export interface SummaryRow {
  kind: string;
  texts: number;
  changed: number;
  flips: number;
  /** flips / changed; null when the perturbation changed no text. */
  flipRate: number | null;
  /** Mean change of P(original prediction) over the changed texts; null when none. */
  meanChange: number | null;
}

export interface Input { index: number; text: string; predicted: number; p: number }

export interface Variant {
  /** Input index. */
  text: number;
  kind: string;
  perturbed: string;
  changed: boolean;
  after: number;
  pAfter: number;
  /** P(original prediction) on the variant. */
  pOrig: number;
  delta: number;
  flipped: boolean;
}

export interface AttrItem {
  text: number;
  kind: string | null;
  scores: Float32Array;
  /** Code-point [start, end) of token i at [2i, 2i+1]. */
  offsets: Int32Array;
  delta: number | null;
  note: string;
}

export interface Attrs { method: string; label: string; items: Map<string, AttrItem> }

export interface RobData {
  labels: string[];
  kinds: string[];
  summary: SummaryRow[];
  inputs: Input[];
  variants: Variant[];
  /** The variants of each input, in kind order. */
  byInput: Variant[][];
  attrs: Attrs | null;
  /** Colour-scale half-width of each input: max |score| over the drawn tokens of the input and
   *  all its variants (one scale per input, so before and after compare); 0 when none. */
  vmax: Float32Array;
  seed: number | null;
  rate: number | null;
  title: string;
  /** Problems with the traits, shown above the list (never thrown). */
  errors: string[];
}

/** The catalogue keys of each perturbation kind: its name and what it does. */
const KIND_KEYS: Record<string, [string, string]> = {
  char_noise: ["robustness.kind_char_noise", "robustness.help_char_noise"],
  word_dropout: ["robustness.kind_word_dropout", "robustness.help_word_dropout"],
  negation: ["robustness.kind_negation", "robustness.help_negation"],
  antonym: ["robustness.kind_antonym", "robustness.help_antonym"],
  synonym: ["robustness.kind_synonym", "robustness.help_synonym"],
  shuffle: ["robustness.kind_shuffle", "robustness.help_shuffle"],
};

/** "char_noise" → "character noise" (in `tr`'s language); unknown kinds with their underscores as spaces. */
export function kindName(kind: string, tr: Tr = english): string {
  const keys = KIND_KEYS[kind];
  return keys ? tr(keys[0]) : kind.replace(/_/g, " ");
}

/** What a perturbation kind does (a tooltip); unknown kinds: the kind itself. */
export function kindHelp(kind: string, tr: Tr = english): string {
  const keys = KIND_KEYS[kind];
  return keys ? tr(keys[1]) : kind;
}

export function attrKey(text: number, kind: string | null): string {
  return `${text}:${kind ?? ""}`;
}

// ---- formats

/** A probability: two decimals ("0.97"); "?" when missing. */
export function formatProb(p: number): string {
  return Number.isFinite(p) ? p.toFixed(2) : "?";
}

/** A rate as a whole percentage ("67%", half rounded up); "—" when there is none. */
/** Binomial standard error sqrt(p (1 − p) / n) of a rate of `k` out of `n`; null when n = 0. */
export function rateSE(k: number, n: number): number | null {
  if (!(n > 0)) return null;
  const p = k / n;
  return Math.sqrt((p * (1 - p)) / n);
}

/** 95% Wilson interval of `k` out of `n` (informative at 0 and 1, where the SE is 0); null when n = 0. */
export function wilson(k: number, n: number): [number, number] | null {
  if (!(n > 0)) return null;
  const z = 1.959964;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

/** "± 7" (percentage points) beside a flip rate; "" when there is nothing to estimate. */
export function formatRateSE(k: number, n: number): string {
  const se = rateSE(k, n);
  return se === null ? "" : `\u00b1 ${Math.round(se * 100)}`;
}

/** The tooltip of a flip rate: the rate, its SE and 95% interval, and n. */
export function rateTitle(k: number, n: number, tr: Tr = english): string {
  const se = rateSE(k, n);
  const ci = wilson(k, n);
  if (se === null || ci === null) return tr("robustness.rate_none");
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return tr("robustness.rate_title", { rate: pct(k / n), se: pct(se), k, n, lo: pct(ci[0]), hi: pct(ci[1]) });
}

export function formatRate(r: number | null): string {
  return r === null || !Number.isFinite(r) ? "\u2014" : `${Math.round(r * 100)}%`;
}

/** A signed change with a real minus: "+0.12", "−0.96"; "0.00" when it rounds to zero. */
export function formatDelta(d: number | null): string {
  if (d === null || !Number.isFinite(d)) return "\u2014";
  const s = Math.abs(d).toFixed(2);
  if (s === "0.00") return "0.00";
  return (d < 0 ? MINUS : "+") + s;
}

/** A colour-scale end: 2 significant digits. */
export function formatScale(v: number): string {
  if (!Number.isFinite(v) || v <= 0) return "0";
  return String(Number(v.toPrecision(2))).replace(/-/g, MINUS);
}

/** A score: 3 significant digits, signed, real minus. */
export function formatScore(v: number): string {
  if (Number.isNaN(v)) return "missing";
  if (v === 0) return "0";
  const s = String(Number(Math.abs(v).toPrecision(3)));
  return (v < 0 ? MINUS : "+") + s;
}

// ---- reading the traits

function num(x: unknown, fallback = NaN): number {
  const v = typeof x === "number" ? x : x === null || x === undefined || x === "" ? NaN : Number(x);
  return Number.isFinite(v) ? v : fallback;
}

function numOrNull(x: unknown): number | null {
  const v = num(x);
  return Number.isFinite(v) ? v : null;
}

function list(x: unknown): Record<string, unknown>[] {
  return Array.isArray(x) ? x.filter((r) => r && typeof r === "object") : [];
}

/** Read every trait once. Problems become messages (shown in the view), never exceptions. */
export function readData(model: AnyModel<RobustnessState>): RobData {
  const errors: string[] = [];
  const labels = Array.isArray(model.get("labels")) ? (model.get("labels") as unknown[]).map(String) : [];
  const kinds = Array.isArray(model.get("kinds")) ? (model.get("kinds") as unknown[]).map(String) : [];
  const summary: SummaryRow[] = list(model.get("summary")).map((r) => ({
    kind: String(r.kind ?? ""),
    texts: num(r.texts, 0),
    changed: num(r.changed, 0),
    flips: num(r.flips, 0),
    flipRate: numOrNull(r.flip_rate),
    meanChange: numOrNull(r.mean_change),
  }));
  const inputs: Input[] = list(model.get("inputs")).map((r, index) => ({
    index,
    text: String(r.text ?? ""),
    predicted: num(r.predicted, 0) | 0,
    p: num(r.p),
  }));
  const variants: Variant[] = list(model.get("variants")).map((r) => ({
    text: num(r.text, -1) | 0,
    kind: String(r.kind ?? ""),
    perturbed: String(r.perturbed ?? ""),
    changed: Boolean(r.changed),
    after: num(r.after, 0) | 0,
    pAfter: num(r.p_after),
    pOrig: num(r.p_orig),
    delta: num(r.delta),
    flipped: Boolean(r.flipped),
  }));
  const byInput: Variant[][] = inputs.map(() => []);
  let stray = 0;
  for (const v of variants) {
    if (v.text >= 0 && v.text < inputs.length) byInput[v.text].push(v);
    else stray++;
  }
  if (stray) errors.push(`variants: ${stray} refer to no input`);
  const order = new Map(kinds.map((k, n) => [k, n]));
  for (const vs of byInput) vs.sort((a, b) => (order.get(a.kind) ?? 1e9) - (order.get(b.kind) ?? 1e9));

  let attrs: Attrs | null = null;
  const raw = model.get("attributions") as Record<string, unknown> | null | undefined;
  if (raw && typeof raw === "object" && Array.isArray(raw.items) && raw.items.length) {
    try {
      if (!isEncoded(raw.scores) || !isEncoded(raw.offsets)) throw new Error("attributions: expected encoded scores and offsets");
      const scores = decode(raw.scores).data;
      const offsets = decode(raw.offsets).data;
      if (!(offsets instanceof Int32Array)) throw new Error("attributions.offsets: expected int32");
      if (offsets.length !== 2 * scores.length) {
        throw new Error(`attributions: expected 2 offsets per score, got ${offsets.length} for ${scores.length}`);
      }
      const items = new Map<string, AttrItem>();
      for (const it of list(raw.items)) {
        const start = num(it.start, -1) | 0;
        const count = num(it.count, -1) | 0;
        if (start < 0 || count < 0 || start + count > scores.length) {
          errors.push(`attributions: item ${JSON.stringify([it.text, it.kind])} is outside the scores`);
          continue;
        }
        const kind = it.kind === null || it.kind === undefined ? null : String(it.kind);
        const item: AttrItem = {
          text: num(it.text, -1) | 0,
          kind,
          scores: Float32Array.from(scores.subarray(start, start + count)),
          offsets: offsets.subarray(2 * start, 2 * (start + count)),
          delta: numOrNull(it.delta),
          note: String(it.note ?? ""),
        };
        items.set(attrKey(item.text, kind), item);
      }
      attrs = { method: String(raw.method ?? ""), label: String(raw.label ?? raw.method ?? "attribution"), items };
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  const vmax = new Float32Array(inputs.length);
  if (attrs) {
    for (const item of attrs.items.values()) {
      if (item.text < 0 || item.text >= inputs.length) continue;
      vmax[item.text] = Math.max(vmax[item.text], maxAbsDrawn(item.scores, item.offsets));
    }
  }
  const meta = (model.get("meta") ?? {}) as Record<string, unknown>;
  return {
    labels, kinds, summary, inputs, variants, byInput, attrs, vmax,
    seed: numOrNull(meta.seed),
    rate: numOrNull(meta.rate),
    title: String(model.get("title") ?? ""),
    errors,
  };
}

/** Max |score| over the tokens that cover text (special tokens have empty spans); NaN ignored. */
export function maxAbsDrawn(scores: ArrayLike<number>, offsets: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < scores.length; i++) {
    if (offsets[2 * i + 1] <= offsets[2 * i]) continue;
    const a = Math.abs(scores[i]);
    if (a > m) m = a;
  }
  return m;
}

// ---- which rows, in which order

export interface ViewOpts {
  /** "" for every kind. */
  kind: string;
  flipsOnly: boolean;
  showUnchanged: boolean;
}

export interface InputView {
  input: number;
  /** Variants drawn under the input: flipped first, then the other changed ones (kind order),
   *  then (with showUnchanged) those the perturbation did not change. */
  shown: Variant[];
  /** Variants left out because the perturbation did not change the text. */
  unchanged: Variant[];
  flips: number;
}

/** The inputs to draw and their rows. Inputs with a flip come first (each group in input
 *  order); with `flipsOnly` the others, and the variants that did not flip, are left out. */
export function arrange(data: RobData, opts: ViewOpts): InputView[] {
  const out: InputView[] = [];
  data.byInput.forEach((all, input) => {
    const vs = opts.kind ? all.filter((v) => v.kind === opts.kind) : all;
    const flipped = vs.filter((v) => v.changed && v.flipped);
    const rest = vs.filter((v) => v.changed && !v.flipped);
    const unchanged = vs.filter((v) => !v.changed);
    if (opts.flipsOnly) {
      if (flipped.length) out.push({ input, shown: flipped, unchanged: [], flips: flipped.length });
      return;
    }
    out.push({
      input,
      shown: [...flipped, ...rest, ...(opts.showUnchanged ? unchanged : [])],
      unchanged: opts.showUnchanged ? [] : unchanged,
      flips: flipped.length,
    });
  });
  return [...out.filter((v) => v.flips > 0), ...out.filter((v) => v.flips === 0)];
}

/** Totals over every kind, for the summary's last row. */
export function totals(rows: SummaryRow[]): SummaryRow {
  let changed = 0;
  let flips = 0;
  let texts = 0;
  let sum = 0;
  for (const r of rows) {
    changed += r.changed;
    flips += r.flips;
    texts += r.texts;
    if (r.meanChange !== null && r.changed) sum += r.meanChange * r.changed;
  }
  return {
    kind: "",
    texts,
    changed,
    flips,
    flipRate: changed ? flips / changed : null,
    meanChange: changed ? sum / changed : null,
  };
}
