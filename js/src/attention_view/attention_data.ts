// Pure pieces of the AttentionView: indexing into decoded [heads, n, n] stacks, block-max
// pooling, visible-row arithmetic, the segment separator, measure selection and an LRU of
// decoded layers. No DOM here, so all of it is unit-tested.

import { check, convert, decode, uint8Table, type Checked, type Encoded } from "../shared/codec";

export { decodeThumbs, paintThumbCodes, thumbRect, type Thumbs } from "./attention_thumbs";

/** One layer of one group's attention, decoded once: values[h * n * nk + i * nk + j] = weight
 *  of query i on key j (n queries, nk keys; nk === n for self-attention). */
export interface LayerData {
  /** The group (0 when there is one). */
  group?: number;
  layer: number;
  heads: number;
  /** Queries (rows). */
  n: number;
  /** Keys (columns); n when absent. */
  nk?: number;
  values: Float32Array;
  /** Largest finite weight of each head (0 when a head holds no finite value). */
  headMax: Float32Array;
}

/** Keys of a layer (its queries when it is square). */
export function keysOf(d: LayerData): number {
  return d.nk ?? d.n;
}

/** Offset of head h's n × nk matrix in a [heads, n, nk] stack. */
export function headOffset(h: number, n: number, nk = n): number {
  return h * n * nk;
}

/** Weight of query i on key j in head h of a [heads, n, nk] stack. */
export function weightAt(values: Float32Array, n: number, h: number, i: number, j: number, nk = n): number {
  return values[h * n * nk + i * nk + j];
}

/** Largest finite value in values[offset, offset + count) (0 when none is finite or all ≤ 0). */
export function maxOf(values: ArrayLike<number>, offset = 0, count = values.length - offset): number {
  let m = 0;
  const end = offset + count;
  for (let k = offset; k < end; k++) {
    const v = values[k];
    if (v > m) m = v; // NaN compares false
  }
  return m;
}

/** Smallest and largest finite values ([0, 0] when none). */
export function rangeOf(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

export interface LayerReply { group?: unknown; layer?: unknown; values?: Encoded }

/** A layer reply whose shape is checked and whose values are not converted yet. */
export interface CheckedLayer { group: number; layer: number; heads: number; n: number; nk: number; values: Checked }

/** Check a `current` trait or a layer reply against heads, queries (n) and keys (nk, default
 *  n) without converting its values (null when it holds none). */
export function checkLayer(raw: LayerReply | null | undefined, heads: number, n: number, nk = n): CheckedLayer | null {
  if (!raw || typeof raw !== "object" || !raw.values) return null;
  const c = check(raw.values);
  const shape = c.shape;
  if (shape.length !== 3 || shape[0] !== heads || shape[1] !== n || shape[2] !== nk) {
    throw new Error(`attention of layer ${String(raw.layer)}: expected shape [${heads}, ${n}, ${nk}], got [${shape}]`);
  }
  const group = Number(raw.group ?? 0);
  return { group: Number.isInteger(group) ? group : 0, layer: Number(raw.layer), heads, n, nk, values: c };
}

/** The values of a checked layer and each head's max. uint8 codes (how pages and replies
 *  send attention) are converted and their heads' maxima found in one pass. */
export function convertLayer(c: CheckedLayer): LayerData {
  const { heads, n, nk } = c;
  const size = n * nk;
  const headMax = new Float32Array(heads);
  let values: Float32Array;
  const lut = c.values.dtype === "uint8" ? uint8Table(c.values.obj) : null;
  if (lut && !(lut[1] < lut[0])) {
    // the table rises with the code (scale ≥ 0): a head's max is the table at its largest code
    const bytes = c.values.bytes;
    values = new Float32Array(heads * size);
    for (let h = 0; h < heads; h++) {
      let top = -1;
      for (let k = h * size, end = k + size; k < end; k++) {
        const q = bytes[k];
        values[k] = lut[q];
        if (q > top && q !== 255) top = q;
      }
      headMax[h] = top >= 0 && lut[top] > 0 ? lut[top] : 0;
    }
  } else {
    const d = convert(c.values).data;
    values = d instanceof Float32Array ? d : Float32Array.from(d);
    for (let h = 0; h < heads; h++) headMax[h] = maxOf(values, h * size, size);
  }
  return { group: c.group, layer: c.layer, heads, n, nk, values, headMax };
}

/** Decode a `current` trait or a layer reply; checks its shape against heads, queries (n) and
 *  keys (nk, default n). */
export function decodeLayer(raw: LayerReply | null | undefined, heads: number, n: number, nk = n): LayerData | null {
  const c = checkLayer(raw, heads, n, nk);
  return c && convertLayer(c);
}

/** The cache key of (group, layer). */
export function layerKey(group: number, layer: number): number {
  return group * 1_000_000 + layer;
}

/** Block-max pooling of a rows × cols matrix stored at src[offset + r * stride + c] by k × k
 *  blocks (the last block of a row or column may be partial). NaN counts only when a whole
 *  block is NaN. */
export function poolMax(
  src: ArrayLike<number>, offset: number, rows: number, cols: number, stride: number, k: number,
): { data: Float32Array; rows: number; cols: number } {
  const f = Math.max(1, Math.floor(k));
  const pr = Math.ceil(rows / f);
  const pc = Math.ceil(cols / f);
  const out = new Float32Array(pr * pc).fill(NaN);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * stride;
    const orow = Math.floor(r / f) * pc;
    for (let c = 0; c < cols; c++) {
      const v = src[base + c];
      const o = orow + Math.floor(c / f);
      if (v > out[o] || (Number.isNaN(out[o]) && !Number.isNaN(v))) out[o] = v;
    }
  }
  return { data: out, rows: pr, cols: pc };
}

/** Rows [first, last) of a list with fixed row height that touch the visible band
 *  [scrollTop, scrollTop + height), widened by `overscan` rows on each side and clamped to [0, n). */
export function visibleRows(scrollTop: number, height: number, rowHeight: number, n: number, overscan = 0): [number, number] {
  if (!(n > 0) || !(rowHeight > 0)) return [0, 0];
  const top = Math.max(0, scrollTop);
  const first = Math.floor(top / rowHeight) - overscan;
  const last = Math.ceil((top + Math.max(0, height)) / rowHeight) + overscan;
  return [Math.max(0, Math.min(n, first)), Math.max(0, Math.min(n, last))];
}

/** The index of the first token of segment B when it splits the tokens into two non-empty
 *  parts, else -1 (no separator is drawn). */
export function separatorIndex(sentenceBStart: unknown, n: number): number {
  const s = Number(sentenceBStart);
  return Number.isInteger(s) && s > 0 && s < n ? s : -1;
}

export interface Measure { key: string; label: string; values: Float32Array; layers: number; heads: number }

/** Decode summary.measures, keeping those whose shape is [layers, heads]; bad ones are
 *  reported in `errors` (shown as notes), never thrown. */
export function decodeMeasures(summary: unknown, layers: number, heads: number, errors: string[] = []): Measure[] {
  const list = (summary as { measures?: unknown } | null)?.measures;
  if (!Array.isArray(list)) return [];
  const out: Measure[] = [];
  for (const m of list) {
    if (!m || typeof m !== "object") continue;
    const { key, label, values } = m as { key?: unknown; label?: unknown; values?: Encoded };
    try {
      const d = decode(values as Encoded);
      if (d.shape.length !== 2 || d.shape[0] !== layers || d.shape[1] !== heads) {
        throw new Error(`expected shape [${layers}, ${heads}], got [${d.shape}]`);
      }
      const v = d.data instanceof Float32Array ? d.data : Float32Array.from(d.data);
      out.push({ key: String(key ?? label ?? out.length), label: String(label ?? key ?? ""), values: v, layers, heads });
    } catch (err) {
      errors.push(`summary measure ${String(label ?? key)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The measure called `key`, else the first one (null when there is none). */
export function pickMeasure(measures: readonly Measure[], key: string): Measure | null {
  return measures.find((m) => m.key === key) ?? measures[0] ?? null;
}

/** The (layer, head) cell with the largest finite value of a measure ([-1, -1] when none). */
export function argmaxCell(m: Measure): [number, number] {
  let best = -Infinity;
  let at = -1;
  for (let k = 0; k < m.values.length; k++) if (m.values[k] > best) { best = m.values[k]; at = k; }
  return at < 0 ? [-1, -1] : [Math.floor(at / m.heads), at % m.heads];
}

/** Clean a `heads` trait: integers in [0, heads), unique, sorted. */
export function normalizeHeads(raw: unknown, heads: number): number[] {
  if (!Array.isArray(raw)) return Array.from({ length: heads }, (_, h) => h);
  const set = new Set<number>();
  for (const x of raw) {
    const h = Number(x);
    if (Number.isInteger(h) && h >= 0 && h < heads) set.add(h);
  }
  return [...set].sort((a, b) => a - b);
}

/** Heads after clicking head h: toggled, or only h (double-click). */
export function toggleHead(active: readonly number[], h: number, only = false): number[] {
  if (only) return [h];
  return active.includes(h) ? active.filter((x) => x !== h) : [...active, h].sort((a, b) => a - b);
}

/** An integer trait clamped into [lo, hi] (NaN or junk → fallback). */
export function clampInt(raw: unknown, lo: number, hi: number, fallback = lo): number {
  const x = Number(raw);
  if (!Number.isFinite(x)) return fallback;
  return Math.max(lo, Math.min(hi, Math.round(x)));
}

export interface KeyChoice { layer?: number; head?: number; token?: number }

/** The selection a key asks for: Up/Down the layer, Left/Right the head, Escape unpins the
 *  token (null: nothing to change). */
export function keyChoice(
  key: string, at: { layer: number; head: number; token: number }, layers: number, heads: number,
): KeyChoice | null {
  if (key === "ArrowUp" && at.layer > 0) return { layer: at.layer - 1 };
  if (key === "ArrowDown" && at.layer < layers - 1) return { layer: at.layer + 1 };
  if (key === "ArrowLeft" && at.head > 0) return { head: at.head - 1 };
  if (key === "ArrowRight" && at.head < heads - 1) return { head: at.head + 1 };
  if (key === "Escape" && at.token >= 0) return { token: -1 };
  return null;
}

/** Decoded layers, least recently used first; keeps at most `maxItems` layers and about
 *  `maxBytes` of values (always at least the newest one). */
export class LayerCache {
  private readonly map = new Map<number, LayerData>();
  constructor(readonly maxItems = 8, readonly maxBytes = 64 * 1024 * 1024) {}

  /** Layer `layer` of group 0, or the layer at a `layerKey(group, layer)`. */
  get(key: number): LayerData | undefined {
    const d = this.map.get(key);
    if (d) { this.map.delete(key); this.map.set(key, d); }
    return d;
  }

  has(key: number): boolean { return this.map.has(key); }

  delete(key: number): void { this.map.delete(key); }

  put(d: LayerData): void {
    const key = layerKey(d.group ?? 0, d.layer);
    this.map.delete(key);
    this.map.set(key, d);
    let bytes = 0;
    for (const v of this.map.values()) bytes += v.values.byteLength;
    while (this.map.size > 1 && (this.map.size > this.maxItems || bytes > this.maxBytes)) {
      const oldest = this.map.keys().next().value as number;
      bytes -= this.map.get(oldest)!.values.byteLength;
      this.map.delete(oldest);
    }
  }

  clear(): void { this.map.clear(); }
  get size(): number { return this.map.size; }
  keys(): number[] { return [...this.map.keys()]; }
}

/** One attention group as the browser reads it (the `groups` trait, or the plain traits). */
export interface GroupInfo {
  name: string;
  tokens: string[];
  keyTokens: string[];
  layerLabels: string[];
  headLabels: string[];
  sep: number;
  notes: string[];
  thumbs: unknown;
  summary: unknown;
  rollout: unknown;
}

const strings = (raw: unknown): string[] => (Array.isArray(raw) ? raw.map((x) => String(x)) : []);
const labels = (raw: unknown, count: unknown): string[] => {
  const list = strings(raw);
  const n = Math.max(Number(count) | 0, list.length);
  return Array.from({ length: n }, (_, i) => list[i] ?? String(i));
};

/** Read one group from a dict with the trait names (tokens, key_tokens, n_layers, …). */
export function readGroup(g: Record<string, unknown>): GroupInfo {
  const tokens = strings(g.tokens);
  const keys = Array.isArray(g.key_tokens) && g.key_tokens.length ? strings(g.key_tokens) : tokens;
  return {
    name: String(g.name ?? ""),
    tokens,
    keyTokens: keys,
    layerLabels: labels(g.layer_labels, g.n_layers),
    headLabels: labels(g.head_labels, g.n_heads),
    sep: tokens.length === keys.length ? separatorIndex(g.sentence_b_start, tokens.length) : -1,
    notes: strings(g.notes),
    thumbs: g.thumbs,
    summary: g.summary,
    rollout: g.rollout,
  };
}

/** Every group: the `groups` trait when it holds any, else one group made of the plain traits. */
export function readGroups(get: (name: string) => unknown): GroupInfo[] {
  const raw = get("groups");
  if (Array.isArray(raw) && raw.length) {
    return raw.map((g) => readGroup((g && typeof g === "object" ? g : {}) as Record<string, unknown>));
  }
  // (no Python trait holds thumbs, summary or rollout: they come inside `groups`)
  const names = ["tokens", "key_tokens", "n_layers", "n_heads", "layer_labels", "head_labels", "sentence_b_start", "notes", "thumbs", "summary", "rollout"];
  return [readGroup(Object.fromEntries(names.map((k) => [k, get(k)])))];
}

/** Attention rollout across layers, [n, n] (query × token), and its largest value. */
export interface Rollout { n: number; values: Float32Array; vmax: number }

/** Decode the `rollout` trait; null when absent ({}), throws on a bad shape. The shape is
 *  checked at once, the values converted when first read (the rollout view). */
export function decodeRollout(raw: unknown, n: number): Rollout | null {
  if (!raw || typeof raw !== "object" || !("buffer" in raw)) return null;
  const c = check(raw as Encoded);
  if (c.shape.length !== 2 || c.shape[0] !== n || c.shape[1] !== n) {
    throw new Error(`rollout: expected shape [${n}, ${n}], got [${c.shape}]`);
  }
  let values: Float32Array | null = null;
  let vmax = 1;
  const read = (): Float32Array => {
    if (!values) {
      values = convert(c).data as Float32Array;
      vmax = maxOf(values) || 1;
    }
    return values;
  };
  return { n, get values() { return read(); }, get vmax() { read(); return vmax; } };
}

/** Control characters made visible so that each token stays on one row. */
export function displayToken(s: string): string {
  return String(s).replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
}

const ids = new WeakMap<object, number>();
let nextId = 1;
/** A number that identifies an array object (so images are rebuilt when data is replaced). */
export function idOf(o: object): number {
  let id = ids.get(o);
  if (!id) { id = nextId++; ids.set(o, id); }
  return id;
}
