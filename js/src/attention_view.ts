// AttentionView: every attention head of a model on one input, in five linked views —
// head (bertviz head_view lines), model (layers × heads thumbnails), matrix (CircuitsVis'
// query × key heatmap), summary (per-head measures, Clark et al. 2019) and rollout (Abnar &
// Zuidema 2020). Layers arrive one at a time (`current`, or requested on demand), are decoded
// once and kept in an LRU; dense things are drawn on canvas.

import {
  clampInt, decodeMeasures, keyChoice, type KeyChoice, decodeRollout, decodeThumbs, normalizeHeads, pickMeasure, separatorIndex,
  type LayerReply, type Measure,
} from "./attention_data";
import { HeadView } from "./attention_head";
import { LayerLoader } from "./attention_loader";
import { MatrixPane, ModelPane, SummaryPane, type PaneHost } from "./attention_panes";
import { RolloutView } from "./attention_rollout";
import { el } from "./dom";
import { SequentialLegend } from "./seq_legend";
import { Tooltip } from "./tooltip";
import type { AnyModel, RenderProps } from "./types";

export const VIEWS = ["head", "model", "matrix", "summary", "rollout"] as const;
export type View = (typeof VIEWS)[number];
const VIEW_LABELS: Record<View, string> = { head: "Head view", model: "Model view", matrix: "Matrix", summary: "Summary", rollout: "Rollout" };
const LOADING_DELAY_MS = 120;

interface Choice extends KeyChoice { heads?: number[]; view?: View }

export class AttentionView {
  readonly root = el("div", "iw-root iw-attention-view");
  private readonly titleMain = el("span", "iw-title-main");
  private readonly caption = el("span", "iw-caption");
  private readonly tabs = new Map<View, HTMLButtonElement>();
  private readonly layerSelect = el("select", "iw-attn-layer");
  private readonly headSelect = el("select", "iw-attn-head-select");
  private readonly measureSelect = el("select", "iw-attn-measure");
  private readonly fields: Record<string, HTMLElement> = {};
  private readonly notesEl = el("div", "iw-attn-notes");
  private readonly body = el("div", "iw-attn-body");
  private readonly status = el("div", "iw-status");
  private readonly empty = el("div", "iw-attn-empty");
  private readonly legend: SequentialLegend;
  private readonly tooltip: Tooltip;
  private readonly headView: HeadView;
  private readonly modelPane: ModelPane;
  private readonly matrixPane: MatrixPane;
  private readonly summaryPane: SummaryPane;
  private readonly rolloutView: RolloutView;
  private readonly layers: LayerLoader;
  private tokens: string[] = [];
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
  private queued = false;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly model: AnyModel, host: HTMLElement) {
    const { root } = this;
    this.layers = new LayerLoader(model, () => [this.headLabels.length, this.tokens.length], (l) => this.layerLabels[l] ?? String(l));
    root.tabIndex = 0;
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    root.setAttribute("aria-label", "Attention heads. Up/Down: layer, Left/Right: head, Escape: unpin the token.");
    const title = el("div", "iw-title");
    title.append(this.titleMain, this.caption);

    const toolbar = el("div", "iw-attn-toolbar");
    const tabs = el("div", "iw-attn-tabs");
    tabs.setAttribute("role", "tablist");
    for (const v of VIEWS) {
      const b = el("button", "iw-attn-tab", VIEW_LABELS[v]);
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
    field("layer", "layer", this.layerSelect);
    field("head", "head", this.headSelect);
    field("measure", "measure", this.measureSelect);
    const pane: PaneHost = {
      tooltip: undefined as unknown as Tooltip,
      tokens: () => this.tokens,
      layerLabels: () => this.layerLabels,
      headLabels: () => this.headLabels,
      sep: () => this.sep,
      open: (layer, head) => this.choose({ layer, head, view: "matrix" }),
      pin: (i) => this.choose({ token: i === this.token ? -1 : i }),
    };
    this.tooltip = pane.tooltip = new Tooltip(root);
    this.headView = new HeadView(this.body, {
      tokens: () => this.tokens,
      headLabels: () => this.headLabels,
      sep: () => this.sep,
      onHeads: (heads) => this.choose({ heads }),
      onToken: (token) => this.choose({ token }),
    });
    controls.append(this.headView.controls);
    this.legend = new SequentialLegend(controls);
    toolbar.append(tabs, controls);

    this.modelPane = new ModelPane(this.body, pane);
    this.matrixPane = new MatrixPane(this.body, pane);
    this.summaryPane = new SummaryPane(this.body, pane);
    this.rolloutView = new RolloutView(this.body, { tooltip: this.tooltip, tokens: () => this.tokens, sep: () => this.sep, onToken: pane.pin });
    this.status.setAttribute("role", "status");
    this.status.hidden = true;
    this.empty.hidden = true;
    this.body.append(this.empty, this.status);
    root.append(title, toolbar, this.notesEl, this.body);
    host.appendChild(root);

    this.bindDom();
    this.bindModel();
    this.readStatic();
    this.readSelection();
    this.render();
  }

  // ---- wiring

  private listen<E extends Event>(target: EventTarget, type: string, fn: (e: E) => void): void {
    target.addEventListener(type, fn as EventListener);
    this.cleanups.push(() => target.removeEventListener(type, fn as EventListener));
  }

  private bindDom(): void {
    for (const [v, b] of this.tabs) this.listen(b, "click", () => this.choose({ view: v }));
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
    const on = (events: string, fn: () => void) => {
      for (const e of events.split(" ")) {
        this.model.on(`change:${e}`, fn);
        this.cleanups.push(() => this.model.off(`change:${e}`, fn));
      }
    };
    on("tokens n_layers n_heads layer_labels head_labels sentence_b_start thumbs summary rollout notes title", () => {
      this.readStatic();
      this.readSelection();
      this.schedule();
    });
    on("layer head heads token view", () => { this.readSelection(); this.schedule(); });
    on("current", () => { this.takeCurrent(); this.schedule(); });
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target;
    if (t instanceof HTMLSelectElement || t instanceof HTMLInputElement || e.altKey || e.ctrlKey || e.metaKey) return;
    const c = keyChoice(e.key, this, this.layerLabels.length, this.headLabels.length);
    if (c) this.choose(c);
    if (c || e.key.startsWith("Arrow")) { e.preventDefault(); e.stopPropagation(); }
  }

  // ---- reading traits

  private readStatic(): void {
    const m = this.model;
    const tokens = m.get("tokens");
    this.tokens = Array.isArray(tokens) ? tokens.map((t) => String(t)) : [];
    const n = this.tokens.length;
    const labels = (raw: unknown, count: number) => {
      const list = Array.isArray(raw) ? raw.map((x) => String(x)) : [];
      return Array.from({ length: Math.max(count, list.length) }, (_, i) => list[i] ?? String(i));
    };
    this.layerLabels = labels(m.get("layer_labels"), Number(m.get("n_layers")) | 0);
    this.headLabels = labels(m.get("head_labels"), Number(m.get("n_heads")) | 0);
    this.sep = separatorIndex(m.get("sentence_b_start"), n);
    const options = (select: HTMLSelectElement, list: string[], prefix: string) =>
      select.replaceChildren(...list.map((label, i) => {
        const o = el("option", "", `${prefix}${label}`);
        o.value = String(i);
        return o;
      }));
    options(this.layerSelect, this.layerLabels, "");
    options(this.headSelect, this.headLabels, "");
    const errors: string[] = [];
    const guard = <T>(f: () => T): T | null => {
      try { return f(); } catch (err) { errors.push((err as Error).message); return null; }
    };
    this.layers.clear();
    this.takeCurrent(errors);
    const thumbs = guard(() => decodeThumbs(m.get("thumbs"), this.layerLabels.length, this.headLabels.length));
    this.modelPane.setThumbs(thumbs);
    this.measures = decodeMeasures(m.get("summary"), this.layerLabels.length, this.headLabels.length, errors);
    this.measureSelect.replaceChildren(...this.measures.map((ms) => {
      const o = el("option", "", ms.label);
      o.value = ms.key;
      return o;
    }));
    const rollout = guard(() => decodeRollout(m.get("rollout"), n));
    this.rolloutView.setData(rollout);
    this.headView.setTokens();
    this.headView.setHeadLabels();
    this.rolloutView.setTokens();
    const notes = Array.isArray(m.get("notes")) ? (m.get("notes") as unknown[]).map(String) : [];
    this.notesEl.replaceChildren(...[...notes, ...errors].map((t) => el("div", "iw-attn-note", t)));
    this.notesEl.hidden = notes.length + errors.length === 0;
    const title = String(m.get("title") ?? "");
    this.titleMain.textContent = title;
    this.titleMain.hidden = !title;
    this.tabs.get("summary")!.disabled = this.measures.length === 0;
    this.tabs.get("rollout")!.disabled = !rollout;
    this.tabs.get("model")!.disabled = !thumbs;
  }

  private readSelection(): void {
    const m = this.model;
    const L = this.layerLabels.length;
    const H = this.headLabels.length;
    this.layer = clampInt(m.get("layer"), 0, Math.max(0, L - 1), 0);
    this.head = clampInt(m.get("head"), 0, Math.max(0, H - 1), 0);
    this.heads = normalizeHeads(m.get("heads"), H);
    this.token = clampInt(m.get("token"), -1, this.tokens.length - 1, -1);
    const v = String(m.get("view"));
    this.view = (VIEWS as readonly string[]).includes(v) ? (v as View) : "head";
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
    const set = (name: string, value: unknown, now: unknown) => {
      if (value === undefined || JSON.stringify(value) === JSON.stringify(now)) return;
      m.set(name, value);
      changed = true;
    };
    set("layer", c.layer === undefined ? undefined : clampInt(c.layer, 0, this.layerLabels.length - 1), this.layer);
    set("head", c.head === undefined ? undefined : clampInt(c.head, 0, this.headLabels.length - 1), this.head);
    set("heads", c.heads, this.heads);
    set("token", c.token, this.token);
    set("view", c.view, this.view);
    if (!changed) return;
    m.save_changes();
    this.readSelection();
    this.schedule();
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => { this.queued = false; this.render(); });
  }

  private width(): number {
    const w = this.body.clientWidth;
    return w > 80 ? w : 900;
  }

  // ---- drawing

  private render(): void {
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
    this.caption.textContent = `layer ${this.layerLabels[this.layer] ?? "?"} \u00b7 head ${this.headLabels[this.head] ?? "?"} \u00b7 ${this.tokens.length} tokens`;
    this.headView.setActive(this.heads);
    this.headView.setPinned(this.token);
    this.matrixPane.panel.setMark(this.token);
    this.rolloutView.setQuery(this.token);
    this.empty.hidden = true;
    this.lastWidth = this.width();
    const avail = this.lastWidth;
    let drawn = false;
    if (view === "head" || view === "matrix") {
      const data = this.layers.get(this.layer);
      if (!data) { this.load(this.layer); return; }
      this.hideStatus();
      if (view === "head") {
        this.headView.setLayer(data);
        drawn = this.headView.draw();
        this.legend.setText("lines", "opacity \u221d weight \u00b7 colour = head");
      } else {
        this.matrixPane.setHead(data, this.head);
        drawn = this.matrixPane.draw(avail);
        this.legend.setScale("attention", 0, data.headMax[this.head] || 1, "(0 \u2026 this head's largest weight)");
      }
      this.layers.prefetchAround(this.layer, this.layerLabels.length);
    } else if (view === "model") {
      drawn = this.modelPane.draw(avail);
      this.modelPane.grid.setSelected(this.layer, this.head);
      this.legend.setScale("attention", 0, 1, "(each thumbnail scaled to its own largest weight)");
    } else if (view === "summary") {
      const measure = pickMeasure(this.measures, this.measureKey);
      if (measure) this.measureSelect.value = measure.key;
      this.summaryPane.setMeasure(measure);
      drawn = this.summaryPane.draw(avail);
      this.summaryPane.grid.setSelected(this.layer, this.head);
      const [lo, hi] = this.summaryPane.shownRange;
      this.legend.setScale(measure?.label ?? "measure", lo, hi);
    } else {
      drawn = this.rolloutView.draw(avail);
      if (drawn) this.legend.setScale("rollout", 0, this.rolloutView.vmax, "(strip: share of the query's largest value)");
    }
    if (!drawn) {
      this.empty.textContent = this.emptyMessage(view);
      this.empty.hidden = false;
    }
    this.root.dataset.rendered = `${view}:${this.layer}:${this.head}`;
    this.root.dataset.renderMs = String(Math.round(performance.now()));
  }

  private emptyMessage(view: View): string {
    if (view === "summary") return "This widget holds no head summary.";
    if (view === "rollout") return "This widget holds no attention rollout.";
    if (view === "model") return "This widget holds no thumbnails of the heads.";
    return "Nothing to draw: the widget holds no tokens.";
  }

  private load(layer: number): void {
    delete this.root.dataset.rendered;
    this.root.classList.add("iw-stale");
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => {
      if (this.layer === layer) this.setStatus(`loading layer ${this.layerLabels[layer]}\u2026`, "iw-status-loading");
    }, LOADING_DELAY_MS);
    this.layers.fetch(layer).then(
      () => { if (this.layer === layer && !this.destroyed) this.render(); },
      (err: Error) => { if (this.layer === layer && !this.destroyed) this.showError(err.message || String(err)); },
    );
  }

  private setStatus(text: string, kind: string): HTMLElement {
    this.status.className = `iw-status ${kind}`;
    this.status.replaceChildren(el("span", "iw-status-text", text));
    this.status.hidden = false;
    return this.status;
  }

  private hideStatus(): void {
    clearTimeout(this.statusTimer);
    this.status.hidden = true;
    this.root.classList.remove("iw-stale");
  }

  private showError(message: string): void {
    clearTimeout(this.statusTimer);
    const status = this.setStatus(`layer ${this.layerLabels[this.layer]}: ${message}`, "iw-status-error");
    const retry = el("button", "iw-retry", "retry");
    retry.type = "button";
    retry.addEventListener("click", () => { this.hideStatus(); this.render(); });
    status.appendChild(retry);
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.statusTimer);
    this.layers.destroy();
    for (const c of this.cleanups.splice(0)) c();
    this.headView.destroy();
    this.modelPane.grid.destroy();
    this.matrixPane.panel.destroy();
    this.summaryPane.grid.destroy();
    this.rolloutView.destroy();
    this.tooltip.destroy();
    this.root.remove();
  }
}


export default {
  render({ model, el: host }: RenderProps) {
    const view = new AttentionView(model, host);
    return () => view.destroy();
  },
};
