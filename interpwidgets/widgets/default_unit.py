"""Which unit a neuron widget opens on when it is not told: something worth looking at."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

#: Rows read to rank units by variance (an even stride through longer traces).
VARIANCE_ROWS = 20_000
#: The documented cell a zoo model's trace opens on, first one the card has.
CARD_CELLS = ("in_string", "in_comment", "bracket_depth")


def card_unit(trace: Any) -> tuple[str, int, str] | None:
    """``(layer, neuron, why)`` from the model card when ``trace`` came from a shipped zoo
    model (``trace.meta["zoo"]``, set only for the shipped weights), else ``None``."""
    name = trace.meta.get("zoo") if isinstance(trace.meta, dict) else None
    if not name:
        return None
    from ..zoo import card

    try:
        cells = card(str(name)).get("cells", {})
    except FileNotFoundError:
        return None
    for key in CARD_CELLS:
        cell = cells.get(key)
        if not cell or cell.get("layer") not in trace.activations:
            continue
        neuron = int(cell["neuron"])
        if 0 <= neuron < trace.activations[cell["layer"]].shape[1]:
            label = cell.get("name") or key
            return cell["layer"], neuron, f"{name}'s documented {key} cell ({label}, model card)"
    return None


def largest_variance(trace: Any, layers: list[str]) -> tuple[str, int, str]:
    """``(layer, neuron, why)``: the unit of ``layers`` whose values vary most over the text
    (NaN ignored; up to :data:`VARIANCE_ROWS` evenly spaced rows are read)."""
    best: tuple[float, str, int] = (-1.0, layers[0], 0)
    for name in layers:
        acts = trace.activations[name]
        step = max(1, -(-acts.shape[0] // VARIANCE_ROWS))
        rows = np.asarray(acts[::step], dtype=np.float64)
        with warnings.catch_warnings():  # all-NaN columns: "Degrees of freedom <= 0"
            warnings.simplefilter("ignore", RuntimeWarning)
            var = np.nanvar(rows, axis=0)
        var = np.where(np.isfinite(var), var, -1.0)
        k = int(np.argmax(var)) if var.size else 0
        if var.size and var[k] > best[0]:
            best = (float(var[k]), name, k)
    _, layer, neuron = best
    return layer, neuron, "the unit with the largest variance over this text"


def default_unit(trace: Any, layer: str | None) -> tuple[str, int, str]:
    """The unit a NeuronText opens on when no neuron is given: the model card's documented
    cell for a shipped zoo model (when ``layer`` is not given or is its layer), else the unit
    of ``layer`` (of every layer when ``None``) with the largest variance over the text."""
    found = card_unit(trace)
    if found is not None and (layer is None or found[0] == layer):
        return found
    return largest_variance(trace, [layer] if layer is not None else list(trace.names))
