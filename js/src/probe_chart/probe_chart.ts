// ProbeChart: probing classifiers per layer (Conneau et al. 2018; Hewitt & Liang 2019).
// A line chart, one colour per series (several models overlaid), layers on x and the
// chosen metric on y; with "accuracy" each series' control accuracy is drawn dashed and its
// majority baseline dotted. Hover a point for its values; click a point or a layer to list
// the neurons that layer's probe weights most; click a neuron to select it.

import { el, widgetModule } from "../shared/dom";
import {
  type Frame, type Metric, type Point, type Series, type YRange,
  METRICS, Z95, metricLabel, asMetric, columns, errorBars, fmt, labelRows, linePath, nearest, neuronText, points, readSeries, slotWidth,
  seriesColor, slots, tickDigits, tooltipLines, xAt, xAxisTitle, yAt, yRange,
} from "./probe_data";
import { uiScale } from "../shared/canvas";
import { hexToRgb, rgbString } from "../shared/colors";
import { legibleOn, themeBackground } from "../shared/theme";
import type { ProbeChartState } from "../shared/states";
import type { AnyModel } from "../shared/types";
import { WidgetView } from "../shared/view";
import { translator, type Tr } from "../shared/i18n";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 300;
const PAD = { left: 48, right: 16, top: 14, bottom: 30 };
const ROW_H = 15;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, cls = ""): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  if (cls) e.setAttribute("class", cls);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function svgText(x: number, y: number, text: string, cls: string, anchor = "middle"): SVGTextElement {
  const t = svg("text", { x: x.toFixed(1), y: y.toFixed(1), "text-anchor": anchor }, cls);
  t.textContent = text;
  return t;
}

interface Selected { series: number; layer: string }

export class ProbeChartView extends WidgetView<ProbeChartState> {
  /** The widget's words in its language (the `_strings` trait). */
  private readonly tr: Tr = translator(this.model);
  private readonly seg = el("span", "iw-probe-seg");
  private readonly legend = el("div", "iw-probe-legend");
  private readonly chart = el("div", "iw-probe-plot");
  private readonly panel = el("div", "iw-probe-panel");
  private readonly splitNote = el("div", "iw-probe-split");
  private svgEl: SVGSVGElement = svg("svg");
  series: Series[] = [];
  metric: Metric = "accuracy";
  private frame: Frame = { left: 0, top: 0, width: 0, height: 0 };
  private hit: Point[] = [];
  private hovered: Point | null = null;

  constructor(model: AnyModel<ProbeChartState>, host: HTMLElement) {
    super(model, "iw-probe-chart", translator(model)("probe.aria"), false);
    const { root, tr } = this;
    const controls = el("div", "iw-controls iw-probe-controls");
    const field = el("span", "iw-field");
    this.seg.setAttribute("role", "group");
    for (const m of METRICS) {
      const b = el("button", "iw-probe-metric", metricLabel(m, tr));
      b.type = "button";
      b.dataset.metric = m;
      b.title = tr(m === "accuracy" ? "probe.accuracy_title" : m === "selectivity" ? "probe.selectivity_title" : "probe.control_accuracy_title");
      this.listen(b, "click", () => this.chooseMetric(m));
      this.seg.append(b);
    }
    field.append(el("span", "iw-field-name", tr("probe.metric")), this.seg);
    controls.append(field);
    const body = el("div", "iw-probe-body");
    body.append(this.chart, this.panel);
    root.append(this.titleRow.el, controls, this.legend, body, this.splitNote);
    this.mount(host, { name: "probe_chart", parent: controls, redraw: () => this.schedule() });

    this.listen<MouseEvent>(this.chart, "mousemove", (e) => this.onMove(e));
    this.listen(this.chart, "mouseleave", () => this.unhover());
    this.listen<MouseEvent>(this.chart, "click", (e) => this.onClick(e));
    this.listen<MouseEvent>(this.panel, "click", (e) => this.onNeuron(e));
    this.listen<KeyboardEvent>(this.panel, "keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.onNeuron(e); }
    });
    for (const name of ["series", "title", "metric", "selected", "neuron"] as const) this.on(`change:${name}`, () => this.schedule());
    this.draw();
  }

  protected render(): void {
    this.draw();
  }

  private chooseMetric(m: Metric): void {
    if (this.model.get("metric") === m) return;
    this.model.set("metric", m);
    this.model.save_changes();
    this.schedule();
  }

  /** The `selected` trait when it names a drawn layer, else null. */
  selected(): Selected | null {
    const s = this.model.get("selected");
    if (!s || typeof s !== "object" || !Number.isInteger(s.series)) return null;
    const ser = this.series[s.series];
    if (!ser || !ser.layers.includes(String(s.layer))) return null;
    return { series: s.series, layer: String(s.layer) };
  }

  select(series: number, layerIndex: number): void {
    const layer = this.series[series]?.layers[layerIndex];
    if (layer === undefined) return;
    const cur = this.selected();
    if (cur && cur.series === series && cur.layer === layer) return;
    this.model.set("selected", { series, layer });
    this.model.save_changes();
    this.schedule();
  }

  // ---- drawing

  draw(): void {
    this.unhover();
    this.series = readSeries(this.model.get("series"));
    this.metric = asMetric(this.model.get("metric"));
    const title = String(this.model.get("title") ?? "");
    this.titleRow.main.textContent = title;
    this.titleRow.el.hidden = !title;
    for (const b of this.seg.querySelectorAll<HTMLButtonElement>("button.iw-probe-metric")) {
      const on = b.dataset.metric === this.metric;
      b.classList.toggle("iw-active", on);
      b.setAttribute("aria-pressed", String(on));
    }
    this.drawLegend();
    this.drawChart();
    this.drawPanel();
    this.drawSplit();
    this.root.setAttribute("data-rendered", this.metric);
  }

  private drawLegend(): void {
    const items: HTMLElement[] = this.series.map((s, k) => {
      const item = el("span", "iw-probe-legend-item");
      item.dataset.series = String(k);
      const sw = el("span", "iw-probe-swatch");
      sw.style.background = seriesColor(k);
      item.append(sw, el("span", "iw-probe-legend-name", s.name));
      return item;
    });
    const keys: [string, string][] = [];
    if (this.metric === "accuracy" && this.series.length) {
      keys.push(["iw-probe-key-solid", this.tr("probe.key_probe")], ["iw-probe-key-dashed", this.tr("probe.key_control")], ["iw-probe-key-dotted", this.tr("probe.key_majority")]);
    }
    const key = this.metric === "accuracy" ? "accuracy_se" : this.metric === "control_accuracy" ? "control_accuracy_se" : "selectivity_se";
    if (this.series.some((s) => s[key].some((v) => v !== null))) keys.push(["iw-probe-key-err", `\u00b1${Z95} SE (95%)`]);
    for (const [cls, text] of keys) {
      const item = el("span", "iw-probe-legend-item iw-probe-legend-style");
      item.append(el("span", `iw-probe-key ${cls}`), el("span", "iw-probe-legend-name", text));
      items.push(item);
    }
    this.legend.replaceChildren(...items);
  }

  private drawChart(): void {
    const { series, metric } = this;
    const cols = columns(series);
    const n = cols.n;
    if (!slots(series)) {
      this.svgEl = svg("svg");
      this.chart.replaceChildren(el("div", "iw-probe-empty", this.tr("probe.empty")));
      this.hit = [];
      return;
    }
    const rows = labelRows(series, cols);
    // Presentation mode (uiScale 1.5): the text is bigger (CSS), so are the margins that hold it.
    const scale = uiScale(this.root);
    const pad = { left: PAD.left * scale, right: PAD.right * scale, top: PAD.top * scale, bottom: PAD.bottom * scale };
    const rowH = ROW_H * scale;
    const plotH = HEIGHT * Math.max(1, scale * 0.8);
    const host = this.root.parentElement?.clientWidth ?? 0;
    // Each layer's slot holds its longest label; past the widest chart, labels stagger onto two lines.
    const need = slotWidth(rows, scale);
    const widest = Math.max(760 * scale, host - 40);
    let width = Math.max(420 * scale, Math.min(widest, Math.max(86 * scale, need) * n + pad.left + pad.right));
    if (host > 0 && scale > 1) width = Math.max(420, Math.min(width, host - 40));
    const plotW = width - pad.left - pad.right;
    const labelLines = plotW / Math.max(n, 1) < need ? 2 : 1;
    const labelsBottom = plotH + (rows.length * labelLines - 1) * rowH;
    const height = labelsBottom + rowH; // the x axis's title below the layer labels
    const f: Frame = { left: pad.left, top: pad.top, width: plotW, height: plotH - pad.top - pad.bottom };
    const page = themeBackground(this.root);
    this.frame = f;
    const r: YRange = yRange(series, metric);
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" }, "iw-probe-svg");
    root.setAttribute("aria-label", this.tr("probe.chart_aria", { metric: metricLabel(metric, this.tr), n: series.length }));

    // grid and y axis
    const grid = svg("g", {}, "iw-probe-grid");
    for (const t of r.ticks) {
      const y = yAt(t, r, f);
      grid.append(svg("line", { x1: f.left, x2: f.left + f.width, y1: y.toFixed(1), y2: y.toFixed(1) }, t === 0 ? "iw-probe-zero" : "iw-probe-gridline"));
      grid.append(svgText(f.left - 6 * scale, y + 4 * scale, fmt(t, tickDigits(r)), "iw-probe-tick", "end"));
    }
    const yLabel = svgText(0, 0, metricLabel(metric, this.tr), "iw-probe-axis-label");
    yLabel.setAttribute("transform", `translate(${(12 * scale).toFixed(1)} ${(f.top + f.height / 2).toFixed(1)}) rotate(-90)`);
    grid.append(yLabel);

    // x axis: column bands (the whole column is a click target) and layer labels
    const sel = this.selected();
    const selCol = sel ? cols.of[sel.series][series[sel.series].layers.indexOf(sel.layer)] : -1;
    const xaxis = svg("g", {}, "iw-probe-xaxis");
    for (let i = 0; i < n; i++) {
      const x = xAt(i, n, f);
      const band = svg("rect", { x: (f.left + (i / n) * f.width).toFixed(1), y: f.top, width: (f.width / n).toFixed(1), height: f.height }, "iw-probe-band");
      band.dataset.layer = String(i);
      if (selCol === i) band.classList.add("iw-probe-band-selected");
      xaxis.append(band);
      rows.forEach((row, k) => {
        const label = row.labels[i];
        if (label === undefined) return;
        const line = k * labelLines + (labelLines > 1 ? i % 2 : 0);
        const t = svgText(x, f.top + f.height + 17 * scale + line * rowH, label, "iw-probe-layer");
        t.dataset.layer = String(row.layer[i] ?? i);
        t.dataset.slot = String(i);
        if (row.series !== null) {
          t.dataset.series = String(row.series);
          t.style.fill = rgbString(legibleOn(hexToRgb(seriesColor(row.series)), page)); // text: 4.5:1 on the page
        }
        xaxis.append(t);
      });
    }

    const xTitle = svgText(f.left + f.width / 2, labelsBottom + rowH - 6 * scale, xAxisTitle(series, cols, this.tr), "iw-probe-axis-label iw-probe-axis-title");
    xaxis.append(xTitle);

    // lines: baselines first, so the probe's own line is on top
    const lines = svg("g", {}, "iw-probe-lines");
    const dots = svg("g", {}, "iw-probe-points");
    const hit: Point[] = [];
    series.forEach((s, k) => {
      const color = seriesColor(k);
      const add = (key: Metric | "majority", cls: string) => {
        const d = linePath(points(s, k, key, n, r, f, cols.of[k]));
        if (!d) return;
        const p = svg("path", { d, stroke: color }, cls);
        p.dataset.series = String(k);
        lines.append(p);
      };
      if (metric === "accuracy") {
        add("majority", "iw-probe-majority");
        add("control_accuracy", "iw-probe-control");
      }
      add(metric, "iw-probe-line");
      // error bars: ±1.96 SE of the shown measure (and of the control accuracy beside it)
      const bars = (m: Metric, cls: string) => {
        const g = svg("g", { stroke: color }, `iw-probe-err ${cls}`);
        g.dataset.series = String(k);
        const cap = 3.5 * scale;
        for (const b of errorBars(s, k, m, n, r, f, cols.of[k])) {
          const x = b.x.toFixed(1);
          g.append(svg("line", { x1: x, x2: x, y1: b.y1.toFixed(1), y2: b.y2.toFixed(1) }));
          for (const y of [b.y1, b.y2]) {
            g.append(svg("line", { x1: (b.x - cap).toFixed(1), x2: (b.x + cap).toFixed(1), y1: y.toFixed(1), y2: y.toFixed(1) }));
          }
        }
        if (g.childElementCount) lines.append(g);
      };
      if (metric === "accuracy") bars("control_accuracy", "iw-probe-err-control");
      bars(metric, "iw-probe-err-main");
      for (const p of points(s, k, metric, n, r, f, cols.of[k])) {
        const c = svg("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 4 * scale, fill: color }, "iw-probe-point");
        c.dataset.series = String(k);
        c.dataset.layer = String(p.layer);
        if (sel && sel.series === k && s.layers[p.layer] === sel.layer) c.classList.add("iw-probe-point-selected");
        dots.append(c);
        hit.push(p);
      }
    });
    this.hit = hit;
    root.append(grid, xaxis, lines, dots);
    this.svgEl = root;
    this.chart.replaceChildren(root);
  }

  /** How each series split train from test (one line when they all say the same). */
  private drawSplit(): void {
    const splits = this.series.map((s) => s.split).filter((t) => t);
    const same = splits.length > 0 && splits.every((t) => t === splits[0]) ? [splits[0]] : splits;
    const lines = same.length === 1 && this.series.length > 1 ? [this.tr("probe.split", { split: same[0] })]
      : this.series.filter((s) => s.split).map((s) => `${s.name}: ${this.tr("probe.split", { split: s.split })}`);
    const notes = this.series.flatMap((s) => s.notes.map((t) => (this.series.length > 1 ? `${s.name}: ${t}` : t)));
    this.splitNote.replaceChildren(
      ...lines.map((t) => el("div", "", t)),
      ...notes.map((t) => el("div", "iw-probe-note", t)),
    );
    this.splitNote.hidden = lines.length + notes.length === 0;
  }

  private drawPanel(): void {
    const sel = this.selected();
    const head = el("div", "iw-probe-panel-head");
    this.panel.classList.toggle("iw-chrome", !sel); // only a hint: figure pictures leave it out
    if (!sel) {
      head.textContent = this.tr("probe.top_neurons");
      this.panel.replaceChildren(head, el("div", "iw-probe-hint", this.tr("probe.panel_hint")));
      return;
    }
    const s = this.series[sel.series];
    const name = el("span", "iw-probe-panel-series", s.name);
    name.style.borderLeftColor = seriesColor(sel.series);
    head.append(name, el("span", "iw-probe-panel-layer", sel.layer));
    const i = s.layers.indexOf(sel.layer);
    const summary = el("div", "iw-probe-panel-values", tooltipLines(s, i, this.tr)[1]);
    const list = el("ol", "iw-probe-neurons");
    const top = s.top_neurons[sel.layer] ?? [];
    const wmax = Math.max(1e-12, ...top.map(([, w]) => (Number.isFinite(w) ? Math.abs(w) : 0)));
    const cur = this.model.get("neuron");
    for (const [nIdx, w] of top) {
      const li = el("li", "iw-probe-neuron");
      li.tabIndex = 0;
      li.setAttribute("role", "button");
      li.dataset.neuron = String(nIdx);
      const bar = el("span", "iw-probe-neuron-bar");
      bar.style.width = `${((Number.isFinite(w) ? Math.abs(w) : 0) / wmax) * 100}%`;
      bar.style.background = seriesColor(sel.series);
      li.append(el("span", "iw-probe-neuron-text", neuronText(nIdx, w, this.tr)), bar);
      const on = cur && cur.series === sel.series && String(cur.layer) === sel.layer && cur.neuron === nIdx;
      li.classList.toggle("iw-active", Boolean(on));
      li.setAttribute("aria-pressed", String(Boolean(on)));
      li.title = this.tr("probe.select_neuron");
      list.append(li);
    }
    const parts: HTMLElement[] = [head, summary, el("div", "iw-probe-panel-sub", this.tr("probe.top_by_weight"))];
    parts.push(top.length ? list : el("div", "iw-probe-hint", this.tr("probe.no_ranking")));
    this.panel.replaceChildren(...parts);
  }

  // ---- interaction

  private pointAt(e: MouseEvent): Point | null {
    const b = this.svgEl.getBoundingClientRect();
    if (!b.width) return null;
    const w = Number(this.svgEl.getAttribute("width")) || b.width;
    const k = w / b.width;
    return nearest(this.hit, (e.clientX - b.left) * k, (e.clientY - b.top) * k, columns(this.series).n, this.frame);
  }

  private onMove(e: MouseEvent): void {
    const p = this.pointAt(e);
    if (!p) { this.unhover(); return; }
    if (this.hovered !== p) {
      this.unhover();
      this.hovered = p;
      this.dotOf(p)?.classList.add("iw-probe-point-hover");
    }
    const s = this.series[p.series];
    const dot = this.dotOf(p);
    const r = dot?.getBoundingClientRect();
    if (r && r.width) this.tooltip.showFor(tooltipLines(s, p.layer, this.tr), r, e.clientX);
    else this.tooltip.show(tooltipLines(s, p.layer, this.tr), e.clientX, e.clientY);
  }

  private dotOf(p: Point): SVGCircleElement | null {
    return this.svgEl.querySelector(`circle.iw-probe-point[data-series="${p.series}"][data-layer="${p.layer}"]`);
  }

  private unhover(): void {
    if (this.hovered) this.dotOf(this.hovered)?.classList.remove("iw-probe-point-hover");
    this.hovered = null;
    this.tooltip?.hide();
  }

  private onClick(e: MouseEvent): void {
    const t = e.target as Element | null;
    const label = t?.closest?.("text.iw-probe-layer") as SVGTextElement | null;
    if (label && label.dataset.series !== undefined) {
      this.select(Number(label.dataset.series), Number(label.dataset.layer));
      return;
    }
    const p = this.pointAt(e) ?? (label ? this.hit.find((q) => q.slot === Number(label.dataset.slot)) ?? null : null);
    if (p) this.select(p.series, p.layer);
  }

  private onNeuron(e: Event): void {
    const li = (e.target as Element | null)?.closest?.("li.iw-probe-neuron") as HTMLElement | null;
    const sel = this.selected();
    if (!li || !sel) return;
    const value = { series: sel.series, layer: sel.layer, neuron: Number(li.dataset.neuron) };
    this.model.set("neuron", value);
    this.model.save_changes();
    this.schedule();
  }
}

export default widgetModule((model, host) => new ProbeChartView(model, host));
