import { afterEach, describe, expect, it, vi } from "vitest";
import { decode } from "./codec";
import { pendingCount, request } from "./request";
import { FakeModel } from "../testing/fake_model";

afterEach(() => vi.useRealTimers());

describe("request", () => {
  it("sends a request and resolves with the reply's data, buffers put back", async () => {
    const model = new FakeModel();
    const p = request(model, { kind: "column", layer: "l", neuron: 3 });
    expect(model.sent).toHaveLength(1);
    const msg = model.sent[0].content as { type: string; id: number; body: unknown };
    expect(msg.type).toBe("request");
    expect(Number.isInteger(msg.id)).toBe(true);
    expect(msg.body).toEqual({ kind: "column", layer: "l", neuron: 3 });
    expect(model.listenerCount("msg:custom")).toBe(1);
    const buf = new DataView(new Float32Array([0.5, -1]).buffer);
    model.reply({ values: { dtype: "float32", shape: [2] }, vmax: 1 }, [buf], [["values", "buffer"]]);
    const data = (await p) as { values: { dtype: "float32"; shape: number[]; buffer: DataView } };
    expect(Array.from(decode(data.values).data)).toEqual([0.5, -1]);
    expect(pendingCount(model)).toBe(0);
    expect(model.listenerCount("msg:custom")).toBe(0); // stops listening when idle
  });

  it("gives every request a new id and matches replies by id", async () => {
    const model = new FakeModel();
    const a = request(model, { n: 1 });
    const b = request(model, { n: 2 });
    const [ma, mb] = model.sent.map((s) => s.content as { id: number });
    expect(ma.id).not.toBe(mb.id);
    model.emit("msg:custom", { type: "reply", id: mb.id, ok: true, data: "B", buffer_paths: [] }, []);
    model.emit("msg:custom", { type: "reply", id: 99999999999, ok: true, data: "stray" }, []);
    model.emit("msg:custom", { type: "something else" }, []);
    model.emit("msg:custom", { type: "reply", id: ma.id, ok: true, data: "A", buffer_paths: [] }, []);
    expect(await a).toBe("A");
    expect(await b).toBe("B");
  });

  it("rejects with the kernel's message on ok: false", async () => {
    const model = new FakeModel();
    const p = request(model, {});
    model.reply(null, [], [], false, "layer 'x' does not exist");
    await expect(p).rejects.toThrow("layer 'x' does not exist");
  });

  it("rejects after the timeout and ignores a late reply", async () => {
    vi.useFakeTimers();
    const model = new FakeModel();
    const p = request(model, { slow: true }, 15000);
    const check = expect(p).rejects.toThrow(/no reply after 15 s/);
    vi.advanceTimersByTime(14999);
    expect(pendingCount(model)).toBe(1);
    vi.advanceTimersByTime(1);
    await check;
    expect(pendingCount(model)).toBe(0);
    expect(() => model.reply("late")).not.toThrow();
  });

  it("rejects when send throws", async () => {
    const model = new FakeModel();
    model.send = () => { throw new Error("comm closed"); };
    await expect(request(model, {})).rejects.toThrow("comm closed");
    expect(pendingCount(model)).toBe(0);
  });
});
