// AttentionView: every attention head of a model on one input, in five linked views —
// head (bertviz head_view lines), model (layers × heads thumbnails), matrix (CircuitsVis'
// query × key heatmap), summary (per-head measures, Clark et al. 2019) and rollout (Abnar &
// Zuidema 2020). Layers arrive one at a time (`current`, or requested on demand), are decoded
// once and kept in an LRU; dense things are drawn on canvas.

import {
  clampInt, decodeMeasures, keyChoice, type KeyChoice, decodeRollout, decodeThumbs, normalizeHeads, pickMeasure, readGroups,
  type GroupInfo, type LayerReply, type Measure, type Rollout, type Thumbs,
} from "./attention_data";
import { HeadView } from "./attention_head";
import { LayerLoader } from "./attention_loader";
import { MatrixPane, ModelPane, SummaryPane, type PaneHost } from "./attention_panes";
import { RolloutView } from "./attention_rollout";
import { el, widgetModule } from "../shared/dom";
import { StatusLine } from "../shared/status";
import { translator, type Tr } from "../shared/i18n";
import { SequentialLegend } from "./seq_legend";
import { Tooltip } from "../shared/tooltip";
import type { AttentionViewState } from "../shared/states";
import type { AnyModel } from "../shared/types";
import { WidgetView } from "../shared/view";

export const VIEWS = ["head", "model", "matrix", "summary", "rollout"] as const;
export type View = (typeof VIEWS)[number];
/** Each view's tab label in the catalogue (interpwidgets/i18n). */
const VIEW_LABELS: Record<View, string> = {
  head: "attention.view_head",
  model: "attention.view_model",
  matrix: "attention.view_matrix",
  summary: "attention.view_summary",
  rollout: "attention.view_rollout",
};
const LOADING_DELAY_MS = 120;

interface Choice extends KeyChoice { heads?: number[]; view?: View; group?: number }

/** A group's derived data, decoded once (errors become notes). */
interface Decoded { thumbs: Thumbs | null; measures: Measure[]; rollout: Rollout | null; errors: string[] }

export class AttentionView extends WidgetView<AttentionViewState> {
  private readonly tabs = new Map<View, HTMLButtonElement>();
  private readonly groupSelect = el("select", "iw-attn-group");
  private readonly layerSelect = el("select", "iw-attn-layer");
  private readonly headSelect = el("select", "iw-attn-head-select");
  private readonly measureSelect = el("select", "iw-attn-measure");
  private readonly fields: Record<string, HTMLElement> = {};
  private readonly notesEl = el("div", "iw-attn-notes");
  private readonly body = el("div", "iw-attn-body");
  private readonly status = new StatusLine();
  private readonly empty = el("div", "iw-attn-empty");
  private readonly legend: SequentialLegend;
  private readonly headView: HeadView;
  private readonly modelPane: ModelPane;
  private readonly matrixPane: MatrixPane;
  private readonly summaryPane: SummaryPane;
  private readonly rolloutView: RolloutView;
  private readonly layers: LayerLoader;
  private groups: GroupInfo[] = [];
  private readonly decoded = new Map<number, Decoded>();
  group = 0;
  private groupName = "";
  private tokens: string[] = [];
  private keyTokens: string[] = [];
  private layerLabels: string[] = [];
  private headLabels: string[] = [];
  private sep = -1;
  layer = 0;
  head = 0;
  private heads: number[] = [];
  token = -1;
  private view: View = "head";
  private measures: Measure[] = [];
  private measureKey = "";
  private lastWidth = 0;

  /** The widget's words in its language (the `_strings` trait). */
  private readonly tr: Tr;

  constructor(model: AnyModel<AttentionViewState>, host: HTMLElement) {
    super(model, "iw-attention-view", translator(model)("attention.aria"));
    const { root } = this;
    const tr = (this.tr = translator(model));
    this.layers = new LayerLoader(model, (g) => {
      const info = this.groups[g];
      if (!info) throw new Error(`there is no attention group ${g}`);
      return [info.headLabels.length, info.tokens.length, info.keyTokens.length];
    }, (l) => this.layerLabels[l] ?? String(l));

    const toolbar = el("div", "iw-attn-toolbar");
    const tabs = el("div", "iw-attn-tabs");
    tabs.setAttribute("role", "tablist");
    for (const v of VIEWS) {
      const b = el("button", "iw-attn-tab", tr(VIEW_LABELS[v]));
      b.type = "button";
      b.dataset.view = v;
      b.setAttribute("role", "tab");
      this.tabs.set(v, b);
      tabs.append(b);
    }
    const controls = el("div", "iw-controls iw-attn-controls");
    const field = (name: string, label: string, control: HTMLElement) => {
      const f = el("label", "iw-field");
      f.append(el("span", "iw-field-name", label), control);
      this.fields[name] = f;
      controls.append(f);
    };
    field("group", tr("attention.group"), this.groupSelect);
    this.groupSelect.title = tr("attention.group_title");
    field("layer", tr("attention.layer"), this.layerSelect);
    field("head", tr("attention.head"), this.headSelect);
    field("measure", tr("attention.measure"), this.measureSelect);
    const pane: PaneHost = {
      tooltip: undefined as unknown as Tooltip,
      tokens: () => this.tokens,
      keyTokens: () => this.keyTokens,
      groupName: () => (this.groups.length > 1 ? this.groupName : ""),
      layerLabels: () => this.layerLabels,
      headLabels: () => this.headLabels,
      sep: () => this.sep,
      open: (layer, head) => this.choose({ layer, head, view: "matrix" }),
      pin: (i) => this.choose({ token: i === this.token ? -1 : i }),
      tr,
    };
    this.tooltip = pane.tooltip = new Tooltip(root);
    this.headView = new HeadView(this.body, {
      tokens: () => this.tokens,
      keyTokens: () => this.keyTokens,
      headLabels: () => this.headLabels,
      sep: () => this.sep,
      onHeads: (heads) => this.choose({ heads }),
      onToken: (token) => this.choose({ token }),
      tr,
    });
    controls.append(this.headView.controls);
    this.legend = new SequentialLegend(controls);
    toolbar.append(tabs, controls);

    this.modelPane = new ModelPane(this.body, pane);
    this.matrixPane = new MatrixPane(this.body, pane);
    this.summaryPane = new SummaryPane(this.body, pane);
    this.rolloutView = new RolloutView(this.body, { tooltip: this.tooltip, tokens: () => this.tokens, sep: () => this.sep, onToken: pane.pin, tr });
    this.rolloutView.redraw = () => this.schedule(); // its options redraw it with the legend
    this.empty.hidden = true;
    this.body.append(this.empty, this.status.el);
    root.append(this.titleRow.el, toolbar, this.notesEl, this.body);
    this.mount(host, { name: "attention_view", parent: tabs, redraw: () => this.schedule() });

    this.bindDom();
    this.bindModel();
    this.readStatic();
    this.readSelection();
    this.render();
  }

  // ---- wiring

  private bindDom(): void {
    for (const [v, b] of this.tabs) this.listen(b, "click", () => this.choose({ view: v }));
    this.listen(this.groupSelect, "change", () => this.choose({ group: Number(this.groupSelect.value) }));
    this.listen(this.layerSelect, "change", () => this.choose({ layer: Number(this.layerSelect.value) }));
    this.listen(this.headSelect, "change", () => this.choose({ head: Number(this.headSelect.value) }));
    this.listen(this.measureSelect, "change", () => { this.measureKey = this.measureSelect.value; this.schedule(); });
    this.listen<KeyboardEvent>(this.root, "keydown", (e) => this.onKey(e));
    this.listen(this.body, "mouseleave", () => this.tooltip.hide());
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(() => {
        if (Math.abs(this.width() - this.lastWidth) > 4) this.schedule();
      });
      ro.observe(this.body);
      this.cleanups.push(() => ro.disconnect());
    }
  }

  private bindModel(): void {
    const on = (traits: (keyof AttentionViewState & string)[], fn: () => void) => {
      for (const name of traits) this.on(`change:${name}`, fn);
    };
    on(["groups"], () => { this.readStatic(); this.readSelection(); this.schedule(); });
    // the plain traits describe the shown group; with a `groups` trait they only mirror it
    // (thumbs, summary and rollout are no traits: they come inside `groups`)
    on(["tokens", "key_tokens", "n_layers", "n_heads", "layer_labels", "head_labels", "sentence_b_start", "notes"], () => {
      if (this.hasGroupsTrait()) return;
      this.readStatic();
      this.readSelection();
      this.schedule();
    });
    on(["title"], () => { this.readTitle(); });
    on(["group", "layer", "head", "heads", "token", "view"], () => { this.readSelection(); this.schedule(); });
    on(["current"], () => { this.takeCurrent(); this.schedule(); });
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target;
    if (t instanceof HTMLSelectElement || t instanceof HTMLInputElement || e.altKey || e.ctrlKey || e.metaKey) return;
    const c = keyChoice(e.key, this, this.layerLabels.length, this.headLabels.length);
    if (c) this.choose(c);
    if (c || e.key.startsWith("Arrow")) { e.preventDefault(); e.stopPropagation(); }
  }

  // ---- reading traits

  private hasGroupsTrait(): boolean {
    const g = this.model.get("groups");
    return Array.isArray(g) && g.length > 0;
  }

  /** Read every group (new data: forget decoded layers), then show the selected one. */
  private readStatic(): void {
    this.groups = readGroups((name) => (this.model as AnyModel).get(name));
    this.decoded.clear();
    this.layers.clear();
    this.groupSelect.replaceChildren(...this.groups.map((g, i) => {
      const o = el("option", "", g.name || this.tr("attention.group_n", { n: i }));
      o.value = String(i);
      return o;
    }));
    this.fields.group.hidden = this.groups.length < 2;
    this.group = clampInt(this.model.get("group"), 0, this.groups.length - 1, 0);
    this.takeCurrent(this.decodedOf(this.group).errors);
    this.applyGroup();
    this.readTitle();
  }

  private readTitle(): void {
    const title = String(this.model.get("title") ?? "");
    this.titleRow.set(title);
  }

  private decodedOf(g: number): Decoded {
    let d = this.decoded.get(g);
    if (d) return d;
    const info = this.groups[g];
    const errors: string[] = [];
    const guard = <T>(f: () => T): T | null => {
      try { return f(); } catch (err) { errors.push((err as Error).message); return null; }
    };
    const L = info.layerLabels.length;
    const H = info.headLabels.length;
    const square = info.tokens.length === info.keyTokens.length;
    d = {
      thumbs: guard(() => decodeThumbs(info.thumbs, L, H)),
      measures: decodeMeasures(info.summary, L, H, errors),
      rollout: square ? guard(() => decodeRollout(info.rollout, info.tokens.length)) : null,
      errors,
    };
    this.decoded.set(g, d);
    return d;
  }

  /** Show group `this.group`: its tokens, labels, thumbnails, measures, rollout and notes. */
  private applyGroup(): void {
    const info = this.groups[this.group];
    this.groupName = info.name;
    this.tokens = info.tokens;
    this.keyTokens = info.keyTokens;
    this.layerLabels = info.layerLabels;
    this.headLabels = info.headLabels;
    this.sep = info.sep;
    this.groupSelect.value = String(this.group);
    const options = (select: HTMLSelectElement, list: string[]) =>
      select.replaceChildren(...list.map((label, i) => {
        const o = el("option", "", label);
        o.value = String(i);
        return o;
      }));
    options(this.layerSelect, this.layerLabels);
    options(this.headSelect, this.headLabels);
    const d = this.decodedOf(this.group);
    this.modelPane.setThumbs(d.thumbs);
    this.measures = d.measures;
    this.measureSelect.replaceChildren(...this.measures.map((ms) => {
      const o = el("option", "", ms.label);
      o.value = ms.key;
      return o;
    }));
    this.rolloutView.setData(d.rollout);
    this.headView.setTokens();
    this.headView.setHeadLabels();
    this.rolloutView.setTokens();
    const notes = [...info.notes, ...d.errors];
    this.notesEl.replaceChildren(...notes.map((t) => el("div", "iw-attn-note", t)));
    this.notesEl.hidden = notes.length === 0;
    const square = this.tokens.length === this.keyTokens.length;
    this.tabs.get("summary")!.disabled = this.measures.length === 0;
    this.tabs.get("rollout")!.hidden = !square;
    this.tabs.get("rollout")!.disabled = !d.rollout;
    this.tabs.get("model")!.disabled = !d.thumbs;
    this.root.dataset.group = String(this.group);
  }

  private readSelection(): void {
    const m = this.model;
    const g = clampInt(m.get("group"), 0, Math.max(0, this.groups.length - 1), 0);
    if (g !== this.group) {
      this.group = g;
      this.applyGroup();
    }
    const L = this.layerLabels.length;
    const H = this.headLabels.length;
    this.layer = clampInt(m.get("layer"), 0, Math.max(0, L - 1), 0);
    this.head = clampInt(m.get("head"), 0, Math.max(0, H - 1), 0);
    this.heads = normalizeHeads(m.get("heads"), H);
    this.token = clampInt(m.get("token"), -1, this.tokens.length - 1, -1);
    const v = String(m.get("view"));
    this.view = (VIEWS as readonly string[]).includes(v) ? (v as View) : "head";
    if (this.view === "rollout" && this.tabs.get("rollout")!.hidden) this.view = "head";
  }

  /** Cache the `current` trait (quiet when it does not fit: Python may be mid-update). */
  private takeCurrent(errors?: string[]): void {
    try {
      this.layers.take(this.model.get("current") as LayerReply);
    } catch (err) {
      if (errors) errors.push((err as Error).message);
      else console.warn("interpwidgets: current ignored:", (err as Error).message);
    }
  }

  // ---- selection

  /** A change made in the browser: synced to Python, then drawn. */
  choose(c: Choice): void {
    const m = this.model;
    let changed = false;
    const set = (name: keyof AttentionViewState & string, value: unknown, now: unknown) => {
      if (value === undefined || JSON.stringify(value) === JSON.stringify(now)) return;
      m.set(name, value as never);
      changed = true;
    };
    // (setting a trait may re-read the selection at once: compare with what it was)
    const before = { layer: this.layer, head: this.head, heads: this.heads, token: this.token, view: this.view };
    let layers = this.layerLabels.length;
    let heads = this.headLabels.length;
    let layer = c.layer;
    let head = c.head;
    let headsOn = c.heads;
    let token = c.token;
    let view = c.view;
    if (c.group !== undefined && c.group !== this.group && this.groups[c.group]) {
      // keep the selection where the new group allows it
      const g = this.groups[c.group];
      layers = g.layerLabels.length;
      heads = g.headLabels.length;
      layer = Math.min(layer ?? before.layer, layers - 1);
      head = Math.min(head ?? before.head, heads - 1);
      headsOn = (headsOn ?? before.heads).filter((h) => h < heads);
      if (!headsOn.length && before.heads.length) headsOn = Array.from({ length: heads }, (_, h) => h);
      token = -1;
      if ((view ?? before.view) === "rollout" && g.tokens.length !== g.keyTokens.length) view = "head";
      set("group", c.group, this.group);
    }
    set("layer", layer === undefined ? undefined : clampInt(layer, 0, layers - 1), before.layer);
    set("head", head === undefined ? undefined : clampInt(head, 0, heads - 1), before.head);
    set("heads", headsOn, before.heads);
    set("token", token, before.token);
    set("view", view, before.view);
    if (!changed) return;
    m.save_changes();
    this.readSelection();
    this.schedule();
  }

  private width(): number {
    const w = this.body.clientWidth;
    return w > 80 ? w : 900;
  }

  // ---- drawing

  protected render(): void {
    if (this.destroyed) return;
    const { view } = this;
    for (const [v, b] of this.tabs) {
      b.classList.toggle("iw-active", v === view);
      b.setAttribute("aria-selected", String(v === view));
    }
    this.fields.layer.hidden = !(view === "head" || view === "matrix");
    this.fields.head.hidden = view !== "matrix";
    this.fields.measure.hidden = view !== "summary";
    this.headView.controls.hidden = view !== "head";
    this.headView.el.hidden = view !== "head";
    this.modelPane.el.hidden = view !== "model";
    this.matrixPane.el.hidden = view !== "matrix";
    this.summaryPane.el.hidden = view !== "summary";
    this.rolloutView.el.hidden = view !== "rollout";
    this.layerSelect.value = String(this.layer);
    this.headSelect.value = String(this.head);
    const nq = this.tokens.length;
    const nk = this.keyTokens.length;
    const named = this.groups.length > 1 && this.groupName ? `${this.groupName} \u00b7 ` : "";
    const count = nq === nk ? this.tr("attention.count", { n: nq }) : this.tr("attention.count_qk", { nq, nk });
    this.titleRow.caption.textContent = this.tr("attention.caption", { group: named, layer: this.layerLabels[this.layer] ?? "?", heads: this.headsShown(), count });
    this.headView.setActive(this.heads);
    this.headView.setPinned(this.token);
    this.matrixPane.panel.setMark(this.token);
    this.rolloutView.setQuery(this.token);
    this.empty.hidden = true;
    this.lastWidth = this.width();
    const avail = this.lastWidth;
    let drawn = false;
    if (view === "head") this.headView.buildTokens();
    if (view === "head" || view === "matrix") {
      const data = this.layers.get(this.group, this.layer);
      if (!data) { this.load(this.group, this.layer); return; }
      this.hideStatus();
      if (view === "head") {
        this.headView.setLayer(data);
        drawn = this.headView.draw();
        this.legend.setText(this.tr("attention.lines"), this.tr("attention.lines_legend"));
      } else {
        this.matrixPane.setHead(data, this.head);
        drawn = this.matrixPane.draw(avail);
        this.legend.setScale(this.scaleName(), 0, data.headMax[this.head] || 1, this.tr("attention.scale_head"));
      }
      this.layers.prefetchAround(this.group, this.layer, this.layerLabels.length);
    } else if (view === "model") {
      this.modelPane.grid.setSelected(this.layer, this.head);
      drawn = this.modelPane.draw(avail);
      this.legend.setScale(this.scaleName(), 0, 1, this.tr("attention.scale_thumbnails"));
    } else if (view === "summary") {
      const measure = pickMeasure(this.measures, this.measureKey);
      if (measure) this.measureSelect.value = measure.key;
      this.summaryPane.setMeasure(measure);
      this.summaryPane.grid.setSelected(this.layer, this.head);
      drawn = this.summaryPane.draw(avail);
      const [lo, hi] = this.summaryPane.shownRange;
      this.legend.setScale(measure?.label ?? "measure", lo, hi);
    } else {
      drawn = this.rolloutView.draw(avail);
      if (drawn) this.legend.setScale(this.tr("attention.view_rollout"), 0, this.rolloutView.vmax, this.rolloutView.scaleNote);
    }
    if (!drawn) {
      this.empty.textContent = this.emptyMessage(view);
      this.empty.hidden = false;
    }
    this.root.dataset.rendered = `${view}:${this.layer}:${this.head}`;
    this.root.dataset.renderMs = String(Math.round(performance.now()));
  }

  /** The colour scale's name ("weight" beside the "Attention" group select, to tell them apart). */
  private scaleName(): string {
    return this.tr(this.groups.length > 1 ? "attention.weight" : "attention.attention");
  }

  private emptyMessage(view: View): string {
    if (view === "summary") return this.tr("attention.no_summary");
    if (view === "rollout") return this.tr("attention.no_rollout");
    if (view === "model") return this.tr("attention.no_thumbnails");
    return this.tr("attention.no_tokens");
  }

  private load(group: number, layer: number): void {
    delete this.root.dataset.rendered;
    this.root.classList.add("iw-stale");
    const here = () => this.layer === layer && this.group === group && !this.destroyed;
    this.status.later(this.tr("attention.loading", { layer: this.layerLabels[layer] ?? "" }), LOADING_DELAY_MS, here);
    this.layers.fetch(group, layer).then(
      () => { if (here()) this.render(); },
      (err: Error) => { if (here()) this.showError(err.message || String(err)); },
    );
  }

  private hideStatus(): void {
    this.status.hide();
    this.root.classList.remove("iw-stale");
  }

  /** The heads the caption names: the head view draws every head switched on, the others one head. */
  private headsShown(): string {
    const label = (h: number) => this.headLabels[h] ?? "?";
    if (this.view !== "head") return this.tr("attention.caption_head", { head: label(this.head) });
    const on = this.heads;
    if (on.length === 0) return this.tr("attention.caption_heads_none");
    if (on.length === 1) return this.tr("attention.caption_head", { head: label(on[0]) });
    if (on.length === this.headLabels.length && on.length > 2) return this.tr("attention.caption_heads_all", { n: on.length });
    return this.tr("attention.caption_heads", { list: on.map(label).join(", ") });
  }

  private showError(message: string): void {
    this.status.error(this.tr("attention.layer_error", { layer: this.layerLabels[this.layer] ?? "", message }), () => { this.hideStatus(); this.render(); });
  }

  destroy(): void {
    this.status.cancel();
    this.layers.destroy();
    super.destroy();
    this.headView.destroy();
    this.modelPane.grid.destroy();
    this.matrixPane.panel.destroy();
    this.summaryPane.grid.destroy();
    this.rolloutView.destroy();
  }
}


export default widgetModule((model, host) => new AttentionView(model, host));
