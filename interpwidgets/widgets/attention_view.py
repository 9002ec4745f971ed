"""AttentionView: head view, model view, matrix, head summary and rollout of one attention stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets

from .. import attention as A
from .. import codec
from ..trace.core import Trace
from .base import Widget

VIEWS = ("head", "model", "matrix", "summary", "rollout")
#: An exported page holds every layer when they fit in this many bytes (uint8), else the current one.
EXPORT_BUDGET = 48_000_000


class AttentionView(Widget):
    """Every attention head of a model on one input, in five linked views.

    Args:
        trace_or_attention: a :class:`~interpwidgets.Trace` with ``attention``, or an array
            ``(layers, heads, n, n)`` (then pass ``tokens``).
        tokens: token strings, when an array is given (default: the trace's tokens).
        layer, head: the selected layer/head (indices into the shown layers/heads).
        view: ``"head"`` (bertviz-style lines), ``"model"`` (layers × heads grid),
            ``"matrix"`` (one head's query × key heatmap), ``"summary"`` (per-head measures,
            Clark et al. 2019) or ``"rollout"`` (Abnar & Zuidema 2020).
        heads: heads switched on in the head view (default all).
        include_layers, include_heads: show only these layers / heads (indices).
        sentence_b_start: token index where a second segment starts (drawn as a separator).
        title: an optional caption.

    Two-way traits: ``layer``, ``head``, ``heads``, ``token`` (-1 for none) and ``view``.
    Attention crosses to the browser as uint8 (about 0.4% of the largest weight per step),
    one layer at a time on demand. :meth:`save_html` embeds every shown layer when they fit
    in ``export_budget`` bytes, else only the current layer.
    """

    _bundle = "attention_view.js"

    tokens = traitlets.List().tag(sync=True)
    n_layers = traitlets.Int().tag(sync=True)
    n_heads = traitlets.Int().tag(sync=True)
    layer_labels = traitlets.List().tag(sync=True)
    head_labels = traitlets.List().tag(sync=True)
    layer = traitlets.Int(0).tag(sync=True)
    head = traitlets.Int(0).tag(sync=True)
    heads = traitlets.List().tag(sync=True)
    token = traitlets.Int(-1).tag(sync=True)
    view = traitlets.Unicode("head").tag(sync=True)
    sentence_b_start = traitlets.Int(-1).tag(sync=True)
    current = traitlets.Dict().tag(sync=True)
    thumbs = traitlets.Dict().tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)
    rollout = traitlets.Dict().tag(sync=True)
    notes = traitlets.List().tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        trace_or_attention: Trace | Any,
        tokens: Sequence[str] | None = None,
        layer: int = 0,
        head: int = 0,
        view: str = "head",
        heads: Sequence[int] | None = None,
        include_layers: Sequence[int] | None = None,
        include_heads: Sequence[int] | None = None,
        sentence_b_start: int | None = None,
        title: str = "",
        export_budget: int = EXPORT_BUDGET,
    ) -> None:
        if isinstance(trace_or_attention, Trace):
            if trace_or_attention.attention is None:
                raise ValueError(
                    "trace: has no attention; trace a Transformer (iw.trace(model, text, tokenizer=tok))"
                )
            stack = trace_or_attention.attention
            tokens = list(tokens) if tokens is not None else list(trace_or_attention.tokens)
            if sentence_b_start is None:
                sentence_b_start = trace_or_attention.meta.get("sentence_b_start")
        else:
            stack = A.check_stack(trace_or_attention)
            if tokens is None:
                raise ValueError(
                    "tokens: expected a list of token strings with an attention array, got None"
                )
        tokens = _check_tokens(tokens)
        stack = A.check_stack(stack, len(tokens))
        n_layers, n_heads = stack.shape[:2]
        keep_layers = _check_indices(include_layers, n_layers, "include_layers")
        keep_heads = _check_indices(include_heads, n_heads, "include_heads")
        self._stack = stack[keep_layers][:, keep_heads]
        self.export_budget = int(export_budget)
        notes = []
        deviation = A.row_sum_deviation(self._stack)
        if deviation > 1e-3:
            notes.append(
                f"Rows do not sum to 1 (largest deviation {deviation:.3g}): colours show raw weights."
            )
        if np.isnan(self._stack).any():
            notes.append("Some weights are missing (NaN); they are drawn as the missing colour.")
        L, H = self._stack.shape[:2]
        summary = A.head_summary(self._stack, tokens)
        super().__init__(
            tokens=tokens,
            n_layers=L,
            n_heads=H,
            layer_labels=[str(i) for i in keep_layers],
            head_labels=[str(i) for i in keep_heads],
            sentence_b_start=-1
            if sentence_b_start is None
            else _check_int(sentence_b_start, -1, len(tokens) - 1, "sentence_b_start"),
            thumbs=codec.encode(A.pool(self._stack, 32), "uint8"),
            summary={
                "measures": [
                    {"key": k, "label": A.MEASURES[k], "values": codec.encode(v, "float32")}
                    for k, v in summary.items()
                ]
            },
            rollout=codec.encode(A.rollout(self._stack), "float16"),
            notes=notes,
            title=title,
        )
        self.view = view
        self.layer = _check_int(layer, 0, L - 1, "layer")
        self.head = _check_int(head, 0, H - 1, "head")
        self.heads = (
            list(range(H)) if heads is None else [_check_int(h, 0, H - 1, "heads") for h in heads]
        )
        self._update_current()

    # -- traits ---------------------------------------------------------------------------
    @traitlets.validate("view")
    def _valid_view(self, proposal: dict[str, Any]) -> str:
        if proposal["value"] not in VIEWS:
            raise ValueError(f"view: expected one of {VIEWS}, got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.validate("layer")
    def _valid_layer(self, proposal: dict[str, Any]) -> int:
        return _check_int(proposal["value"], 0, self._stack.shape[0] - 1, "layer")

    @traitlets.validate("head")
    def _valid_head(self, proposal: dict[str, Any]) -> int:
        return _check_int(proposal["value"], 0, self._stack.shape[1] - 1, "head")

    @traitlets.validate("heads")
    def _valid_heads(self, proposal: dict[str, Any]) -> list[int]:
        return [_check_int(h, 0, self._stack.shape[1] - 1, "heads") for h in proposal["value"]]

    @traitlets.validate("token")
    def _valid_token(self, proposal: dict[str, Any]) -> int:
        return _check_int(
            proposal["value"], -1, len(self.tokens) - 1 if self.tokens else -1, "token"
        )

    @traitlets.observe("layer")
    def _on_layer(self, _change: dict[str, Any]) -> None:
        self._update_current()

    def _layer_data(self, layer: int) -> dict[str, Any]:
        return {"layer": layer, "values": codec.encode(self._stack[layer], "uint8")}

    def _update_current(self) -> None:
        if hasattr(self, "_stack"):
            self.current = self._layer_data(self.layer)

    @property
    def attention(self) -> np.ndarray:
        """The shown attention stack ``(layers, heads, query, key)``, float32."""
        return self._stack

    # -- data on demand -------------------------------------------------------------------
    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("kind") != "layer":
            raise ValueError(f"unknown request kind {body.get('kind')!r}")
        return self._layer_data(_check_int(body.get("layer"), 0, self._stack.shape[0] - 1, "layer"))

    def _export_requests(self) -> list[dict[str, Any]]:
        per_layer = self._stack[0].size
        layers = (
            range(self._stack.shape[0])
            if per_layer * self._stack.shape[0] <= self.export_budget
            else [self.layer]
        )
        return [{"kind": "layer", "layer": i} for i in layers]

    def _export_missing(self) -> str:
        return "This exported file holds only the layer that was selected when it was saved; export from the notebook with a larger export_budget to keep every layer."

    # -- static counterparts ----------------------------------------------------------------
    def figure(self, layer: int | None = None, head: int | None = None, **kwargs: Any):
        """One head's query × key matrix as a matplotlib figure."""
        from ..figures import attention_matrix_figure

        layer = self.layer if layer is None else layer
        head = self.head if head is None else head
        return attention_matrix_figure(
            self._stack[layer, head],
            self.tokens,
            title=f"layer {self.layer_labels[layer]} · head {self.head_labels[head]}",
            **kwargs,
        )

    def summary_figure(self, measure: str = "to_prev", **kwargs: Any):
        """The layers × heads grid of one head-summary measure as a matplotlib figure."""
        from ..figures import head_summary_figure

        if measure not in A.MEASURES:
            raise ValueError(f"measure: expected one of {list(A.MEASURES)}, got {measure!r}")
        values = A.head_summary(self._stack, self.tokens)[measure]
        return head_summary_figure(
            values, A.MEASURES[measure], self.layer_labels, self.head_labels, **kwargs
        )


def _check_int(value: Any, lo: int, hi: int, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{name}: expected an index in [{lo}, {hi}], got {value}")
    return int(value)


def _check_indices(values: Sequence[int] | None, n: int, name: str) -> list[int]:
    if values is None:
        return list(range(n))
    if isinstance(values, (int, np.integer)):
        values = [int(values)]
    out = [_check_int(v, 0, n - 1, name) for v in values]
    if not out:
        raise ValueError(f"{name}: expected at least one index, got an empty list")
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: expected distinct indices, got {list(values)}")
    return out


def _check_tokens(tokens: Any) -> list[str]:
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise TypeError(f"tokens: expected a list of str, got {type(tokens).__name__}")
    if not tokens:
        raise ValueError("tokens: expected at least one token, got an empty list")
    bad = [i for i, t in enumerate(tokens) if not isinstance(t, str)]
    if bad:
        raise TypeError(
            f"tokens: expected str items, got {type(tokens[bad[0]]).__name__} at index {bad[0]}"
        )
    return list(tokens)
