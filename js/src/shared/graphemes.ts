// One user-perceived character split over several tokens: a ZWJ emoji sequence (👨‍👩‍👧 is
// 5 code points), an emoji with a skin tone, a flag, a letter with combining marks. A
// character-level model reads each code point as a token, but the browser draws the cluster
// as one glyph in the first token's span and leaves the others zero-width, so they cannot be
// hovered; the hover of the cluster shows all of its tokens instead.

import { english, type Tr } from "./i18n";
import { codePointsToUtf16 } from "./text";
import { visibleWhitespace } from "./tooltip";

/** Characters that show nothing on their own (joiners, variation selectors, marks, controls). */
const INVISIBLE = /^[\p{Cf}\p{Mn}\p{Me}\p{Cc}]+$/u;

/** How a token's text reads in a tooltip: in quotes, or as U+XXXX when it draws nothing
 *  (a zero-width joiner reads "U+200D"). */
export function tokenLabel(s: string): string {
  if (!s || !INVISIBLE.test(s)) return `"${visibleWhitespace(s)}"`;
  return Array.from(s, (c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`).join(" ");
}

/** Intl.Segmenter (ES2022's Intl, not in this build's type library). */
type SegmenterClass = new (
  locale?: string,
  options?: { granularity: "grapheme" },
) => { segment(text: string): Iterable<{ index: number; segment: string }> };

/** How far either side of a token the text is segmented (UTF-16 units): a cluster longer
 *  than this is not joined. */
const WINDOW = 64;

/** The tokens that share one grapheme cluster with token `i`, when they split it: [first, last]
 *  token indices; [i, i] when token i is not part of a split cluster (it covers its whole
 *  cluster, covers no text, or the browser has no Intl.Segmenter). `u16` holds each token's
 *  UTF-16 [start, end) at [2k, 2k+1]. */
export function clusterOf(text: string, u16: ArrayLike<number>, i: number): [number, number] {
  const s = u16[2 * i];
  const e = u16[2 * i + 1];
  const n = u16.length >> 1;
  const Segmenter = typeof Intl === "undefined" ? undefined : (Intl as unknown as { Segmenter?: SegmenterClass }).Segmenter;
  if (!(e > s) || !Segmenter) return [i, i];
  const lo = Math.max(0, s - WINDOW);
  const segmenter = new Segmenter(undefined, { granularity: "grapheme" });
  let gs = -1;
  let ge = -1;
  for (const seg of segmenter.segment(text.slice(lo, Math.min(text.length, e + WINDOW)))) {
    const a = lo + seg.index;
    const b = a + seg.segment.length;
    if (a <= s && s < b) { gs = a; ge = b; break; }
  }
  if (gs < 0 || (s <= gs && e >= ge)) return [i, i];
  const inside = (k: number): boolean => u16[2 * k + 1] > u16[2 * k] && u16[2 * k] >= gs && u16[2 * k + 1] <= ge;
  let first = i;
  let last = i;
  while (first > 0 && inside(first - 1)) first--;
  while (last < n - 1 && inside(last + 1)) last++;
  return [first, last];
}

/** UTF-16 [start, end) of each code point of `text` as a token (a character-level context),
 *  for `clusterOf`. */
export function perCodePoint(text: string): Int32Array {
  const n = Array.from(text).length;
  return codePointsToUtf16(text, Int32Array.from({ length: 2 * n }, (_, k) => (k >> 1) + (k & 1)));
}

/** Tooltip lines of tokens first..last that split one drawn character: their range and the
 *  character, then each token's index, text and value (`valueOf(k)`, e.g. "value 0.25").
 *  `u16` and `cp` hold each token's UTF-16 and code-point [start, end) at [2k, 2k+1]. */
export function clusterLines(
  text: string,
  u16: ArrayLike<number>,
  cp: ArrayLike<number>,
  first: number,
  last: number,
  valueOf: (k: number) => string,
  tr: Tr = english,
): string[] {
  const whole = text.slice(u16[2 * first], u16[2 * last + 1]);
  const lines = [tr("tooltip.token", { i: `${first}\u2013${last}`, start: cp[2 * first], end: cp[2 * last + 1] }), tokenLabel(whole)];
  for (let k = first; k <= last; k++) lines.push(`${k}  ${tokenLabel(text.slice(u16[2 * k], u16[2 * k + 1]))}  ${valueOf(k)}`);
  return lines;
}
