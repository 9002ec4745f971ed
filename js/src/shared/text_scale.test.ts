import { describe, expect, it } from "vitest";
import { hexToRgb, luminance, type RGB } from "./colors";
import { INK, LIGHT_REACH, MISSING_DARK, TEXT_CONTRAST, inkAlpha, textBackground, textGradient, textPaint, type Ramp, type Theme } from "./text_scale";
import { headColor } from "./sequential";
import fixture from "./text_scale.fixture.json";

const contrast = (a: RGB, b: RGB) => {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
};
const ink = (theme: Theme): RGB => hexToRgb(INK[theme].replace(/^#(.)(.)(.)$/, "#$1$1$2$2$3$3"));

describe("text on the scales: one ink per theme", () => {
  const sweep: [Ramp, number, number][] = [["diverging", -1, 1], ["sequential", 0, 1]];
  for (const theme of ["light", "dark"] as Theme[]) {
    for (const [ramp, lo, hi] of sweep) {
      it(`${theme} ${ramp}: every shade keeps ${TEXT_CONTRAST}:1 with the theme's one ink`, () => {
        let worst = Infinity;
        for (let k = 0; k <= 2000; k++) {
          const p = lo + ((hi - lo) * k) / 2000;
          worst = Math.min(worst, contrast(textBackground(ramp, p, theme), ink(theme)));
        }
        expect(worst).toBeGreaterThanOrEqual(4.5);
        expect(contrast(textBackground(ramp, NaN, theme), ink(theme))).toBeGreaterThanOrEqual(4.5);
      });
      it(`${theme} ${ramp}: shades grow more intense from the neutral end (monotone)`, () => {
        // the light scales darken, the dark scales brighten, away from the neutral end
        const sign = theme === "light" ? -1 : 1;
        let prev = luminance(textBackground(ramp, 0, theme));
        for (let k = 1; k <= 100; k++) {
          const l = luminance(textBackground(ramp, k / 100, theme));
          expect(sign * (l - prev)).toBeGreaterThanOrEqual(-2e-3); // RdBu wiggles by 0.0014 at its #fddbc7 stop
          prev = l;
        }
      });
    }
  }
  it("the light scales reach as far as dark ink allows, not less", () => {
    expect(LIGHT_REACH.diverging).toBeGreaterThan(0.5);
    expect(LIGHT_REACH.diverging).toBeLessThan(0.8);
    expect(LIGHT_REACH.sequential).toBeGreaterThan(0.55);
    // one step further would fall under the contrast
    const further = textBackground("diverging", 1, "light");
    expect(contrast(further, ink("light"))).toBeLessThan(TEXT_CONTRAST + 0.5);
  });
  it("diverging: blue below 0, red above, neutral at 0; sequential starts near white", () => {
    for (const theme of ["light", "dark"] as Theme[]) {
      const [r1, , b1] = textBackground("diverging", -0.8, theme);
      const [r2, , b2] = textBackground("diverging", 0.8, theme);
      expect(b1).toBeGreaterThan(r1);
      expect(r2).toBeGreaterThan(b2);
    }
    expect(textBackground("diverging", 0, "light")).toEqual([247, 247, 247]);
    expect(textBackground("sequential", 0, "light")).toEqual(hexToRgb("#f7fbff"));
    expect(textBackground("diverging", NaN, "dark")).toEqual(MISSING_DARK);
  });
  it("the pinned colours Python's mirror (interpwidgets/text_scale.py) reproduces", () => {
    expect(LIGHT_REACH).toEqual(fixture.light_reach);
    for (const c of fixture.colours) expect([c.ramp, c.theme, c.p, textBackground(c.ramp as Ramp, c.p, c.theme as Theme)]).toEqual([c.ramp, c.theme, c.p, c.rgb]);
  });
  it("textPaint: the shade and the theme's one ink; textGradient: the same shades end to end", () => {
    expect(textPaint("diverging", 1, "dark")).toEqual({ bg: "rgb(178, 24, 43)", fg: INK.dark });
    expect(textPaint("sequential", 0.5, "light").fg).toBe(INK.light);
    const g = textGradient("sequential", "light", 4);
    expect(g.startsWith("linear-gradient(to right, rgb(247, 251, 255)")).toBe(true);
    expect(g.endsWith("rgb(51, 131, 190))")).toBe(true);
  });
  it("inkAlpha: translucent head colours over the page stop where the theme's ink keeps its contrast", () => {
    const pages: Record<Theme, RGB> = { light: [255, 255, 255], dark: [17, 17, 17] };
    for (const theme of ["light", "dark"] as Theme[]) {
      const page = pages[theme];
      for (const grey of [false, true]) {
        for (let h = 0; h < (grey ? 1 : 24); h++) {
          const c: RGB = grey ? [110, 118, 129] : headColor(h, theme === "dark");
          const a = inkAlpha(c, page, theme);
          const at = (x: number): RGB => [0, 1, 2].map((k) => Math.round(c[k] * x + page[k] * (1 - x))) as RGB;
          expect(contrast(at(a), ink(theme))).toBeGreaterThanOrEqual(TEXT_CONTRAST);
          expect(a).toBeGreaterThanOrEqual(0.2); // still a visible shade for every head
          if (a < 0.85) expect(contrast(at(Math.min(0.85, a + 0.02)), ink(theme))).toBeLessThan(TEXT_CONTRAST);
        }
      }
    }
    expect(inkAlpha([0, 0, 0], [30, 30, 30], "light")).toBe(0); // the bare page already fails
  });
});
