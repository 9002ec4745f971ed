// NeuronExplorer: the NeuronText view plus what the model predicts next (Karpathy et al. 2016),
// a neurons × positions heatmap of the layer, and neuron search by feature or by brushing
// spans of text (LSTMVis, Strobelt et al. 2018). Data the kernel did not send is requested.
// The heatmap panel is heatmap_panel.ts (drawn by heatmap.ts); the prediction strip
// predictions.ts, the ranking panel ranking.ts, brushing brush.ts; this file wires them.

import { el, widgetModule } from "../shared/dom";
import { brushSpan, brushedTokens, readSpans } from "./brush";
import { HeatmapPanel, LOADING_DELAY_MS } from "./heatmap_panel";
import { NeuronView } from "../neuron_text/neuron_view";
import { PredictionStrip, decodePredictions, guessesAt, predictionLine, type Predictions } from "./predictions";
import { RankingPanel, readRanking, type Ranking } from "./ranking";
import { request, splitRequestKey } from "../shared/request";
import { english, translator, type Tr } from "../shared/i18n";
import type { NeuronExplorerState } from "../shared/states";
import type { AnyModel, ModelEvent } from "../shared/types";

export { splitRequestKey };

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
  private readonly heatmap: HeatmapPanel;
  private readonly panel: RankingPanel;
  private ready = false;
  private destroyed = false;
  // predictions
  private preds: Predictions | null = null;
  private hoverTok = -1;
  private pinned = -1;
  private pinnedEl: HTMLElement | null = null;
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
      redraw: () => { if (this.ready) this.heatmap.heatmap.draw(); },
    });
    const { root } = this.view;
    this.predStrip = new PredictionStrip(root, tr);

    const lower = el("div", "iw-explorer-lower");
    this.heatmap = new HeatmapPanel(lower, model, this.view, tr, () => this.ranking?.rows ?? []);
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
    this.heatmap.updateWindow();
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
    on("change:scale", () => this.heatmap.rescale());
    on("change:vmax", () => this.heatmap.rescale());
    on("change:ranking", () => { this.cancelRank(); this.setRanking(readRanking(model.get("ranking"))); });

    const text = view.textEl;
    view.listen<MouseEvent>(text, "click", (e) => this.pin(view.strip.tokenAt(e.target)));
    view.listen(text, "scroll", () => this.heatmap.onScroll());
    view.listen<MouseEvent>(document, "mouseup", (e) => this.onMouseUp(e));
  }

  private readonly cleanups: (() => void)[] = [];

  private readFeatures(): string[] {
    const raw = this.model.get("features");
    return Array.isArray(raw) ? raw.map(String) : [];
  }

  private onText(): void {
    this.pinned = -1;
    this.pinnedEl = null;
    this.readPredictions();
    this.brushed = brushedTokens(this.view.strip.cp, this.spans);
    this.heatmap.reset();
  }

  private onSelection(): void {
    const { layer, neuron } = this.view;
    this.heatmap.select(layer, neuron);
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
    this.heatmap.heatmap.mark(-1, i >= 0 ? i : this.pinned);
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


  // ---- ranking

  private setRanking(r: Ranking | null): void {
    clearTimeout(this.rankTimer);
    this.ranking = r;
    this.panel.setLoading(false);
    this.panel.show(r);
    this.panel.highlight(this.view.layer, this.view.neuron);
    this.heatmap.reorder();
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
        this.heatmap.reorder(false); // nothing ranked: the layer's own order
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
    clearTimeout(this.rankTimer);
    for (const c of this.cleanups.splice(0)) c();
    this.heatmap.destroy();
    this.view.destroy();
  }
}

export default widgetModule((model, host) => new NeuronExplorerView(model, host));
