// The model view's thumbnails: every head's attention pooled to at most 32 × 32, checked when
// they arrive, their values converted when first read, uint8 codes painted straight into one
// atlas image. No DOM here, so all of it is unit-tested.

import { check, convert, uint8Table, type Encoded } from "../shared/codec";

/** The model view's pooled attention: values[((l * heads + h) * t + i) * tk + j], t pooled
 *  query rows by tk pooled key columns (t === tk for self-attention). `codes` and `table` are
 *  there when they came as uint8 (values[k] = table[codes[k]]), so they can be drawn without
 *  converting them. */
export interface Thumbs {
  layers: number; heads: number; t: number; tk: number; values: Float32Array;
  codes?: Uint8Array; table?: Float32Array;
}

/** Decode the `thumbs` trait ([layers, heads, t, tk]); null when absent, throws on a bad shape.
 *  The shape is checked at once, the values converted when first read (the model view). */
export function decodeThumbs(raw: unknown, layers: number, heads: number): Thumbs | null {
  if (!raw || typeof raw !== "object" || !("buffer" in raw)) return null;
  const c = check(raw as Encoded);
  const [L, H, t, tk] = c.shape;
  if (c.shape.length !== 4 || L !== layers || H !== heads || !(t > 0) || !(tk > 0)) {
    throw new Error(`thumbnails: expected shape [${layers}, ${heads}, t, tk], got [${c.shape}]`);
  }
  let values: Float32Array | null = null;
  const th: Thumbs = { layers: L, heads: H, t, tk, get values() { return (values ??= convert(c).data as Float32Array); } };
  if (c.dtype === "uint8") {
    th.codes = c.bytes;
    th.table = uint8Table(c.obj);
  }
  return th;
}

/** Paint uint8 thumbnails into `rgba`, an atlas heads * tk pixels wide and layers * t high
 *  (thumbnail (l, h) at x = h * tk, y = l * t), each scaled to its own largest weight: the
 *  colours `paintMatrix` gives their values (NaN → the table's missing entry `lutSize`), found
 *  once per code, then one look-up per pixel. False (nothing painted) when the thumbnails are
 *  not uint8 codes whose values rise with the code. */
export function paintThumbCodes(rgba: Uint8ClampedArray, th: Thumbs, lut: Uint8Array, lutSize: number): boolean {
  const { codes, table, layers, heads, t, tk } = th;
  if (!codes || !table || !(table[1] >= table[0])) return false;
  const width = heads * tk;
  if (rgba.length !== width * layers * t * 4 || rgba.byteOffset % 4 !== 0) return false;
  const out = new Uint32Array(rgba.buffer, rgba.byteOffset, width * layers * t);
  const colour = new Uint32Array(256);
  const bytes = new Uint8Array(colour.buffer);
  const top = lutSize - 1;
  const size = t * tk;
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) {
      const off = (l * heads + h) * size;
      let most = -1;
      for (let k = off, end = off + size; k < end; k++) {
        const q = codes[k];
        if (q > most && q !== 255) most = q;
      }
      // the largest finite weight (0 when none is above 0), as maxOf finds it
      const vmax = most >= 0 && table[most] > 0 ? table[most] : 0;
      const scale = vmax > 0 && Number.isFinite(vmax) ? top / vmax : 0;
      for (let q = 0; q < 256; q++) {
        const v = table[q];
        let i: number;
        if (v !== v) i = lutSize;
        else if (scale === 0) i = v > 0 ? top : 0;
        else { i = Math.round(v * scale); if (i < 0) i = 0; else if (i > top) i = top; }
        bytes[q * 4] = lut[i * 3];
        bytes[q * 4 + 1] = lut[i * 3 + 1];
        bytes[q * 4 + 2] = lut[i * 3 + 2];
        bytes[q * 4 + 3] = 255;
      }
      for (let r = 0; r < t; r++) {
        const src = off + r * tk;
        const dst = (l * t + r) * width + h * tk;
        for (let c = 0; c < tk; c++) out[dst + c] = colour[codes[src + c]];
      }
    }
  }
  return true;
}

/** Where a t × tk thumbnail sits in a square cell of `cell` px, aspect kept: [dx, dy, w, h]. */
export function thumbRect(t: number, tk: number, cell: number): [number, number, number, number] {
  const m = Math.max(t, tk, 1);
  const w = Math.max(1, Math.round((cell * tk) / m));
  const h = Math.max(1, Math.round((cell * t) / m));
  return [Math.floor((cell - w) / 2), Math.floor((cell - h) / 2), w, h];
}
