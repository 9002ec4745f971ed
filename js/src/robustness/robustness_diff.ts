// Robustness's edits made visible: the word-level diff between a text and its perturbed
// variant (inserted, substituted, moved and dropped words), and the pieces a row is drawn from
// (tokens × edit marks × dropped words). Nothing here touches the DOM.

import { codePointsToUtf16, tokenSegments } from "../shared/text";

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
