"""Array-likes from any framework → checked numpy arrays. A leaf: imports nothing of the package.

``to_numpy`` turns torch tensors (any device), JAX arrays and nested lists into numpy without
importing their framework; ``check_stack`` validates an attention stack. ``Trace`` and the
attention computations both build on these.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def to_numpy(value: Any, name: str) -> np.ndarray:
    """Turn an array-like (numpy, torch tensor on any device, JAX, nested lists) into numpy.

    Tensors are detached and moved to the CPU without importing their framework.
    """
    if hasattr(value, "detach") and callable(value.detach):  # torch
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        if getattr(value, "dtype", None) is not None and "bfloat16" in str(value.dtype):
            value = value.float()
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{name}: expected an array-like of numbers, got {type(value).__name__} ({exc})"
        ) from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    return arr


def owned(arr: np.ndarray, value: Any) -> np.ndarray:
    """``arr`` (made from the caller's ``value``), copied when it may share the caller's memory.

    A numpy array or CPU tensor handed in keeps living with the caller, who may write to it
    later; what a trace stores must not change behind its checks. Arrays made fresh from
    ``value`` (a dtype change, a list) are kept as they are, and so is a read-only array that
    owns its memory (a producer that hands over such an array promises not to write to it).
    """
    if arr.flags.owndata and (arr is not value or not arr.flags.writeable):
        return arr
    return arr.copy()


class Checked:
    """An array already checked by what made it (finite, one row per token): a trace takes
    it as it is, with no copy and no second pass over the values. Made by a trace's store
    (:mod:`interpwidgets.trace.store`) and by code that passes a trace's own arrays on."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def check_stack(
    attention: object,
    n_tokens: int | None = None,
    name: str = "attention",
    n_keys: int | None = None,
) -> np.ndarray:
    """Validate an attention stack ``(layers, heads, query, key)`` and return it as float32.

    With ``n_tokens`` the stack must be square ``(…, n_tokens, n_tokens)``; with ``n_keys`` too,
    it is rectangular ``(…, n_tokens, n_keys)`` (cross attention: queries and keys differ).
    """
    arr = to_numpy(attention, name)
    if arr.ndim != 4:
        raise ValueError(
            f"{name}: expected 4 dimensions (layers, heads, query, key), got shape {tuple(arr.shape)}"
        )
    if n_tokens is not None:
        nk = n_tokens if n_keys is None else n_keys
        if arr.shape[2:] != (n_tokens, nk):
            what = (
                f"{n_tokens} tokens"
                if n_keys is None
                else f"{n_tokens} query and {n_keys} key tokens"
            )
            raise ValueError(
                f"{name}: expected shape (layers, heads, {n_tokens}, {nk}) for {what}, got {tuple(arr.shape)}"
            )
    if 0 in arr.shape:
        raise ValueError(f"{name}: expected no empty dimension, got shape {tuple(arr.shape)}")
    arr = owned(arr.astype(np.float32, copy=False), attention)
    if np.isinf(arr).any():
        raise ValueError(f"{name}: infinite values are not allowed (NaN marks a missing value)")
    return arr
