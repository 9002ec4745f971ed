"""Folding one window of activations into a :class:`~interpwidgets.scan.state.ScanState`.

A block is the previous, current and next window of every lane (``B`` lanes × ``T``
positions × ``U`` units each), so every position of the current window has its context on
both sides. Only the current window is counted; the others supply context values and
characters, read only for the few positions that enter the state.

Each window's ``B·T × U`` values are touched a handful of times: moments by matrix
products, the histogram through a table on the float's bits (:func:`bin_index`), and
top/bottom-k and interval samples by comparing every value with what it would have to
beat to enter the state (the state's k-th best, the interval's s-th lowest priority) —
only the few that do are ranked. A full ranking (``torch.topk``, one pass per sample)
runs only while the state is still filling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .state import (
    EMPTY_KEY,
    GROUP_OF,
    KEY_SHIFT,
    N_BINS,
    N_GROUPS,
    Ranked,
    ScanState,
    absorb,
    bin_index,
    priority,
)

_GROUP_OF = GROUP_OF.astype(np.int8)
#: Above this many candidates per unit, rank the whole window instead of the candidates.
CANDIDATES_PER_UNIT = 64


@dataclass
class Block:
    """Three consecutive windows per lane (previous, current, next)."""

    windows: tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # float32 (B, T, U) each
    keys: np.ndarray  # int64 (B, 3T); -1 where no position
    chars: np.ndarray  # int32 (B, 3T) code points; -1 where no position
    features: np.ndarray | None  # float32 (B, T, F) for the current window; NaN = unknown
    count: np.ndarray | None = None  # bool (B, T): positions of the current window counted


def _rank_window(
    xt: torch.Tensor, keys: np.ndarray, k: int, largest: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit the ``k`` best rows of ``xt`` (U, R), ties broken by key: (values, rows) (U, k)."""
    r = xt.shape[1]
    kk = min(k, r)
    vals, rows = torch.topk(xt, kk, dim=1, largest=largest, sorted=True)
    vals, rows = vals.numpy().copy(), rows.numpy().copy()
    edge = torch.as_tensor(vals[:, -1:])
    count = (xt >= edge).sum(1) if largest else (xt <= edge).sum(1)
    for u in np.nonzero(count.numpy() > kk)[0]:  # ties at the edge: lowest keys win
        col = xt[u].numpy()
        on = np.nonzero(col >= vals[u, -1] if largest else col <= vals[u, -1])[0]
        v = col[on].astype(np.float64)
        order = np.lexsort((keys[on], -v if largest else v))[:kk]
        rows[u], vals[u] = on[order], col[on[order]]
    return vals, rows


def _per_slot(slot: np.ndarray, sort_keys: tuple, n_slots: int, m: int) -> tuple:
    """Candidates grouped by ``slot``, the best ``m`` of each by ``sort_keys`` (last = primary):
    ``(index (n_slots, m) into the candidates, valid mask)``."""
    order = np.lexsort((*sort_keys, slot))
    s = slot[order]
    rank = np.arange(len(s)) - np.searchsorted(s, s, "left")
    keep = rank < m
    out = np.zeros((n_slots, m), np.int64)
    valid = np.zeros((n_slots, m), bool)
    out[s[keep], rank[keep]] = order[keep]
    valid[s[keep], rank[keep]] = True
    return out, valid


def _ranked_candidates(
    x: np.ndarray, extreme: np.ndarray, keys: np.ndarray, slots: Ranked, largest: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    """Top (or bottom) candidates of a window (R, U) against a full state: only values that
    reach the state's k-th best can enter, so only units whose window ``extreme`` (max or
    min per unit) reaches it are looked at. ``(values (U, m), rows (U, m))`` padded with NaN
    and row -1; ``None`` when too many values qualify (the state is still filling)."""
    u, k = slots.key.shape
    if (slots.key == EMPTY_KEY).any():
        return None
    edge = slots.value.min(1) if largest else slots.value.max(1)
    reach = extreme >= edge if largest else extreme <= edge  # units this window can enter
    cols = np.flatnonzero(reach)
    if len(cols) > u // 4:  # a column gather would cost more than one pass over all
        cols = np.arange(u)
        sub = x
    else:
        sub = x[:, cols]
    hit = sub >= edge[cols] if largest else sub <= edge[cols]
    rows, j = np.nonzero(hit)
    if len(rows) > CANDIDATES_PER_UNIT * u:
        return None
    if not len(rows):
        return np.full((u, 1), np.nan, np.float32), np.full((u, 1), -1, np.int64)
    units = cols[j]
    v = sub[rows, j]
    idx, valid = _per_slot(units, (keys[rows], -v if largest else v), u, k)
    vals = np.where(valid, v[idx], np.nan).astype(np.float32)
    return vals, np.where(valid, rows[idx], -1)


def _sample_all(groups: np.ndarray, prio: np.ndarray, s: int) -> np.ndarray:
    """Per (unit, group) the ``s`` rows of lowest priority: rows (U, G, s), -1 where none."""
    r, u = groups.shape
    order = np.argsort(prio, kind="stable")
    rank = np.empty(r, np.int64)
    rank[order] = np.arange(r)
    rank_t = torch.as_tensor(rank)
    slots = u * N_GROUPS
    index = torch.as_tensor(groups).long() + torch.arange(u, dtype=torch.int64)[None] * N_GROUPS
    src = rank_t[:, None].expand(r, u).contiguous().view(-1)
    flat_index = index.view(-1)
    out = np.full((u, N_GROUPS, s), -1, np.int64)
    unit_of = np.arange(slots) // N_GROUPS
    for j in range(s):
        first = torch.full((slots + 1,), r, dtype=torch.int64)
        first.scatter_reduce_(0, flat_index, src, reduce="amin")
        first = first[:slots].numpy()
        hit = np.nonzero(first < r)[0]
        if not hit.size:
            break
        rows = order[first[hit]]
        out.reshape(slots, s)[hit, j] = rows
        if j + 1 < s:
            flat_index[torch.as_tensor(rows * u + unit_of[hit])] = slots  # taken: out of play
    return out


def _sample_candidates(
    flat: np.ndarray, bins: np.ndarray, prio: np.ndarray, slots: Ranked
) -> np.ndarray:
    """Interval samples of a window: rows (U, G, s), -1 where none.

    A value can enter its (unit, interval) only with a priority at most the interval's
    s-th lowest so far (any, while it holds fewer than s), so each value is compared with
    that bound — as a count of the window's rows below it, an int32 per (unit, bin) — and
    only the values under it are ranked.
    """
    r, u = bins.shape
    s = slots.key.shape[-1]
    full = (slots.key != EMPTY_KEY).all(-1)  # (U, G)
    if not full.any():
        return _sample_all(_GROUP_OF[bins], prio, s)
    assert slots.order is not None  # the ordered slots this update is for
    bound = np.where(full, slots.order.max(-1), EMPTY_KEY)  # (U, G): s-th lowest so far
    order = np.argsort(prio, kind="stable")
    rank = np.empty(r, np.int32)
    rank[order] = np.arange(r, dtype=np.int32)
    below = np.searchsorted(prio[order], bound, "right").astype(np.int32)  # rows ≤ bound
    per_bin = below[:, _GROUP_OF].reshape(-1)  # (U * N_BINS,) indexed like ``flat``
    hit = rank[:, None] < per_bin[flat]
    rows, units = np.nonzero(hit)
    if len(rows) > CANDIDATES_PER_UNIT * u:
        return _sample_all(_GROUP_OF[bins], prio, s)
    if not len(rows):
        return np.full((u, N_GROUPS, s), -1, np.int64)
    slot = units * N_GROUPS + _GROUP_OF[bins[rows, units]]
    idx, valid = _per_slot(slot, (prio[rows],), u * N_GROUPS, s)
    return np.where(valid, rows[idx], -1).reshape(u, N_GROUPS, s)


def _count(index: np.ndarray, n: int) -> np.ndarray:
    """``np.bincount(index, minlength=n)`` of int32 ``index`` (torch's takes it without a copy)."""
    return torch.bincount(torch.from_numpy(index), minlength=n).numpy()


def _gather_contexts(
    block: Block, rows: np.ndarray, units: np.ndarray, context: int
) -> tuple[np.ndarray, np.ndarray]:
    """Context values (M, C) float16 and characters (M, C) int32 around current-window rows."""
    t = block.windows[1].shape[1]
    b = rows // t
    pos = rows % t + t  # into the 3T keys / chars
    cols = pos[:, None] + np.arange(-context, context + 1)[None]
    keys = block.keys[b[:, None], cols]
    same_doc = (keys >= 0) & ((keys >> KEY_SHIFT) == (block.keys[b, pos] >> KEY_SHIFT)[:, None])
    u = block.windows[1].shape[2]
    src = cols // t  # which window: previous, current, next
    flat = (b[:, None] * t + cols - src * t) * u + np.asarray(units)[:, None]
    vals = np.full(cols.shape, np.nan, np.float32)
    for w, window in enumerate(block.windows):
        on = same_doc & (src == w)
        if on.any():
            vals[on] = window.numpy().reshape(-1)[flat[on]]
    chars = np.where(same_doc, block.chars[b[:, None], cols], -1).astype(np.int32)
    return vals.astype(np.float16), chars


def update(state: ScanState, block: Block) -> None:
    """Count the current window of ``block`` into ``state`` (in place)."""
    cur = block.windows[1]
    b, t, u = cur.shape
    keys_cur = block.keys[:, t : 2 * t]
    counted = keys_cur >= 0 if block.count is None else block.count & (keys_cur >= 0)
    n_lane = counted.sum(1)  # a lane's counted rows are consecutive in ``rows_flat``
    if not n_lane.any():
        return
    if (n_lane == t).all():
        rows_flat = np.arange(b * t)
        xt = cur.reshape(b * t, u)
    else:
        rows_flat = np.nonzero(counted.reshape(-1))[0]
        xt = cur.reshape(b * t, u)[torch.as_tensor(rows_flat)]
    x = xt.numpy()
    keys = keys_cur.reshape(-1)[rows_flat]
    par = ((keys >> KEY_SHIFT) & 1).astype(np.int64)
    r = len(rows_flat)

    # moments (Chan et al.'s parallel update) from per-parity sums, extremes, density
    onehot = torch.as_tensor(np.stack([par == 0, par == 1]).astype(np.float32))
    sx = (onehot @ xt).double().numpy()
    sxx = (onehot @ (xt * xt)).double().numpy()
    state.sx += sx
    state.sxx += sxx
    state.n_par += np.bincount(par, minlength=2)
    mean_w = sx.sum(0) / r
    m2_w = np.maximum(sxx.sum(0) - r * mean_w**2, 0.0)
    n = state.n + r
    delta = mean_w - state.mean
    state.m2 = state.m2 + m2_w + delta**2 * (state.n * r / n)
    state.mean = state.mean + delta * (r / n)
    state.n = n
    wmin, wmax = x.min(0), x.max(0)
    state.vmin = np.minimum(state.vmin, wmin)
    state.vmax = np.maximum(state.vmax, wmax)
    state.npos += np.count_nonzero(x > 0, axis=0)

    # histogram by parity, and where each boolean feature is true
    bins = bin_index(x)  # int16 (R, U)
    flat = bins + (np.arange(u, dtype=np.int32) * N_BINS)[None]  # (unit, bin) as one int32
    prio = priority(keys)
    srows = _sample_candidates(flat, bins, prio, state.sample)
    lane_start = np.concatenate([[0], np.cumsum(n_lane)])
    for lane in range(b):  # documents of odd parity count in the second half
        lo, hi = lane_start[lane], lane_start[lane + 1]
        if hi > lo and par[lo]:
            flat[lo:hi] += u * N_BINS
    state.hist += _count(flat.reshape(-1), 2 * u * N_BINS).reshape(2, u, N_BINS)
    if block.features is not None:
        feats = block.features.reshape(b * t, -1)[rows_flat]
        nb = len(state.bool_features)
        for f in range(nb):
            on = np.nonzero(feats[:, f] == 1)[0]
            if on.size:
                state.feat_hist[:, f] += _count(flat[on].reshape(-1), 2 * u * N_BINS).reshape(
                    2, u, N_BINS
                )
                state.feat_n[:, f] += np.bincount(par[on], minlength=2)
        if state.num_features:
            y = np.nan_to_num(feats[:, nb:].astype(np.float32))
            for g in (0, 1):
                yg = torch.as_tensor(np.where((par == g)[:, None], y, 0).T.copy())
                state.sy[g] += yg.double().sum(1).numpy()
                state.syy[g] += (yg.double() ** 2).sum(1).numpy()
                state.sxy[g] += (yg @ xt).double().numpy()

    def fetcher(rows: np.ndarray):
        def fetch(index: tuple) -> tuple[np.ndarray, np.ndarray]:
            return _gather_contexts(block, rows_flat[rows[index]], index[0], state.context)

        return fetch

    for mode, largest in (("top", True), ("bottom", False)):
        slots = getattr(state, mode)
        found = _ranked_candidates(x, wmax if largest else wmin, keys, slots, largest)
        if found is None:
            vals, rows = _rank_window(xt.T.contiguous(), keys, state.k, largest)
            cand_keys = keys[rows]
        else:
            vals, rows = found
            cand_keys = np.where(rows < 0, EMPTY_KEY, keys[np.maximum(rows, 0)])
        absorb(slots, vals, cand_keys, None, fetcher(np.maximum(rows, 0)), mode)

    empty = srows < 0
    safe = np.where(empty, 0, srows)
    unit_idx = np.broadcast_to(np.arange(u)[:, None, None], srows.shape)
    svals = np.where(empty, np.nan, x[safe, unit_idx])
    skeys = np.where(empty, EMPTY_KEY, keys[safe])
    sord = np.where(empty, EMPTY_KEY, prio[safe])
    absorb(state.sample, svals.astype(np.float32), skeys, sord, fetcher(safe), "sample")
