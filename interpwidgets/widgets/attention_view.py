"""AttentionView: head view, model view, matrix, head summary and rollout of one attention stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets

from .. import attention as A
from ..i18n import resolve, t
from ..trace.core import Trace
from .attention_groups import (
    _check_groups,
    _check_int,
    _encoder_decoder_groups,
    _Group,
    check_tokens,
    measure_label,
    pair_groups,
)
from .base import Widget, check_budget, check_title
from .traits import Data

VIEWS = ("head", "model", "matrix", "summary", "rollout")
#: The views that draw one layer of attention (the others draw from ``groups``).
LAYER_VIEWS = ("head", "matrix")
#: An exported page holds every layer when they fit in this many bytes (uint8), else the current one.
EXPORT_BUDGET = 48_000_000
#: A layer of attention travels as uint8 (one byte a weight, NaN marked).
LAYER_ARRAYS = {"values": "uint8"}
#: A group's thumbnails as uint8, its summary measures as float32, its rollout as float16.
GROUP_ARRAYS = {"thumbs": "uint8", "values": "float32", "rollout": "float16"}


class AttentionView(Widget):
    """Every attention head of a model on one input, in five linked views.

    Args:
        trace_or_attention: a :class:`~interpwidgets.Trace` with ``attention``, or an array
            ``(layers, heads, n, n)`` (then pass ``tokens``). A trace of an encoder-decoder
            model (``trace.decoder``: its attention and cross attention) gives the
            groups Encoder, Decoder and Cross.
        tokens: token strings, when an array is given (default: the trace's tokens).
        layer, head: the selected layer/head (indices into the shown layers/heads).
        view: ``"head"`` (bertviz-style lines), ``"model"`` (layers × heads grid),
            ``"matrix"`` (one head's query × key heatmap), ``"summary"`` (per-head measures,
            Clark et al. 2019) or ``"rollout"`` (Abnar & Zuidema 2020).
        heads: heads switched on in the head view (default all).
        include_layers, include_heads: show only these layers / heads (indices), in every group.
        sentence_b_start: token index where a second segment starts: drawn as a separator
            in the group "All", and (with ``sentence_groups``) bertviz's filters
            A→A, B→B, A→B, B→A become groups too.
        title: an optional caption.
        groups: instead of ``trace_or_attention``, several attention stacks to switch between:
            ``[{"name": str, "attention": (layers, heads, n_query, n_key), "tokens": query
            tokens, "key_tokens": key tokens (default: tokens), "sentence_b_start": int}, ...]``.
            Queries and keys may differ (cross attention).
        group: the selected group (index).

    Two-way traits: ``group``, ``layer``, ``head``, ``heads``, ``token`` (a query token, -1 for
    none) and ``view``. ``tokens``, ``key_tokens``, ``layer_labels``… describe the selected
    group; the ``groups`` trait holds every group's tokens, thumbnails, summary and rollout.
    Attention crosses to the browser as uint8 (about 0.4% of the largest weight per step),
    one layer of one group at a time on demand (``{"kind": "layer", "group": g, "layer": l}``).
    :meth:`save_html` embeds every layer of every group when they fit in ``export_budget``
    bytes, else the selected layers first and as many others as fit.
    """

    _bundle = "attention_view.js"
    _saved_on = ("group", "layer")
    _reply_arrays = {"layer": LAYER_ARRAYS}

    tokens: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    key_tokens: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    n_layers = traitlets.Int().tag(sync=True, output=True)
    n_heads = traitlets.Int().tag(sync=True, output=True)
    layer_labels: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    head_labels: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    groups = Data(arrays=GROUP_ARRAYS, default_value=[]).tag(output=True)
    group = traitlets.Int(0).tag(sync=True, browser=True)
    layer = traitlets.Int(0).tag(sync=True, browser=True)
    head = traitlets.Int(0).tag(sync=True, browser=True)
    heads: traitlets.List[int] = traitlets.List().tag(sync=True, browser=True)
    token = traitlets.Int(-1).tag(sync=True, browser=True)
    view = traitlets.Unicode("head").tag(sync=True, browser=True)
    sentence_b_start = traitlets.Int(-1).tag(sync=True, output=True)
    current = Data(arrays=LAYER_ARRAYS).tag(output=True)
    notes: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        trace_or_attention: Trace | Any = None,
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
        groups: Sequence[dict[str, Any]] | None = None,
        group: int = 0,
        sentence_groups: bool = True,
        locale: str | None = None,
    ) -> None:
        if groups is not None:
            if trace_or_attention is not None or tokens is not None:
                raise ValueError(
                    "groups: pass either groups or trace_or_attention (with tokens), not both"
                )
            built = _check_groups(groups)
        elif trace_or_attention is None:
            raise ValueError(
                "trace_or_attention: expected a Trace with attention, an attention array or groups=[...], got None"
            )
        else:
            built = self._from_single(trace_or_attention, tokens, sentence_b_start, sentence_groups)
        self._groups = [
            g.keep(include_layers, include_heads)
            if (include_layers is not None or include_heads is not None)
            else g
            for g in built
        ]
        self.export_budget = check_budget(export_budget)
        title = check_title(title)
        if view not in VIEWS:
            raise ValueError(t("err.one_of", name="view", choices=VIEWS, got=repr(view)))
        if heads is not None and (
            isinstance(heads, (str, bytes)) or not isinstance(heads, Sequence)
        ):
            raise TypeError(
                f"heads: expected a list of ints (head indices), got {type(heads).__name__}"
            )
        g0 = self._groups[_check_int(group, 0, len(self._groups) - 1, "group")]
        self._group_index = self._groups.index(g0)
        super().__init__(
            locale=locale,
            groups=[g.payload(resolve(locale)) for g in self._groups],
            title=title,
        )
        self.group = self._group_index
        self._apply_group()
        self.view = view
        L, H = g0.stack.shape[:2]
        self.layer = _check_int(layer, 0, L - 1, "layer")
        self.head = _check_int(head, 0, H - 1, "head")
        self.heads = (
            list(range(H)) if heads is None else [_check_int(h, 0, H - 1, "heads") for h in heads]
        )
        self._update_current()

    @staticmethod
    def _from_single(
        source: Any, tokens: Sequence[str] | None, sentence_b_start: Any, sentence_groups: bool
    ) -> list[_Group]:
        if isinstance(source, Trace):
            if source.attention is None:
                raise ValueError(
                    "trace: has no attention; trace a Transformer (iw.trace(model, text, tokenizer=tok))"
                )
            stack = source.attention
            tokens = list(tokens) if tokens is not None else list(source.tokens)
            meta = source.meta
            if sentence_b_start is None:
                sentence_b_start = meta.get("sentence_b_start")
            if source.decoder is not None:
                return _encoder_decoder_groups(stack, check_tokens(tokens), source.decoder)
        else:
            stack = A.check_stack(source)
            if tokens is None:
                raise ValueError(
                    "tokens: expected a list of token strings with an attention array, got None"
                )
        tokens = check_tokens(tokens)
        stack = A.check_stack(stack, len(tokens))
        sep = (
            -1
            if sentence_b_start is None
            else _check_int(sentence_b_start, -1, len(tokens) - 1, "sentence_b_start")
        )
        if sentence_groups:
            return pair_groups("", stack, tokens, sep)
        return [_Group("", stack, tokens, tokens, sep)]

    # -- traits ---------------------------------------------------------------------------
    @property
    def _g(self) -> _Group:
        return self._groups[self._group_index]

    @property
    def _stack(self) -> np.ndarray:
        return self._g.stack

    @traitlets.validate("group")
    def _valid_group(self, proposal: dict[str, Any]) -> int:
        return _check_int(proposal["value"], 0, len(self._groups) - 1, "group")

    @traitlets.validate("view")
    def _valid_view(self, proposal: dict[str, Any]) -> str:
        if proposal["value"] not in VIEWS:
            raise ValueError(
                t("err.one_of", name="view", choices=VIEWS, got=repr(proposal["value"]))
            )
        return proposal["value"]

    def _shape(self) -> tuple[int, ...]:
        # cross-validation runs after every trait of a message is set: read the group trait
        return self._groups[self.group if 0 <= self.group < len(self._groups) else 0].stack.shape

    @traitlets.validate("layer")
    def _valid_layer(self, proposal: dict[str, Any]) -> int:
        return _check_int(proposal["value"], 0, self._shape()[0] - 1, "layer")

    @traitlets.validate("head")
    def _valid_head(self, proposal: dict[str, Any]) -> int:
        return _check_int(proposal["value"], 0, self._shape()[1] - 1, "head")

    @traitlets.validate("heads")
    def _valid_heads(self, proposal: dict[str, Any]) -> list[int]:
        return [_check_int(h, 0, self._shape()[1] - 1, "heads") for h in proposal["value"]]

    @traitlets.validate("token")
    def _valid_token(self, proposal: dict[str, Any]) -> int:
        return _check_int(proposal["value"], -1, self._shape()[2] - 1, "token")

    @traitlets.observe("group")
    def _on_group(self, _change: dict[str, Any]) -> None:
        if not hasattr(self, "_groups"):
            return
        self._group_index = self.group
        self._apply_group()

    def _relabel(self) -> None:
        self.groups = [
            {
                **g,
                "name": group.label(self.locale),
                "notes": group.notes(self.locale),
                "summary": {
                    "measures": [
                        {**m, "label": measure_label(m["key"], self.locale)}
                        for m in g["summary"]["measures"]
                    ]
                },
            }
            for g, group in zip(self.groups, self._groups, strict=True)
        ]
        self.notes = self._g.notes(self.locale)

    def _apply_group(self) -> None:
        """Mirror the selected group into the plain traits; keep the selection in range."""
        g = self._g
        L, H, nq, _ = g.stack.shape
        with self.hold_trait_notifications():
            self.tokens = g.tokens
            self.key_tokens = g.key_tokens
            self.n_layers, self.n_heads = int(L), int(H)
            self.layer_labels = g.layer_labels
            self.head_labels = g.head_labels
            self.sentence_b_start = g.sep
            self.notes = g.notes(self.locale)
            self.layer = min(self.layer, L - 1)
            self.head = min(self.head, H - 1)
            self.heads = [h for h in self.heads if h < H] if self.heads else list(range(H))
            self.token = self.token if self.token < nq else -1
            if self.view == "rollout" and not g.square:
                self.view = "head"
        self._update_current()

    @traitlets.observe("layer")
    def _on_layer(self, _change: dict[str, Any]) -> None:
        self._update_current()

    def _layer_data(self, group: int, layer: int) -> dict[str, Any]:
        stack = self._groups[group].stack
        return {"group": group, "layer": layer, "values": stack[layer]}

    def _update_current(self) -> None:
        if hasattr(self, "_groups") and self.layer < self._stack.shape[0]:
            self.current = self._layer_data(self._group_index, self.layer)

    @property
    def attention(self) -> np.ndarray:
        """The selected group's shown attention stack ``(layers, heads, query, key)``, float32."""
        return self._stack

    @property
    def group_names(self) -> list[str]:
        """The names of the groups, in order (``[""]`` for one unnamed stack)."""
        return [g.name for g in self._groups]

    # -- data on demand -------------------------------------------------------------------
    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("kind") != "layer":
            raise ValueError(f"unknown request kind {body.get('kind')!r}")
        group = _check_int(body.get("group", 0), 0, len(self._groups) - 1, "group")
        n = self._groups[group].stack.shape[0]
        return self._layer_data(group, _check_int(body.get("layer"), 0, n - 1, "layer"))

    def _reply_nbytes(self, body: dict[str, Any]) -> int:
        # a layer travels as uint8: one byte per weight
        return self._groups[body["group"]].stack[body["layer"]].size

    def _saved_requests(self) -> list[dict[str, Any]]:
        # the view prefetches the layers beside the selected one (``current`` holds it)
        n = self._stack.shape[0]
        return [
            {"kind": "layer", "group": self._group_index, "layer": layer}
            for layer in (self.layer + 1, self.layer - 1)
            if 0 <= layer < n
        ]

    def _export_requests(self) -> list[dict[str, Any]]:
        # the selected layer of the selected group, then the same layer of every other
        # group, then everything else, as long as the budget lasts (the first always)
        order: list[tuple[int, int]] = [(self._group_index, self.layer)]
        for gi, g in enumerate(self._groups):
            if gi != self._group_index:
                order.append((gi, min(self.layer, g.stack.shape[0] - 1)))
        for gi, g in enumerate(self._groups):
            order += [(gi, layer) for layer in range(g.stack.shape[0])]
        # each layer counted as the page stores it: base64 of its uint8 weights plus the
        # key and JSON of its reply (measured on the first, the same for every layer)
        from .assets import b64_len, stored_nbytes

        gi0, layer0 = order[0]
        body0 = {"kind": "layer", "group": gi0, "layer": layer0}
        overhead = (
            stored_nbytes(self._wire_reply(body0), body0)
            - b64_len(self._reply_nbytes({"group": gi0, "layer": layer0}))
            + 16  # longer group / layer numbers and labels
        )
        out: list[dict[str, Any]] = []
        seen: set[tuple[int, int]] = set()
        used = 0
        for gi, layer in order:
            if (gi, layer) in seen:
                continue
            size = b64_len(self._reply_nbytes({"group": gi, "layer": layer})) + overhead
            if out and used + size > self.export_budget:
                continue
            seen.add((gi, layer))
            used += size
            out.append({"kind": "layer", "group": gi, "layer": layer})
        return out

    def _export_state(self) -> dict[str, Any]:
        # The store always holds the selected layer (_export_requests puts it first). A page
        # that opens on a view drawing no layer (model, summary, rollout) asks the store for it
        # when a layer is first shown, so its state carries no second copy to parse and inflate
        # before the first view is drawn.
        return {} if self.view in LAYER_VIEWS else {"current": None}

    def _export_missing(self) -> str:
        return t("page.attention_missing", self.locale)

    # -- static counterparts ----------------------------------------------------------------
    def figure(self, layer: int | None = None, head: int | None = None, **kwargs: Any):
        """One head's query × key matrix (of the selected group) as a matplotlib figure."""
        from ..figures import attention_matrix_figure

        g = self._g
        layer = self.layer if layer is None else layer
        head = self.head if head is None else head
        lang = kwargs.pop("lang", self.locale)
        name = f"{g.label(lang)} · " if g.name else ""
        title = t(
            "fig.attn_title",
            lang,
            group=name,
            layer=g.layer_labels[layer],
            head=g.head_labels[head],
        )
        return attention_matrix_figure(
            g.stack[layer, head],
            g.tokens,
            title=title,
            key_tokens=g.key_tokens,
            lang=lang,
            **kwargs,
        )

    def summary_figure(self, measure: str = "to_prev", **kwargs: Any):
        """The layers × heads grid of one head-summary measure (selected group) as a figure."""
        from ..figures import head_summary_figure

        g = self._g
        values = A.head_summary(g.stack, g.key_tokens)
        if measure not in values:
            raise ValueError(f"measure: expected one of {list(values)}, got {measure!r}")
        lang = kwargs.pop("lang", self.locale)
        return head_summary_figure(
            values[measure],
            measure_label(measure, lang),
            g.layer_labels,
            g.head_labels,
            lang=lang,
            **kwargs,
        )
