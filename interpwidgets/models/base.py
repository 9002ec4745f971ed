"""What every model adapter offers, and the one truncation rule.

An adapter wraps one model (and its tokenizer) of one family and answers everything the
rest of the package asks about it: how a text becomes ids, tokens, character offsets and a
special-token mask (:meth:`Adapter.encode`), which activations exist under which names
(:meth:`Adapter.layer_names`), and the whole record of one run (:meth:`Adapter.trace`).
Nothing outside ``interpwidgets.models`` looks at a model's type.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Tokenizers report this (or more) as ``model_max_length`` when they have no limit.
_NO_LIMIT = 1_000_000


@dataclass
class Encoding:
    """One text as the model reads it.

    Attributes:
        text: the string the offsets point into.
        ids: ``int64 (n,)`` input ids.
        tokens: one string per id.
        offsets: ``int64 (n, 2)``, ``[start, end)`` code-point offsets into ``text``
            (``[0, 0]`` for special tokens, which cover no text).
        special: ``bool (n,)``, True for special tokens ([CLS], <s>, BOS…).
        n_full: how many ids the whole text makes before truncation.
        limit: the most ids the model reads (see :func:`token_limit`).
        pair_start: with a text pair, the index of the second text's first token.
        type_ids: ``int64 (n,)`` segment ids where the tokenizer makes them (BERT), else ``None``.
    """

    text: str
    ids: np.ndarray
    tokens: list[str]
    offsets: np.ndarray
    special: np.ndarray
    n_full: int
    limit: int
    pair_start: int | None = None
    type_ids: np.ndarray | None = None

    @property
    def truncated(self) -> str | None:
        """A sentence saying what was cut, or ``None`` when the whole text fits."""
        if self.n_full <= len(self.ids):
            return None
        return (
            f"input truncated to {len(self.ids)} of {self.n_full} tokens "
            f"(the model's maximum is {self.limit})"
        )


def check_max_length(max_length: Any) -> int | None:
    """``max_length`` as ``None`` or an int ≥ 2 (room for special tokens), else a named error."""
    if max_length is None:
        return None
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise TypeError(
            f"max_length: expected a positive int or None, got {type(max_length).__name__}"
        )
    if max_length < 2:
        raise ValueError(
            f"max_length: expected a positive int of at least 2 (room for the special tokens), got {max_length}"
        )
    return int(max_length)


def token_limit(max_length: int | None, tokenizer: Any, model_max: int | None) -> int:
    """The one truncation rule: ``min(max_length or the tokenizer's model_max_length or 512,
    the model's position limit)``. A tokenizer's "no limit" marker counts as none."""
    tok_max = getattr(tokenizer, "model_max_length", None)
    if tok_max is not None and tok_max >= _NO_LIMIT:
        tok_max = None
    limit = int(max_length or tok_max or 512)
    if model_max:
        limit = min(limit, int(model_max))
    return limit


class Adapter:
    """One model of one family. Subclasses set :attr:`kind` and implement the methods.

    Attributes:
        model: the wrapped model object (as the user passed it).
        tokenizer: its tokenizer, or ``None`` (character models).
    """

    #: Family name: ``"hf-encoder"``, ``"hf-decoder"``, ``"hf-encoder-decoder"``,
    #: ``"char-rnn"``, ``"char-transformer"``, ``"transformer-lens"``, ``"nnsight"``. A class
    #: default that an adapter may set per model in ``__init__`` (the HF adapters do).
    kind: str = ""

    def __init__(self, model: Any, tokenizer: Any = None) -> None:
        self.model = model
        self.tokenizer = tokenizer

    # -- what every family answers -------------------------------------------------------
    def encode(self, text: str, max_length: int | None = None) -> Encoding:
        """``text`` → :class:`Encoding` (ids, tokens, offsets, special mask, truncation)."""
        raise NotImplementedError

    def layer_names(self) -> list[str]:
        """Every activation array :meth:`trace` records, in its order."""
        raise NotImplementedError

    def trace(self, text: str, **options: Any):
        """Run the model on ``text`` and return a :class:`~interpwidgets.Trace`."""
        raise NotImplementedError

    def logits(self, text: str, max_length: int | None = None) -> np.ndarray:
        """The model's output scores: ``float32 (n_tokens, n_outputs)`` at every position for a
        language model, ``(n_classes,)`` for a classifier of the whole text."""
        raise NotImplementedError(f"{type(self).__name__}: gives no logits")

    def embeddings(self, ids: Any) -> Any:
        """The input embeddings of ``ids`` (a torch tensor; what attributions perturb)."""
        raise NotImplementedError(f"{type(self).__name__}: gives no input embeddings")

    def embedding_layer(self) -> Any:
        """The ``torch.nn.Module`` that maps ids to input embeddings (attributions hook it)."""
        raise NotImplementedError(f"{type(self).__name__}: has no input embedding layer")

    def output_effects(self, layers: list[str]) -> dict[str, dict[str, np.ndarray]]:
        """Each layer's direct path to the output scores, where one exists:
        ``name → {"weights": float32 (units, n_outputs), "tokens": object (n_outputs,)}``."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.model).__name__}, kind={self.kind!r})"


#: prefixes that mark where a token sits in a word, kept on a label taken from the text:
#: WordPiece's continuation "##", SentencePiece's word start "▁", byte-level BPE's space "Ġ"
_PIECE_PREFIXES = ("##", "\u2581", "\u0120")


def _fold(s: str) -> str:
    """``s`` without accents and case: what an uncased tokenizer's normaliser leaves."""
    decomposed = unicodedata.normalize("NFD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def token_labels(
    tokens: Sequence[str],
    offsets: np.ndarray,
    special: np.ndarray,
    text: str,
    unk_token: str | None = None,
) -> list[str]:
    """The string shown for each token: the tokenizer's own, except where it lost the text.

    A token that is the tokenizer's unknown token (``[UNK]`` for 电 in an English word-piece
    vocabulary) is labelled by the characters its offsets cover; one whose normaliser
    stripped accents (``cafe`` for café) by those characters too, keeping the piece's prefix
    (``##``, ``▁``, ``Ġ``). Lower-casing alone is kept as the model reads it (``the`` for
    "The"). Special tokens and tokens that cover no text keep their names. Every adapter's
    :class:`Encoding` gets its ``tokens`` from here.
    """
    out = list(tokens)
    special = np.asarray(special, dtype=bool)
    for k, tok in enumerate(out):
        s, e = (int(v) for v in offsets[k])
        if special[k] or e <= s:
            continue
        span = text[s:e]
        if unk_token is not None and tok == unk_token:
            out[k] = span
            continue
        prefix = next((p for p in _PIECE_PREFIXES if tok.startswith(p) and len(tok) > len(p)), "")
        core = tok[len(prefix) :]
        if core == span or core == span.casefold() or core.strip() == span.strip():
            continue
        if _fold(core) == _fold(span):
            out[k] = prefix + span
    return out


def special_offsets(offsets: np.ndarray, special: np.ndarray) -> np.ndarray:
    """Offsets with special tokens set to ``[0, 0]`` (they cover no text)."""
    out = np.asarray(offsets, dtype=np.int64).copy()
    out[np.asarray(special, dtype=bool)] = 0
    return out


def encode_fast(
    tokenizer: Any,
    text: str,
    limit: int | None = None,
    add_special_tokens: bool = True,
    prepend: int | None = None,
) -> Encoding:
    """``text`` through a fast tokenizer, with offsets: ``prepend`` (an id, e.g. BOS) goes
    first as a special token; ``limit`` truncates (the prepended id counts)."""
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            "tokenizer: character offsets need a fast tokenizer; load it with "
            "AutoTokenizer.from_pretrained(..., use_fast=True)"
        )
    enc = tokenizer(
        text,
        add_special_tokens=add_special_tokens,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        verbose=False,
    )
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    offsets = np.asarray(enc["offset_mapping"], dtype=np.int64).reshape(-1, 2)
    special = np.asarray(enc["special_tokens_mask"], dtype=bool)
    if prepend is not None:
        ids = np.concatenate([[int(prepend)], ids])
        offsets = np.concatenate([np.zeros((1, 2), np.int64), offsets])
        special = np.concatenate([[True], special])
    n_full = len(ids)
    lim = n_full if limit is None else int(limit)
    ids, offsets, special = ids[:lim], offsets[:lim], special[:lim]
    offsets = special_offsets(offsets, special)
    tokens = token_labels(
        tokenizer.convert_ids_to_tokens(ids.tolist()),
        offsets,
        special,
        text,
        getattr(tokenizer, "unk_token", None),
    )
    return Encoding(text, ids, tokens, offsets, special, n_full, lim)
