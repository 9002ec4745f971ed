// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget from "./neuron_text";
import { FakeIntersectionObserver } from "../testing/fake_io";
import { FakeModel } from "../testing/fake_model";
import { checkErrorBox } from "../testing/error_box_check";
import { absStats } from "./neuron_scale";
import { formatTick } from "../shared/legend";
import { NeuronControls } from "./neuron_controls";

const TEXT = "if x:\n  <b>\"🙂\"</b>\n";
const N = Array.from(TEXT).length; // one token per code point

function enc(arr: Float32Array | Int32Array, dtype: "float32" | "int32", shape: number[]) {
  return { dtype, shape, buffer: new DataView(arr.buffer) };
}
function column(layer: string, neuron: number, values: number[], vmax = 1) {
  return { layer, neuron, vmax, values: enc(new Float32Array(values), "float32", [values.length]) };
}
function valuesFor(layer: string, neuron: number): number[] {
  return Array.from({ length: N }, (_, i) => (i === 2 ? NaN : Math.sin(i + neuron + layer.length) * 0.9));
}

let model: FakeModel;
let host: HTMLElement;
let cleanup: () => void;

function mount(extra: Record<string, unknown> = {}) {
  const offsets = new Int32Array(N * 2).map((_, k) => (k >> 1) + (k & 1));
  model = new FakeModel({
    text: TEXT,
    offsets: enc(offsets, "int32", [N, 2]),
    layers: [{ name: "rnn.0.h", n_units: 8 }, { name: "rnn.1.h", n_units: 4 }],
    layer: "rnn.0.h",
    neuron: 3,
    column: column("rnn.0.h", 3, valuesFor("rnn.0.h", 3)),
    title: "Quote cell?",
    ...extra,
  });
  host = document.createElement("div");
  document.body.appendChild(host);
  cleanup = widget.render({ model, el: host }) as () => void;
  FakeIntersectionObserver.latest().fire();
}

const $ = <T extends Element = HTMLElement>(sel: string) => host.querySelector(sel) as T;
const flush = () => new Promise((r) => setTimeout(r, 0));
const requests = () => model.sent.map((s) => (s.content as { body: unknown }).body);

beforeEach(() => {
  FakeIntersectionObserver.instances = [];
  vi.stubGlobal("IntersectionObserver", FakeIntersectionObserver);
});
afterEach(() => {
  cleanup?.();
  host?.remove();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("NeuronText", () => {
  it("shows a Python error in a box at the top and dismisses it", async () => {
    mount({ error: "" });
    await flush();
    checkErrorBox(model, $(".iw-root.iw-neuron-text"));
    expect(host.querySelectorAll(".iw-tok").length).toBe(N); // the text is still there
  });

  it("renders controls, title and coloured text from the column trait", async () => {
    mount();
    await flush();
    const root = $(".iw-root.iw-neuron-text");
    expect(root.tabIndex).toBe(0);
    expect($<HTMLSelectElement>("select.iw-layer").options.length).toBe(2);
    expect($<HTMLInputElement>("input.iw-neuron").value).toBe("3");
    expect($<HTMLInputElement>("input.iw-neuron").max).toBe("7");
    expect($(".iw-of").textContent).toBe("of 8");
    expect($(".iw-title").textContent).toContain("Quote cell?");
    expect($(".iw-title").textContent).toContain("rnn.0.h · neuron 3");
    expect($(".iw-text").textContent).toBe(TEXT);
    expect(host.querySelector("b")).toBeNull();
    const toks = host.querySelectorAll<HTMLElement>(".iw-tok");
    expect(toks.length).toBe(N);
    expect(toks[0].style.backgroundColor).not.toBe("");
    expect(toks[2].classList.contains("iw-missing")).toBe(true);
    expect(root.dataset.renderedLayer).toBe("rnn.0.h");
    expect(root.dataset.renderedNeuron).toBe("3");
    // the default scale clips at the 99th percentile of |value| of the column
    const p99 = absStats(valuesFor("rnn.0.h", 3)).p99;
    expect($(".iw-legend-max").textContent).toBe(formatTick(p99));
    expect($(".iw-legend-min").textContent).toBe(formatTick(-p99));
    expect($(".iw-legend-note").textContent).toBe(`clipped at \u00b1${formatTick(p99)} (99th pct of |value|)`);
    expect($(".iw-title").hidden).toBe(false);
    expect($(".iw-legend-missing").hidden).toBe(false); // token 2 is NaN
    // prefetches the neighbours quietly
    expect(requests()).toEqual([
      { kind: "column", layer: "rnn.0.h", neuron: 4 },
      { kind: "column", layer: "rnn.0.h", neuron: 2 },
    ]);
  });

  it("the next button syncs to Python and renders the fetched column", async () => {
    mount();
    await flush();
    const [r4] = model.sent.map((s) => s.content as { id: number });
    $("button.iw-next").click();
    expect(model.get("neuron")).toBe(4);
    expect(model.saves).toBe(1);
    model.emit("msg:custom", { type: "reply", id: r4.id, ok: true, data: { ...column("rnn.0.h", 4, valuesFor("rnn.0.h", 4), 2), values: { dtype: "float32", shape: [N] } }, buffer_paths: [["values", "buffer"]] }, [new DataView(new Float32Array(valuesFor("rnn.0.h", 4)).buffer)]);
    await flush();
    expect($(".iw-root").dataset.renderedNeuron).toBe("4");
    expect($(".iw-legend-max").textContent).toBe(formatTick(absStats(valuesFor("rnn.0.h", 4)).p99));
    // the title was given for neuron 3: it says so, and the caption names the unit shown now
    expect($(".iw-title-main").textContent).toBe("Quote cell? (rnn.0.h · neuron 3)");
    expect($(".iw-caption").textContent).toBe("now: rnn.0.h · neuron 4");
  });

  it("keyboard: arrows step neuron and layer, clamped", async () => {
    mount();
    await flush();
    const root = $(".iw-root");
    const key = (k: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    key("ArrowRight");
    expect(model.get("neuron")).toBe(4);
    key("ArrowDown");
    expect(model.get("layer")).toBe("rnn.1.h");
    expect(model.get("neuron")).toBe(3); // clamped to 4 units
    key("ArrowDown");
    expect(model.get("layer")).toBe("rnn.1.h");
    key("ArrowRight");
    expect(model.get("neuron")).toBe(3);
    key("ArrowUp");
    expect(model.get("layer")).toBe("rnn.0.h");
    // not while the number box has focus
    $("input.iw-neuron").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
    expect(model.get("neuron")).toBe(3);
  });

  it("no caption row without a title; the missing swatch only with a NaN", async () => {
    // a vmax given in Python fixes the scale
    mount({ title: "", vmax: 0.82361, column: column("rnn.0.h", 3, valuesFor("rnn.0.h", 3).map((v) => (Number.isNaN(v) ? 0 : v)), 0.82361) });
    await flush();
    expect($(".iw-title").hidden).toBe(true);
    expect($(".iw-legend-missing").hidden).toBe(true);
    expect($(".iw-legend-min").textContent).toBe("\u22120.824");
    expect($(".iw-legend-max").textContent).toBe("0.824");
    expect($(".iw-legend-note").textContent).toBe("fixed \u00b10.824");
    expect($(".iw-scale-field").hidden).toBe(true); // a scale fixed in Python: no menu
    model.set("title", "Quote cell?");
    expect($(".iw-title").hidden).toBe(false);
    expect($(".iw-title-main").textContent).toBe("Quote cell?");
  });

  it("the number box is sized to the largest index", async () => {
    mount();
    await flush();
    expect($<HTMLInputElement>("input.iw-neuron").style.width).toContain("3ch"); // "7": 2 digits minimum + 1
    cleanup();
    host.remove();
    mount({ layers: [{ name: "rnn.0.h", n_units: 2048 }] });
    await flush();
    expect($<HTMLInputElement>("input.iw-neuron").style.width).toContain("5ch"); // "2047"
  });

  it("Up/Down step to the same array one layer up or down (rnn.0.c → rnn.1.c)", async () => {
    const names = ["rnn.0.h", "rnn.0.c", "rnn.0.i", "rnn.1.h", "rnn.1.c", "rnn.1.i"];
    mount({ layers: names.map((name) => ({ name, n_units: 8 })), layer: "rnn.0.c" });
    await flush();
    const root = $(".iw-root");
    const key = (k: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    key("ArrowDown");
    expect(model.get("layer")).toBe("rnn.1.c"); // not rnn.0.i, the next entry of the menu
    key("ArrowDown");
    expect(model.get("layer")).toBe("rnn.1.c"); // the last layer: nowhere to go
    key("ArrowUp");
    expect(model.get("layer")).toBe("rnn.0.c");
  });

  it("layers an exported page does not hold are disabled; Up/Down skip them", async () => {
    mount({
      layers: [{ name: "a", n_units: 8 }, { name: "rnn.0.h", n_units: 8 }, { name: "b", n_units: 8 }, { name: "c", n_units: 8 }],
      export_layers: ["rnn.0.h", "c"],
    });
    await flush();
    const opts = [...$<HTMLSelectElement>("select.iw-layer").options];
    expect(opts.map((o) => o.textContent)).toEqual(["a \u2014 not in this file", "rnn.0.h", "b \u2014 not in this file", "c"]);
    expect(opts.map((o) => o.disabled)).toEqual([true, false, true, false]);
    expect($<HTMLSelectElement>("select.iw-layer").disabled).toBe(false);
    const root = $(".iw-root");
    const key = (k: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    key("ArrowUp"); // "a" is not in the file: nowhere to go
    expect(model.get("layer")).toBe("rnn.0.h");
    key("ArrowDown"); // skips "b"
    expect(model.get("layer")).toBe("c");
    key("ArrowUp");
    expect(model.get("layer")).toBe("rnn.0.h");
  });

  it("a live widget (no export_layers) enables every layer", async () => {
    mount();
    await flush();
    const opts = [...$<HTMLSelectElement>("select.iw-layer").options];
    expect(opts.map((o) => [o.textContent, o.disabled])).toEqual([["rnn.0.h", false], ["rnn.1.h", false]]);
  });

  it("unknown characters are marked and say so on hover", async () => {
    mount({ unknown: [5] });
    await flush();
    const toks = host.querySelectorAll<HTMLElement>(".iw-tok");
    const marked = [...toks].filter((t) => t.classList.contains("iw-unknown")).map((t) => t.dataset.i);
    expect(marked).toEqual(["5"]);
    toks[5].dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: 10, clientY: 10 }));
    expect($(".iw-tooltip").textContent).toContain("not in the model's vocabulary (read as unknown)");
    toks[4].dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: 10, clientY: 10 }));
    expect($(".iw-tooltip").textContent).not.toContain("vocabulary");
    model.set("unknown", []);
    await flush();
    expect(host.querySelectorAll(".iw-tok.iw-unknown").length).toBe(0);
  });

  it("typing a neuron clamps it; garbage reverts", async () => {
    mount();
    const input = $<HTMLInputElement>("input.iw-neuron");
    input.value = "99";
    input.dispatchEvent(new Event("change"));
    expect(model.get("neuron")).toBe(7);
    await flush();
    input.value = "";
    input.dispatchEvent(new Event("change"));
    expect(model.get("neuron")).toBe(7);
    expect(input.value).toBe("7");
  });

  it("a change from Python updates the controls and uses the column trait", async () => {
    mount();
    await flush();
    const before = model.sent.length;
    model.state.column = column("rnn.1.h", 2, valuesFor("rnn.1.h", 2), 0.5);
    model.set("layer", "rnn.1.h");
    model.set("neuron", 2);
    model.emit("change:column");
    await flush();
    expect($<HTMLSelectElement>("select.iw-layer").value).toBe("rnn.1.h");
    expect($<HTMLInputElement>("input.iw-neuron").value).toBe("2");
    expect($(".iw-of").textContent).toBe("of 4");
    expect($(".iw-root").dataset.renderedLayer).toBe("rnn.1.h");
    expect($(".iw-legend-max").textContent).toBe(formatTick(absStats(valuesFor("rnn.1.h", 2)).p99));
    // only prefetches went out, no request for the selection itself
    expect(requests().slice(before)).toEqual([
      { kind: "column", layer: "rnn.1.h", neuron: 3 },
      { kind: "column", layer: "rnn.1.h", neuron: 1 },
    ]);
  });

  it("shows loading after 150 ms, then an error with a working retry", async () => {
    vi.useFakeTimers();
    mount();
    await vi.advanceTimersByTimeAsync(0);
    model.set("neuron", 6);
    await vi.advanceTimersByTimeAsync(100);
    expect($(".iw-status").hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect($(".iw-status").hidden).toBe(false);
    expect($(".iw-status").textContent).toBe("loading neuron 6…");
    const req6 = model.sent.map((s) => s.content as { id: number; body: { neuron: number } }).find((m) => m.body.neuron === 6)!;
    model.emit("msg:custom", { type: "reply", id: req6.id, ok: false, error: "kaboom <img src=x>" }, []);
    await vi.advanceTimersByTimeAsync(0);
    expect($(".iw-status").textContent).toContain("kaboom <img src=x>");
    expect(host.querySelector(".iw-status img")).toBeNull();
    expect($(".iw-text").textContent).toBe(TEXT); // never a blank view
    $("button.iw-retry").click();
    const retry = model.sent[model.sent.length - 1].content as { id: number; body: { neuron: number } };
    expect(retry.body.neuron).toBe(6);
    model.emit("msg:custom", { type: "reply", id: retry.id, ok: true, data: { ...column("rnn.0.h", 6, valuesFor("rnn.0.h", 6)), values: { dtype: "float32", shape: [N] } }, buffer_paths: [["values", "buffer"]] }, [new DataView(new Float32Array(valuesFor("rnn.0.h", 6)).buffer)]);
    await vi.advanceTimersByTimeAsync(0);
    expect($(".iw-status").hidden).toBe(true);
    expect($(".iw-root").dataset.renderedNeuron).toBe("6");
  });

  it("times out after 15 s with a visible error", async () => {
    vi.useFakeTimers();
    mount();
    model.set("neuron", 0);
    await vi.advanceTimersByTimeAsync(15001);
    expect($(".iw-status").textContent).toMatch(/no reply after 15 s/);
    expect(host.querySelector("button.iw-retry")).not.toBeNull();
  });

  it("hover shows token, chars (code points), visible whitespace and value", async () => {
    mount();
    await flush();
    const toks = host.querySelectorAll<HTMLElement>(".iw-tok");
    const emoji = [...toks].find((t) => t.textContent === "🙂")!;
    emoji.dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: 10, clientY: 10 }));
    const tip = $(".iw-tooltip");
    expect(tip.hidden).toBe(false);
    const i = Number(emoji.dataset.i);
    const lines = [...tip.children].map((c) => c.textContent);
    expect(lines[0]).toBe(`token ${i} · chars ${i}–${i + 1}`);
    expect(lines[1]).toBe('"🙂"');
    expect(lines[2]).toBe(`value ${Number(valuesFor("rnn.0.h", 3)[i].toPrecision(4))}`);
    expect(emoji.classList.contains("iw-hover")).toBe(true);
    toks[5].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    expect([...tip.children].map((c) => c.textContent)[1]).toBe('"\\n"');
    toks[2].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    expect([...tip.children].map((c) => c.textContent)[2]).toBe("value missing (NaN)");
    toks[4].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    expect([...tip.children].map((c) => c.textContent)[1]).toBe('":"');
    $(".iw-text").dispatchEvent(new MouseEvent("mouseleave"));
    expect(tip.hidden).toBe(true);
  });

  it("cleanup removes the view and its listeners", () => {
    mount();
    cleanup();
    cleanup = () => undefined;
    expect(host.querySelector(".iw-root")).toBeNull();
    expect(model.listenerCount("change:neuron")).toBe(0);
    expect(FakeIntersectionObserver.latest().disconnected).toBe(true);
  });

  it("a sigmoid gate's layer is drawn 0–1 sequential: a half-open gate is a middle shade", async () => {
    const gate = Array.from({ length: N }, (_, i) => (i === 0 ? 0.5 : i === 1 ? 0.98 : 0.02));
    mount({
      layers: [{ name: "rnn.0.f", n_units: 8, range: "unit" }, { name: "rnn.0.c", n_units: 8, range: null }],
      layer: "rnn.0.f", column: column("rnn.0.f", 3, gate),
    });
    await flush();
    expect([$(".iw-legend-min").textContent, $(".iw-legend-zero").textContent, $(".iw-legend-max").textContent]).toEqual(["0", "0.5", "1"]);
    expect($(".iw-legend-note").textContent).toContain("0 closed");
    expect($(".iw-root").dataset.scale).toBe("unit");
    // the menu is off on a layer of known range, reads the scale in effect there, and says why
    const sel = $<HTMLSelectElement>("select.iw-scale");
    expect(sel.disabled).toBe(true);
    expect(sel.selectedOptions[0].textContent).toBe("0\u20131 (sigmoid gate)");
    expect(sel.title).toContain("sigmoid gate");
    const toks = host.querySelectorAll<HTMLElement>(".iw-tok");
    const rgb = (el: HTMLElement) => el.style.backgroundColor.match(/\d+/g)!.map(Number);
    const [half, open, shut] = [rgb(toks[0]), rgb(toks[1]), rgb(toks[2])];
    // blue, between the open gate's shade and the shut gate's near-white in every channel
    for (let c = 0; c < 3; c++) expect((half[c] - open[c]) * (half[c] - shut[c])).toBeLessThanOrEqual(0);
    expect(half[2]).toBeGreaterThan(half[0]);
  });

  it("the scale menu sets the trait and recolours; every token keeps the one ink", async () => {
    mount({ scale: "p99" });
    await flush();
    const sel = $<HTMLSelectElement>("select.iw-scale");
    expect(sel.disabled).toBe(false);
    expect(Array.from(sel.options).map((o) => o.value)).toEqual(["p99", "max", "tanh"]);
    const bg = () => Array.from(host.querySelectorAll<HTMLElement>(".iw-tok")).map((t) => t.style.backgroundColor);
    const before = bg();
    sel.value = "tanh";
    sel.dispatchEvent(new Event("change"));
    await flush();
    expect(model.get("scale")).toBe("tanh");
    expect(model.saves).toBe(1);
    expect($(".iw-legend-note").textContent).toBe("tanh(value)");
    expect(bg()).not.toEqual(before);
    const inks = new Set(Array.from(host.querySelectorAll<HTMLElement>(".iw-tok")).map((t) => t.style.color));
    expect(inks.size).toBe(1);
    // from Python
    model.set("scale", "max");
    await flush();
    expect(sel.value).toBe("max");
    expect($(".iw-legend-note").textContent).toMatch(/max \|value\|/);
  });
});


describe("the scale menu on layers of known range", () => {
  const shown = (c: NeuronControls) => c.scaleSelect.selectedOptions[0]?.textContent;
  const values = (c: NeuronControls) => Array.from(c.scaleSelect.options).map((o) => o.value);

  it("reads the scale in effect (not the mode of other layers), and the modes again off it", () => {
    const c = new NeuronControls();
    c.syncScale("p99", "unit");
    expect(shown(c)).toBe("0\u20131 (sigmoid gate)");
    expect(shown(c)).not.toMatch(/99/);
    c.syncScale("max", "tanh");
    expect(shown(c)).toBe("\u00b11 (tanh range)");
    c.syncScale("max", null);
    expect(c.scaleSelect.disabled).toBe(false);
    expect(values(c)).toEqual(["p99", "max", "tanh"]);
    expect(shown(c)).toBe("max |value|");
  });

  it("keeps saying it in the widget's language after a language change", () => {
    const c = new NeuronControls();
    c.syncScale("p99", "unit");
    const zh: Record<string, string> = { "scale.mode_unit": "0\u20131\uff08sigmoid \u95e8\uff09" };
    c.setLanguage((key) => zh[key] ?? key);
    expect(shown(c)).toBe("0\u20131\uff08sigmoid \u95e8\uff09");
    expect(c.scaleSelect.disabled).toBe(true);
  });
});
