"""The one codec: numpy arrays <-> ``{dtype, shape, buffer}`` objects for the browser.

Arrays never cross to JavaScript as JSON lists of floats. ``encode`` turns an array into a
small dict whose ``buffer`` is raw little-endian bytes; ipywidgets sends those bytes as a
binary buffer and ``js/src/shared/codec.ts`` decodes them once. In an exported page each buffer is
stored by :func:`pack` (deflated when that pays) and inflated by the browser's native
``DecompressionStream``. See ``docs/protocol.md``.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import numpy as np

DTYPES = ("float32", "float16", "uint8", "int32")
#: The largest magnitude float16 holds.
FLOAT16_MAX = 65504.0
#: In uint8 encoding, this code marks a missing (NaN) value.
UINT8_NAN = 255


def encode(array: Any, dtype: str = "float32") -> dict[str, Any]:
    """Encode ``array`` as ``{"dtype", "shape", "buffer"}`` (plus ``scale``/``offset`` for uint8).

    ``dtype="uint8"`` quantizes finite values linearly to 0..254 over their range
    (``value = offset + q * scale``) and stores NaN as 255. ``dtype="auto"`` picks float16
    (about 3 significant digits, half the bytes) when every value fits its range, else
    float32. Infinite values are rejected: the browser could not draw them faithfully.
    """
    if dtype not in (*DTYPES, "auto"):
        raise ValueError(f"dtype: expected one of {DTYPES} or 'auto', got {dtype!r}")
    arr = np.asarray(array)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"array: expected a numeric array, got dtype {arr.dtype}")
    if (
        arr.dtype.kind == "f"
        and dtype in ("float32", "float16", "auto")
        and not arr.flags.c_contiguous
    ):
        # one copy now (it is made below anyway) instead of range checks over a strided
        # column, which take about 5x longer than the copy
        arr = np.ascontiguousarray(arr)
    if dtype == "auto":  # integers past 65504 need float32 too
        dtype = "float32" if _past_float16(arr) else "float16"
    shape = [int(d) for d in arr.shape]
    if dtype == "int32":
        if arr.dtype.kind == "f":
            raise TypeError("array: int32 encoding needs an integer array, got floats")
        out = np.ascontiguousarray(arr, dtype="<i4")
        return {"dtype": "int32", "shape": shape, "buffer": out.tobytes()}
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        raise ValueError("array: infinite values cannot be encoded; replace them with NaN")
    if dtype == "uint8":
        arr = arr.astype(np.float64, copy=False)
        finite = arr[~np.isnan(arr)]
        lo = float(finite.min()) if finite.size else 0.0
        hi = float(finite.max()) if finite.size else 0.0
        scale = (hi - lo) / 254.0 if hi > lo else 1.0
        q = np.where(np.isnan(arr), UINT8_NAN, np.rint((np.nan_to_num(arr, nan=lo) - lo) / scale))
        out = np.ascontiguousarray(q, dtype=np.uint8)
        return {
            "dtype": "uint8",
            "shape": shape,
            "buffer": out.tobytes(),
            "scale": scale,
            "offset": lo,
        }
    if dtype == "float16" and _past_float16(arr):
        raise ValueError(
            f"array: values up to {float(np.nanmax(np.abs(arr))):.6g} do not fit float16 "
            f"(max {FLOAT16_MAX:g}); use dtype='float32' or 'auto'"
        )
    out = np.ascontiguousarray(arr, dtype="<f4" if dtype == "float32" else "<f2")
    return {"dtype": dtype, "shape": shape, "buffer": out.tobytes()}


def _past_float16(arr: np.ndarray) -> bool:
    """Whether a value of ``arr`` is beyond float16's range (NaN is not), without a float64
    copy of the whole array (integers are compared as they are)."""
    if not arr.size:
        return False
    if arr.dtype.kind == "f":
        hi, lo = arr.max(), arr.min()  # vectorised; NaN if any value is NaN
        if not (np.isnan(hi) or np.isnan(lo)):
            return bool(float(hi) > FLOAT16_MAX or float(lo) < -FLOAT16_MAX)
        # fmax / fmin skip NaN (about 40x slower than max / min)
        hi = np.fmax.reduce(arr, axis=None, initial=-np.inf)
        lo = np.fmin.reduce(arr, axis=None, initial=np.inf)
    else:
        hi, lo = arr.max(), arr.min()
    return bool(float(hi) > FLOAT16_MAX or float(lo) < -FLOAT16_MAX)


def decode(obj: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`encode` (uint8 comes back as float32, NaN where the code is 255)."""
    if not isinstance(obj, dict):
        raise TypeError(
            f"obj: expected a dict {{dtype, shape, buffer}} from encode(), got {type(obj).__name__}"
        )
    dtype = obj.get("dtype")
    if dtype not in DTYPES:
        raise ValueError(f"obj['dtype']: expected one of {DTYPES}, got {dtype!r}")
    missing = [
        k
        for k in ("shape", "buffer") + (("scale", "offset") if dtype == "uint8" else ())
        if k not in obj
    ]
    if missing:
        raise KeyError(f"obj[{missing[0]!r}]: missing; expected the keys encode() writes")
    buf = obj["buffer"]
    if isinstance(buf, str):
        buf = base64.b64decode(buf)
    shape = tuple(int(d) for d in obj["shape"])
    np_dtype = {"float32": "<f4", "float16": "<f2", "uint8": "u1", "int32": "<i4"}[dtype]
    arr = np.frombuffer(memoryview(buf), dtype=np_dtype)
    expected = int(np.prod(shape)) if shape else 1
    if arr.size != expected:
        raise ValueError(
            f"obj['buffer']: expected {expected} {dtype} values for shape {list(shape)}, got {arr.size}"
        )
    arr = arr.reshape(shape)
    if dtype == "uint8":
        # in float64, like the browser's doubles: offset + 254 * scale may pass float32's max
        values = float(obj["offset"]) + arr.astype(np.float64) * float(obj["scale"])
        return np.where(arr == UINT8_NAN, np.nan, values).astype(np.float32)
    return arr.copy()


def b64(data: bytes | memoryview) -> str:
    """Base64 text of raw bytes (used by the exported page and the test fixtures)."""
    return base64.b64encode(bytes(data)).decode("ascii")


#: Buffers smaller than this are stored as they are: deflate would save a few bytes at best.
DEFLATE_MIN = 1024
#: Buffers from this size on are deflated at zlib level 1 (about 5x faster than level 6 and
#: within ~20% of its size on attention stacks); smaller ones at level 6.
DEFLATE_FAST = 1 << 20
#: A buffer is deflated only when samples of it shrink to at most this fraction: float16
#: activations (random low bits) shrink ~10%, which costs a second of zlib per 2 MB at export
#: and an inflate in the browser for almost nothing.
DEFLATE_PAYS = 0.85
#: Buffers from this size on are sampled first: three slices of :data:`SAMPLE` bytes.
SAMPLE_FROM = 1 << 18
SAMPLE = 1 << 15


def _deflate_pays(raw: bytes) -> bool:
    """Whether deflating ``raw`` is worth it, judged on three slices (start, middle, end)."""
    if len(raw) < SAMPLE_FROM:
        return True
    mid = (len(raw) - SAMPLE) // 2
    parts = (raw[:SAMPLE], raw[mid : mid + SAMPLE], raw[-SAMPLE:])
    packed = sum(len(zlib.compress(p, 1)) for p in parts)
    return packed <= DEFLATE_PAYS * 3 * SAMPLE


def pack(data: bytes | memoryview, compress: bool = True) -> str | dict[str, Any]:
    """One buffer as the exported page stores it: base64 text, or ``{"deflate": base64, "bytes": n}``.

    With ``compress`` the bytes are deflated (zlib format, which the browser's native
    ``DecompressionStream("deflate")`` reads) when they are at least :data:`DEFLATE_MIN` long,
    samples of them deflate to at most :data:`DEFLATE_PAYS` of their size, and deflating
    makes them smaller; ``n`` is the inflated length, checked by both readers.
    """
    raw = bytes(data)
    if compress and len(raw) >= DEFLATE_MIN and _deflate_pays(raw):
        packed = zlib.compress(raw, 1 if len(raw) >= DEFLATE_FAST else 6)
        if len(packed) < len(raw):
            return {"deflate": b64(packed), "bytes": len(raw)}
    return b64(raw)


def unpack(obj: str | dict[str, Any]) -> bytes:
    """Inverse of :func:`pack`: the raw bytes of a stored buffer."""
    if isinstance(obj, str):
        return base64.b64decode(obj)
    if not isinstance(obj, dict) or not isinstance(obj.get("deflate"), str):
        raise TypeError(
            f"obj: expected base64 text or {{'deflate': base64, 'bytes': n}} from pack(), got {obj!r:.80}"
        )
    raw = zlib.decompress(base64.b64decode(obj["deflate"]))
    if "bytes" in obj and len(raw) != int(obj["bytes"]):
        raise ValueError(f"obj['bytes']: expected {obj['bytes']} inflated bytes, got {len(raw)}")
    return raw


def split_buffers(obj: Any) -> tuple[Any, list[list[str | int]], list[Any]]:
    """``(skeleton, buffer_paths, buffers)``: the binary parts of a JSON-like ``obj`` taken out.

    Each ``bytes``/``bytearray``/``memoryview`` is removed (from a dict) or set to ``None``
    (in a list), and its path of keys and indexes recorded — the layout of a Jupyter widget
    message, which ``js/src`` puts back together for replies and exported pages. ``obj`` is
    not modified: the dicts and lists on the way to a buffer are copied.
    """
    paths: list[list[str | int]] = []
    buffers: list[Any] = []

    def walk(node: Any, path: list[str | int]) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for k, v in node.items():
                if isinstance(v, (bytes, bytearray, memoryview)):
                    paths.append([*path, k])
                    buffers.append(v)
                else:
                    out[k] = walk(v, [*path, k])
            return out
        if isinstance(node, (list, tuple)):
            items: list[Any] = []
            for i, v in enumerate(node):
                if isinstance(v, (bytes, bytearray, memoryview)):
                    paths.append([*path, i])
                    buffers.append(v)
                    items.append(None)
                else:
                    items.append(walk(v, [*path, i]))
            return items
        return node

    if not isinstance(obj, (dict, list, tuple)):
        raise TypeError(f"obj: expected a dict or list, got {type(obj).__name__}")
    return walk(obj, []), paths, buffers
