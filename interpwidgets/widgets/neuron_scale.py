"""Which colour scale a layer's values call for, decided once for NeuronText and NeuronExplorer.

A layer's *range* is a fact about the array, known from the trace's metadata:

* ``"unit"``: values in 0..1 — the sigmoid gates of an LSTM (``i``, ``f``, ``o``) and of a GRU
  (``r``, ``z``). Drawn on a sequential scale from 0 to 1, so a half-open gate (0.5) is a
  middle shade, not "strongly positive".
* ``"tanh"``: values in −1..1 — an LSTM's ``g`` and ``h``, a GRU's ``n`` and ``h``, a tanh
  RNN's ``h``. Drawn diverging at 0 over the fixed range ±1.
* ``None``: unbounded (an LSTM's cell state ``c``, a Transformer's activations, arrays given
  to ``Trace.from_arrays``). Drawn diverging at 0 with the widget's ``scale``: clipped at the
  99th percentile of |value| (``"p99"``), the largest |value| (``"max"``), or tanh of the
  value (``"tanh"``, as Karpathy et al. 2016 drew cell states).

The range travels to the browser in each entry of the ``layers`` trait (``"range"``); the
browser's ``neuron_scale.ts`` turns it and the ``scale`` trait into colours and the legend.
A range is only claimed when every finite value of the array lies in it.
"""

from __future__ import annotations

import re

import numpy as np

from ..trace.core import Trace

#: The widget's ``scale`` trait: how an unbounded layer's values map onto the colours.
SCALES = ("p99", "max", "tanh")

#: Array kind → range, per recurrent cell (the ``cell`` entry of an RNN trace's meta).
_RANGES: dict[str, dict[str, str]] = {
    "LSTM": {"i": "unit", "f": "unit", "o": "unit", "g": "tanh", "h": "tanh"},
    "GRU": {"r": "unit", "z": "unit", "n": "tanh", "h": "tanh"},
    "RNN": {"h": "tanh"},
}
_RNN_ARRAY = re.compile(r"^rnn\.\d+\.(\w+)$")
_BOUNDS = {"unit": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def value_range(trace: Trace, name: str) -> str | None:
    """The known range of ``trace.activations[name]``: ``"unit"`` (0..1), ``"tanh"`` (−1..1)
    or None (unbounded, or not known from the trace's metadata)."""
    m = _RNN_ARRAY.match(name)
    kind = _RANGES.get(str(trace.meta.get("cell", ""))) if m else None
    got = kind.get(m.group(1)) if kind and m else None
    if got is None:
        return None
    lo, hi = _BOUNDS[got]
    acts = trace.activations[name]
    for i in range(0, len(acts), 65536):  # row blocks: a long trace's array is not copied whole
        block = acts[i : i + 65536]
        if np.any(block < lo - 1e-6) or np.any(block > hi + 1e-6):
            return None  # e.g. a ReLU RNN: the metadata's claim does not hold for these values
    return got
