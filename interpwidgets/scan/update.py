"""Folding one block of activations into a :class:`~interpwidgets.scan.state.ScanState`.

A block is ``B`` lanes × ``3T`` positions: the previous, current and next window of each
lane, so every position of the current window has its context on both sides. Only the
current window is counted; the others supply context values and characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .state import (
    EDGES,
    EMPTY_KEY,
    GROUP_OF,
    KEY_SHIFT,
    N_BINS,
    N_GROUPS,
    ScanState,
    absorb,
    priority,
)

_EDGES = torch.as_tensor(EDGES, dtype=torch.float32)
_GROUP_OF = torch.as_tensor(GROUP_OF)


@dataclass
class Block:
    """Three consecutive windows per lane (previous, current, next)."""

    values: torch.Tensor  # float32 (B, 3T, U)
    keys: np.ndarray  # int64 (B, 3T); -1 where no position
    chars: np.ndarray  # int32 (B, 3T) code points; -1 where no position
    features: np.ndarray | None  # float32 (B, T, F) for the current window; NaN = unknown


def _window_candidates(
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


def _sample_candidates(
    groups: torch.Tensor, prio: np.ndarray, s: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per (unit, group) the ``s`` rows of lowest priority: rows (U, G, s), -1 where none."""
    r, u = groups.shape
    order = np.argsort(prio, kind="stable")
    rank = np.empty(r, np.int64)
    rank[order] = np.arange(r)
    rank_t = torch.as_tensor(rank)
    slots = u * N_GROUPS
    index = groups + torch.arange(u, dtype=torch.int64)[None] * N_GROUPS  # (R, U)
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


def _gather_contexts(
    block: Block, rows_flat: np.ndarray, units: np.ndarray, context: int, width_t: int
) -> tuple[np.ndarray, np.ndarray]:
    """Context values (M, C) float16 and characters (M, C) int32 around current-window rows."""
    b = rows_flat // width_t
    t = rows_flat % width_t + width_t  # into the 3T buffer
    cols = t[:, None] + np.arange(-context, context + 1)[None]
    keys = block.keys[b[:, None], cols]
    same_doc = (keys >= 0) & ((keys >> KEY_SHIFT) == (block.keys[b, t] >> KEY_SHIFT)[:, None])
    vals = block.values[
        torch.as_tensor(b)[:, None], torch.as_tensor(cols), torch.as_tensor(units)[:, None]
    ]
    vals = np.where(same_doc, vals.numpy(), np.nan).astype(np.float16)
    chars = np.where(same_doc, block.chars[b[:, None], cols], -1).astype(np.int32)
    return vals, chars


def update(state: ScanState, block: Block) -> None:
    """Count the current window of ``block`` into ``state`` (in place)."""
    b, t3, u = block.values.shape
    t = t3 // 3
    keys_cur = block.keys[:, t : 2 * t].reshape(-1)
    rows_flat = np.nonzero(keys_cur >= 0)[0]
    if not rows_flat.size:
        return
    x = block.values[:, t : 2 * t].reshape(b * t, u)[torch.as_tensor(rows_flat)]
    keys = keys_cur[rows_flat]
    par = (keys >> KEY_SHIFT) & 1
    r = len(rows_flat)

    # moments (Chan et al.'s parallel update) from per-parity sums, extremes, density
    onehot = torch.as_tensor(np.stack([par == 0, par == 1]).astype(np.float32))
    sx = (onehot @ x).double().numpy()
    sxx = (onehot @ (x * x)).double().numpy()
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
    state.vmin = np.minimum(state.vmin, x.amin(0).numpy())
    state.vmax = np.maximum(state.vmax, x.amax(0).numpy())
    state.npos += (x > 0).sum(0).numpy()

    # histogram by parity, and where each boolean feature is true
    bins = torch.bucketize(x, _EDGES)  # (R, U) in [0, N_BINS)
    flat = bins + (torch.arange(u) * N_BINS)[None] + torch.as_tensor(par * (u * N_BINS))[:, None]
    state.hist += (
        torch.bincount(flat.view(-1), minlength=2 * u * N_BINS).numpy().reshape(2, u, N_BINS)
    )
    if block.features is not None:
        feats = block.features.reshape(b * t, -1)[rows_flat]
        nb = len(state.bool_features)
        for f in range(nb):
            on = feats[:, f] == 1
            if on.any():
                sub = flat[torch.as_tensor(np.nonzero(on)[0])].view(-1)
                state.feat_hist[:, f] += (
                    torch.bincount(sub, minlength=2 * u * N_BINS).numpy().reshape(2, u, N_BINS)
                )
                state.feat_n[:, f] += np.bincount(par[on], minlength=2)
        if state.num_features:
            y = np.nan_to_num(feats[:, nb:].astype(np.float64))
            for g in (0, 1):
                rows_g = np.nonzero(par == g)[0]
                if rows_g.size:
                    yg = y[rows_g]
                    state.sy[g] += yg.sum(0)
                    state.syy[g] += (yg * yg).sum(0)
                    xg = x[torch.as_tensor(rows_g)].double()
                    state.sxy[g] += (torch.as_tensor(yg.T) @ xg).numpy()

    def fetcher(rows: np.ndarray):
        def fetch(index: tuple) -> tuple[np.ndarray, np.ndarray]:
            return _gather_contexts(block, rows_flat[rows[index]], index[0], state.context, t)

        return fetch

    xt = x.T.contiguous()
    for mode, largest in (("top", True), ("bottom", False)):
        vals, rows = _window_candidates(xt, keys, state.k, largest)
        absorb(getattr(state, mode), vals, keys[rows], None, fetcher(rows), mode)

    prio = priority(keys)
    srows = _sample_candidates(_GROUP_OF[bins], prio, state.samples)  # (U, G, s)
    empty = srows < 0
    safe = np.where(empty, 0, srows)
    unit_idx = np.broadcast_to(np.arange(u)[:, None, None], srows.shape)
    svals = np.where(empty, np.nan, x.numpy()[safe, unit_idx])
    skeys = np.where(empty, EMPTY_KEY, keys[safe])
    sord = np.where(empty, EMPTY_KEY, prio[safe])
    absorb(state.sample, svals.astype(np.float32), skeys, sord, fetcher(safe), "sample")
