// The rollout view: attention rollout across layers (Abnar & Zuidema 2020) as a heatmap,
// and a token strip above it: pick a query token and every token is shaded by how much the
// rollout attributes to it. Rollout piles onto [CLS] / [SEP] (the "sink"), so two options
// redraw it without them dominating: leave the special tokens' columns out of the scale, and
// a log scale over three decades below the largest value.

import { displayToken, idOf, maxOf, separatorIndex, type Rollout } from "./attention_data";
import { MatrixPanel, type MatrixSource } from "./attention_matrix";
import { el } from "../shared/dom";
import { formatValue } from "../shared/legend";
import { english, type Tr } from "../shared/i18n";
import { textPaint, themeOf } from "../shared/text_scale";
import type { Tooltip } from "../shared/tooltip";

export interface RolloutOptions {
  tooltip: Tooltip;
  tokens: () => readonly string[];
  sep: () => number;
  onToken: (i: number) => void;
  /** The widget's words in its language (English when absent). */
  tr?: Tr;
}

/** Special tokens a rollout piles onto: [CLS], [SEP], <s>, </s>, <|endoftext|> … */
export const SPECIAL = /^(\[(CLS|SEP|PAD|BOS|EOS|UNK)\]|<\/?s>|<pad>|<bos>|<eos>|<\|endoftext\|>)$/i;

export interface RolloutOptionsState { exclude: boolean; log: boolean }

/** Decades the log scale spans below the largest value. */
export const LOG_DECADES = 3;

/** The rollout as drawn: with `exclude`, special tokens' columns are 0 and the scale's max is
 *  the largest other value; with `log`, v → log10(v / floor) / LOG_DECADES in [0, 1], floor =
 *  max · 10^-LOG_DECADES (smaller values at 0). `vmax` is the drawn values' top (1 with log);
 *  `top` the largest raw value the scale reaches. */
export function rolloutDisplay(r: Rollout, tokens: readonly string[], o: RolloutOptionsState): { values: Float32Array; vmax: number; top: number } {
  if (!o.exclude && !o.log) return { values: r.values, vmax: r.vmax, top: r.vmax };
  const n = r.n;
  const values = new Float32Array(r.values);
  if (o.exclude) {
    for (let j = 0; j < n; j++) if (SPECIAL.test(tokens[j] ?? "")) for (let i = 0; i < n; i++) values[i * n + j] = 0;
  }
  let top = 0;
  for (let k = 0; k < values.length; k++) if (values[k] > top) top = values[k];
  if (!(top > 0)) top = r.vmax || 1;
  if (!o.log) return { values, vmax: top, top };
  const floor = top * 10 ** -LOG_DECADES;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    values[k] = v > floor ? Math.log10(v / floor) / LOG_DECADES : 0;
  }
  return { values, vmax: 1, top };
}

/** Shading of the strip for query q: each token's share of the row's largest value. */
export function rolloutShares(r: Rollout, q: number): Float32Array {
  const out = new Float32Array(r.n);
  if (q < 0 || q >= r.n) return out;
  const m = maxOf(r.values, q * r.n, r.n);
  for (let j = 0; j < r.n; j++) out[j] = m > 0 ? r.values[q * r.n + j] / m : 0;
  return out;
}

export class RolloutView {
  readonly el = el("div", "iw-attn-rollout");
  private readonly head = el("div", "iw-attn-strip-head");
  private readonly strip = el("div", "iw-attn-strip");
  readonly matrix: MatrixPanel;
  private data: Rollout | null = null;
  /** What is drawn: `data` through the options (exclude specials, log). */
  private shown: Rollout | null = null;
  private top = 1;
  private readonly options: RolloutOptionsState = { exclude: false, log: false };
  private readonly controls = el("div", "iw-attn-rollout-options iw-chrome");
  private readonly excludeBox = el("input");
  private readonly excludeField = el("label", "iw-attn-rollout-option");
  /** The matrix shows `data` (its values are read when the rollout view first draws). */
  private sourced = true;
  private query = 0;
  private readonly cleanups: (() => void)[] = [];
  private readonly tr: Tr;

  constructor(parent: HTMLElement, private readonly opts: RolloutOptions) {
    this.el.append(this.controls, this.head, this.strip);
    parent.appendChild(this.el);
    const tr = (this.tr = opts.tr ?? english);
    const logBox = el("input");
    const logField = el("label", "iw-attn-rollout-option");
    for (const [box, field, text, key, title] of [
      [this.excludeBox, this.excludeField, tr("attention.rollout_exclude"), "exclude", tr("attention.rollout_exclude_title")],
      [logBox, logField, tr("attention.rollout_log"), "log", tr("attention.rollout_log_title", { decades: LOG_DECADES })],
    ] as const) {
      box.type = "checkbox";
      field.title = title;
      field.append(box, document.createTextNode(` ${text}`));
      box.addEventListener("change", () => {
        this.options[key] = box.checked;
        this.sourced = false;
        this.redraw();
      });
      this.controls.append(field);
    }
    this.matrix = new MatrixPanel(this.el, {
      className: "iw-attn-rollout-matrix",
      tooltip: opts.tooltip,
      tokens: opts.tokens,
      sep: opts.sep,
      caption: tr("attention.rollout_caption"),
      describe: (i, j, v) => {
        const t = opts.tokens();
        return [tr("attention.rollout_cell", { i, j }), `"${displayToken(t[i] ?? "")}" \u2192 "${displayToken(t[j] ?? "")}": ${formatValue(v)}`];
      },
      onClick: (i) => opts.onToken(i),
      tr,
    });
    const on = <E extends Event>(type: string, fn: (e: E) => void) => {
      this.strip.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => this.strip.removeEventListener(type, fn as EventListener));
    };
    on<MouseEvent>("click", (e) => {
      const i = this.indexOf(e.target);
      if (i >= 0) opts.onToken(i);
    });
    on<MouseEvent>("mousemove", (e) => {
      const j = this.indexOf(e.target);
      if (j < 0 || !this.data) { opts.tooltip.hide(); return; }
      const v = this.data.values[this.query * this.data.n + j];
      const t = opts.tokens();
      opts.tooltip.show([tr("attention.rollout_token", { j }), tr("attention.rollout_draws", { query: displayToken(t[this.query] ?? ""), value: formatValue(v), token: displayToken(t[j] ?? "") })], e.clientX, e.clientY);
    });
    on("mouseleave", () => opts.tooltip.hide());
  }

  private indexOf(target: EventTarget | null): number {
    const s = (target as HTMLElement | null)?.closest?.("span.iw-attn-tok") as HTMLElement | null;
    return s ? Number(s.dataset.i) : -1;
  }

  /** Called after an option changes; the owner's redraw (set by AttentionView). */
  redraw: () => void = () => this.draw(this.lastAvail);
  private lastAvail = 0;
  private stripStale = true;

  /** New tokens: the strip's spans are built when the rollout view next draws (a widget opened
   *  on another view builds none). */
  setTokens(): void {
    const tokens = this.opts.tokens();
    this.excludeField.hidden = !tokens.some((t) => SPECIAL.test(t));
    this.sourced = false;
    this.stripStale = true;
    this.strip.replaceChildren();
  }

  private buildStrip(): void {
    if (!this.stripStale) return;
    this.stripStale = false;
    const tokens = this.opts.tokens();
    const sep = separatorIndex(this.opts.sep(), tokens.length);
    this.strip.replaceChildren(...tokens.map((t, i) => {
      const s = el("span", "iw-attn-tok", displayToken(t));
      s.dataset.i = String(i);
      if (i === sep) s.classList.add("iw-attn-sep");
      return s;
    }));
  }

  get vmax(): number { return this.top; }

  /** The legend's note: what the colours span under the options. */
  get scaleNote(): string {
    const parts = [];
    const tr = this.tr;
    if (this.options.log) parts.push(tr("attention.rollout_log_range", { lo: formatValue(this.top * 10 ** -LOG_DECADES), hi: formatValue(this.top) }));
    if (this.options.exclude && !this.excludeField.hidden) parts.push(tr("attention.rollout_left_out"));
    return parts.length ? tr("attention.rollout_note_with", { parts: parts.join(tr("attention.rollout_note_sep")) }) : tr("attention.rollout_note");
  }

  setData(r: Rollout | null): void {
    this.data = r;
    this.sourced = false;
  }

  /** Query token (the `token` trait; -1 → the first token). */
  setQuery(i: number): void {
    this.query = i >= 0 && this.data && i < this.data.n ? i : 0;
    this.matrix.setMark(this.query);
  }

  draw(avail: number): boolean {
    this.lastAvail = avail;
    const data = this.data;
    if (!this.sourced) {
      const d = data ? rolloutDisplay(data, this.opts.tokens(), this.options) : null;
      this.shown = data && d ? { n: data.n, values: d.values, vmax: d.vmax } : null;
      this.top = d?.top ?? 1;
      const o = this.options;
      const src: MatrixSource | null = data && d ? { values: d.values, offset: 0, n: data.n, vmax: d.vmax, key: `rollout:${idOf(data.values)}:${o.exclude}:${o.log}`, raw: data.values } : null;
      this.matrix.setSource(src);
      this.sourced = true;
    }
    const r = this.shown;
    if (!r) return false;
    const tokens = this.opts.tokens();
    const q = this.query;
    this.head.replaceChildren(
      el("span", "iw-field-name", this.tr("attention.rollout_query")),
      el("span", "iw-attn-query", `${q} \u00b7 "${displayToken(tokens[q] ?? "")}"`),
      el("span", "iw-attn-muted", this.tr("attention.rollout_hint")),
    );
    const shares = rolloutShares(r, q);
    this.buildStrip();
    const spans = this.strip.children;
    // the text scale (shared/text_scale.ts): one ink per theme, so a word's pieces never differ
    const root = this.el.closest<HTMLElement>(".iw-root");
    const theme = root ? themeOf(root) : "light";
    for (let j = 0; j < spans.length; j++) {
      const s = spans[j] as HTMLElement;
      const { bg, fg } = textPaint("sequential", shares[j], theme);
      s.style.backgroundColor = bg;
      s.style.color = fg;
      s.classList.toggle("iw-attn-query-tok", j === q);
    }
    return this.matrix.draw(avail);
  }

  destroy(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.matrix.destroy();
    this.el.remove();
  }
}
