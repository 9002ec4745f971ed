// AttributionText's data: the traits read into typed arrays, and the pure arithmetic the view
// needs (ranks by |score|, colour-scale maxima, word-level values, badge and τ texts).
// Nothing here touches the DOM, so every piece is tested on its own.

import { english, type Tr } from "../shared/i18n";
import { decode, type Encoded } from "../shared/codec";
import { codePointsToUtf16 } from "../shared/text";
import { visibleWhitespace } from "../shared/tooltip";
import type { AttributionTextState } from "../shared/states";
import type { AnyModel } from "../shared/types";

/** Methods whose scores have no sign — Saliency is ‖gradient‖, attention and rollout are
 *  weights — drawn on the sequential scale ("larger", never "towards" or "against" a class).
 *  The method keys are Python's `interpwidgets.attribution.METHODS`. */
export const UNSIGNED_METHODS: ReadonlySet<string> = new Set(["saliency", "attention", "rollout"]);

/** What an unsigned row's note says under its name. */
export function unsignedNote(method: string, tr: Tr = english): string {
  return method === "saliency" ? tr("attr.unsigned_saliency") : tr("attr.unsigned_weight");
}

export type Level = "token" | "word";
export type ScaleMode = "shared" | "row";

export interface AttrRow {
  method: string;
  label: string;
  note: string;
  /** [n_classes, n_tokens], row-major. */
  scores: Float32Array;
  /** [n_classes, n_words], row-major; null when the row has none. */
  wordScores: Float32Array | null;
  /** [n_classes]; null when the method has no completeness delta. */
  delta: Float32Array | null;
  deltaRatio: Float32Array | null;
  /** Why this row cannot be drawn ("" when it can). */
  error: string;
}

export interface AttrData {
  text: string;
  /** Code-point [start, end) of token i at [2i, 2i+1]. */
  offsets: Int32Array;
  tokens: string[];
  nTokens: number;
  /** Token i is drawn in the text (non-empty span). */
  visible: Uint8Array;
  wordOffsets: Int32Array;
  /** Word index of each token, -1 for special tokens; null when there are no words. */
  ofToken: Int32Array | null;
  nWords: number;
  wordAgg: string;
  labels: string[];
  probs: Float32Array;
  predicted: number;
  nClasses: number;
  rows: AttrRow[];
  /** [n_classes, n_rows, n_rows]; null when absent or of the wrong shape. */
  tau: Float32Array | null;
  /** [n_classes, n_rows, 2]: each row's τ with random rankings, mean and SE over draws; null when absent. */
  tauRandom: Float32Array | null;
  /** How many random rankings the random row averages. */
  randomDraws: number;
  notes: string[];
  title: string;
  /** Problems with the shared traits, shown above the rows. */
  errors: string[];
}

const MINUS = "\u2212";

/** "-0.5" → "−0.5": the real minus sign (also in exponents). */
export function realMinus(s: string): string {
  return s.replace(/-/g, MINUS);
}

/** 4 significant digits, trailing zeros trimmed, real minus, "+" on positive values. */
export function formatScore(v: number): string {
  if (Number.isNaN(v)) return "missing";
  if (!Number.isFinite(v)) return v > 0 ? "+\u221e" : `${MINUS}\u221e`;
  if (v === 0) return "0";
  const s = realMinus(String(Number(v.toPrecision(4))));
  return v > 0 ? `+${s}` : s;
}

/** A colour-scale end (always positive): 2–3 significant digits, e.g. "0.52", "1.3e−5". */
export function formatMax(v: number): string {
  if (!Number.isFinite(v) || v <= 0) return "1";
  return realMinus(String(Number(v.toPrecision(v >= 100 ? 3 : 2))));
}

function asEncoded(x: unknown): Encoded | null {
  return x && typeof x === "object" && "dtype" in x && "shape" in x && "buffer" in x ? (x as Encoded) : null;
}

function floats(x: unknown, what: string, shape: number[]): Float32Array {
  const enc = asEncoded(x);
  if (!enc) throw new Error(`${what}: expected an encoded array of shape [${shape}], got ${x === null ? "null" : typeof x}`);
  const d = decode(enc);
  const ok = d.shape.length === shape.length && d.shape.every((n, k) => n === shape[k]);
  if (!ok) throw new Error(`${what}: expected shape [${shape}], got [${d.shape}]`);
  return d.data instanceof Float32Array ? d.data : Float32Array.from(d.data);
}

function optFloats(x: unknown, what: string, shape: number[]): Float32Array | null {
  return x === null || x === undefined ? null : floats(x, what, shape);
}

function ints(x: unknown, what: string): Int32Array {
  const enc = asEncoded(x);
  if (!enc) return new Int32Array(0);
  const d = decode(enc);
  if (!(d.data instanceof Int32Array)) throw new Error(`${what}: expected int32, got ${d.dtype}`);
  return d.data;
}

/** Read every trait once. Problems become messages (shown in the view), never exceptions. */
export function readData(model: AnyModel<AttributionTextState>): AttrData {
  const errors: string[] = [];
  const attempt = <T>(what: string, fn: () => T, fallback: T): T => {
    try { return fn(); } catch (err) { errors.push(err instanceof Error ? err.message : `${what}: ${err}`); return fallback; }
  };
  const text = String(model.get("text") ?? "");
  const offsets = attempt("offsets", () => ints(model.get("offsets"), "offsets"), new Int32Array(0));
  const nTokens = offsets.length >> 1;
  const visible = new Uint8Array(nTokens);
  for (let i = 0; i < nTokens; i++) visible[i] = offsets[2 * i + 1] > offsets[2 * i] ? 1 : 0;
  const tokensRaw = model.get("tokens");
  const tokens = Array.isArray(tokensRaw) ? tokensRaw.map((t) => String(t)) : [];

  const wordsRaw = (model.get("words") ?? null) as { offsets?: unknown; of_token?: unknown } | null;
  let wordOffsets: Int32Array = new Int32Array(0);
  let ofToken: Int32Array | null = null;
  if (wordsRaw && typeof wordsRaw === "object" && asEncoded(wordsRaw.of_token)) {
    const got = attempt("words", () => {
      const wo = ints(wordsRaw.offsets, "words.offsets");
      const of = ints(wordsRaw.of_token, "words.of_token");
      if (of.length !== nTokens) throw new Error(`words.of_token: expected ${nTokens} values (one per token), got ${of.length}`);
      return [wo, of] as const;
    }, null);
    if (got) [wordOffsets, ofToken] = got;
  }
  const nWords = wordOffsets.length >> 1;

  const labelsRaw = model.get("labels");
  const labels = Array.isArray(labelsRaw) ? labelsRaw.map((l) => String(l)) : [];
  const nClasses = labels.length;
  const probs = attempt("probs", () => optFloats(model.get("probs"), "probs", [nClasses]) ?? new Float32Array(nClasses).fill(NaN), new Float32Array(nClasses).fill(NaN));
  const predicted = Number(model.get("predicted") ?? 0) | 0;

  const rowsRaw = model.get("rows");
  const rows: AttrRow[] = (Array.isArray(rowsRaw) ? rowsRaw : []).map((r: Record<string, unknown>, k: number) => {
    const method = String(r?.method ?? `row ${k}`);
    const row: AttrRow = {
      method,
      label: String(r?.label ?? method),
      note: String(r?.note ?? ""),
      scores: new Float32Array(0),
      wordScores: null,
      delta: null,
      deltaRatio: null,
      error: "",
    };
    try {
      row.scores = floats(r?.scores, `${row.label}: scores`, [nClasses, nTokens]);
      if (ofToken) row.wordScores = optFloats(r?.word_scores, `${row.label}: word_scores`, [nClasses, nWords]);
      row.delta = optFloats(r?.delta, `${row.label}: delta`, [nClasses]);
      row.deltaRatio = optFloats(r?.delta_ratio, `${row.label}: delta_ratio`, [nClasses]);
    } catch (err) {
      row.error = (err as Error).message;
    }
    return row;
  });

  const tauRaw = model.get("tau");
  const tau = rows.length >= 2 && asEncoded(tauRaw)
    ? attempt("tau", () => floats(tauRaw, "tau", [nClasses, rows.length, rows.length]), null)
    : null;
  const randomRaw = model.get("tau_random");
  const tauRandom = rows.length >= 2 && asEncoded(randomRaw)
    ? attempt("tau_random", () => floats(randomRaw, "tau_random", [nClasses, rows.length, 2]), null)
    : null;
  const randomDraws = Number(model.get("random_draws") ?? 0) || 0;
  const notesRaw = model.get("notes");
  const notes = Array.isArray(notesRaw) ? notesRaw.map((n) => String(n)).filter((n) => n) : [];
  return {
    text, offsets, tokens, nTokens, visible, wordOffsets, ofToken, nWords,
    wordAgg: String(model.get("word_agg") ?? "sum"),
    labels, probs, predicted, nClasses, rows, tau, tauRandom, randomDraws, notes,
    title: String(model.get("title") ?? ""),
    errors,
  };
}

// ---- values for the view

/** The values a row shows for `target` at `level`: one per token, or one per word. */
export function rowValues(row: AttrRow, data: AttrData, target: number, level: Level): Float32Array | null {
  if (row.error) return null;
  if (level === "word") {
    if (!row.wordScores || !data.nWords) return null;
    return row.wordScores.subarray(target * data.nWords, (target + 1) * data.nWords);
  }
  return row.scores.subarray(target * data.nTokens, (target + 1) * data.nTokens);
}

/** Which units (tokens or words) count for ranks and scale maxima: tokens drawn in the text;
 *  words that hold at least one drawn token. */
export function unitMask(data: AttrData, level: Level): Uint8Array {
  if (level === "token" || !data.ofToken) return data.visible;
  const mask = new Uint8Array(data.nWords);
  for (let i = 0; i < data.nTokens; i++) {
    const w = data.ofToken[i];
    if (data.visible[i] && w >= 0 && w < data.nWords) mask[w] = 1;
  }
  return mask;
}

/** Max |value| over the units in `mask` (NaN ignored); 0 when there is none. */
export function maxAbs(values: ArrayLike<number>, mask?: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m;
}

/** Colour-scale half-width of each row: its own max |value| ("row"), or the max over all
 *  rows ("shared"). Rows with no values get 0 (the colour functions then use 1). */
export function scaleMaxima(values: (ArrayLike<number> | null)[], mode: ScaleMode, mask?: ArrayLike<number>): number[] {
  const own = values.map((v) => (v ? maxAbs(v, mask) : 0));
  if (mode === "row") return own;
  const shared = Math.max(0, ...own);
  return own.map(() => shared);
}

export interface Ranks {
  /** 1-based rank by |value| (ties share the better rank); 0 for units not ranked. */
  rank: Int32Array;
  /** How many units are ranked. */
  count: number;
}

/** Rank units by |value|, largest first. Units outside `mask` and NaN values are not ranked. */
export function ranksByAbs(values: ArrayLike<number>, mask?: ArrayLike<number>): Ranks {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if ((!mask || mask[i]) && !Number.isNaN(values[i])) idx.push(i);
  idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  const rank = new Int32Array(values.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const prev = k > 0 ? idx[k - 1] : -1;
    rank[i] = prev >= 0 && Math.abs(values[prev]) === Math.abs(values[i]) ? rank[prev] : k + 1;
  }
  return { rank, count: idx.length };
}

/** Value shown on token i: its own score, or at word level its word's score (NaN for a
 *  token outside every word). */
export function tokenValue(values: ArrayLike<number>, data: AttrData, level: Level, i: number): number {
  if (level === "token") return values[i];
  const w = data.ofToken ? data.ofToken[i] : -1;
  return w >= 0 && w < values.length ? values[w] : NaN;
}

/** The tokens of word w, in order. */
export function tokensOfWord(data: AttrData, w: number): number[] {
  const out: number[] = [];
  if (!data.ofToken) return out;
  for (let i = 0; i < data.nTokens; i++) if (data.ofToken[i] === w) out.push(i);
  return out;
}

/** The text of word w (or token i) from code-point offsets. */
export function spanText(text: string, offsets: ArrayLike<number>, k: number): string {
  const u = codePointsToUtf16(text, [offsets[2 * k], offsets[2 * k + 1]]);
  return text.slice(u[0], u[1]);
}

// ---- labels

export interface Badge { text: string; warn: boolean; title: string[] }

/** Completeness threshold: |Δ| / |Σ scores| above this is a warning. */
export const DELTA_WARN = 0.05;

function possessive(label: string): string {
  return /s$/i.test(label) ? "'" : "'s";
}

/** The Δ badge of a row for one class: "Δ 0.0042 (0.3%)", warning when the ratio > 5%. */
export function deltaBadge(delta: number, ratio: number, label = "Integrated Gradients", tr: Tr = english): Badge {
  const d = Number.isFinite(delta) ? realMinus(String(Number(delta.toPrecision(2)))) : "?";
  let pct = "";
  if (Number.isFinite(ratio)) {
    const p = ratio * 100;
    pct = p > 0 && p < 0.1 ? "<0.1%" : `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
  }
  const warn = Number.isFinite(ratio) && ratio > DELTA_WARN;
  const title = [
    tr("attr.completeness"),
    tr("attr.delta_sum", { label, s: possessive(label) }),
  ];
  if (pct) title.push(tr("attr.delta_share", { pct }));
  if (warn) title.push(tr("attr.delta_warn"));
  return { text: `\u0394 ${d}${pct ? ` (${pct})` : ""}`, warn, title };
}

/** A τ cell: two decimals with a real minus, "–" where τ is undefined. */
export function tauText(v: number): string {
  if (!Number.isFinite(v)) return "\u2013";
  const s = v.toFixed(2);
  return s === "-0.00" ? "0.00" : realMinus(s);
}

/** A random-row cell: "0.03 ± 0.05" (real minus signs), "–" where τ is undefined. */
export function tauPmText(mean: number, se: number): string {
  if (!Number.isFinite(mean)) return "\u2013";
  return Number.isFinite(se) ? `${tauText(mean)} \u00b1 ${se.toFixed(2)}` : tauText(mean);
}

/** A class label as shown: as written, unless it is whitespace or holds a line break or tab
 *  (labels of character models: " ", "\n"), which are made visible. */
export function showLabel(label: string): string {
  return /^\s*$|[\n\r\t]/.test(label) ? visibleWhitespace(label) : label;
}

/** Option text of a class: "positive (0.93)". */
export function classOption(label: string, p: number): string {
  return Number.isFinite(p) ? `${label} (${p.toFixed(2)})` : label;
}
