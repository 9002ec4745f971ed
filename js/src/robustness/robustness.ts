// Robustness: how a classifier's predictions hold up when its inputs are perturbed (character
// noise, word dropout, negation, antonym/synonym swaps, shuffled words). A summary of flip
// rates per perturbation on top (click a kind to show only it), then each input with its
// prediction and, under it, its perturbed variants: the edit made visible, the new
// prediction, the probability of the original class and its change, flips first and badged.
// With attributions, every token is shaded by its score for the original prediction, on one
// colour scale per input, before and after.
// This file is the view (controls, paging, selection, hover); the parts: robustness_data.ts
// (the traits as records, row order, number formats), robustness_diff.ts (the word-level diff
// and the pieces a row is drawn from), robustness_rows.ts (the summary table and the rows' DOM).

import { SignedLegend } from "../attribution_text/attribution_parts";
import { el, widgetModule } from "../shared/dom";
import { type InputView, type RobData, arrange, attrKey, formatScale, formatScore, kindName, readData } from "./robustness_data";
import { type Selected, originalRow, summaryTable, variantRow } from "./robustness_rows";
import { codePointsToUtf16 } from "../shared/text";
import { themeOf } from "../shared/text_scale";
import { visibleWhitespace } from "../shared/tooltip";
import type { RobustnessState } from "../shared/states";
import type { AnyModel } from "../shared/types";
import { WidgetView } from "../shared/view";
import { translator, type Tr } from "../shared/i18n";

/** Inputs drawn at first; "show more" adds as many again. */
export const PAGE = 25;

/** The catalogue keys of the edit marks' tooltips. */
const MARK_KEYS: Record<string, string> = {
  ins: "robustness.mark_ins",
  sub: "robustness.mark_sub",
  moved: "robustness.mark_moved",
  del: "robustness.mark_del",
};

function toggle(label: string, title: string): HTMLButtonElement {
  const b = el("button", "iw-rob-toggle", label);
  b.type = "button";
  b.title = title;
  b.setAttribute("aria-pressed", "false");
  return b;
}

export class RobustnessView extends WidgetView<RobustnessState> {
  /** The widget's words in its language (the `_strings` trait). */
  private readonly tr: Tr = translator(this.model);
  private readonly flipsBtn = toggle(this.tr("robustness.flips_only"), this.tr("robustness.flips_only_title"));
  private readonly unchangedBtn = toggle(this.tr("robustness.unchanged"), this.tr("robustness.unchanged_title"));
  private readonly attrBtn = toggle(this.tr("robustness.attributions"), this.tr("robustness.attributions_title"));
  private readonly legend = new SignedLegend(this.tr);
  private readonly legendNote = el("span", "iw-rob-legend-note");
  private readonly legendField = el("span", "iw-field iw-rob-legend");
  private readonly errors = el("div", "iw-rob-errors");
  private readonly summaryEl = el("div", "iw-rob-summary-wrap");
  private readonly status = el("div", "iw-rob-status");
  private readonly list = el("div", "iw-rob-list");
  private readonly more = el("button", "iw-rob-more");
  data!: RobData;
  private limit = PAGE;
  private hovered: HTMLElement | null = null;

  constructor(model: AnyModel<RobustnessState>, host: HTMLElement) {
    super(model, "iw-robustness", translator(model)("robustness.aria"));
    const { root, tr } = this;
    const controls = el("div", "iw-controls iw-rob-controls");
    const show = el("span", "iw-field");
    show.append(el("span", "iw-field-name", tr("robustness.show")), this.flipsBtn, this.unchangedBtn, this.attrBtn);
    this.legendField.append(this.legend.el, this.legendNote);
    controls.append(show, this.legendField);
    this.more.type = "button";
    this.errors.setAttribute("role", "note");
    this.status.setAttribute("aria-live", "polite");
    root.append(this.titleRow.el, controls, this.errors, this.summaryEl, this.status, this.list, this.more);
    this.mount(host, { name: "robustness", parent: controls, beside: this.legendField, redraw: () => this.redraw(false) });

    this.listen(this.flipsBtn, "click", () => this.setTrait("flips_only", !this.model.get("flips_only")));
    this.listen(this.unchangedBtn, "click", () => this.setTrait("show_unchanged", !this.model.get("show_unchanged")));
    this.listen(this.attrBtn, "click", () => this.setTrait("show_attributions", !this.showAttr()));
    this.listen(this.more, "click", () => { this.limit += PAGE; this.draw(); });
    this.listen<MouseEvent>(this.summaryEl, "click", (e) => this.onSummary(e));
    this.listen<KeyboardEvent>(this.summaryEl, "keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.onSummary(e); }
    });
    this.listen<MouseEvent>(this.list, "click", (e) => this.onRow(e));
    this.listen<KeyboardEvent>(this.list, "keydown", (e) => {
      if ((e.key === "Enter" || e.key === " ") && (e.target as Element)?.classList?.contains("iw-rob-row")) {
        e.preventDefault();
        this.onRow(e);
      }
    });
    this.listen<MouseEvent>(this.list, "mouseover", (e) => this.onHover(e));
    this.listen<MouseEvent>(this.list, "mousemove", (e) => this.onHover(e));
    this.listen(this.list, "mouseleave", () => this.unhover());
    for (const name of ["labels", "kinds", "summary", "inputs", "variants", "attributions", "meta", "title"] as const) {
      this.on(`change:${name}`, () => this.redraw(true));
    }
    for (const name of ["filter_kind", "flips_only", "show_unchanged", "show_attributions"] as const) {
      this.on(`change:${name}`, () => this.redraw(false));
    }
    this.on("change:selected", () => this.onSelected());
    this.data = readData(model);
    this.draw();
  }

  private dirtyData = false;

  /** One redraw for a burst of trait changes; `data`: the traits holding the data changed. */
  private redraw(data: boolean): void {
    this.dirtyData ||= data;
    this.schedule();
  }

  protected render(): void {
    if (this.dirtyData) this.data = readData(this.model);
    this.dirtyData = false;
    this.draw();
  }

  private setTrait(name: keyof RobustnessState & string, value: unknown): void {
    if (this.model.get(name) === value) return;
    this.model.set(name, value as never);
    this.model.save_changes();
    this.redraw(false);
  }

  // ---- state

  filterKind(): string {
    const k = this.model.get("filter_kind");
    return typeof k === "string" && this.data.kinds.includes(k) ? k : "";
  }

  showAttr(): boolean {
    return !!this.data.attrs && this.model.get("show_attributions") !== false;
  }

  selected(): Selected | null {
    const s = this.model.get("selected");
    if (!s || typeof s !== "object" || !Number.isInteger(s.text)) return null;
    if (s.text < 0 || s.text >= this.data.inputs.length) return null;
    const kind = s.kind === null || s.kind === undefined ? null : String(s.kind);
    return { text: s.text, kind };
  }

  // ---- drawing

  draw(): void {
    if (this.destroyed) return;
    this.unhover();
    const d = this.data;
    const kind = this.filterKind();
    const flipsOnly = !!this.model.get("flips_only");
    const showUnchanged = !!this.model.get("show_unchanged");
    const attr = this.showAttr();
    this.titleRow.set(d.title);
    const { tr } = this;
    const bits = [
      tr(d.inputs.length === 1 ? "robustness.n_text" : "robustness.n_texts", { n: d.inputs.length }),
      tr(d.kinds.length === 1 ? "robustness.n_kind" : "robustness.n_kinds", { n: d.kinds.length }),
    ];
    if (d.seed !== null) bits.push(tr("robustness.seed", { seed: d.seed }));
    if (d.rate !== null) bits.push(tr("robustness.rate", { rate: d.rate }));
    this.titleRow.caption.textContent = bits.join(" \u00b7 ");
    for (const [b, on] of [[this.flipsBtn, flipsOnly], [this.unchangedBtn, showUnchanged], [this.attrBtn, attr]] as const) {
      b.setAttribute("aria-pressed", String(on));
      b.classList.toggle("iw-active", on);
    }
    this.attrBtn.hidden = !d.attrs;
    this.legendField.hidden = !attr;
    if (d.attrs) {
      this.legend.set(null, tr("robustness.original_prediction"));
      this.legend.setTheme(themeOf(this.root));
      this.legend.el.title = tr("robustness.legend_title");
      this.legendNote.textContent = tr("robustness.legend_note", { method: d.attrs.label });
    }
    this.errors.replaceChildren(...d.errors.map((m) => el("div", "iw-rob-error", m)));
    this.errors.hidden = !d.errors.length;
    this.drawSummary(kind);
    const views = arrange(d, { kind, flipsOnly, showUnchanged });
    this.drawStatus(views, kind, flipsOnly);
    this.drawList(views, attr);
    this.root.dataset.rendered = `${kind || "all"}|${flipsOnly ? "flips" : "all"}|${showUnchanged ? "unchanged" : "changed"}|${attr ? "attr" : "plain"}`;
  }

  private drawSummary(kind: string): void {
    this.summaryEl.replaceChildren(summaryTable(this.data, kind, this.tr));
  }

  private drawStatus(views: InputView[], kind: string, flipsOnly: boolean): void {
    const rows = views.reduce((n, v) => n + v.shown.length, 0);
    const flips = views.reduce((n, v) => n + v.flips, 0);
    const { tr } = this;
    const parts = [kind ? tr("robustness.showing", { name: kindName(kind, tr) }) : tr("robustness.every_kind")];
    parts.push(tr(this.data.inputs.length === 1 ? "robustness.inputs_one" : "robustness.inputs", { k: views.length, n: this.data.inputs.length }));
    parts.push(tr(rows === 1 ? "robustness.variant" : "robustness.variants", { n: rows }));
    parts.push(tr("robustness.flipped_n", { n: flips }));
    const text = el("span", "iw-rob-status-text", parts.join(" \u00b7 "));
    const items: HTMLElement[] = [text];
    if (kind) {
      const clear = el("button", "iw-rob-clear", tr("robustness.show_all"));
      clear.type = "button";
      clear.addEventListener("click", () => this.setTrait("filter_kind", ""));
      items.push(clear);
    }
    if (!views.length) {
      items.push(el("span", "iw-rob-empty", flipsOnly ? tr("robustness.no_flips") : tr("robustness.nothing")));
    }
    this.status.replaceChildren(...items);
  }

  private drawList(views: InputView[], attr: boolean): void {
    const sel = this.selected();
    const head = el("div", "iw-rob-row iw-rob-head");
    head.setAttribute("aria-hidden", "true");
    const { tr } = this;
    head.append(
      el("span", "", tr("robustness.col_kind")),
      el("span", "", tr("robustness.head_text")),
      el("span", "", tr("robustness.head_prediction")),
      el("span", "", tr("robustness.head_change")),
    );
    const cards: HTMLElement[] = views.length ? [head] : [];
    const theme = themeOf(this.root);
    for (const v of views.slice(0, this.limit)) {
      const card = el("div", "iw-rob-input");
      card.dataset.text = String(v.input);
      if (v.flips) card.classList.add("iw-rob-has-flip");
      card.append(originalRow(this.data, v.input, attr, sel, tr, theme));
      for (const variant of v.shown) card.append(variantRow(this.data, variant, attr, sel, tr, theme));
      if (v.unchanged.length) {
        const note = el("div", "iw-rob-unchanged-note");
        const names = v.unchanged.map((u) => kindName(u.kind, tr)).join(tr("robustness.list_sep"));
        note.append(el("span", "", tr("robustness.did_not_apply", { n: v.unchanged.length, names })));
        const btn = el("button", "iw-rob-show-unchanged", tr("robustness.show"));
        btn.type = "button";
        btn.title = tr("robustness.unchanged_title");
        btn.addEventListener("click", () => this.setTrait("show_unchanged", true));
        note.append(btn);
        card.append(note);
      }
      cards.push(card);
    }
    this.list.replaceChildren(...cards);
    const left = views.length - this.limit;
    this.more.hidden = left <= 0;
    this.more.textContent = tr("robustness.more", { n: Math.min(PAGE, Math.max(0, left)), left: Math.max(0, left) });
  }

  // ---- interaction

  private onSummary(e: Event): void {
    const tr = (e.target as Element | null)?.closest?.("tr.iw-rob-kind") as HTMLElement | null;
    if (!tr) return;
    const kind = tr.dataset.kind ?? "";
    // A second click on the active kind clears the filter.
    this.setTrait("filter_kind", kind && kind === this.filterKind() ? "" : kind);
  }

  private onRow(e: Event): void {
    const t = e.target as Element | null;
    if (t?.closest?.("button")) return;
    const row = t?.closest?.(".iw-rob-row[data-text]") as HTMLElement | null;
    if (!row) return;
    const text = Number(row.dataset.text);
    const kind = row.dataset.kind ? row.dataset.kind : null;
    const cur = this.selected();
    if (cur && cur.text === text && cur.kind === kind) return;
    this.model.set("selected", { text, kind });
    this.model.save_changes();
    this.markSelected();
  }

  /** `selected` changed (a click here, or Python): outline that row; bring it into view when
   *  it is on a later page. */
  private onSelected(): void {
    const sel = this.selected();
    if (sel) {
      const views = arrange(this.data, {
        kind: this.filterKind(), flipsOnly: !!this.model.get("flips_only"), showUnchanged: !!this.model.get("show_unchanged"),
      });
      const pos = views.findIndex((v) => v.input === sel.text);
      if (pos >= this.limit) {
        this.limit = Math.ceil((pos + 1) / PAGE) * PAGE;
        this.draw();
      }
    }
    this.markSelected();
  }

  private markSelected(): void {
    const sel = this.selected();
    for (const row of this.list.querySelectorAll<HTMLElement>(".iw-rob-row[data-text]")) {
      const on = !!sel && Number(row.dataset.text) === sel.text && (row.dataset.kind || null) === sel.kind;
      row.classList.toggle("iw-rob-selected", on);
      row.setAttribute("aria-pressed", String(on));
    }
  }

  private onHover(e: MouseEvent): void {
    const t = e.target as Element | null;
    const cell = t?.closest?.(".iw-rob-text") as HTMLElement | null;
    const tok = cell ? t!.closest(".iw-tok") as HTMLElement | null : null;
    const mark = cell ? t!.closest("[data-mark]") as HTMLElement | null : null;
    const row = cell?.closest(".iw-rob-row") as HTMLElement | null;
    const target = tok ?? mark;
    if (!row || !target || (!mark && !this.showAttr())) { this.unhover(); return; }
    if (this.hovered !== target) {
      this.hovered?.classList.remove("iw-rob-hl");
      this.hovered = target;
      target.classList.add("iw-rob-hl");
    }
    this.tooltip.showFor(this.spanLines(tok, mark, row), target.getBoundingClientRect(), e.clientX);
  }

  private spanLines(tok: HTMLElement | null, markEl: HTMLElement | null, row: HTMLElement): string[] {
    const d = this.data;
    const text = Number(row.dataset.text);
    const kind = row.dataset.kind ? row.dataset.kind : null;
    const lines: string[] = [];
    const mark = markEl?.dataset.mark;
    if (mark) {
      lines.push(mark === "sub" ? this.tr("robustness.replaced", { was: markEl!.dataset.was ?? "" }) : MARK_KEYS[mark] ? this.tr(MARK_KEYS[mark]) : mark);
    }
    if (tok && d.attrs && this.showAttr()) {
      const item = d.attrs.items.get(attrKey(text, kind));
      const i = Number(tok.dataset.i);
      if (item && i >= 0 && i < item.scores.length) {
        const shown = this.rowText(text, kind);
        const u = codePointsToUtf16(shown, [item.offsets[2 * i], item.offsets[2 * i + 1]]);
        const target = d.labels[d.inputs[text]?.predicted ?? 0] ?? "";
        const { tr } = this;
        lines.push(`${tr("attr.tip_token", { text: visibleWhitespace(shown.slice(u[0], u[1])), i })} \u00b7 ${tr("attr.tip_score", { score: formatScore(item.scores[i])})}`);
        lines.push(tr("robustness.tip_method", { method: d.attrs.label, target }));
        lines.push(tr("robustness.tip_scale", { max: formatScale(d.vmax[text]) }));
      }
    }
    return lines;
  }

  private rowText(text: number, kind: string | null): string {
    if (kind === null) return this.data.inputs[text]?.text ?? "";
    return this.data.byInput[text]?.find((v) => v.kind === kind)?.perturbed ?? "";
  }

  private unhover(): void {
    this.hovered?.classList.remove("iw-rob-hl");
    this.hovered = null;
    this.tooltip?.hide();
  }
}

export default widgetModule((model, host) => new RobustnessView(model, host));
