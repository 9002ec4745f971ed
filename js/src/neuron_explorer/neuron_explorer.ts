// NeuronExplorer: the NeuronText view plus what the model predicts next (Karpathy et al. 2016),
// a neurons × positions heatmap of the layer, and neuron search by feature or by brushing
// spans of text (LSTMVis, Strobelt et al. 2018). Data the kernel did not send is requested.

import { decode, type Encoded } from "../shared/codec";
import { el, widgetModule } from "../shared/dom";
import { brushSpan, brushedTokens, readSpans } from "./brush";
import { Heatmap, heatmapWindow, robustScale, rowOrder, type HeatmapData } from "./heatmap";
import { formatValue } from "../shared/legend";
import { NeuronView } from "../neuron_text/neuron_view";
import { describeScale, type NeuronScale } from "../neuron_text/neuron_scale";
import { PredictionStrip, decodePredictions, guessesAt, predictionLine, type Predictions } from "./predictions";
import { RankingPanel, readRanking, type Ranking } from "./ranking";
import { request } from "../shared/request";
import { english, translator, type Tr } from "../shared/i18n";
import { visibleWhitespace } from "../shared/tooltip";
import type { NeuronExplorerState } from "../shared/states";
import type { AnyModel, ModelEvent } from "../shared/types";

interface RawHeatmap { layer?: unknown; start?: unknown; stop?: unknown; vmax?: unknown; values?: Encoded }

const HEATMAP_CACHE = 24;
const SCROLL_THROTTLE_MS = 150;
const LOADING_DELAY_MS = 150;

/** Split a shim/kernel error into the message and the request key it names (for a tooltip). */
export function splitRequestKey(message: string): [string, string] {
  const m = /^(.*?)\s*\((request \{.*\})\)\s*$/s.exec(message);
  return m ? [m[1], m[2]] : [message, ""];
}

/** The ranking header for a request body. */
export function describeRank(body: { feature?: string; spans?: unknown[] }, tr: Tr = english): string {
  if (body.feature) return tr("explorer.source_feature", { feature: body.feature });
  const n = body.spans?.length ?? 0;
  return tr("explorer.source_spans", { n });
}

class NeuronExplorerView {
  private readonly model: AnyModel<NeuronExplorerState>;
  private readonly view: NeuronView;
  private readonly predStrip: PredictionStrip;
  private readonly heatmap: Heatmap;
  private readonly hmTitle = el("span", "iw-heatmap-title");
  private readonly hmLabel = el("span", "iw-heatmap-label");
  private readonly hmScale = el("span", "iw-heatmap-scale");
  private readonly panel: RankingPanel;
  private ready = false;
  private destroyed = false;
  // predictions
  private preds: Predictions | null = null;
  private hoverTok = -1;
  private pinned = -1;
  private pinnedEl: HTMLElement | null = null;
  // heatmap
  private readonly hmCache = new Map<string, HeatmapData>();
  private readonly hmInflight = new Set<string>();
  private hmWindow: [number, number] = [0, 0];
  private hmWant = "";
  private hmLayer = "";
  private hmTimer: ReturnType<typeof setTimeout> | undefined;
  private scrollTimer: ReturnType<typeof setTimeout> | undefined;
  private linked: HTMLElement | null = null;
  // ranking and spans
  private ranking: Ranking | null = null;
  private readonly rankCache = new Map<string, Ranking>();
  private rankSeq = 0;
  private rankTimer: ReturnType<typeof setTimeout> | undefined;
  private spans: [number, number][] = [];
  private brushed: Uint8Array = new Uint8Array(0);

  /** The widget's words in its language (the `_strings` trait). */
  private readonly tr: Tr;

  constructor(model: AnyModel<NeuronExplorerState>, host: HTMLElement) {
    this.model = model;
    const tr = (this.tr = translator(model));
    this.view = new NeuronView(model, host, {
      className: "iw-neuron-explorer",
      ariaLabel: tr("explorer.aria"),
      tooltipLines: (i) => this.tooltipLines(i),
      onHoverToken: (i) => this.onHoverToken(i),
      decorate: (span, i) => span.classList.toggle("iw-brushed", this.brushed[i] === 1),
      onUpdate: () => { if (this.ready) this.onSelection(); },
      onText: () => { if (this.ready) this.onText(); },
      redraw: () => { if (this.ready) this.heatmap.draw(); },
    });
    const { root } = this.view;
    this.predStrip = new PredictionStrip(root, tr);

    const lower = el("div", "iw-explorer-lower");
    const hmPanel = el("div", "iw-heatmap-panel");
    const hmHead = el("div", "iw-heatmap-head");
    this.hmScale.title = tr("explorer.scale_title");
    hmHead.append(el("span", "iw-field-name", tr("explorer.all_neurons")), this.hmTitle, this.hmLabel, this.hmScale);
    hmPanel.append(hmHead);
    this.heatmap = new Heatmap(hmPanel, tr);
    lower.append(hmPanel);
    this.panel = new RankingPanel(lower, {
      onFeature: (name) => this.chooseFeature(name),
      onRow: (layer, neuron) => this.view.choose(layer, neuron),
      onClearSpans: () => this.clearSpans(),
    }, tr);
    root.append(lower);

    this.bind();
    this.ready = true;
    this.readPredictions();
    this.panel.setFeatures(this.readFeatures(), String(model.get("feature") ?? ""));
    this.readSpansTrait();
    this.setRanking(readRanking(model.get("ranking")));
    this.onSelection();
    this.updateWindow();
  }

  // ---- wiring

  private bind(): void {
    const { view, model } = this;
    const on = (event: ModelEvent<NeuronExplorerState>, fn: () => void) => {
      model.on(event, fn);
      this.cleanups.push(() => model.off(event, fn));
    };
    on("change:predictions", () => { this.readPredictions(); this.showPredictions(); });
    on("change:features", () => this.panel.setFeatures(this.readFeatures(), String(model.get("feature") ?? "")));
    on("change:feature", () => this.panel.setFeature(String(model.get("feature") ?? "")));
    on("change:spans", () => this.readSpansTrait());
    on("change:scale", () => this.rescale());
    on("change:vmax", () => this.rescale());
    on("change:ranking", () => { this.cancelRank(); this.setRanking(readRanking(model.get("ranking"))); });

    const text = view.textEl;
    view.listen<MouseEvent>(text, "click", (e) => this.pin(view.strip.tokenAt(e.target)));
    view.listen(text, "scroll", () => this.onScroll());
    view.listen<MouseEvent>(document, "mouseup", (e) => this.onMouseUp(e));
    const canvas = this.heatmap.canvas;
    view.listen<MouseEvent>(canvas, "mousemove", (e) => this.onHeatmapHover(e));
    view.listen(canvas, "mouseleave", () => this.unhoverHeatmap());
    view.listen<MouseEvent>(canvas, "click", (e) => {
      const cell = this.heatmap.cellAt(e.clientX, e.clientY);
      // Not while the map still shows another layer (the new one is loading).
      if (cell && this.heatmap.shown?.layer === this.view.layer) this.view.choose(this.view.layer, cell.neuron);
    });
  }

  private readonly cleanups: (() => void)[] = [];

  private readFeatures(): string[] {
    const raw = this.model.get("features");
    return Array.isArray(raw) ? raw.map(String) : [];
  }

  private onText(): void {
    this.hmCache.clear();
    this.hmInflight.clear();
    this.hmWant = "";
    this.pinned = -1;
    this.pinnedEl = null;
    this.readPredictions();
    this.brushed = brushedTokens(this.view.strip.cp, this.spans);
    this.updateWindow();
  }

  private onSelection(): void {
    const { layer, neuron } = this.view;
    if (layer !== this.hmLayer) {
      this.hmLayer = layer;
      this.loadHeatmap();
    }
    this.heatmap.setSelected(neuron);
    this.panel.highlight(layer, neuron);
  }

  // ---- predictions

  private readPredictions(): void {
    try {
      const p = decodePredictions(this.model.get("predictions"));
      const n = this.view.strip.tokenCount;
      if (p && p.n !== n) throw new Error(`expected ${n} rows (one per token), got ${p.n}`);
      this.preds = p;
    } catch (err) {
      this.preds = null;
      console.warn("interpwidgets: predictions ignored:", (err as Error).message);
    }
    this.predStrip.el.hidden = !this.preds;
    this.showPredictions();
  }

  private onHoverToken(i: number): void {
    this.hoverTok = i;
    this.showPredictions();
    this.heatmap.mark(-1, i >= 0 ? i : this.pinned);
  }

  private pin(i: number): void {
    if (i < 0) return;
    this.pinned = i;
    this.pinnedEl?.classList.remove("iw-pinned");
    this.pinnedEl = this.view.strip.spanOf(i);
    this.pinnedEl?.classList.add("iw-pinned");
    this.showPredictions();
  }

  private showPredictions(): void {
    if (!this.preds) return;
    const i = this.hoverTok >= 0 ? this.hoverTok : this.pinned;
    const { strip } = this.view;
    if (i < 0 || i >= this.preds.n) {
      this.predStrip.hint(this.tr("explorer.hover_hint"));
      return;
    }
    const actual = i + 1 < strip.tokenCount ? strip.tokenText(i + 1) : null;
    this.predStrip.show(i, strip.tokenText(i), guessesAt(this.preds, i), actual);
  }

  private tooltipLines(i: number): string[] {
    return this.preds && i < this.preds.n ? [predictionLine(guessesAt(this.preds, i), this.tr)] : [];
  }

  // ---- heatmap

  private firstVisibleToken(): number {
    const c = this.view.textEl;
    if (c.scrollTop <= 0) return 0;
    const top = c.getBoundingClientRect().top + c.clientTop + 2;
    const spans = c.querySelectorAll<HTMLElement>(".iw-tok");
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid].getBoundingClientRect().bottom > top) hi = mid;
      else lo = mid + 1;
    }
    if (!spans.length) return 0;
    return Number(spans[Math.min(lo, spans.length - 1)].dataset.i) || 0;
  }

  private onScroll(): void {
    if (this.scrollTimer !== undefined) return;
    this.scrollTimer = setTimeout(() => {
      this.scrollTimer = undefined;
      if (!this.destroyed) this.updateWindow();
    }, SCROLL_THROTTLE_MS);
  }

  private updateWindow(): void {
    const w = heatmapWindow(this.firstVisibleToken(), this.view.strip.tokenCount);
    if (w[0] === this.hmWindow[0] && w[1] === this.hmWindow[1] && this.hmWant) return;
    this.hmWindow = w;
    this.loadHeatmap();
  }

  private loadHeatmap(force = false): void {
    const { layer } = this.view;
    const [start, stop] = this.hmWindow;
    if (!layer || stop <= start) { this.heatmap.setData(null); this.hmWant = ""; return; }
    const key = `${layer}\u0000${start}\u0000${stop}`;
    if (key === this.hmWant && !force && (this.hmInflight.has(key) || this.heatmap.shown)) {
      const hit = this.hmCache.get(key);
      if (!hit || hit === this.heatmap.shown) return;
    }
    this.hmWant = key;
    const hit = this.hmCache.get(key);
    if (hit) { this.showHeatmap(hit); return; }
    this.heatmap.setStale(true);
    clearTimeout(this.hmTimer);
    this.hmTimer = setTimeout(() => {
      if (this.hmWant === key) this.heatmap.setStatus(this.tr("explorer.loading_positions", { first: start, last: stop - 1 }), "iw-status-loading");
    }, LOADING_DELAY_MS);
    if (this.hmInflight.has(key)) return;
    this.hmInflight.add(key);
    request<RawHeatmap>(this.model, { kind: "heatmap", layer, start, stop }).then(
      (raw) => {
        this.hmInflight.delete(key);
        const data = this.decodeHeatmap(raw, layer, start, stop);
        this.hmCache.set(key, data);
        while (this.hmCache.size > HEATMAP_CACHE) this.hmCache.delete(this.hmCache.keys().next().value as string);
        if (!this.destroyed && this.hmWant === key) this.showHeatmap(data);
      },
    ).catch((err: Error) => {
      this.hmInflight.delete(key);
      if (this.destroyed || this.hmWant !== key) return;
      clearTimeout(this.hmTimer);
      const [msg, detail] = splitRequestKey(err.message || String(err));
      this.heatmap.setStatus(msg, "iw-status-error", () => { this.heatmap.setStatus(""); this.loadHeatmap(true); });
      if (detail) this.heatmap.el.title = detail;
    });
  }

  private decodeHeatmap(raw: RawHeatmap, layer: string, start: number, stop: number): HeatmapData {
    if (!raw || !raw.values) throw new Error(`the reply for the heatmap of ${layer} holds no values`);
    const d = decode(raw.values);
    const data = d.data instanceof Float32Array ? d.data : Float32Array.from(d.data);
    const [rows, cols] = d.shape;
    const units = this.view.unitsOf(layer);
    if (d.shape.length !== 2 || cols !== stop - start || (units && rows !== units)) {
      throw new Error(`heatmap: expected values of shape [${units}, ${stop - start}], got [${d.shape}]`);
    }
    const max = Number(raw.vmax);
    return { layer, start, stop, vmax: robustScale(data, 0.99, max), max: max > 0 ? max : 1, rows, values: data };
  }

  private showHeatmap(data: HeatmapData): void {
    clearTimeout(this.hmTimer);
    this.heatmap.el.title = "";
    this.heatmap.setStatus("");
    this.heatmap.setStale(false);
    this.heatmap.show(data, this.orderFor(data.layer, data.rows), this.rankedIn(data.layer, data.rows), this.view.neuron, this.scaleOf(data));
    this.updateHeatmapLabel();
  }

  /** The heatmap's colour scale: the layer's, as the text's (neuron_scale.ts), over what the
   *  window shows (its 99th percentile of |value|, the layer's largest |value|). */
  private scaleOf(d: HeatmapData): NeuronScale {
    return this.view.colours.scaleOf(d.layer, () => ({ max: d.max, p99: d.vmax }));
  }

  /** The `scale` or `vmax` trait changed: the heatmap in the new scale. */
  private rescale(): void {
    const d = this.heatmap.shown;
    if (!d) return;
    this.heatmap.setScale(this.scaleOf(d));
    this.updateHeatmapLabel();
  }

  private orderFor(layer: string, rows: number): Int32Array {
    return rowOrder(rows, this.ranking?.rows ?? [], layer);
  }

  /** How many rows of `layer` the ranking puts on top. */
  private rankedIn(layer: string, rows: number): number {
    const ns = (this.ranking?.rows ?? []).filter((r) => r.layer === layer && r.neuron >= 0 && r.neuron < rows);
    return new Set(ns.map((r) => r.neuron)).size;
  }

  private updateHeatmapLabel(): void {
    const d = this.heatmap.shown;
    if (!d) { this.hmTitle.textContent = ""; this.hmLabel.textContent = ""; this.hmScale.textContent = ""; return; }
    const ranked = this.rankedIn(d.layer, d.rows);
    const { tr } = this;
    const note = !ranked ? "" : ranked < d.rows ? tr("explorer.ranked_on_top", { n: ranked }) : tr("explorer.in_ranking_order");
    this.hmTitle.textContent = tr("explorer.heatmap_title", { layer: d.layer, n: d.rows, note });
    this.hmLabel.textContent = tr("explorer.heatmap_positions", { first: d.start, last: d.stop - 1, n: this.view.strip.tokenCount });
    const scale = this.scaleOf(d);
    this.hmScale.textContent = describeScale(scale, this.tr).note;
    // the swatch before it (neuron_explorer.css) shows the ramp the map is drawn with
    this.hmScale.style.setProperty("--iw-diverging-bar", scale.ramp === "sequential" ? "var(--iw-sequential-bar)" : "");
  }

  private onHeatmapHover(e: MouseEvent): void {
    const cell = this.heatmap.cellAt(e.clientX, e.clientY);
    if (!cell) { this.unhoverHeatmap(); return; }
    this.heatmap.mark(cell.row, cell.pos);
    const span = this.view.strip.spanOf(cell.pos);
    if (span !== this.linked) {
      this.linked?.classList.remove("iw-linked");
      span?.classList.add("iw-linked");
      this.linked = span;
    }
    const tok = visibleWhitespace(this.view.strip.tokenText(cell.pos));
    const { tr } = this;
    const value = Number.isNaN(cell.value) ? tr("tooltip.value_missing") : tr("tooltip.value", { value: formatValue(cell.value) });
    this.view.tooltip.show([tr("explorer.heatmap_tip", { neuron: cell.neuron, pos: cell.pos, token: tok }), value], e.clientX, e.clientY);
  }

  private unhoverHeatmap(): void {
    this.heatmap.mark(-1, -1);
    this.linked?.classList.remove("iw-linked");
    this.linked = null;
    this.view.tooltip.hide();
  }

  // ---- ranking

  private setRanking(r: Ranking | null): void {
    clearTimeout(this.rankTimer);
    this.ranking = r;
    this.panel.setLoading(false);
    this.panel.show(r);
    this.panel.highlight(this.view.layer, this.view.neuron);
    const d = this.heatmap.shown;
    if (d) {
      this.heatmap.setOrder(this.orderFor(d.layer, d.rows), this.rankedIn(d.layer, d.rows));
      this.updateHeatmapLabel();
    }
  }

  private cancelRank(): void {
    this.rankSeq++;
    clearTimeout(this.rankTimer);
  }

  private rank(body: { kind: "rank"; feature?: string; spans?: number[][]; threshold?: number }, cacheKey = ""): void {
    const seq = ++this.rankSeq;
    this.panel.setLoading(true);
    clearTimeout(this.rankTimer);
    this.rankTimer = setTimeout(() => {
      if (seq === this.rankSeq) this.panel.setMessage(this.tr("explorer.ranking"), "iw-rank-loading");
    }, LOADING_DELAY_MS);
    request(this.model, body).then(
      (raw) => {
        const r = readRanking(raw);
        if (r && cacheKey) this.rankCache.set(cacheKey, r);
        if (seq === this.rankSeq && !this.destroyed) this.setRanking(r);
      },
      (err: Error) => {
        if (seq !== this.rankSeq || this.destroyed) return;
        clearTimeout(this.rankTimer);
        this.ranking = null;
        this.panel.setLoading(false);
        this.panel.show({ source: describeRank(body, this.tr), rows: [] });
        const [msg, detail] = splitRequestKey(err.message || String(err));
        this.panel.setMessage(msg, "iw-rank-error", () => this.rank(body, cacheKey), detail);
        const d = this.heatmap.shown;
        if (d) this.heatmap.setOrder(this.orderFor(d.layer, d.rows), 0);
      },
    );
  }

  private rankByFeature(name: string): void {
    if (!name) { this.cancelRank(); this.setRanking(null); return; }
    const hit = this.rankCache.get(name);
    if (hit) { this.cancelRank(); this.setRanking(hit); return; }
    this.rank({ kind: "rank", feature: name }, name);
  }

  private chooseFeature(name: string): void {
    this.model.set("feature", name);
    if (this.spans.length) this.applySpans([], true); // a feature replaces the brushed spans
    this.model.save_changes();
    this.rankByFeature(name);
  }

  // ---- brushing spans

  private readSpansTrait(): void {
    const spans = readSpans(this.model.get("spans"));
    if (JSON.stringify(spans) === JSON.stringify(this.spans)) return;
    this.applySpans(spans, false);
  }

  /** Show `spans` in the text; `sync` also sets the trait (the caller saves). */
  private applySpans(spans: [number, number][], sync: boolean): void {
    this.spans = spans;
    this.brushed = brushedTokens(this.view.strip.cp, spans);
    this.panel.setSpans(spans.length);
    this.view.repaint();
    if (sync) this.model.set("spans", spans.map(([s, e]) => [s, e]));
  }

  private onMouseUp(e: MouseEvent): void {
    const sel = typeof window.getSelection === "function" ? window.getSelection() : null;
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return;
    const range = sel.getRangeAt(0);
    const { textEl, strip } = this.view;
    if (!range.intersectsNode(textEl)) return;
    let a = strip.offsetOf(range.startContainer, range.startOffset);
    let b = strip.offsetOf(range.endContainer, range.endOffset);
    if (a < 0) a = 0; // started before the text
    if (b < 0) b = strip.text.length; // ended after it
    const span = brushSpan(strip.text, strip.u16, strip.cp, a, b);
    if (!span) return;
    sel.removeAllRanges();
    this.brush(span, e.shiftKey);
  }

  /** A brushed span: replaces the spans, or is added to them with Shift. */
  brush(span: [number, number], add: boolean): void {
    const spans = add ? [...this.spans.filter((s) => s[0] !== span[0] || s[1] !== span[1]), span] : [span];
    spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    this.applySpans(spans, true);
    // the ranking now comes from the spans: the feature menu must not keep naming the old one
    if (this.model.get("feature")) {
      this.model.set("feature", "");
      this.panel.setFeature("");
    }
    this.model.save_changes();
    const threshold = Number(this.model.get("threshold"));
    this.rank({ kind: "rank", spans: spans.map(([s, e]) => [s, e]), threshold: Number.isFinite(threshold) ? threshold : 0.3 });
  }

  private clearSpans(): void {
    if (!this.spans.length) return;
    this.applySpans([], true);
    this.model.save_changes();
    this.rankByFeature(String(this.model.get("feature") ?? ""));
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.hmTimer);
    clearTimeout(this.scrollTimer);
    clearTimeout(this.rankTimer);
    for (const c of this.cleanups.splice(0)) c();
    this.heatmap.destroy();
    this.view.destroy();
  }
}

export default widgetModule((model, host) => new NeuronExplorerView(model, host));
