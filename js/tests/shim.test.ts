// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { decode, stableStringify } from "../src/codec";
import { request } from "../src/request";
import { createModel } from "../src/shim";

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
});
