// NeuronDashboard's DOM pieces: a list of contexts (each a line of the original text coloured
// by the unit's value at every character, the activating character outlined), the stats box,
// the feature-score bars and the promoted / suppressed tokens. Text goes in as textContent.

import { rgbString } from "../shared/colors";
import { INK, textBackground, type Theme } from "../shared/text_scale";
import { el } from "../shared/dom";
import { formatValue } from "../shared/legend";
import { english, type Tr } from "../shared/i18n";
import type { ContextRow, EffectToken, FeatureScore, Stats } from "./neuron_dashboard_data";
import { visibleChar, visibleToken } from "./neuron_dashboard_data";

/** Colour levels of the diverging scale the contexts use: one CSS class per level (style
 *  sharing makes thousands of character spans far cheaper to style and lay out than inline
 *  colours). 511 levels: the colour is within ~1 of the exact scale's in every channel. */
export const LEVELS = 511;

/** The level of `value` on a symmetric scale from -vmax to +vmax (clipped); -1 for NaN. */
export function levelOf(value: number, vmax: number): number {
  if (Number.isNaN(value)) return -1;
  const v = Number.isFinite(vmax) && vmax > 0 ? vmax : 1;
  const t = Math.max(-1, Math.min(1, value / v));
  return Math.round(((t + 1) / 2) * (LEVELS - 1));
}

/** The stylesheet of the levels: `.iw-nd-c{i}` background on NeuronText's text scale
 *  (shared/text_scale.ts) with the theme's one ink, so a word never changes ink half-way, and
 *  the missing colour for `.iw-nd-cnan`; the dark theme's rules under the root's
 *  `data-theme="dark"` (the toolbar keeps it). */
export function paletteCss(): string {
  const rules: string[] = [];
  for (const theme of ["light", "dark"] as Theme[]) {
    const scope = theme === "dark" ? '.iw-root[data-theme="dark"] ' : "";
    const rule = (cls: string, p: number) =>
      `${scope}.${cls}{background-color:${rgbString(textBackground("diverging", p, theme))};color:${INK[theme]}}`;
    for (let i = 0; i < LEVELS; i++) rules.push(rule(`iw-nd-c${i}`, (i / (LEVELS - 1)) * 2 - 1));
    rules.push(rule("iw-nd-cnan", NaN));
  }
  return rules.join("\n");
}

/** "a.py:1,234" — where a context comes from. */
export function whereOf(row: ContextRow): string {
  return `${row.doc}:${row.position.toLocaleString("en-US")}`;
}

/** Characters of a string (code points), as Python counts them. */
function chars(s: string): string[] {
  return Array.from(s);
}

/** One character span coloured by `v` on the unit's scale (a level class, see paletteCss). */
function charSpan(ch: string, v: number, vmax: number): HTMLSpanElement {
  const s = document.createElement("span");
  const shown = visibleChar(ch);
  const level = levelOf(v, vmax);
  s.className = `iw-nd-ch ${level < 0 ? "iw-nd-cnan iw-missing" : `iw-nd-c${level}`}${shown !== ch ? " iw-nd-ws" : ""}`;
  s.textContent = shown;
  return s;
}

/** One clickable context line: value | text before the focus (right-aligned) | focus + after | where. */
export function contextLine(row: ContextRow, vmax: number, section: string, index: number, tr: Tr = english): HTMLElement {
  const line = el("div", "iw-nd-ctx");
  line.tabIndex = 0;
  line.setAttribute("role", "button");
  line.dataset.section = section;
  line.dataset.index = String(index);
  line.dataset.docId = String(row.docId);
  line.dataset.position = String(row.position);
  const value = el("span", "iw-nd-val", formatValue(row.value));
  value.classList.add(row.value > 0 ? "iw-nd-pos" : row.value < 0 ? "iw-nd-neg" : "iw-nd-zero");
  const cs = chars(row.context);
  const left = el("span", "iw-nd-left");
  const leftInner = el("span", "iw-nd-left-inner");
  left.append(leftInner);
  const right = el("span", "iw-nd-right");
  const f = row.focus >= 0 && row.focus < cs.length ? row.focus : -1;
  const before = document.createDocumentFragment();
  const after = document.createDocumentFragment();
  for (let i = 0; i < cs.length; i++) {
    const s = charSpan(cs[i], row.values[i], vmax);
    s.dataset.i = String(i);
    if (i === f) {
      s.classList.add("iw-nd-focus");
      s.title = tr("dashboard.focus_title", { value: formatValue(row.value) });
    }
    (f >= 0 && i < f ? before : after).appendChild(s);
  }
  leftInner.append(before);
  right.append(after);
  const where = el("span", "iw-nd-where", whereOf(row));
  where.title = tr("dashboard.where_title", { doc: row.doc, position: row.position, start: row.start, end: row.end });
  line.append(value, left, right, where);
  line.setAttribute("aria-label", tr("dashboard.context_aria", { value: formatValue(row.value), where: whereOf(row) }));
  return line;
}

/** A titled list of context lines; `focusWidth` (characters) aligns every focus in one column. */
export function contextList(title: string, note: string, rows: ContextRow[], vmax: number, section: string, tr: Tr = english): HTMLElement {
  const box = el("section", `iw-nd-section iw-nd-${section}`);
  const head = el("div", "iw-nd-head");
  head.append(el("span", "iw-nd-head-title", title), el("span", "iw-nd-head-note", note));
  box.append(head);
  const list = el("div", "iw-nd-list");
  setFocusWidth(list, rows);
  if (!rows.length) list.append(el("div", "iw-nd-empty", tr("dashboard.none_in_scan")));
  rows.forEach((r, i) => list.append(contextLine(r, vmax, section, i, tr)));
  box.append(list);
  return box;
}

/** Width of the before-the-focus column: the longest stretch before a focus among `rows`. */
export function setFocusWidth(list: HTMLElement, rows: ContextRow[]): void {
  let w = 1;
  for (const r of rows) w = Math.max(w, Math.min(r.focus, chars(r.context).length));
  list.style.setProperty("--iw-nd-left", `${w}ch`);
}

/** The stats box: count, mean, std, min, max, density; `positions` names what a scan counts
 *  (characters, or tokens for token models). */
export function statsBox(s: Stats, positions = "characters", tr: Tr = english): HTMLElement {
  const box = el("dl", "iw-nd-stats");
  const pct = (x: number) => (Number.isNaN(x) ? "n/a" : `${(100 * x).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`);
  const items: [string, string, string, string][] = [
    ["count", tr("dashboard.stat_count"), s.count.toLocaleString("en-US"), tr("dashboard.stat_count_title", { positions })],
    ["mean", tr("dashboard.stat_mean"), formatValue(s.mean), tr("dashboard.stat_mean_title")],
    ["std", tr("dashboard.stat_std"), formatValue(s.std), tr("dashboard.stat_std_title")],
    ["min", tr("dashboard.stat_min"), formatValue(s.min), tr("dashboard.stat_min_title")],
    ["max", tr("dashboard.stat_max"), formatValue(s.max), tr("dashboard.stat_max_title")],
    ["density", tr("dashboard.stat_density"), pct(s.density), tr("dashboard.stat_density_title", { positions })],
  ];
  for (const [k, name, v, t] of items) {
    const item = el("div", "iw-nd-stat");
    item.title = t;
    item.dataset.stat = k;
    item.append(el("dt", "", name), el("dd", "", v));
    box.append(item);
  }
  return box;
}

/** Strength in [0, 1] of a folded score: AUROC max(a, 1−a) maps 0.5..1 to 0..1, |r| as is. */
export function strength(f: FeatureScore): number {
  if (Number.isNaN(f.score)) return 0;
  const v = f.metric === "auroc" ? (f.score - 0.5) / 0.5 : f.score;
  return Math.max(0, Math.min(1, v));
}

/** The feature scores as a table with a bar per row, strongest first. */
export function featureTable(features: FeatureScore[], tr: Tr = english): HTMLElement {
  const box = el("section", "iw-nd-section iw-nd-features");
  const head = el("div", "iw-nd-head");
  head.append(el("span", "iw-nd-head-title", tr("dashboard.features")), el("span", "iw-nd-head-note", tr("dashboard.features_note")));
  box.append(head);
  if (!features.length) {
    box.append(el("div", "iw-nd-empty", tr("dashboard.no_features")));
    return box;
  }
  const table = el("table", "iw-nd-ftable");
  const sorted = [...features].sort((a, b) => strength(b) - strength(a));
  for (const f of sorted) {
    const row = el("tr", "iw-nd-frow");
    row.dataset.feature = f.feature;
    const pos = f.sign >= 0;
    const metric = f.metric === "auroc" ? "AUROC" : f.metric || tr("dashboard.score");
    const shownValue = Number.isNaN(f.value) ? "n/a" : formatValue(f.value);
    const barCell = el("td", "iw-nd-fbar-cell");
    const bar = el("span", `iw-nd-fbar ${pos ? "iw-nd-pos-bg" : "iw-nd-neg-bg"}`);
    bar.style.width = `${(100 * strength(f)).toFixed(1)}%`;
    const track = el("span", "iw-nd-ftrack");
    track.append(bar);
    barCell.append(track);
    const sign = el("td", `iw-nd-fsign ${pos ? "iw-nd-pos" : "iw-nd-neg"}`, pos ? "+" : "\u2212");
    sign.title = pos ? tr("dashboard.sign_higher") : tr("dashboard.sign_lower");
    row.append(
      el("td", "iw-nd-fname", f.feature),
      sign,
      el("td", "iw-nd-fval", `${metric} ${shownValue}`),
      barCell,
    );
    row.title = Number.isNaN(f.value)
      ? tr("dashboard.feature_no_score", { feature: f.feature })
      : tr(pos ? "dashboard.feature_higher" : "dashboard.feature_lower", { feature: f.feature, score: `${metric} ${shownValue}` });
    if (Number.isNaN(f.value)) { sign.textContent = ""; row.classList.add("iw-nd-na"); }
    table.append(row);
  }
  box.append(table);
  return box;
}

function tokenList(title: string, cls: string, tokens: EffectToken[], tr: Tr): HTMLElement {
  const col = el("div", `iw-nd-eff-col ${cls}`);
  col.append(el("div", "iw-nd-eff-title", title));
  const list = el("ol", "iw-nd-eff-list");
  let max = 0;
  for (const t of tokens) if (Number.isFinite(t.weight)) max = Math.max(max, Math.abs(t.weight));
  for (const t of tokens) {
    const li = el("li", "iw-nd-eff");
    const shown = visibleToken(t.token);
    const tok = el("span", "iw-nd-eff-tok", shown);
    tok.title = JSON.stringify(t.token);
    const bar = el("span", "iw-nd-eff-bar");
    bar.style.width = `${max > 0 ? (100 * Math.abs(t.weight)) / max : 0}%`;
    const track = el("span", "iw-nd-eff-track");
    track.append(bar);
    li.append(tok, track, el("span", "iw-nd-eff-w", formatValue(t.weight)));
    list.append(li);
  }
  if (!tokens.length) list.append(el("li", "iw-nd-empty", tr("dashboard.none")));
  col.append(list);
  return col;
}

/** The direct effect on the output: tokens promoted and suppressed, or why there is none. */
export function effectBox(effect: { promotes: EffectToken[]; suppresses: EffectToken[] } | null, tr: Tr = english): HTMLElement {
  const box = el("section", "iw-nd-section iw-nd-effect");
  const head = el("div", "iw-nd-head");
  head.append(el("span", "iw-nd-head-title", tr("dashboard.effect")), el("span", "iw-nd-head-note", tr("dashboard.effect_note")));
  box.append(head);
  if (!effect) {
    box.append(el("div", "iw-nd-empty", tr("dashboard.no_effect")));
    return box;
  }
  const cols = el("div", "iw-nd-eff-cols");
  cols.append(tokenList(tr("dashboard.promotes"), "iw-nd-promotes", effect.promotes, tr), tokenList(tr("dashboard.suppresses"), "iw-nd-suppresses", effect.suppresses, tr));
  box.append(cols);
  return box;
}
