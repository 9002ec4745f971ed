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
from dataclasses import dataclass

import numpy as np

from ..text_scale import Ramp
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


@dataclass(frozen=True)
class NeuronScale:
    """The colour scale of a neuron's values (the mirror of ``neuron_scale.ts``'s NeuronScale).

    ``ramp``: ``"sequential"`` (0..hi) or ``"diverging"`` (±hi); ``source``: what decided it
    (``"unit"``, ``"tanh-range"``, ``"fixed"``, ``"p99"``, ``"max"`` or ``"tanh"``); ``squash``:
    values are placed by tanh(value) (``hi`` is 1)."""

    ramp: Ramp
    source: str
    hi: float
    squash: bool = False

    def position(self, values: np.ndarray) -> np.ndarray:
        """Where ``values`` sit on the scale: 0..1 (sequential) or −1..1 (diverging), clipped;
        NaN stays NaN."""
        v = np.asarray(values, dtype=np.float64)
        x = (np.tanh(v) if self.squash else v) / self.hi
        return np.clip(x, 0.0 if self.ramp == "sequential" else -1.0, 1.0)


def abs_stats(values: np.ndarray, q: float = 0.99) -> tuple[float, float]:
    """The largest |value| and its ``q``-quantile (numpy's linear), over the finite values;
    (0, 0) when there is none — as ``absStats`` in the browser."""
    a = np.abs(np.asarray(values, dtype=np.float64))
    a = a[np.isfinite(a)]
    if not a.size:
        return 0.0, 0.0
    return float(a.max()), float(np.quantile(a, q))


def neuron_scale(
    range_: str | None, mode: str, fixed: float | None, values: np.ndarray
) -> NeuronScale:
    """The scale of ``values`` of a layer of ``range_`` shown with ``mode`` (one of
    :data:`SCALES`); ``fixed``: the half-width the widget was given (None: none). The same
    decision as the browser's ``neuronScale``: gates 0..1 sequential, tanh-range ±1, else a
    fixed ±vmax, tanh(value), or ±(99th percentile | max) of |value|."""
    if mode not in SCALES:
        raise ValueError(f"scale: expected one of {list(SCALES)}, got {mode!r}")
    if range_ == "unit":
        return NeuronScale("sequential", "unit", 1.0)
    if range_ == "tanh":
        return NeuronScale("diverging", "tanh-range", 1.0)
    if fixed is not None and np.isfinite(fixed) and fixed > 0:
        return NeuronScale("diverging", "fixed", float(fixed))
    if mode == "tanh":
        return NeuronScale("diverging", "tanh", 1.0, squash=True)
    top, p99 = abs_stats(values)
    if mode == "p99" and p99 > 0:
        return NeuronScale("diverging", "p99", p99)
    return NeuronScale("diverging", "max", top if top > 0 else 1.0)


def format_tick(v: float) -> str:
    """A scale end as the legend prints it: 3 significant digits, a real minus sign."""
    if np.isnan(v):
        return "NaN"
    if not np.isfinite(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    a = abs(float(v))
    if 1e-4 <= a < 1e6:
        s = f"{float(f'{a:.3g}'):g}"
    else:
        mant, exp = f"{a:.2e}".split("e")
        s = f"{mant.rstrip('0').rstrip('.')}e{int(exp):+d}"
    return f"−{s}" if v < 0 else s


def describe_scale(scale: NeuronScale, lang: str | None = None) -> tuple[tuple[str, str, str], str]:
    """What the legend says of ``scale``: its three ticks (low end, middle, high end) and a
    note, in the widget's words (``ui.scale.note_*``)."""
    from ..i18n import t

    v = format_tick(scale.hi)
    if scale.source == "unit":
        return ("0", "0.5", "1"), t("ui.scale.note_unit", lang)
    if scale.source in ("tanh-range", "tanh"):
        key = "ui.scale.note_tanh_range" if scale.source == "tanh-range" else "ui.scale.note_tanh"
        return ("−1", "0", "1"), t(key, lang)
    ticks = (format_tick(-scale.hi), "0", v)
    return ticks, t(f"ui.scale.note_{scale.source}", lang, v=v)
