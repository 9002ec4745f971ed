"""Traces of Hugging Face Transformers models: tokens with offsets, attention, hidden states."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch

from .core import Trace
from .decoder import Decoder


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


@torch.no_grad()
def trace_hf(
    adapter: Any,
    text: str,
    text_pair: str | None = None,
    max_length: int | None = None,
    hidden_states: bool = True,
    pair_separator: str = "\n",
    decoder_text: str | None = None,
    decoder_start: bool = True,
    progress: bool | None = None,
) -> Trace:
    """Run a Hugging Face encoder or decoder on ``text`` and record attention and hidden states.

    ``adapter`` is the model's :class:`~interpwidgets.models.hf.HFAdapter` (``iw.trace``
    makes it); it tokenises (one truncation rule) and runs the forward pass. Returns a
    :class:`Trace` whose ``attention`` is ``(layers, heads, n, n)`` and whose activations are
    ``embed`` and ``blocks.{k}.resid`` (hidden state after layer k). With ``text_pair`` the
    trace's text is ``text + pair_separator + text_pair``, offsets of the second segment
    point into it and ``meta["sentence_b_start"]`` is its first token. Texts longer than the
    model's maximum are truncated, and ``meta["truncated"]`` says so. Models loaded with
    SDPA/flash attention are switched to eager attention for the call.

    Encoder-decoder models (BART, T5, Marian…) need ``decoder_text``, the decoder's input
    (teacher forcing: e.g. a translation or summary). The trace is the encoder's: ``tokens``,
    ``offsets``, ``attention`` and activations belong to ``text``; ``trace.decoder`` (a
    :class:`~interpwidgets.trace.decoder.Decoder`) holds the decoder's tokens and offsets
    (into ``decoder_text``; with ``decoder_start`` the model's ``decoder_start_token_id``
    first, as in training and generation), its causal ``attention``, its
    ``cross_attention`` ``(layers, heads, n_dec, n_enc)`` over the encoder's tokens and
    (with ``hidden_states``) its ``hidden_states`` ``(layers + 1, n_dec, d_model)``.
    ``iw.AttentionView(trace)`` shows them as the groups Encoder, Decoder and Cross.
    ``progress`` is accepted as every model family takes it; one forward pass shows none.
    """
    model = adapter.module
    if not isinstance(hidden_states, bool):
        raise TypeError(f"hidden_states: expected a bool, got {type(hidden_states).__name__}")
    encoder_decoder = adapter.kind == "hf-encoder-decoder"
    if encoder_decoder and decoder_text is None:
        raise ValueError(
            "decoder_text: is required for encoder-decoder models (the decoder's input, e.g. the "
            "translation): iw.trace(model, text, tokenizer=tok, decoder_text='...')"
        )
    enc = adapter.encode(text, max_length, text_pair, pair_separator)
    if decoder_text is not None:
        if not encoder_decoder:
            raise ValueError(
                f"decoder_text: is only for encoder-decoder models; {type(model).__name__} has no decoder input"
            )
        if not isinstance(decoder_text, str):
            raise TypeError(f"decoder_text: expected a str, got {type(decoder_text).__name__}")
        if not decoder_text.strip():
            raise ValueError(f"decoder_text: expected a non-empty str, got {decoder_text!r}")
    device = adapter.device
    ids = torch.as_tensor(enc.ids, device=device)[None]
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if enc.type_ids is not None:
        inputs["token_type_ids"] = torch.as_tensor(enc.type_ids, device=device)[None]
    dec = None
    if decoder_text is not None:
        dec = adapter.encode_target(decoder_text, enc.limit, decoder_start)
        inputs["decoder_input_ids"] = torch.as_tensor(dec.ids, device=device)[None]
    was_training = model.training
    model.eval()
    try:
        with eager_attention(model):
            out = adapter.forward(
                inputs, output_attentions=True, output_hidden_states=hidden_states
            )
    finally:
        model.train(was_training)
    decoder = None
    if dec is not None:
        decoder = _decoder_outputs(out, dec, hidden_states)
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
        names = ["embed"] + [f"blocks.{k}.resid" for k in range(len(states) - 1)]
        for name, h in zip(names, states, strict=True):
            arrays[name] = h[0].float().cpu().numpy()
    meta: dict[str, Any] = {
        "model": type(model).__name__,
        "kind": adapter.kind,
        "sentence_b_start": enc.pair_start,
    }
    if enc.truncated:
        meta["truncated"] = enc.truncated
    if not arrays:
        arrays["attention.entropy"] = np.zeros((len(enc.tokens), 1), np.float32)
    return Trace.from_arrays(
        enc.text,
        arrays,
        tokens=enc.tokens,
        offsets=enc.offsets,
        attention=attention,
        decoder=decoder,
        **meta,
    )


def _decoder_outputs(out: Any, dec: Any, hidden_states: bool) -> Decoder:
    attn, cross = getattr(out, "decoder_attentions", None), getattr(out, "cross_attentions", None)
    if not attn or attn[0] is None or not cross or cross[0] is None:
        raise ValueError(
            "model: returned no decoder/cross attention weights; load it with attn_implementation='eager'"
        )

    def stack(xs: Any) -> np.ndarray:
        return torch.stack([a[0] for a in xs]).float().cpu().numpy()

    hs = getattr(out, "decoder_hidden_states", None)
    return Decoder(
        text=dec.text,
        tokens=dec.tokens,
        offsets=dec.offsets,
        attention=stack(attn),
        cross_attention=stack(cross),
        hidden_states=stack(hs) if hidden_states and hs else None,
    )
