"""``iw.find_neurons(scan, feature)``: units chosen on some documents, scored on others."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..stats import hanley_mcneil_se

if TYPE_CHECKING:
    from .result import Scan

_SPLITS = {
    (0,): "even-numbered documents",
    (1,): "odd-numbered documents",
    (0, 1): "every document",
}


def _scores(scan: Scan, feature: str, parity: tuple[int, ...]):
    arrays = scan._feature_arrays(parity)
    if feature not in arrays:
        known = sorted(arrays)
        if not known:
            raise ValueError("scan: was made with features=False; scan again with features=True")
        raise KeyError(f"feature: {feature!r} is not in this scan; expected one of {known}")
    return arrays[feature]


def find_in_scan(
    scan: Scan, feature: Any, layers: Any = None, top: int | None = 20, test: Any = None
):
    """Units that track ``feature`` over a scanned corpus, best first (a DataFrame).

    Selection and evaluation never share data: without ``test`` the ranking is made on the
    even-numbered documents and ``test_score`` measured on the odd-numbered ones; with
    ``test`` (another :class:`Scan` of the same model and layers) the ranking uses all of
    this scan and ``test_score`` comes from ``test``. ``df.attrs`` names both.
    """
    import pandas as pd

    if not isinstance(feature, str):
        raise TypeError(
            f"feature: a scan scores features by name (one of its features), got {type(feature).__name__}"
        )
    if top is not None and (
        isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1
    ):
        raise ValueError(f"top: expected a positive int or None (every row), got {top!r}")
    if test is not None and not isinstance(test, type(scan)):
        raise TypeError(f"test: expected another iw.Scan (or None), got {type(test).__name__}")
    if test is not None and (test.layers != scan.layers or test.sizes != scan.sizes):
        raise ValueError("test: expected a scan of the same layers and sizes as scan")
    sel_par, test_par = ((0,), (1,)) if test is None else ((0, 1), (0, 1))
    metric, raw, n_pos, n_neg = _scores(scan, feature, sel_par)
    _, raw_t, n_pos_t, n_neg_t = _scores(test if test is not None else scan, feature, test_par)
    if metric == "auroc":
        score, sign = np.maximum(raw, 1 - raw), np.where(raw >= 0.5, 1, -1)
        test_score = np.where(sign > 0, raw_t, 1 - raw_t)
        se = hanley_mcneil_se(np.nan_to_num(test_score, nan=0.5), n_pos_t, n_neg_t)
    else:
        score, sign = np.abs(raw), np.where(raw >= 0, 1, -1)
        test_score = sign * raw_t
        se = (1 - test_score**2) / np.sqrt(max(n_pos_t - 3, 1))
    names = np.repeat(np.array(scan.layers, dtype=object), scan.sizes)
    units = np.concatenate([np.arange(n) for n in scan.sizes])
    table = pd.DataFrame(
        {
            "layer": names,
            "neuron": units,
            "score": score,
            "sign": sign,
            "metric": metric,
            metric: raw,
            "test_score": test_score,
            "test_se": se,
        }
    )
    if layers is not None:
        wanted = [scan.resolve(x) for x in ([layers] if isinstance(layers, (str, int)) else layers)]
        table = table[table["layer"].isin(wanted)]
    table = table.dropna(subset=["score"]).sort_values("score", ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    table.attrs["selection"] = _SPLITS[sel_par] + (" of this scan" if test is not None else "")
    table.attrs["evaluation"] = _SPLITS[test_par] + (
        " of the test scan" if test is not None else ""
    )
    table.attrs["note"] = (
        "AUROC from 1/16-decade bins; test_se is Hanley & McNeil's, which takes positions as "
        "independent (neighbouring characters are not), so read it as a lower bound"
        if metric == "auroc"
        else "test_se is (1 - r²)/√(n - 3), which takes positions as independent: a lower bound"
    )
    return table.head(top) if top else table
