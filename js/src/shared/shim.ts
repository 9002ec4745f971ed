// The script of an exported page (docs/protocol.md, "The exported page"): rebuilds a widget's
// state from #iw-data, stands in for the kernel with anywidget's model interface, answers
// requests from the stored replies, and renders the widget module with no network at all.

import { base64ToBytes, bytesOf, type Packed, putBuffers, stableStringify, unpack } from "./codec";
import type { AnyModel, Callback, RenderProps, WidgetModule } from "./types";

type Path = (string | number)[];
interface StoredReply { ok: boolean; data?: unknown; error?: string; buffer_paths?: Path[]; buffers?: Packed[] }
/** #iw-data as Python's export.page_data writes it; `unpackPage` turns the packed buffers of
 *  the state (and the module) into bytes, the store's are inflated when a request needs them. */
export interface PageData {
  /** The widget's module; absent when the page inlines it (see `inlinedWidget`). */
  esm?: Packed | Uint8Array<ArrayBuffer>;
  css?: string;
  state: Record<string, unknown>;
  buffer_paths?: Path[];
  buffers?: (string | Uint8Array)[] | Packed[];
  store?: Record<string, StoredReply>;
  missing?: string;
}

function toDataView(b: string | Uint8Array): DataView {
  const bytes = typeof b === "string" ? base64ToBytes(b) : bytesOf(b);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The page's state buffers as bytes (inflating those stored deflated, in parallel). */
function unpackBuffers(data: PageData): Promise<Uint8Array[]> {
  return Promise.all(((data.buffers ?? []) as (Packed | Uint8Array)[]).map((b) => (b instanceof Uint8Array ? b : unpack(b))));
}

/** The page's module as bytes. */
function unpackEsm(data: PageData): Promise<Uint8Array<ArrayBuffer>> {
  if (!data.esm) return Promise.reject(new Error("the page holds no widget module"));
  return data.esm instanceof Uint8Array ? Promise.resolve(data.esm) : unpack(data.esm);
}

/** The page's module and state buffers as bytes (inflating those stored deflated, in parallel). */
export async function unpackPage(data: PageData): Promise<PageData> {
  const esm = data.esm ? unpackEsm(data) : undefined;
  const buffers = unpackBuffers(data);
  return { ...data, esm: await esm, buffers: await buffers };
}

/** Where the widget module the page inlines (export.py: a `<script type="module">` before
 *  this one, so it has run by now) leaves its exports. */
export const INLINED = "__iwWidget";

/** The exports of the module the page inlined, or undefined when it stores it in #iw-data. */
export function inlinedWidget(): unknown {
  return (globalThis as Record<string, unknown>)[INLINED];
}

/** anywidget's model interface over a plain state object; requests answered from `store`. */
export function createModel(data: PageData): AnyModel {
  const state: Record<string, unknown> = putBuffers(
    data.state ?? {},
    data.buffer_paths ?? [],
    ((data.buffers ?? []) as (string | Uint8Array)[]).map(toDataView),
  );
  const store = data.store ?? {};
  const listeners = new Map<string, Set<Callback>>();
  const emit = (event: string, ...args: unknown[]) => {
    for (const cb of [...(listeners.get(event) ?? [])]) {
      try { cb(...args); } catch (err) { console.error(err); }
    }
  };
  const model: AnyModel = {
    get: (name) => state[name],
    set(name, value) {
      if (Object.is(state[name], value)) return;
      state[name] = value;
      emit(`change:${name}`, model, value);
      emit("change", model);
    },
    save_changes() { /* no kernel to sync with */ },
    on(event, cb) {
      for (const e of event.split(/\s+/).filter(Boolean)) {
        if (!listeners.has(e)) listeners.set(e, new Set());
        listeners.get(e)!.add(cb);
      }
    },
    off(event, cb) {
      const events = event ? event.split(/\s+/).filter(Boolean) : [...listeners.keys()];
      for (const e of events) {
        if (cb) listeners.get(e)?.delete(cb);
        else listeners.delete(e);
      }
    },
    send(content) {
      const msg = content as { type?: string; id?: number; body?: unknown };
      if (!msg || msg.type !== "request") return;
      setTimeout(async () => {
        let key = "";
        try { key = stableStringify(msg.body); } catch { /* unanswerable */ }
        const hit = Object.prototype.hasOwnProperty.call(store, key) ? store[key] : undefined;
        if (!hit) {
          const error = `${data.missing || "This view was not saved in the exported page."} (request ${key})`;
          emit("msg:custom", { type: "reply", id: msg.id, ok: false, error }, []);
          return;
        }
        // A fresh copy each time: the widget may keep what it gets.
        const body = hit.ok ? JSON.parse(JSON.stringify(hit.data ?? null)) : undefined;
        let buffers: DataView[];
        try {
          buffers = (await Promise.all((hit.buffers ?? []).map(unpack))).map(toDataView);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          emit("msg:custom", { type: "reply", id: msg.id, ok: false, error }, []);
          return;
        }
        emit(
          "msg:custom",
          { type: "reply", id: msg.id, ok: hit.ok, data: body, error: hit.error, buffer_paths: hit.buffer_paths ?? [] },
          buffers,
        );
      }, 0);
    },
  };
  return model;
}

/** Import the widget's ES module from a blob: URL and accept anywidget's two forms. */
export async function loadWidget(esm: string | Uint8Array<ArrayBuffer>): Promise<WidgetModule> {
  const bytes = typeof esm === "string" ? base64ToBytes(esm) : esm;
  const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
  let mod: { default?: unknown; render?: unknown };
  try {
    mod = await import(/* @vite-ignore */ url);
  } finally {
    URL.revokeObjectURL(url);
  }
  return widgetOf(mod);
}

/** anywidget's two forms of a module: `default` (or the module itself) is the widget, or a
 *  function returning it. */
export async function widgetOf(mod: { default?: unknown; render?: unknown }): Promise<WidgetModule> {
  let widget = (mod.default ?? mod) as unknown;
  if (typeof widget === "function") widget = await (widget as () => unknown)();
  if (!widget || typeof (widget as WidgetModule).render !== "function") {
    throw new Error("the widget module exports no render function");
  }
  return widget as WidgetModule;
}

function showError(root: HTMLElement, err: unknown): void {
  console.error(err);
  const box = document.createElement("div");
  box.className = "iw-page-error";
  box.setAttribute("role", "alert");
  box.style.cssText =
    "font:13px/1.4 system-ui,sans-serif;color:#9b1c1c;background:#fdecec;border:1px solid #f3b4b4;" +
    "border-radius:4px;padding:8px 10px;margin:8px 0;white-space:pre-wrap";
  box.textContent = `This widget could not be shown: ${err instanceof Error ? err.message : String(err)}`;
  root.appendChild(box);
}

export async function main(): Promise<void> {
  const root = document.getElementById("iw-root") ?? document.body;
  try {
    const script = document.getElementById("iw-data");
    if (!script) throw new Error("the page holds no #iw-data");
    const data = JSON.parse(script.textContent || "{}") as PageData;
    // The module: inlined in the page (it ran before this script), or stored in #iw-data and
    // imported as soon as it is inflated (a blob: URL the browser process serves) while the
    // state's buffers inflate; its error is reported where it is awaited.
    const inlined = inlinedWidget();
    const loading = inlined !== undefined ? widgetOf(inlined as { default?: unknown }) : unpackEsm(data).then(loadWidget);
    loading.catch(() => undefined);
    const model = createModel({ ...data, buffers: await unpackBuffers(data) });
    const widget = await loading;
    if (typeof widget.initialize === "function") await widget.initialize({ model });
    const props: RenderProps = { model, el: root };
    await widget.render(props);
  } catch (err) {
    showError(root, err);
  }
}

if (typeof document !== "undefined" && document.getElementById("iw-data")) void main();
