"""Traces of Hugging Face Transformers models: tokens with offsets, attention, hidden states."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch

from .core import Trace


@contextlib.contextmanager
def eager_attention(model: Any):
    """Switch ``model`` to eager attention (which returns weights) for the duration, then back."""
    config = getattr(model, "config", None)
    before = getattr(config, "_attn_implementation", None)
    if before in (None, "eager"):
        yield
        return
    if not hasattr(model, "set_attn_implementation"):
        raise ValueError(
            f"model: uses attn_implementation={before!r}, which returns no attention weights; "
            "load it with from_pretrained(..., attn_implementation='eager')"
        )
    try:
        model.set_attn_implementation("eager")
    except Exception as exc:  # pragma: no cover - depends on the architecture
        raise ValueError(
            f"model: could not switch attn_implementation={before!r} to 'eager' ({exc}); "
            "load it with from_pretrained(..., attn_implementation='eager')"
        ) from None
    try:
        yield
    finally:
        model.set_attn_implementation(before)


def _check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name}: expected a non-empty str, got {value!r}")
    return value


@torch.no_grad()
def trace_hf(
    model: Any,
    text: str,
    tokenizer: Any,
    text_pair: str | None = None,
    max_length: int | None = None,
    hidden_states: bool = True,
    pair_separator: str = "\n",
    decoder_text: str | None = None,
    decoder_start: bool = True,
) -> Trace:
    """Run a Hugging Face encoder or decoder on ``text`` and record attention and hidden states.

    Returns a :class:`Trace` whose ``attention`` is ``(layers, heads, n, n)`` and whose
    activations are ``embed`` and ``blocks.{k}.resid`` (hidden state after layer k). With
    ``text_pair`` the trace's text is ``text + pair_separator + text_pair``, offsets of the
    second segment point into it and ``meta["sentence_b_start"]`` is its first token. Texts
    longer than the model's maximum are truncated, and ``meta["truncated"]`` says so.
    Models loaded with SDPA/flash attention are switched to eager attention for the call.

    Encoder-decoder models (BART, T5, Marian…) need ``decoder_text``, the decoder's input
    (teacher forcing: e.g. a translation or summary). The trace is the encoder's: ``tokens``,
    ``offsets``, ``attention`` and activations belong to ``text``. The decoder goes into
    ``meta``:

    * ``"decoder_text"``: the decoder's text; ``"decoder_tokens"`` (list of str) and
      ``"decoder_offsets"`` (int64 ``(n_dec, 2)``, into ``decoder_text``; ``[0, 0]`` for
      special tokens). With ``decoder_start`` (default) the model's
      ``decoder_start_token_id`` is put first, as in training and generation.
    * ``"decoder_attention"``: float32 ``(layers, heads, n_dec, n_dec)``, causal.
    * ``"cross_attention"``: float32 ``(layers, heads, n_dec, n_enc)``: decoder queries
      attending to encoder keys; each row sums to 1.
    * ``"decoder_hidden_states"``: float32 ``(layers + 1, n_dec, d_model)`` (with
      ``hidden_states``).

    ``iw.AttentionView(trace)`` shows them as the groups Encoder, Decoder and Cross.
    """
    text = _check_text(text, "text")
    if text_pair is not None:
        text_pair = _check_text(text_pair, "text_pair")
    if not isinstance(pair_separator, str):
        raise TypeError(f"pair_separator: expected a str, got {type(pair_separator).__name__}")
    if not isinstance(hidden_states, bool):
        raise TypeError(f"hidden_states: expected a bool, got {type(hidden_states).__name__}")
    if max_length is not None:
        if isinstance(max_length, bool) or not isinstance(max_length, int):
            raise TypeError(
                f"max_length: expected a positive int or None, got {type(max_length).__name__}"
            )
        if max_length < 2:
            raise ValueError(
                f"max_length: expected a positive int of at least 2 (room for the special tokens), got {max_length}"
            )
    if tokenizer is None:
        raise ValueError(
            "tokenizer: expected the model's tokenizer (iw.trace(model, text, tokenizer=tok)), got None"
        )
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            "tokenizer: character offsets need a fast tokenizer; load it with AutoTokenizer.from_pretrained(..., use_fast=True)"
        )
    encoder_decoder = bool(getattr(getattr(model, "config", None), "is_encoder_decoder", False))
    if encoder_decoder and decoder_text is None:
        raise ValueError(
            "decoder_text: is required for encoder-decoder models (the decoder's input, e.g. the "
            "translation): iw.trace(model, text, tokenizer=tok, decoder_text='...')"
        )
    if decoder_text is not None:
        if not encoder_decoder:
            raise ValueError(
                f"decoder_text: is only for encoder-decoder models; {type(model).__name__} has no decoder input"
            )
        decoder_text = _check_text(decoder_text, "decoder_text")
    tok_max = getattr(tokenizer, "model_max_length", None)
    if tok_max is not None and tok_max > 1_000_000:
        tok_max = None  # transformers' "no limit" marker (VERY_LARGE_INTEGER)
    limit = max_length or tok_max or 512
    limit = min(int(limit), int(getattr(model.config, "max_position_embeddings", limit) or limit))
    enc = tokenizer(
        text,
        text_pair,
        return_offsets_mapping=True,
        return_tensors="pt",
        truncation=True,
        max_length=limit,
    )
    full = tokenizer(text, text_pair, add_special_tokens=True, verbose=False)["input_ids"]
    offsets = enc.pop("offset_mapping")[0].numpy().astype(np.int64)
    ids = enc["input_ids"][0]
    seq_ids = enc.sequence_ids(0)
    joined = text if text_pair is None else text + pair_separator + text_pair
    b_start = None
    if text_pair is not None:
        shift = len(text) + len(pair_separator)
        second = np.array([s == 1 for s in seq_ids])
        offsets[second] += shift
        b_start = int(np.argmax(second)) if second.any() else None
    special = np.array([s is None for s in seq_ids])
    offsets[special] = 0  # special tokens cover no text
    device = next(model.parameters()).device
    inputs = {k: v.to(device) for k, v in enc.items()}
    decoder_meta: dict[str, Any] = {}
    if decoder_text is not None:
        dec_ids, decoder_meta = _decoder_input(model, tokenizer, decoder_text, limit, decoder_start)
        inputs["decoder_input_ids"] = dec_ids.to(device)
    was_training = model.training
    model.eval()
    try:
        with eager_attention(model):
            out = model(**inputs, output_attentions=True, output_hidden_states=hidden_states)
    finally:
        model.train(was_training)
    if decoder_text is not None:
        decoder_meta.update(_decoder_outputs(out, hidden_states))
        attentions = getattr(out, "encoder_attentions", None)
        states = getattr(out, "encoder_hidden_states", None)
    else:
        attentions = getattr(out, "attentions", None)
        states = getattr(out, "hidden_states", None)
    if not attentions or attentions[0] is None:
        raise ValueError(
            "model: returned no attention weights; load it with attn_implementation='eager'"
        )
    attention = torch.stack([a[0] for a in attentions]).float().cpu().numpy()
    arrays: dict[str, np.ndarray] = {}
    if hidden_states and states:
        hs = states
        arrays["embed"] = hs[0][0].float().cpu().numpy()
        for k, h in enumerate(hs[1:]):
            arrays[f"blocks.{k}.resid"] = h[0].float().cpu().numpy()
    tokens = tokenizer.convert_ids_to_tokens(ids.tolist())
    meta: dict[str, Any] = {
        "model": type(model).__name__,
        "sentence_b_start": b_start,
        **decoder_meta,
    }
    if len(full) > len(ids):
        meta["truncated"] = (
            f"input truncated to {len(ids)} of {len(full)} tokens (the model's maximum is {limit})"
        )
    if not arrays:
        arrays["attention.entropy"] = np.zeros((len(tokens), 1), np.float32)
    return Trace.from_arrays(
        joined, arrays, tokens=tokens, offsets=offsets, attention=attention, **meta
    )


def _decoder_input(
    model: Any, tokenizer: Any, text: str, limit: int, start: bool
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The decoder's input ids (with the model's start token first) and their tokens/offsets."""
    dec = tokenizer(
        text_target=text,
        return_offsets_mapping=True,
        return_tensors="pt",
        truncation=True,
        max_length=limit,
    )
    ids = dec["input_ids"][0]
    offsets = dec["offset_mapping"][0].numpy().astype(np.int64)
    special = np.array([s is None for s in dec.sequence_ids(0)])
    offsets[special] = 0
    first = getattr(model.config, "decoder_start_token_id", None)
    if start and first is not None and (len(ids) == 0 or int(ids[0]) != int(first)):
        ids = torch.cat([torch.tensor([int(first)], dtype=ids.dtype), ids])[:limit]
        offsets = np.concatenate([np.zeros((1, 2), np.int64), offsets])[:limit]
    tokens = tokenizer.convert_ids_to_tokens(ids.tolist())
    meta = {"decoder_text": text, "decoder_tokens": tokens, "decoder_offsets": offsets}
    return ids[None], meta


def _decoder_outputs(out: Any, hidden_states: bool) -> dict[str, Any]:
    dec, cross = getattr(out, "decoder_attentions", None), getattr(out, "cross_attentions", None)
    if not dec or dec[0] is None or not cross or cross[0] is None:
        raise ValueError(
            "model: returned no decoder/cross attention weights; load it with attn_implementation='eager'"
        )

    def stack(xs: Any) -> np.ndarray:
        return torch.stack([a[0] for a in xs]).float().cpu().numpy()

    meta = {"decoder_attention": stack(dec), "cross_attention": stack(cross)}
    hs = getattr(out, "decoder_hidden_states", None)
    if hidden_states and hs:
        meta["decoder_hidden_states"] = stack(hs)
    return meta
