import { describe, expect, it } from "vitest";
import { DIVERGING_STOPS, MISSING, diverging, divergingAt, hexToRgb, luminance, rgbString, textColorFor } from "./colors";
import { sequentialAt } from "./sequential";

describe("diverging", () => {
  it("has the 11 RdBu_r stops", () => {
    expect(DIVERGING_STOPS).toHaveLength(11);
    expect(DIVERGING_STOPS[0]).toBe("#053061");
    expect(DIVERGING_STOPS[10]).toBe("#67001f");
  });
  it("endpoints and centre", () => {
    expect(diverging(-1, 1)).toEqual([5, 48, 97]);
    expect(diverging(1, 1)).toEqual([103, 0, 31]);
    expect(diverging(0, 1)).toEqual([247, 247, 247]);
    expect(diverging(-2, 2)).toEqual([5, 48, 97]);
  });
  it("every stop sits at its position", () => {
    DIVERGING_STOPS.forEach((hex, i) => expect(divergingAt(-1 + i * 0.2)).toEqual(hexToRgb(hex)));
  });
  it("clips outside [-vmax, vmax]", () => {
    expect(diverging(5, 1)).toEqual([103, 0, 31]);
    expect(diverging(-1e9, 3)).toEqual([5, 48, 97]);
    expect(diverging(Infinity, 1)).toEqual([103, 0, 31]);
    expect(diverging(-Infinity, 1)).toEqual([5, 48, 97]);
  });
  it("NaN is MISSING; a bad vmax counts as 1", () => {
    expect(diverging(NaN, 1)).toEqual(MISSING);
    expect(MISSING).toEqual([189, 189, 189]);
    for (const vmax of [0, -2, NaN, Infinity]) expect(diverging(0.5, vmax)).toEqual(diverging(0.5, 1));
  });
  it("interpolates linearly in RGB between stops (rounded)", () => {
    // value 0.5 of 1 lies halfway between #f4a582 and #d6604d.
    expect(diverging(0.5, 1)).toEqual([229, 131, 104]);
    expect(diverging(-0.5, 1)).toEqual([107, 172, 209]);
    expect(diverging(0.25, 1)).toEqual([251, 206, 182]);
    expect(diverging(1.54, 2)).toEqual([183, 35, 48]);
    expect(diverging(0.1, 1)).toEqual([250, 233, 223]);
    for (const t of [-0.93, -0.31, 0.07, 0.66]) {
      for (const c of diverging(t, 1)) expect(Number.isInteger(c)).toBe(true);
    }
  });
  it("is symmetric in direction: negative blue, positive red", () => {
    const [r1, , b1] = diverging(-0.6, 1);
    const [r2, , b2] = diverging(0.6, 1);
    expect(b1).toBeGreaterThan(r1);
    expect(r2).toBeGreaterThan(b2);
  });
});

describe("text colour and strings", () => {
  it("white on dark, dark on light", () => {
    expect(textColorFor([5, 48, 97])).toBe("#fff");
    expect(textColorFor([103, 0, 31])).toBe("#fff");
    expect(textColorFor([247, 247, 247])).toBe("#111");
    expect(textColorFor([244, 165, 130])).toBe("#111");
    expect(textColorFor(MISSING)).toBe("#111");
  });
  it("white only on the darkest shades, so mid-dark blues keep dark text", () => {
    expect(textColorFor(hexToRgb("#4393c3"))).toBe("#111"); // t = -0.6
    expect(textColorFor(divergingAt(-0.7))).toBe("#000"); // dark ink, pure black keeps 4.5:1
    expect(textColorFor(divergingAt(0.6))).toBe("#111"); // salmon
    expect(textColorFor(divergingAt(0.7))).toBe("#fff"); // strong red
    expect(textColorFor(hexToRgb("#2166ac"))).toBe("#fff"); // t = -0.8
    expect(textColorFor(divergingAt(0.8))).toBe("#fff");
    expect(textColorFor(divergingAt(-0.9))).toBe("#fff");
  });
  it("flips once per side of the scale, in its dark end", () => {
    const flips: number[] = [];
    const ink = (t: number) => (textColorFor(divergingAt(t)) === "#fff" ? "white" : "dark");
    let prev = ink(-1);
    for (let k = -100; k <= 100; k++) {
      const c = ink(k / 100);
      if (c !== prev) flips.push(k / 100);
      prev = c;
    }
    expect(flips.length).toBe(2);
    expect(flips[0]).toBeLessThan(-0.7);
    expect(flips[0]).toBeGreaterThan(-0.85);
    expect(flips[1]).toBeGreaterThan(0.6);
    expect(flips[1]).toBeLessThan(0.85);
  });
  it("keeps text at 4.5:1 or more on every shade of both scales (WCAG AA)", () => {
    const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    for (let k = 0; k <= 400; k++) {
      for (const bg of [divergingAt(k / 200 - 1), sequentialAt(k / 400)]) {
        const fg = hexToRgb({ "#fff": "#ffffff", "#000": "#000000", "#111": "#111111" }[textColorFor(bg)] ?? "");
        expect(contrast(luminance(bg), luminance(fg))).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
  it("rgbString matches the browser's computed style", () => {
    expect(rgbString([1, 2, 3])).toBe("rgb(1, 2, 3)");
  });
});
