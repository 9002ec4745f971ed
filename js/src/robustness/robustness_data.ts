// Robustness's data: the traits read into plain records, the word-level diff between a text and
// its perturbed variant, the pieces a row is drawn from (tokens × edit marks × dropped words),
// the order rows are shown in, and the number formats. Nothing here touches the DOM.

import { english, type Tr } from "../shared/i18n";
import { decode, isEncoded } from "../shared/codec";
import { codePointsToUtf16, tokenSegments } from "../shared/text";
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

// ---- the word-level diff

export interface Word { text: string; start: number; end: number }
export type Mark = "same" | "ins" | "sub" | "moved";
export interface DiffWord extends Word { mark: Mark; was: string }
/** Words of the original that are gone, shown at UTF-16 position `at` of the perturbed text. */
export interface Dropped { at: number; text: string }
export interface Diff { words: DiffWord[]; dropped: Dropped[]; counts: Record<Mark | "del", number> }

const WORD = /[\p{L}\p{N}\p{M}]+(?:['\u2019][\p{L}\p{N}\p{M}]+)*|\S/gu;

/** Words (runs of letters/digits, apostrophes inside) and single other characters, with
 *  UTF-16 [start, end). */
export function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(WORD)) out.push({ text: m[0], start: m.index!, end: m.index! + m[0].length });
  return out;
}

type Op = { op: "eq"; a: number; b: number } | { op: "del"; a: number } | { op: "ins"; b: number };

/** Above this many cells the middle of a diff is not aligned word by word (all replaced). */
export const MAX_CELLS = 4_000_000;

function lcsOps(a: string[], b: string[]): Op[] {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const n = a.length - p - s;
  const m = b.length - p - s;
  const ops: Op[] = [];
  for (let k = 0; k < p; k++) ops.push({ op: "eq", a: k, b: k });
  if (n * m > MAX_CELLS) {
    for (let i = 0; i < n; i++) ops.push({ op: "del", a: p + i });
    for (let j = 0; j < m; j++) ops.push({ op: "ins", b: p + j });
  } else {
    const W = m + 1;
    const dp = new Int32Array((n + 1) * W);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        dp[i * W + j] = a[p + i] === b[p + j] ? dp[(i + 1) * W + j + 1] + 1 : Math.max(dp[(i + 1) * W + j], dp[i * W + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[p + i] === b[p + j]) { ops.push({ op: "eq", a: p + i, b: p + j }); i++; j++; }
      else if (dp[(i + 1) * W + j] >= dp[i * W + j + 1]) { ops.push({ op: "del", a: p + i }); i++; }
      else { ops.push({ op: "ins", b: p + j }); j++; }
    }
    for (; i < n; i++) ops.push({ op: "del", a: p + i });
    for (; j < m; j++) ops.push({ op: "ins", b: p + j });
  }
  for (let k = s; k > 0; k--) ops.push({ op: "eq", a: a.length - k, b: b.length - k });
  return ops;
}

/** Word-level diff of `perturbed` against `original`: every word of `perturbed` marked same,
 *  inserted, replaced (`was` holds the old word) or moved (a word that is also gone from
 *  elsewhere: word-order changes), and the original's dropped words with where to show them. */
export function wordDiff(original: string, perturbed: string): Diff {
  const aw = words(original);
  const bw = words(perturbed);
  const ops = lcsOps(aw.map((w) => w.text), bw.map((w) => w.text));
  const out: DiffWord[] = bw.map((w) => ({ ...w, mark: "same", was: "" }));
  // Moved: an inserted word that was deleted somewhere else.
  const deletedAt = new Map<string, number[]>();
  for (const o of ops) if (o.op === "del") {
    const list = deletedAt.get(aw[o.a].text) ?? [];
    list.push(o.a);
    deletedAt.set(aw[o.a].text, list);
  }
  const usedDel = new Set<number>();
  const moved = new Set<number>();
  for (const o of ops) if (o.op === "ins") {
    const list = deletedAt.get(bw[o.b].text);
    if (list && list.length) { usedDel.add(list.shift()!); moved.add(o.b); out[o.b].mark = "moved"; }
  }
  // Runs between matched words: pair deletions with insertions (replaced), the rest stay
  // inserted or dropped.
  const dropped: Dropped[] = [];
  let dels: number[] = [];
  let ins: number[] = [];
  let nextB = 0;
  const flush = () => {
    const k = Math.min(dels.length, ins.length);
    for (let q = 0; q < k; q++) { out[ins[q]].mark = "sub"; out[ins[q]].was = aw[dels[q]].text; }
    for (let q = k; q < ins.length; q++) out[ins[q]].mark = "ins";
    const at = nextB < bw.length ? bw[nextB].start : perturbed.length;
    let group: number[] = [];
    const emit = () => {
      if (group.length) dropped.push({ at, text: original.slice(aw[group[0]].start, aw[group[group.length - 1]].end) });
      group = [];
    };
    for (let q = k; q < dels.length; q++) {
      if (group.length && dels[q] !== group[group.length - 1] + 1) emit();
      group.push(dels[q]);
    }
    emit();
    dels = [];
    ins = [];
  };
  for (const o of ops) {
    if (o.op === "eq") { flush(); nextB = o.b + 1; continue; }
    if (o.op === "del") { if (!usedDel.has(o.a)) dels.push(o.a); continue; }
    nextB = o.b + 1;
    if (!moved.has(o.b)) ins.push(o.b);
  }
  // Dropped words of the last run go before the next word (or at the end).
  flush();
  const counts = { same: 0, ins: 0, sub: 0, moved: 0, del: 0 };
  for (const w of out) counts[w.mark]++;
  for (const d of dropped) counts.del += words(d.text).length;
  return { words: out, dropped, counts };
}

/** A one-line description of a diff, e.g. "1 inserted · 2 replaced". */
export function diffText(d: Diff): string {
  const parts: string[] = [];
  if (d.counts.ins) parts.push(`${d.counts.ins} inserted`);
  if (d.counts.sub) parts.push(`${d.counts.sub} replaced`);
  if (d.counts.del) parts.push(`${d.counts.del} dropped`);
  if (d.counts.moved) parts.push(`${d.counts.moved} moved`);
  return parts.join(" \u00b7 ") || "no word changed";
}

// ---- what a row is drawn from

export type PieceMark = "" | "ins" | "sub" | "moved" | "del" | "gap";
/** A run of text drawn as one span (or text node): token `tok` (-1: none), an edit mark, the
 *  index of its marked word in `diff.words` (-1: none; a word may span several pieces when it
 *  holds several tokens) and for replaced words the old word. "del" pieces hold dropped words
 *  (not in the text); "gap" pieces are the space that separates a dropped word from its
 *  neighbour. */
export interface Piece { text: string; tok: number; mark: PieceMark; word: number; was: string }

const MARK_CODE: Record<Mark, number> = { same: 0, ins: 1, sub: 2, moved: 3 };
const CODE_MARK: PieceMark[] = ["", "ins", "sub", "moved"];

/** Cut `text` into pieces where the token (code-point `offsets`, flat; null: no tokens) or the
 *  edit mark of `diff` (null: none) changes, with the dropped words of `diff` in place. */
export function pieces(text: string, diff: Diff | null, offsets: ArrayLike<number> | null): Piece[] {
  const n = text.length;
  const tokAt = new Int32Array(n).fill(-1);
  if (offsets && offsets.length) {
    const seg = tokenSegments(codePointsToUtf16(text, offsets));
    for (let k = 0; k < seg.length; k++) tokAt.fill(seg.tok[k], seg.start[k], seg.end[k]);
  }
  const markAt = new Uint8Array(n);
  const wordAt = new Int32Array(n).fill(-1);
  const dropped = diff ? [...diff.dropped].sort((x, y) => x.at - y.at) : [];
  if (diff) {
    diff.words.forEach((w, k) => {
      if (w.mark === "same") return;
      markAt.fill(MARK_CODE[w.mark], w.start, w.end);
      wordAt.fill(k, w.start, w.end);
    });
  }
  const out: Piece[] = [];
  let d = 0;
  const drop = (atEnd: boolean) => {
    const text = dropped[d++].text;
    if (atEnd) out.push({ text: " ", tok: -1, mark: "gap", word: -1, was: "" });
    out.push({ text, tok: -1, mark: "del", word: -1, was: "" });
    if (!atEnd) out.push({ text: " ", tok: -1, mark: "gap", word: -1, was: "" });
  };
  let u = 0;
  while (u < n) {
    while (d < dropped.length && dropped[d].at <= u) drop(false);
    let e = u + 1;
    while (e < n && tokAt[e] === tokAt[u] && markAt[e] === markAt[u] && wordAt[e] === wordAt[u]
      && !(d < dropped.length && dropped[d].at === e)) e++;
    const w = wordAt[u];
    out.push({
      text: text.slice(u, e),
      tok: tokAt[u],
      mark: CODE_MARK[markAt[u]],
      word: w,
      was: w >= 0 && diff ? diff.words[w].was : "",
    });
    u = e;
  }
  while (d < dropped.length) drop(true);
  return out;
}
