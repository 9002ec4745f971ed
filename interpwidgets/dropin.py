"""Drop-in replacements for ``bertviz.head_view`` and ``bertviz.model_view``.

Same arguments, same checks (with clearer messages), but the result is an
:class:`~interpwidgets.AttentionView`: binary data instead of JSON text, canvas instead of
one SVG line per token pair, no CDN — so it works offline and in exported HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .trace.core import to_numpy
from .widgets.attention_view import AttentionView


def format_special_chars(tokens: Sequence[str]) -> list[str]:
    """bertviz's prettifying: BPE ``Ġ`` and SentencePiece ``▁`` become spaces, ``</w>`` goes."""
    return [t.replace("Ġ", " ").replace("▁", " ").replace("</w>", "") for t in tokens]


def _index_list(values: Any, name: str) -> None:
    if values is not None and (
        isinstance(values, (str, bytes)) or not isinstance(values, Sequence)
    ):
        raise TypeError(f"{name}: expected a list of ints, got {type(values).__name__}")


def _stack(attention: Any, name: str, include_layers: Sequence[int] | None) -> np.ndarray:
    """bertviz's attention argument (a tuple/list of (1, heads, q, k) per layer) → (layers, heads, q, k)."""
    _index_list(include_layers, "include_layers")
    if isinstance(attention, (list, tuple)):
        if not attention:
            raise ValueError(
                f"{name}: expected one array per layer, got an empty {type(attention).__name__}"
            )
        layers = []
        for i, a in enumerate(attention):
            arr = to_numpy(a, f"{name}[{i}]")
            if arr.ndim != 4:
                raise ValueError(
                    f"{name}[{i}]: expected shape (batch=1, heads, query, key) per layer, got {tuple(arr.shape)}; "
                    "did you pass output_attentions=True?"
                )
            if arr.shape[0] != 1:
                raise ValueError(
                    f"{name}[{i}]: expected batch size 1, got {arr.shape[0]}; pass one example at a time"
                )
            layers.append(arr[0])
        shapes = {a.shape for a in layers}
        if len(shapes) > 1:
            raise ValueError(
                f"{name}: expected every layer to have the same shape, got {sorted(shapes)}"
            )
        stack = np.stack(layers)
    else:
        stack = to_numpy(attention, name)
        if stack.ndim == 5 and stack.shape[1] == 1:
            stack = stack[:, 0]
        if stack.ndim != 4:
            raise ValueError(
                f"{name}: expected a list of (1, heads, query, key) arrays, one per layer, got shape {tuple(stack.shape)}"
            )
    if include_layers is not None:
        bad = [
            i
            for i in include_layers
            if not isinstance(i, (int, np.integer)) or not 0 <= i < stack.shape[0]
        ]
        if bad:
            raise ValueError(
                f"include_layers: expected indices in [0, {stack.shape[0] - 1}], got {list(include_layers)}"
            )
    return stack


def _check_tokens(
    tokens: Any, n: int, name: str, prettify: bool, what: str = "attention has {n} positions"
) -> list[str]:
    if tokens is None:
        raise ValueError(f"{name}: is required with this attention")
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise TypeError(f"{name}: expected a list of str, got {type(tokens).__name__}")
    if len(tokens) != n:
        raise ValueError(f"{name}: {what.format(n=n)} but {len(tokens)} tokens were given")
    bad = [i for i, t in enumerate(tokens) if not isinstance(t, str)]
    if bad:
        raise TypeError(
            f"{name}: expected str items, got {type(tokens[bad[0]]).__name__} at index {bad[0]}"
        )
    return format_special_chars(tokens) if prettify else list(tokens)


def _square(stack: np.ndarray, name: str) -> None:
    if stack.shape[2] != stack.shape[3]:
        raise ValueError(
            f"{name}: expected square (query == key) self-attention, got {stack.shape[2]} × {stack.shape[3]}"
        )


def _encoder_decoder(
    prettify: bool,
    encoder_attention: Any,
    decoder_attention: Any,
    cross_attention: Any,
    encoder_tokens: Any,
    decoder_tokens: Any,
    include_layers: Sequence[int] | None,
) -> list[dict[str, Any]]:
    """bertviz's encoder-decoder groups, in its order: Encoder, Decoder, Cross."""
    groups = []
    for name, attention, tokens in (
        ("encoder", encoder_attention, encoder_tokens),
        ("decoder", decoder_attention, decoder_tokens),
    ):
        if attention is None:
            continue
        if tokens is None:
            raise ValueError(f"{name}_tokens: is required with {name}_attention")
        stack = _stack(attention, f"{name}_attention", include_layers)
        _square(stack, f"{name}_attention")
        toks = _check_tokens(
            tokens,
            stack.shape[2],
            f"{name}_tokens",
            prettify,
            f"{name}_attention has {{n}} positions",
        )
        groups.append(
            {
                "name": name.capitalize(),
                "_name_key": f"widget.attn_group_{name}",
                "attention": stack,
                "tokens": toks,
            }
        )
    if cross_attention is not None:
        if encoder_tokens is None:
            raise ValueError(
                "encoder_tokens: is required with cross_attention (the encoder tokens are its keys)"
            )
        if decoder_tokens is None:
            raise ValueError(
                "decoder_tokens: is required with cross_attention (the decoder tokens are its queries)"
            )
        stack = _stack(cross_attention, "cross_attention", include_layers)
        queries = _check_tokens(
            decoder_tokens,
            stack.shape[2],
            "decoder_tokens",
            prettify,
            "cross_attention has {n} query positions",
        )
        keys = _check_tokens(
            encoder_tokens,
            stack.shape[3],
            "encoder_tokens",
            prettify,
            "cross_attention has {n} key positions",
        )
        groups.append(
            {
                "name": "Cross",
                "_name_key": "widget.attn_group_cross",
                "attention": stack,
                "tokens": queries,
                "key_tokens": keys,
            }
        )
    return groups


def _build(
    attention: Any,
    tokens: Any,
    sentence_b_start: int | None,
    prettify_tokens: bool,
    encoder_attention: Any,
    decoder_attention: Any,
    cross_attention: Any,
    encoder_tokens: Any,
    decoder_tokens: Any,
    include_layers: Sequence[int] | None,
    include_heads: Sequence[int] | None,
    layer: int | None,
    heads: Sequence[int] | None,
    view: str,
) -> AttentionView:
    enc_dec = [
        a is not None
        for a in (
            encoder_attention,
            decoder_attention,
            cross_attention,
            encoder_tokens,
            decoder_tokens,
        )
    ]
    groups = None
    if attention is not None:
        if tokens is None:
            raise ValueError(
                "tokens: is required with attention (the token strings, one per position)"
            )
        if any(enc_dec):
            raise ValueError(
                "attention: is for self-attention models; do not combine it with encoder_attention, "
                "decoder_attention, cross_attention, encoder_tokens or decoder_tokens"
            )
        stack = _stack(attention, "attention", include_layers)
        _square(stack, "attention")
        toks = _check_tokens(tokens, stack.shape[2], "tokens", prettify_tokens)
        if sentence_b_start is not None and not (
            isinstance(sentence_b_start, (int, np.integer)) and 0 <= sentence_b_start < len(toks)
        ):
            raise ValueError(
                f"sentence_b_start: expected a token index in [0, {len(toks) - 1}], got {sentence_b_start!r}"
            )
        n_layers = stack.shape[0]
    elif any(a is not None for a in (encoder_attention, decoder_attention, cross_attention)):
        groups = _encoder_decoder(
            prettify_tokens,
            encoder_attention,
            decoder_attention,
            cross_attention,
            encoder_tokens,
            decoder_tokens,
            include_layers,
        )
        n_layers = groups[0]["attention"].shape[0]
    else:
        raise ValueError(
            "attention: you must give at least one of attention, encoder_attention, decoder_attention, cross_attention"
        )
    # bertviz: include_layers defaults to every layer of the first attention given
    kept = list(include_layers) if include_layers is not None else list(range(n_layers))
    if layer is not None and layer not in kept:
        raise ValueError(f"layer: {layer} is not in include_layers {kept}")
    common: dict[str, Any] = {
        "layer": kept.index(layer) if layer is not None else 0,
        "heads": heads,
        "view": view,
        "include_layers": include_layers,
        "include_heads": include_heads,
    }
    if groups is not None:
        return AttentionView(groups=groups, **common)
    return AttentionView(stack, tokens=toks, sentence_b_start=sentence_b_start, **common)


def _act(widget: AttentionView, html_action: str):
    if html_action == "view":
        from IPython.display import display

        display(widget)
        return None
    from IPython.display import HTML

    return HTML(widget.to_html())


def _check_action(html_action: Any) -> None:
    if html_action not in ("view", "return"):
        raise ValueError(f"html_action: expected 'view' or 'return', got {html_action!r}")


def head_view(
    attention: Any = None,
    tokens: Sequence[str] | None = None,
    sentence_b_start: int | None = None,
    prettify_tokens: bool = True,
    layer: int | None = None,
    heads: Sequence[int] | None = None,
    encoder_attention: Any = None,
    decoder_attention: Any = None,
    cross_attention: Any = None,
    encoder_tokens: Sequence[str] | None = None,
    decoder_tokens: Sequence[str] | None = None,
    include_layers: Sequence[int] | None = None,
    html_action: str = "view",
):
    """``bertviz.head_view`` with the same arguments, drawn by :class:`AttentionView`.

    ``html_action="view"`` displays the widget; ``"return"`` gives an
    ``IPython.display.HTML`` holding a self-contained page (no network).
    """
    _check_action(html_action)
    w = _build(
        attention,
        tokens,
        sentence_b_start,
        prettify_tokens,
        encoder_attention,
        decoder_attention,
        cross_attention,
        encoder_tokens,
        decoder_tokens,
        include_layers,
        None,
        layer,
        heads,
        "head",
    )
    return _act(w, html_action)


def model_view(
    attention: Any = None,
    tokens: Sequence[str] | None = None,
    sentence_b_start: int | None = None,
    prettify_tokens: bool = True,
    display_mode: str = "dark",
    encoder_attention: Any = None,
    decoder_attention: Any = None,
    cross_attention: Any = None,
    encoder_tokens: Sequence[str] | None = None,
    decoder_tokens: Sequence[str] | None = None,
    include_layers: Sequence[int] | None = None,
    include_heads: Sequence[int] | None = None,
    html_action: str = "view",
):
    """``bertviz.model_view`` with the same arguments, drawn by :class:`AttentionView`.

    ``display_mode`` (``"dark"``/``"light"``) is accepted for compatibility; the widget
    follows the notebook's theme.
    """
    _check_action(html_action)
    if display_mode not in ("dark", "light"):
        raise ValueError(f"display_mode: expected 'dark' or 'light', got {display_mode!r}")
    w = _build(
        attention,
        tokens,
        sentence_b_start,
        prettify_tokens,
        encoder_attention,
        decoder_attention,
        cross_attention,
        encoder_tokens,
        decoder_tokens,
        include_layers,
        include_heads,
        None,
        None,
        "model",
    )
    return _act(w, html_action)
