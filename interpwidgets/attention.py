"""Attention computations: head summaries (Clark et al. 2019), rollout (Abnar & Zuidema 2020), pooling.

All functions take a numpy stack ``(layers, heads, query, key)`` — never torch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .arrays import check_stack as check_stack  # re-exported: callers import it from here

_PUNCT = re.compile(r"^\W+$")

#: Measures that compare a query with keys at the same position: they need square attention.
SQUARE_ONLY = ("to_self", "to_prev", "to_next")

#: key → label of every per-head measure :func:`head_summary` returns.
MEASURES = {
    "entropy": "entropy (bits)",
    "to_first": "→ first token / [CLS]",
    "to_sep": "→ [SEP]",
    "to_self": "→ itself",
    "to_prev": "→ previous token",
    "to_next": "→ next token",
    "to_punct": "→ punctuation",
}


def row_sum_deviation(attention: np.ndarray) -> float:
    """Largest |row sum − 1| over all layers, heads and queries (NaN rows ignored)."""
    sums = np.nansum(attention, axis=-1)
    return float(np.nanmax(np.abs(sums - 1))) if sums.size else 0.0


def head_summary(
    attention: np.ndarray,
    tokens: Sequence[str],
    special: Sequence[str] = ("[SEP]", "</s>", "<|endoftext|>"),
) -> dict[str, np.ndarray]:
    """Per head: entropy and mean attention to the first token, [SEP], itself, previous, next, punctuation.

    ``tokens`` are the key tokens. For rectangular attention (queries and keys are different
    tokens, e.g. cross attention) the measures of :data:`SQUARE_ONLY` are left out. Each
    value is ``float32 (layers, heads)``: the attention mass from every query to that kind of key, averaged over queries (Clark et al. 2019, "What does BERT look at?").
    Entropy is the mean over queries of each row's entropy in bits.
    """
    a = np.nan_to_num(attention, nan=0.0)
    n = a.shape[-1]
    square = a.shape[-2] == n
    if len(tokens) != n:
        raise ValueError(f"tokens: expected {n} key tokens, got {len(tokens)}")
    eye = np.eye(n, dtype=bool)
    prev = np.eye(n, k=-1, dtype=bool)
    nxt = np.eye(n, k=1, dtype=bool)
    sep = np.array([t in special for t in tokens], dtype=bool)
    punct = np.array(
        [
            bool(_PUNCT.match(t.strip())) and t not in special and not t.startswith("[")
            for t in tokens
        ],
        dtype=bool,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.where(a > 0, a * np.log2(a), 0).sum(-1).mean(-1)
    zero = np.zeros(a.shape[:2])
    out = {
        "entropy": ent,
        "to_first": a[..., 0].mean(-1),
        "to_sep": a[..., sep].sum(-1).mean(-1) if sep.any() else zero,
    }
    if square:
        out["to_self"] = (a * eye).sum(-1).mean(-1)
        out["to_prev"] = (a * prev).sum(-1)[..., 1:].mean(-1) if n > 1 else zero
        out["to_next"] = (a * nxt).sum(-1)[..., :-1].mean(-1) if n > 1 else zero
    out["to_punct"] = a[..., punct].sum(-1).mean(-1) if punct.any() else zero
    return {k: v.astype(np.float32) for k, v in out.items()}


def rollout(attention: np.ndarray, residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): ``Ã_l = r·I + (1−r)·mean_heads(A_l)``, rows
    renormalised, multiplied from the first layer to the last. Returns ``(query, key)``."""
    a = np.nan_to_num(attention, nan=0.0).astype(np.float64).mean(axis=1)
    n = a.shape[-1]
    out = np.eye(n)
    for layer in a:
        mixed = residual * np.eye(n) + (1 - residual) * layer
        mixed /= mixed.sum(-1, keepdims=True)
        out = mixed @ out
    return out.astype(np.float32)


def pool(attention: np.ndarray, size: int = 32) -> np.ndarray:
    """Shrink every head's ``n × n`` matrix to at most ``size × size`` by block maximum."""
    n_q, n_k = attention.shape[-2:]
    tq, tk = min(size, n_q), min(size, n_k)
    if (tq, tk) == (n_q, n_k):
        return attention
    qb = np.linspace(0, n_q, tq + 1).astype(int)
    kb = np.linspace(0, n_k, tk + 1).astype(int)
    rows = np.maximum.reduceat(np.nan_to_num(attention, nan=0.0), qb[:-1], axis=-2)
    return np.maximum.reduceat(rows, kb[:-1], axis=-1)
