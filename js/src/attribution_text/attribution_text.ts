// AttributionText: why the model predicted this. The original text, once per attribution
// method, each token (or word) shaded by its signed score for the target class; IG's
// completeness delta as a badge; the methods' rank agreement as a Kendall τ matrix
// (Jain & Wallace 2019). Every class is precomputed: switching target, level or scale
// recolours in the browser without the kernel. The parts: attribution_data.ts (traits → typed
// arrays, ranks, scales), attribution_parts.ts (legend, toggles, τ table), attribution_tips.ts
// (the tooltips' lines).

import {
  type AttrData, type Level, type Ranks, type ScaleMode,
  classOption, deltaBadge, showLabel, formatMax, ranksByAbs, readData, rowValues, scaleMaxima,
  UNSIGNED_METHODS, unsignedNote,
  tokenValue, tokensOfWord, unitMask,
} from "./attribution_data";
import { SignedLegend, Segmented, shade, tauTable } from "./attribution_parts";
import { tauTip, tokenTip } from "./attribution_tips";
import { el, widgetModule } from "../shared/dom";
import { translator, type Tr } from "../shared/i18n";
import { TokenStrip, type Colorer } from "../shared/text";
import { textPaint, themeOf } from "../shared/text_scale";
import type { AttributionTextState } from "../shared/states";
import type { AnyModel } from "../shared/types";
import { WidgetView } from "../shared/view";


interface RowView { root: HTMLElement; text: HTMLElement; strip: TokenStrip; delta: HTMLElement; max: HTMLElement }

export class AttributionView extends WidgetView<AttributionTextState> {
  private readonly select = el("select", "iw-attr-target");
  private readonly level: Segmented;
  private readonly scale: Segmented;
  private readonly scaleField = el("span", "iw-field iw-attr-scale-field");
  /** The widget's words in its language (the `_strings` trait). */
  private readonly tr: Tr = translator(this.model);
  private readonly legend = new SignedLegend(this.tr);
  private readonly notes = el("div", "iw-attr-notes");
  private readonly rowsEl = el("div", "iw-attr-rows");
  private readonly compare = el("div", "iw-attr-compare");
  data!: AttrData;
  rows: RowView[] = [];
  private target = 0;
  private lvl: Level = "token";
  private mode: ScaleMode = "shared";
  private ranks = new Map<string, Ranks>();
  private vmax: number[] = [];
  private hl: HTMLElement[] = [];
  private readonly badgeLines = new WeakMap<HTMLElement, string[]>();
  private hoverKey = "";
  private paintGen = 0;
  private dirty = { data: false, paint: false };
  private syncing = false;
  /** The target class as text, for figures (the menu that shows it on screen is left out). */
  private readonly targetNote = el("span", "iw-field iw-figure-only");
  private readonly targetNoteValue = el("span", "iw-attr-target-note");

  constructor(model: AnyModel<AttributionTextState>, host: HTMLElement) {
    super(model, "iw-attribution-text", translator(model)("attr.aria"));
    const { root, tr } = this;

    const controls = el("div", "iw-controls iw-attr-controls");
    const targetField = el("label", "iw-field");
    targetField.append(el("span", "iw-field-name", tr("attr.target")), this.select);
    this.level = new Segmented("iw-attr-level", "level", [
      ["token", tr("attr.level_token"), tr("attr.level_token_title")],
      ["word", tr("attr.level_word"), tr("attr.level_word_title")],
    ], (v) => this.choose("level", v));
    this.scale = new Segmented("iw-attr-scale", "scale", [
      ["shared", tr("attr.scale_shared"), tr("attr.scale_shared_title")],
      ["row", tr("attr.scale_row"), tr("attr.scale_row_title")],
    ], (v) => this.choose("scale", v));
    const levelField = el("span", "iw-field");
    levelField.append(el("span", "iw-field-name", tr("attr.level")), this.level.el);
    this.scaleField.append(el("span", "iw-field-name", tr("attr.scale")), this.scale.el);
    this.targetNote.append(el("span", "iw-field-name", tr("attr.target")), this.targetNoteValue);
    this.targetNote.hidden = true;
    controls.append(targetField, levelField, this.scaleField, this.targetNote, this.legend.el);
    this.notes.setAttribute("role", "note");
    root.append(this.titleRow.el, controls, this.notes, this.rowsEl, this.compare);
    this.mount(host, { name: "attribution_text", parent: controls, beside: this.legend.el, redraw: () => this.redraw("paint") });

    this.listen(this.select, "change", () => this.choose("target", Number(this.select.value)));
    this.listen<KeyboardEvent>(root, "keydown", (e) => this.onKey(e));
    this.listen<MouseEvent>(root, "mouseover", (e) => this.onHover(e));
    this.listen<MouseEvent>(root, "mousemove", (e) => this.onHover(e));
    this.listen(root, "mouseleave", () => this.unhover());
    for (const name of ["text", "offsets", "tokens", "words", "word_agg", "labels", "probs", "predicted", "rows", "tau", "tau_random", "random_draws", "notes", "title"] as const) {
      this.on(`change:${name}`, () => this.redraw("data"));
    }
    for (const name of ["target", "level", "scale"] as const) this.on(`change:${name}`, () => this.redraw("paint"));
    this.readAll();
    this.paint();
  }

  /** One update for a burst of trait changes (Python often sets several at once). */
  private redraw(kind: "data" | "paint"): void {
    this.dirty[kind] = true;
    this.schedule();
  }

  protected render(): void {
    if (this.dirty.data) this.readAll();
    this.dirty = { data: false, paint: false };
    this.paint();
  }

  /** A change made in the browser: set the trait, sync it to Python, recolour. */
  private choose(name: "target" | "level" | "scale", value: string | number): void {
    if (name === "target" && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) < this.data.nClasses)) return;
    if (this.model.get(name) === value) return;
    this.model.set(name, value);
    this.model.save_changes();
    this.redraw("paint");
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target;
    if (t instanceof HTMLSelectElement || t instanceof HTMLInputElement || e.altKey || e.ctrlKey || e.metaKey) return;
    const step = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    this.choose("target", Math.max(0, Math.min(this.data.nClasses - 1, this.target + step)));
  }

  // ---- data

  private readAll(): void {
    this.unhover();
    const d = (this.data = readData(this.model));
    this.ranks.clear();
    const p = d.probs[d.predicted];
    this.titleRow.set(d.title, d.labels[d.predicted] !== undefined
      ? this.tr("attr.predicted", { label: classOption(showLabel(d.labels[d.predicted]), p) }) : "");
    this.select.replaceChildren(...d.labels.map((l, c) => {
      const o = el("option", "", classOption(showLabel(l), d.probs[c]) + (c === d.predicted ? " \u2713" : ""));
      o.value = String(c);
      return o;
    }));
    this.select.disabled = d.nClasses < 2;
    this.level.enable("word", !!d.ofToken && d.nWords > 0 && d.rows.some((r) => r.wordScores));
    this.scaleField.hidden = d.rows.length < 2;
    this.notes.replaceChildren(...[...d.errors.map((m) => el("div", "iw-attr-note iw-attr-error", m)),
      ...d.notes.map((m) => el("div", "iw-attr-note", m))]);
    this.notes.hidden = !this.notes.childElementCount;
    for (const r of this.rows) r.strip.destroy();
    this.rows = d.rows.map((row) => this.buildRow(row.method, row.label, row.note, row.error));
    this.rowsEl.replaceChildren(...this.rows.map((r) => r.root));
    if (!d.rows.length) this.rowsEl.append(el("div", "iw-attr-empty", this.tr("attr.no_rows")));
  }

  private buildRow(method: string, label: string, note: string, error: string): RowView {
    const root = el("div", "iw-attr-row");
    root.dataset.method = method;
    const head = el("div", "iw-attr-label");
    const delta = el("span", "iw-attr-delta");
    const max = el("span", "iw-attr-rowmax");
    head.append(el("div", "iw-attr-method", label));
    if (UNSIGNED_METHODS.has(method)) head.append(el("div", "iw-attr-rownote iw-attr-unsigned", unsignedNote(method, this.tr)));
    if (note) head.append(el("div", "iw-attr-rownote", note));
    const badges = el("div", "iw-attr-badges");
    badges.append(delta, max);
    head.append(badges);
    if (error) head.append(el("div", "iw-attr-row-error", error));
    const text = el("div", "iw-attr-text");
    root.append(head, text);
    const strip = new TokenStrip(text);
    strip.setText(this.data.text, this.data.offsets);
    this.listen(text, "scroll", () => this.syncScroll(text));
    return { root, text, strip, delta, max };
  }

  private syncScroll(from: HTMLElement): void {
    this.unhover();
    if (this.syncing) return;
    this.syncing = true;
    for (const r of this.rows) if (r.text !== from) r.text.scrollTop = from.scrollTop;
    this.syncing = false;
  }

  // ---- drawing

  private readSelection(): void {
    const d = this.data;
    const t = Number(this.model.get("target"));
    this.target = Number.isInteger(t) && t >= 0 && t < d.nClasses ? t : Math.max(0, Math.min(d.nClasses - 1, d.predicted));
    const lvl = this.model.get("level") === "word" ? "word" : "token";
    this.lvl = lvl === "word" && !this.level.buttons[1].disabled ? "word" : "token";
    this.mode = this.model.get("scale") === "row" ? "row" : "shared";
  }

  private values(k: number): Float32Array | null {
    return rowValues(this.data.rows[k], this.data, this.target, this.lvl);
  }

  /** Ranks of row k's units for the current target and level (cached). */
  private rankOf(k: number): Ranks | null {
    const key = `${k}:${this.target}:${this.lvl}`;
    let r = this.ranks.get(key);
    if (!r) {
      const v = this.values(k);
      if (!v) return null;
      r = ranksByAbs(v, unitMask(this.data, this.lvl));
      this.ranks.set(key, r);
    }
    return r;
  }

  private paint(): void {
    if (this.destroyed) return;
    this.readSelection();
    const d = this.data;
    const { target, lvl, mode, root } = this;
    root.removeAttribute("data-rendered");
    this.select.value = String(target);
    this.targetNoteValue.textContent = showLabel(d.labels[target] ?? "");
    this.level.set(lvl);
    this.scale.set(mode);
    const theme = themeOf(root);
    this.legend.setTheme(theme);
    const missing = textPaint("diverging", NaN, theme);
    const values = d.rows.map((_, k) => this.values(k));
    this.vmax = scaleMaxima(values, mode, unitMask(d, lvl));
    const kinds = {
      signed: d.rows.some((r) => !UNSIGNED_METHODS.has(r.method)),
      unsigned: d.rows.some((r) => UNSIGNED_METHODS.has(r.method)),
    };
    this.legend.set(mode === "row" && d.rows.length > 1 ? null : this.vmax[0] ?? 0, d.labels[target] ?? "", kinds);
    const gen = ++this.paintGen;
    const done: Promise<boolean>[] = [];
    this.rows.forEach((r, k) => {
      const row = d.rows[k];
      const v = values[k];
      // Badges: the completeness delta for this class; the row's own scale when per row.
      const delta = row.delta ? row.delta[target] : NaN;
      r.delta.hidden = !Number.isFinite(delta);
      if (!r.delta.hidden) {
        const b = deltaBadge(delta, row.deltaRatio ? row.deltaRatio[target] : NaN, row.label, this.tr);
        r.delta.textContent = b.text;
        r.delta.classList.toggle("iw-attr-delta-warn", b.warn);
        r.delta.setAttribute("aria-label", b.title.join(". "));
        this.badgeLines.set(r.delta, b.title);
      }
      r.max.hidden = mode !== "row" || d.rows.length < 2 || !v;
      r.max.textContent = UNSIGNED_METHODS.has(row.method)
        ? this.tr("attr.row_scale_unsigned", { max: formatMax(this.vmax[k]) })
        : this.tr("attr.row_scale", { max: formatMax(this.vmax[k]) });
      if (!v) {
        r.root.classList.add("iw-attr-row-blank");
        return;
      }
      r.root.classList.remove("iw-attr-row-blank");
      const vmax = this.vmax[k];
      const unsigned = UNSIGNED_METHODS.has(row.method);
      const colorer: Colorer = (span, i) => {
        const x = tokenValue(v, d, lvl, i);
        if (Number.isNaN(x)) {
          const outside = lvl === "word" && !(d.ofToken && d.ofToken[i] >= 0);
          span.style.backgroundColor = outside ? "" : missing.bg;
          span.style.color = outside ? "" : missing.fg;
          span.classList.toggle("iw-missing", !outside);
        } else {
          const { bg, fg } = shade(x, vmax, unsigned, theme);
          span.style.backgroundColor = bg;
          span.style.color = fg;
          span.classList.remove("iw-missing");
        }
      };
      done.push(r.strip.paint(colorer));
    });
    this.drawCompare();
    Promise.all(done).then((oks) => {
      if (gen !== this.paintGen || this.destroyed || !oks.every(Boolean)) return;
      root.dataset.rendered = `${target}:${lvl}:${mode}`;
    });
  }

  private drawCompare(): void {
    const d = this.data;
    if (d.rows.length < 2 || !d.tau) {
      this.compare.hidden = true;
      this.compare.replaceChildren();
      return;
    }
    const n = d.rows.length;
    const tau = d.tau.subarray(this.target * n * n, (this.target + 1) * n * n);
    const head = el("div", "iw-attr-compare-head");
    head.append(
      el("span", "iw-attr-compare-title", this.tr("attr.compare_title")),
      el("span", "iw-attr-compare-caption",
        this.tr("attr.compare_caption", { label: showLabel(d.labels[this.target] ?? "") })
        + (d.tauRandom ? this.tr("attr.compare_random") : "")),
    );
    const random = d.tauRandom
      ? { values: d.tauRandom.subarray(this.target * n * 2, (this.target + 1) * n * 2), draws: d.randomDraws }
      : null;
    this.compare.replaceChildren(head, tauTable(d.rows.map((r) => r.label), tau, random, this.tr));
    this.compare.hidden = false;
  }

  // ---- hover

  private onHover(e: MouseEvent): void {
    const t = e.target as Element | null;
    const cell = t instanceof Element ? t.closest("td.iw-attr-tau-cell") as HTMLElement | null : null;
    const badge = t instanceof Element ? t.closest(".iw-attr-delta") as HTMLElement | null : null;
    if (cell || badge) {
      this.clearHighlight();
      const lines = cell ? tauTip(this.data, cell, this.target, this.tr) : this.badgeLines.get(badge!) ?? [];
      this.tooltip.show(lines, e.clientX, e.clientY);
      return;
    }
    const rowEl = t instanceof Node ? (t.nodeType === 1 ? t as Element : t.parentElement)?.closest(".iw-attr-row") : null;
    const k = rowEl ? this.rows.findIndex((r) => r.root === rowEl) : -1;
    const i = k >= 0 ? this.rows[k].strip.tokenAt(e.target) : -1;
    if (i < 0 || !this.values(k)) { this.unhover(); return; }
    const d = this.data;
    const w = this.lvl === "word" && d.ofToken ? d.ofToken[i] : -1;
    const group = w >= 0 ? tokensOfWord(d, w) : [i];
    const key = `${k}:${group[0]}`;
    if (key !== this.hoverKey) {
      this.hoverKey = key;
      this.highlight(group, k);
    }
    this.tooltip.show(tokenTip(d, { k, i, w, group }, this.values(k)!, this.rankOf(k), this.lvl, this.target, this.tr), e.clientX, e.clientY);
  }

  /** Outline the same tokens in every row (one box around a whole word). */
  private highlight(group: number[], source: number): void {
    this.clearHighlight();
    this.rows.forEach((r, k) => {
      group.forEach((j, g) => {
        const span = r.strip.spanOf(j);
        if (!span) return;
        span.classList.add("iw-attr-hl");
        if (g === 0) span.classList.add("iw-attr-hl-l");
        if (g === group.length - 1) span.classList.add("iw-attr-hl-r");
        if (k === source) span.classList.add("iw-attr-hl-src");
        this.hl.push(span);
      });
    });
  }

  private clearHighlight(): void {
    for (const s of this.hl) s.classList.remove("iw-attr-hl", "iw-attr-hl-l", "iw-attr-hl-r", "iw-attr-hl-src");
    this.hl = [];
    this.hoverKey = "";
  }

  private unhover(): void {
    this.clearHighlight();
    this.tooltip?.hide();
  }

  destroy(): void {
    super.destroy();
    for (const r of this.rows) r.strip.destroy();
  }
}

export default widgetModule((model, host) => new AttributionView(model, host));
