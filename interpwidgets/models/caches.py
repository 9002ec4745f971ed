"""Caches that other libraries record → named ``(n_tokens, units)`` arrays and an attention
stack, for :meth:`interpwidgets.Trace.from_cache`. Imports no model library (and nothing
of the package but :mod:`interpwidgets.arrays`); each kind of cache is recognised by its
class's module.

* TransformerLens ``ActivationCache`` (``model.run_with_cache``): names are the hook names,
  legacy (``blocks.0.hook_resid_post``, ``blocks.0.mlp.hook_post``) or the bridge's
  canonical ones (``blocks.0.hook_out``, ``blocks.0.mlp.out.hook_in``); attention from every
  ``…attn.hook_pattern``; ``hook_attn_scores`` (pre-softmax, ``-inf`` where masked) is left
  out. ``(pos, heads, d_head)`` hooks (``hook_q``, ``hook_z``…) become ``heads·d_head`` units.
* nnsight's ``tracer.cache()`` view: names are the module paths (``encoder.layer.0``) without
  the root's ``model.``; a module whose output is a tuple contributes its first tensor, and
  ``(heads, n, n)`` weights in the tuple (with ``output_attentions=True``) go to attention.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..arrays import to_numpy

#: TransformerLens hook names that are attention weights, not per-position activations.
_PATTERN = "hook_pattern"
_SCORES = "hook_attn_scores"


def kind_of(cache: Any) -> str:
    """``"transformer-lens"``, ``"nnsight"`` or ``"mapping"`` (a plain ``name → array`` dict)."""
    for cls in type(cache).__mro__:
        package = (getattr(cls, "__module__", "") or "").split(".")[0]
        if package == "transformer_lens":
            return "transformer-lens"
        if package == "nnsight":
            return "nnsight"
    if hasattr(cache, "items"):
        return "mapping"
    raise TypeError(
        "cache: expected a TransformerLens ActivationCache, an nnsight tracer.cache() or a "
        f"dict of name -> array, got {type(cache).__name__}"
    )


def _per_position(name: str, value: Any, batch: bool, index: int) -> np.ndarray:
    arr = to_numpy(value, f"cache[{name!r}]")
    if batch:
        if arr.ndim < 2:
            raise ValueError(
                f"cache[{name!r}]: expected (batch, pos, ...), got shape {tuple(arr.shape)}"
            )
        if not -arr.shape[0] <= index < arr.shape[0]:
            raise ValueError(
                f"index: expected a batch index in [0, {arr.shape[0] - 1}], got {index}"
            )
        arr = arr[index]
    return arr


def _tl_items(cache: Any, index: int) -> Iterable[tuple[str, np.ndarray, bool]]:
    batch = bool(getattr(cache, "has_batch_dim", True))
    for name, value in cache.items():
        last = name.rsplit(".", 1)[-1]
        if last == _SCORES:
            continue
        yield name, _per_position(name, value, batch, index), last == _PATTERN


def _nnsight_items(cache: Any, index: int) -> Iterable[tuple[str, np.ndarray, bool]]:
    for path in cache.keys():  # noqa: SIM118 - a CacheView, not a dict
        out = cache[path].output
        if isinstance(out, list):  # visited more than once (a generation loop)
            out = out[0]
        name = path.split(".", 1)[1] if "." in path else path
        parts = out if isinstance(out, tuple) else (out,)
        tensors = [p for p in parts if hasattr(p, "shape") and hasattr(p, "dtype")]
        if not tensors:
            continue
        yield name, _per_position(name, tensors[0], True, index), False
        for extra in tensors[1:]:
            if len(extra.shape) == 4 and extra.shape[-1] == extra.shape[-2]:
                yield name, _per_position(name, extra, True, index), True


def read_cache(
    cache: Any, index: int = 0, names: Iterable[str] | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray | None, str]:
    """``(arrays, attention, kind)``: every per-position entry of ``cache`` as
    ``float32 (n_tokens, units)`` under its name (of batch item ``index``), and the attention
    patterns stacked ``(layers, heads, n, n)`` (``None`` when the cache has none).
    ``names`` keeps only those entries (attention is kept whatever ``names`` says)."""
    kind = kind_of(cache)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"index: expected an int, got {type(index).__name__}")
    keep = None if names is None else set(names)
    if kind == "transformer-lens":
        items = _tl_items(cache, int(index))
    elif kind == "nnsight":
        items = _nnsight_items(cache, int(index))
    else:
        items = ((str(k), to_numpy(v, f"cache[{k!r}]"), False) for k, v in cache.items())
    arrays: dict[str, np.ndarray] = {}
    patterns: list[np.ndarray] = []
    n = None
    for name, arr, is_attention in items:
        if is_attention:
            arr = arr.astype(np.float32, copy=False)
            # nnsight: a layer's weights come back from each module that passes them up
            if not (
                patterns and patterns[-1].shape == arr.shape and np.array_equal(patterns[-1], arr)
            ):
                patterns.append(arr)
            continue
        if keep is not None and name not in keep:
            continue
        if arr.ndim == 0 or arr.dtype.kind in "biu":  # token ids (e.g. ``embed.hook_in``)
            continue
        if n is None:
            n = arr.shape[0]
        if arr.shape[0] != n:  # not a per-position entry (e.g. a pooled output)
            continue
        arrays[name] = arr.reshape(n, -1).astype(np.float32, copy=False)
    if keep is not None:
        missing = sorted(keep - set(arrays))
        if missing:
            raise KeyError(f"names: {missing} are not per-position entries of the cache")
    attention = np.stack(patterns) if patterns else None
    if not arrays and attention is None:
        raise ValueError("cache: holds no per-position activations and no attention patterns")
    return arrays, attention, kind


def _cache_model(cache: Any) -> Any:
    """The model a cache belongs to (TransformerLens keeps it as ``cache.model``)."""
    return getattr(cache, "model", None) if kind_of(cache) == "transformer-lens" else None


def hooked_bos(model: Any, tokenizer: Any) -> int | None:
    """The BOS id a HookedTransformer puts first (``cfg.default_prepend_bos``), or ``None``."""
    cfg = getattr(model, "cfg", None)
    if cfg is None or not getattr(cfg, "default_prepend_bos", True):
        return None
    return getattr(tokenizer, "bos_token_id", None)


def cache_tokens(
    cache: Any, tokens: Any, tokenizer: Any, n: int
) -> tuple[str, list[str], np.ndarray, dict[str, Any]]:
    """``(text, tokens, offsets, meta)`` for the ``n`` positions of a cache, from ``tokens``:

    * a str: the input text, tokenised as the model did (its tokenizer, or ``tokenizer``;
      a HookedTransformer's BOS first);
    * a list of str: the token strings (the text is their concatenation);
    * ids (list of int, numpy or torch): decoded one by one with the tokenizer;
    * ``None``: positions only (``[0]``, ``[1]``…), for a cache whose model has no tokenizer.
    """
    from .base import encode_fast

    model = _cache_model(cache)
    tok = tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
    meta: dict[str, Any] = {}
    if tokens is None:
        pieces = [f"[{i}]" for i in range(n)]
        meta["token_labels"] = (
            "positions: pass tokens= (the text, ids or token strings) to see the text"
        )
        text = " ".join(pieces)
        starts = np.cumsum([0] + [len(p) + 1 for p in pieces[:-1]])
        offsets = np.stack([starts, starts + [len(p) for p in pieces]], axis=1)
        return text, pieces, offsets.astype(np.int64), meta
    if isinstance(tokens, str):
        if tok is None:
            raise ValueError(
                "tokens: a text needs the model's tokenizer, and this cache's model has none; "
                "pass tokenizer=..., the ids or the token strings"
            )
        if model is not None:
            enc = encode_fast(tok, tokens, add_special_tokens=False, prepend=hooked_bos(model, tok))
        else:
            enc = encode_fast(tok, tokens)
        if len(enc.ids) != n:
            raise ValueError(
                f"tokens: the text makes {len(enc.ids)} tokens, but the cache has {n} positions"
            )
        return tokens, enc.tokens, enc.offsets, meta
    seq = list(to_numpy(tokens, "tokens").ravel()) if hasattr(tokens, "shape") else list(tokens)
    if len(seq) != n:
        raise ValueError(f"tokens: expected {n} tokens (the cache's positions), got {len(seq)}")
    if all(isinstance(t, str) for t in seq):
        pieces = list(seq)
    elif all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) for t in seq):
        if tok is None:
            raise ValueError(
                "tokens: ids need the model's tokenizer, and this cache's model has none; "
                "pass tokenizer=... or the token strings"
            )
        pieces = [tok.decode([int(t)]) for t in seq]
    else:
        raise TypeError("tokens: expected a str, a list of str, ids, or None")
    ends = np.cumsum([len(p) for p in pieces])
    offsets = np.stack([ends - [len(p) for p in pieces], ends], axis=1).astype(np.int64)
    text = "".join(pieces)
    if not text:
        raise ValueError("tokens: every token is empty; pass the text instead")
    return text, pieces, offsets, meta
