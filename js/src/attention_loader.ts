// Layers of attention for the AttentionView: decoded once, kept in an LRU, asked for on
// demand (docs/protocol.md, "Requests": {kind: "layer", layer}), neighbours prefetched quietly.

import { LayerCache, decodeLayer, type LayerData, type LayerReply } from "./attention_data";
import { request } from "./request";
import type { AnyModel } from "./types";

export class LayerLoader {
  readonly cache = new LayerCache(8, 64 * 1024 * 1024);
  private readonly inflight = new Map<number, Promise<LayerData>>();
  private prefetchTimer: ReturnType<typeof setTimeout> | undefined;

  /** `shape()` gives the [heads, tokens] every layer must have; `label(l)` names layer l. */
  constructor(
    private readonly model: AnyModel,
    private readonly shape: () => [number, number],
    private readonly label: (layer: number) => string,
  ) {}

  /** A decoded layer if it is at hand. */
  get(layer: number): LayerData | null {
    return this.cache.get(layer) ?? null;
  }

  /** Cache a `current` trait; throws when it does not fit the tokens and heads. */
  take(raw: LayerReply | null | undefined): void {
    const [heads, n] = this.shape();
    const d = decodeLayer(raw, heads, n);
    if (d) this.cache.put(d);
  }

  /** Forget everything (tokens or heads changed). */
  clear(): void {
    this.cache.clear();
    this.inflight.clear();
    clearTimeout(this.prefetchTimer);
  }

  /** The layer, from the cache or asked for (one request per layer at a time). */
  fetch(layer: number): Promise<LayerData> {
    const hit = this.get(layer);
    if (hit) return Promise.resolve(hit);
    let p = this.inflight.get(layer);
    if (!p) {
      p = request<LayerReply>(this.model, { kind: "layer", layer }).then((raw) => {
        const [heads, n] = this.shape();
        const d = decodeLayer(raw, heads, n);
        if (!d) throw new Error(`the reply for layer ${this.label(layer)} holds no attention`);
        if (d.layer !== layer) throw new Error(`asked for layer ${layer}, the reply holds layer ${d.layer}`);
        this.cache.put(d);
        return d;
      });
      const done = () => { if (this.inflight.get(layer) === p) this.inflight.delete(layer); };
      p.then(done, done);
      this.inflight.set(layer, p);
    }
    return p;
  }

  /** Fetch layer ± 1 a moment later, quietly (errors show if that layer is ever chosen). */
  prefetchAround(layer: number, count: number): void {
    clearTimeout(this.prefetchTimer);
    this.prefetchTimer = setTimeout(() => {
      for (const l of [layer + 1, layer - 1]) {
        if (l < 0 || l >= count || this.cache.has(l) || this.inflight.has(l)) continue;
        this.fetch(l).catch(() => undefined);
      }
    }, 200);
  }

  destroy(): void {
    this.clear();
  }
}
