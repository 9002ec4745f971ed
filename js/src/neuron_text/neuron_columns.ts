// The columns (one neuron's values over the tokens) a neuron view has seen: decoded once,
// kept in a small LRU cache, fetched from the kernel (or an exported page's store) on demand.

import { decode, type Encoded } from "../shared/codec";
import { request } from "../shared/request";
import type { AnyModel } from "../shared/types";

export interface Column { layer: string; neuron: number; vmax: number; values: Float32Array; hasNaN: boolean }
export interface RawColumn { layer?: unknown; neuron?: unknown; vmax?: unknown; values?: Encoded }

const CACHE_SIZE = 64;

const keyOf = (layer: string, neuron: number) => `${layer}\u0000${neuron}`;

/** Every column of one layer at once (an exported page that holds it as one block). */
interface Block { values: ArrayLike<number>; units: number; vmax: ArrayLike<number> }
interface RawBlock { values?: Encoded; vmax?: Encoded }

export class ColumnStore {
  private readonly cache = new Map<string, Column>(); // insertion order = LRU order
  private readonly inflight = new Map<string, Promise<Column>>();
  private readonly blocks = new Map<string, Promise<Block>>();

  /** `tokenCount()`: how many values a column must hold (the tokens shown now). */
  constructor(private readonly model: AnyModel, private readonly tokenCount: () => number) {}

  /** Forget everything (the columns belong to the old tokens). */
  clear(): void {
    this.cache.clear();
    this.inflight.clear();
    this.blocks.clear();
  }

  /** Whether the page holds `layer` as one block (`export_blocks`, exported pages only). */
  private inBlock(layer: string): boolean {
    const held = this.model.get("export_blocks");
    return Array.isArray(held) && held.map(String).includes(layer);
  }

  /** A layer's block, requested once and kept (a page holds few, and holds them all anyway). */
  private block(layer: string): Promise<Block> {
    let p = this.blocks.get(layer);
    if (!p) {
      p = request<RawBlock>(this.model, { kind: "block", layer }).then((raw) => {
        if (!raw?.values || !raw.vmax) throw new Error(`the reply for layer ${layer} holds no block`);
        const { data, shape } = decode(raw.values);
        const n = this.tokenCount();
        if (shape.length !== 2 || shape[0] !== n) {
          throw new Error(`block: expected (${n}, units) values, got (${shape.join(", ")})`);
        }
        return { values: data, units: shape[1], vmax: decode(raw.vmax).data };
      });
      p.catch(() => this.blocks.delete(layer)); // a retry asks again
      this.blocks.set(layer, p);
    }
    return p;
  }

  private fromBlock(layer: string, neuron: number): Promise<Column> {
    return this.block(layer).then((b) => {
      if (!(neuron >= 0 && neuron < b.units)) throw new Error(`layer ${layer} has no neuron ${neuron}`);
      const n = this.tokenCount();
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = b.values[i * b.units + neuron];
      const col = { layer, neuron, vmax: Number(b.vmax[neuron]), values, hasNaN: values.some(Number.isNaN) };
      this.remember(col);
      return col;
    });
  }

  /** A column from its wire form; null when there is none, an error when it does not fit. */
  decode(raw: RawColumn | null | undefined): Column | null {
    if (!raw || typeof raw !== "object" || !raw.values) return null;
    const data = decode(raw.values).data;
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const n = this.tokenCount();
    if (values.length !== n) {
      throw new Error(`column: expected ${n} values (one per token), got ${values.length}`);
    }
    const hasNaN = values.some(Number.isNaN);
    return { layer: String(raw.layer), neuron: Number(raw.neuron), vmax: Number(raw.vmax), values, hasNaN };
  }

  remember(col: Column): void {
    const k = keyOf(col.layer, col.neuron);
    this.cache.delete(k);
    this.cache.set(k, col);
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }

  has(layer: string, neuron: number): boolean {
    return this.cache.has(keyOf(layer, neuron));
  }

  get(layer: string, neuron: number): Column | undefined {
    const col = this.cache.get(keyOf(layer, neuron));
    if (col) this.remember(col); // refresh its LRU position
    return col;
  }

  /** The column, requested once however often it is asked for while on its way. */
  fetch(layer: string, neuron: number): Promise<Column> {
    const k = keyOf(layer, neuron);
    let p = this.inflight.get(k);
    if (!p && this.inBlock(layer)) {
      p = this.fromBlock(layer, neuron);
    } else if (!p) {
      p = request<RawColumn>(this.model, { kind: "column", layer, neuron }).then((raw) => {
        const col = this.decode(raw);
        if (!col) throw new Error(`the reply for ${layer} neuron ${neuron} holds no column`);
        this.remember(col);
        return col;
      });
      const done = () => { if (this.inflight.get(k) === p) this.inflight.delete(k); };
      p.then(done, done);
      this.inflight.set(k, p);
    }
    return p;
  }
}
