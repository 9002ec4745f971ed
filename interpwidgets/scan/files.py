"""A scan on disk: a folder of Parquet tables (pyarrow) and ``scan.json``.

- ``units.parquet``: one row per unit — layer, unit, count, mean, std, min, max, density,
  and the state behind them (m2, positives, histogram counts per document parity, sums).
- ``top.parquet``, ``bottom.parquet``, ``samples.parquet``: one row per kept position —
  layer, unit, (group,) rank, value, doc, doc_id, position, context, start, end, focus,
  and the context's values and code points.
- ``features.parquet``: per boolean feature, unit and parity the histogram where it is
  true; per numeric feature, unit and parity the sum of products (for r).
- ``effects.parquet``: per layer with a direct path to the output, unit × token weights.

Every table reads with ``pandas.read_parquet`` or DuckDB; :func:`load` rebuilds the
:class:`~interpwidgets.scan.Scan` without a model or torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .result import Scan
from .state import EMPTY_KEY, N_BINS, N_GROUPS, Ranked, ScanState, sorted_slots, split_key

FORMAT = 1


def _unit_index(scan: Scan) -> tuple[np.ndarray, np.ndarray]:
    layer = np.repeat(np.array(scan.layers, dtype=object), scan.sizes)
    unit = np.concatenate([np.arange(n) for n in scan.sizes])
    return layer, unit


def _ranked_table(scan: Scan, entries: Ranked, grouped: bool):
    import pandas as pd

    layer, unit = _unit_index(scan)
    flat_key = entries.key.reshape(-1)
    keep = np.nonzero(flat_key != EMPTY_KEY)[0]
    shape = entries.key.shape  # (U, k) or (U, G, s)
    idx = np.unravel_index(keep, shape)
    doc, pos = split_key(flat_key[keep])
    width = entries.ctx_chars.shape[-1]
    chars = entries.ctx_chars.reshape(-1, width)[keep]
    vals = entries.ctx_values.reshape(-1, width)[keep].astype(np.float32)
    texts, first = [], []
    c = scan.context
    for i in range(len(keep)):
        valid = chars[i] >= 0
        texts.append("".join(map(chr, chars[i][valid].tolist())))
        first.append(int(pos[i]) - int(valid[:c].sum()))
    starts = np.array(first, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "layer": layer[idx[0]],
            "unit": unit[idx[0]],
            **({"group": idx[1]} if grouped else {}),
            "rank": idx[-1],
            "value": entries.value.reshape(-1)[keep],
            "doc": [scan.docs[d] for d in doc],
            "doc_id": doc,
            "position": pos,
            "context": texts,
            "start": starts,
            "end": starts + np.array([len(t) for t in texts], dtype=np.int64),
            "focus": pos - starts,
            "context_values": list(vals),
            "context_chars": list(chars),
        }
    )
    if entries.order is not None:
        frame["priority"] = entries.order.reshape(-1)[keep]
    return frame


def save(scan: Scan, path: Any) -> Path:
    import pandas as pd

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    s = scan.state
    layer, unit = _unit_index(scan)
    units = scan.stats.assign(
        **{
            "m2": s.m2,
            "positives": s.npos,
            "hist_even": list(s.hist[0]),
            "hist_odd": list(s.hist[1]),
            "sx_even": s.sx[0],
            "sx_odd": s.sx[1],
            "sxx_even": s.sxx[0],
            "sxx_odd": s.sxx[1],
        }
    )
    units.to_parquet(folder / "units.parquet", index=False)
    for name, entries, grouped in (
        ("top", s.top, False),
        ("bottom", s.bottom, False),
        ("samples", s.sample, True),
    ):
        ordered = sorted_slots(entries, "sample" if grouped else name)
        _ranked_table(scan, ordered, grouped).to_parquet(folder / f"{name}.parquet", index=False)
    rows = []
    for f, name in enumerate(s.bool_features):
        for g in (0, 1):
            rows.append(
                pd.DataFrame(
                    {
                        "feature": name,
                        "kind": "bool",
                        "parity": g,
                        "layer": layer,
                        "unit": unit,
                        "hist": list(s.feat_hist[g, f]),
                        "sxy": np.nan,
                    }
                )
            )
    for f, name in enumerate(s.num_features):
        for g in (0, 1):
            rows.append(
                pd.DataFrame(
                    {
                        "feature": name,
                        "kind": "num",
                        "parity": g,
                        "layer": layer,
                        "unit": unit,
                        "hist": [np.zeros(0, np.int64)] * len(unit),
                        "sxy": s.sxy[g, f],
                    }
                )
            )
    if rows:
        pd.concat(rows, ignore_index=True).to_parquet(folder / "features.parquet", index=False)
    eff = []
    for name, e in scan.effects.items():
        w = e["weights"]
        eff.append(
            pd.DataFrame(
                {
                    "layer": name,
                    "unit": np.repeat(np.arange(w.shape[0]), w.shape[1]),
                    "token": np.tile(e["tokens"], w.shape[0]),
                    "weight": w.reshape(-1),
                }
            )
        )
    if eff:
        pd.concat(eff, ignore_index=True).to_parquet(folder / "effects.parquet", index=False)
    info = {
        "format": FORMAT,
        "layers": scan.layers,
        "sizes": scan.sizes,
        "docs": scan.docs,
        "k": s.k,
        "context": s.context,
        "samples": s.samples,
        "n": s.n,
        "n_par": s.n_par.tolist(),
        "bool_features": s.bool_features,
        "num_features": s.num_features,
        "feat_n": s.feat_n.tolist(),
        "sy": s.sy.tolist(),
        "syy": s.syy.tolist(),
        "meta": scan.meta,
    }
    (folder / "scan.json").write_text(json.dumps(info, indent=1))
    return folder


def _restore_ranked(
    frame, shape: tuple[int, ...], width: int, offsets: dict[str, int], ordered: bool
) -> Ranked:
    out = Ranked.empty(shape[:-1], shape[-1], width, ordered)
    if not len(frame):
        return out
    g = frame["layer"].map(offsets).to_numpy() + frame["unit"].to_numpy()
    idx = (
        (g, frame["group"].to_numpy(), frame["rank"].to_numpy())
        if len(shape) == 3
        else (g, frame["rank"].to_numpy())
    )
    out.value[idx] = frame["value"].to_numpy(np.float32)
    out.key[idx] = (frame["doc_id"].to_numpy(np.int64) << 32) | frame["position"].to_numpy(np.int64)
    out.ctx_values[idx] = np.stack(frame["context_values"].to_numpy()).astype(np.float16)
    out.ctx_chars[idx] = np.stack(frame["context_chars"].to_numpy()).astype(np.int32)
    if ordered:
        assert out.order is not None
        out.order[idx] = frame["priority"].to_numpy(np.int64)
    return out


def read(path: Any) -> tuple:
    """The arguments of ``Scan(...)`` read from a folder written by :func:`save`."""
    import pandas as pd

    folder = Path(path)
    meta_file = folder / "scan.json"
    if not meta_file.is_file():
        raise FileNotFoundError(f"path: {folder} holds no scan (scan.json is missing)")
    info = json.loads(meta_file.read_text())
    if info.get("format") != FORMAT:
        raise ValueError(f"path: scan format {info.get('format')!r} is not {FORMAT}")
    layers, sizes = info["layers"], info["sizes"]
    offsets = {name: int(sum(sizes[:i])) for i, name in enumerate(layers)}
    state = ScanState(
        sum(sizes),
        info["k"],
        info["context"],
        info["samples"],
        info["bool_features"],
        info["num_features"],
    )
    state.n = info["n"]
    state.n_par = np.array(info["n_par"], np.int64)
    units = pd.read_parquet(folder / "units.parquet")
    state.mean = units["mean"].to_numpy(np.float64)
    state.m2 = units["m2"].to_numpy(np.float64)
    state.vmin = units["min"].to_numpy(np.float32)
    state.vmax = units["max"].to_numpy(np.float32)
    state.npos = units["positives"].to_numpy(np.int64)
    state.hist = np.stack(
        [np.stack(units["hist_even"].to_numpy()), np.stack(units["hist_odd"].to_numpy())]
    ).astype(np.int64)
    state.sx = np.stack([units["sx_even"].to_numpy(), units["sx_odd"].to_numpy()])
    state.sxx = np.stack([units["sxx_even"].to_numpy(), units["sxx_odd"].to_numpy()])
    width = 2 * state.context + 1
    u = state.units
    state.top = _restore_ranked(
        pd.read_parquet(folder / "top.parquet"), (u, state.k), width, offsets, False
    )
    state.bottom = _restore_ranked(
        pd.read_parquet(folder / "bottom.parquet"), (u, state.k), width, offsets, False
    )
    state.sample = _restore_ranked(
        pd.read_parquet(folder / "samples.parquet"),
        (u, N_GROUPS, state.samples),
        width,
        offsets,
        True,
    )
    state.feat_n = np.array(info["feat_n"], np.int64).reshape(2, len(state.bool_features))
    state.sy = np.array(info["sy"], np.float64).reshape(2, len(state.num_features))
    state.syy = np.array(info["syy"], np.float64).reshape(2, len(state.num_features))
    if (folder / "features.parquet").is_file():
        feats = pd.read_parquet(folder / "features.parquet")
        for f, name in enumerate(state.bool_features):
            for g in (0, 1):
                part = feats[(feats["feature"] == name) & (feats["parity"] == g)]
                state.feat_hist[g, f] = np.stack(part["hist"].to_numpy()).reshape(u, N_BINS)
        for f, name in enumerate(state.num_features):
            for g in (0, 1):
                part = feats[(feats["feature"] == name) & (feats["parity"] == g)]
                state.sxy[g, f] = part["sxy"].to_numpy(np.float64)
    effects = {}
    if (folder / "effects.parquet").is_file():
        eff = pd.read_parquet(folder / "effects.parquet")
        for name, part in eff.groupby("layer", sort=False):
            n_units = int(part["unit"].max()) + 1
            tokens = part["token"].to_numpy(object)[: len(part) // n_units]
            effects[name] = {
                "weights": part["weight"].to_numpy(np.float32).reshape(n_units, -1),
                "tokens": tokens,
            }
    return layers, sizes, info["docs"], state, info["meta"], effects


__all__ = ["read", "save"]
