// Pieces of the AttributionText view: the signed legend, a segmented toggle, the Kendall τ
// matrix. DOM factories only; all text goes in with textContent.

import { rgbString, textColorFor } from "../shared/colors";
import { el } from "../shared/dom";
import { english, type Tr } from "../shared/i18n";
import { textGradient, textPaint, type Theme } from "../shared/text_scale";
import { formatMax, tauPmText, tauText } from "./attribution_data";

/** The legends: the diverging one ("against" · bar with −m, 0, +m · "towards") for signed
 *  rows, and beside it, while some row is unsigned (Saliency, attention), the sequential
 *  one ("size, no sign" · bar from 0 to m). */
export class SignedLegend {
  readonly el = el("div", "iw-attr-legend");
  private readonly signed = el("span", "iw-attr-legend-part iw-attr-legend-signed");
  private readonly unsigned = el("span", "iw-attr-legend-part iw-attr-legend-unsigned");
  private readonly min = el("span", "iw-attr-legend-min");
  private readonly max = el("span", "iw-attr-legend-max");
  private readonly umax = el("span", "iw-attr-legend-umax");
  private readonly towards = el("span", "iw-attr-legend-side iw-attr-legend-pos");
  private readonly bar = el("span", "iw-attr-legend-bar");
  private readonly ubar = el("span", "iw-attr-legend-bar");

  /** `tr`: the widget's words in its language. */
  constructor(private readonly tr: Tr = english) {
    this.towards.textContent = tr("attr.towards");
    const { bar, ubar } = this;
    const ticks = el("span", "iw-attr-legend-ticks");
    ticks.append(this.min, el("span", "iw-attr-legend-zero", "0"), this.max);
    const scale = el("span", "iw-attr-legend-scale");
    scale.append(bar, ticks);
    this.signed.append(el("span", "iw-attr-legend-side iw-attr-legend-neg", tr("attr.against")), scale, this.towards);
    const uticks = el("span", "iw-attr-legend-ticks");
    uticks.append(el("span", "iw-attr-legend-umin", "0"), this.umax);
    const uscale = el("span", "iw-attr-legend-scale");
    uscale.append(ubar, uticks);
    this.unsigned.append(el("span", "iw-attr-legend-side", tr("attr.size_no_sign")), uscale);
    this.unsigned.title = tr("attr.unsigned_title");
    for (const part of [this.signed, this.unsigned]) {
      part.style.alignItems = "flex-start";
      part.style.gap = "7px";
    }
    show(this.unsigned, false);
    this.setTheme("light");
    this.el.append(this.signed, this.unsigned);
  }

  /** Draw the bars with the text's shades in `theme` (the shades the tokens get). */
  setTheme(theme: Theme): void {
    this.bar.style.backgroundImage = textGradient("diverging", theme);
    this.ubar.style.backgroundImage = textGradient("sequential", theme);
    this.el.dataset.theme = theme;
  }

  /** `vmax` null: each row has its own scale. `rows`: which kinds of rows are shown. */
  set(vmax: number | null, target: string, rows: { signed: boolean; unsigned: boolean } = { signed: true, unsigned: false }): void {
    const { tr } = this;
    const m = vmax === null ? tr("attr.max") : formatMax(vmax);
    this.min.textContent = `\u2212${m}`;
    this.max.textContent = `+${m}`;
    this.umax.textContent = m;
    this.towards.textContent = tr("attr.towards");
    show(this.signed, rows.signed);
    show(this.unsigned, rows.unsigned);
    this.el.title = tr(vmax === null ? "attr.legend_title_rows" : "attr.legend_title", { target, max: m });
  }
}

/** Show or hide one part of the legend (laid out as an inline flex row). */
function show(part: HTMLElement, on: boolean): void {
  part.style.display = on ? "inline-flex" : "none";
}

/** A row of buttons, one pressed; `onPick(value)` when another is clicked. */
export class Segmented {
  readonly el: HTMLSpanElement;
  readonly buttons: HTMLButtonElement[];
  private readonly dataKey: string;

  constructor(className: string, dataKey: string, options: [string, string, string][], onPick: (v: string) => void) {
    this.el = el("span", "iw-attr-seg");
    this.el.setAttribute("role", "group");
    this.buttons = options.map(([value, text, title]) => {
      const b = el("button", className, text);
      b.type = "button";
      b.dataset[dataKey] = value;
      b.title = title;
      b.addEventListener("click", () => { if (b.getAttribute("aria-pressed") !== "true") onPick(value); });
      return b;
    });
    this.el.append(...this.buttons);
    this.dataKey = dataKey;
  }

  set(value: string): void {
    for (const b of this.buttons) {
      const on = b.dataset[this.dataKey] === value;
      b.setAttribute("aria-pressed", String(on));
      b.classList.toggle("iw-active", on);
    }
  }

  enable(value: string, enabled: boolean): void {
    for (const b of this.buttons) if (b.dataset[this.dataKey] === value) b.disabled = !enabled;
  }
}

/** The random row under the τ matrix: each method's τ with random rankings, [n, 2] (mean,
 *  SE over `draws` draws), row-major. */
export interface RandomRow {
  values: ArrayLike<number>;
  draws: number;
}

/** Kendall τ's own diverging scale, purple (−1: opposite rankings) · white (0) · green (+1:
 *  the same ranking): ColorBrewer's PRGn, so agreement between methods never borrows the
 *  red "towards" / blue "against" of the attributions above it. */
export const AGREEMENT_STOPS: readonly string[] = ["#762a83", "#af8dc3", "#e7d4e8", "#f7f7f7", "#d9f0d3", "#7fbf7b", "#1b7837"];

export function agreement(v: number): [number, number, number] {
  const t = (Math.max(-1, Math.min(1, v)) + 1) / 2 * (AGREEMENT_STOPS.length - 1);
  const k = Math.min(AGREEMENT_STOPS.length - 2, Math.floor(t));
  const f = t - k;
  const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  const a = hex(AGREEMENT_STOPS[k]);
  const b = hex(AGREEMENT_STOPS[k + 1]);
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * f)) as [number, number, number];
}

/** The Kendall τ matrix of the rows for one class: labels on both sides, cells coloured on
 *  τ's own diverging scale over [−1, 1] (`agreement`) with the number printed. `tau` is [n, n], row-major.
 *  With `random`, a last row "random" holds each method's τ with random rankings (mean ± SE). */
export function tauTable(labels: string[], tau: ArrayLike<number>, random: RandomRow | null = null, tr: Tr = english): HTMLTableElement {
  const n = labels.length;
  const table = el("table", "iw-attr-tau");
  const head = el("thead");
  const hr = el("tr");
  hr.append(el("th", "iw-attr-tau-corner"));
  for (const l of labels) {
    const th = el("th", "iw-attr-tau-col", l);
    th.scope = "col";
    hr.append(th);
  }
  head.append(hr);
  const body = el("tbody");
  for (let a = 0; a < n; a++) {
    const line = el("tr");
    const th = el("th", "iw-attr-tau-row", labels[a]);
    th.scope = "row";
    line.append(th);
    for (let b = 0; b < n; b++) {
      const v = tau[a * n + b];
      const td = el("td", "iw-attr-tau-cell", tauText(v));
      td.dataset.a = String(a);
      td.dataset.b = String(b);
      if (a === b) td.classList.add("iw-attr-tau-diag");
      if (Number.isFinite(v) && a !== b) {
        const rgb = agreement(v);
        td.style.backgroundColor = rgbString(rgb);
        td.style.color = textColorFor(rgb);
      } else if (a !== b) td.classList.add("iw-attr-tau-nan");
      td.setAttribute("aria-label", tauLines(labels[a], labels[b], v, tr).join(". "));
      line.append(td);
    }
    body.append(line);
  }
  if (random) {
    const row = el("tr", "iw-attr-tau-random");
    const th = el("th", "iw-attr-tau-row", tr("attr.random_row", { n: random.draws }));
    th.scope = "row";
    row.append(th);
    for (let b = 0; b < n; b++) {
      const mean = random.values[2 * b];
      const se = random.values[2 * b + 1];
      const td = el("td", "iw-attr-tau-cell", tauPmText(mean, se));
      td.dataset.random = String(b);
      if (Number.isFinite(mean)) {
        const rgb = agreement(mean);
        td.style.backgroundColor = rgbString(rgb);
        td.style.color = textColorFor(rgb);
      } else td.classList.add("iw-attr-tau-nan");
      td.setAttribute("aria-label", randomTauLines(labels[b], mean, se, random.draws, tr).join(". "));
      row.append(td);
    }
    body.append(row);
  }
  table.append(head, body);
  return table;
}

/** Tooltip lines of a random-row cell. */
export function randomTauLines(method: string, mean: number, se: number, draws: number, tr: Tr = english): string[] {
  return [
    `Kendall \u03c4 = ${tauPmText(mean, se)}`,
    tr("attr.random_tau", { method, draws }),
    tr("attr.random_chance"),
  ];
}

/** Tooltip lines of a τ cell. */
export function tauLines(a: string, b: string, v: number, tr: Tr = english): string[] {
  const what = Number.isFinite(v)
    ? tr(v > 0.7 ? "attr.tau_similar" : v > 0.3 ? "attr.tau_partly" : v >= -0.3 ? "attr.tau_little" : "attr.tau_opposite")
    : tr("attr.tau_undefined");
  return [
    `Kendall \u03c4 = ${tauText(v)}`,
    tr("attr.tau_between", { a, b }),
    tr("attr.tau_scale", { what }),
  ];
}

/** The background colour of a score on the text scale ±vmax (`unsigned`: its size on the
 *  sequential scale 0…vmax) in `theme`, and the theme's one ink (shared/text_scale.ts). */
export function shade(value: number, vmax: number, unsigned = false, theme: Theme = "light"): { bg: string; fg: string } {
  const m = Number.isFinite(vmax) && vmax > 0 ? vmax : 1;
  return unsigned ? textPaint("sequential", Math.abs(value) / m, theme) : textPaint("diverging", value / m, theme);
}
