"""Uncertainty of estimates from a sample: standard errors and intervals, in one place.

Every number the library reports from a sample (a mean over examples, a rate over texts)
travels with one of these: ``mean_se`` (the standard error of a mean, ``sd / sqrt(n)``),
``proportion_se`` (binomial, ``sqrt(p (1 - p) / n)``) and ``wilson`` (a 95% interval for a
proportion that stays informative at 0 and 1, where the binomial SE is 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

Z95 = 1.959964


def mean_se(values: Iterable[float]) -> tuple[float, float, int]:
    """``(mean, standard error, n)`` of the finite values (NaN mean with n = 0; NaN SE with n = 1)."""
    v = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return float("nan"), float("nan"), 0
    se = float(v.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return float(v.mean()), se, n


def proportion_se(k: int, n: int) -> float:
    """Binomial standard error ``sqrt(p (1 - p) / n)`` of ``p = k / n`` (NaN when n = 0)."""
    if n <= 0:
        return float("nan")
    p = k / n
    return math.sqrt(p * (1 - p) / n)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval (95% by default) for ``k`` successes out of ``n`` (NaNs when n = 0)."""
    if n <= 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def pm(value: float, se: float, digits: int = 3) -> str:
    """``"0.412 ± 0.031"`` (just the value when the SE is NaN)."""
    if not math.isfinite(value):
        return "–"
    if not math.isfinite(se):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} ± {se:.{digits}f}"


def hanley_mcneil_se(a: np.ndarray, n_pos: Any, n_neg: Any) -> np.ndarray:
    """Hanley & McNeil's (1982) standard error of an AUROC (positions taken as independent)."""
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (n_pos * n_neg)
    return np.sqrt(np.maximum(var, 0))
