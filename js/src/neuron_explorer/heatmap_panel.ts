// NeuronExplorer's neurons × positions heatmap of the selected layer, as a panel: its head (the
// layer, the positions shown, the colour scale), the window of positions the text shows
// (following its scroll), the windows fetched from the kernel on demand and cached, the rows
// in ranking order, and hover linked to the text. heatmap.ts draws; this file decides what.

import { decode, type Encoded } from "../shared/codec";
import { el } from "../shared/dom";
import { type Tr } from "../shared/i18n";
import { formatValue } from "../shared/legend";
import { request, splitRequestKey } from "../shared/request";
import { visibleWhitespace } from "../shared/tooltip";
import type { NeuronExplorerState } from "../shared/states";
import type { AnyModel } from "../shared/types";
import { describeScale, type NeuronScale } from "../neuron_text/neuron_scale";
import type { NeuronView } from "../neuron_text/neuron_view";
import { Heatmap, heatmapWindow, robustScale, rowOrder, type HeatmapData } from "./heatmap";
import type { RankRow } from "./ranking";

interface RawHeatmap { layer?: unknown; start?: unknown; stop?: unknown; vmax?: unknown; values?: Encoded }

const HEATMAP_CACHE = 24;
const SCROLL_THROTTLE_MS = 150;
export const LOADING_DELAY_MS = 150;

export class HeatmapPanel {
  readonly heatmap: Heatmap;
  private readonly title = el("span", "iw-heatmap-title");
  private readonly label = el("span", "iw-heatmap-label");
  private readonly scaleNote = el("span", "iw-heatmap-scale");
  private readonly cache = new Map<string, HeatmapData>();
  private readonly inflight = new Set<string>();
  private window: [number, number] = [0, 0];
  private want = "";
  private layer = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private scrollTimer: ReturnType<typeof setTimeout> | undefined;
  private linked: HTMLElement | null = null;
  private destroyed = false;

  /** `rankRows`: the ranking's rows now (they go on top of the map). */
  constructor(
    parent: HTMLElement,
    private readonly model: AnyModel<NeuronExplorerState>,
    private readonly view: NeuronView,
    private readonly tr: Tr,
    private readonly rankRows: () => RankRow[],
  ) {
    const panel = el("div", "iw-heatmap-panel");
    const head = el("div", "iw-heatmap-head");
    this.scaleNote.title = tr("explorer.scale_title");
    head.append(el("span", "iw-field-name", tr("explorer.all_neurons")), this.title, this.label, this.scaleNote);
    panel.append(head);
    this.heatmap = new Heatmap(panel, tr);
    parent.append(panel);
    const { canvas } = this.heatmap;
    view.listen<MouseEvent>(canvas, "mousemove", (e) => this.onHover(e));
    view.listen(canvas, "mouseleave", () => this.unhover());
    view.listen<MouseEvent>(canvas, "click", (e) => {
      const cell = this.heatmap.cellAt(e.clientX, e.clientY);
      // Not while the map still shows another layer (the new one is loading).
      if (cell && this.heatmap.shown?.layer === this.view.layer) this.view.choose(this.view.layer, cell.neuron);
    });
  }

  /** A new text: nothing fetched so far holds; the window is found again. */
  reset(): void {
    this.cache.clear();
    this.inflight.clear();
    this.want = "";
    this.updateWindow();
  }

  /** The unit shown changed: the map of its layer (fetched when the layer changed), its row marked. */
  select(layer: string, neuron: number): void {
    if (layer !== this.layer) {
      this.layer = layer;
      this.load();
    }
    this.heatmap.setSelected(neuron);
  }

  /** The ranking changed: its rows on top (with the head saying so when `label`). */
  reorder(label = true): void {
    const d = this.heatmap.shown;
    if (!d) return;
    this.heatmap.setOrder(this.orderFor(d.layer, d.rows), this.rankedIn(d.layer, d.rows));
    if (label) this.updateLabel();
  }

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

  /** The text scrolled: the heatmap follows its visible window (throttled). */
  onScroll(): void {
    if (this.scrollTimer !== undefined) return;
    this.scrollTimer = setTimeout(() => {
      this.scrollTimer = undefined;
      if (!this.destroyed) this.updateWindow();
    }, SCROLL_THROTTLE_MS);
  }

  /** Show the window of positions the text shows from its first visible token. */
  updateWindow(): void {
    const w = heatmapWindow(this.firstVisibleToken(), this.view.strip.tokenCount);
    if (w[0] === this.window[0] && w[1] === this.window[1] && this.want) return;
    this.window = w;
    this.load();
  }

  private load(force = false): void {
    const { layer } = this.view;
    const [start, stop] = this.window;
    if (!layer || stop <= start) { this.heatmap.setData(null); this.want = ""; return; }
    const key = `${layer}\u0000${start}\u0000${stop}`;
    if (key === this.want && !force && (this.inflight.has(key) || this.heatmap.shown)) {
      const hit = this.cache.get(key);
      if (!hit || hit === this.heatmap.shown) return;
    }
    this.want = key;
    const hit = this.cache.get(key);
    if (hit) { this.showData(hit); return; }
    this.heatmap.setStale(true);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.want === key) this.heatmap.setStatus(this.tr("explorer.loading_positions", { first: start, last: stop - 1 }), "iw-status-loading");
    }, LOADING_DELAY_MS);
    if (this.inflight.has(key)) return;
    this.inflight.add(key);
    request<RawHeatmap>(this.model, { kind: "heatmap", layer, start, stop }).then(
      (raw) => {
        this.inflight.delete(key);
        const data = this.decode(raw, layer, start, stop);
        this.cache.set(key, data);
        while (this.cache.size > HEATMAP_CACHE) this.cache.delete(this.cache.keys().next().value as string);
        if (!this.destroyed && this.want === key) this.showData(data);
      },
    ).catch((err: Error) => {
      this.inflight.delete(key);
      if (this.destroyed || this.want !== key) return;
      clearTimeout(this.timer);
      const [msg, detail] = splitRequestKey(err.message || String(err));
      this.heatmap.setStatus(msg, "iw-status-error", () => { this.heatmap.setStatus(""); this.load(true); });
      if (detail) this.heatmap.el.title = detail;
    });
  }

  private decode(raw: RawHeatmap, layer: string, start: number, stop: number): HeatmapData {
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

  private showData(data: HeatmapData): void {
    clearTimeout(this.timer);
    this.heatmap.el.title = "";
    this.heatmap.setStatus("");
    this.heatmap.setStale(false);
    this.heatmap.show(data, this.orderFor(data.layer, data.rows), this.rankedIn(data.layer, data.rows), this.view.neuron, this.scaleOf(data));
    this.updateLabel();
  }

  /** The heatmap's colour scale: the layer's, as the text's (neuron_scale.ts), over what the
   *  window shows (its 99th percentile of |value|, the layer's largest |value|). */
  private scaleOf(d: HeatmapData): NeuronScale {
    return this.view.colours.scaleOf(d.layer, () => ({ max: d.max, p99: d.vmax }));
  }

  /** The `scale` or `vmax` trait changed: the heatmap in the new scale. */
  rescale(): void {
    const d = this.heatmap.shown;
    if (!d) return;
    this.heatmap.setScale(this.scaleOf(d));
    this.updateLabel();
  }

  private orderFor(layer: string, rows: number): Int32Array {
    return rowOrder(rows, this.rankRows(), layer);
  }

  /** How many rows of `layer` the ranking puts on top. */
  private rankedIn(layer: string, rows: number): number {
    const ns = (this.rankRows()).filter((r) => r.layer === layer && r.neuron >= 0 && r.neuron < rows);
    return new Set(ns.map((r) => r.neuron)).size;
  }

  private updateLabel(): void {
    const d = this.heatmap.shown;
    if (!d) { this.title.textContent = ""; this.label.textContent = ""; this.scaleNote.textContent = ""; return; }
    const ranked = this.rankedIn(d.layer, d.rows);
    const { tr } = this;
    const note = !ranked ? "" : ranked < d.rows ? tr("explorer.ranked_on_top", { n: ranked }) : tr("explorer.in_ranking_order");
    this.title.textContent = tr("explorer.heatmap_title", { layer: d.layer, n: d.rows, note });
    this.label.textContent = tr("explorer.heatmap_positions", { first: d.start, last: d.stop - 1, n: this.view.strip.tokenCount });
    const scale = this.scaleOf(d);
    this.scaleNote.textContent = describeScale(scale, this.tr).note;
    // the swatch before it (neuron_explorer.css) shows the ramp the map is drawn with
    this.scaleNote.style.setProperty("--iw-diverging-bar", scale.ramp === "sequential" ? "var(--iw-sequential-bar)" : "");
  }

  private onHover(e: MouseEvent): void {
    const cell = this.heatmap.cellAt(e.clientX, e.clientY);
    if (!cell) { this.unhover(); return; }
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

  private unhover(): void {
    this.heatmap.mark(-1, -1);
    this.linked?.classList.remove("iw-linked");
    this.linked = null;
    this.view.tooltip.hide();
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
    clearTimeout(this.scrollTimer);
    this.heatmap.destroy();
  }
}
