// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import widget, { formatShare } from "./neuron_dashboard";
import { decodeSection, decodeUnit, groupByInterval, visibleChar, visibleToken, zeroPosition, type RawUnit } from "./neuron_dashboard_data";
import { axisTicks, binPosition, logHeights } from "./neuron_dashboard_hist";
import { strength } from "./neuron_dashboard_parts";
import { FakeModel } from "../testing/fake_model";

function enc(arr: Float32Array | Int32Array, dtype: "float32" | "int32") {
  return { dtype, shape: [arr.length], buffer: new DataView(arr.buffer) };
}
function f16(values: number[]) {
  // float16 bit patterns of small exact values, to check the codec path too
  const h = new Uint16Array(values.map((v) => {
    if (Number.isNaN(v)) return 0x7e00;
    const f = new Float32Array([v]);
    const b = new Uint32Array(f.buffer)[0];
    const sign = (b >>> 16) & 0x8000;
    const exp = ((b >>> 23) & 0xff) - 127 + 15;
    if (v === 0) return sign;
    return sign | (exp << 10) | ((b >>> 13) & 0x3ff);
  }));
  return { dtype: "float16", shape: [h.length], buffer: new DataView(h.buffer) };
}

function row(context: string, focus: number, value: number, extra: Record<string, unknown> = {}) {
  return { doc: "a.py", doc_id: 0, position: 100 + focus, value, start: 100, end: 100 + Array.from(context).length, focus, context, ...extra };
}

function unit(layer: string, neuron: number, scale = 1): RawUnit {
  const top = [row("ab\"cd", 2, 0.75 * scale), row("x🙂y", 1, 0.5 * scale)];
  const bottom = [row("<b>", 1, -1 * scale)];
  const quant = [row("pq", 0, 0.25, { interval: "0.1 … 1", lo: 0.1, hi: 1, share: 0.3 }), row("rs", 1, -0.5, { doc: "b.py", doc_id: 1, interval: "−1 … −0.1", lo: -1, hi: -0.1, share: 0.0001 })];
  return {
    layer, neuron,
    stats: { count: 1000, mean: 0.01, std: 0.5, min: -1 * scale, max: 0.75 * scale, density: 0.4 },
    vmax: 1 * scale,
    histogram: { edges: enc(new Float32Array([-1, -0.1, 0.1, 1]), "float32"), counts: enc(new Int32Array([10, 900, 90]), "int32") },
    top: { rows: top, values: enc(new Float32Array([0, 0.25, 0.75, 0.25, 0, 0.1, 0.5, 0.2]), "float32") },
    bottom: { rows: bottom, values: f16([0.5, -1, NaN]) as never },
    quantiles: { rows: quant, values: enc(new Float32Array([0.25, 0, 0, -0.5]), "float32") },
    features: [
      { feature: "in_string", metric: "auroc", value: 0.2, score: 0.8, sign: -1 },
      { feature: "column", metric: "r", value: 0.9, score: 0.9, sign: 1 },
      { feature: "in_comment", metric: "auroc", value: null, score: null, sign: null },
    ],
    effect: layer.endsWith(".h")
      ? { promotes: [{ token: " ", weight: 2 }, { token: "e", weight: 1 }], suppresses: [{ token: "\n", weight: -1.5 }] }
      : null,
  };
}

describe("NeuronDashboard data", () => {
  it("decodes a unit: rows with their per-character values, histogram, features, effect", () => {
    const u = decodeUnit(unit("rnn.1.h", 3))!;
    expect(u.layer).toBe("rnn.1.h");
    expect(u.top.map((r) => r.context)).toEqual(["ab\"cd", "x🙂y"]);
    expect(Array.from(u.top[0].values)).toEqual([0, 0.25, 0.75, 0.25, 0]);
    expect(u.top[1].values.length).toBe(3); // code points, as Python counts them
    expect(u.top[0].values[u.top[0].focus]).toBe(0.75);
    expect(Array.from(u.bottom[0].values).slice(0, 2)).toEqual([0.5, -1]);
    expect(Number.isNaN(u.bottom[0].values[2])).toBe(true);
    expect(Array.from(u.counts)).toEqual([10, 900, 90]);
    expect(u.quantiles[1]).toMatchObject({ interval: "−1 … −0.1", lo: -1, hi: -0.1, share: 0.0001 });
    expect(Number.isNaN(u.features[2].value)).toBe(true); // null → NaN
    expect(u.effect!.promotes[0]).toEqual({ token: " ", weight: 2 });
    expect(decodeUnit(unit("rnn.0.c", 0))!.effect).toBeNull();
    expect(decodeUnit(null)).toBeNull();
    expect(decodeUnit({} as RawUnit)).toBeNull();
  });

  it("refuses values that do not add up to the contexts", () => {
    const bad = { rows: [row("abc", 0, 1)], values: enc(new Float32Array([1, 2]), "float32") };
    expect(() => decodeSection(bad as never, "top")).toThrow(/top: 2 values for contexts of 3/);
    const extra = { rows: [row("ab", 0, 1)], values: enc(new Float32Array([1, 2, 3]), "float32") };
    expect(() => decodeSection(extra as never, "top")).toThrow(/3 values for contexts of 2/);
    const u = unit("rnn.1.h", 0);
    u.histogram!.counts = enc(new Int32Array([1, 2]), "int32");
    expect(() => decodeUnit(u)).toThrow(/expected 3 edges for 2 counts, got 4/);
  });

  it("groups quantile rows by interval, keeping their order", () => {
    const u = decodeUnit(unit("rnn.1.h", 0))!;
    const g = groupByInterval(u.quantiles);
    expect(g.map((x) => [x.interval, x.rows.length])).toEqual([["0.1 … 1", 1], ["−1 … −0.1", 1]]);
  });

  it("places zero and values on the log-binned axis", () => {
    expect(zeroPosition([-1, -0.1, 0, 0.1, 1])).toBe(2);
    expect(zeroPosition([-1, -0.1, 0.1, 1])).toBeCloseTo(1.5);
    expect(zeroPosition([0.1, 1])).toBeNull();
    expect(zeroPosition([-1, 0])).toBe(1);
    expect(binPosition([-1, -0.1, 0.1, 1, 10], 1)).toBe(3);
    expect(binPosition([-1, -0.1, 0.1, 1, 10], Math.sqrt(10))).toBeCloseTo(3.5);
    expect(binPosition([-1, -0.1, 0.1, 1, 10], -Math.sqrt(0.1))).toBeCloseTo(0.5);
    expect(binPosition([-1, 1], 5)).toBeNull();
    const w30 = () => 30; // every label 30 px wide
    const ticks = axisTicks([-1, -0.1, 0.1, 1, 10], (p) => p * 100, w30, 6).map(([v]) => v);
    expect(ticks).toEqual([-1, -0.1, 0, 0.1, 1, 10]);
    // crowded: zero wins, then the ends where they fit ("−1" left-aligned at 0 ends at 30 px)
    expect(axisTicks([-1, -0.1, 0.1, 1, 10], (p) => p * 25, w30, 6).map(([v]) => v)).toEqual([0, 10]);
    expect(axisTicks([-1, -0.1, 0.1, 1, 10], (p) => p * 40, w30, 6).map(([v]) => v)).toEqual([-1, 0, 10]);
    expect(axisTicks([0, 0.001, 0.01], (p) => p * 10, w30).map(([v]) => v)).toEqual([0]); // an end on zero: one label
    const h = logHeights([0, 9, 99]);
    expect(Array.from(h)).toEqual([0, 0.5, 1]);
  });

  it("formats shares, strengths and blank characters for a reader", () => {
    expect(formatShare(0.3)).toBe("30%");
    expect(formatShare(0.0001)).toBe("0.01%");
    expect(formatShare(0.00001)).toBe("<0.01%");
    expect(formatShare(0)).toBe("0%");
    expect(strength({ feature: "f", metric: "auroc", value: 0.2, score: 0.8, sign: -1 })).toBeCloseTo(0.6);
    expect(strength({ feature: "f", metric: "r", value: -0.3, score: 0.3, sign: -1 })).toBeCloseTo(0.3);
    expect(strength({ feature: "f", metric: "r", value: NaN, score: NaN, sign: NaN })).toBe(0);
    expect([" ", "\n", "\t", "\r", "\x00", "x", "🙂"].map(visibleChar)).toEqual([" ", "\u21b5", "\t", "\u00b7", "\u00b7", "x", "🙂"]);
    expect([" ", "\n", "\t", "\r", "\x00", "", "ab"].map(visibleToken)).toEqual(["\u2423", "\u21b5", "\u21e5", "\\r", "\\x00", "\u2205", "ab"]);
  });
});

// ---- the view

let model: FakeModel;
let host: HTMLElement;
let cleanup: () => void;
/** Let pending replies land and the second drawing step (afterPaint) run. */
const flush = async () => {
  await new Promise((r) => setTimeout(r, 0));
  for (let i = 0; i < 100 && host?.querySelector(".iw-nd-later"); i++) await new Promise((r) => setTimeout(r, 10));
};
const $ = <T extends Element = HTMLElement>(sel: string) => host.querySelector(sel) as T;
const requests = () => model.sent.map((s) => (s.content as { body: unknown }).body);

function mount() {
  model = new FakeModel({
    layers: [{ name: "rnn.0.c", n_units: 4 }, { name: "rnn.1.h", n_units: 4 }],
    layer: "rnn.1.h",
    neuron: 1,
    unit: unit("rnn.1.h", 1),
    selected: {},
    title: "",
    info: { model: "CharRNN", n_docs: 2, n_chars: 4000, k: 5, context: 32 },
    error: "",
  });
  host = document.createElement("div");
  document.body.appendChild(host);
  cleanup = widget.render({ model, el: host }) as () => void;
}

afterEach(() => { cleanup?.(); host?.remove(); });

describe("NeuronDashboard view", () => {
  it("shows the contexts as text, the focus marked, never parsed as HTML", async () => {
    mount();
    await flush();
    const lines = host.querySelectorAll<HTMLElement>(".iw-nd-top .iw-nd-ctx");
    expect(lines.length).toBe(2);
    expect(lines[0].querySelector(".iw-nd-left")!.textContent + lines[0].querySelector(".iw-nd-right")!.textContent).toBe("ab\"cd");
    expect(lines[0].querySelector(".iw-nd-focus")!.textContent).toBe("\"");
    expect(lines[1].querySelector(".iw-nd-focus")!.textContent).toBe("🙂");
    expect(host.querySelector("b")).toBeNull();
    expect($(".iw-nd-bottom").textContent).toContain("<b>");
    expect($(".iw-nd-info").textContent).toBe("scan: CharRNN · 2 documents · 4,000 characters · top/bottom 5 · context ±32");
    expect($(".iw-nd-features").textContent).toContain("in_string");
    const names = Array.from(host.querySelectorAll(".iw-nd-fname")).map((e) => e.textContent);
    expect(names).toEqual(["column", "in_string", "in_comment"]); // strongest first
    expect(Array.from(host.querySelectorAll(".iw-nd-promotes .iw-nd-eff-tok")).map((e) => e.textContent)).toEqual(["\u2423", "e"]);
    expect($(".iw-nd-stat[data-stat=density] dd").textContent).toBe("40.0%");
    expect($(".iw-root").dataset.renderedNeuron).toBe("1");
  });

  it("calls a sparse autoencoder's units features, and a model's neurons", async () => {
    model = new FakeModel({
      layers: [{ name: "rnn.1.c", n_units: 4 }, { name: "rnn.1.c.sae", n_units: 4, unit: "feature" }],
      layer: "rnn.1.c.sae",
      neuron: 1,
      unit: unit("rnn.1.c.sae", 1),
      selected: {},
      title: "features",
      info: { model: "CharRNN", n_docs: 2, n_chars: 4000, k: 5, context: 32 },
      error: "",
    });
    host = document.createElement("div");
    document.body.appendChild(host);
    cleanup = widget.render({ model, el: host }) as () => void;
    await flush();
    const field = () => host.querySelectorAll(".iw-controls .iw-field-name")[1].textContent;
    expect(field()).toBe("feature");
    expect($(".iw-caption").textContent).toBe("rnn.1.c.sae \u00b7 feature 1");
    expect($(".iw-next").title).toBe("next feature (\u2192)");
    expect($(".iw-neuron").getAttribute("aria-label")).toBe("feature");
    const select = $<HTMLSelectElement>(".iw-layer");
    select.value = "rnn.1.c";
    select.dispatchEvent(new Event("change"));
    await flush();
    expect(field()).toBe("neuron");
    // the title was given for the feature: it says so, and the caption names the unit shown now
    expect($(".iw-caption").textContent).toBe("now: rnn.1.c \u00b7 neuron 1");
  });

  it("a click on a context sets `selected` for Python and marks the line", async () => {
    mount();
    await flush();
    const line = host.querySelectorAll<HTMLElement>(".iw-nd-top .iw-nd-ctx")[1];
    line.querySelector<HTMLElement>(".iw-nd-ch")!.click();
    expect(model.get("selected")).toEqual({ layer: "rnn.1.h", neuron: 1, doc: "a.py", doc_id: 0, position: 101, start: 100, end: 103 });
    expect(model.saves).toBeGreaterThan(0);
    expect(line.classList.contains("iw-nd-selected")).toBe(true);
    // a quantile line is found through its interval
    const q = host.querySelectorAll<HTMLElement>(".iw-nd-quantiles .iw-nd-ctx")[1];
    q.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.get("selected")).toMatchObject({ doc: "b.py", doc_id: 1, position: 101 });
    expect(q.classList.contains("iw-nd-selected")).toBe(true);
    expect(line.classList.contains("iw-nd-selected")).toBe(false);
  });

  it("▶ asks for the next unit, shows it when the reply comes, prefetches its neighbours", async () => {
    mount();
    await flush();
    const before = requests().length; // the neighbours of unit 1 are prefetched
    expect(requests()).toEqual([{ kind: "unit", layer: "rnn.1.h", neuron: 2 }, { kind: "unit", layer: "rnn.1.h", neuron: 0 }]);
    $<HTMLButtonElement>(".iw-next").click();
    expect(model.get("neuron")).toBe(2);
    await flush();
    expect(requests().length).toBe(before); // already on its way: not asked twice
    const req = model.sent[0].content as { id: number };
    const raw = unit("rnn.1.h", 2, 2);
    const { data, paths, buffers } = split(raw);
    model.emit("msg:custom", { type: "reply", id: req.id, ok: true, data, buffer_paths: paths }, buffers);
    await flush();
    expect($(".iw-root").dataset.renderedNeuron).toBe("2");
    expect($(".iw-legend-max").textContent).toBe("2");
    expect(requests()).toContainEqual({ kind: "unit", layer: "rnn.1.h", neuron: 3 });
  });

  it("a failed request shows the message with a retry button", async () => {
    mount();
    await flush();
    model.set("neuron", 3);
    await flush();
    model.reply(null, [], [], false, "This exported file holds units 0–2 only");
    await flush();
    expect($(".iw-status").textContent).toContain("holds units 0–2 only");
    expect($(".iw-status button.iw-retry")).not.toBeNull();
    expect($(".iw-root").dataset.renderedNeuron).toBe("1"); // the old unit stays, faded
    expect($(".iw-root").classList.contains("iw-stale")).toBe(true);
  });

  it("arrow keys step units and layers", async () => {
    mount();
    await flush();
    $(".iw-root").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
    expect(model.get("neuron")).toBe(0);
    $(".iw-root").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(model.get("layer")).toBe("rnn.0.c");
  });
});

/** Buffers out of a raw unit the way ipywidgets' _remove_buffers does. */
function split(raw: RawUnit) {
  const paths: (string | number)[][] = [];
  const buffers: DataView[] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (v instanceof DataView) { paths.push(path); buffers.push(v); return null; }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  return { data: walk(raw, []), paths, buffers };
}
