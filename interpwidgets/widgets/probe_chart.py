"""ProbeChart: probe accuracy, control accuracy and selectivity per layer, several models overlaid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets

from ..i18n import resolve
from ..strings import shorten
from .base import Widget, check_title
from .probe_axis import layer_axis, selectivity_notes

METRICS = ("accuracy", "selectivity", "control_accuracy")


class ProbeChart(Widget):
    """Probing results as a line chart per layer (Hewitt & Liang's accuracy vs selectivity).

    Args:
        results: a :class:`~interpwidgets.probing.ProbeResult` (``iw.probe(...)``) or a list
            of them — e.g. the char-LSTM and the char-Transformer on the same task, drawn as
            overlaid series (the LSTM-vs-Transformer plot).
        names: series names (default ``"{model} · {task}"``).
        metric: the measure on the y axis at first: ``"accuracy"`` (with the control accuracy
            and the majority baseline drawn faint), ``"selectivity"`` or ``"control_accuracy"``.

    Each series also carries ``unit`` (what its x positions are: ``"layer"`` for a
    recurrent model, ``"block"`` for a Transformer), ``depth`` (each layer's relative depth,
    to align models of different depths) and ``notes`` (e.g. where selectivity is below 0),
    from :mod:`~interpwidgets.widgets.probe_axis`.

    Each point carries an error bar of ±1.96 standard errors (a 95 % interval) from the
    table's ``accuracy_se`` / ``control_accuracy_se`` / ``selectivity_se`` columns; the
    tooltip gives the value ± SE, the test size and the split.

    Hover a point for its values; click a layer to list the neurons its probe weights most,
    click one of those to select it. Two-way traits: ``metric``, ``selected``
    (``{"series": i, "layer": name}``) and ``neuron`` (``{"series": i, "layer": name,
    "neuron": n}`` or ``{}``) — observe ``neuron`` to open it in a NeuronText.
    """

    _bundle = "probe_chart.js"

    series: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True, output=True)
    metric = traitlets.Unicode("accuracy").tag(sync=True, browser=True)
    selected = traitlets.Dict().tag(sync=True, browser=True)
    neuron = traitlets.Dict().tag(sync=True, browser=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        results: Any,
        names: Sequence[str] | None = None,
        metric: str = "accuracy",
        title: str = "",
        locale: str | None = None,
    ) -> None:
        from ..probing import ProbeResult

        items = (
            [results]
            if isinstance(results, ProbeResult)
            else list(results)
            if isinstance(results, Sequence)
            else None
        )
        if not items or not all(isinstance(r, ProbeResult) for r in items):
            raise TypeError(
                f"results: expected a ProbeResult (iw.probe(...)) or a list of them, got {type(results).__name__}"
            )
        if names is not None and (isinstance(names, str) or len(names) != len(items)):
            raise ValueError(f"names: expected {len(items)} names, one per result, got {names!r}")
        if metric not in METRICS:
            raise ValueError(f"metric: expected one of {METRICS}, got {metric!r}")
        series = []
        for i, r in enumerate(items):
            t = r.table

            def col(name: str, t: Any = t) -> list[float | None]:
                if name not in t:  # a table without standard errors: no error bars
                    return [None] * len(t)
                return [
                    None if v is None or not np.isfinite(v) else round(float(v), 4) for v in t[name]
                ]

            layers = [str(x) for x in t["layer"]]
            series.append(
                {
                    "name": names[i] if names is not None else f"{r.model} · {r.task}",
                    "layers": layers,
                    **layer_axis(layers),  # "unit" (layer / block) and relative "depth"
                    "notes": selectivity_notes(
                        layers, col("selectivity"), col("selectivity_se"), resolve(locale)
                    ),
                    "accuracy": col("accuracy"),
                    "control_accuracy": col("control_accuracy"),
                    "selectivity": col("selectivity"),
                    "majority": col("majority"),
                    "control_majority": col("control_majority"),
                    "accuracy_se": col("accuracy_se"),
                    "control_accuracy_se": col("control_accuracy_se"),
                    "selectivity_se": col("selectivity_se"),
                    "n_test": col("n_test"),
                    "split": str(getattr(r, "split", "") or ""),
                    "top_neurons": {
                        str(k): [[int(n), round(float(w), 4)] for n, w in v]
                        for k, v in r.top_neurons.items()
                    },
                }
            )
        self._results = items
        super().__init__(series=series, metric=metric, title=check_title(title), locale=locale)

    def _relabel(self) -> None:
        self.series = [
            {
                **s,
                "notes": selectivity_notes(
                    s["layers"], s["selectivity"], s["selectivity_se"], self.locale
                ),
            }
            for s in self.series
        ]

    @traitlets.validate("metric")
    def _valid_metric(self, proposal: dict[str, Any]) -> str:
        if proposal["value"] not in METRICS:
            raise ValueError(f"metric: expected one of {METRICS}, got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.validate("selected", "neuron")
    def _valid_selection(self, proposal: Any) -> dict[str, Any]:
        """``{}``, or ``{"series": i, "layer": name}`` naming a layer of series ``i`` (and, for
        ``neuron``, an int ``"neuron"``)."""
        name, value = proposal["trait"].name, proposal["value"]
        if not value:
            return {}
        keys = {"series", "layer", "neuron"} if name == "neuron" else {"series", "layer"}
        if set(value) != keys:
            raise ValueError(
                f"{name}: expected {{}} or a dict with keys {sorted(keys)}, got {shorten(value)}"
            )
        series, layer = value["series"], value["layer"]
        if (
            isinstance(series, bool)
            or not isinstance(series, int)
            or not 0 <= series < len(self.series)
        ):
            raise ValueError(
                f"{name}['series']: expected an index in [0, {len(self.series) - 1}], got {shorten(series)}"
            )
        if layer not in self.series[series]["layers"]:
            raise ValueError(
                f"{name}['layer']: expected one of {self.series[series]['layers']}, got {shorten(layer)}"
            )
        if name == "neuron" and (
            isinstance(value["neuron"], bool)
            or not isinstance(value["neuron"], int)
            or value["neuron"] < 0
        ):
            raise TypeError(
                f"neuron['neuron']: expected a non-negative int, got {shorten(value['neuron'])}"
            )
        return dict(value)

    @property
    def results(self) -> list[Any]:
        return list(self._results)

    def figure(self, **kwargs: Any):
        """The chart as a matplotlib figure (accuracy solid, control dashed, selectivity dotted)."""
        from ..figures import probe_figure

        kwargs.setdefault("lang", self.locale)
        return probe_figure(self._results, [s["name"] for s in self.series], **kwargs)
