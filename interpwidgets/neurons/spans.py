"""Finding neurons by example (LSTMVis): on over chosen spans of text, off just around them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from ..trace.core import Trace
from .values import _check_top, _check_trace, _layers


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
        spans = [cast("tuple[int, int]", spans)]  # one (start, end) pair given alone
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
