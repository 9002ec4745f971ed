"""What the neuron searches read from a trace: checked arguments and a feature's value per token."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..trace.core import Trace, to_numpy


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


@lru_cache(maxsize=8)
def _features_of(text: str, kind: str) -> dict[str, np.ndarray]:
    """``features.python_code`` or ``plain_text`` of ``text``, computed once (read-only).

    At most 8 texts are kept: each entry holds several arrays as long as its text, so a
    larger cache of long texts would hold gigabytes."""
    from .. import features

    table = features.python_code(text) if kind == "code" else features.plain_text(text)
    for v in table.values():
        v.flags.writeable = False
    return table


def _feature_table(text: str, feature: str) -> dict[str, np.ndarray]:
    table = _features_of(text, "code")
    return table if feature in table else {**_features_of(text, "plain"), **table}


def feature_values(trace: Trace, feature: str | Any) -> np.ndarray:
    """One value per token for ``feature``: a name from :mod:`interpwidgets.features`, or an array.

    An array may have one value per character of the text or one per token; per-character
    values are read at each token's last character.
    """
    _check_trace(trace)
    if isinstance(feature, str):
        table = _feature_table(trace.text, feature)
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
        return values.copy() if isinstance(feature, str) else values
    if len(values) == n_chars:
        ends = np.clip(trace.offsets[:, 1] - 1, 0, n_chars - 1)
        return values[ends]
    raise ValueError(
        f"feature: expected {n_tok} values (one per token) or {n_chars} (one per character), got {len(values)}"
    )
