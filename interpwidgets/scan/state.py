"""The mergeable per-unit state of a corpus scan.

A :class:`ScanState` summarises every unit over the positions it has seen: exact top-k and
bottom-k positions with their contexts, a log-binned histogram, moments, a few sampled
positions per activation interval, and feature statistics for scoring units against
:mod:`interpwidgets.features`. :func:`merge` is associative, commutative and deterministic
on ties, so shards of a corpus can be scanned anywhere (one process, Dask workers, any
engine with a reduce) and combined in any order into the same result.

Ordering keys: a position is ``key = doc_id * 2**32 + position``. Top-k orders by value
(descending) then key (ascending); bottom-k by value (ascending) then key; interval samples
keep the positions with the smallest ``priority = hash(key)`` in each interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

#: |value| bins: 16 per decade from 1e-4 to 1e4, mirrored for negatives, one bin for ~0.
PER_DECADE = 16
DECADES = (-4, 4)
_MAGS = 10.0 ** np.linspace(
    DECADES[0], DECADES[1], (DECADES[1] - DECADES[0]) * PER_DECADE + 1
)  # 129 magnitudes
#: Bin edges (finite part); values beyond ±1e4 fall in the first / last bin.
EDGES = np.concatenate([-_MAGS[::-1], _MAGS])
N_BINS = len(EDGES) + 1  # below the first edge, between edges, above the last
#: Interval samples are kept per decade of |value| on each side of 0, plus the ≈0 bin.
ZERO_BIN = len(EDGES) // 2
_SIDE = (N_BINS - 1) // 2  # bins on each side of the ≈0 bin
_DECADES_PER_SIDE = -(-_SIDE // PER_DECADE)
N_GROUPS = 2 * _DECADES_PER_SIDE + 1
_dist = np.abs(np.arange(N_BINS) - ZERO_BIN)
#: Group of every histogram bin: negative decades (largest |value| first), ≈0, positive decades.
GROUP_OF = np.where(
    np.arange(N_BINS) == ZERO_BIN,
    _DECADES_PER_SIDE,
    _DECADES_PER_SIDE + np.sign(np.arange(N_BINS) - ZERO_BIN) * ((_dist - 1) // PER_DECADE + 1),
).astype(np.int64)
KEY_SHIFT = 32

#: Binning by table: a float32's top bits (sign, exponent, 8 mantissa bits) name a range
#: of values; the table gives the bin of each range, or -1 when an edge falls inside it.
_CODE_SHIFT = 15
_EDGES32 = EDGES.astype(np.float32)


def _code_table() -> np.ndarray:
    codes = np.arange(2 ** (32 - _CODE_SHIFT), dtype=np.uint32)
    lo = (codes << np.uint32(_CODE_SHIFT)).view(np.float32)
    hi = ((codes << np.uint32(_CODE_SHIFT)) | np.uint32(2**_CODE_SHIFT - 1)).view(np.float32)
    first = np.searchsorted(_EDGES32, lo, "left")
    last = np.searchsorted(_EDGES32, hi, "left")
    ok = (first == last) & ~np.isnan(lo) & ~np.isnan(hi)
    return np.where(ok, first, -1).astype(np.int16)


_CODE_TABLE = _code_table()


def bin_index(x: np.ndarray) -> np.ndarray:
    """Histogram bin of every value of float32 ``x``: the number of :data:`EDGES` below it
    (``torch.bucketize(x, EDGES)``, ``np.searchsorted(EDGES, x, "left")``), as int16.

    One table look-up per value; the ~2% of values whose range holds an edge are compared
    with the edges themselves, so every bin is exact.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    bins = _CODE_TABLE[x.view(np.uint32) >> np.uint32(_CODE_SHIFT)]
    odd = np.flatnonzero(bins < 0)
    if odd.size:
        bins.reshape(-1)[odd] = np.searchsorted(_EDGES32, x.reshape(-1)[odd], "left")
    return bins


EMPTY_KEY = np.iinfo(np.int64).max


def make_key(doc: np.ndarray | int, pos: np.ndarray | int) -> np.ndarray:
    return (np.asarray(doc, dtype=np.int64) << KEY_SHIFT) | np.asarray(pos, dtype=np.int64)


def split_key(key: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    key = np.asarray(key, dtype=np.int64)
    return key >> KEY_SHIFT, key & ((1 << KEY_SHIFT) - 1)


def priority(key: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random order of positions (splitmix64 of the key, 62 bits)."""
    z = np.asarray(key, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(2)).astype(np.int64)


@dataclass(frozen=True)
class Options:
    """Everything that decides a scan's result (the same on every worker)."""

    layers: tuple[str, ...]
    sizes: tuple[int, ...]
    k: int
    context: int
    samples: int
    batch_size: int
    window: int
    features: bool
    #: SAE feature layers among ``layers`` (:class:`~interpwidgets.scan.sae_layers.FeatureLayers`)
    derived: Any = None

    @property
    def units(self) -> int:
        return sum(self.sizes)


@dataclass
class Ranked:
    """The best ``k`` entries per unit (or per unit and group) with their contexts."""

    value: np.ndarray  # float32 (..., k); NaN where empty
    key: np.ndarray  # int64 (..., k); EMPTY_KEY where empty
    ctx_values: np.ndarray  # float16 (..., k, C); NaN outside the document
    ctx_chars: np.ndarray  # int32 (..., k, C); -1 outside the document
    order: np.ndarray | None = None  # int64 (..., k): the sort key when it is not the value

    @classmethod
    def empty(cls, shape: tuple[int, ...], k: int, width: int, ordered: bool) -> Ranked:
        return cls(
            value=np.full((*shape, k), np.nan, np.float32),
            key=np.full((*shape, k), EMPTY_KEY, np.int64),
            ctx_values=np.full((*shape, k, width), np.nan, np.float16),
            ctx_chars=np.full((*shape, k, width), -1, np.int32),
            order=np.full((*shape, k), EMPTY_KEY, np.int64) if ordered else None,
        )

    def take(self, index: np.ndarray) -> Ranked:
        """Entries ``index`` (same leading shape, last axis chosen)."""
        return Ranked(
            value=np.take_along_axis(self.value, index, -1),
            key=np.take_along_axis(self.key, index, -1),
            ctx_values=np.take_along_axis(self.ctx_values, index[..., None], -2),
            ctx_chars=np.take_along_axis(self.ctx_chars, index[..., None], -2),
            order=None if self.order is None else np.take_along_axis(self.order, index, -1),
        )

    def concat(self, other: Ranked) -> Ranked:
        return Ranked(
            value=np.concatenate([self.value, other.value], -1),
            key=np.concatenate([self.key, other.key], -1),
            ctx_values=np.concatenate([self.ctx_values, other.ctx_values], -2),
            ctx_chars=np.concatenate([self.ctx_chars, other.ctx_chars], -2),
            order=None if self.order is None else np.concatenate([self.order, other.order], -1),
        )


def best(entries: Ranked, k: int, mode: str) -> np.ndarray:
    """Indices of the ``k`` best entries on the last axis: ``mode`` = top, bottom or sample.

    Empty entries (``key == EMPTY_KEY``) always sort last; equal values fall back to the
    key, so the choice never depends on the order entries arrive in.
    """
    empty = entries.key == EMPTY_KEY
    if mode == "sample":
        assert entries.order is not None, "sampled entries carry their priority"
        primary = np.where(empty, EMPTY_KEY, entries.order)
        idx = np.lexsort((entries.key, primary), axis=-1)
    else:
        v = entries.value.astype(np.float64)
        v = -v if mode == "top" else v
        v = np.where(empty, np.inf, v)
        idx = np.lexsort((entries.key, v), axis=-1)
    return idx[..., :k]


def absorb(slots: Ranked, value, key, order, fetch, mode: str) -> None:
    """Keep the best of ``slots`` and the candidates (``value``/``key``/``order`` (..., m)).

    Slots are unordered: a candidate that gets in takes the slot of one that dropped out,
    and only its context is fetched (``fetch(index)`` → ``(values, chars)`` of the
    candidates at ``index``) and written, so a merge costs what changes, not the state's
    size. Readers order slots with :func:`best`.
    """
    k = slots.key.shape[-1]
    both = Ranked(
        np.concatenate([slots.value, value], -1),
        np.concatenate([slots.key, key], -1),
        slots.ctx_values[..., :0, :],
        slots.ctx_chars[..., :0, :],
        None if slots.order is None else np.concatenate([slots.order, order], -1),
    )
    sel = best(both, k, mode)
    from_new = sel >= k
    if not from_new.any():
        return
    kept = np.zeros(slots.key.shape, bool)
    old = np.nonzero(~from_new)
    kept[tuple(old[:-1]) + (sel[old],)] = True
    free = np.nonzero(~kept)  # row-major: grouped like the incoming entries below
    inc = np.nonzero(from_new)
    j = sel[inc] - k
    src = (*inc[:-1], j)
    slots.value[free] = value[src]
    slots.key[free] = key[src]
    if slots.order is not None:
        slots.order[free] = order[src]
    vals, chars = fetch(src)
    slots.ctx_values[free] = vals
    slots.ctx_chars[free] = chars


def sorted_slots(slots: Ranked, mode: str) -> Ranked:
    """The slots in reading order (best first, empty last)."""
    return slots.take(best(slots, slots.key.shape[-1], mode))


def _copy(r: Ranked) -> Ranked:
    return Ranked(
        r.value.copy(),
        r.key.copy(),
        r.ctx_values.copy(),
        r.ctx_chars.copy(),
        None if r.order is None else r.order.copy(),
    )


def merge_ranked(a: Ranked, b: Ranked, mode: str) -> Ranked:
    out = _copy(a)
    absorb(out, b.value, b.key, b.order, lambda i: (b.ctx_values[i], b.ctx_chars[i]), mode)
    return out


FILLED: Any = None  # a field's placeholder until ``__post_init__`` fills it


@dataclass
class ScanState:
    """Per-unit summary of every position seen so far (all layers' units side by side).

    ``parity`` splits positions by ``doc_id % 2`` for the feature statistics, so a unit
    can be chosen on the even documents and scored on the odd ones (and vice versa).
    """

    units: int
    k: int
    context: int
    samples: int
    bool_features: list[str] = field(default_factory=list)
    num_features: list[str] = field(default_factory=list)
    n: int = 0
    mean: np.ndarray = FILLED  # float64 (U,)
    m2: np.ndarray = FILLED  # float64 (U,)
    vmin: np.ndarray = FILLED  # float32 (U,)
    vmax: np.ndarray = FILLED
    npos: np.ndarray = FILLED  # int64 (U,): values > 0
    hist: np.ndarray = FILLED  # int64 (2, U, N_BINS) by document parity
    top: Ranked = FILLED
    bottom: Ranked = FILLED
    sample: Ranked = FILLED  # (U, N_GROUPS, samples)
    feat_hist: np.ndarray = FILLED  # int64 (2, Fb, U, N_BINS): histogram where the feature is true
    feat_n: np.ndarray = FILLED  # int64 (2, Fb): positions where it is true
    n_par: np.ndarray = FILLED  # int64 (2,)
    sx: np.ndarray = FILLED  # float64 (2, U)
    sxx: np.ndarray = FILLED  # float64 (2, U)
    sy: np.ndarray = FILLED  # float64 (2, Fn)
    syy: np.ndarray = FILLED  # float64 (2, Fn)
    sxy: np.ndarray = FILLED  # float64 (2, Fn, U)

    def __post_init__(self) -> None:
        u, fb, fn = self.units, len(self.bool_features), len(self.num_features)
        width = 2 * self.context + 1
        defaults = {
            "mean": np.zeros(u),
            "m2": np.zeros(u),
            "vmin": np.full(u, np.inf, np.float32),
            "vmax": np.full(u, -np.inf, np.float32),
            "npos": np.zeros(u, np.int64),
            "hist": np.zeros((2, u, N_BINS), np.int64),
            "top": Ranked.empty((u,), self.k, width, False),
            "bottom": Ranked.empty((u,), self.k, width, False),
            "sample": Ranked.empty((u, N_GROUPS), self.samples, width, True),
            "feat_hist": np.zeros((2, fb, u, N_BINS), np.int64),
            "feat_n": np.zeros((2, fb), np.int64),
            "n_par": np.zeros(2, np.int64),
            "sx": np.zeros((2, u)),
            "sxx": np.zeros((2, u)),
            "sy": np.zeros((2, fn)),
            "syy": np.zeros((2, fn)),
            "sxy": np.zeros((2, fn, u)),
        }
        for name, value in defaults.items():
            if getattr(self, name) is None:
                setattr(self, name, value)

    def like(self) -> ScanState:
        """An empty state with the same shape."""
        return ScanState(
            self.units,
            self.k,
            self.context,
            self.samples,
            list(self.bool_features),
            list(self.num_features),
        )


def merge(a: ScanState, b: ScanState) -> ScanState:
    """Combine two states of the same shape (associative, commutative, deterministic)."""
    shape = ("units", "k", "context", "samples", "bool_features", "num_features")
    for name in shape:
        if getattr(a, name) != getattr(b, name):
            raise ValueError(
                f"state: cannot merge scans with different {name} ({getattr(a, name)!r} vs {getattr(b, name)!r})"
            )
    out = a.like()
    n = a.n + b.n
    out.n = n
    if n:
        delta = b.mean - a.mean
        out.mean = a.mean + delta * (b.n / n)
        out.m2 = a.m2 + b.m2 + delta**2 * (a.n * b.n / n)
    out.vmin = np.minimum(a.vmin, b.vmin)
    out.vmax = np.maximum(a.vmax, b.vmax)
    for name in ("npos", "hist", "feat_hist", "feat_n", "n_par", "sx", "sxx", "sy", "syy", "sxy"):
        setattr(out, name, getattr(a, name) + getattr(b, name))
    out.top = merge_ranked(a.top, b.top, "top")
    out.bottom = merge_ranked(a.bottom, b.bottom, "bottom")
    out.sample = merge_ranked(a.sample, b.sample, "sample")
    return out


def state_fields() -> list[str]:
    return [f.name for f in fields(ScanState)]
