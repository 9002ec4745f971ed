// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { describeRank, splitRequestKey } from "./neuron_explorer";
import { readRanking } from "./ranking";
import { FakeIntersectionObserver } from "../testing/fake_io";
import { FakeModel } from "../testing/fake_model";
import { checkErrorBox } from "../testing/error_box_check";

// ---------------------------------------------------------------------------------------
// pure parts (the heatmap's, brushing's and the prediction chips': neuron_explorer_parts.test.ts)

describe("ranking and messages", () => {
  it("reads a ranking, tolerating junk", () => {
    expect(readRanking({})).toBeNull();
    expect(readRanking(null)).toBeNull();
    const r = readRanking({ source: "feature: in_string (AUROC)", rows: [{ layer: "a", neuron: 3, score: 0.9, sign: -1 }, { neuron: "x" }, null] })!;
    expect(r.rows).toEqual([{ layer: "a", neuron: 3, score: 0.9, sign: -1 }]);
    expect(readRanking({ source: "spans", rows: [], note: "spans: cover no token" })!.note).toBe("spans: cover no token");
  });

  it("splits the request key off a store message", () => {
    expect(splitRequestKey('Not in this file. (request {"kind":"rank","spans":[[1,2]]})')).toEqual([
      "Not in this file.", 'request {"kind":"rank","spans":[[1,2]]}',
    ]);
    expect(splitRequestKey("kaboom")).toEqual(["kaboom", ""]);
    expect(describeRank({ feature: "in_string" })).toBe("feature: in_string");
    expect(describeRank({ spans: [[1, 2], [3, 4]] })).toBe("spans: 2 selected");
  });
});

// ---------------------------------------------------------------------------------------
// the widget in a DOM

const TEXT = 'x = "🙂 hi"\ny\n';
const N = Array.from(TEXT).length; // one token per code point
const UNITS = 6;

function enc(arr: Float32Array | Int32Array | Uint8Array, dtype: "float32" | "int32" | "uint8", shape: number[], extra = {}) {
  return { dtype, shape, buffer: new DataView(arr.buffer), ...extra };
}
const colValues = (neuron: number) => Array.from({ length: N }, (_, i) => Math.sin(i + neuron) * 0.8);
const column = (layer: string, neuron: number) => ({ layer, neuron, vmax: 1, values: enc(new Float32Array(colValues(neuron)), "float32", [N]) });

function predictionsTrait() {
  const vocab = ["a", "h", " ", "\n", "i", "y"];
  const index = new Int32Array(N * 5);
  const probs = new Float32Array(N * 5);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 5; j++) { index[i * 5 + j] = (i + j) % vocab.length; probs[i * 5 + j] = [0.5, 0.2, 0.1, 0.05, 0.01][j]; }
  }
  return { vocab, index: enc(index, "int32", [N, 5]), probs: enc(probs, "float32", [N, 5]) };
}

let model: FakeModel;
let host: HTMLElement;
let cleanup: () => void;

function mount(extra: Record<string, unknown> = {}) {
  const offsets = new Int32Array(N * 2).map((_, k) => (k >> 1) + (k & 1));
  model = new FakeModel({
    text: TEXT,
    offsets: enc(offsets, "int32", [N, 2]),
    layers: [{ name: "rnn.0.h", n_units: UNITS }, { name: "rnn.1.h", n_units: 4 }],
    layer: "rnn.0.h",
    neuron: 2,
    column: column("rnn.0.h", 2),
    title: "",
    predictions: predictionsTrait(),
    features: ["in_string", "column"],
    feature: "",
    spans: [],
    threshold: 0.3,
    ranking: {},
    ...extra,
  });
  host = document.createElement("div");
  document.body.appendChild(host);
  cleanup = widget.render({ model, el: host }) as () => void;
  FakeIntersectionObserver.latest().fire();
}

const $ = <T extends Element = HTMLElement>(sel: string) => host.querySelector(sel) as T;
const flush = () => new Promise((r) => setTimeout(r, 0));
type Sent = { id: number; body: Record<string, unknown> };
const sent = () => model.sent.map((s) => s.content as Sent);
const lastOf = (kind: string) => sent().filter((m) => m.body.kind === kind).pop()!;
function reply(id: number, data: unknown, buffers: DataView[] = [], paths: (string | number)[][] = []) {
  model.emit("msg:custom", { type: "reply", id, ok: true, data, buffer_paths: paths }, buffers);
}
function heatmapReply(req: Sent) {
  const { start, stop } = req.body as { start: number; stop: number };
  const q = new Uint8Array(UNITS * (stop - start)).map((_, k) => (k * 37) % 255);
  reply(req.id, { layer: "rnn.0.h", start, stop, vmax: 2, values: { dtype: "uint8", shape: [UNITS, stop - start], scale: 4 / 254, offset: -2 } }, [new DataView(q.buffer)], [["values", "buffer"]]);
}

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

describe("NeuronExplorer", () => {
  it("shows a Python error in a box at the top and dismisses it", async () => {
    mount({ error: "" });
    await flush();
    checkErrorBox(model, $(".iw-root.iw-neuron-explorer"));
    expect(host.querySelectorAll(".iw-root .iw-error").length).toBe(1); // one box, not one per part
  });

  it("keeps NeuronText's DOM contract and asks for the heatmap window with integers", async () => {
    mount();
    await flush();
    const root = $(".iw-root.iw-neuron-explorer");
    expect(root.tabIndex).toBe(0);
    expect(root.dataset.renderedLayer).toBe("rnn.0.h");
    expect(root.dataset.renderedNeuron).toBe("2");
    expect(host.querySelectorAll(".iw-text span.iw-tok").length).toBe(N);
    expect($(".iw-text").textContent).toBe(TEXT);
    const req = lastOf("heatmap");
    expect(req.body).toEqual({ kind: "heatmap", layer: "rnn.0.h", start: 0, stop: N });
    expect(Number.isInteger(req.body.start) && Number.isInteger(req.body.stop)).toBe(true);
    heatmapReply(req);
    await flush();
    const canvas = $<HTMLCanvasElement>("canvas.iw-heatmap");
    expect(canvas.dataset.layer).toBe("rnn.0.h");
    expect(canvas.dataset.stop).toBe(String(N));
    expect(canvas.dataset.rows).toBe(String(UNITS));
    expect(canvas.dataset.selected).toBe("2");
    expect($(".iw-heatmap-label").textContent).toBe(`positions 0–${N - 1} of ${N}`);
    // a second request for the same window is not sent (cached)
    const count = sent().length;
    model.set("layer", "rnn.1.h");
    await flush();
    model.set("layer", "rnn.0.h");
    await flush();
    expect(sent().filter((m) => m.body.kind === "heatmap").length).toBe(2); // rnn.1.h once, rnn.0.h cached
    expect(sent().length).toBeGreaterThan(count);
  });

  it("hovering a character shows its five prediction chips and the tooltip line", async () => {
    mount();
    await flush();
    expect($(".iw-pred-label").textContent).toMatch(/hover/);
    const tok = $('span.iw-tok[data-i="3"]'); // the space before the quote
    tok.dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: 5, clientY: 5 }));
    const chips = [...host.querySelectorAll<HTMLElement>(".iw-predictions span.iw-pred")];
    expect(chips.map((c) => c.querySelector(".iw-pred-char")!.textContent)).toEqual(["⏎", "i", "y", "a", "h"]);
    expect(chips.map((c) => c.querySelector(".iw-pred-p")!.textContent)).toEqual(["50%", "20%", "10%", "5.0%", "1.0%"]);
    expect(chips[0].style.backgroundColor).not.toBe("");
    expect($(".iw-pred-label").textContent).toBe("after “␣”");
    const lines = [...$(".iw-tooltip").children].map((c) => c.textContent);
    expect(lines[lines.length - 1]).toBe("next: ⏎ 50% · i 20% · y 10% · a 5.0% · h 1.0%");
    // the actual next character is outlined: after "x" (token 0) comes " ", its third guess
    $('span.iw-tok[data-i="0"]').dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    const actual = [...host.querySelectorAll<HTMLElement>(".iw-pred.iw-pred-actual")];
    expect(actual.map((c) => c.textContent)).toEqual(["␣10%"]);
    // leaving falls back to the last clicked character
    $('span.iw-tok[data-i="1"]').dispatchEvent(new MouseEvent("click", { bubbles: true }));
    $(".iw-text").dispatchEvent(new MouseEvent("mouseleave"));
    expect($(".iw-predictions").dataset.token).toBe("1");
  });

  it("choosing a feature syncs it, ranks, reorders the heatmap and selects a clicked row", async () => {
    mount({ spans: [[0, 2]] });
    await flush();
    heatmapReply(lastOf("heatmap"));
    const select = $<HTMLSelectElement>("select.iw-feature");
    expect([...select.options].map((o) => o.textContent)).toEqual(["— choose a feature —", "in_string", "column"]);
    select.value = "in_string";
    select.dispatchEvent(new Event("change"));
    expect(model.get("feature")).toBe("in_string");
    expect(model.get("spans")).toEqual([]); // a feature replaces the brushed spans
    const req = lastOf("rank");
    expect(req.body).toEqual({ kind: "rank", feature: "in_string" });
    reply(req.id, { source: "feature: in_string (AUROC)", rows: [{ layer: "rnn.0.h", neuron: 4, score: 0.97, sign: 1 }, { layer: "rnn.1.h", neuron: 1, score: 0.8, sign: -1 }, { layer: "rnn.0.h", neuron: 1, score: 0.7, sign: 1 }] });
    await flush();
    expect($(".iw-rank-source").textContent).toBe("feature: in_string (AUROC)");
    const rows = [...host.querySelectorAll<HTMLElement>("tr.iw-rank-row")];
    expect(rows.map((r) => [...r.children].map((c) => c.textContent))).toEqual([
      ["rnn.0.h", "4", "0.970", "+"], ["rnn.1.h", "1", "0.800", "−"], ["rnn.0.h", "1", "0.700", "+"],
    ]);
    expect($<HTMLCanvasElement>("canvas.iw-heatmap").dataset.order).toBe("4,1,0,2,3,5");
    expect($<HTMLCanvasElement>("canvas.iw-heatmap").dataset.ranked).toBe("2");
    expect($(".iw-heatmap-title").textContent).toBe("rnn.0.h · 6 neurons (2 ranked on top)");
    rows[1].click();
    expect(model.get("layer")).toBe("rnn.1.h");
    expect(model.get("neuron")).toBe(1);
    await flush();
    expect(rows[1].classList.contains("iw-selected")).toBe(true);
    // choosing it again uses the cache
    const n = sent().filter((m) => m.body.kind === "rank").length;
    select.value = "";
    select.dispatchEvent(new Event("change"));
    select.value = "in_string";
    select.dispatchEvent(new Event("change"));
    expect(sent().filter((m) => m.body.kind === "rank").length).toBe(n);
    expect(host.querySelectorAll("tr.iw-rank-row").length).toBe(3);
  });

  it("a ranking pushed from Python is shown", async () => {
    mount();
    await flush();
    expect($(".iw-rank-message").textContent).toMatch(/Choose a feature/);
    model.set("ranking", { source: "spans: 1 selected", rows: [{ layer: "rnn.0.h", neuron: 5, score: 0.5, sign: -1 }] });
    model.set("feature", "column");
    expect($(".iw-rank-source").textContent).toBe("spans: 1 selected");
    expect(host.querySelectorAll("tr.iw-rank-row").length).toBe(1);
    expect($<HTMLSelectElement>("select.iw-feature").value).toBe("column");
  });

  it("brushing text sets spans (Shift adds), underlines them and ranks by span", async () => {
    mount();
    await flush();
    const text = $(".iw-text");
    const select = (from: number, to: number) => {
      // a DOM selection over token spans [from, to] (inclusive), as a mouse drag makes
      const a = text.querySelector(`span.iw-tok[data-i="${from}"]`)!.firstChild!;
      const b = text.querySelector(`span.iw-tok[data-i="${to}"]`)!.firstChild!;
      const range = document.createRange();
      range.setStart(a, 0);
      range.setEnd(b, (b.textContent ?? "").length);
      const sel = window.getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
    };
    const cps = Array.from(TEXT);
    const h = cps.indexOf("h");
    select(h, h + 1); // "hi", after the emoji
    document.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    expect(model.get("spans")).toEqual([[h, h + 2]]);
    expect(window.getSelection()!.isCollapsed).toBe(true);
    const req = lastOf("rank");
    expect(req.body).toEqual({ kind: "rank", spans: [[h, h + 2]], threshold: 0.3 });
    await flush();
    expect($(`span.iw-tok[data-i="${h}"]`).classList.contains("iw-brushed")).toBe(true);
    expect($(`span.iw-tok[data-i="${h - 1}"]`).classList.contains("iw-brushed")).toBe(false);
    expect($(".iw-spans-text").textContent).toBe("1 span brushed");
    expect($("button.iw-clear-spans").hidden).toBe(false);
    // the exported page's store has no such reply: its message shows in the panel
    model.emit("msg:custom", { type: "reply", id: req.id, ok: false, error: 'Span queries need the kernel. (request {"kind":"rank"})' }, []);
    await flush();
    expect($(".iw-rank-message").textContent).toContain("Span queries need the kernel.");
    expect($(".iw-rank-message").textContent).not.toContain("request {");
    expect($(".iw-rank-source").textContent).toBe("spans: 1 selected");
    // Shift adds a span
    select(0, 0);
    document.dispatchEvent(new MouseEvent("mouseup", { bubbles: true, shiftKey: true }));
    expect(model.get("spans")).toEqual([[0, 1], [h, h + 2]]);
    expect(lastOf("rank").body).toEqual({ kind: "rank", spans: [[0, 1], [h, h + 2]], threshold: 0.3 });
    // a plain selection replaces them
    select(1, 2);
    document.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    expect(model.get("spans")).toEqual([[1, 3]]);
    // clear
    $("button.iw-clear-spans").click();
    expect(model.get("spans")).toEqual([]);
    await flush();
    expect(host.querySelectorAll(".iw-brushed").length).toBe(0);
    expect($("button.iw-clear-spans").hidden).toBe(true);
  });

  it("a heatmap error is shown with a retry that asks again", async () => {
    mount();
    await flush();
    const req = lastOf("heatmap");
    model.emit("msg:custom", { type: "reply", id: req.id, ok: false, error: "no such window <b>x</b>" }, []);
    await flush();
    const status = $(".iw-heatmap-status");
    expect(status.hidden).toBe(false);
    expect(status.textContent).toContain("no such window <b>x</b>");
    expect(status.querySelector("b")).toBeNull();
    status.querySelector<HTMLButtonElement>("button.iw-retry")!.click();
    const again = lastOf("heatmap");
    expect(again.id).not.toBe(req.id);
    heatmapReply(again);
    await flush();
    expect(status.hidden).toBe(true);
    expect($<HTMLCanvasElement>("canvas.iw-heatmap").dataset.layer).toBe("rnn.0.h");
  });

  it("cleanup removes the view and its listeners", () => {
    mount();
    cleanup();
    cleanup = () => undefined;
    expect(host.querySelector(".iw-root")).toBeNull();
    expect(model.listenerCount("change:ranking")).toBe(0);
    expect(model.listenerCount("change:neuron")).toBe(0);
  });
});
