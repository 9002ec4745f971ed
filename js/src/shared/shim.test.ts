// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { decode, NO_INFLATE, stableStringify, unpack } from "./codec";
import { request } from "./request";
import { createModel, unpackPage } from "./shim";

/** What Python's codec.pack writes for a buffer worth deflating (zlib format, base64). */
async function packed(arr: Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>) {
  const raw = new Uint8Array(arr.buffer);
  const stream = new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"));
  const z = new Uint8Array(await new Response(stream).arrayBuffer());
  return { deflate: btoa(String.fromCharCode(...z)), bytes: raw.byteLength };
}

const b64 = (arr: Float32Array | Int32Array) => btoa(String.fromCharCode(...new Uint8Array(arr.buffer)));

function page() {
  const body = { kind: "column", layer: "rnn.0.h", neuron: 4 };
  return {
    esm: "",
    state: { text: "ab", layer: "rnn.0.h", neuron: 3, offsets: { dtype: "int32", shape: [2, 2] } },
    buffer_paths: [["offsets", "buffer"]],
    buffers: [b64(new Int32Array([0, 1, 1, 2]))],
    store: {
      [stableStringify(body)]: {
        ok: true,
        data: { layer: "rnn.0.h", neuron: 4, vmax: 2, values: { dtype: "float32", shape: [2] } },
        buffer_paths: [["values", "buffer"]],
        buffers: [b64(new Float32Array([1.5, -2]))],
      },
    },
    missing: "Not saved in this page.",
  };
}

describe("exported page model", () => {
  it("rebuilds the state with DataViews at buffer_paths", () => {
    const model = createModel(page());
    expect(model.get("text")).toBe("ab");
    const offsets = model.get("offsets");
    expect(offsets.buffer).toBeInstanceOf(DataView);
    expect(Array.from(decode(offsets).data)).toEqual([0, 1, 1, 2]);
  });

  it("set fires change:NAME and change; off removes", () => {
    const model = createModel(page());
    const seen: unknown[] = [];
    const onNeuron = (_m: unknown, v: unknown) => seen.push(["neuron", v]);
    model.on("change:neuron", onNeuron);
    model.on("change", () => seen.push("change"));
    model.set("neuron", 5);
    model.save_changes();
    expect(model.get("neuron")).toBe(5);
    expect(seen).toEqual([["neuron", 5], "change"]);
    model.off("change:neuron", onNeuron);
    model.set("neuron", 6);
    expect(seen).toEqual([["neuron", 5], "change", "change"]);
  });

  it("answers requests from the store, asynchronously, with buffers", async () => {
    const model = createModel(page());
    const data = await request<{ values: never; vmax: number }>(model, { neuron: 4, layer: "rnn.0.h", kind: "column" });
    expect(data.vmax).toBe(2);
    expect(Array.from(decode(data.values).data)).toEqual([1.5, -2]);
    // Each reply is a fresh copy.
    const again = await request<{ vmax: number }>(model, { kind: "column", layer: "rnn.0.h", neuron: 4 });
    expect(again).not.toBe(data);
  });

  it("a request not in the store fails with the page's message", async () => {
    const model = createModel(page());
    await expect(request(model, { kind: "column", layer: "rnn.0.h", neuron: 9 })).rejects.toThrow(/^Not saved in this page\./);
  });

  it("inflates deflated buffers: the state's before rendering, the store's on request", async () => {
    const raw = page();
    const body = { kind: "column", layer: "rnn.0.h", neuron: 4 };
    const data = {
      ...raw,
      esm: await packed(new Int32Array([7, 8])),
      buffers: [await packed(new Int32Array([0, 1, 1, 2]))],
      store: { [stableStringify(body)]: { ...raw.store[stableStringify(body)], buffers: [await packed(new Float32Array([1.5, -2]))] } },
    };
    const ready = await unpackPage(data);
    expect(Array.from(new Int32Array((ready.esm as Uint8Array).slice().buffer))).toEqual([7, 8]);
    const model = createModel(ready);
    expect(Array.from(decode(model.get("offsets")).data)).toEqual([0, 1, 1, 2]);
    const reply = await request<{ values: never }>(model, body);
    expect(Array.from(decode(reply.values).data)).toEqual([1.5, -2]);
  });

  it("a deflated buffer of the wrong length, or no DecompressionStream, is a clear error", async () => {
    const p = await packed(new Int32Array([1, 2, 3]));
    await expect(unpack({ ...p, bytes: 8 })).rejects.toThrow("buffer: expected 8 inflated bytes, got 12");
    const saved = globalThis.DecompressionStream;
    try {
      (globalThis as { DecompressionStream?: unknown }).DecompressionStream = undefined;
      await expect(unpack(p)).rejects.toThrow(NO_INFLATE);
      expect(Array.from(await unpack(btoa("\x01\x02")))).toEqual([1, 2]); // raw base64 still reads
    } finally {
      globalThis.DecompressionStream = saved;
    }
  });
});
