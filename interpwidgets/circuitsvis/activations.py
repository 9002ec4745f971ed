"""``circuitsvis.activations`` drop-in: neuron activations over one or more texts (:class:`NeuronText`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..figures import column_vmax
from ..widgets.neuron_text import COLUMN_ARRAYS, EXPORT_BUDGET, NeuronText
from .render import RenderedHTML, check_labels, check_tokens, check_values, token_trace

_SHAPE = "(tokens, layers, neurons)"


class AllLayersNeuronText(NeuronText):
    """NeuronText whose exported page holds every layer that fits the budget, each as one
    block of all its neurons (one store entry per layer, not one per neuron), the selected
    layer first; circuitsvis's page lets the reader pick any layer and neuron. A selected
    layer too large for the budget keeps the neurons nearest the selected one."""

    _reply_arrays = {**NeuronText._reply_arrays, "block": {**COLUMN_ARRAYS, "vmax": "float32"}}

    def _block_data(self, layer: str) -> dict[str, Any]:
        values = self._trace.activations[layer]
        vmax = [
            self._vmax if self._vmax is not None else column_vmax(values[:, j])
            for j in range(values.shape[1])
        ]
        return {
            "layer": layer,
            "values": values,
            "vmax": np.asarray(vmax, dtype=np.float32),
        }

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("kind") == "block":
            return self._block_data(self._trace.resolve(body.get("layer")))
        return super()._answer(body)

    def _export_plan(self) -> tuple[list[str], range | None]:
        """Layers held whole, and the selected layer's neurons when it is not one of them."""
        per_value = 2  # float16
        left = self.export_budget
        whole: list[str] = []
        for name in [self.layer] + [n for n in self._trace.names if n != self.layer]:
            size = self._trace.activations[name].size * per_value
            if size <= left:
                whole.append(name)
                left -= size
            elif name == self.layer:
                break  # the selected layer first: the others only after it
        if self.layer in whole:
            return whole, None
        return [], self._export_neurons()

    def _export_requests(self) -> list[dict[str, Any]]:
        whole, neurons = self._export_plan()
        if neurons is not None:
            return [{"kind": "column", "layer": self.layer, "neuron": n} for n in neurons]
        return [{"kind": "block", "layer": name} for name in whole]

    def _export_state(self) -> dict[str, Any]:
        whole, _ = self._export_plan()
        return {"export_layers": whole or [self.layer], "export_blocks": whole}

    def _export_missing(self) -> str:
        return (
            "This exported file does not hold that neuron (the activations did not all fit in "
            "its export_budget); export from the notebook with a larger export_budget."
        )


def _samples(tokens: Any, activations: Any) -> tuple[list[list[str]], list[np.ndarray]]:
    """circuitsvis's two forms: one text (tokens, (tokens, layers, neurons)) or several."""
    several = (
        isinstance(tokens, Sequence)
        and not isinstance(tokens, str)
        and len(tokens) > 0
        and not isinstance(tokens[0], str)
    )
    if not several:
        toks = check_tokens(tokens)
        if isinstance(activations, list) and len(activations) == 1 and np.ndim(activations[0]) == 3:
            activations = activations[0]  # a list holding one sample's array
        acts = check_values(activations, "activations", (3,), _SHAPE)
        if acts.shape[0] != len(toks):
            raise ValueError(
                f"tokens: activations has {acts.shape[0]} token positions but {len(toks)} tokens were given"
            )
        return [toks], [acts]
    samples = [check_tokens(t, f"tokens[{i}]") for i, t in enumerate(tokens)]
    if not isinstance(activations, (list, tuple)):
        arr = check_values(activations, "activations", (4,), "(samples, tokens, layers, neurons)")
        activations = list(arr)
    if len(activations) != len(samples):
        raise ValueError(
            f"activations: expected one array per sample ({len(samples)} token lists), got {len(activations)}"
        )
    arrays: list[np.ndarray] = []
    for i, (toks, a) in enumerate(zip(samples, activations, strict=True)):
        arr = check_values(a, f"activations[{i}]", (3,), _SHAPE)
        if arr.shape[0] != len(toks):
            raise ValueError(
                f"tokens[{i}]: activations[{i}] has {arr.shape[0]} token positions but {len(toks)} tokens were given"
            )
        if arrays and arr.shape[1:] != arrays[0].shape[1:]:
            raise ValueError(
                f"activations[{i}]: expected (tokens, {arrays[0].shape[1]}, {arrays[0].shape[2]}) like activations[0], got {tuple(arr.shape)}"
            )
        arrays.append(arr)
    return samples, arrays


def _check_name(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str or None, got {type(value).__name__}")
    return value


def text_neuron_activations(
    tokens: list[str] | list[list[str]],
    activations: Any,
    first_dimension_name: str | None = "Layer",
    second_dimension_name: str | None = "Neuron",
    first_dimension_labels: list[str] | None = None,
    second_dimension_labels: list[str] | None = None,
) -> RenderedHTML:
    """``circuitsvis.activations.text_neuron_activations``: pick a layer and a neuron, see the
    text coloured by it.

    Args:
        tokens: one text's tokens, or a list of texts' tokens.
        activations: ``(tokens, layers, neurons)`` for one text, or a list of those (or one
            ``(samples, tokens, layers, neurons)`` array when every text has the same length).
        first_dimension_name, second_dimension_name: what the two unit dimensions are called
            (shown in the caption).
        first_dimension_labels: a name per layer (the layer menu); default
            ``"<first_dimension_name> <i>"``.
        second_dimension_labels: a name per neuron (checked; neurons are picked by index).

    Several texts are shown one after another, separated by a blank line, on one colour
    scale: symmetric about 0 out to the largest |activation| over every text, layer and
    neuron (circuitsvis's scale runs from the overall min to max). The exported page
    (``str()``) holds every layer and neuron that fit in 16 MB.
    """
    first = _check_name(first_dimension_name, "first_dimension_name")
    second = _check_name(second_dimension_name, "second_dimension_name")
    samples, acts = _samples(tokens, activations)
    n_layers, n_neurons = acts[0].shape[1:]
    labels = check_labels(
        first_dimension_labels, n_layers, "first_dimension_labels", "activations' layer dimension"
    )
    check_labels(
        second_dimension_labels,
        n_neurons,
        "second_dimension_labels",
        "activations' neuron dimension",
    )
    if labels is None:
        labels = [f"{first or 'Layer'} {i}" for i in range(n_layers)]
    if len(set(labels)) != len(labels):
        raise ValueError(f"first_dimension_labels: expected distinct labels, got {labels}")
    stacked = np.concatenate(acts, axis=0)
    trace = token_trace(samples, {label: stacked[:, i] for i, label in enumerate(labels)})
    vmax = float(np.abs(stacked).max()) or 1.0
    title = " × ".join(x for x in (first, second) if x)
    if len(samples) > 1:
        title = f"{title} · {len(samples)} texts" if title else f"{len(samples)} texts"
    widget = AllLayersNeuronText(trace, vmax=vmax, title=title, export_budget=EXPORT_BUDGET)
    lines = trace.text.count("\n") + len(trace.text) // 100
    return RenderedHTML(widget, height=min(720, 160 + 24 * lines))
