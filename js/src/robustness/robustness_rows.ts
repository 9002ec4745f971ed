// The DOM of Robustness's summary and rows, built from its data (robustness_data.ts): the table
// of flip rates per kind, an input's row, and a variant's row with its edits marked and its
// tokens shaded by their attribution. Text goes in as textContent. The view (robustness.ts)
// places them and handles the events.

import { shade } from "../attribution_text/attribution_parts";
import { el } from "../shared/dom";
import { type Tr } from "../shared/i18n";
import { type Theme } from "../shared/text_scale";
import {
  type AttrItem, type RobData, type SummaryRow, type Variant,
  attrKey, formatDelta, formatProb, formatRate, formatRateSE, formatScale, kindHelp, kindName, rateTitle, totals,
} from "./robustness_data";
import { type Piece, diffText, pieces, wordDiff } from "./robustness_diff";

/** The row the `selected` trait names: an input (`kind` null) or one of its variants. */
export interface Selected { text: number; kind: string | null }

/** The summary table: one row per perturbation kind (flips, flip rate with its SE and bar, mean
 *  change of P(original class)) and, with several kinds, a row for all of them; `kind` is the
 *  kind shown (its row pressed), "" for all. */
export function summaryTable(d: RobData, kind: string, tr: Tr): HTMLTableElement {
  const table = el("table", "iw-rob-summary");
  const head = el("thead");
  const hr = el("tr");
  for (const [text, title] of [
    ["robustness.col_kind", "robustness.col_kind_title"],
    ["robustness.col_changed", "robustness.col_changed_title"],
    ["robustness.col_flips", "robustness.col_flips_title"],
    ["robustness.col_rate", "robustness.col_rate_title"],
    ["robustness.col_mean", "robustness.col_mean_title"],
  ]) {
    const th = el("th", "", tr(text));
    th.scope = "col";
    th.title = tr(title);
    hr.append(th);
  }
  head.append(hr);
  const body = el("tbody");
  const rowOf = (r: SummaryRow, all: boolean): HTMLTableRowElement => {
    const line = el("tr", all ? "iw-rob-kind iw-rob-kind-all" : "iw-rob-kind");
    line.dataset.kind = r.kind;
    line.tabIndex = 0;
    line.setAttribute("role", "button");
    const on = all ? kind === "" : kind === r.kind;
    line.setAttribute("aria-pressed", String(on));
    line.classList.toggle("iw-active", on);
    if (!all && !r.changed) line.classList.add("iw-rob-kind-na");
    line.title = all
      ? tr("robustness.all_title")
      : tr(r.changed ? "robustness.kind_title" : "robustness.kind_title_na", { name: kindName(r.kind, tr), help: kindHelp(r.kind, tr) });
    const name = el("th", "iw-rob-kind-name", all ? tr("robustness.all_kinds") : kindName(r.kind, tr));
    name.scope = "row";
    const rate = el("td", "iw-rob-rate-cell");
    const bar = el("span", "iw-rob-rate-bar");
    const fill = el("span", "iw-rob-rate-fill");
    fill.style.width = `${Math.round((r.flipRate ?? 0) * 100)}%`;
    bar.append(fill);
    rate.append(
      el("span", "iw-rob-rate", formatRate(r.flipRate)),
      el("span", "iw-rob-rate-se", formatRateSE(r.flips, r.changed)),
      bar,
    );
    rate.title = rateTitle(r.flips, r.changed, tr);
    const mean = el("td", "iw-rob-mean", formatDelta(r.meanChange));
    if (r.meanChange !== null) mean.classList.add(r.meanChange < -0.005 ? "iw-rob-down" : r.meanChange > 0.005 ? "iw-rob-up" : "iw-rob-flat");
    line.append(
      name,
      el("td", "iw-rob-changed", tr("robustness.k_of_n", { k: r.changed, n: r.texts })),
      el("td", "iw-rob-flips", String(r.flips)),
      rate,
      mean,
    );
    return line;
  };
  for (const r of d.summary) body.append(rowOf(r, false));
  if (d.summary.length > 1) body.append(rowOf(totals(d.summary), true));
  table.append(head, body);
  return table;
}

/** The row of input `i`: its text (shaded when `attr`), prediction and probability. */
export function originalRow(d: RobData, i: number, attr: boolean, sel: Selected | null, tr: Tr, theme: Theme): HTMLElement {
  const input = d.inputs[i];
  const row = el("div", "iw-rob-row iw-rob-orig");
  row.dataset.text = String(i);
  row.dataset.kind = "";
  row.tabIndex = 0;
  row.setAttribute("role", "button");
  const on = !!sel && sel.text === i && sel.kind === null;
  row.classList.toggle("iw-rob-selected", on);
  row.setAttribute("aria-pressed", String(on));
  const kindCell = el("span", "iw-rob-kindcell");
  kindCell.append(el("span", "iw-rob-orig-label", tr("robustness.input", { n: i + 1 })));
  if (attr) kindCell.append(el("span", "iw-rob-scale", tr("attr.row_scale", { max: formatScale(d.vmax[i]) })));
  const item = attr ? d.attrs!.items.get(attrKey(i, null)) ?? null : null;
  const text = textCell(input.text, null, item, d.vmax[i], theme);
  const pred = el("span", "iw-rob-pred");
  pred.append(el("span", "iw-rob-label", d.labels[input.predicted] ?? String(input.predicted)), el("span", "iw-rob-p", formatProb(input.p)));
  const change = el("span", "iw-rob-change");
  change.append(el("span", "iw-rob-p", formatProb(input.p)));
  row.append(kindCell, text, pred, change);
  return row;
}

/** The row of variant `v`: its kind, its text with the edits marked (shaded when `attr`), the
 *  new prediction (badged when it flipped), P(original class) and its change. */
export function variantRow(d: RobData, v: Variant, attr: boolean, sel: Selected | null, tr: Tr, theme: Theme): HTMLElement {
  const input = d.inputs[v.text];
  const row = el("div", "iw-rob-row iw-rob-var");
  row.dataset.text = String(v.text);
  row.dataset.kind = v.kind;
  row.tabIndex = 0;
  row.setAttribute("role", "button");
  const on = !!sel && sel.text === v.text && sel.kind === v.kind;
  row.classList.toggle("iw-rob-selected", on);
  row.setAttribute("aria-pressed", String(on));
  if (v.flipped && v.changed) row.classList.add("iw-rob-flipped");
  if (!v.changed) row.classList.add("iw-rob-unchanged");
  const kindCell = el("span", "iw-rob-kindcell", kindName(v.kind, tr));
  kindCell.title = kindHelp(v.kind, tr);
  let text: HTMLElement;
  if (!v.changed) {
    text = el("span", "iw-rob-text iw-rob-na", tr("robustness.na_text"));
  } else {
    const item = attr ? d.attrs!.items.get(attrKey(v.text, v.kind)) ?? null : null;
    const diff = wordDiff(input.text, v.perturbed);
    text = textCell(v.perturbed, diff, item, d.vmax[v.text], theme);
    text.dataset.diff = diffText(diff);
  }
  const pred = el("span", "iw-rob-pred");
  pred.append(el("span", "iw-rob-label", d.labels[v.after] ?? String(v.after)), el("span", "iw-rob-p", formatProb(v.pAfter)));
  if (v.flipped && v.changed) {
    const badge = el("span", "iw-rob-badge", `\u21c4 ${tr("robustness.flipped")}`);
    badge.title = tr("robustness.flipped_title", { before: d.labels[input.predicted] ?? input.predicted, after: d.labels[v.after] ?? v.after });
    pred.append(badge);
  }
  const change = el("span", "iw-rob-change");
  const delta = el("span", "iw-rob-delta", formatDelta(v.delta));
  delta.classList.add(v.delta < -0.005 ? "iw-rob-down" : v.delta > 0.005 ? "iw-rob-up" : "iw-rob-flat");
  change.append(el("span", "iw-rob-p", formatProb(v.pOrig)), delta);
  change.title = `P(${d.labels[input.predicted] ?? input.predicted}): ${formatProb(input.p)} \u2192 ${formatProb(v.pOrig)}`;
  row.append(kindCell, text, pred, change);
  return row;
}

/** The text of a row: pieces for tokens and edits, dropped words struck through; tokens
 *  shaded by `item`'s scores on ±vmax when there is one. Text goes in as textContent. */
function textCell(text: string, diff: ReturnType<typeof wordDiff> | null, item: AttrItem | null, vmax: number, theme: Theme): HTMLElement {
  const cell = el("span", "iw-rob-text");
  if (item) cell.classList.add("iw-rob-shaded");
  const ps: Piece[] = pieces(text, diff, item ? item.offsets : null);
  // A marked word is one span around its pieces (a word of several tokens gets one box).
  let wrap: HTMLElement | null = null;
  let wrapWord = -1;
  for (const p of ps) {
    if (p.mark === "del") {
      const del = el("span", "iw-rob-del", p.text);
      del.dataset.mark = "del";
      cell.append(del);
      wrap = null;
      continue;
    }
    let target: HTMLElement = cell;
    if (p.mark && p.mark !== "gap" && p.word >= 0) {
      if (!wrap || wrapWord !== p.word) {
        wrap = el("span", `iw-rob-mark iw-rob-${p.mark}`);
        wrap.dataset.mark = p.mark;
        if (p.was) wrap.dataset.was = p.was;
        wrapWord = p.word;
        cell.append(wrap);
      }
      target = wrap;
    } else wrap = null;
    if (p.tok < 0) { target.append(document.createTextNode(p.text)); continue; }
    const span = el("span", "iw-tok", p.text);
    span.dataset.i = String(p.tok);
    if (item) {
      const x = item.scores[p.tok];
      // the text scale: one ink per theme, so the pieces of a word never differ
      const { bg, fg } = shade(x, vmax, false, theme);
      span.style.backgroundColor = bg;
      span.style.color = fg;
      if (Number.isNaN(x)) span.classList.add("iw-missing");
    }
    target.append(span);
  }
  return cell;
}
