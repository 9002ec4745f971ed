"""NeuronDashboard: one unit of a corpus scan — its histogram, top / bottom / quantile contexts,
feature scores and direct effect on the output (SAEDashboard's layout for any unit)."""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets

from ..i18n import t
from ..trace.core import resolve_layer
from .base import LayerName, Widget, check_budget, check_title
from .neuron_dashboard_data import SCAN_API, UNIT_ARRAYS, nbytes, unit_data
from .traits import Data

#: An exported page holds at most this many bytes of unit data by default (about 15–25 kB a
#: unit with k=20: every unit of a 256-unit layer).
EXPORT_BUDGET = 6_000_000

#: keys of ``selected`` (the context clicked in the browser)
SELECTED_KEYS = ("layer", "neuron", "doc", "doc_id", "position", "start", "end")


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


class NeuronDashboard(Widget):
    """One unit of a corpus scan at a glance (Neuroscope / SAEDashboard for any unit).

    Args:
        scan: an :class:`~interpwidgets.Scan` (``iw.scan(model, corpus)`` or ``iw.Scan.load``).
        layer: which layer, by name (``"rnn.0.c"``) or index; default the scan's first.
        neuron: which unit of that layer.
        title: an optional caption (shown as text).
        export_budget: bytes of unit data an exported page holds at most.

    Shown: the unit's activation histogram over the corpus (log-binned, signed; zero marked)
    with count / mean / std / density; its top-k and bottom-k contexts, each a line of the
    original text coloured by the unit's value at every character (the NeuronText scale: blue
    negative, red positive, centred at 0, half-width max |value| of the unit over the corpus),
    the activating character outlined, document, position and value beside it; a few contexts
    per activation interval (quantile samples); the unit's AUROC / correlation against every
    ``iw.features`` feature; and, where the layer has one, its direct effect on the output
    (tokens it promotes / suppresses).

    Two-way traits: ``layer`` (name), ``neuron`` (◀ ▶ and ←/→ step units, ↑/↓ or the menu
    step layers) and ``selected``: the context last clicked, ``{"layer", "neuron", "doc",
    "doc_id", "position", "start", "end"}`` (``{}`` when none). Open it in a linked
    :class:`NeuronText` with :meth:`open_selected`, or ``w.observe(fn, "selected")``.

    Only the selected unit is sent (``unit``); the browser asks for others when it steps to
    them, and the replies for the units beside it are held in the widget state for a notebook
    saved without a kernel. :meth:`save_html` writes a page holding the selected layer's units
    nearest the selected one that fit in ``export_budget``; stepping to another says so.
    """

    _bundle = "neuron_dashboard.js"
    _reply_arrays = {"unit": UNIT_ARRAYS}
    _saved_on = ("layer", "neuron")

    layers: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True, output=True)
    layer = LayerName().tag(sync=True, browser=True)
    neuron = traitlets.Int(0).tag(sync=True, browser=True)
    unit = Data(arrays=UNIT_ARRAYS).tag(output=True)
    selected = traitlets.Dict().tag(sync=True, browser=True)
    title = traitlets.Unicode("").tag(sync=True)
    info = traitlets.Dict().tag(sync=True, output=True)

    def __init__(
        self,
        scan: Any,
        layer: str | int | None = None,
        neuron: int = 0,
        title: str = "",
        export_budget: int = EXPORT_BUDGET,
        locale: str | None = None,
    ) -> None:
        missing = [a for a in SCAN_API if not hasattr(scan, a)]
        if missing:
            raise TypeError(
                "scan: expected an interpwidgets.Scan (iw.scan(model, corpus) or iw.Scan.load(path)), "
                f"got {type(scan).__name__} (it has no {', '.join(missing)})"
            )
        self._scan = scan
        self._names = [str(n) for n in scan.layers]
        if not self._names:
            raise ValueError("scan: has no layers to show")
        self._units = {str(k): int(v) for k, v in dict(scan.units).items()}
        title = check_title(title)
        self.export_budget = check_budget(export_budget)
        name = self._resolve(layer)
        self._check_neuron(name, neuron)
        self._stats = scan.stats.set_index(["layer", "unit"]).sort_index()
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}
        self._plan: tuple[tuple[str, int, int], range] | None = None
        meta = dict(getattr(scan, "meta", {}) or {})
        super().__init__(
            locale=locale,
            layers=[
                {"name": n, "n_units": self._units[n], "unit": self._noun(n, meta)}
                for n in self._names
            ],
            layer=name,
            neuron=int(neuron),
            title=title,
            info={
                "model": str(meta.get("model", "")),
                "n_chars": int(meta.get("n_chars", 0) or 0),
                "positions": str(meta.get("positions", "characters")),
                "n_docs": int(meta.get("n_docs", len(getattr(scan, "docs", [])))),
                "k": int(getattr(scan, "k", 0) or 0),
                "context": int(getattr(scan, "context", 0) or 0),
            },
        )
        self._update_unit()

    @property
    def scan(self) -> Any:
        return self._scan

    @staticmethod
    def _noun(layer: str, meta: dict[str, Any]) -> str:
        """What the units of ``layer`` are called: ``"feature"`` for a sparse autoencoder's
        (``iw.scan(..., sae=)`` names those layers in ``meta["sae"]``), else ``"neuron"``."""
        return "feature" if layer in (meta.get("sae") or {}) else "neuron"

    # -- validation ---------------------------------------------------------------------
    def _resolve(self, layer: Any) -> str:
        return resolve_layer(self._names, layer, "this scan", missing=ValueError)

    def _check_neuron(self, layer: str, neuron: Any) -> int:
        n_units = self._units[layer]
        if not _is_int(neuron):
            raise TypeError(f"neuron: expected an int, got {type(neuron).__name__}")
        if not 0 <= int(neuron) < n_units:
            raise ValueError(
                f"neuron: expected an index in [0, {n_units - 1}] for layer {layer!r}, got {neuron}"
            )
        return int(neuron)

    @traitlets.validate("layer")
    def _valid_layer(self, proposal: dict[str, Any]) -> str:
        return self._resolve(proposal["value"])

    @traitlets.validate("neuron")
    def _valid_neuron(self, proposal: dict[str, Any]) -> int:
        layer = self.layer or self._names[0]
        value = proposal["value"]
        # A layer change from the browser may arrive before the matching neuron; clamp then.
        if _is_int(value) and value >= self._units[layer] and self._syncing:
            return self._units[layer] - 1
        return self._check_neuron(layer, value)

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._check_selected(proposal["value"])
        except (TypeError, ValueError) as exc:
            if not self._syncing:
                raise
            # from the browser: a TraitError makes traitlets roll the value back
            raise traitlets.TraitError(str(exc)) from exc

    def _check_selected(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise TypeError(f"selected: expected a dict, got {type(value).__name__}")
        if not value:
            return {}
        unknown = sorted(set(value) - set(SELECTED_KEYS) - {"value", "context", "focus"})
        if unknown:
            raise ValueError(f"selected: unknown keys {unknown}; expected {list(SELECTED_KEYS)}")
        out = dict(value)
        out["layer"] = self._resolve(out.get("layer", self.layer))
        for k in ("neuron", "doc_id", "position", "start", "end"):
            if k in out and not _is_int(out[k]):
                raise TypeError(f"selected: {k} must be an int, got {type(out[k]).__name__}")
        for k in ("neuron", "position"):
            if k not in out:
                raise ValueError(f"selected: expected a {k!r} key, got {sorted(value)}")
        self._check_neuron(out["layer"], out["neuron"])
        return out

    # -- the unit shown ---------------------------------------------------------------------
    @traitlets.observe("layer", "neuron")
    def _on_selection(self, change: dict[str, Any]) -> None:
        if change["name"] == "layer" and self.neuron >= self._units[self.layer]:
            self.neuron = self._units[self.layer] - 1
            return  # the neuron change updates the unit
        self._update_unit()

    def _update_unit(self) -> None:
        if self.layer:
            self.unit = self._unit_data(self.layer, self.neuron)

    def _unit_data(self, layer: str, neuron: int) -> dict[str, Any]:
        hit = self._cache.get((layer, neuron))
        return hit if hit is not None else unit_data(self._scan, self._stats, layer, neuron)

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("kind") != "unit":
            raise ValueError(f"unknown request kind {body.get('kind')!r}")
        layer = self._resolve(body.get("layer"))
        return self._unit_data(layer, self._check_neuron(layer, body.get("neuron")))

    def _saved_requests(self) -> list[dict[str, Any]]:
        # the view prefetches the units beside the selected one (``unit`` holds it)
        n_units = self._units[self.layer]
        return [
            {"kind": "unit", "layer": self.layer, "neuron": n}
            for n in (self.neuron + 1, self.neuron - 1)
            if 0 <= n < n_units
        ]

    # -- export ---------------------------------------------------------------------------
    def _export_units(self) -> range:
        """The selected layer's units an exported page holds: outward from the selected one
        while their data fits in ``export_budget`` (the selected unit always)."""
        key = (self.layer, self.neuron, self.export_budget)
        if self._plan is not None and self._plan[0] == key:
            return self._plan[1]
        n_units = self._units[self.layer]
        lo = hi = self.neuron
        data = self._unit_data(self.layer, self.neuron)
        self._cache = {(self.layer, self.neuron): data}
        used = nbytes(data, {"kind": "unit", "layer": self.layer, "neuron": self.neuron})
        step = 1
        from tqdm.auto import tqdm

        bar = tqdm(
            total=n_units, initial=1, unit="unit", desc="export", leave=False, disable=n_units < 64
        )
        while lo > 0 or hi < n_units - 1:
            # alternate right / left so the held range stays around the selected unit
            n = hi + 1 if (step % 2 and hi < n_units - 1) or lo == 0 else lo - 1
            data = unit_data(self._scan, self._stats, self.layer, n)
            size = nbytes(data, {"kind": "unit", "layer": self.layer, "neuron": n})
            if used + size > self.export_budget:
                break
            used += size
            self._cache[(self.layer, n)] = data
            lo, hi = min(lo, n), max(hi, n)
            step += 1
            bar.update(1)
        bar.close()
        held = range(lo, hi + 1)
        self._plan = (key, held)
        return held

    def _export_requests(self) -> list[dict[str, Any]]:
        return [{"kind": "unit", "layer": self.layer, "neuron": n} for n in self._export_units()]

    def _export_state(self) -> dict[str, Any]:
        return {"export_layers": [self.layer]}

    def _export_missing(self) -> str:
        held = self._export_units()
        self._cache = {}  # the page has been built: keep no copies
        n_units = self._units[self.layer]
        if len(held) == n_units:
            return t("page.dashboard_layer_missing", self.locale, layer=repr(self.layer))
        return t(
            "page.dashboard_units_missing",
            self.locale,
            first=held.start,
            last=held.stop - 1,
            layer=repr(self.layer),
            budget=f"{self.export_budget:,}",
        )

    # -- Python side of a click -----------------------------------------------------------
    def open_selected(self, model: Any = None, corpus: Any = None, **kwargs: Any) -> Any:
        """A :class:`NeuronText` of the context last clicked (``selected``), on its unit.

        With ``model`` and the document's text — ``corpus`` as given to ``iw.scan`` (a dict
        name → text, a list of texts or paths), the document's own text, or nothing when the
        document was scanned from a file that is still there — the model reads the document
        from its start to the end of the context (recurrent state as in the scan) and the view
        shows the context with 400 characters either side, every layer and unit the model
        records. Otherwise the context alone, with the unit's values stored in the scan (other
        units show as missing). Keyword arguments go to :class:`NeuronText`.

        Linked view in a notebook::

            out = ipywidgets.Output()
            def show(change):
                out.clear_output()
                with out:
                    display(dash.open_selected(model=lm, corpus=docs))
            dash.observe(show, "selected")
            display(dash, out)
        """
        from .neuron_dashboard_open import open_context

        if not self.selected:
            raise ValueError(
                "selected: nothing is selected; click a context in the dashboard first"
            )
        return open_context(self._scan, dict(self.selected), model=model, corpus=corpus, **kwargs)
