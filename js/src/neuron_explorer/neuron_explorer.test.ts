// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { describeRank, splitRequestKey } from "./neuron_explorer";
import { brushSpan, brushedTokens, readSpans, utf16ToCodePoint } from "./brush";
import { heatmapWindow, robustScale, rowHeight, rowOrder } from "./heatmap";
import { chipColors, chipText, decodePredictions, formatPercent, guessesAt, predictionLine } from "./predictions";
import { readRanking } from "./ranking";
import { TokenStrip, codePointsToUtf16 } from "../shared/text";
import { FakeIntersectionObserver } from "../testing/fake_io";
import { FakeModel } from "../testing/fake_model";
import { checkErrorBox } from "../testing/error_box_check";

// ---------------------------------------------------------------------------------------
// pure parts

describe("heatmap row order", () => {
  it("puts the ranked neurons of the layer first, in ranking order, then the rest by index", () => {
    const ranking = [
      { layer: "rnn.0.h", neuron: 5 },
      { layer: "rnn.1.h", neuron: 2 }, // another layer: ignored
      { layer: "rnn.0.h", neuron: 0 },
      { layer: "rnn.0.h", neuron: 5 }, // repeated: first place kept
      { layer: "rnn.0.h", neuron: 99 }, // out of range: ignored
      { layer: "rnn.0.h", neuron: 3 },
    ];
    expect(Array.from(rowOrder(7, ranking, "rnn.0.h"))).toEqual([5, 0, 3, 1, 2, 4, 6]);
    expect(Array.from(rowOrder(4, ranking, "rnn.1.h"))).toEqual([2, 0, 1, 3]);
    expect(Array.from(rowOrder(3, [], "x"))).toEqual([0, 1, 2]);
    expect(Array.from(rowOrder(0, ranking, "rnn.0.h"))).toEqual([]);
  });

  it("is a permutation whatever the ranking holds", () => {
    const ranking = Array.from({ length: 50 }, (_, k) => ({ layer: "L", neuron: (k * 7) % 13 }));
    const order = Array.from(rowOrder(13, ranking, "L"));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, k) => k));
  });
});

describe("heatmap window", () => {
  it("follows the first visible token on the grid the Python export uses", () => {
    // Python: starts 0, 256, … while start + 512 < n, the last one reaching n.
    const n = 1200;
    const pythonStarts: number[] = [];
    for (let s = 0; s < n; s += 256) { pythonStarts.push(s); if (s + 512 >= n) break; }
    expect(pythonStarts).toEqual([0, 256, 512, 768]);
    const seen = new Set<string>();
    for (let first = 0; first < n; first++) {
      const [start, stop] = heatmapWindow(first, n);
      expect(pythonStarts).toContain(start);
      expect(stop).toBe(Math.min(n, start + 512));
      expect(start).toBeLessThanOrEqual(first); // the first visible token is in the window
      expect(stop).toBeGreaterThan(first);
      seen.add(`${start}`);
    }
    expect(seen.size).toBe(4);
    expect(heatmapWindow(300, n)).toEqual([256, 768]);
    expect(heatmapWindow(1199, n)).toEqual([768, 1200]);
  });

  it("short texts and edge cases", () => {
    expect(heatmapWindow(0, 10)).toEqual([0, 10]);
    expect(heatmapWindow(9, 10)).toEqual([0, 10]);
    expect(heatmapWindow(5, 0)).toEqual([0, 0]);
    expect(heatmapWindow(-3, 600)).toEqual([0, 512]);
    expect(heatmapWindow(599, 600)).toEqual([256, 600]);
    expect(heatmapWindow(513, 513)).toEqual([256, 513]);
  });

  it("colour scale: the 99th percentile of |value|, capped, NaN ignored", () => {
    const values = Float32Array.from({ length: 1000 }, (_, k) => (k % 2 ? -1 : 1) * (k + 1));
    values[3] = NaN;
    values[5] = 1e9; // an outlier does not set the scale
    const finite = Array.from(values).filter(Number.isFinite).map(Math.abs).sort((a, b) => a - b);
    const pos = 0.99 * (finite.length - 1); // linear between neighbours, as numpy's percentile
    const lo = Math.floor(pos);
    expect(robustScale(values)).toBeCloseTo(finite[lo] + (pos - lo) * (finite[lo + 1] - finite[lo]), 3);
    expect(robustScale(values)).toBeLessThan(1000);
    expect(robustScale(values, 0.99, 50)).toBe(50);
    expect(robustScale(new Float32Array([0, 0, NaN]))).toBe(1);
    expect(robustScale(new Float32Array([NaN]), 0.99, 3)).toBe(3);
  });

  it("rows are at least 2 px and the map about 300 px tall", () => {
    expect(rowHeight(8)).toBe(14);
    expect(rowHeight(64)).toBe(4);
    expect(rowHeight(256)).toBe(2);
    expect(rowHeight(2048)).toBe(2);
  });
});

describe("brushing: selection → code-point span", () => {
  // one token per code point; the emoji is 2 UTF-16 units but 1 code point
  const TEXT = "a🙂 \"hi\"\n𝒳yz";
  const cps = Array.from(TEXT);
  const cp = new Int32Array(cps.length * 2).map((_, k) => (k >> 1) + (k & 1));
  const u16 = codePointsToUtf16(TEXT, cp);

  it("counts code points, not UTF-16 units", () => {
    expect(utf16ToCodePoint(TEXT, 0)).toBe(0);
    expect(utf16ToCodePoint(TEXT, 1)).toBe(1);
    expect(utf16ToCodePoint(TEXT, 3)).toBe(2); // after the emoji
    expect(utf16ToCodePoint(TEXT, 2)).toBe(2); // inside the pair: the whole pair
    expect(utf16ToCodePoint(TEXT, TEXT.length)).toBe(cps.length);
  });

  it("maps a selection after an emoji to Python string indices", () => {
    const a = TEXT.indexOf('"hi"');
    const span = brushSpan(TEXT, u16, cp, a, a + 4);
    expect(span).toEqual([3, 7]);
    expect(cps.slice(3, 7).join("")).toBe('"hi"');
    // selecting backwards gives the same span
    expect(brushSpan(TEXT, u16, cp, a + 4, a)).toEqual([3, 7]);
    // after two astral characters
    const y = TEXT.indexOf("yz");
    expect(brushSpan(TEXT, u16, cp, y, y + 2)).toEqual([cps.indexOf("y"), cps.indexOf("y") + 2]);
  });

  it("widens a selection to the tokens it touches", () => {
    // two tokens: "hello" [0,5) and " wor🙂ld" [5,12)
    const text = "hello wor🙂ld";
    const cpo = [0, 5, 5, 12];
    const u = codePointsToUtf16(text, cpo);
    expect(brushSpan(text, u, cpo, 2, 3)).toEqual([0, 5]);
    expect(brushSpan(text, u, cpo, 4, 7)).toEqual([0, 12]);
    expect(brushSpan(text, u, cpo, 3, 3)).toBeNull();
  });

  it("falls back to the characters when no token covers them", () => {
    const text = "🙂ab  cd";
    const cpo = [1, 3, 5, 7]; // "ab", "cd"; the emoji and spaces are in no token
    const u = codePointsToUtf16(text, cpo);
    expect(brushSpan(text, u, cpo, 5, 6)).toEqual([4, 5]);
  });

  it("flags brushed tokens and reads the spans trait", () => {
    expect(Array.from(brushedTokens([0, 1, 1, 2, 2, 3, 3, 4], [[1, 3]]))).toEqual([0, 1, 1, 0]);
    expect(Array.from(brushedTokens([0, 1, 1, 2], []))).toEqual([0, 0]);
    expect(readSpans([[1, 3], [4, 4], ["x", 2], [5, 9.5], [2, 8]])).toEqual([[1, 3], [2, 8]]);
    expect(readSpans(null)).toEqual([]);
  });
});

describe("TokenStrip.offsetOf: a DOM boundary point → UTF-16 offset in the text", () => {
  it("works inside tokens, between them, on block and container boundaries", () => {
    const text = "🙂 ab\ncd";
    const c = document.createElement("div");
    const strip = new TokenStrip(c, { blockSize: 4 });
    // tokens: "🙂" [0,1), "ab" [2,4), "cd" [5,7) in code points; " " and "\n" in no token
    strip.setText(text, [0, 1, 2, 4, 5, 7]);
    strip.showAll();
    expect(c.textContent).toBe(text);
    const ab = c.querySelector('.iw-tok[data-i="1"]')!;
    expect(strip.offsetOf(ab.firstChild!, 1)).toBe(text.indexOf("b"));
    expect(strip.offsetOf(ab, 0)).toBe(text.indexOf("a"));
    expect(strip.offsetOf(ab, 1)).toBe(text.indexOf("\n"));
    const cd = c.querySelector('.iw-tok[data-i="2"]')!;
    expect(strip.offsetOf(cd.firstChild!, 2)).toBe(text.length);
    expect(strip.offsetOf(c, 0)).toBe(0);
    expect(strip.offsetOf(c, c.childNodes.length)).toBe(text.length);
    expect(strip.offsetOf(document.body, 0)).toBe(-1);
    // and through brushSpan to code points: "b" lies after the emoji (2 units, 1 code point)
    const b = strip.offsetOf(ab.firstChild!, 1);
    expect(brushSpan(text, strip.u16, strip.cp, b, b + 1)).toEqual([2, 4]);
  });
});

describe("prediction chips", () => {
  it("make whitespace visible", () => {
    expect(chipText("\n")).toBe("⏎");
    expect(chipText("\t")).toBe("⇥");
    expect(chipText(" ")).toBe("␣");
    expect(chipText("e")).toBe("e");
    expect(chipText("<b>")).toBe("<b>");
    expect(chipText("\r")).toBe("\\r");
    expect(chipText("\u0007")).toBe("U+0007");
    expect(chipText("")).toBe("∅");
    expect(chipText("🙂")).toBe("🙂");
  });

  it("show short percentages", () => {
    expect(formatPercent(0.61)).toBe("61%");
    expect(formatPercent(0.123)).toBe("12%");
    expect(formatPercent(0.0995)).toBe("10%");
    expect(formatPercent(0.042)).toBe("4.2%");
    expect(formatPercent(0.0004)).toBe("<0.1%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0)).toBe("0%");
  });

  it("decode the trait and build the tooltip line", () => {
    const vocab = ["a", "e", "\n", " ", "x"];
    const index = new Int32Array([1, 0, 2, 3, 4, 4, 3, 2, 1, 0]);
    const probs = new Float32Array([0.61, 0.12, 0.1, 0.05, 0.01, 0.5, 0.2, 0.1, 0.1, 0.05]);
    const p = decodePredictions({
      vocab,
      index: { dtype: "int32", shape: [2, 5], buffer: new DataView(index.buffer) },
      probs: { dtype: "float32", shape: [2, 5], buffer: new DataView(probs.buffer) },
    })!;
    expect(p.n).toBe(2);
    expect(p.k).toBe(5);
    expect(guessesAt(p, 0).map((g) => g.text)).toEqual(["e", "a", "\n", " ", "x"]);
    expect(guessesAt(p, 2)).toEqual([]);
    expect(predictionLine(guessesAt(p, 0))).toBe("next: e 61% · a 12% · ⏎ 10% · ␣ 5.0% · x 1.0%");
    expect(decodePredictions({})).toBeNull();
    expect(() => decodePredictions({ vocab, index: { dtype: "int32", shape: [2, 5], buffer: new DataView(index.buffer) }, probs: { dtype: "float32", shape: [5, 2], buffer: new DataView(probs.buffer) } })).toThrow(/one shape/);
  });

  it("are shaded by probability, one hue", () => {
    const lo = chipColors(0.01);
    const hi = chipColors(0.9);
    const alpha = (s: string) => Number(/,\s*([\d.]+)\)$/.exec(s)![1]);
    expect(alpha(hi.background)).toBeGreaterThan(alpha(lo.background));
    expect(hi.background.startsWith("rgba(26, 127, 55,")).toBe(true);
    expect(lo.background.startsWith("rgba(26, 127, 55,")).toBe(true);
    // the text colour reads best on the chip as drawn over the page (light or dark theme)
    expect(chipColors(1).color).toBe("#fff");
    expect(lo.color).toBe("#111");
    expect(chipColors(0.01, [17, 17, 17]).color).toBe("#fff");
  });
});

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
