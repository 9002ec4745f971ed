// A Backbone-like stand-in for anywidget's model, recording what the widget does with it.
import type { AnyModel, Callback } from "../shared/types";

export class FakeModel implements AnyModel {
  state: Record<string, unknown>;
  sent: { content: unknown; buffers?: unknown }[] = [];
  saves = 0;
  private listeners = new Map<string, Callback[]>();

  constructor(state: Record<string, unknown> = {}) {
    this.state = { ...state };
  }
  get(name: string): any { return this.state[name]; }
  set(name: string, value: unknown) {
    if (this.state[name] === value) return;
    this.state[name] = value;
    this.emit(`change:${name}`, this, value);
    this.emit("change", this);
  }
  save_changes() { this.saves++; }
  on(event: string, cb: Callback) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), cb]);
  }
  off(event?: string | null, cb?: Callback | null) {
    if (!event) { this.listeners.clear(); return; }
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((c) => cb && c !== cb));
  }
  send(content: unknown, _callbacks?: unknown, buffers?: unknown) { this.sent.push({ content, buffers }); }
  emit(event: string, ...args: unknown[]) { for (const cb of [...(this.listeners.get(event) ?? [])]) cb(...args); }
  listenerCount(event: string) { return (this.listeners.get(event) ?? []).length; }
  /** Python's side of a request: answer the last request sent. */
  reply(data: unknown, buffers: DataView[] = [], bufferPaths: (string | number)[][] = [], ok = true, error = "") {
    const req = this.sent[this.sent.length - 1].content as { id: number };
    this.emit("msg:custom", ok ? { type: "reply", id: req.id, ok, data, buffer_paths: bufferPaths } : { type: "reply", id: req.id, ok, error }, buffers);
  }
}
