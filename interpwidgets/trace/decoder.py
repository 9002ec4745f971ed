"""The decoder side of an encoder-decoder trace (BART, T5, Marian…), as typed fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..arrays import check_stack, to_numpy
from ..strings import check_unicode, check_unicode_items


@dataclass
class Decoder:
    """What the decoder of an encoder-decoder model did (teacher-forced on ``text``).

    Attributes:
        text: the decoder's input text.
        tokens: one string per decoder position (the start token first, when used).
        offsets: ``int64 (n_dec, 2)`` into ``text``; ``[0, 0]`` for special tokens.
        attention: ``float32 (layers, heads, n_dec, n_dec)``, causal self-attention, or ``None``.
        cross_attention: ``float32 (layers, heads, n_dec, n_enc)``: decoder queries over the
            encoder's tokens (the trace's ``tokens``), or ``None``.
        hidden_states: ``float32 (layers + 1, n_dec, d_model)`` or ``None``.
    """

    text: str
    tokens: list[str]
    offsets: np.ndarray
    attention: np.ndarray | None = None
    cross_attention: np.ndarray | None = None
    hidden_states: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"decoder.text: expected a str, got {type(self.text).__name__}")
        if isinstance(self.tokens, str) or not isinstance(self.tokens, Sequence):
            raise TypeError(
                f"decoder.tokens: expected a list of str, got {type(self.tokens).__name__}"
            )
        self.tokens = list(self.tokens)
        if not self.tokens or not all(isinstance(t, str) for t in self.tokens):
            raise ValueError("decoder.tokens: expected a non-empty list of str")
        check_unicode(self.text, "decoder.text")
        check_unicode_items(self.tokens, "decoder.tokens")
        n = len(self.tokens)
        off = to_numpy(self.offsets, "decoder.offsets")
        if off.shape != (n, 2):
            raise ValueError(f"decoder.offsets: expected shape ({n}, 2), got {tuple(off.shape)}")
        self.offsets = off.astype(np.int64)
        if self.attention is not None:
            self.attention = check_stack(self.attention, n, "decoder.attention")
        if self.hidden_states is not None:
            hs = to_numpy(self.hidden_states, "decoder.hidden_states").astype(np.float32)
            if hs.ndim != 3 or hs.shape[1] != n:
                raise ValueError(
                    f"decoder.hidden_states: expected shape (layers + 1, {n}, d_model), got {tuple(hs.shape)}"
                )
            self.hidden_states = hs

    def check_cross(self, n_encoder: int) -> None:
        """Validate ``cross_attention`` against the encoder's token count."""
        if self.cross_attention is not None:
            self.cross_attention = check_stack(
                self.cross_attention, len(self.tokens), "decoder.cross_attention", n_keys=n_encoder
            )

    def __repr__(self) -> str:
        parts = [f"{len(self.tokens)} tokens"]
        for name in ("attention", "cross_attention", "hidden_states"):
            value: Any = getattr(self, name)
            if value is not None:
                parts.append(f"{name}{tuple(value.shape)}")
        return f"Decoder({', '.join(parts)})"
