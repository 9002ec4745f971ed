import { describe, expect, it } from "vitest";
import fixtures from "../../../tests/fixtures/codec.json";
import { base64ToBytes, check, convert, decode, float16Table, halfToFloat, inflate, putBuffers, stableStringify, uint8Table, type Encoded } from "./codec";

/** `bytes` placed at byte `at` of a larger buffer, as a DataView over exactly those bytes. */
function viewAt(bytes: Uint8Array, at: number): DataView {
  const big = new Uint8Array(at + bytes.length + 7).fill(0xee);
  big.set(bytes, at);
  return new DataView(big.buffer, at, bytes.length);
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe("decode", () => {
  it("float32 from ArrayBuffer, Uint8Array and DataView", () => {
    const bytes = f32Bytes([1, -2.5, NaN]);
    for (const buffer of [bytes.slice().buffer, bytes, viewAt(bytes, 0)]) {
      const d = decode({ dtype: "float32", shape: [3], buffer });
      expect(d.data).toBeInstanceOf(Float32Array);
      expect(Array.from(d.data)).toEqual([1, -2.5, NaN]);
      expect(d.shape).toEqual([3]);
    }
  });

  it("honours byteOffset/byteLength (aligned and unaligned) and never reads neighbours", () => {
    const bytes = f32Bytes([0.5, 2, -7]);
    for (const at of [4, 8, 1, 3, 6]) {
      const d = decode({ dtype: "float32", shape: [3], buffer: viewAt(bytes, at) });
      expect(Array.from(d.data)).toEqual([0.5, 2, -7]);
    }
    const ints = new Uint8Array(new Int32Array([5, -6]).buffer);
    for (const at of [0, 2, 5]) {
      const d = decode({ dtype: "int32", shape: [1, 2], buffer: viewAt(ints, at) });
      expect(d.data).toBeInstanceOf(Int32Array);
      expect(Array.from(d.data)).toEqual([5, -6]);
    }
    const halfs = new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer);
    for (const at of [0, 1, 3]) {
      expect(Array.from(decode({ dtype: "float16", shape: [2], buffer: viewAt(halfs, at) }).data)).toEqual([1, -2]);
    }
    // A Uint8Array subarray with an odd offset
    const big = new Uint8Array(20);
    big.set(bytes, 5);
    expect(Array.from(decode({ dtype: "float32", shape: [3], buffer: big.subarray(5, 17) }).data)).toEqual([0.5, 2, -7]);
  });

  it("float16: normal, subnormal, signed zero, inf, NaN", () => {
    const bits = [0x0000, 0x8000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8001, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x3555];
    const d = decode({ dtype: "float16", shape: [bits.length], buffer: new Uint16Array(bits).buffer });
    const want = [0, -0, 1, -2, 0.5, 65504, 2 ** -24, -(2 ** -24), 2 ** -14, Infinity, -Infinity, NaN, 0.333251953125];
    expect(Array.from(d.data)).toEqual(want);
    expect(Object.is(d.data[1], -0)).toBe(true);
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it("uint8 with scale/offset, 255 is NaN", () => {
    const d = decode({ dtype: "uint8", shape: [4], buffer: new Uint8Array([0, 127, 254, 255]), scale: 2 / 254, offset: -1 });
    expect(d.data[0]).toBe(-1);
    expect(d.data[1]).toBeCloseTo(0, 6);
    expect(d.data[2]).toBeCloseTo(1, 6);
    expect(d.data[3]).toBeNaN();
    expect(d.data).toBeInstanceOf(Float32Array);
    const shifted = decode({ dtype: "uint8", shape: [2], buffer: viewAt(new Uint8Array([1, 255]), 3), scale: 0.5, offset: 10 });
    expect(Array.from(shifted.data)).toEqual([10.5, NaN]);
  });

  it("rejects a wrong length, an unknown dtype, a bad shape", () => {
    expect(() => decode({ dtype: "float32", shape: [2], buffer: new Uint8Array(4) })).toThrow(/expected 8 bytes/);
    expect(() => decode({ dtype: "float64" as never, shape: [1], buffer: new Uint8Array(8) })).toThrow(/dtype/);
    expect(() => decode({ dtype: "int32", shape: [-1], buffer: new Uint8Array(0) })).toThrow(/shape/);
  });

  it("empty and 0-d arrays", () => {
    expect(decode({ dtype: "float32", shape: [0, 2], buffer: new ArrayBuffer(0) }).data.length).toBe(0);
    expect(Array.from(decode({ dtype: "int32", shape: [], buffer: new Int32Array([9]).buffer }).data)).toEqual([9]);
  });
});

describe("shared fixtures (tests/fixtures/codec.json, written by Python)", () => {
  const cases = fixtures as unknown as { name: string; encoded: Encoded; values: (number | null)[] }[];
  it("has cases", () => expect(cases.length).toBeGreaterThanOrEqual(5));
  for (const c of cases) {
    it(c.name, () => {
      const bytes = base64ToBytes(c.encoded.buffer as string);
      // Decode both from the base64 text and from a DataView at an odd offset.
      for (const buffer of [c.encoded.buffer, viewAt(bytes, 3)]) {
        const d = decode({ ...c.encoded, buffer });
        expect(d.shape).toEqual(c.encoded.shape);
        expect(d.data.length).toBe(c.values.length);
        c.values.forEach((v, i) => {
          if (v === null) expect(d.data[i]).toBeNaN();
          else expect(d.data[i]).toBe(v); // exact: same float32 arithmetic as numpy
        });
      }
    });
  }
});

describe("base64ToBytes", () => {
  it("decodes", () => {
    expect(Array.from(base64ToBytes("AAEC/w=="))).toEqual([0, 1, 2, 255]);
    expect(base64ToBytes("").length).toBe(0);
  });
});

describe("inflate", () => {
  const deflate = async (raw: Uint8Array) =>
    new Uint8Array(await new Response(new Blob([raw as BlobPart]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());

  it("gives back the bytes, empty and several in parallel", async () => {
    const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251);
    const small = Uint8Array.from([1, 2, 3]);
    const [a, b, c] = await Promise.all([big, small, new Uint8Array(0)].map(async (x) => inflate(await deflate(x))));
    expect(a).toEqual(big);
    expect(Array.from(b)).toEqual([1, 2, 3]);
    expect(c.length).toBe(0);
  });

  it("rejects bytes that are not zlib data, or are cut short", async () => {
    await expect(inflate(Uint8Array.from([1, 2, 3, 4, 5]))).rejects.toThrow();
    const z = await deflate(Uint8Array.from({ length: 1000 }, (_, i) => i % 13));
    await expect(inflate(z.slice(0, z.length - 6))).rejects.toThrow();
  });
});

describe("putBuffers", () => {
  it("puts DataViews at nested key/index paths, like ipywidgets", () => {
    const obj = { a: { buffer: null as unknown }, list: [{ x: 1 }, { values: { buffer: null as unknown } }] };
    const b1 = new Uint8Array([1, 2, 3]);
    const b2 = new Uint8Array([9, 9, 4, 5]).subarray(2);
    putBuffers(obj, [["a", "buffer"], ["list", 1, "values", "buffer"]], [b1.buffer, b2]);
    expect(obj.a.buffer).toBeInstanceOf(DataView);
    const v2 = (obj.list[1] as { values: { buffer: DataView } }).values.buffer;
    expect(v2.byteOffset).toBe(2);
    expect([v2.getUint8(0), v2.getUint8(1)]).toEqual([4, 5]);
    const dv = new DataView(new ArrayBuffer(2));
    const o2 = { x: [0] };
    putBuffers(o2, [["x", 0]], [dv]);
    expect(o2.x[0]).toBe(dv); // a DataView goes in as it is
  });

  it("complains about a path that leads nowhere or a count mismatch", () => {
    expect(() => putBuffers({ a: 1 }, [["a", "b", "c"]], [new ArrayBuffer(1)])).toThrow(/buffer_paths/);
    expect(() => putBuffers({}, [["a"]], [])).toThrow(/1 paths for 0 buffers/);
  });
});

describe("stableStringify matches Python json.dumps(sort_keys=True, separators=(',', ':'))", () => {
  // Expected strings produced by CPython 3.11's json module.
  const cases: [unknown, string][] = [
    [{ kind: "column", layer: "rnn.0.h", neuron: 7 }, '{"kind":"column","layer":"rnn.0.h","neuron":7}'],
    [{ b: [1, 2, { z: null, a: true }], a: false }, '{"a":false,"b":[1,2,{"a":true,"z":null}]}'],
    [{ s: 'éé 🙂 "q" \\ \n\t\u0001\u007f</script>' }, '{"s":"\\u00e9\\u00e9 \\ud83d\\ude42 \\"q\\" \\\\ \\n\\t\\u0001\\u007f</script>"}'],
    [
      { x: 0.5, y: 1e-5, z: 1.5e-7, w: 0.0001, v: -2.5e-10, u: 123456.789, t: 1e-7 },
      '{"t":1e-07,"u":123456.789,"v":-2.5e-10,"w":0.0001,"x":0.5,"y":1e-05,"z":1.5e-07}',
    ],
    [{ "🙂": 1, "\uffff": 2, a: 3, B: 4 }, '{"B":4,"a":3,"\\uffff":2,"\\ud83d\\ude42":1}'],
    [{ n: -0, big: 1e21, neg: -3 }, '{"big":1000000000000000000000,"n":0,"neg":-3}'],
    [[], "[]"],
    [{}, "{}"],
    ["plain", '"plain"'],
    [{ nested: { z: { b: 1, a: 2 }, a: [] } }, '{"nested":{"a":[],"z":{"a":2,"b":1}}}'],
  ];
  for (const [value, want] of cases) {
    it(want, () => expect(stableStringify(value)).toBe(want));
  }
  it("skips undefined object values; NaN like Python", () => {
    expect(stableStringify({ a: undefined, b: NaN, c: [undefined] })).toBe('{"b":NaN,"c":[null]}');
  });
});

describe("check and convert", () => {
  it("check finds decode's errors without converting; convert(check(x)) is decode(x)", () => {
    const bad = { dtype: "float32", shape: [3], buffer: new Float32Array(2).buffer } as Encoded;
    expect(() => check(bad)).toThrow(/expected 12 bytes/);
    expect(() => check({ ...bad, dtype: "float64" } as never)).toThrow(/dtype: expected/);
    const ok = { dtype: "uint8", shape: [2, 2], buffer: Uint8Array.from([0, 1, 254, 255]).buffer, scale: 0.5, offset: -1 } as Encoded;
    const c = check(ok);
    expect([c.n, c.shape]).toEqual([4, [2, 2]]);
    expect(Array.from(convert(c).data)).toEqual(Array.from(decode(ok).data));
    expect(Array.from(uint8Table(ok).subarray(0, 3))).toEqual([-1, -0.5, 0]);
  });
  it("the float16 table path equals halfToFloat on every bit pattern", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const t = float16Table(all);
    expect(Array.from(t)).toEqual(Array.from(all, (h) => Math.fround(halfToFloat(h))));
    // decode takes the native Float16Array where there is one: same values either way
    expect(Array.from(decode({ dtype: "float16", shape: [65536], buffer: all.buffer }).data)).toEqual(Array.from(t));
  });
});
