// Colour scales shared by every widget.

export type RGB = [number, number, number];

/** ColorBrewer RdBu reversed, 11 stops from -1 (blue) through 0 (near-white) to +1 (red).
 *  matplotlib's "RdBu_r" is built from the same stops. */
export const DIVERGING_STOPS: readonly string[] = [
  "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
  "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
];

/** Okabe & Ito's colour-blind-safe categorical palette (2008) without its black and yellow,
 *  which vanish on a dark and on a white page: blue, orange, bluish green, vermillion, sky
 *  blue, reddish purple. Every one reads as a line or mark on white and on a dark background. */
export const OKABE_ITO: readonly string[] = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#56b4e9", "#cc79a7"];

/** Background for a missing (NaN) value: a neutral grey. */
export const MISSING: RGB = [189, 189, 189];

export function hexToRgb(hex: string): RGB {
  const h = hex.replace(/^#/, "");
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

const STOPS: RGB[] = DIVERGING_STOPS.map(hexToRgb);

/** Colour at u in [0, 1] along `stops` (clipped; linear in RGB between neighbouring stops). */
export function interpolateStops(stops: readonly RGB[], u: number): RGB {
  const pos = Math.max(0, Math.min(1, u)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Colour at t in [-1, 1] on the diverging scale (linear in RGB between neighbouring stops). */
export function divergingAt(t: number): RGB {
  if (Number.isNaN(t)) return [...MISSING];
  return interpolateStops(STOPS, (Math.max(-1, Math.min(1, t)) + 1) / 2);
}

/** Colour of `value` on a symmetric scale from -vmax to +vmax (clipped). NaN gives MISSING;
 *  a vmax that is not a positive finite number is treated as 1. */
export function diverging(value: number, vmax: number): RGB {
  if (Number.isNaN(value)) return [...MISSING];
  const v = Number.isFinite(vmax) && vmax > 0 ? vmax : 1;
  return divergingAt(value / v);
}

function linear(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of an sRGB colour (0 black .. 1 white). */
export function luminance([r, g, b]: RGB): number {
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** Luminance below which text turns white (WCAG's crossing point: white and black text have
 *  the same contrast, 4.58:1, at 0.179). Only the darkest shades of the diverging scale
 *  (|t| > ~0.72) get white text. */
export const WHITE_TEXT_BELOW = 0.179;
/** Near-black "#111" keeps 4.5:1 down to this luminance; between WHITE_TEXT_BELOW and here the
 *  ink is pure black, so every background keeps text at 4.5:1 or more (WCAG AA). */
export const SOFT_BLACK_FROM = 0.201;

/** Text colour on `rgb`: "#fff" on the darkest backgrounds only, dark ink on everything else
 *  ("#000" in the narrow band where "#111" would fall under 4.5:1). Contrast is ≥ 4.5:1 on
 *  every background. (Picking whichever contrast is higher flipped the text colour in the
 *  middle of the blues, so a run of similar values looked jittery.) */
export function textColorFor(rgb: RGB): string {
  const l = luminance(rgb);
  return l < WHITE_TEXT_BELOW ? "#fff" : l < SOFT_BLACK_FROM ? "#000" : "#111";
}

export function rgbString([r, g, b]: RGB): string {
  return `rgb(${r}, ${g}, ${b})`;
}
