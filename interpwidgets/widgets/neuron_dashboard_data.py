"""What NeuronDashboard sends for one unit of a corpus scan (``docs/widgets/neuron_dashboard.md``).

One reply per unit: its statistics, histogram, top / bottom / quantile-interval contexts with
the unit's value at every character of each context, its feature scores and its direct effect
on the output. Per-character values cross as one float16 array per section (never JSON
floats); scalars (a row's value, a score) are plain JSON numbers, NaN sent as ``null``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: the methods and attributes a scan must have to be shown (``iw.Scan``'s API)
SCAN_API = ("layers", "units", "top", "bottom", "histogram", "stats", "context_values")

#: rows of contexts per section the widget shows at most (the scan may hold more)
MAX_ROWS = 50
INT32_MAX = 2**31 - 1
#: A unit's context values travel as float16 (float32 past its range), its histogram's edges
#: as float32 and counts as int32.
UNIT_ARRAYS = {"values": "auto", "edges": "float32", "counts": "int32"}


def number(x: Any) -> float | None:
    """A JSON-safe float: NaN and ±inf become ``None`` (shown as "n/a")."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _int(x: Any) -> int:
    return int(x)


def section(frame: Any, values: list[Any] | None, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Rows of a ``top``/``bottom``/``quantiles`` frame plus the unit's value at each character
    of each row's context, concatenated into one array (row i holds ``len(context_i)`` values)."""
    rows: list[dict[str, Any]] = []
    parts: list[np.ndarray] = []
    n = 0 if frame is None else min(len(frame), MAX_ROWS)
    if values is not None and len(values) < n:
        raise ValueError(
            f"scan.context_values: expected {n} arrays (one per row), got {len(values)}"
        )
    cols = ("doc", "doc_id", "position", "value", "start", "end", "focus", "context", *extra)
    # whole columns at once: pandas' per-row access costs more than the rest of a reply
    data = {c: (frame[c].iloc[:n].tolist() if n and c in frame else [None] * n) for c in cols}
    for i in range(n):
        context = str(data["context"][i])
        row = {
            "doc": str(data["doc"][i]),
            "doc_id": _int(data["doc_id"][i] if data["doc_id"][i] is not None else -1),
            "position": _int(data["position"][i]),
            "value": number(data["value"][i]),
            "start": _int(data["start"][i]),
            "end": _int(data["end"][i]),
            "focus": _int(data["focus"][i]),
            "context": context,
        }
        for name in extra:
            v = data[name][i]
            row[name] = v if isinstance(v, str) else number(v)
        vals = np.full(len(context), np.nan, np.float32)
        if values is not None:
            got = np.asarray(values[i], dtype=np.float32).reshape(-1)
            if got.size != len(context):
                raise ValueError(
                    f"scan.context_values: row {i} has {got.size} values for a context of "
                    f"{len(context)} characters"
                )
            vals = got
        rows.append(row)
        parts.append(vals)
    flat = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    flat = np.where(np.isfinite(flat), flat, np.nan)
    return {"rows": rows, "values": flat}


def _values(scan: Any, frame: Any, layer: str, unit: int, which: str) -> list[Any] | None:
    """Per-character values of a frame's rows: the frame's own ``attrs["values"]`` when the
    scan attached them (iw.Scan does: no second query), else ``scan.context_values``."""
    held = getattr(frame, "attrs", {}).get("values") if frame is not None else None
    if held is not None:
        return list(held)
    try:
        return list(scan.context_values(layer, unit, which=which))
    except (NotImplementedError, AttributeError):
        return None


def histogram(scan: Any, layer: str, unit: int) -> dict[str, Any]:
    edges, counts = scan.histogram(layer, unit)
    edges = np.asarray(edges, dtype=np.float64).reshape(-1)
    counts = np.asarray(counts).reshape(-1)
    if counts.size and edges.size != counts.size + 1:
        raise ValueError(
            f"scan.histogram: expected {counts.size + 1} edges for {counts.size} counts, got {edges.size}"
        )
    if edges.size and not np.all(np.isfinite(edges)):
        big = float(np.finfo(np.float32).max)
        edges = np.nan_to_num(edges, nan=0.0, posinf=big, neginf=-big)
    counts = np.clip(np.nan_to_num(counts.astype(np.float64)), 0, INT32_MAX).astype(np.int64)
    return {"edges": edges, "counts": counts}


def features(scan: Any, layer: str, unit: int) -> list[dict[str, Any]]:
    fn = getattr(scan, "feature_scores", None)
    frame = fn(layer, unit) if fn is not None else None
    if frame is None or len(frame) == 0:
        return []
    col = {
        c: (frame[c].tolist() if c in frame else [None] * len(frame))
        for c in ("feature", "metric", "value", "score", "sign")
    }
    out: list[dict[str, Any]] = [
        {
            "feature": str(col["feature"][i]),
            "metric": str(col["metric"][i] or ""),
            "value": number(col["value"][i]),
            "score": number(col["score"][i]),
            "sign": number(col["sign"][i]),
        }
        for i in range(len(frame))
    ]
    out.sort(key=lambda f: -(f["score"] if f["score"] is not None else -1.0))
    return out


def effect(scan: Any, layer: str, unit: int, n: int = 10) -> dict[str, Any] | None:
    fn = getattr(scan, "effect", None)
    frame = fn(layer, unit, n=n) if fn is not None else None
    if frame is None:
        return None
    lists: dict[str, list[dict[str, Any]]] = {"promotes": [], "suppresses": []}
    for r in frame.to_dict("records"):
        d = str(r.get("direction", ""))
        if d in lists:
            lists[d].append({"token": str(r["token"]), "weight": number(r["weight"])})
    return lists


def stats_of(table: Any, layer: str, unit: int) -> dict[str, Any]:
    """The row of ``scan.stats`` for one unit as plain numbers (``count`` an int)."""
    try:
        row = table.loc[(layer, unit)]
    except KeyError:
        return {"count": 0}
    out: dict[str, Any] = {k: number(row[k]) for k in ("mean", "std", "min", "max", "density")}
    out["count"] = int(row["count"]) if number(row["count"]) is not None else 0
    return out


def vmax_of(stats: dict[str, Any], *sections: dict[str, Any]) -> float:
    """Half-width of the unit's colour scale: max |value| over the corpus (from its stats), else
    over the contexts shown, else 1 — one scale for every context of the unit."""
    lo, hi = stats.get("min"), stats.get("max")
    v = max(abs(lo) if lo is not None else 0.0, abs(hi) if hi is not None else 0.0)
    if v > 0:
        return v
    vals = [abs(r["value"]) for s in sections for r in s["rows"] if r["value"] is not None]
    v = max(vals, default=0.0)
    return v if v > 0 else 1.0


def unit_data(scan: Any, stats_table: Any, layer: str, unit: int) -> dict[str, Any]:
    """Everything the dashboard shows for ``layer``/``unit`` (a request reply / the ``unit`` trait)."""
    stats = stats_of(stats_table, layer, unit)
    frames = {"top": scan.top(layer, unit), "bottom": scan.bottom(layer, unit)}
    qfn = getattr(scan, "quantiles", None)
    frames["quantile"] = qfn(layer, unit) if qfn is not None else None
    top, bottom, quant = (
        section(f, _values(scan, f, layer, unit, w) if f is not None else None, extra=x)
        for w, f, x in (
            ("top", frames["top"], ()),
            ("bottom", frames["bottom"], ()),
            ("quantile", frames["quantile"], ("interval", "lo", "hi", "share")),
        )
    )
    return {
        "layer": layer,
        "neuron": int(unit),
        "stats": stats,
        "vmax": vmax_of(stats, top, bottom, quant),
        "histogram": histogram(scan, layer, unit),
        "top": top,
        "bottom": bottom,
        "quantiles": quant,
        "features": features(scan, layer, unit),
        "effect": effect(scan, layer, unit),
    }


def nbytes(data: dict[str, Any], body: Any = None) -> int:
    """Bytes a reply takes in an exported page (see :func:`.assets.stored_nbytes`)."""
    from .assets import stored_nbytes
    from .traits import to_wire

    return stored_nbytes(to_wire(data, UNIT_ARRAYS), body)
