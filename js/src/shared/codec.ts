// The one codec: {dtype, shape, buffer} objects from Python -> typed arrays.
// See docs/protocol.md ("Arrays: the codec"). Widgets never hand-roll serialization.

export type DType = "float32" | "float16" | "uint8" | "int32";

/** A buffer as it arrives: DataView (ipywidgets), ArrayBuffer, any typed array view,
 *  or (fixtures / exported page before rebuilding) a base64 string. */
export type BufferLike = DataView | ArrayBuffer | ArrayBufferView | string;

export interface Encoded {
  dtype: DType;
  shape: number[];
  buffer: BufferLike;
  scale?: number;
  offset?: number;
}

export interface Decoded<T extends Float32Array | Int32Array = Float32Array | Int32Array> {
  dtype: DType;
  shape: number[];
  data: T;
}

const ITEM_SIZE: Record<DType, number> = { float32: 4, float16: 2, uint8: 1, int32: 4 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode base64 text into bytes (natively where the browser has `Uint8Array.fromBase64`). */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array<ArrayBuffer> }).fromBase64;
  if (native) return native(text);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A buffer as an exported page stores it (Python `codec.pack`): base64 text, or deflated. */
export type Packed = string | { deflate: string; bytes?: number };

/** Shown when a page holds deflated data and the browser cannot inflate it. */
export const NO_INFLATE =
  "this page stores its data compressed and this browser has no DecompressionStream " +
  "(Chrome/Edge 80, Firefox 113, Safari 16.4 or newer have it); open it in a newer browser, " +
  "or save it again with save_html(..., compress=False)";

/** Inflate zlib-format bytes with the browser's native DecompressionStream. The bytes are
 *  written into the stream directly: a Blob would be registered with the browser process
 *  (a round trip that waits on a busy machine) only to be read back. Bad data rejects. */
export async function inflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof DecompressionStream === "undefined") throw new Error(NO_INFLATE);
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  // (their failures are the readable side's, reported by arrayBuffer() below)
  writer.write(bytes).catch(() => undefined);
  writer.close().catch(() => undefined);
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

/** The raw bytes of a stored buffer (inverse of Python's `codec.pack`). */
export async function unpack(packed: Packed): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof packed === "string") return base64ToBytes(packed);
  if (!packed || typeof packed.deflate !== "string") {
    throw new TypeError(`buffer: expected base64 text or {deflate, bytes}, got ${JSON.stringify(packed)?.slice(0, 80)}`);
  }
  const raw = await inflate(base64ToBytes(packed.deflate));
  if (packed.bytes !== undefined && raw.byteLength !== packed.bytes) {
    throw new RangeError(`buffer: expected ${packed.bytes} inflated bytes, got ${raw.byteLength}`);
  }
  return raw;
}

/** A Uint8Array over exactly the bytes of `buffer` (honours byteOffset/byteLength, no copy). */
export function bytesOf(buffer: BufferLike): Uint8Array {
  if (typeof buffer === "string") return base64ToBytes(buffer);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  // SharedArrayBuffer or a foreign realm's ArrayBuffer.
  if (buffer && typeof (buffer as ArrayBuffer).byteLength === "number") {
    return new Uint8Array(buffer as ArrayBuffer);
  }
  throw new TypeError(`buffer: expected a DataView, ArrayBuffer, Uint8Array or base64 string, got ${typeof buffer}`);
}

/** Bytes whose byteOffset is a multiple of `align` (copied only if needed). */
function aligned(bytes: Uint8Array, align: number): Uint8Array {
  return bytes.byteOffset % align === 0 ? bytes : bytes.slice();
}

let F16_TABLE: Float32Array | null = null;

/** float16 bit pattern -> number (exact, including subnormals, inf and NaN). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** All 65536 float16 values, built once (256 KB): decoding is then one lookup per value. */
function f16Table(): Float32Array {
  if (F16_TABLE) return F16_TABLE;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfToFloat(h);
  F16_TABLE = t;
  return t;
}

function product(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** An encoded array checked (dtype, shape, byte length) but not converted yet. */
export interface Checked { dtype: DType; shape: number[]; n: number; bytes: Uint8Array; obj: Encoded }

/** Check an encoded array without converting it (cheap: no pass over the values); throws
 *  the errors `decode` would throw. */
export function check(obj: Encoded): Checked {
  if (!obj || typeof obj !== "object") throw new TypeError(`decode: expected an encoded array object, got ${obj}`);
  const { dtype } = obj;
  const size = ITEM_SIZE[dtype];
  if (!size) throw new TypeError(`dtype: expected float32, float16, uint8 or int32, got ${JSON.stringify(dtype)}`);
  const shape = Array.isArray(obj.shape) ? obj.shape.map(Number) : [];
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(`shape: expected non-negative integers, got ${JSON.stringify(obj.shape)}`);
  }
  const n = product(shape);
  const bytes = bytesOf(obj.buffer);
  if (bytes.byteLength !== n * size) {
    throw new RangeError(
      `buffer: expected ${n * size} bytes (${n} ${dtype} values for shape [${shape}]), got ${bytes.byteLength}`,
    );
  }
  return { dtype, shape, n, bytes, obj };
}

/** The 256 values of uint8 codes: offset + float32(q) * float32(scale), q = 255 is NaN — the
 *  same float32 arithmetic as the Python decoder. */
export function uint8Table(obj: Pick<Encoded, "scale" | "offset">): Float32Array {
  const scale = Math.fround(Number(obj.scale ?? 1));
  const offset = Math.fround(Number(obj.offset ?? 0));
  const lut = new Float32Array(256);
  for (let q = 0; q < 255; q++) lut[q] = offset + Math.fround(q * scale);
  lut[255] = NaN;
  return lut;
}

/** Native float16 arrays (Chrome 135, Firefox 129, Safari 18.2): a float16 buffer converts in
 *  one call instead of a table lookup per value. */
const Float16: (new (b: ArrayBufferLike, o: number, n: number) => ArrayLike<number>) | undefined =
  (globalThis as unknown as { Float16Array?: new (b: ArrayBufferLike, o: number, n: number) => ArrayLike<number> }).Float16Array;

/** Decode an encoded array. Float dtypes (and uint8 with scale) give a Float32Array,
 *  int32 gives an Int32Array. float32/int32 data may be a view on the original buffer. */
export function decode(obj: Encoded): Decoded {
  return convert(check(obj));
}

/** The values of a checked array (see `decode`). */
export function convert(c: Checked): Decoded {
  const { dtype, shape, n, bytes } = c;
  const size = ITEM_SIZE[dtype];
  if (dtype === "uint8") {
    const lut = uint8Table(c.obj);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = lut[bytes[i]];
    return { dtype, shape, data };
  }
  if (!LITTLE_ENDIAN) return { dtype, shape, data: decodeBigEndianHost(dtype, bytes, n) };
  const a = aligned(bytes, size);
  if (dtype === "float32") return { dtype, shape, data: new Float32Array(a.buffer, a.byteOffset, n) };
  if (dtype === "int32") return { dtype, shape, data: new Int32Array(a.buffer, a.byteOffset, n) };
  if (Float16) return { dtype, shape, data: new Float32Array(new Float16(a.buffer, a.byteOffset, n)) };
  return { dtype, shape, data: float16Table(new Uint16Array(a.buffer, a.byteOffset, n)) };
}

/** float16 bit patterns -> Float32Array through the 65536-entry table (no native Float16Array). */
export function float16Table(half: Uint16Array): Float32Array {
  const table = f16Table();
  const data = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) data[i] = table[half[i]];
  return data;
}

function decodeBigEndianHost(dtype: DType, bytes: Uint8Array, n: number): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === "int32") {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
    return out;
  }
  const out = new Float32Array(n);
  if (dtype === "float32") for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  else for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  return out;
}

/** Is `x` an encoded-array object (has dtype, shape and buffer)? */
export function isEncoded(x: unknown): x is Encoded {
  return !!x && typeof x === "object" && "dtype" in x && "shape" in x && "buffer" in x;
}

function toDataView(b: BufferLike): DataView {
  if (b instanceof DataView) return b;
  const bytes = bytesOf(b);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Put binary buffers back into a JSON structure at `paths` (lists of keys / indices),
 *  as DataViews, in place — the convention of ipywidgets' put_buffers. Returns `obj`. */
export function putBuffers<T>(obj: T, paths: (string | number)[][], buffers: BufferLike[]): T {
  if (paths.length !== buffers.length) {
    throw new RangeError(`buffer_paths: ${paths.length} paths for ${buffers.length} buffers`);
  }
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    if (!path.length) throw new RangeError("buffer_paths: an empty path cannot hold a buffer");
    let node: any = obj;
    for (let k = 0; k < path.length - 1; k++) {
      node = node?.[path[k]];
      if (node === null || typeof node !== "object") {
        throw new TypeError(`buffer_paths: [${path.join(", ")}] does not lead to an object or list`);
      }
    }
    node[path[path.length - 1]] = toDataView(buffers[i]);
  }
  return obj;
}

// ---- stableStringify: the request key, identical to Python's
// json.dumps(x, sort_keys=True, separators=(",", ":")) (ensure_ascii on).

function hex4(c: number): string {
  return "\\u" + c.toString(16).padStart(4, "0");
}

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"', 0x5c: "\\\\", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0c: "\\f",
};

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short) out += short;
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else out += hex4(c); // non-ASCII as UTF-16 units, astral as a surrogate pair, like Python
  }
  return out + '"';
}

function number(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(x)) return Math.abs(x) < 1e21 ? String(x === 0 ? 0 : x) : BigInt(x).toString();
  // Non-integers: Python's float repr switches to exponent form below 1e-4 ("1e-05").
  const [mant, exp] = x.toExponential().split("e");
  const e = Number(exp);
  if (e < -4) return `${mant}e-${String(-e).padStart(2, "0")}`;
  return String(x);
}

function compareCodePoints(a: string, b: string): number {
  // Python compares code points; JS's default sort compares UTF-16 units.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/** JSON with object keys sorted at every level and no spaces (the request key). */
export function stableStringify(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") return number(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return "[" + value.map(stableStringify).join(",") + "]";
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined && typeof obj[k] !== "function");
    keys.sort(compareCodePoints);
    return "{" + keys.map((k) => quote(k) + ":" + stableStringify(obj[k])).join(",") + "}";
  }
  throw new TypeError(`stableStringify: cannot encode a ${typeof value}`);
}
