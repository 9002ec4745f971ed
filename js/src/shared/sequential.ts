// A sequential colour scale (white → dark blue) for non-negative quantities such as
// attention weights, a lookup table for drawing heatmaps fast, and the categorical
// palette that gives every attention head its own colour.

import { MISSING, OKABE_ITO, hexToRgb, interpolateStops, type RGB } from "./colors";

/** ColorBrewer "Blues", 9 stops from 0 (near-white) to 1 (dark blue); matplotlib's "Blues"
 *  is built from the same stops with linear interpolation. */
export const SEQUENTIAL_STOPS: readonly string[] = [
  "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b",
];

const STOPS: RGB[] = SEQUENTIAL_STOPS.map(hexToRgb);

/** Colour at t in [0, 1] (clipped; linear in RGB between neighbouring stops). NaN → MISSING. */
export function sequentialAt(t: number): RGB {
  if (Number.isNaN(t)) return [...MISSING];
  return interpolateStops(STOPS, t);
}

/** Position of `value` on a scale from `vmin` to `vmax` in [0, 1]; a degenerate or invalid
 *  range maps everything finite to 1 when it is above vmin, else 0. NaN stays NaN. */
export function scaleUnit(value: number, vmin: number, vmax: number): number {
  if (Number.isNaN(value)) return NaN;
  const span = vmax - vmin;
  if (!(Number.isFinite(span) && span > 0)) return value > vmin ? 1 : 0;
  return Math.max(0, Math.min(1, (value - vmin) / span));
}

/** Colour of `value` on the sequential scale from `vmin` to `vmax`. */
export function sequential(value: number, vmax: number, vmin = 0): RGB {
  return sequentialAt(scaleUnit(value, vmin, vmax));
}

/** Entries in the lookup table: index k holds the colour at k / (LUT_SIZE - 1). */
export const LUT_SIZE = 256;

let LUT: Uint8Array | null = null;

/** RGB triples for LUT_SIZE evenly spaced positions plus one for NaN (MISSING) at the end. */
export function sequentialLut(): Uint8Array {
  if (LUT) return LUT;
  const lut = new Uint8Array((LUT_SIZE + 1) * 3);
  for (let k = 0; k < LUT_SIZE; k++) lut.set(sequentialAt(k / (LUT_SIZE - 1)), k * 3);
  lut.set(MISSING, LUT_SIZE * 3);
  LUT = lut;
  return lut;
}

/** Table index for `value` on [vmin, vmax] (NaN → the MISSING entry LUT_SIZE). */
export function lutIndex(value: number, vmax: number, vmin = 0): number {
  const t = scaleUnit(value, vmin, vmax);
  return Number.isNaN(t) ? LUT_SIZE : Math.round(t * (LUT_SIZE - 1));
}

/** One colour per head: Okabe–Ito's colour-blind-safe palette (colors.ts OKABE_ITO). */
export const HEAD_PALETTE: readonly string[] = OKABE_ITO;

/** The colour of head h: the palette, then on every further pass through it the same hues
 *  darker (on a light page) or lighter (on a dark one), so heads 0 and 6 differ in lightness. */
export function headColor(h: number, dark = false): RGB {
  const n = HEAD_PALETTE.length;
  const i = ((h % n) + n) % n;
  const base = hexToRgb(HEAD_PALETTE[i]);
  const pass = Math.floor(Math.max(0, h) / n);
  if (pass === 0) return base;
  const t = Math.min(0.7, 0.4 * pass);
  const to = dark ? 255 : 0;
  return [Math.round(base[0] + (to - base[0]) * t), Math.round(base[1] + (to - base[1]) * t), Math.round(base[2] + (to - base[2]) * t)];
}

export function rgbaString([r, g, b]: RGB, alpha: number): string {
  return `rgba(${r}, ${g}, ${b}, ${Math.max(0, Math.min(1, alpha))})`;
}
