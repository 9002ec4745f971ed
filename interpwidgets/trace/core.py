"""``Trace``: the framework-free record every widget reads.

A trace holds the original ``text``, its ``tokens`` with ``offsets`` (``[start, end)`` in
Python string indices, i.e. code points), and named arrays. Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arrays import Checked, check_stack, owned, to_numpy
from ..i18n import t
from ..strings import check_unicode, check_unicode_items
from .decoder import Decoder


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not text:
        raise ValueError("text: expected a non-empty str, got ''")
    return check_unicode(text, "text")


def _offsets_from_tokens(text: str, tokens: Sequence[str]) -> np.ndarray:
    """Find each token in ``text`` left to right (tokens must appear in order)."""
    out = np.zeros((len(tokens), 2), dtype=np.int64)
    cursor = 0
    for i, tok in enumerate(tokens):
        if not isinstance(tok, str):
            raise TypeError(f"tokens: expected str items, got {type(tok).__name__} at index {i}")
        if tok == "":
            out[i] = (cursor, cursor)
            continue
        pos = text.find(tok, cursor)
        if pos < 0:
            raise ValueError(
                f"offsets: tokens[{i}]={tok!r} was not found in text after character {cursor}; "
                "pass offsets=[(start, end), ...] for tokens that are not substrings of the text"
            )
        out[i] = (pos, pos + len(tok))
        cursor = pos + len(tok)
    return out


def _check_offsets(offsets: Any, text: str, n_tokens: int) -> np.ndarray:
    arr = to_numpy(offsets, "offsets")
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] != n_tokens:
        raise ValueError(f"offsets: expected shape ({n_tokens}, 2), got {tuple(arr.shape)}")
    if arr.dtype.kind == "f" and not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
        raise TypeError("offsets: expected integer character positions, got non-integer floats")
    arr = arr.astype(np.int64)
    bad = np.nonzero((arr[:, 0] < 0) | (arr[:, 1] < arr[:, 0]) | (arr[:, 1] > len(text)))[0]
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"offsets: expected 0 <= start <= end <= len(text)={len(text)} for every token, "
            f"got ({arr[i, 0]}, {arr[i, 1]}) at index {i}"
        )
    return arr


def _check_array(name: str, value: Any, n_tokens: int) -> np.ndarray:
    if isinstance(value, Checked):  # checked by what made it (a trace's store): kept as it is
        if value.array.shape[0] != n_tokens:
            raise ValueError(
                f"activations[{name!r}]: expected {n_tokens} rows (one per token), got shape {tuple(value.array.shape)}"
            )
        return value.array
    arr = to_numpy(value, f"activations[{name!r}]")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"activations[{name!r}]: expected shape (n_tokens={n_tokens}, n_units), got {tuple(arr.shape)}"
        )
    if arr.shape[0] != n_tokens:
        raise ValueError(
            f"activations[{name!r}]: expected {n_tokens} rows (one per token), got shape {tuple(arr.shape)}"
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"activations[{name!r}]: expected at least one unit, got shape {tuple(arr.shape)}"
        )
    arr = owned(arr.astype(np.float32, copy=False), value)  # never the caller's buffer
    if np.isinf(arr).any():
        raise ValueError(
            f"activations[{name!r}]: infinite values are not allowed (NaN marks a missing value)"
        )
    return arr


def _all_str(items: Any) -> bool:
    """Whether every item is a str (the distinct types checked, not each of a million items)."""
    return all(issubclass(kind, str) for kind in set(map(type, items)))


def _check_predictions(value: Any, n_tokens: int) -> dict[str, np.ndarray]:
    if not isinstance(value, Mapping) or set(value) != {"tokens", "probs"}:
        got = sorted(value) if isinstance(value, Mapping) else type(value).__name__
        raise TypeError(f"predictions: expected a dict with keys 'tokens' and 'probs', got {got}")
    probs = to_numpy(value["probs"], "predictions['probs']").astype(np.float32)
    if probs.ndim != 2 or probs.shape[0] != n_tokens:
        raise ValueError(
            f"predictions['probs']: expected shape ({n_tokens}, k), got {tuple(probs.shape)}"
        )
    if not (np.isfinite(probs).all() and (probs >= 0).all() and (probs <= 1 + 1e-6).all()):
        raise ValueError(
            "predictions['probs']: expected probabilities in [0, 1], got values outside or NaN"
        )
    tokens = np.asarray(value["tokens"], dtype=object)
    if tokens.shape != probs.shape:
        raise ValueError(
            f"predictions['tokens']: expected shape {tuple(probs.shape)} like probs, got {tuple(tokens.shape)}"
        )
    if not _all_str(tokens.ravel()):
        raise TypeError("predictions['tokens']: expected strings")
    check_unicode_items(tokens.ravel(), "predictions['tokens']")
    return {"tokens": tokens, "probs": probs}


def resolve_layer(
    names: Sequence[str], layer: Any, where: str, missing: type[Exception] = KeyError
) -> str:
    """A layer given as name, index or ``None`` (the first) → its name in ``names``; errors
    name the argument (``missing`` is raised for a name that is not there)."""
    if layer is None:
        return names[0]
    if isinstance(layer, (bool, np.bool_)):
        raise TypeError(f"layer: expected a name or index, got {layer!r}")
    if isinstance(layer, (int, np.integer)):
        if not -len(names) <= int(layer) < len(names):
            raise ValueError(t("err.index", name="layer", lo=0, hi=len(names) - 1, got=layer))
        return names[int(layer)]
    if isinstance(layer, str):
        if layer not in names:
            raise missing(t("err.layer_missing", layer=repr(layer), where=where, names=list(names)))
        return layer
    raise TypeError(t("err.layer_type", got=type(layer).__name__))


@dataclass
class Trace:
    """What a model did on one text.

    Attributes:
        text: the original string, rendered exactly as written.
        tokens: one string per position.
        offsets: ``int64 (n_tokens, 2)``, ``[start, end)`` code-point offsets into ``text``.
        activations: name → ``float32 (n_tokens, n_units)``; names are plain strings such as
            ``"rnn.0.h"`` (hidden state of recurrent layer 0). A long trace of a character
            model may hold float16 arrays (``iw.trace(..., dtype="float16")``) and arrays
            memory-mapped from disk (``spill=``; one contiguous run per unit): numpy arrays
            either way (:mod:`interpwidgets.trace.store`).
        predictions: ``None`` or the model's top-k next-token guesses at each position:
            ``{"tokens": str array (n_tokens, k), "probs": float32 (n_tokens, k)}``, best first.
        attention: ``None`` or ``float32 (layers, heads, n_tokens, n_tokens)``, query × key.
            For an encoder-decoder model, the encoder's self-attention.
        decoder: ``None`` or, for an encoder-decoder model, the decoder's tokens, causal
            attention, cross attention over these ``tokens`` and hidden states
            (:class:`~interpwidgets.trace.decoder.Decoder`).
        meta: free-form information about the model and how the trace was made.
    """

    text: str
    tokens: list[str]
    offsets: np.ndarray
    activations: dict[str, np.ndarray] = field(default_factory=dict)
    predictions: dict[str, np.ndarray] | None = None
    attention: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    decoder: Decoder | None = None

    def __post_init__(self) -> None:
        self.text = _check_text(self.text)
        if isinstance(self.tokens, str) or not isinstance(self.tokens, Sequence):
            raise TypeError(f"tokens: expected a list of str, got {type(self.tokens).__name__}")
        self.tokens = list(self.tokens)
        if not self.tokens:
            raise ValueError("tokens: expected at least one token, got an empty list")
        if _all_str(self.tokens):
            check_unicode_items(self.tokens, "tokens")
        self.offsets = _check_offsets(self.offsets, self.text, len(self.tokens))
        if not isinstance(self.activations, Mapping):
            raise TypeError(
                f"activations: expected a dict of name -> array, got {type(self.activations).__name__}"
            )
        acts = {}
        for name, value in self.activations.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"activations: expected non-empty str names, got {name!r}")
            check_unicode(name, "activations (a layer name)")
            acts[name] = _check_array(name, value, len(self.tokens))
        self.activations = acts
        if self.predictions is not None:
            self.predictions = _check_predictions(self.predictions, len(self.tokens))
        if self.attention is not None:
            self.attention = check_stack(self.attention, len(self.tokens))
        if self.decoder is not None:
            if not isinstance(self.decoder, Decoder):
                raise TypeError(
                    f"decoder: expected an interpwidgets.trace.decoder.Decoder, got {type(self.decoder).__name__}"
                )
            self.decoder.check_cross(len(self.tokens))

    @classmethod
    def from_arrays(
        cls,
        text: str,
        arrays: Mapping[str, Any],
        tokens: Sequence[str] | None = None,
        offsets: Any = None,
        predictions: Mapping[str, Any] | None = None,
        attention: Any = None,
        decoder: Decoder | None = None,
        **meta: Any,
    ) -> Trace:
        """Build a trace from plain arrays (numpy, torch, JAX…), one row per token.

        With neither ``tokens`` nor ``offsets``, every character is a token. With ``tokens``
        only, each token is looked up in ``text`` left to right. 1-D arrays count as one unit.
        ``predictions``: ``{"tokens": (n_tokens, k) strings, "probs": (n_tokens, k)}``.
        """
        text = _check_text(text)
        if tokens is None and offsets is None:
            tokens = list(text)
            offsets = np.stack([np.arange(len(text)), np.arange(1, len(text) + 1)], axis=1)
        elif tokens is None:
            raw = to_numpy(offsets, "offsets")
            if raw.ndim != 2 or raw.shape[1] != 2:
                raise ValueError(f"offsets: expected shape (n_tokens, 2), got {tuple(raw.shape)}")
            off = _check_offsets(raw, text, raw.shape[0])
            tokens = [text[s:e] for s, e in off]
        elif offsets is None:
            if isinstance(tokens, str):
                raise TypeError("tokens: expected a list of str, got a single str")
            if not isinstance(tokens, Sequence):
                raise TypeError(f"tokens: expected a list of str, got {type(tokens).__name__}")
            offsets = _offsets_from_tokens(text, list(tokens))
        if not isinstance(arrays, Mapping):
            raise TypeError(
                f"arrays: expected a dict of name -> array, got {type(arrays).__name__}"
            )
        if not arrays:
            raise ValueError("arrays: expected at least one named array, got an empty dict")
        return cls(
            text=text,
            tokens=list(tokens) if isinstance(tokens, Sequence) else tokens,  # checked there
            offsets=offsets,
            activations=dict(arrays),
            predictions=dict(predictions) if isinstance(predictions, Mapping) else predictions,
            attention=attention,
            meta=dict(meta),
            decoder=decoder,
        )

    @classmethod
    def from_cache(
        cls,
        cache: Any,
        tokens: Any = None,
        tokenizer: Any = None,
        index: int = 0,
        names: Sequence[str] | None = None,
    ) -> Trace:
        """A trace from a cache another library recorded: a TransformerLens
        ``ActivationCache`` (layer names are the hook names; attention from the
        ``hook_pattern`` hooks), nnsight's ``tracer.cache()`` (names are module paths) or a
        dict of name → ``(n_tokens, …)`` arrays (see :mod:`interpwidgets.models.caches`).

        ``tokens``: the input text (tokenised with the model's tokenizer, or ``tokenizer``),
        the ids, or the token strings; ``None`` labels positions ``[0]``, ``[1]``… (a model
        without a tokenizer). ``index`` picks the batch item; ``names`` keeps only those
        entries.
        """
        from ..models.caches import cache_tokens, read_cache

        arrays, attention, kind = read_cache(cache, index, names)
        if arrays:
            n = next(iter(arrays.values())).shape[0]
        else:
            assert attention is not None  # read_cache returns arrays, attention or both
            n = attention.shape[-1]
        text, toks, offsets, meta = cache_tokens(cache, tokens, tokenizer, n)
        if not arrays:
            arrays = {"attention.entropy": np.zeros((n, 1), np.float32)}
        return cls.from_arrays(
            text, arrays, tokens=toks, offsets=offsets, attention=attention, source=kind, **meta
        )

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def names(self) -> list[str]:
        """Names of the activation arrays, in insertion order."""
        return list(self.activations)

    def resolve(self, layer: str | int | None) -> str:
        """Turn a layer given as name, index or ``None`` (the first) into a name."""
        if not self.names:
            raise ValueError("trace: has no activations to show")
        return resolve_layer(self.names, layer, "this trace")

    def __repr__(self) -> str:
        arrays = ", ".join(f"{k}: {v.shape[1]}" for k, v in self.activations.items())
        preview = self.text[:40] + ("…" if len(self.text) > 40 else "")
        return f"Trace({self.n_tokens} tokens, text={preview!r}, activations={{{arrays}}})"
