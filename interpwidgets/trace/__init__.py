"""Compute: model + text → :class:`Trace`. Never imports widgets."""

from __future__ import annotations

from typing import Any

from .core import Trace


def trace(model: Any, text: str, tokenizer: Any = None, **options: Any) -> Trace:
    """Run ``model`` on ``text`` and record what it computed, as a :class:`Trace`.

    Supported now: character models built around ``torch.nn.LSTM``/``GRU``/``RNN``
    (embedding → recurrent → linear), such as ``iw.zoo.char_lstm()`` — options in
    :func:`interpwidgets.trace.rnn.trace_rnn` (``vocab``, ``unk_index``, ``chunk_size``,
    ``gates``, ``top_k``, ``progress``) — and the character Transformer
    ``iw.zoo.char_transformer()`` (:func:`interpwidgets.trace.transformer.trace_char_transformer`),
    and any Hugging Face encoder or decoder with its ``tokenizer``
    (:func:`interpwidgets.trace.hf.trace_hf`: tokens with offsets, attention, hidden states).
    """
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is optional for the widgets
        raise TypeError(
            "model: tracing a model needs torch (pip install 'interpwidgets[torch]')"
        ) from None
    if tokenizer is not None and isinstance(model, torch.nn.Module) and not _is_hf(model):
        raise TypeError(
            f"model: a tokenizer was given but {type(model).__name__} is not a Hugging Face model "
            "(no .config / .base_model_prefix); character models take no tokenizer"
        )
    if tokenizer is not None or _is_hf(model):
        from .hf import trace_hf

        return trace_hf(model, text, tokenizer, **options)
    if isinstance(model, torch.nn.Module):
        from ..zoo.transformer import CharTransformer
        from .rnn import RECURRENT, trace_rnn

        if isinstance(model, CharTransformer):
            from .transformer import trace_char_transformer

            return trace_char_transformer(model, text, **options)
        if any(isinstance(m, RECURRENT) for m in model.modules()):
            return trace_rnn(model, text, **options)
        raise ValueError(
            f"model: {type(model).__name__} has no nn.LSTM/nn.GRU/nn.RNN; only recurrent character models can be traced so far"
        )
    raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")


def _is_hf(model: Any) -> bool:
    return hasattr(model, "config") and hasattr(model, "base_model_prefix")


__all__ = ["Trace", "trace"]
