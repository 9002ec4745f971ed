"""Finding neurons: by a hypothesis (a feature) or by example (spans of text, as in LSTMVis)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .trace.core import Trace, to_numpy


def _check_trace(trace: Any) -> Trace:
    if not isinstance(trace, Trace):
        raise TypeError(
            f"trace: expected an interpwidgets.Trace (iw.trace(...) or iw.Trace.from_arrays(...)), got {type(trace).__name__}"
        )
    return trace


def _check_top(top: Any) -> int | None:
    if top is None:
        return None
    if isinstance(top, (bool, np.bool_)) or not isinstance(top, (int, np.integer)):
        raise TypeError(
            f"top: expected a positive int or None (every row), got {type(top).__name__}"
        )
    if top < 1:
        raise ValueError(f"top: expected a positive int or None (every row), got {top}")
    return int(top)


def _layers(trace: Trace, layers: Sequence[str | int] | str | int | None) -> list[str]:
    if layers is None:
        return trace.names
    if isinstance(layers, (str, int)):
        layers = [layers]
    return [trace.resolve(layer) for layer in layers]


def feature_values(trace: Trace, feature: str | Any) -> np.ndarray:
    """One value per token for ``feature``: a name from :mod:`interpwidgets.features`, or an array.

    An array may have one value per character of the text or one per token; per-character
    values are read at each token's last character.
    """
    from . import features

    _check_trace(trace)
    if isinstance(feature, str):
        table = features.python_code(trace.text)
        if feature not in table:
            table.update(features.plain_text(trace.text))
        if feature not in table:
            raise KeyError(
                f"feature: {feature!r} is not a known feature; expected one of {sorted(table)} or an array"
            )
        values = table[feature]
    else:
        values = to_numpy(feature, "feature")
        if values.ndim != 1:
            raise ValueError(f"feature: expected a 1-D array, got shape {values.shape}")
        if np.isinf(values).any():
            raise ValueError("feature: infinite values are not allowed (NaN marks a missing value)")
    n_chars, n_tok = len(trace.text), trace.n_tokens
    if len(values) == n_tok:
        return values
    if len(values) == n_chars:
        ends = np.clip(trace.offsets[:, 1] - 1, 0, n_chars - 1)
        return values[ends]
    raise ValueError(
        f"feature: expected {n_tok} values (one per token) or {n_chars} (one per character), got {len(values)}"
    )


def _auroc(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """AUROC of every column of ``x`` for boolean labels ``y`` (ties get average ranks)."""
    from scipy.stats import rankdata

    ranks = rankdata(x, axis=0)
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    return (ranks[y].sum(axis=0) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def find_neurons(
    trace: Trace,
    feature: str | Any,
    layers: Sequence[str | int] | str | int | None = None,
    top: int | None = 20,
):
    """Neurons whose values track ``feature``, best first, as a pandas DataFrame.

    Columns: ``layer``, ``neuron``, ``score`` (AUROC folded to ≥ 0.5 for a boolean feature,
    |Pearson r| for a numeric one), ``sign`` (+1 when the neuron is high where the feature
    is true/large, -1 when low), ``metric`` and the raw ``auroc`` or ``r``. ``feature`` is a
    name (``"in_string"``, ``"bracket_depth"``, … see :mod:`interpwidgets.features`) or an
    array with one value per token or per character. NaN positions are left out.
    """
    import pandas as pd

    top = _check_top(top)
    y = feature_values(trace, feature)
    is_bool = y.dtype == bool or set(np.unique(y[~np.isnan(y.astype(float))]).tolist()) <= {0, 1}
    rows = []
    for name in _layers(trace, layers):
        x = trace.activations[name].astype(np.float64)
        keep = ~np.isnan(x).any(axis=1) & ~np.isnan(y.astype(float))
        xk, yk = x[keep], y[keep]
        if is_bool:
            yk = yk.astype(bool)
            if yk.all() or not yk.any():
                raise ValueError(
                    f"feature: is {'always' if yk.all() else 'never'} true on this text; AUROC needs both classes"
                )
            raw = _auroc(xk, yk)
            score, sign, metric = np.maximum(raw, 1 - raw), np.where(raw >= 0.5, 1, -1), "auroc"
        else:
            yc = yk.astype(np.float64) - yk.mean()
            xc = xk - xk.mean(axis=0)
            denom = np.sqrt((xc**2).sum(axis=0) * (yc**2).sum())
            raw = np.divide(xc.T @ yc, denom, out=np.zeros(x.shape[1]), where=denom > 0)
            score, sign, metric = np.abs(raw), np.where(raw >= 0, 1, -1), "r"
        rows.append(
            pd.DataFrame(
                {
                    "layer": name,
                    "neuron": np.arange(x.shape[1]),
                    "score": score,
                    "sign": sign,
                    "metric": metric,
                    metric: raw,
                }
            )
        )
    table = (
        pd.concat(rows, ignore_index=True)
        .sort_values("score", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    return table.head(top) if top else table


def match_spans(
    trace: Trace,
    spans: Sequence[tuple[int, int]],
    threshold: float = 0.3,
    layers: Sequence[str | int] | str | int | None = None,
    margin: int | None = None,
    top: int | None = 20,
):
    """The LSTMVis query: neurons on over the given character spans and off just outside them.

    ``spans`` are ``[start, end)`` character ranges of the text. A neuron is *on* at a token
    when its value (times its sign) exceeds ``threshold``. ``score`` = fraction of tokens
    inside the spans where it is on − fraction of tokens within ``margin`` characters around
    the spans (default: each span's length, at least 5) where it is on. Both signs are
    tried; ``sign`` says which matched. Returns a DataFrame, best first.
    """
    import pandas as pd

    _check_trace(trace)
    top = _check_top(top)
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(
        threshold, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"threshold: expected a finite number, got {type(threshold).__name__}")
    if not np.isfinite(threshold):
        raise ValueError(f"threshold: expected a finite number, got {threshold!r}")
    if margin is not None and (
        isinstance(margin, (bool, np.bool_))
        or not isinstance(margin, (int, np.integer))
        or margin < 0
    ):
        raise ValueError(f"margin: expected an int >= 0 (characters) or None, got {margin!r}")
    if isinstance(spans, np.ndarray):
        spans = spans.tolist()
    if isinstance(spans, str) or not isinstance(spans, (Sequence, set, frozenset)):
        raise TypeError(
            f"spans: expected a list of (start, end) character spans, got {type(spans).__name__}"
        )
    if (
        isinstance(spans, tuple)
        and len(spans) == 2
        and all(isinstance(v, (int, np.integer)) for v in spans)
    ):
        spans = [spans]
    if not spans:
        raise ValueError("spans: expected at least one (start, end) character span, got none")
    n = len(trace.text)
    inside_c = np.zeros(n, dtype=bool)
    near_c = np.zeros(n, dtype=bool)
    for span in spans:
        if (
            isinstance(span, str)
            or not isinstance(span, Sequence)
            or len(span) != 2
            or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                for v in span
            )
        ):
            raise TypeError(f"spans: expected (start, end) pairs of ints, got {span!r}")
        s, e = int(span[0]), int(span[1])
        if not 0 <= s < e <= n:
            raise ValueError(f"spans: expected 0 <= start < end <= len(text)={n}, got ({s}, {e})")
        m = max(5, e - s) if margin is None else int(margin)
        near_c[max(0, s - m) : min(n, e + m)] = True
        inside_c[s:e] = True
    near_c &= ~inside_c
    mid = np.clip((trace.offsets[:, 0] + trace.offsets[:, 1] - 1) // 2, 0, n - 1)
    inside, near = inside_c[mid], near_c[mid]
    if not inside.any():
        raise ValueError("spans: cover no token of the trace")
    rows = []
    for name in _layers(trace, layers):
        x = np.nan_to_num(trace.activations[name].astype(np.float64), nan=0.0)
        for sign in (1, -1):
            on = sign * x > threshold
            frac_in = on[inside].mean(axis=0)
            frac_out = on[near].mean(axis=0) if near.any() else np.zeros(x.shape[1])
            rows.append(
                pd.DataFrame(
                    {
                        "layer": name,
                        "neuron": np.arange(x.shape[1]),
                        "sign": sign,
                        "score": frac_in - frac_out,
                        "on_inside": frac_in,
                        "on_outside": frac_out,
                    }
                )
            )
    table = pd.concat(rows, ignore_index=True)
    table = (
        table.sort_values("score", ascending=False, kind="stable")
        .drop_duplicates(["layer", "neuron"])
        .reset_index(drop=True)
    )
    return table.head(top) if top else table


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
