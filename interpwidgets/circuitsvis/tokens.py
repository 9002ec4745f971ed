"""``circuitsvis.tokens`` drop-in: tokens coloured by a value each, drawn by :class:`NeuronText`."""

from __future__ import annotations

from typing import Any

from ..widgets.neuron_text import NeuronText
from .render import (
    RenderedHTML,
    check_color,
    check_number,
    check_tokens,
    check_values,
    token_trace,
    vmax_of,
)


def colored_tokens(
    tokens: list[str],
    values: Any,
    min_value: float | None = None,
    max_value: float | None = None,
    negative_color: str | None = None,
    positive_color: str | None = None,
) -> RenderedHTML:
    """``circuitsvis.tokens.colored_tokens``: each token's background shows its value.

    Args:
        tokens: one str per token; the text shown is the tokens joined, each token coloured
            over its own characters (spaces and newlines as in the tokens).
        values: one number per token (torch, numpy or a list).
        min_value, max_value: ends of the colour scale (default the values' min and max);
            the scale is symmetric about 0, out to the larger of |min_value| and |max_value|.
        negative_color, positive_color: accepted for compatibility; the colours are the
            project's diverging scale (blue negative, red positive; grey for none).

    Hover a token to read its exact value.
    """
    toks = check_tokens(tokens)
    vals = check_values(values, "values", (1,), f"(n_tokens={len(toks)},)")
    if vals.shape[0] != len(toks):
        raise ValueError(
            f"values: expected one value per token ({len(toks)} tokens), got {vals.shape[0]}"
        )
    lo, hi = check_number(min_value, "min_value"), check_number(max_value, "max_value")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"min_value: expected at most max_value={hi}, got {lo}")
    check_color(negative_color, "negative_color")
    check_color(positive_color, "positive_color")
    trace = token_trace([toks], {"value": vals[:, None]})
    lines = trace.text.count("\n") + len(trace.text) // 100
    return RenderedHTML(
        NeuronText(trace, vmax=vmax_of(vals, lo, hi)), height=min(720, 160 + 24 * lines)
    )
