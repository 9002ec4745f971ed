// The replies a widget's own state holds (`_replies`), and requests when no kernel is connected
// (docs/protocol.md, "Replies held in the widget state").
import { describe, expect, it } from "vitest";
import { decode } from "./codec";
import { NO_KERNEL, heldReply, kernelConnected, request } from "./request";
import { FakeModel } from "../testing/fake_model";

const KEY = '{"kind":"column","layer":"l","neuron":3}';

function held(modelId = "m1") {
  const buffer = new DataView(new Float32Array([0.25, -2]).buffer);
  return { model_id: modelId, replies: { [KEY]: { layer: "l", neuron: 3, values: { dtype: "float32", shape: [2], buffer } } } };
}

/** A FakeModel behind a host widget manager (JupyterLab's: get_model(id) → the Backbone model). */
function hosted(commLive: boolean | undefined, state: Record<string, unknown> = { _replies: held() }) {
  const model = new FakeModel(state);
  const asked: string[] = [];
  (model as unknown as { widget_manager: unknown }).widget_manager = {
    get_model: (id: string) => {
      asked.push(id);
      return id === "m1" ? Promise.resolve(commLive === undefined ? {} : { comm_live: commLive }) : Promise.reject(new Error("widget model not found"));
    },
  };
  return { model, asked };
}

describe("replies held in the widget state", () => {
  it("answers a held request from the state, without asking the kernel", async () => {
    const { model } = hosted(true);
    const data = (await request(model, { neuron: 3, layer: "l", kind: "column" })) as { values: never };
    expect(model.sent).toHaveLength(0);
    expect(Array.from(decode(data.values).data)).toEqual([0.25, -2]);
  });

  it("gives a fresh copy each time, sharing the buffer", () => {
    const model = new FakeModel({ _replies: held() });
    const a = heldReply(model, KEY)!.data as { values: { buffer: DataView } };
    const b = heldReply(model, KEY)!.data as { values: { buffer: DataView } };
    expect(a).not.toBe(b);
    expect(a.values).not.toBe(b.values);
    expect(a.values.buffer).toBe(b.values.buffer);
    expect(heldReply(model, '{"other":1}')).toBeNull();
    expect(heldReply(new FakeModel(), KEY)).toBeNull();
  });

  it("rejects at once with a clear message when the host says no kernel is connected", async () => {
    const { model, asked } = hosted(false);
    const t0 = Date.now();
    await expect(request(model, { kind: "column", layer: "l", neuron: 4 })).rejects.toThrow(NO_KERNEL);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(model.sent).toHaveLength(0);
    expect(asked).toEqual(["m1"]);
    await expect(request(model, { kind: "column", layer: "l", neuron: 5 })).rejects.toThrow(
      '(request {"kind":"column","layer":"l","neuron":5})',
    );
    expect(asked).toEqual(["m1"]); // looked up once
    expect(await kernelConnected(model)).toBe(false);
  });

  it("asks the kernel when the host says the comm is live", async () => {
    const { model } = hosted(true);
    const p = request(model, { kind: "column", layer: "l", neuron: 4 });
    await Promise.resolve();
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(model.sent).toHaveLength(1);
    model.reply("fresh");
    expect(await p).toBe("fresh");
  });

  it("asks the kernel when the host does not say (no comm_live, unknown model, no manager)", async () => {
    for (const { model } of [hosted(undefined), hosted(true, { _replies: held("m2") })]) {
      const p = request(model, { n: 1 });
      await new Promise((r) => setTimeout(r, 0));
      expect(model.sent).toHaveLength(1);
      model.reply("ok");
      expect(await p).toBe("ok");
    }
    const bare = new FakeModel({ _replies: held() });
    const p = request(bare, { n: 1 });
    expect(bare.sent).toHaveLength(1); // no manager: sent at once, as before
    bare.reply("ok");
    expect(await p).toBe("ok");
    expect(await kernelConnected(bare)).toBeNull();
  });
});
