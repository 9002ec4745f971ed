// The layer loader: layers are checked when they arrive and converted when first shown; the
// fused uint8 conversion gives the same values and head maxima as decode + maxOf, and uint8
// thumbnails paint the same pixels as their converted values.
import { describe, expect, it } from "vitest";
import { checkLayer, convertLayer, decodeLayer, maxOf } from "./attention_data";
import { decodeThumbs, paintThumbCodes, type Thumbs } from "./attention_thumbs";
import { LayerLoader } from "./attention_loader";
import { paintMatrix } from "../shared/canvas";
import { decode } from "../shared/codec";
import { LUT_SIZE, sequentialLut } from "../shared/sequential";
import { FakeModel } from "../testing/fake_model";

function u8(codes: number[], shape: number[], scale: number, offset: number) {
  return { dtype: "uint8" as const, shape, buffer: new DataView(Uint8Array.from(codes).buffer), scale, offset };
}

/** decode + maxOf per head: what convertLayer must equal. */
function reference(values: ReturnType<typeof u8>, heads: number) {
  const v = decode(values).data as Float32Array;
  const size = v.length / heads;
  return { v, max: Array.from({ length: heads }, (_, h) => maxOf(v, h * size, size)) };
}

describe("convertLayer", () => {
  it("uint8: values and head maxima as decode + maxOf (NaN codes skipped, negative offset)", () => {
    const codes = [0, 3, 255, 7, /* head 1 */ 255, 255, 2, 1, /* head 2: all below 0 */ 0, 1, 1, 0];
    for (const [scale, offset] of [[0.01, 0], [0.5, -1], [0.25, -0.4]]) {
      const values = u8(codes, [3, 2, 2], scale, offset);
      const d = convertLayer(checkLayer({ layer: 2, values }, 3, 2)!);
      const ref = reference(values, 3);
      expect(Array.from(d.values)).toEqual(Array.from(ref.v));
      expect(Array.from(d.headMax)).toEqual(ref.max.map(Math.fround));
      expect(d.layer).toBe(2);
    }
  });

  it("uint8 with a falling scale takes the general path", () => {
    const values = u8([0, 10, 20, 30], [1, 2, 2], -0.1, 5);
    const d = convertLayer(checkLayer({ layer: 0, values }, 1, 2)!);
    expect(d.headMax[0]).toBeCloseTo(5);
    expect(Array.from(d.values)).toEqual(Array.from(reference(values, 1).v));
  });

  it("checkLayer checks shape and bytes without converting", () => {
    expect(() => checkLayer({ layer: 0, values: u8([0, 0, 0], [1, 2, 2], 1, 0) }, 1, 2)).toThrow(/expected 4 bytes/);
    expect(() => checkLayer({ layer: 0, values: u8([0, 0, 0, 0], [1, 2, 2], 1, 0) }, 2, 2)).toThrow(/expected shape \[2, 2, 2\]/);
    expect(checkLayer(null, 1, 2)).toBeNull();
    expect(decodeLayer({ layer: 0, values: u8([0, 254, 1, 2], [1, 2, 2], 1, 0) }, 1, 2)!.headMax[0]).toBe(254);
  });
});

describe("LayerLoader", () => {
  const shape = (): [number, number, number] => [1, 2, 2];
  const reply = (layer: number) => ({ layer, values: u8([0, 1, 2, layer], [1, 2, 2], 1, 0) });

  it("keeps the current trait unconverted until it is asked for, then caches it", () => {
    const loader = new LayerLoader(new FakeModel() as never, shape, String);
    loader.take(reply(3));
    expect(loader.has(0, 3)).toBe(true);
    expect(loader.cache.size).toBe(0); // nothing converted yet
    const d = loader.get(0, 3)!;
    expect(Array.from(d.values)).toEqual([0, 1, 2, 3]);
    expect(loader.cache.size).toBe(1);
    expect(loader.get(0, 3)).toBe(d);
    expect(() => loader.take({ layer: 1, values: u8([0], [1, 1, 1], 1, 0) })).toThrow(/expected shape \[1, 2, 2\]/);
  });

  it("a prefetched layer arrives unconverted and a fetch converts it", async () => {
    const model = new FakeModel();
    const loader = new LayerLoader(model as never, shape, String);
    loader.prefetchAround(0, 0, 3);
    await new Promise((r) => setTimeout(r, 250));
    expect((model.sent[model.sent.length - 1].content as { body: unknown }).body).toEqual({ kind: "layer", group: 0, layer: 1 });
    const r = reply(1);
    model.reply({ layer: 1, values: { ...r.values, buffer: undefined } }, [r.values.buffer], [["values", "buffer"]]);
    await new Promise((res) => setTimeout(res, 0));
    expect(loader.has(0, 1)).toBe(true);
    expect(loader.cache.size).toBe(0);
    const sent = model.sent.length;
    const d = await loader.fetch(0, 1);
    expect(model.sent.length).toBe(sent); // no second request
    expect(Array.from(d.values)).toEqual([0, 1, 2, 1]);
    expect(loader.cache.size).toBe(1);
  });
});

describe("thumbnails and rollout", () => {
  it("check their shape and bytes at once and convert their values when first read", async () => {
    const { decodeRollout, decodeThumbs } = await import("./attention_data");
    const half = (n: number) => ({ dtype: "float16" as const, shape: [n, n], buffer: new Uint16Array(n * n).fill(0x3c00).buffer });
    const r = decodeRollout(half(3), 3)!;
    expect(Object.getOwnPropertyDescriptor(r, "values")?.get).toBeTypeOf("function"); // not converted yet
    expect(Array.from(r.values)).toEqual(Array(9).fill(1));
    expect(r.vmax).toBe(1);
    expect(r.values).toBe(r.values); // converted once
    expect(() => decodeRollout(half(3), 4)).toThrow(/rollout: expected shape \[4, 4\]/);
    expect(() => decodeRollout({ ...half(3), buffer: new Uint16Array(8).buffer }, 3)).toThrow(/expected 18 bytes/);
    const th = decodeThumbs({ dtype: "uint8", shape: [1, 2, 1, 1], buffer: Uint8Array.from([0, 254]).buffer, scale: 0.5 }, 1, 2)!;
    expect(Array.from(th.values)).toEqual([0, 127]);
    expect(() => decodeThumbs({ dtype: "uint8", shape: [1, 2, 1, 1], buffer: Uint8Array.from([0]).buffer }, 1, 2)).toThrow(/expected 2 bytes/);
  });
});

describe("paintThumbCodes", () => {
  /** The atlas as paintMatrix paints the converted values (the general path of thumbAtlas). */
  function reference(th: Thumbs): Uint8ClampedArray {
    const { layers, heads, t, tk, values } = th;
    const w = heads * tk;
    const rgba = new Uint8ClampedArray(w * layers * t * 4);
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const off = (l * heads + h) * t * tk;
        paintMatrix(rgba, w, h * tk, l * t, values, off, t, tk, tk, maxOf(values, off, t * tk), sequentialLut(), LUT_SIZE);
      }
    }
    return rgba;
  }

  it("paints uint8 codes as the converted values would be painted (NaN, empty heads, offsets)", () => {
    // 2 layers × 3 heads of 2 × 3 thumbnails: random codes, a NaN code, a head of zeros, a
    // head of NaN only and a head whose values are all below zero (offset < 0)
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 255);
    const codes = Array.from({ length: 2 * 3 * 6 }, rand);
    codes[4] = 255;
    codes.fill(0, 6, 12);
    codes.fill(255, 12, 18);
    for (const [scale, offset] of [[1 / 254, 0], [0.003, -0.5], [0, 0.2], [0.01, 0.1]]) {
      const th = decodeThumbs(u8(codes, [2, 3, 2, 3], scale, offset), 2, 3)!;
      const rgba = new Uint8ClampedArray(3 * 3 * 2 * 2 * 4);
      expect(paintThumbCodes(rgba, th, sequentialLut(), LUT_SIZE)).toBe(true);
      expect(Array.from(rgba)).toEqual(Array.from(reference(th)));
    }
  });

  it("leaves float thumbnails and a falling scale to the general path", () => {
    const rgba = new Uint8ClampedArray(2 * 4);
    const falling = decodeThumbs(u8([0, 9], [1, 2, 1, 1], -0.1, 1), 1, 2)!;
    expect(paintThumbCodes(rgba, falling, sequentialLut(), LUT_SIZE)).toBe(false);
    const floats = decodeThumbs({ dtype: "float32", shape: [1, 2, 1, 1], buffer: new Float32Array([0, 1]).buffer }, 1, 2)!;
    expect(paintThumbCodes(rgba, floats, sequentialLut(), LUT_SIZE)).toBe(false);
    expect(Array.from(rgba)).toEqual(Array(8).fill(0)); // nothing painted
  });
});
