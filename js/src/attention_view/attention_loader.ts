// Layers of attention for the AttentionView: decoded once, kept in an LRU keyed by (group,
// layer), asked for on demand (docs/protocol.md, "Requests": {kind: "layer", group, layer}),
// neighbours prefetched quietly.

import { LayerCache, decodeLayer, layerKey, type LayerData, type LayerReply } from "./attention_data";
import { request } from "../shared/request";
import type { AnyModel } from "../shared/types";

export class LayerLoader {
  readonly cache = new LayerCache(8, 64 * 1024 * 1024);
  private readonly inflight = new Map<number, Promise<LayerData>>();
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
    return this.cache.get(layerKey(group, layer)) ?? null;
  }

  /** Cache a `current` trait; throws when it does not fit its group's tokens and heads. */
  take(raw: LayerReply | null | undefined): void {
    if (!raw || typeof raw !== "object") return;
    const [heads, n, nk] = this.shape(Number(raw.group ?? 0) | 0);
    const d = decodeLayer(raw, heads, n, nk);
    if (d) this.cache.put(d);
  }

  /** Forget everything (tokens or heads changed). */
  clear(): void {
    this.cache.clear();
    this.inflight.clear();
    clearTimeout(this.prefetchTimer);
  }

  /** The layer, from the cache or asked for (one request per layer at a time). */
  fetch(group: number, layer: number): Promise<LayerData> {
    const hit = this.get(group, layer);
    if (hit) return Promise.resolve(hit);
    const key = layerKey(group, layer);
    let p = this.inflight.get(key);
    if (!p) {
      p = request<LayerReply>(this.model, { kind: "layer", group, layer }).then((raw) => {
        const [heads, n, nk] = this.shape(group);
        const d = decodeLayer(raw, heads, n, nk);
        if (!d) throw new Error(`the reply for layer ${this.label(layer)} holds no attention`);
        if (d.layer !== layer || (d.group ?? 0) !== group) {
          throw new Error(`asked for layer ${layer} of group ${group}, the reply holds layer ${d.layer} of group ${d.group ?? 0}`);
        }
        this.cache.put(d);
        return d;
      });
      const done = () => { if (this.inflight.get(key) === p) this.inflight.delete(key); };
      p.then(done, done);
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Fetch layer ± 1 a moment later, quietly (errors show if that layer is ever chosen). */
  prefetchAround(group: number, layer: number, count: number): void {
    clearTimeout(this.prefetchTimer);
    this.prefetchTimer = setTimeout(() => {
      for (const l of [layer + 1, layer - 1]) {
        const key = layerKey(group, l);
        if (l < 0 || l >= count || this.cache.has(key) || this.inflight.has(key)) continue;
        this.fetch(group, l).catch(() => undefined);
      }
    }, 200);
  }

  destroy(): void {
    this.clear();
  }
}
