// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import widget from "./probe_chart";
import {
  type Frame, type YRange, Z95, columns, errorBars, fmt, labelRows, slotWidth, tickDigits, linePath, nearest, neuronText, niceStep, points, readSeries, slots, tooltipText,
  withSe, xAt, xAxisTitle, yAt, yRange,
} from "./probe_data";
import { FakeModel } from "../testing/fake_model";
import { checkErrorBox } from "../testing/error_box_check";

const HOSTILE = "<img src=x onerror=alert(1)>";
const LSTM = {
  name: "char-LSTM · in_string",
  layers: ["embed", "layer 0", "layer 1"],
  accuracy: [0.71, 0.94, 0.97],
  control_accuracy: [0.62, 0.99, 0.69],
  selectivity: [0.09, -0.05, 0.28],
  majority: [0.6, 0.86, 0.6],
  top_neurons: { "layer 0": [[45, 0.26], [3, -0.18]], embed: [[1, 0.5]] },
};
const TF = {
  name: HOSTILE,
  layers: ["embed", "block 0", "block 1", "block 2"],
  accuracy: [0.69, null, 0.91, 0.93],
  control_accuracy: [0.61, 0.7, 0.8, 0.82],
  selectivity: [0.08, null, 0.11, 0.11],
  majority: [0.6, 0.6, 0.6, 0.6],
  top_neurons: {},
};
const F: Frame = { left: 40, top: 10, width: 400, height: 200 };

describe("probe_data", () => {
  it("reads the series trait and tolerates junk", () => {
    const [a, b] = readSeries([LSTM, TF]);
    expect(a.layers).toEqual(["embed", "layer 0", "layer 1"]);
    expect(b.accuracy).toEqual([0.69, null, 0.91, 0.93]);
    expect(a.top_neurons["layer 0"]).toEqual([[45, 0.26], [3, -0.18]]);
    expect(readSeries(null)).toEqual([]);
    const [c] = readSeries([{ layers: ["x", "y"], accuracy: [NaN, "0.3"] }]);
    expect(c.name).toBe("series 0");
    expect(c.accuracy).toEqual([null, null]);
    expect(c.majority).toEqual([null, null]);
  });

  it("y range: fitted to the lines, bars and baselines inside 0…1; selectivity includes 0", () => {
    const s = readSeries([LSTM, TF]);
    // accuracy: the probe 0.69…0.97, control 0.61…0.99, majority 0.6…0.86 → 0.5…1
    expect(yRange(s, "accuracy")).toMatchObject({ min: 0.5, max: 1 });
    // control accuracy alone: 0.61…0.99
    expect(yRange(s, "control_accuracy")).toMatchObject({ min: 0.5, max: 1 });
    // a high, flat line is not squeezed into the top of a 0…1 axis
    const flat = readSeries([{ ...LSTM, accuracy: [0.95, 0.96, 0.97], control_accuracy: [0.94, 0.95, 0.95], majority: [0.93, 0.93, 0.93] }]);
    const fr = yRange(flat, "accuracy");
    expect(fr.min).toBeGreaterThanOrEqual(0.85);
    expect(fr.max).toBe(1);
    expect(fr.min).toBeLessThanOrEqual(0.93);
    // the ±1.96 SE bars stay in view, never past 0 or 1
    const wide = readSeries([{ ...LSTM, accuracy: [0.3, 0.5, 0.98], accuracy_se: [0.1, 0, 0.05] }]);
    const wr = yRange(wide, "accuracy");
    expect(wr.min).toBe(0);
    expect(wr.max).toBe(1);
    const mid = readSeries([{ ...LSTM, accuracy: [0.7, 0.72, 0.74], control_accuracy: [null, null, null], majority: [null, null, null], accuracy_se: [0.05, 0.01, 0.01] }]);
    const mr = yRange(mid, "accuracy");
    expect(mr.min).toBeLessThanOrEqual(0.7 - Z95 * 0.05);
    expect(mr.max).toBeGreaterThanOrEqual(0.74 + Z95 * 0.01);
    expect(mr.max - mr.min).toBeLessThan(0.5);
    // nothing to fit: 0…1
    expect(yRange(readSeries([{ ...LSTM, accuracy: [null, null, null], control_accuracy: [null, null, null], majority: [null, null, null] }]), "accuracy")).toMatchObject({ min: 0, max: 1 });
    const r = yRange(s, "selectivity");
    expect(r.min).toBeLessThanOrEqual(-0.05);
    expect(r.max).toBeGreaterThanOrEqual(0.28);
    expect(r.max).toBeLessThan(0.5);
    expect(r.ticks).toContain(0);
    expect(r.ticks[0]).toBe(r.min);
    expect(r.ticks[r.ticks.length - 1]).toBe(r.max);
    // all positive: the range still starts at 0
    const pos = yRange(readSeries([{ ...LSTM, selectivity: [0.2, 0.3, 0.4] }]), "selectivity");
    expect(pos.min).toBe(0);
    expect(pos.max).toBeCloseTo(0.4);
    // nothing: a small range from 0, never empty
    const none = yRange(readSeries([{ ...LSTM, selectivity: [null, null, null] }]), "selectivity");
    expect(none.max).toBeGreaterThan(none.min);
    expect(niceStep(0.33)).toBeCloseTo(0.1);
    expect(niceStep(0.12)).toBeCloseTo(0.05);
    expect(niceStep(1)).toBeCloseTo(0.2);
    expect(tickDigits({ min: 0, max: 1, ticks: [0, 0.2, 0.4] })).toBe(1);
    expect(tickDigits({ min: 0, max: 0.3, ticks: [0, 0.05, 0.1] })).toBe(2);
  });

  it("point positions: slots evenly spaced, values mapped to the frame, gaps for missing", () => {
    const s = readSeries([LSTM, TF]);
    const n = slots(s);
    expect(n).toBe(4);
    expect(xAt(0, n, F)).toBe(40 + 50);
    expect(xAt(3, n, F)).toBe(40 + 350);
    const r: YRange = { min: 0, max: 1, ticks: [0, 0.5, 1] };
    expect(yAt(0, r, F)).toBe(210);
    expect(yAt(1, r, F)).toBe(10);
    expect(yAt(0.5, r, F)).toBe(110);
    expect(yAt(2, r, F)).toBe(10); // clamped
    const pts = points(s[1], 1, "accuracy", n, r, F);
    expect(pts.map((p) => p.layer)).toEqual([0, 2, 3]);
    expect(pts[0]).toMatchObject({ series: 1, slot: 0, x: 90 });
    expect(pts[0].y).toBeCloseTo(210 - 0.69 * 200);
    expect(linePath(pts)).toMatch(/^M90\.0,[\d.]+M290\.0,[\d.]+L390\.0,[\d.]+$/);
    const all = [...points(s[0], 0, "accuracy", n, r, F), ...pts];
    expect(nearest(all, 95, 20, n, F)).toMatchObject({ series: 0, layer: 0 }); // 0.71 is nearer the top
    expect(nearest(all, 95, 200, n, F)).toMatchObject({ series: 1, layer: 0 });
    expect(nearest(all, 190, 200, n, F)).toMatchObject({ series: 0, layer: 1 }); // series 1 has no value
    expect(nearest(all, 10, 100, n, F)).toBeNull();
  });

  it("aligns series of different depths by relative depth, same layers one to one", () => {
    const lstm = { ...LSTM, layers: ["embed", "rnn.0.h", "rnn.1.h"], depth: [0, 0.5, 1], unit: "layer" };
    const tf = { ...TF, layers: ["embed", "blocks.0.resid", "blocks.1.resid", "blocks.2.resid", "blocks.3.resid"], depth: [0, 0.25, 0.5, 0.75, 1], unit: "block",
      accuracy: [0.7, 0.8, 0.9, 0.9, 0.9], control_accuracy: [0.6, 0.6, 0.6, 0.6, 0.6], selectivity: [0.1, 0.2, 0.3, 0.3, 0.3], majority: [0.6, 0.6, 0.6, 0.6, 0.6] };
    const s = readSeries([lstm, tf]);
    const c = columns(s);
    expect(c.by).toBe("depth");
    expect(c.n).toBe(5);
    expect(c.of).toEqual([[0, 2, 4], [0, 1, 2, 3, 4]]); // the LSTM's last layer meets the last block
    expect(xAxisTitle(s, c)).toBe("layer / block, aligned by relative depth (embeddings first)");
    const rows = labelRows(s, c);
    expect(rows[0].labels).toEqual(["embed", undefined, "rnn.0.h", undefined, "rnn.1.h"]);
    expect(rows[0].layer).toEqual([0, undefined, 1, undefined, 2]);
    const pts = points(s[0], 0, "accuracy", c.n, { min: 0, max: 1, ticks: [] }, F, c.of[0]);
    expect(pts.map((p) => [p.layer, p.slot])).toEqual([[0, 0], [1, 2], [2, 4]]);
    expect(pts[2].x).toBe(xAt(4, 5, F));
    expect(linePath(pts)).toMatch(/^M[^M]*$/); // one unbroken line across the skipped columns
    expect(nearest(pts, xAt(2, 5, F), 0, c.n, F)).toMatchObject({ layer: 1 });
    // same layers: one to one; no depths: by index, and the title says so
    expect(columns(readSeries([LSTM, LSTM])).by).toBe("index");
    const plain = readSeries([LSTM, TF]);
    expect(columns(plain)).toMatchObject({ by: "index", n: 4 });
    expect(xAxisTitle(plain)).toBe("layer, aligned by index (embeddings first)");
    expect(xAxisTitle(readSeries([LSTM]))).toBe("layer (embeddings first)");
  });

  it("formats the tooltip, neurons and axis labels", () => {
    const [a, b] = readSeries([LSTM, TF]);
    expect(tooltipText(a, 1)).toBe(
      "char-LSTM · in_string · layer 0: accuracy 0.94 · control 0.99 · selectivity \u22120.05 · majority 0.86",
    );
    expect(tooltipText(b, 1)).toBe(`${HOSTILE} · block 0: accuracy \u2014 · control 0.70 · selectivity \u2014 · majority 0.60`);
    expect(fmt(-0.001)).toBe("0.00");
    expect(fmt(null)).toBe("\u2014");
    expect(neuronText(45, 0.26)).toBe("neuron 45 · weight 0.26");
    expect(neuronText(3, -0.18)).toBe("neuron 3 · weight \u22120.18");
    expect(labelRows([a, a]).length).toBe(1);
    expect(labelRows([a, b]).map((r) => r.series)).toEqual([0, 1]);
    // a slot holds the longest label of any row, and grows with presentation mode
    const rows = [{ labels: ["rnn.0.h"] }, { labels: ["embed", "blocks.10.resid"] }];
    expect(slotWidth(rows)).toBeCloseTo(6.8 * 15 + 12);
    expect(slotWidth(rows, 1.5)).toBeCloseTo((6.8 * 15 + 12) * 1.5);
    expect(slotWidth([])).toBe(12);
  });
});

describe("standard errors", () => {
  const WITH_SE = {
    ...LSTM,
    accuracy_se: [0.02, 0.011, null],
    control_accuracy_se: [0.03, -1, 0.02],
    selectivity_se: [0.025, 0.012, 0.2],
    control_majority: [0.6, 0.86, 0.61],
    n_test: [4000, 4000, 4000],
    split: "by text, never by character: 45 texts train, 15 texts test",
  };

  it("reads SEs (negative or missing → no bar) and the split", () => {
    const [s] = readSeries([WITH_SE]);
    expect(s.accuracy_se).toEqual([0.02, 0.011, null]);
    expect(s.control_accuracy_se).toEqual([0.03, null, 0.02]);
    expect(s.split).toContain("by text");
    const [old] = readSeries([LSTM]); // a table without SEs
    expect(old.accuracy_se).toEqual([null, null, null]);
    expect(old.split).toBe("");
  });

  it("error bars span ±1.96 SE around the value, none where the SE is missing", () => {
    const [s] = readSeries([WITH_SE]);
    const r = yRange([s], "accuracy");
    const bars = errorBars(s, 0, "accuracy", 3, r, F);
    expect(bars.map((b) => b.layer)).toEqual([0, 1]);
    const b = bars[1];
    expect(b.x).toBeCloseTo(xAt(1, 3, F));
    expect(b.y1).toBeCloseTo(yAt(0.94 + Z95 * 0.011, r, F));
    expect(b.y2).toBeCloseTo(yAt(0.94 - Z95 * 0.011, r, F));
    expect(b.y2 - b.y1).toBeCloseTo((2 * Z95 * 0.011 * F.height) / (r.max - r.min));
    // the selectivity axis makes room for the bars
    const sel = yRange([s], "selectivity");
    expect(sel.max).toBeGreaterThanOrEqual(0.28 + Z95 * 0.2);
  });

  it("the tooltip gives value ± SE, both majorities and the test size", () => {
    const [s] = readSeries([WITH_SE]);
    expect(withSe(0.94, 0.011)).toBe("0.94 \u00b1 0.01");
    expect(withSe(0.94, null)).toBe("0.94");
    expect(tooltipText(s, 1)).toBe(
      "char-LSTM · in_string · layer 0: accuracy 0.94 \u00b1 0.01 · control 0.99 · "
        + "selectivity \u22120.05 \u00b1 0.01 · majority 0.86 · control majority 0.86 · n test 4,000",
    );
  });

  it("draws the bars and the split note", () => {
    const model = new FakeModel({ series: [WITH_SE], metric: "accuracy", selected: {}, neuron: {}, title: "", error: "" });
    const host = document.createElement("div");
    document.body.appendChild(host);
    const cleanup = widget.render({ model, el: host }) as () => void;
    const root = host.querySelector<HTMLElement>(".iw-root.iw-probe-chart")!;
    // accuracy: bars for layers 0 and 1 (3 lines each) and for the control's three points
    expect(root.querySelectorAll("g.iw-probe-err-main line").length).toBe(2 * 3);
    expect(root.querySelectorAll("g.iw-probe-err-control line").length).toBe(2 * 3);
    expect(root.querySelector(".iw-probe-split")!.textContent).toContain("split by text, never by character");
    const legend = Array.from(root.querySelectorAll(".iw-probe-legend-name"), (e) => e.textContent);
    expect(legend).toContain("\u00b11.96 SE (95%)");
    cleanup();
    host.remove();
  });
});

describe("ProbeChart view", () => {
  let host: HTMLElement;
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    host?.remove();
  });
  function mount(state: Record<string, unknown> = {}) {
    const model = new FakeModel({ series: [LSTM, TF], metric: "accuracy", selected: {}, neuron: {}, title: "t", error: "", ...state });
    host = document.createElement("div");
    document.body.appendChild(host);
    cleanup = widget.render({ model, el: host }) as () => void;
    const root = host.querySelector<HTMLElement>(".iw-root.iw-probe-chart")!;
    return { model, root };
  }
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it("draws one line and one point per value per series, baselines with accuracy", () => {
    const { root } = mount();
    expect(root.tabIndex).toBe(0);
    expect(root.dataset.rendered).toBe("accuracy");
    expect(root.querySelectorAll("path.iw-probe-line").length).toBe(2);
    expect(root.querySelectorAll("path.iw-probe-control").length).toBe(2);
    expect(root.querySelectorAll("path.iw-probe-majority").length).toBe(2);
    expect(root.querySelectorAll("circle.iw-probe-point").length).toBe(3 + 3);
    expect(root.querySelectorAll('circle[data-series="0"]').length).toBe(3);
    const names = Array.from(root.querySelectorAll(".iw-probe-legend-name"), (e) => e.textContent);
    expect(names).toContain(HOSTILE);
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector<HTMLButtonElement>('button.iw-probe-metric[data-metric="accuracy"]')!.getAttribute("aria-pressed")).toBe("true");
  });

  it("the metric switch is two-way", async () => {
    const { model, root } = mount();
    root.querySelector<HTMLButtonElement>('button.iw-probe-metric[data-metric="selectivity"]')!.click();
    expect(model.get("metric")).toBe("selectivity");
    expect(model.saves).toBe(1);
    await tick();
    expect(root.dataset.rendered).toBe("selectivity");
    expect(root.querySelectorAll("path.iw-probe-control").length).toBe(0);
    expect(root.querySelectorAll("path.iw-probe-line").length).toBe(2);
    model.set("metric", "control_accuracy"); // from Python
    await tick();
    expect(root.dataset.rendered).toBe("control_accuracy");
    expect(model.saves).toBe(1);
  });

  it("selected from Python lists the layer's neurons; clicking one sets `neuron`", async () => {
    const { model, root } = mount();
    expect(root.querySelectorAll("li.iw-probe-neuron").length).toBe(0);
    model.set("selected", { series: 0, layer: "layer 0" });
    await tick();
    const items = Array.from(root.querySelectorAll<HTMLElement>("li.iw-probe-neuron"));
    expect(items.map((li) => li.textContent)).toEqual(["neuron 45 · weight 0.26", "neuron 3 · weight \u22120.18"]);
    expect(root.querySelector('circle[data-series="0"][data-layer="1"]')!.classList.contains("iw-probe-point-selected")).toBe(true);
    items[1].click();
    expect(model.get("neuron")).toEqual({ series: 0, layer: "layer 0", neuron: 3 });
    await tick();
    expect(root.querySelector('li.iw-probe-neuron[data-neuron="3"]')!.classList.contains("iw-active")).toBe(true);
    model.set("selected", { series: 1, layer: "block 2" }); // no ranking for this layer
    await tick();
    expect(root.querySelectorAll("li.iw-probe-neuron").length).toBe(0);
    expect(root.querySelector(".iw-probe-panel")!.textContent).toContain("No neuron ranking");
    model.set("selected", { series: 7, layer: "nope" }); // stale: ignored, no throw
    await tick();
    expect(root.querySelector(".iw-probe-panel")!.textContent).toContain("Click a point");
  });

  it("clicking a series' layer label selects it", async () => {
    const { model, root } = mount();
    const label = root.querySelector<SVGTextElement>('text.iw-probe-layer[data-series="1"][data-layer="2"]')!;
    expect(label.textContent).toBe("block 1");
    label.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(model.get("selected")).toEqual({ series: 1, layer: "block 1" });
    expect(model.saves).toBe(1);
  });

  it("shows errors from Python in the shared error box", () => {
    const { model, root } = mount();
    checkErrorBox(model, root);
  });

  it("no series: a message, not a blank view", () => {
    const { root } = mount({ series: [] });
    expect(root.textContent).toContain("No probing results");
    expect(root.dataset.rendered).toBe("accuracy");
  });
});
