"""Hugging Face Transformers models: encoders (BERT…), decoders (GPT-2…), encoder-decoders
(BART, T5, Marian…), each with its fast tokenizer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import (
    Adapter,
    Encoding,
    check_max_length,
    special_offsets,
    token_labels,
    token_limit,
)


def is_hf(model: Any) -> bool:
    """A Transformers model: it has a ``config`` and a ``base_model_prefix``."""
    return hasattr(model, "config") and hasattr(model, "base_model_prefix")


def _check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name}: expected a non-empty str, got {value!r}")
    return value


class HFAdapter(Adapter):
    """A Transformers model and its tokenizer. ``kind`` is ``"hf-encoder"``,
    ``"hf-decoder"`` or ``"hf-encoder-decoder"``, read from the model's config."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        super().__init__(model, tokenizer)
        if tokenizer is None:
            raise ValueError(
                "tokenizer: expected the model's tokenizer (iw.trace(model, text, tokenizer=tok)), got None"
            )
        config = self.config
        if getattr(config, "is_encoder_decoder", False):
            self.kind = "hf-encoder-decoder"
        elif getattr(config, "is_decoder", False) or type(self.module).__name__.endswith(
            ("ForCausalLM", "LMHeadModel")
        ):
            self.kind = "hf-decoder"
        else:
            self.kind = "hf-encoder"

    # -- the wrapped module (nnsight's adapter wraps it differently) ----------------------
    @property
    def module(self) -> Any:
        """The ``torch.nn.Module`` that holds the weights."""
        return self.model

    @property
    def config(self) -> Any:
        return self.module.config

    @property
    def device(self) -> Any:
        return next(self.module.parameters()).device

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> Any:
        """One forward pass on a dict of input tensors (already on :attr:`device`)."""
        return self.module(**inputs, **kwargs)

    # -- tokenising: one rule for every caller -------------------------------------------
    def limit(self, max_length: int | None = None) -> int:
        """The most tokens one input may have (:func:`~interpwidgets.models.base.token_limit`)."""
        model_max = getattr(self.config, "max_position_embeddings", None)
        return token_limit(check_max_length(max_length), self.tokenizer, model_max)

    def _fast(self) -> None:
        if not getattr(self.tokenizer, "is_fast", False):
            raise ValueError(
                "tokenizer: character offsets need a fast tokenizer; load it with "
                "AutoTokenizer.from_pretrained(..., use_fast=True)"
            )

    def encode(
        self,
        text: str,
        max_length: int | None = None,
        text_pair: str | None = None,
        pair_separator: str = "\n",
    ) -> Encoding:
        """Ids, tokens and offsets of ``text`` (and ``text_pair``: then the offsets point into
        ``text + pair_separator + text_pair``), truncated to :meth:`limit` tokens."""
        text = _check_text(text, "text")
        if text_pair is not None:
            text_pair = _check_text(text_pair, "text_pair")
        if not isinstance(pair_separator, str):
            raise TypeError(f"pair_separator: expected a str, got {type(pair_separator).__name__}")
        self._fast()
        limit = self.limit(max_length)
        enc = self.tokenizer(
            text, text_pair, return_offsets_mapping=True, truncation=True, max_length=limit
        )
        n_full = len(self.tokenizer(text, text_pair, verbose=False)["input_ids"])
        ids = np.asarray(enc["input_ids"], dtype=np.int64)
        offsets = np.asarray(enc["offset_mapping"], dtype=np.int64).reshape(-1, 2)
        seq = enc.sequence_ids(0)
        special = np.array([s is None for s in seq], dtype=bool)
        joined, pair_start = text, None
        if text_pair is not None:
            second = np.array([s == 1 for s in seq], dtype=bool)
            offsets[second] += len(text) + len(pair_separator)
            joined = text + pair_separator + text_pair
            pair_start = int(np.argmax(second)) if second.any() else None
        offsets = special_offsets(offsets, special)
        tokens = self._labels(ids, offsets, special, joined)
        type_ids = enc.get("token_type_ids")
        return Encoding(
            joined,
            ids,
            tokens,
            offsets,
            special,
            n_full,
            limit,
            pair_start,
            None if type_ids is None else np.asarray(type_ids, dtype=np.int64),
        )

    def encode_target(self, text: str, limit: int, start: bool = True) -> Encoding:
        """The decoder's input of an encoder-decoder model (``text_target``), with the model's
        ``decoder_start_token_id`` first when ``start`` (as in training and generation)."""
        self._fast()
        dec = self.tokenizer(
            text_target=text, return_offsets_mapping=True, truncation=True, max_length=limit
        )
        ids = np.asarray(dec["input_ids"], dtype=np.int64)
        special = np.array([s is None for s in dec.sequence_ids(0)], dtype=bool)
        offsets = special_offsets(np.asarray(dec["offset_mapping"]).reshape(-1, 2), special)
        first = getattr(self.config, "decoder_start_token_id", None)
        if start and first is not None and (len(ids) == 0 or int(ids[0]) != int(first)):
            ids = np.concatenate([[int(first)], ids])[:limit]
            offsets = np.concatenate([np.zeros((1, 2), np.int64), offsets])[:limit]
            special = np.concatenate([[True], special])[:limit]
        tokens = self._labels(ids, offsets, special, text)
        return Encoding(text, ids, tokens, offsets, special, len(ids), limit)

    def _labels(self, ids: np.ndarray, offsets: np.ndarray, special: np.ndarray, text: str):
        """Token strings, from the text where the tokenizer lost it (:func:`token_labels`)."""
        tokens = self.tokenizer.convert_ids_to_tokens(ids.tolist())
        unk = getattr(self.tokenizer, "unk_token", None)
        return token_labels(tokens, offsets, special, text, unk)

    def batch(self, texts: Sequence[str], max_length: int | None = None) -> dict[str, Any]:
        """Padded torch tensors for ``texts`` (same truncation rule), plus
        ``"special_tokens_mask"`` (bool; special tokens and padding are not text)."""
        enc = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.limit(max_length),
            return_tensors="pt",
            return_special_tokens_mask=True,
        )
        enc["special_tokens_mask"] = enc["special_tokens_mask"].bool()
        return dict(enc)

    # -- names, outputs ------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        n: Any = getattr(self.config, "num_hidden_layers", None)
        if n is None:
            n = getattr(self.config, "num_layers", 0)
        return ["embed"] + [f"blocks.{k}.resid" for k in range(int(n))]

    def embedding_layer(self) -> Any:
        get = getattr(self.module, "get_input_embeddings", None)
        emb = get() if callable(get) else None
        if emb is None:
            raise ValueError(
                "model: found no embedding layer (tried model.get_input_embeddings()); attributions need one"
            )
        return emb

    def embeddings(self, ids: Any) -> Any:
        return self.embedding_layer()(ids)

    def class_labels(self) -> list[str]:
        """A classifier's class names (``config.id2label``; the index where it has none)."""
        id2label = getattr(self.config, "id2label", None) or {}
        n = int(getattr(self.config, "num_labels", len(id2label)) or len(id2label))
        return [str(id2label.get(i, i)) for i in range(n)]

    def pad_ids(self) -> tuple[int, int]:
        """``(pad id, mask id)``: the tokens perturbation baselines put in (mask falls back
        to pad, pad to 0)."""
        pad = self.tokenizer.pad_token_id
        pad = pad if pad is not None else 0
        mask = self.tokenizer.mask_token_id
        return pad, (mask if mask is not None else pad)

    def logits(self, text: str, max_length: int | None = None) -> np.ndarray:
        import torch

        enc = self.encode(text, max_length)
        ids = torch.as_tensor(enc.ids, device=self.device)[None]
        with torch.no_grad():
            out = self.forward({"input_ids": ids, "attention_mask": torch.ones_like(ids)})
        return out.logits[0].float().cpu().numpy()

    def trace(self, text: str, **options: Any):
        from ..trace.hf import trace_hf

        return trace_hf(self, text, **options)
