"""NeuronText: the original text, each character coloured by one neuron's value."""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets

from .. import codec
from ..figures import column_vmax as column_vmax  # re-exported
from ..figures import neuron_text_figure
from ..i18n import t
from ..strings import shorten
from ..trace.core import Trace
from .base import LayerName, Widget, check_budget, check_title
from .neuron_scale import SCALES, value_range
from .traits import Array, Data

#: An exported page holds at most this many bytes of neuron columns by default.
EXPORT_BUDGET = 16_000_000
#: A column's values travel as float16, or float32 when a value is past float16's range.
COLUMN_ARRAYS = {"values": "auto"}


class NeuronText(Widget):
    """Karpathy-style view of one neuron: every character of the text coloured by its value.

    Args:
        trace: a :class:`~interpwidgets.Trace` (``iw.trace(model, text)`` or
            ``iw.Trace.from_arrays(text, {"name": array})``).
        layer: which activation array, by name (``"rnn.0.h"``) or index; default the first.
        neuron: which unit (column) of that array. Default, for a trace of a model: the
            model card's documented cell for a shipped zoo model, else the unit (of
            ``layer``, or of every layer) with the largest variance over the text — the
            caption says which (:mod:`~interpwidgets.widgets.default_unit`); for arrays
            (``Trace.from_arrays``): unit 0 of ``layer``.
        vmax: fixed half-width of the colour scale of unbounded layers; default per neuron,
            from ``scale``.
        scale: how an unbounded layer's values (an LSTM's cell state, a Transformer's
            activations) map onto the colours: ``"p99"`` (default) clips at the 99th
            percentile of the neuron's |value| over the text, ``"max"`` spans its largest
            |value|, ``"tanh"`` colours tanh(value) (as Karpathy et al. 2016 did). Two-way:
            the browser's "scale" menu sets it.
        title: an optional caption.
        underline: a ground truth to see beside the colours: a feature name from
            :mod:`interpwidgets.features` (``"in_string"``, ``"in_comment"``, …) or an array
            with one value per token or per character; tokens where it is true (non-zero) are
            underlined, and a note under the text says what the line marks. Change it later
            with :meth:`underline`.

    Characters the model did not know (``trace.meta["unknown_chars"]``, token indices) are
    underlined and say so on hover. Traits ``layer`` (name) and ``neuron`` are two-way: the browser's controls set them, and
    setting them from Python recolours the view. Only the selected neuron's values are sent;
    the browser asks for other neurons when it needs them. Values travel as float16 (about
    3 significant digits; float32 when a value is beyond float16's range) — read exact
    values in Python with :meth:`values`. Each layer gets the colour scale its range calls
    for (:mod:`~interpwidgets.widgets.neuron_scale`): sigmoid gates (0..1) a sequential scale
    from 0 to 1; tanh-range arrays (``h``, ``g``) diverging at 0 over ±1; unbounded arrays
    diverging at 0 (blue negative, red positive) over the range ``scale`` chooses. The
    legend says which. Text keeps one ink colour per theme on every shade (contrast ≥ 4.5:1);
    NaN shows as a grey "missing" colour.

    :meth:`save_html` writes a page that holds every layer whole when all of them fit in
    ``export_budget`` bytes (the page's layer menu then works as in the notebook); otherwise
    it holds every neuron of the selected layer when they
    fit in ``export_budget`` bytes, otherwise the neurons nearest the selected one
    that fit; stepping to a neuron the file does not hold shows a message saying so. The
    budget counts what the page stores for each neuron (its values as base64 plus about 200
    bytes of key and JSON, :func:`~interpwidgets.widgets.assets.stored_nbytes`), not only
    the raw values; the text and the selected neuron, which every page holds, are not in it.
    """

    _bundle = "neuron_text.js"
    _saved_on = ("layer", "neuron")
    _reply_arrays = {"column": COLUMN_ARRAYS}

    text = traitlets.Unicode().tag(sync=True, output=True)
    offsets = Array("int32", ndim=2).tag(output=True)
    layers: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True, output=True)
    layer = LayerName().tag(sync=True, browser=True)
    neuron = traitlets.Int(0).tag(sync=True, browser=True)
    column = Data(arrays=COLUMN_ARRAYS).tag(output=True)
    title = traitlets.Unicode("").tag(sync=True)
    scale = traitlets.Enum(SCALES, "p99").tag(sync=True, browser=True)
    #: the fixed half-width given as ``vmax`` (None: from ``scale``)
    vmax = traitlets.Float(None, allow_none=True).tag(sync=True)
    unknown: traitlets.List[int] = traitlets.List().tag(sync=True, output=True)
    #: the underlined ground truth: {"name", "runs": [[first token, end token), …]}; {} for none
    overlay: traitlets.Dict[str, Any] = traitlets.Dict().tag(sync=True, output=True)

    def _resolve(self, layer: Any) -> str:
        return self._trace.resolve(layer)

    def __init__(
        self,
        trace: Trace,
        layer: str | int | None = None,
        neuron: int | None = None,
        vmax: float | None = None,
        title: str = "",
        export_budget: int = EXPORT_BUDGET,
        locale: str | None = None,
        scale: str = "p99",
        underline: Any = None,
    ) -> None:
        if not isinstance(trace, Trace):
            raise TypeError(t("err.trace", name="trace", got=type(trace).__name__))
        if vmax is not None and not (
            isinstance(vmax, (int, float)) and np.isfinite(vmax) and vmax > 0
        ):
            raise ValueError(t("err.vmax", got=repr(vmax)))
        if scale not in SCALES:
            raise ValueError(t("err.one_of", name="scale", choices=list(SCALES), got=repr(scale)))
        title = check_title(title)
        self._trace = trace
        self._vmax = None if vmax is None else float(vmax)
        self.export_budget = check_budget(export_budget)
        name = trace.resolve(layer)
        #: why the widget opened on this unit, when it chose it ("" when told)
        self.opened_on = ""
        if neuron is None and "model" in trace.meta:
            from .default_unit import default_unit

            name, neuron, self.opened_on = default_unit(trace, None if layer is None else name)
            title = title or self.opened_on  # the caption beside it names the unit
        neuron = 0 if neuron is None else neuron
        self._check_neuron(name, neuron)
        super().__init__(
            locale=locale,
            text=trace.text,
            offsets=trace.offsets,
            layers=[
                {"name": k, "n_units": int(v.shape[1]), "range": value_range(trace, k)}
                for k, v in trace.activations.items()
            ],
            layer=name,
            neuron=int(neuron),
            title=title,
            scale=scale,
            vmax=self._vmax,
            unknown=[
                int(i) for i in np.asarray(trace.meta.get("unknown_chars", []), dtype=np.int64)
            ],
        )
        self._update_column()
        if underline is not None:
            self.underline(underline)

    def underline(self, feature: Any, name: str | None = None) -> None:
        """Underline the tokens where ``feature`` is true (non-zero, not NaN): a feature name
        (``"in_string"``) or an array per token or per character, e.g. the ground truth of a
        cell, to see at a glance where the colours agree with it. ``name`` labels it in the
        note (default: the feature's name, or "ground truth"); ``None`` as ``feature``
        removes the underline."""
        if feature is None:
            self.overlay = {}
            return
        from ..neurons import feature_values

        try:
            values = np.asarray(feature_values(self._trace, feature), dtype=np.float64)
        except (KeyError, ValueError, TypeError) as exc:
            msg = str(exc).strip("'\"")
            raise ValueError(f"underline: {msg.removeprefix('feature: ')}") from exc
        on = np.nan_to_num(values, nan=0.0) != 0
        edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
        runs = edges.reshape(-1, 2).tolist()
        label = (
            name if name is not None else feature if isinstance(feature, str) else "ground truth"
        )
        self.overlay = {"name": str(label), "runs": runs, "tokens": int(on.sum())}

    @property
    def trace(self) -> Trace:
        return self._trace

    def _check_neuron(self, layer: str, neuron: Any) -> int:
        n_units = self._trace.activations[layer].shape[1]
        if isinstance(neuron, (bool, np.bool_)) or not isinstance(neuron, (int, np.integer)):
            raise TypeError(t("err.int", name="neuron", got=type(neuron).__name__))
        if not 0 <= int(neuron) < n_units:
            raise ValueError(t("err.neuron_index", hi=n_units - 1, layer=repr(layer), got=neuron))
        return int(neuron)

    @traitlets.validate("layer")
    def _valid_layer(self, proposal: dict[str, Any]) -> str:
        return self._trace.resolve(proposal["value"])

    @traitlets.validate("neuron")
    def _valid_neuron(self, proposal: dict[str, Any]) -> int:
        layer = self.layer or self._trace.names[0]
        # A layer change from the browser may arrive before the matching neuron; clamp then.
        n_units = self._trace.activations[layer].shape[1]
        value = proposal["value"]
        if (
            isinstance(value, (int, np.integer))
            and not isinstance(value, bool)
            and value >= n_units
            and self._syncing
        ):
            return n_units - 1
        return self._check_neuron(layer, value)

    @traitlets.observe("layer", "neuron")
    def _on_selection(self, change: dict[str, Any]) -> None:
        if (
            change["name"] == "layer"
            and self.neuron >= self._trace.activations[self.layer].shape[1]
        ):
            self.neuron = self._trace.activations[self.layer].shape[1] - 1
            return  # the neuron change updates the column
        self._update_column()

    def _column_data(self, layer: str, neuron: int) -> dict[str, Any]:
        values = self._trace.activations[layer][:, neuron]
        return {
            "layer": layer,
            "neuron": int(neuron),
            "vmax": self._vmax if self._vmax is not None else column_vmax(values),
            "values": values,
        }

    def _update_column(self) -> None:
        if self.layer:
            self.column = self._column_data(self.layer, self.neuron)

    def values(self, layer: str | int | None = None, neuron: int | None = None) -> np.ndarray:
        """The values shown for ``layer``/``neuron`` (default: the current selection)."""
        name = self._trace.resolve(self.layer if layer is None else layer)
        return self._trace.activations[name][
            :, self._check_neuron(name, self.neuron if neuron is None else neuron)
        ]

    # -- data on demand -------------------------------------------------------------------
    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("kind") != "column":
            raise ValueError(f"unknown request kind {shorten(body.get('kind'))}")
        layer = self._trace.resolve(body.get("layer"))
        return self._column_data(layer, self._check_neuron(layer, body.get("neuron")))

    def _saved_requests(self) -> list[dict[str, Any]]:
        # the view prefetches the neighbours of the selected neuron (``column`` holds it)
        n_units = self._trace.activations[self.layer].shape[1]
        return [
            {"kind": "column", "layer": self.layer, "neuron": n}
            for n in (self.neuron + 1, self.neuron - 1)
            if 0 <= n < n_units
        ]

    def _column_cost(self, layer: str) -> int:
        """Bytes one stored column of ``layer`` takes in an exported page (an upper bound)."""
        from .assets import b64_len, stored_nbytes

        acts = self._trace.activations[layer]
        neuron = min(self.neuron, acts.shape[1] - 1)  # another layer may have fewer units
        body = {"kind": "column", "layer": layer, "neuron": neuron}
        wide = 4 if _needs_float32(acts) else 2  # "auto": float16 unless a value is past it
        n = self._trace.n_tokens
        # the reply as sent, its buffer left empty: its JSON is measured, its values are
        # counted as ``wide`` bytes each (encoding a column only to measure it doubled the
        # encoding work of an export)
        data = {
            **self._column_data(layer, neuron),
            "values": {
                "dtype": "float32" if wide == 4 else "float16",
                "shape": [len(acts)],
                "buffer": b"",
            },
        }
        digits = len(str(acts.shape[1])) - len(str(neuron))  # a longer neuron index
        return stored_nbytes(data, body) + b64_len(wide * n) + 2 * max(0, digits)

    def _columns_budget(self) -> int:
        """Bytes of the export budget the stored columns may take."""
        return self.export_budget

    def _export_neurons(self) -> range:
        n_units = self._trace.activations[self.layer].shape[1]
        fit = max(1, self._columns_budget() // self._column_cost(self.layer))
        if fit >= n_units:
            return range(n_units)
        lo = max(0, min(self.neuron - fit // 2, n_units - fit))
        return range(lo, lo + fit)

    #: whether a page also holds other layers whole when the budget allows (NeuronExplorer
    #: spends what is left on its heatmap instead)
    _export_more_layers = True

    def _export_layers(self) -> list[str]:
        """The layers an exported page holds: every layer, whole, when all of them fit the
        budget (so the page's layer menu works as in the notebook); else the selected one
        (whole, or the neurons around the selected one) — a page is never filled up to the
        budget with a few other layers."""
        if self._export_more_layers:
            names = self._trace.names
            total = sum(self._column_cost(n) * self._trace.activations[n].shape[1] for n in names)
            if len(names) > 1 and total <= self._columns_budget():
                return [self.layer, *(n for n in names if n != self.layer)]
        return [self.layer]

    def _export_requests(self) -> list[dict[str, Any]]:
        own = [{"kind": "column", "layer": self.layer, "neuron": n} for n in self._export_neurons()]
        if not self._export_more_layers:
            return own
        others = [
            {"kind": "column", "layer": name, "neuron": n}
            for name in self._export_layers()[1:]
            for n in range(self._trace.activations[name].shape[1])
        ]
        return own + others

    def _export_state(self) -> dict[str, Any]:
        return {"export_layers": self._export_layers()}

    def _export_missing(self) -> str:
        held = self._export_neurons()
        return t(
            "page.neuron_text_missing",
            self.locale,
            first=held.start,
            last=held.stop - 1,
            layer=repr(self.layer),
        )

    # -- static counterpart -----------------------------------------------------------------
    def figure(self, max_chars: int = 3000, **kwargs: Any):
        """The current view as a matplotlib figure (for papers and slides): the shown layer and
        neuron in the widget's colours — the same scale (the layer's range, ``vmax``, the
        ``scale`` trait), shades and ink — with a colour bar saying the scale."""
        kwargs.setdefault("scale", self.scale)
        kwargs.setdefault("lang", self.locale)
        return neuron_text_figure(
            self._trace, self.layer, self.neuron, vmax=self._vmax, max_chars=max_chars, **kwargs
        )


def _needs_float32(acts: np.ndarray, rows: int = 65536) -> bool:
    """Whether any value of ``acts`` is past float16's range (scanned in row blocks)."""
    return any(
        bool(np.any(np.abs(acts[i : i + rows]) > codec.FLOAT16_MAX))
        for i in range(0, len(acts), rows)
    )
