// Brushing (the LSTMVis select): a text selection becomes a code-point span [start, end).

/** Number of code points in text[0, u) — a UTF-16 offset as Python's string index. An offset
 *  inside a surrogate pair counts the whole pair. */
export function utf16ToCodePoint(text: string, u: number): number {
  const end = Math.max(0, Math.min(text.length, u | 0));
  let cp = 0;
  for (let k = 0; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < text.length) {
      const d = text.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) k++;
    }
    cp++;
  }
  return cp;
}

/** The code-point span a selection of text[a, b) (UTF-16 offsets) brushes: widened to whole
 *  tokens — the tokens (UTF-16 `u16`, code-point `cp` [start, end) pairs) it touches — or, when
 *  it touches none, the selected characters themselves. null for an empty selection. */
export function brushSpan(text: string, u16: ArrayLike<number>, cp: ArrayLike<number>, a: number, b: number): [number, number] | null {
  if (b < a) [a, b] = [b, a];
  if (b <= a) return null;
  let s = Infinity;
  let e = -Infinity;
  const n = u16.length >> 1;
  for (let i = 0; i < n; i++) {
    const ts = u16[2 * i];
    const te = u16[2 * i + 1];
    if (te > ts && ts < b && te > a) {
      if (cp[2 * i] < s) s = cp[2 * i];
      if (cp[2 * i + 1] > e) e = cp[2 * i + 1];
    }
  }
  if (e > s) return [s, e];
  const cs = utf16ToCodePoint(text, a);
  const ce = utf16ToCodePoint(text, b);
  return ce > cs ? [cs, ce] : null;
}

/** Tokens covered by code-point spans: flags[i] = 1 when token i overlaps any span. */
export function brushedTokens(cp: ArrayLike<number>, spans: readonly (readonly number[])[]): Uint8Array {
  const n = cp.length >> 1;
  const flags = new Uint8Array(n);
  if (!spans.length) return flags;
  for (let i = 0; i < n; i++) {
    const s = cp[2 * i];
    const e = cp[2 * i + 1];
    for (const sp of spans) {
      if (e > s && s < sp[1] && e > sp[0]) { flags[i] = 1; break; }
    }
  }
  return flags;
}

/** Spans from a trait value: [[start, end], ...] of integers with start < end; junk dropped. */
export function readSpans(raw: unknown): [number, number][] {
  if (!Array.isArray(raw)) return [];
  const out: [number, number][] = [];
  for (const sp of raw) {
    if (!Array.isArray(sp) || sp.length !== 2) continue;
    const s = Number(sp[0]);
    const e = Number(sp[1]);
    if (Number.isInteger(s) && Number.isInteger(e) && e > s) out.push([s, e]);
  }
  return out;
}
