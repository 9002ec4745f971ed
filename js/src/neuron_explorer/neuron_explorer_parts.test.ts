// @vitest-environment happy-dom
// NeuronExplorer's parts without the widget: the heatmap's row order, window and scale
// (heatmap.ts), brushing a selection into code-point spans (brush.ts, TokenStrip.offsetOf),
// and the prediction chips (predictions.ts). The widget itself: neuron_explorer.test.ts.
import { describe, expect, it } from "vitest";
import { brushSpan, brushedTokens, readSpans, utf16ToCodePoint } from "./brush";
import { heatmapWindow, robustScale, rowHeight, rowOrder } from "./heatmap";
import { chipColors, chipText, decodePredictions, formatPercent, guessesAt, predictionLine } from "./predictions";
import { TokenStrip, codePointsToUtf16 } from "../shared/text";

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
