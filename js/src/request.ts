// Request / reply over custom messages (docs/protocol.md, "Requests").

import { putBuffers, type BufferLike } from "./codec";
import type { AnyModel, Callback } from "./types";

interface Pending { resolve: (data: unknown) => void; reject: (err: Error) => void; timer: ReturnType<typeof setTimeout> }
interface Channel { pending: Map<number, Pending>; handler: Callback | null }

const channels = new WeakMap<AnyModel, Channel>();
// Ids are unique across every model object in the page: anywidget may hand each view its own
// model wrapper, and all views of one widget see every reply.
let nextId = 1 + Math.floor(Math.random() * 2 ** 30);

export const DEFAULT_TIMEOUT_MS = 15000;

interface Reply {
  type?: string; id?: number; ok?: boolean; data?: unknown; error?: string;
  buffer_paths?: (string | number)[][];
}

function channelOf(model: AnyModel): Channel {
  let ch = channels.get(model);
  if (!ch) {
    ch = { pending: new Map(), handler: null };
    channels.set(model, ch);
  }
  return ch;
}

function listen(model: AnyModel, ch: Channel): void {
  if (ch.handler) return;
  ch.handler = (msg: Reply, buffers?: BufferLike[]) => {
    if (!msg || msg.type !== "reply" || typeof msg.id !== "number") return;
    const p = ch.pending.get(msg.id);
    if (!p) return; // another view's request, or one that already timed out
    settle(model, ch, msg.id);
    if (!msg.ok) {
      p.reject(new Error(msg.error || "the kernel could not answer this request"));
      return;
    }
    try {
      const data = msg.data ?? null;
      const paths = msg.buffer_paths ?? [];
      if (paths.length && data !== null && typeof data === "object") putBuffers(data, paths, buffers ?? []);
      p.resolve(data);
    } catch (err) {
      p.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  model.on("msg:custom", ch.handler);
}

/** Forget request `id`; stop listening when nothing is pending any more. */
function settle(model: AnyModel, ch: Channel, id: number): void {
  const p = ch.pending.get(id);
  if (p) clearTimeout(p.timer);
  ch.pending.delete(id);
  if (ch.pending.size === 0 && ch.handler) {
    model.off("msg:custom", ch.handler);
    ch.handler = null;
  }
}

/** Ask the Python side (or the exported page's store) for `body`; resolves with the reply's
 *  data (buffers put back as DataViews), rejects with an Error on `ok: false` or timeout. */
export function request<T = unknown>(model: AnyModel, body: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const ch = channelOf(model);
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      settle(model, ch, id);
      reject(new Error(`no reply after ${Math.round(timeoutMs / 100) / 10} s — is the kernel still running?`));
    }, timeoutMs);
    ch.pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
    listen(model, ch);
    try {
      model.send({ type: "request", id, body });
    } catch (err) {
      settle(model, ch, id);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** Number of requests still waiting for `model` (for tests). */
export function pendingCount(model: AnyModel): number {
  return channels.get(model)?.pending.size ?? 0;
}
