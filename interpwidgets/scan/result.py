"""``Scan``: what a corpus scan found, per unit — tables in pandas, files in Parquet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..stats import hanley_mcneil_se as hanley_mcneil_se  # re-exported
from ..trace.core import resolve_layer
from .state import (
    EDGES,
    EMPTY_KEY,
    GROUP_OF,
    N_BINS,
    N_GROUPS,
    Ranked,
    ScanState,
    sorted_slots,
    split_key,
)


def _context_rows(entries: Ranked, docs: list[str], context: int) -> list[dict[str, Any]]:
    rows = []
    for j in range(entries.key.shape[-1]):
        key = int(entries.key[j])
        if key == EMPTY_KEY:
            continue
        doc, pos = (int(v) for v in split_key(key))
        chars = entries.ctx_chars[j]
        valid = chars >= 0
        left = int(valid[:context].sum())
        start = pos - left
        text = "".join(map(chr, chars[valid].tolist()))
        rows.append(
            {
                "doc": docs[doc] if doc < len(docs) else str(doc),
                "doc_id": doc,
                "position": pos,
                "value": float(entries.value[j]),
                "context": text,
                "start": start,
                "end": start + len(text),
                "focus": pos - start,
                "values": entries.ctx_values[j][valid].astype(np.float32),
            }
        )
    return rows


def auroc_from_hist(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUROC of every unit from binned counts (…, bins) of positives and negatives.

    Ties within a bin count one half, so it is exact up to the bins' width (1/16 decade).
    """
    n_pos, n_neg = pos.sum(-1), neg.sum(-1)
    below = np.cumsum(neg, -1) - neg
    wins = (pos * (below + 0.5 * neg)).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n_pos > 0) & (n_neg > 0), wins / (n_pos * n_neg), np.nan)


@dataclass
class Scan:
    """Every unit of the requested layers, summarised over a corpus.

    Made by :func:`interpwidgets.scan`; saved with :meth:`save` and read back with
    :meth:`load` (no model and no torch needed). Per unit: exact top-k / bottom-k positions
    with their contexts (:meth:`top`, :meth:`bottom`), a log-binned histogram
    (:meth:`histogram`), count / mean / std / min / max / density (:attr:`stats`), sampled
    contexts per activation interval (:meth:`quantiles`), scores against every
    :mod:`interpwidgets.features` feature (:meth:`feature_scores`, and
    ``iw.find_neurons(scan, feature)``), and the direct effect on the output
    (:meth:`effect`).
    """

    layers: list[str]
    sizes: list[int]
    docs: list[str]
    state: ScanState
    meta: dict[str, Any] = field(default_factory=dict)
    effects: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    # ---- addressing
    @property
    def units(self) -> dict[str, int]:
        return dict(zip(self.layers, self.sizes, strict=True))

    @property
    def k(self) -> int:
        return self.state.k

    @property
    def context(self) -> int:
        return self.state.context

    def resolve(self, layer: str | int) -> str:
        """A layer given as name or index → its name."""
        return resolve_layer(self.layers, layer, "this scan")

    def _offset(self, layer: str) -> int:
        i = self.layers.index(layer)
        return int(sum(self.sizes[:i]))

    def _unit(self, layer: str | int, unit: Any) -> tuple[str, int]:
        name = self.resolve(layer)
        size = self.units[name]
        if isinstance(unit, (bool, np.bool_)) or not isinstance(unit, (int, np.integer)):
            raise TypeError(f"unit: expected an int, got {type(unit).__name__}")
        if not 0 <= int(unit) < size:
            raise ValueError(f"unit: expected an index in [0, {size - 1}] for {name}, got {unit}")
        return name, self._offset(name) + int(unit)

    # ---- contexts
    def _ranked(self, which: str, layer: str | int, unit: int, k: int | None):
        import pandas as pd

        _, g = self._unit(layer, unit)
        e = getattr(self.state, which)
        unit_slots = Ranked(e.value[g], e.key[g], e.ctx_values[g], e.ctx_chars[g])
        rows = _context_rows(sorted_slots(unit_slots, which), self.docs, self.context)
        if k is not None:
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
                raise ValueError(f"k: expected a positive int or None, got {k!r}")
            rows = rows[: int(k)]
        cols = ["doc", "doc_id", "position", "value", "context", "start", "end", "focus"]
        frame = pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)
        frame.attrs["values"] = [r["values"] for r in rows]
        return frame

    def top(self, layer: str | int, unit: int, k: int | None = None):
        """The ``k`` positions (default all kept) where the unit is highest, best first.

        Columns: ``doc`` (name), ``doc_id``, ``position`` (character in that document),
        ``value``, ``context`` (the text around it, ``text[start:end]``), ``start``, ``end``,
        ``focus`` (``position - start``). Ties are broken by document, then position.
        """
        return self._ranked("top", layer, unit, k)

    def bottom(self, layer: str | int, unit: int, k: int | None = None):
        """Like :meth:`top`, for the lowest (most negative) values, lowest first."""
        return self._ranked("bottom", layer, unit, k)

    def context_values(self, layer: str | int, unit: int, which: str = "top") -> list[np.ndarray]:
        """The unit's value at every character of each row's ``context`` (``which``:
        ``"top"``, ``"bottom"`` or ``"quantile"``, rows as in those tables)."""
        if which == "quantile":
            return self.quantiles(layer, unit).attrs["values"]
        if which not in ("top", "bottom"):
            raise ValueError(f"which: expected 'top', 'bottom' or 'quantile', got {which!r}")
        return self._ranked(which, layer, unit, None).attrs["values"]

    # ---- distribution
    def histogram(self, layer: str | int, unit: int) -> tuple[np.ndarray, np.ndarray]:
        """``(edges, counts)``: signed log bins (16 per decade, ≈0 bin around 0), empty
        bins at either end left out; the outer edges are the unit's min and max."""
        _, g = self._unit(layer, unit)
        counts = self.state.hist[:, g].sum(0)
        nz = np.nonzero(counts)[0]
        if not nz.size:
            return np.array([0.0, 0.0]), np.zeros(0, np.int64)
        lo, hi = int(nz[0]), int(nz[-1]) + 1
        full = np.concatenate([[-np.inf], EDGES, [np.inf]])
        edges = full[lo : hi + 1].astype(np.float64)
        edges[0] = max(edges[0], float(self.state.vmin[g])) if lo == 0 else edges[0]
        edges[-1] = min(edges[-1], float(self.state.vmax[g])) if hi == N_BINS else edges[-1]
        return edges, counts[lo:hi]

    @property
    def stats(self):
        """One row per unit: ``layer``, ``unit``, ``count``, ``mean``, ``std``, ``min``,
        ``max``, ``density`` (fraction of positions > 0)."""
        import pandas as pd

        s = self.state
        n = max(s.n, 1)
        return pd.DataFrame(
            {
                "layer": np.repeat(self.layers, self.sizes),
                "unit": np.concatenate([np.arange(n_) for n_ in self.sizes]),
                "count": s.n,
                "mean": s.mean,
                "std": np.sqrt(s.m2 / n),
                "min": s.vmin,
                "max": s.vmax,
                "density": s.npos / n,
            }
        )

    def quantiles(self, layer: str | int, unit: int):
        """Sampled contexts per activation interval (one decade of |value| each, as
        SAEDashboard's quantile groups): ``interval``, ``lo``, ``hi``, ``share`` (fraction of
        all positions in it), then the :meth:`top` columns. Highest interval first."""
        import pandas as pd

        _, g = self._unit(layer, unit)
        counts = self.state.hist[:, g].sum(0)
        full = np.concatenate([[-np.inf], EDGES, [np.inf]])
        rows, values = [], []
        for grp in range(N_GROUPS - 1, -1, -1):
            members = np.flatnonzero(np.equal(GROUP_OF, grp))
            b0, b1 = int(members[0]), int(members[-1]) + 1
            share = counts[b0:b1].sum() / max(self.state.n, 1)
            e = self.state.sample
            assert e.order is not None, "interval samples carry their priority"
            unit_slots = Ranked(
                e.value[g, grp],
                e.key[g, grp],
                e.ctx_values[g, grp],
                e.ctx_chars[g, grp],
                e.order[g, grp],
            )
            found = _context_rows(sorted_slots(unit_slots, "sample"), self.docs, self.context)
            lo, hi = float(full[b0]), float(full[b1])
            for r in found:
                values.append(r.pop("values"))
                rows.append(
                    {
                        "interval": f"{_fmt(lo)} … {_fmt(hi)}",
                        "lo": lo,
                        "hi": hi,
                        "share": share,
                        **r,
                    }
                )
        cols = [
            "interval",
            "lo",
            "hi",
            "share",
            "doc",
            "doc_id",
            "position",
            "value",
            "context",
            "start",
            "end",
            "focus",
        ]
        frame = pd.DataFrame(rows, columns=cols)
        frame.attrs["values"] = values
        return frame

    # ---- features
    def _feature_arrays(self, parity: tuple[int, ...]) -> dict[str, tuple]:
        """Every unit's score per feature on documents of ``parity`` (computed once)."""
        cache = self.__dict__.setdefault("_feature_cache", {})
        if parity not in cache:
            cache[parity] = self._compute_feature_arrays(parity)
        return cache[parity]

    def _compute_feature_arrays(self, parity: tuple[int, ...]) -> dict[str, tuple]:
        s = self.state
        p = list(parity)
        out = {}
        hist = s.hist[p].sum(0)  # (U, B)
        for f, name in enumerate(s.bool_features):
            pos = s.feat_hist[p, f].sum(0)
            out[name] = (
                "auroc",
                auroc_from_hist(pos, hist - pos),
                pos.sum(-1)[0],
                (hist - pos).sum(-1)[0],
            )
        n = s.n_par[p].sum()
        sx, sxx = s.sx[p].sum(0), s.sxx[p].sum(0)
        for f, name in enumerate(s.num_features):
            sy, syy, sxy = s.sy[p, f].sum(), s.syy[p, f].sum(), s.sxy[p, f].sum(0)
            cov = sxy - sx * sy / n
            vx, vy = sxx - sx * sx / n, syy - sy * sy / n
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.where(
                    (vx > 0) & (vy > 0), cov / np.sqrt(np.maximum(vx * vy, 1e-300)), np.nan
                )
            out[name] = ("r", r, n, None)
        return out

    def feature_scores(self, layer: str | int, unit: int):
        """The unit against every feature, over the whole corpus: ``feature``, ``metric``
        (``auroc`` for booleans, binned; ``r`` for numbers), ``value``, ``score`` (AUROC
        folded to ≥ 0.5, |r|), ``sign``. Empty when the scan ran with ``features=False``."""
        import pandas as pd

        _, g = self._unit(layer, unit)
        rows = []
        for name, (metric, raw, *_rest) in self._feature_arrays((0, 1)).items():
            v = float(raw[g])
            score = max(v, 1 - v) if metric == "auroc" else abs(v)
            sign = (1 if v >= 0.5 else -1) if metric == "auroc" else (1 if v >= 0 else -1)
            rows.append(
                {"feature": name, "metric": metric, "value": v, "score": score, "sign": sign}
            )
        frame = pd.DataFrame(rows, columns=["feature", "metric", "value", "score", "sign"])
        return frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)

    def _find_neurons(
        self, feature: Any, layers: Any = None, top: int | None = 20, test: Any = None
    ):
        from .select import find_in_scan

        return find_in_scan(self, feature, layers=layers, top=top, test=test)

    # ---- output
    def effect(self, layer: str | int, unit: int, n: int = 10):
        """Which output tokens the unit promotes / suppresses directly (its column of the
        output weights, through the final layer norm's scale where there is one):
        ``token``, ``weight``, ``direction``. ``None`` for layers with no direct path."""
        import pandas as pd

        name, _ = self._unit(layer, unit)
        eff = self.effects.get(name)
        if eff is None:
            return None
        w = eff["weights"][int(unit)]
        tokens = eff["tokens"]
        order = np.argsort(-w, kind="stable")
        up, down = order[:n], order[::-1][:n]
        rows = [{"token": tokens[i], "weight": float(w[i]), "direction": "promotes"} for i in up]
        rows += [
            {"token": tokens[i], "weight": float(w[i]), "direction": "suppresses"} for i in down
        ]
        return pd.DataFrame(rows, columns=["token", "weight", "direction"])

    # ---- files
    def save(self, path: Any) -> Any:
        """Write the scan as a folder of Parquet files plus ``scan.json`` (readable by
        pandas, DuckDB or Spark without this library)."""
        from .files import save

        return save(self, path)

    @classmethod
    def load(cls, path: Any) -> Scan:
        """Read a scan written by :meth:`save` (no model, no torch)."""
        from .files import read

        return cls(*read(path))

    def __repr__(self) -> str:
        units = ", ".join(f"{n}: {s}" for n, s in zip(self.layers, self.sizes, strict=True))
        return (
            f"Scan({self.meta.get('n_chars', self.state.n):,} positions in {len(self.docs)} documents, "
            f"k={self.k}, {{{units}}})"
        )


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "−∞" if v < 0 else "∞"
    return f"{v:.3g}".replace("-", "−")
