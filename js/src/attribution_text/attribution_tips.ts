// AttributionText's tooltips, as lines of text: a token's (or a word's) score and rank for the
// target class, and a cell of the methods' Kendall τ table.

import { type AttrData, type Level, type Ranks, formatScore, showLabel, spanText, tokenValue } from "./attribution_data";
import { randomTauLines, tauLines } from "./attribution_parts";
import { type Tr } from "../shared/i18n";
import { visibleWhitespace } from "../shared/tooltip";

/** The tooltip of token `i` (or, at word level, of word `w` made of tokens `group`) in row `k`:
 *  method and target, the text, its score and rank by |score|, and a word's tokens' scores. */
export function tokenTip(
  d: AttrData, at: { k: number; i: number; w: number; group: number[] }, v: Float32Array, ranks: Ranks | null,
  level: Level, target: number, tr: Tr,
): string[] {
  const { k, i, w, group } = at;
  const row = d.rows[k];
  const unit = w >= 0 ? w : i;
  const value = w >= 0 ? v[w] : tokenValue(v, d, "token", i);
  const r = ranks && (w >= 0) === (level === "word") ? ranks.rank[unit] : 0;
  const lines = [tr("attr.tip_head", { method: row.label, label: showLabel(d.labels[target] ?? "") })];
  if (w >= 0) {
    lines.push(tr("attr.tip_word", { text: visibleWhitespace(spanText(d.text, d.wordOffsets, w)), w }));
    lines.push(tr(group.length === 1 ? "attr.tip_word_score_one" : "attr.tip_word_score", { score: formatScore(value), agg: d.wordAgg, n: group.length }));
  } else {
    const shown = spanText(d.text, d.offsets, i);
    const tok = d.tokens[i];
    lines.push(tr("attr.tip_token", { text: visibleWhitespace(shown), i }) + (tok !== undefined && tok !== shown ? ` (${visibleWhitespace(tok)})` : ""));
    lines.push(tr("attr.tip_score", { score: formatScore(value) }));
  }
  lines.push(r > 0 ? tr(w >= 0 ? "attr.tip_rank_words" : "attr.tip_rank", { r, n: ranks!.count }) : tr("attr.not_ranked"));
  if (w >= 0) {
    const own = row.scores.subarray(target * d.nTokens, (target + 1) * d.nTokens);
    const parts = group.slice(0, 8).map((j) => `${visibleWhitespace(d.tokens[j] ?? spanText(d.text, d.offsets, j))} ${formatScore(own[j])}`);
    lines.push(tr("attr.tip_tokens", { parts: parts.join(" \u00b7 ") + (group.length > 8 ? " \u2026" : "") }));
  }
  return lines;
}

/** The tooltip of a cell of the τ table: two methods' agreement, or one's with random rankings. */
export function tauTip(d: AttrData, cell: HTMLElement, target: number, tr: Tr): string[] {
  if (cell.dataset.random !== undefined) {
    const b = Number(cell.dataset.random);
    const n = d.rows.length;
    const at = target * n * 2 + 2 * b;
    const mean = d.tauRandom ? d.tauRandom[at] : NaN;
    const se = d.tauRandom ? d.tauRandom[at + 1] : NaN;
    return randomTauLines(d.rows[b]?.label ?? "", mean, se, d.randomDraws, tr);
  }
  const a = Number(cell.dataset.a);
  const b = Number(cell.dataset.b);
  const n = d.rows.length;
  const v = d.tau ? d.tau[target * n * n + a * n + b] : NaN;
  return tauLines(d.rows[a]?.label ?? "", d.rows[b]?.label ?? "", v, tr);
}
