import { describe, expect, it } from "vitest";
import { absStats, describeScale, neuronScale, position, readMode, readRange, textShade } from "./neuron_scale";

const stats = { max: 4, p99: 2.5 };

describe("neuronScale: each array gets the scale its range calls for", () => {
  it("sigmoid gates: sequential 0..1 whatever the mode; a half-open gate sits mid-scale", () => {
    for (const mode of ["p99", "max", "tanh"] as const) {
      const s = neuronScale("unit", mode, null, () => stats);
      expect(s).toMatchObject({ ramp: "sequential", source: "unit", hi: 1, squash: false });
      expect(position(s, 0.5)).toBe(0.5);
      expect(position(s, 0)).toBe(0);
      expect(position(s, 1)).toBe(1);
    }
    expect(describeScale(neuronScale("unit", "p99", null, () => stats)).ticks).toEqual(["0", "0.5", "1"]);
  });
  it("tanh-range arrays (h, g): diverging at 0 over the fixed ±1", () => {
    const s = neuronScale("tanh", "max", null, () => stats);
    expect(s).toMatchObject({ ramp: "diverging", source: "tanh-range", hi: 1 });
    expect(position(s, 0.5)).toBe(0.5);
    expect(position(s, -1)).toBe(-1);
  });
  it("unbounded arrays: p99 clips, max spans, tanh squashes; a fixed vmax wins", () => {
    const p99 = neuronScale(null, "p99", null, () => stats);
    expect(p99).toMatchObject({ ramp: "diverging", source: "p99", hi: 2.5 });
    expect(position(p99, 3)).toBe(1); // clipped
    expect(neuronScale(null, "max", null, () => stats)).toMatchObject({ source: "max", hi: 4 });
    const t = neuronScale(null, "tanh", null, () => stats);
    expect(position(t, 1)).toBeCloseTo(Math.tanh(1));
    expect(neuronScale(null, "p99", 2, () => stats)).toMatchObject({ source: "fixed", hi: 2 });
    // all zero: a scale of 1, never 0
    expect(neuronScale(null, "p99", null, () => ({ max: 0, p99: 0 })).hi).toBe(1);
    // p99 of 0 (a sparse neuron) falls back to the max
    expect(neuronScale(null, "p99", null, () => ({ max: 3, p99: 0 }))).toMatchObject({ source: "max", hi: 3 });
  });
  it("the legend says what the scale is", () => {
    expect(describeScale(neuronScale(null, "p99", null, () => ({ max: 9, p99: 2.3125 }))).note).toBe("clipped at \u00b12.31 (99th pct of |value|)");
    expect(describeScale(neuronScale(null, "max", null, () => stats)).note).toBe("\u00b14 (max |value|)");
    expect(describeScale(neuronScale(null, "tanh", null, () => stats)).note).toBe("tanh(value)");
    expect(describeScale(neuronScale("unit", "p99", null, () => stats)).note).toMatch(/0.*1/);
  });
  it("absStats: max and 99th percentile of |value|, NaN skipped", () => {
    const v = Float32Array.from({ length: 1000 }, (_, i) => (i % 2 ? -1 : 1) * (i + 1));
    v[5] = NaN;
    const s = absStats(v);
    expect(s.max).toBe(1000);
    // 999 finite values 1..1000 without 6: position 0.99 · 998 = 988.02 of them sorted
    expect(s.p99).toBeCloseTo(990 + 0.02 * 1, 5);
    // a short text is not clipped at its second largest value
    expect(absStats([0.3, -0.8236, 0.1]).p99).toBeCloseTo(0.3 + 0.98 * (0.8236 - 0.3), 5);
    expect(absStats([NaN])).toEqual({ max: 0, p99: 0 });
  });
  it("absStats agrees with a full sort on random columns (ties, zeros, NaN)", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(rnd() * 700);
      const v = Float32Array.from({ length: n }, () => (rnd() < 0.1 ? NaN : rnd() < 0.3 ? 0 : Math.round((rnd() - 0.5) * 200) / 7));
      const a = Array.from(v).filter(Number.isFinite).map(Math.abs).sort((x, y) => x - y);
      if (!a.length) continue;
      const pos = 0.99 * (a.length - 1);
      const lo = Math.floor(pos);
      const want = a[lo] + (pos - lo) * (a[Math.min(a.length - 1, lo + 1)] - a[lo]);
      const got = absStats(v);
      expect(got.p99).toBeCloseTo(want, 4);
      expect(got.max).toBe(a[a.length - 1]);
    }
  });
  it("read the traits defensively", () => {
    expect(readMode("max")).toBe("max");
    expect(readMode("bogus")).toBe("p99");
    expect(readRange("unit")).toBe("unit");
    expect(readRange(null)).toBe(null);
  });
  it("textShade: the theme's shades, the same for values past the clip", () => {
    const scale = neuronScale(null, "p99", null, () => stats);
    const light = textShade(scale, "light");
    expect(light(0)).toBe("rgb(247, 247, 247)");
    expect(textShade(scale, "dark")(0)).toBe("rgb(42, 42, 42)");
    expect(light(10)).toBe(light(2.5));
    expect(light(-10)).not.toBe(light(10));
    expect(light(NaN)).toBe("rgb(189, 189, 189)");
    expect(textShade(scale, "dark")(NaN)).toBe("rgb(85, 85, 85)");
  });
});
