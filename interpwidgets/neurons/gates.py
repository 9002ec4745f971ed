"""Gate saturation of LSTM and GRU units (Karpathy et al. 2016, Fig. 3)."""

from __future__ import annotations

import numpy as np

from ..trace.core import Trace
from .values import _check_trace

GATE_NAMES = {
    "i": "input",
    "f": "forget",
    "g": "cell candidate",
    "o": "output",
    "r": "reset",
    "z": "update",
}


def gate_saturation(trace: Trace, low: float = 0.1, high: float = 0.9):
    """How often each gate unit is saturated (Karpathy et al. 2016, Fig. 3), as a DataFrame.

    For every sigmoid gate array in the trace (``rnn.{k}.i/f/o`` for LSTMs, ``r/z`` for GRUs):
    one row per unit with ``left`` = fraction of positions where the gate is below ``low``
    and ``right`` = fraction above ``high``. Plot it with
    :func:`interpwidgets.figures.gate_saturation_figure`.
    """
    import pandas as pd

    _check_trace(trace)
    rows = []
    for name, arr in trace.activations.items():
        parts = name.split(".")
        if len(parts) != 3 or parts[0] != "rnn" or parts[2] not in GATE_NAMES or parts[2] == "g":
            continue
        rows.append(
            pd.DataFrame(
                {
                    "layer": int(parts[1]),
                    "gate": GATE_NAMES[parts[2]],
                    "unit": np.arange(arr.shape[1]),
                    "left": (arr < low).mean(axis=0),
                    "right": (arr > high).mean(axis=0),
                }
            )
        )
    if not rows:
        raise ValueError(
            "trace: has no gate arrays (rnn.K.i/f/o or rnn.K.r/z); trace an LSTM or GRU with gates=True"
        )
    return pd.concat(rows, ignore_index=True)
