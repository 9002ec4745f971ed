// Request / reply over custom messages (docs/protocol.md, "Requests").

import { english, translator } from "./i18n";
import { putBuffers, stableStringify, type BufferLike } from "./codec";
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

/** Shown (with the request key) when no kernel is connected and the saved state lacks the data. */
export const NO_KERNEL = english("request.no_kernel");

interface Held { model_id?: unknown; replies?: Record<string, unknown> }

function heldOf(model: AnyModel): Held | null {
  const v = model.get("_replies") as unknown;
  return v && typeof v === "object" ? (v as Held) : null;
}

/** A fresh copy of a held reply (the widget may keep what it gets); buffers are shared. */
function copyData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyData);
  if (!v || typeof v !== "object" || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = copyData(x);
  return out;
}

/** The reply the widget's own state holds for request `key` (`_replies`, docs/protocol.md). */
export function heldReply(model: AnyModel, key: string): { data: unknown } | null {
  const replies = heldOf(model)?.replies;
  if (!key || !replies || typeof replies !== "object" || !Object.prototype.hasOwnProperty.call(replies, key)) return null;
  return { data: copyData(replies[key]) };
}

interface WidgetManagerLike { get_model?: (id: string) => Promise<unknown> | unknown }
/** The host's own model object behind anywidget's model proxy (null: the host has none). */
interface Link { real: { comm_live?: unknown } | null }

const links = new WeakMap<AnyModel, Link | Promise<Link>>();

/** The host's model for this widget, looked up once through `widget_manager.get_model` with
 *  the model id Python put into `_replies` (synchronous once known). */
function linkOf(model: AnyModel): Link | Promise<Link> {
  const known = links.get(model);
  if (known) return known;
  const wm = (model as { widget_manager?: WidgetManagerLike }).widget_manager;
  const id = heldOf(model)?.model_id;
  if (!wm || typeof wm.get_model !== "function") {
    const none: Link = { real: null };
    links.set(model, none);
    return none;
  }
  if (typeof id !== "string" || !id) return { real: null }; // not known yet: ask again later
  const getModel = wm.get_model.bind(wm);
  const p = Promise.resolve()
    .then(() => getModel(id))
    .then(
      (real): Link => ({ real: real && typeof real === "object" ? (real as Link["real"]) : null }),
      (): Link => ({ real: null }),
    )
    .then((link) => { links.set(model, link); return link; });
  links.set(model, p);
  return p;
}

function liveOf(link: Link): boolean | null {
  const v = link.real?.comm_live;
  return typeof v === "boolean" ? v : null;
}

/** Whether a kernel is connected to this widget: false when the host says its model has no live
 *  comm (JupyterLab / Notebook 7 after reopening a saved notebook, a dead kernel, the HTML
 *  widget manager), true when it says so, null when the host does not say (marimo, the shim). */
export async function kernelConnected(model: AnyModel): Promise<boolean | null> {
  return liveOf(await linkOf(model));
}

/** Ask for `body`: answered from the replies the widget state holds (`_replies`) when it holds
 *  it, else from the Python side (or the exported page's store) — or, when the host says no
 *  kernel is connected, rejected at once with NO_KERNEL. Resolves with the reply's data
 *  (buffers put back as DataViews); rejects with an Error on `ok: false` or timeout. */
export function request<T = unknown>(model: AnyModel, body: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  let key = "";
  try { key = stableStringify(body); } catch { /* not held; the kernel says what is wrong */ }
  const hit = heldReply(model, key);
  if (hit) return Promise.resolve(hit.data as T);
  const go = (link: Link): Promise<T> =>
    liveOf(link) === false
      ? Promise.reject(new Error(`${translator(model)("request.no_kernel")} (request ${key})`))
      : ask<T>(model, body, timeoutMs);
  const link = linkOf(model);
  return link instanceof Promise ? link.then(go) : go(link);
}

function ask<T>(model: AnyModel, body: unknown, timeoutMs: number): Promise<T> {
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

/** Split a shim/kernel error into the message and the request key it names (for a tooltip). */
export function splitRequestKey(message: string): [string, string] {
  const m = /^(.*?)\s*\((request \{.*\})\)\s*$/s.exec(message);
  return m ? [m[1], m[2]] : [message, ""];
}
