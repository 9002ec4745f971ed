"""NeuronExplorer: NeuronText plus predictions, a neurons × positions heatmap and neuron search."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets

from ..i18n import t
from ..strings import shorten
from ..trace.core import Trace
from .neuron_text import EXPORT_BUDGET, NeuronText
from .traits import Data

#: Heatmap windows are this many tokens wide and start at multiples of half of it.
WINDOW = 512
#: Rankings kept per widget (least recently used dropped first); each is at most ``top`` rows.
RANK_CACHE_SIZE = 64


class NeuronExplorer(NeuronText):
    """Explore every neuron of a trace: LSTMVis and Karpathy et al. in one widget.

    On top, the NeuronText view of the selected neuron; hovering a character shows the
    model's top-5 next-character predictions shaded by probability. Below, a canvas heatmap
    of all neurons of the layer × positions (rows ordered by the current ranking; click a row
    to select it) and a ranked neuron list that updates when a feature is chosen (AUROC or
    correlation, see :func:`interpwidgets.find_neurons`) or when spans of text are brushed
    with the mouse (the LSTMVis query, :func:`interpwidgets.match_spans`).

    Two-way traits: ``layer``, ``neuron``, ``feature`` (a name from ``features``, "" for
    none) and ``spans`` (list of ``[start, end]`` character spans). ``ranking`` holds the
    current ranked rows. Arguments as :class:`NeuronText`, plus ``feature``, ``spans``,
    ``threshold`` (for span queries), ``rank_layers`` (which arrays neuron search covers;
    default the hidden and cell states ``*.h``/``*.c`` when the trace has them, else all)
    and ``top`` (rows in the ranking). With a ``feature`` and no ``neuron``, it opens on the
    unit the feature's ranking puts first (the caption says so); otherwise as NeuronText.

    An exported page holds the selected layer's columns and heatmap, and the ranking of
    every feature; brushing spans needs the kernel.
    """

    _bundle = "neuron_explorer.js"
    _saved_on = ("layer", "neuron")
    _reply_arrays = {**NeuronText._reply_arrays, "heatmap": {"values": "uint8"}}

    predictions = Data(arrays={"index": "int32", "probs": "float16"}).tag(output=True)
    features: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    feature = traitlets.Unicode("").tag(sync=True, browser=True)
    spans: traitlets.List[Any] = traitlets.List().tag(sync=True, browser=True)
    threshold = traitlets.Float(0.3).tag(sync=True)
    ranking: traitlets.Dict[str, Any] = traitlets.Dict().tag(sync=True, output=True)

    def __init__(
        self,
        trace: Trace,
        layer: str | int | None = None,
        neuron: int | None = None,
        feature: str = "",
        spans: Sequence[Sequence[int]] = (),
        threshold: float = 0.3,
        rank_layers: Sequence[str | int] | None = None,
        top: int = 30,
        vmax: float | None = None,
        title: str = "",
        export_budget: int = EXPORT_BUDGET,
        locale: str | None = None,
        scale: str = "p99",
    ) -> None:
        super().__init__(
            trace,
            layer=layer,
            neuron=0 if neuron is None and feature else neuron,  # a feature: its top unit
            vmax=vmax,
            title=title,
            export_budget=export_budget,
            locale=locale,
            scale=scale,
        )
        if rank_layers is None:
            cells = [n for n in trace.names if n.endswith((".h", ".c"))]
            rank_layers = cells or trace.names
        elif isinstance(rank_layers, (str, int, np.integer)):
            rank_layers = [rank_layers]
        elif not isinstance(rank_layers, Sequence):
            raise TypeError(
                f"rank_layers: expected a list of layer names or indices, got {type(rank_layers).__name__}"
            )
        self._rank_layers = [trace.resolve(n) for n in rank_layers]
        if not self._rank_layers:
            raise ValueError("rank_layers: expected at least one layer, got an empty list")
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)):
            raise TypeError(f"top: expected a positive int, got {type(top).__name__}")
        if top < 1:
            raise ValueError(f"top: expected a positive int, got {top}")
        if not isinstance(feature, str):
            raise TypeError(
                f"feature: expected a str (a name from iw.features, '' for none), got {type(feature).__name__}"
            )
        if isinstance(threshold, bool) or not isinstance(
            threshold, (int, float, np.integer, np.floating)
        ):
            raise TypeError(f"threshold: expected a finite number, got {type(threshold).__name__}")
        if isinstance(spans, str) or not isinstance(spans, (Sequence, np.ndarray)):
            raise TypeError(
                f"spans: expected a list of [start, end] pairs, got {type(spans).__name__}"
            )
        self._top = int(top)
        self._features: dict[str, np.ndarray] | None = None
        self._layer_vmax: dict[str, float] = {}
        # (feature,) or (spans, threshold) → ranking; only successes, at most RANK_CACHE_SIZE
        self._rank_cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self.predictions = self._predictions(trace)
        self.features = sorted(self._feature_table())
        self.threshold = float(threshold)
        if feature:
            self.feature = feature
            rows = self.ranking.get("rows") or []
            if neuron is None and rows:  # open on the unit the ranking puts first
                first = rows[0]  # (``top`` is the argument: rows in the ranking)
                self.layer, self.neuron = first["layer"], first["neuron"]
                self.opened_on = f"top of the ranking ({self.ranking['source']})"
                self.title = title or self.opened_on
        if len(spans):
            self.spans = [list(s) if isinstance(s, (list, tuple, np.ndarray)) else s for s in spans]
        self._refresh_saved()  # the heatmap needs what was set above

    # -- traits ---------------------------------------------------------------------------
    @staticmethod
    def _predictions(trace: Trace) -> dict[str, Any]:
        if trace.predictions is None:
            return {}
        tokens = trace.predictions["tokens"]
        vocab, index = np.unique(tokens.astype(str), return_inverse=True)
        return {
            "vocab": vocab.tolist(),
            "index": index.reshape(tokens.shape),
            "probs": trace.predictions["probs"],
        }

    def _feature_table(self) -> dict[str, np.ndarray]:
        if self._features is None:
            from .. import features

            table = features.plain_text(self._trace.text)
            table.update(features.python_code(self._trace.text))
            self._features = table
        return self._features

    @traitlets.validate("feature")
    def _valid_feature(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value and value not in self._feature_table():
            raise KeyError(
                f"feature: {shorten(value)} is not a known feature; expected one of {sorted(self._feature_table())}"
            )
        return value

    @traitlets.validate("spans")
    def _valid_spans(self, proposal: dict[str, Any]) -> list[list[int]]:
        n = len(self._trace.text)
        out = []
        for span in proposal["value"]:
            if (
                not isinstance(span, (list, tuple))
                or len(span) != 2
                or not all(isinstance(v, (int, np.integer)) for v in span)
            ):
                raise TypeError(f"spans: expected [start, end] pairs of ints, got {span!r}")
            s, e = int(span[0]), int(span[1])
            if not 0 <= s < e <= n:
                raise ValueError(
                    f"spans: expected 0 <= start < end <= len(text)={n}, got [{s}, {e}]"
                )
            out.append([s, e])
        return out

    @traitlets.validate("threshold")
    def _valid_threshold(self, proposal: dict[str, Any]) -> float:
        if not np.isfinite(proposal["value"]):
            raise ValueError(f"threshold: expected a finite number, got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.observe("feature")
    def _on_feature(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.ranking = self._rank({"kind": "rank", "feature": change["new"]})
        elif not self.spans:  # brushing clears the feature: the spans' ranking stays
            self.ranking = {}

    def _relabel(self) -> None:
        self._rank_cache.clear()  # its captions are in the old language
        self._on_spans({})

    @traitlets.observe("spans", "threshold")
    def _on_spans(self, _change: dict[str, Any]) -> None:
        if self.spans:
            self.ranking = self._rank(
                {"kind": "rank", "spans": self.spans, "threshold": self.threshold}
            )
        elif self.feature:
            self.ranking = self._rank({"kind": "rank", "feature": self.feature})
        else:
            self.ranking = {}

    # -- data on demand -------------------------------------------------------------------
    def _rank_key(self, body: dict[str, Any]) -> tuple[Any, ...]:
        """What decides a ranking: a known feature's name, or the checked spans and threshold
        (other fields of the request do not). Raises for anything else, naming it briefly."""
        if "feature" in body:
            name = body["feature"]
            if not isinstance(name, str) or name not in self._feature_table():
                raise KeyError(f"feature: {shorten(name)} is not a known feature")
            return ("feature", name)
        spans = self._valid_spans({"value": body.get("spans", [])})
        threshold = body.get("threshold", self.threshold)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise TypeError(f"threshold: expected a number, got {shorten(threshold)}")
        threshold = self._valid_threshold({"value": float(threshold)})
        return ("spans", tuple(map(tuple, spans)), threshold)

    def _rank(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            key = self._rank_key(body)
        except (KeyError, ValueError, TypeError) as exc:  # not cached: a note, echoes capped
            source = body.get("feature") or "spans"
            return {"source": shorten(source, 40), "rows": [], "note": str(exc).strip("'\"")}
        hit = self._rank_cache.get(key)
        if hit is None:
            hit = self._compute_rank(key)
            if not hit.get("note"):
                self._rank_cache[key] = hit
                while len(self._rank_cache) > RANK_CACHE_SIZE:
                    self._rank_cache.popitem(last=False)
        else:
            self._rank_cache.move_to_end(key)
        return hit

    def _compute_rank(self, key: tuple[Any, ...]) -> dict[str, Any]:
        from ..neurons import find_neurons, match_spans

        try:
            if key[0] == "feature":
                name = key[1]
                table = find_neurons(
                    self._trace,
                    self._feature_table()[name],
                    layers=self._rank_layers,
                    top=self._top,
                )
                metric = "AUROC" if table["metric"].iloc[0] == "auroc" else "|r|"
                source = t("widget.rank_feature", self.locale, name=name, metric=metric)
            else:
                spans: list[Any] = [list(s) for s in key[1]]
                threshold = key[2]
                table = match_spans(
                    self._trace, spans, threshold=threshold, layers=self._rank_layers, top=self._top
                )
                source = t(
                    "widget.rank_spans", self.locale, n=len(spans), threshold=f"{threshold:g}"
                )
        except (KeyError, ValueError, TypeError) as exc:
            return {
                "source": key[1] if key[0] == "feature" else "spans",
                "rows": [],
                "note": str(exc).strip("'\""),
            }
        rows = [
            {
                "layer": str(r.layer),
                "neuron": int(r.neuron),
                "score": round(float(r.score), 4),
                "sign": int(r.sign),
            }
            for r in table.itertuples()
        ]
        return {"source": source, "rows": rows}

    def _heatmap(self, body: dict[str, Any]) -> dict[str, Any]:
        layer = self._trace.resolve(body.get("layer"))
        n = self._trace.n_tokens
        start: Any = body.get("start")
        stop: Any = body.get("stop")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, stop)):
            raise TypeError(f"heatmap: expected integer start and stop, got {start!r}, {stop!r}")
        if not 0 <= start < stop <= n or stop - start > 4 * WINDOW:
            raise ValueError(
                f"heatmap: expected 0 <= start < stop <= {n} and at most {4 * WINDOW} positions, got [{start}, {stop})"
            )
        acts = self._trace.activations[layer]
        if layer not in self._layer_vmax:
            finite = np.abs(acts[np.isfinite(acts)])
            self._layer_vmax[layer] = (
                float(finite.max()) if finite.size and finite.max() > 0 else 1.0
            )
        return {
            "layer": layer,
            "start": start,
            "stop": stop,
            "vmax": self._layer_vmax[layer],
            "values": acts[start:stop].T,
        }

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("kind")
        if kind == "heatmap":
            return self._heatmap(body)
        if kind == "rank":
            return self._rank(body)
        return super()._answer(body)

    def _saved_requests(self) -> list[dict[str, Any]]:
        # the heatmap's first window (a view opens at the top), then NeuronText's neighbours
        n = self._trace.n_tokens
        first = {"kind": "heatmap", "layer": self.layer, "start": 0, "stop": min(n, WINDOW)}
        return [first, *super()._saved_requests()]

    def _rank_requests(self) -> tuple[list[dict[str, Any]], int]:
        """Every feature's ranking request, and the bytes their replies take in a page."""
        from .assets import stored_nbytes

        ranks = [{"kind": "rank", "feature": name} for name in self.features]
        return ranks, sum(stored_nbytes(self._rank(b), b) for b in ranks)

    #: the budget left after the selected layer's columns goes to heatmap windows
    _export_more_layers = False

    def _columns_budget(self) -> int:
        return self.export_budget - self._rank_requests()[1]

    def _export_requests(self) -> list[dict[str, Any]]:
        # every feature's ranking (small), the columns NeuronText holds, then heatmap windows
        # while the budget lasts; each counted as the page stores it (stored_nbytes)
        from .assets import stored_nbytes

        n = self._trace.n_tokens
        ranks, used = self._rank_requests()
        budget = self.export_budget - used
        columns = super()._export_requests()
        budget -= self._column_cost(self.layer) * len(columns)
        first = {"kind": "heatmap", "layer": self.layer, "start": 0, "stop": min(n, WINDOW)}
        per_window = stored_nbytes(self._wire_reply(first), first) + 16  # longer start/stop
        windows = []
        for start in range(0, n, WINDOW // 2):
            if budget < per_window:
                break
            windows.append(
                {
                    "kind": "heatmap",
                    "layer": self.layer,
                    "start": start,
                    "stop": min(n, start + WINDOW),
                }
            )
            budget -= per_window
            if start + WINDOW >= n:
                break
        return columns + windows + ranks

    def _export_missing(self) -> str:
        return super()._export_missing() + t("page.explorer_missing", self.locale)
