// A token's tooltip in the neuron view: which token it is and where (every token of one drawn
// glyph when a cluster spans several), the shown neuron's value there (or "loading" /
// "missing"), and a note when the model read it as unknown; placed at the line the mouse is on.

import { clusterLines, clusterOf } from "../shared/graphemes";
import { type Tr } from "../shared/i18n";
import { formatValue } from "../shared/legend";
import { type TokenStrip } from "../shared/text";
import { tokenLines, type AnchorRect } from "../shared/tooltip";

/** The tooltip lines of token `i`: `values` are the shown column's (null: none shown yet). */
export function tokenTooltip(strip: TokenStrip, i: number, values: Float32Array | null, unknown: boolean, tr: Tr): string[] {
  const { cp, u16, text } = strip;
  const valueOf = (k: number): string => {
    const v = values ? values[k] : NaN;
    return !values
      ? tr("tooltip.value_loading")
      : Number.isNaN(v)
        ? tr("tooltip.value_missing")
        : tr("tooltip.value", { value: formatValue(v) });
  };
  const [first, last] = clusterOf(text, u16, i);
  const lines =
    last > first
      ? clusterLines(text, u16, cp, first, last, valueOf, tr) // one glyph drawn in the first span: all its tokens
      : [...tokenLines(i, cp[2 * i], cp[2 * i + 1], strip.tokenText(i), tr), valueOf(i)];
  if (unknown) lines.push(tr("neuron_text.unknown"));
  return lines;
}

/** The box of the line of `span` nearest to viewport y (a token may wrap over lines). */
export function lineRect(span: HTMLElement, y: number): AnchorRect {
  const rects = span.getClientRects();
  let best: AnchorRect = span.getBoundingClientRect();
  let dist = Infinity;
  for (const r of Array.from(rects)) {
    const d = y < r.top ? r.top - y : y > r.bottom ? y - r.bottom : 0;
    if (d < dist) { dist = d; best = r; }
  }
  return best;
}
