// NeuronDashboard: one unit of a corpus scan (Neuroscope / SAEDashboard's layout for any unit).
// Left: the histogram with its stats, the feature scores and the output effect. Right: the
// top, bottom and quantile-interval contexts, coloured like NeuronText. The selected unit
// arrives in the `unit` trait; others are asked for (request.ts) and kept in a small cache.
// Clicking a context sets the two-way `selected` trait for Python.

import { el, widgetModule } from "../shared/dom";
import { StatusLine } from "../shared/status";
import { translator, type Tr } from "../shared/i18n";
import { Legend, formatTick, formatValue } from "../shared/legend";
import { MISSING } from "../shared/colors";
import { MISSING_DARK, textBackground } from "../shared/text_scale";
import { NeuronControls } from "../neuron_text/neuron_controls";
import { clusterOf, perCodePoint, tokenLabel } from "../shared/graphemes";
import { type ContextRow, type RawUnit, type Unit, decodeUnit, groupByInterval } from "./neuron_dashboard_data";
import { Histogram } from "./neuron_dashboard_hist";
import { contextList, effectBox, featureTable, paletteCss, statsBox, whereOf } from "./neuron_dashboard_parts";
import { request } from "../shared/request";
import type { NeuronDashboardState } from "../shared/states";
import type { AnyModel } from "../shared/types";
import { WidgetView } from "../shared/view";

const CACHE_SIZE = 32;
const LOADING_DELAY_MS = 150;
const key = (layer: string, neuron: number) => `${layer}\u0000${neuron}`;

export class NeuronDashboardView extends WidgetView<NeuronDashboardState> {
  private readonly controls = new NeuronControls(this.titleRow);
  private readonly legend: Legend;
  private readonly info = el("div", "iw-nd-info");
  private readonly status = new StatusLine();
  /** What the scan counts: characters, or tokens for token models. */
  private positions = "characters";
  private readonly body = el("div", "iw-nd-body");
  private readonly side = el("div", "iw-nd-side");
  private readonly main = el("div", "iw-nd-main");
  private readonly histBox = el("section", "iw-nd-section iw-nd-histogram");
  private readonly hist: Histogram;
  private readonly cache = new Map<string, Unit>();
  private readonly inflight = new Map<string, Promise<Unit>>();
  private layer = "";
  private neuron = 0;
  private shown: Unit | null = null;
  /** When the selection last changed (performance.now()), for the open-time measurement. */
  private asked = 0;

  /** The widget's words in its language (the `_strings` trait). */
  private readonly tr: Tr;

  constructor(model: AnyModel<NeuronDashboardState>, host: HTMLElement) {
    super(model, "iw-neuron-dashboard", translator(model)("dashboard.aria"));
    const { root } = this;
    const { title, row } = this.controls;
    const tr = (this.tr = translator(model));
    this.controls.setLanguage(tr);
    this.legend = new Legend(row, undefined, tr);
    this.legend.setMissing(false);
    const head = el("div", "iw-nd-head");
    head.append(el("span", "iw-nd-head-title", tr("dashboard.activations")), el("span", "iw-nd-head-note", tr("dashboard.activations_note")));
    this.hist = new Histogram(root, tr);
    this.histBox.append(head, this.hist.el);
    this.side.append(this.histBox);
    this.body.append(this.side, this.main);
    const wrap = el("div", "iw-nd-wrap");
    wrap.append(this.body, this.status.el);
    const palette = el("style");
    palette.textContent = paletteCss();
    root.append(palette, title, row, this.info, wrap);
    this.mount(host, { parent: row, beside: this.legend.el, name: "neuron_dashboard", redraw: () => { this.hist.draw(); this.showLegend(); } });
    this.bind();
    this.readLayers();
    this.readInfo();
    this.readSelection();
    this.takeUnitTrait();
    this.update();
  }

  // ---- wiring

  private bind(): void {
    const on = (t: EventTarget, type: string, fn: (e: Event) => void) => this.listen(t, type, fn);
    const { select, input, prev, next } = this.controls;
    on(select, "change", () => this.choose(select.value, this.neuron));
    on(input, "change", () => {
      const n = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(n)) input.value = String(this.neuron);
      else this.choose(this.layer, Math.round(n));
    });
    on(prev, "click", () => this.choose(this.layer, this.neuron - 1));
    on(next, "click", () => this.choose(this.layer, this.neuron + 1));
    on(this.root, "keydown", (e) => this.onKey(e as KeyboardEvent));
    on(this.main, "click", (e) => this.onClick(e));
    on(this.main, "mouseover", (e) => this.onHover(e as MouseEvent));
    on(this.main, "mouseleave", () => this.tooltip.hide());
    const m = this.on.bind(this);
    m("change:layers", () => { this.readLayers(); this.schedule(); });
    m("change:export_layers", () => { this.readLayers(); this.schedule(); });
    m("change:layer", () => { this.readSelection(); this.schedule(); });
    m("change:neuron", () => { this.readSelection(); this.schedule(); });
    m("change:unit", () => { this.takeUnitTrait(); this.schedule(); });
    m("change:title", () => this.syncControls());
    m("change:info", () => this.readInfo());
    m("change:selected", () => this.markSelected());
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    let handled = true;
    if (e.key === "ArrowRight") this.choose(this.layer, this.neuron + 1);
    else if (e.key === "ArrowLeft") this.choose(this.layer, this.neuron - 1);
    else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      const to = this.controls.stepLayer(this.layer, e.key === "ArrowUp" ? -1 : 1);
      if (to) this.choose(to, this.neuron);
    } else if ((e.key === "Enter" || e.key === " ") && t instanceof HTMLElement && t.classList.contains("iw-nd-ctx")) {
      this.select(t);
    } else handled = false;
    if (handled) { e.preventDefault(); e.stopPropagation(); }
  }

  private readLayers(): void {
    this.controls.setLayers(this.model.get("layers"), this.model.get("export_layers"));
  }

  private readInfo(): void {
    const i = (this.model.get("info") ?? {}) as Record<string, unknown>;
    const parts: string[] = [];
    if (i.model) parts.push(String(i.model));
    const n = (v: unknown) => Number(v || 0).toLocaleString("en-US");
    const { tr } = this;
    if (i.n_docs) parts.push(tr("dashboard.info_docs", { n: n(i.n_docs) }));
    if (i.n_chars) parts.push(tr("dashboard.info_chars", { n: n(i.n_chars) }));
    this.positions = i.positions === "tokens" ? tr("dashboard.tokens") : tr("dashboard.characters");
    if (i.k) parts.push(tr("dashboard.info_k", { n: n(i.k) }));
    if (i.context) parts.push(tr("dashboard.info_context", { n: n(i.context) }));
    this.info.textContent = parts.length ? tr("dashboard.info", { parts: parts.join(" \u00b7 ") }) : "";
    this.info.hidden = !parts.length;
  }

  private readSelection(): void {
    this.layer = String(this.model.get("layer") ?? "");
    this.neuron = Number(this.model.get("neuron")) | 0;
    this.asked = performance.now();
  }

  private takeUnitTrait(): void {
    try {
      const u = decodeUnit(this.model.get("unit") as RawUnit);
      if (u) this.remember(u);
    } catch (err) {
      console.warn("interpwidgets: unit trait ignored:", (err as Error).message);
    }
  }

  private remember(u: Unit): void {
    const k = key(u.layer, u.neuron);
    this.cache.delete(k);
    this.cache.set(k, u);
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }

  private fetch(layer: string, neuron: number): Promise<Unit> {
    const k = key(layer, neuron);
    let p = this.inflight.get(k);
    if (!p) {
      p = request<RawUnit>(this.model, { kind: "unit", layer, neuron }).then((raw) => {
        const u = decodeUnit(raw);
        if (!u) throw new Error(`the reply for ${layer} unit ${neuron} holds no data`);
        this.remember(u);
        return u;
      });
      const done = () => { if (this.inflight.get(k) === p) this.inflight.delete(k); };
      p.then(done, done);
      this.inflight.set(k, p);
    }
    return p;
  }

  // ---- selection

  /** A change made in the browser (NeuronControls clamps it and syncs it to Python). */
  private choose(layer: string, neuron: number): void {
    const asked = performance.now();
    const to = this.controls.choose(this.model, [this.layer, this.neuron], layer, neuron);
    if (!to) { this.syncControls(); return; }
    this.asked = asked;
    [this.layer, this.neuron] = to;
    this.schedule();
  }

  protected render(): void {
    this.update();
  }

  private syncControls(): void {
    this.controls.sync(this.layer, this.neuron);
    this.controls.setTitle(String(this.model.get("title") ?? ""), this.layer, this.neuron);
  }

  private isSelected(layer: string, neuron: number): boolean {
    return !this.destroyed && this.layer === layer && this.neuron === neuron;
  }

  private update(): void {
    if (this.destroyed) return;
    this.syncControls();
    const { layer, neuron } = this;
    if (!layer) return;
    const u = this.cache.get(key(layer, neuron));
    if (u) {
      if (u !== this.shown) this.show(u, "cache");
      else this.status.hide();
      return;
    }
    this.root.classList.add("iw-stale");
    this.status.later(this.tr("dashboard.loading", { unit: this.controls.nounOf(layer), neuron }), LOADING_DELAY_MS, () => this.isSelected(layer, neuron));
    this.fetch(layer, neuron).then(
      (got) => { if (this.isSelected(layer, neuron)) this.show(got, "fetched"); },
      (err: Error) => { if (this.isSelected(layer, neuron)) this.status.error(err.message || String(err), () => this.update()); },
    );
  }

  // ---- drawing

  /** Draw unit `u` in two steps: what a person reads first (histogram, stats, top contexts)
   *  at once, then, after the browser has painted that, the bottom contexts, the feature
   *  scores, the output effect and the quantile samples. `data-open-ms`: selection → first step laid out;
   *  `data-complete-ms`: → everything; `data-rendered-neuron` is set when everything is drawn. */
  private show(u: Unit, source: string): void {
    this.shown = u;
    this.status.hide();
    this.root.classList.remove("iw-stale");
    this.tooltip.hide();
    this.showLegend();
    this.legend.setMissing([u.top, u.bottom, u.quantiles].some((rows) => rows.some((r) => r.values.some(Number.isNaN))));
    this.hist.set({ edges: u.edges, counts: u.counts, vmax: u.vmax });
    const features = el("div", "iw-nd-later");
    this.side.replaceChildren(this.histBox, statsBox(u.stats, this.positions, this.tr), features);
    const quant = el("section", "iw-nd-section iw-nd-quantiles");
    const qhead = el("div", "iw-nd-head");
    const { tr } = this;
    qhead.append(el("span", "iw-nd-head-title", tr("dashboard.quantiles")), el("span", "iw-nd-head-note", tr("dashboard.quantiles_note")));
    quant.append(qhead);
    const bottom = el("div", "iw-nd-later");
    this.main.replaceChildren(
      contextList(tr("dashboard.top"), tr("dashboard.top_note", { n: u.top.length }), u.top, u.vmax, "top", tr),
      bottom,
      quant,
    );
    this.markSelected();
    void this.root.offsetHeight; // lay it out: the measurement includes layout
    const asked = this.asked;
    this.root.dataset.openMs = (performance.now() - asked).toFixed(1);
    this.root.dataset.openSource = source;
    const rest = () => {
      if (this.destroyed || this.shown !== u) return;
      bottom.replaceWith(contextList(tr("dashboard.bottom"), tr("dashboard.bottom_note", { n: u.bottom.length }), u.bottom, u.vmax, "bottom", tr));
      features.replaceWith(featureTable(u.features, tr), effectBox(u.effect, tr));
      const groups = groupByInterval(u.quantiles);
      if (!groups.length) quant.append(el("div", "iw-nd-empty", tr("dashboard.none_in_scan")));
      for (const g of groups) {
        const share = Number.isFinite(g.share) ? tr("dashboard.share_of", { share: formatShare(g.share), positions: this.positions }) : "";
        const list = contextList(g.interval, share, g.rows, u.vmax, "quantile", tr);
        list.classList.add("iw-nd-interval");
        list.dataset.interval = g.interval;
        quant.append(list);
      }
      this.markSelected();
      void this.root.offsetHeight;
      this.root.dataset.completeMs = (performance.now() - asked).toFixed(1);
      this.root.dataset.renderedLayer = u.layer;
      this.root.dataset.renderedNeuron = String(u.neuron);
    };
    afterPaint(rest);
    this.prefetch(u.layer, u.neuron);
  }

  /** The legend of the contexts' scale (±vmax on NeuronText's text shades) in the page's theme. */
  private showLegend(): void {
    const u = this.shown;
    if (!u) return;
    const theme = this.root.dataset.theme === "dark" ? "dark" : "light";
    const v = Number.isFinite(u.vmax) && u.vmax > 0 ? u.vmax : 1;
    this.legend.setScale(`diverging:${theme}`, (x) => textBackground("diverging", x * 2 - 1, theme),
      [formatTick(-v), "0", formatTick(v)], "", theme === "dark" ? MISSING_DARK : MISSING);
  }

  private prefetch(layer: string, neuron: number): void {
    const units = this.controls.unitsOf(layer);
    for (const n of [neuron + 1, neuron - 1]) {
      if (n < 0 || n >= units || this.cache.has(key(layer, n))) continue;
      this.fetch(layer, n).catch(() => undefined); // quiet: an error shows if it is ever selected
    }
  }

  private rowOf(line: HTMLElement): ContextRow | null {
    const u = this.shown;
    if (!u) return null;
    const i = Number(line.dataset.index);
    const section = line.dataset.section;
    if (section === "top") return u.top[i] ?? null;
    if (section === "bottom") return u.bottom[i] ?? null;
    if (section === "quantile") {
      const interval = line.closest<HTMLElement>(".iw-nd-interval")?.dataset.interval;
      return u.quantiles.filter((r) => r.interval === interval)[i] ?? null;
    }
    return null;
  }

  private onClick(e: Event): void {
    const t = e.target instanceof Element ? e.target.closest<HTMLElement>(".iw-nd-ctx") : null;
    if (t) this.select(t);
  }

  /** A context was clicked: tell Python (the `selected` trait) and mark it. */
  private select(line: HTMLElement): void {
    const r = this.rowOf(line);
    const u = this.shown;
    if (!r || !u) return;
    this.model.set("selected", {
      layer: u.layer, neuron: u.neuron, doc: r.doc, doc_id: r.docId, position: r.position, start: r.start, end: r.end,
    });
    this.model.save_changes();
    this.markSelected();
  }

  private markSelected(): void {
    const s = (this.model.get("selected") ?? {}) as Record<string, unknown>;
    const u = this.shown;
    const match = !!u && s.layer === u.layer && Number(s.neuron) === u.neuron;
    for (const line of Array.from(this.main.querySelectorAll<HTMLElement>(".iw-nd-ctx"))) {
      const on = match && line.dataset.docId === String(s.doc_id) && line.dataset.position === String(s.position);
      line.classList.toggle("iw-nd-selected", on);
      line.setAttribute("aria-pressed", String(on));
    }
  }

  private onHover(e: MouseEvent): void {
    const ch = e.target instanceof Element ? e.target.closest<HTMLElement>(".iw-nd-ch") : null;
    const line = ch?.closest<HTMLElement>(".iw-nd-ctx");
    const r = line ? this.rowOf(line) : null;
    if (!ch || !r) { this.tooltip.hide(); return; }
    const i = Number(ch.dataset.i);
    const chars = Array.from(r.context);
    const valueOf = (k: number): string =>
      Number.isNaN(r.values[k]) ? this.tr("tooltip.value_missing") : this.tr("tooltip.value", { value: formatValue(r.values[k]) });
    // an emoji of several code points (ZWJ, skin tone) is drawn in its first one's span: all of them
    const [a, b] = clusterOf(r.context, perCodePoint(r.context), i);
    const focus = a <= r.focus && r.focus <= b ? r.focus : a;
    const lines = [
      this.tr(focus === r.focus ? "dashboard.tip_char_focus" : "dashboard.tip_char", { doc: r.doc, position: r.start + focus }),
      ...(b > a
        ? [tokenLabel(chars.slice(a, b + 1).join("")), ...chars.slice(a, b + 1).map((c, k) => `${r.start + a + k}  ${tokenLabel(c)}  ${valueOf(a + k)}`)]
        : [`${JSON.stringify(chars[i] ?? "")}  ${valueOf(i)}`]),
      this.tr("dashboard.tip_click", { where: whereOf(r) }),
    ];
    // never over the layer menu and neuron stepper, when it fits elsewhere
    this.tooltip.showFor(lines, ch.getBoundingClientRect(), e.clientX, [this.controls.row.getBoundingClientRect()]);
  }

  destroy(): void {
    this.status.cancel();
    super.destroy();
    this.hist.destroy();
  }
}

/** Run `fn` once the browser has painted what is on screen now (next frame, then a task). */
function afterPaint(fn: () => void): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(fn, 0));
  else setTimeout(fn, 0);
}

/** "34%", "2.2%", "0.30%", "<0.01%": a share of the corpus with two significant digits. */
export function formatShare(x: number): string {
  if (!(x > 0)) return "0%";
  const pct = 100 * x;
  return pct < 0.01 ? "<0.01%" : `${Number(pct.toPrecision(2))}%`;
}

export default widgetModule((model, host) => new NeuronDashboardView(model, host));
