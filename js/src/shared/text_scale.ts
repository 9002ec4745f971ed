// Text on a colour scale, one ink per theme.
//
// Text drawn on the scales' shades keeps a single ink colour in each theme, so a word never
// changes colour half-way ("ValueE|rror"): in the light theme dark ink on shades capped at a
// light-enough end (as Karpathy et al. 2016 kept theirs), in the dark theme light ink on
// shades of a dark scale. Every shade keeps the ink at TEXT_CONTRAST or more (WCAG AA is 4.5).

import { DIVERGING_STOPS, MISSING, hexToRgb, interpolateStops, luminance, rgbString, type RGB } from "./colors";
import { SEQUENTIAL_STOPS } from "./sequential";

export type Theme = "light" | "dark";
/** "diverging": positions −1..1, blue · neutral · red; "sequential": 0..1, neutral → blue. */
export type Ramp = "diverging" | "sequential";

/** The ink of text on the text scales, one per theme. */
export const INK: Readonly<Record<Theme, string>> = { light: "#111", dark: "#eee" };
/** The contrast every text shade keeps with its theme's ink (a little over WCAG AA's 4.5). */
export const TEXT_CONTRAST = 4.6;
/** Missing (NaN) values under text in the dark theme (MISSING is the light theme's). */
export const MISSING_DARK: RGB = [85, 85, 85];

const RDBU: RGB[] = DIVERGING_STOPS.map(hexToRgb);
const BLUES: RGB[] = SEQUENTIAL_STOPS.map(hexToRgb);
/** The dark theme's scales: a dark neutral at 0, RdBu's strong blue and red at the ends. */
const DARK_NEUTRAL: RGB = [42, 42, 42];
const DARK_DIVERGING: RGB[] = [hexToRgb("#2166ac"), DARK_NEUTRAL, hexToRgb("#b2182b")];
const DARK_SEQUENTIAL: RGB[] = [DARK_NEUTRAL, hexToRgb("#2166ac")];

function contrastWith(rgb: RGB, ink: RGB): number {
  const a = luminance(rgb);
  const b = luminance(ink);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** How far along `at` (0..1) the shades keep TEXT_CONTRAST with `ink` (the first step that
 *  does not, less one; the scales darken monotonically from their light end). */
function reach(at: (u: number) => RGB, ink: RGB): number {
  const steps = 1000;
  for (let k = 1; k <= steps; k++) if (contrastWith(at(k / steps), ink) < TEXT_CONTRAST) return (k - 1) / steps;
  return 1;
}

const INK_LIGHT = hexToRgb("#111111");
let reachDiverging: number | undefined;
let reachSequential: number | undefined;
/** The part of each light scale dark ink stays readable on (≈ 0.6 of RdBu's half, 0.7 of Blues).
 *  Each is found the first time it is read (a page that shows no shaded text never pays for it). */
export const LIGHT_REACH: { readonly diverging: number; readonly sequential: number } = {
  get diverging() {
    return (reachDiverging ??= Math.min(
      reach((u) => interpolateStops(RDBU, 0.5 + u / 2), INK_LIGHT),
      reach((u) => interpolateStops(RDBU, 0.5 - u / 2), INK_LIGHT),
    ));
  },
  get sequential() {
    return (reachSequential ??= reach((u) => interpolateStops(BLUES, u), INK_LIGHT));
  },
};

/** The background of text at position `p` of `ramp` in `theme` (diverging p in −1..1,
 *  sequential 0..1, clipped); NaN gives the theme's missing grey. */
export function textBackground(ramp: Ramp, p: number, theme: Theme): RGB {
  if (Number.isNaN(p)) return theme === "dark" ? [...MISSING_DARK] : [...MISSING];
  if (ramp === "sequential") {
    const u = Math.max(0, Math.min(1, p));
    return theme === "dark" ? interpolateStops(DARK_SEQUENTIAL, u) : interpolateStops(BLUES, u * LIGHT_REACH.sequential);
  }
  const t = Math.max(-1, Math.min(1, p));
  return theme === "dark"
    ? interpolateStops(DARK_DIVERGING, (t + 1) / 2)
    : interpolateStops(RDBU, 0.5 + (t * LIGHT_REACH.diverging) / 2);
}

/** The theme a view's root is drawn in (the toolbar keeps `data-theme` on it). */
export function themeOf(root: HTMLElement): Theme {
  return root.dataset.theme === "dark" ? "dark" : "light";
}

/** Text at position `p` of `ramp` in `theme` as CSS colours: its shade and the theme's one ink
 *  (the same ink at every shade, so the pieces of a word never differ). */
export function textPaint(ramp: Ramp, p: number, theme: Theme): { bg: string; fg: string } {
  return { bg: rgbString(textBackground(ramp, p, theme)), fg: INK[theme] };
}

/** A CSS gradient (left to right) of the text scale `ramp` in `theme`, for a legend's bar. */
export function textGradient(ramp: Ramp, theme: Theme, steps = 12): string {
  const lo = ramp === "sequential" ? 0 : -1;
  const stops: string[] = [];
  for (let k = 0; k <= steps; k++) {
    stops.push(rgbString(textBackground(ramp, lo + ((1 - lo) * k) / steps, theme)));
  }
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

/** The most opaque (≤ `cap`) a shade of `color` laid over the opaque `page` may be while the
 *  ink of `theme` keeps TEXT_CONTRAST on it (0 when even the bare page falls short), so text
 *  shaded with translucent colours (the head view's token labels) keeps one ink too. */
export function inkAlpha(color: RGB, page: RGB, theme: Theme, cap = 0.85): number {
  const ink = hexToRgb(theme === "dark" ? "#eeeeee" : "#111111");
  const at = (a: number): RGB => [0, 1, 2].map((k) => Math.round(color[k] * a + page[k] * (1 - a))) as RGB;
  if (contrastWith(at(0), ink) < TEXT_CONTRAST) return 0;
  const steps = 100;
  for (let k = 1; k <= steps; k++) if (contrastWith(at((cap * k) / steps), ink) < TEXT_CONTRAST) return (cap * (k - 1)) / steps;
  return cap;
}
