// Layers of attention for the AttentionView: decoded once, kept in an LRU keyed by (group,
// layer), asked for on demand (docs/protocol.md, "Requests": {kind: "layer", group, layer}),
// neighbours prefetched quietly. A layer that arrives (the `current` trait, a reply) is only
// checked; its values are converted the first time it is shown (a page opened on the model
// view never converts one, a prefetched neighbour costs no long task until it is chosen).

import { LayerCache, checkLayer, convertLayer, layerKey, type CheckedLayer, type LayerData, type LayerReply } from "./attention_data";
import { request } from "../shared/request";
import type { AnyModel } from "../shared/types";

/** Checked layers kept unconverted at most (the `current` trait and prefetched neighbours). */
const UNCONVERTED = 4;

export class LayerLoader {
  readonly cache = new LayerCache(8, 64 * 1024 * 1024);
  private readonly inflight = new Map<number, Promise<void>>();
  /** Checked layers not converted yet (the `current` trait), by layerKey. */
  private readonly unconverted = new Map<number, CheckedLayer>();
  private prefetchTimer: ReturnType<typeof setTimeout> | undefined;

  /** `shape(g)` gives the [heads, queries, keys] every layer of group g must have; `label(l)`
   *  names layer l of the shown group. */
  constructor(
    private readonly model: AnyModel,
    private readonly shape: (group: number) => [number, number, number],
    private readonly label: (layer: number) => string,
  ) {}

  /** A decoded layer if it is at hand. */
  get(group: number, layer: number): LayerData | null {
    const key = layerKey(group, layer);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const c = this.unconverted.get(key);
    if (!c) return null;
    this.unconverted.delete(key);
    const d = convertLayer(c);
    this.cache.put(d);
    return d;
  }

  /** Whether the layer is at hand (converted or not). */
  has(group: number, layer: number): boolean {
    const key = layerKey(group, layer);
    return this.cache.has(key) || this.unconverted.has(key);
  }

  /** Keep a `current` trait (converted when first asked for); throws when it does not fit
   *  its group's tokens and heads. */
  take(raw: LayerReply | null | undefined): void {
    if (!raw || typeof raw !== "object") return;
    const [heads, n, nk] = this.shape(Number(raw.group ?? 0) | 0);
    const c = checkLayer(raw, heads, n, nk);
    if (c) this.keep(c);
  }

  /** Keep a checked layer unconverted (at most UNCONVERTED of them, the oldest dropped). */
  private keep(c: CheckedLayer): void {
    const key = layerKey(c.group, c.layer);
    this.cache.delete(key);
    this.unconverted.delete(key);
    this.unconverted.set(key, c);
    while (this.unconverted.size > UNCONVERTED) this.unconverted.delete(this.unconverted.keys().next().value as number);
  }

  /** Forget everything (tokens or heads changed). */
  clear(): void {
    this.cache.clear();
    this.unconverted.clear();
    this.inflight.clear();
    clearTimeout(this.prefetchTimer);
  }

  /** The layer, from the cache or asked for (one request per layer at a time). */
  fetch(group: number, layer: number): Promise<LayerData> {
    const hit = this.get(group, layer);
    if (hit) return Promise.resolve(hit);
    return this.ask(group, layer).then(() => {
      const d = this.get(group, layer);
      if (!d) throw new Error(`layer ${this.label(layer)} was dropped before it was shown`);
      return d;
    });
  }

  /** Ask for a layer; its checked reply is kept unconverted (one request per layer at a time). */
  private ask(group: number, layer: number): Promise<void> {
    const key = layerKey(group, layer);
    const asked = this.inflight.get(key);
    if (asked) return asked;
    const p: Promise<void> = request<LayerReply>(this.model, { kind: "layer", group, layer }).then((raw) => {
      const [heads, n, nk] = this.shape(group);
      const c = checkLayer(raw, heads, n, nk);
      if (!c) throw new Error(`the reply for layer ${this.label(layer)} holds no attention`);
      if (c.layer !== layer || c.group !== group) {
        throw new Error(`asked for layer ${layer} of group ${group}, the reply holds layer ${c.layer} of group ${c.group}`);
      }
      this.keep(c);
    });
    const done = () => { if (this.inflight.get(key) === p) this.inflight.delete(key); };
    p.then(done, done);
    this.inflight.set(key, p);
    return p;
  }

  /** Fetch layer ± 1 a moment later, quietly (errors show if that layer is ever chosen). They
   *  are kept unconverted: converting takes a long task the page need not pay until then. */
  prefetchAround(group: number, layer: number, count: number): void {
    clearTimeout(this.prefetchTimer);
    this.prefetchTimer = setTimeout(() => {
      for (const l of [layer + 1, layer - 1]) {
        const key = layerKey(group, l);
        if (l < 0 || l >= count || this.has(group, l) || this.inflight.has(key)) continue;
        this.ask(group, l).catch(() => undefined);
      }
    }, 200);
  }

  destroy(): void {
    this.clear();
  }
}
