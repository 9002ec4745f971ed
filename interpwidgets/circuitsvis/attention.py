"""``circuitsvis.attention`` drop-ins: one layer's heads drawn by :class:`AttentionView`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..widgets.attention_view import AttentionView
from .render import (
    RenderedHTML,
    check_color,
    check_labels,
    check_number,
    check_tokens,
    check_values,
)

_SHAPE = "(heads, dest_tokens, src_tokens)"


def _heads(attention: Any, tokens: Any, name: str = "attention") -> tuple[np.ndarray, list[str]]:
    """circuitsvis's attention (heads × dest × src; one 2-D pattern is one head) and tokens."""
    toks = check_tokens(tokens)
    arr = check_values(attention, name, (2, 3, 4), _SHAPE)
    if arr.ndim == 4:
        raise ValueError(
            f"{name}: expected shape {_SHAPE}, got {tuple(arr.shape)}; for a batch "
            "(e.g. a TransformerLens cache['pattern', layer]) pass one example: attention[0]"
        )
    if arr.ndim == 2:
        arr = arr[None]
    _, nd, ns = arr.shape
    if nd != ns:
        raise ValueError(
            f"{name}: expected square attention (dest_tokens == src_tokens), got {nd} × {ns}"
        )
    if nd != len(toks):
        raise ValueError(f"tokens: attention has {nd} positions but {len(toks)} tokens were given")
    return arr, toks


def _view(
    stack: np.ndarray, tokens: list[str], view: str, head_labels: list[str] | None = None
) -> AttentionView:
    return AttentionView(
        groups=[
            {"name": "", "attention": stack[None], "tokens": tokens, "head_labels": head_labels}
        ],
        view=view,
    )


def _mask(stack: np.ndarray, mask_upper_tri: Any) -> np.ndarray:
    if mask_upper_tri is None:
        mask_upper_tri = True  # circuitsvis's default (causal attention)
    if not isinstance(mask_upper_tri, (bool, np.bool_)):
        raise TypeError(
            f"mask_upper_tri: expected True, False or None, got {type(mask_upper_tri).__name__}"
        )
    if not mask_upper_tri:
        return stack
    n = stack.shape[-1]
    return np.where(np.triu(np.ones((n, n), dtype=bool), k=1), np.float32(0), stack)


def _colours(max_value: Any, min_value: Any, negative_color: Any, positive_color: Any) -> None:
    lo, hi = check_number(min_value, "min_value"), check_number(max_value, "max_value")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"min_value: expected at most max_value={hi}, got {lo}")
    check_color(negative_color, "negative_color")
    check_color(positive_color, "positive_color")


def attention_heads(
    attention: Any,
    tokens: list[str],
    attention_head_names: list[str] | None = None,
    max_value: float | None = None,
    min_value: float | None = None,
    negative_color: str | None = None,
    positive_color: str | None = None,
    mask_upper_tri: bool | None = None,
) -> RenderedHTML:
    """``circuitsvis.attention.attention_heads``: a small heatmap per head; click one to zoom.

    Args:
        attention: ``(heads, dest_tokens, src_tokens)`` (torch, numpy or nested lists); one
            ``(dest, src)`` pattern counts as one head.
        tokens: one str per position.
        attention_head_names: a name per head (default ``"0"``, ``"1"``, …).
        mask_upper_tri: blank (zero) the upper triangle, as for causal attention; circuitsvis's
            default ``None`` means True.
        max_value, min_value, negative_color, positive_color: checked and accepted; the
            heatmaps use the project's sequential scale from 0 to each head's largest weight.

    Opens on the heads grid (AttentionView's model view); a click opens one head's matrix.
    """
    stack, toks = _heads(attention, tokens)
    names = check_labels(attention_head_names, stack.shape[0], "attention_head_names", "attention")
    _colours(max_value, min_value, negative_color, positive_color)
    return RenderedHTML(_view(_mask(stack, mask_upper_tri), toks, "model", names), height=720)


def attention_patterns(tokens: list[str], attention: Any) -> RenderedHTML:
    """``circuitsvis.attention.attention_patterns`` (deprecated there in favour of
    :func:`attention_heads`): every head of one layer, ``attention`` of shape
    ``(heads, dest_tokens, src_tokens)``.

    Opens on AttentionView's head view: hover a token to see where it attends in each head
    (circuitsvis's token colouring by the focused token), the heads grid a tab away.
    """
    stack, toks = _heads(attention, tokens)
    return RenderedHTML(_view(stack, toks, "head"), height=720)


def attention_pattern(
    tokens: list[str],
    attention: Any,
    max_value: float | None = None,
    min_value: float | None = None,
    negative_color: str | None = None,
    show_axis_labels: bool | None = None,
    positive_color: str | None = None,
    mask_upper_tri: bool | None = None,
) -> RenderedHTML:
    """``circuitsvis.attention.attention_pattern``: one head's ``(dest_tokens, src_tokens)``
    heatmap (AttentionView's matrix view). Colour arguments as in :func:`attention_heads`;
    ``show_axis_labels`` is accepted (the matrix always labels its tokens)."""
    stack, toks = _heads(attention, tokens)
    if stack.shape[0] != 1:
        raise ValueError(
            f"attention: expected one head (dest_tokens, src_tokens), got shape {tuple(stack.shape)}; "
            "use attention_heads for several"
        )
    _colours(max_value, min_value, negative_color, positive_color)
    if show_axis_labels is not None and not isinstance(show_axis_labels, (bool, np.bool_)):
        raise TypeError(
            f"show_axis_labels: expected True, False or None, got {type(show_axis_labels).__name__}"
        )
    return RenderedHTML(_view(_mask(stack, mask_upper_tri), toks, "matrix"), height=720)
