"""Finding neurons: by a hypothesis (a feature) or by example (spans of text, as in LSTMVis).

:func:`find_neurons` (here) ranks units by how well they track a feature, chosen on one part
of the data and scored on another; the parts: :mod:`.values` (checked arguments, a feature's
value per token), :mod:`.heldout` (the disjoint selection / evaluation parts and their
uncertainty blocks), :mod:`.spans` (:func:`match_spans`, the LSTMVis query), :mod:`.gates`
(:func:`gate_saturation`). The scores and their standard errors are in
:mod:`interpwidgets.stats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..stats import auroc as _auroc
from ..stats import auroc_se as auroc_se
from ..stats import column_ranks as _ranks  # noqa: F401  (bench/bench_find_neurons.py reads it)
from ..stats import pearson as _pearson
from ..stats import r_interval as r_interval
from ..trace.core import Trace
from .gates import GATE_NAMES as GATE_NAMES
from .gates import gate_saturation as gate_saturation
from .heldout import BLOCK_CHARS as BLOCK_CHARS
from .heldout import _as_traces, _gather, _Part, _split
from .spans import match_spans as match_spans
from .values import _check_top, _layers
from .values import feature_values as feature_values

#: find_neurons shows a progress bar when it ranks more values (positions × units) than this.
PROGRESS_VALUES = 20_000_000


def find_neurons(
    trace: Trace | Sequence[Trace],
    feature: str | Any,
    layers: Sequence[str | int] | str | int | None = None,
    top: int | None = 20,
    test: Trace | Sequence[Trace] | None = None,
    progress: bool | None = None,
):
    """Neurons whose values track ``feature``, best first, as a pandas DataFrame — chosen on
    one part of the data and scored again on another.

    ``trace`` is a Trace or a list of Traces (one per text); ``feature`` a name
    (``"in_string"``, ``"in_docstring"``, ``"bracket_depth"``, … see
    :mod:`interpwidgets.features`) or, for a single trace, an array with one value per token
    or per character. NaN positions are left out.

    **Selection and evaluation never share data.** With ``test=`` (another Trace or list of
    Traces) the ranking is made on ``trace`` and every row is scored again on ``test``.
    Without it the data are split in two disjoint contiguous parts — whole texts when
    several traces are given, otherwise the text cut at a line boundary near its middle
    (whitespace if the middle half has no line break) — the ranking is made on the first
    and ``test_score`` measured on the second. ``df.attrs`` says which: ``"selection"``,
    ``"evaluation"``, ``"split"``; ``"chance"`` is the score of a unit unrelated to the
    feature (0.5 for AUROC, 0 for r), the baseline for ``test_score``. ``score`` is
    optimistic: it is the best of ``attrs["n_candidates"]`` units on the data it was chosen
    on; ``test_score`` is not.

    Columns: ``layer``, ``neuron``, ``score`` (AUROC folded to ≥ 0.5 for a boolean feature,
    |Pearson r| for a numeric one, on the selection data), ``sign`` (+1 when the neuron is
    high where the feature is true/large, -1 when low), ``metric``, the raw ``auroc`` or
    ``r``, ``score_se``; then ``test_score`` (the same measure on the evaluation data *with
    the sign chosen on the selection data*: an AUROC can fall below 0.5, an r below 0), the
    raw ``test_auroc`` or ``test_r``, ``test_se``, and a 95% interval ``test_low`` /
    ``test_high``.

    Uncertainty: AUROC standard errors are Obuchowski's (1997) clustered variance, r
    intervals a block jackknife of Fisher's z. Neighbouring characters are not independent,
    so the blocks are runs of whole lines of about ``BLOCK_CHARS`` (2,000) characters (fewer
    on short texts, so there are about 30 per part), never crossing texts, and are taken as
    independent of each other; dependence that reaches further than a block (a docstring
    longer than a block) is not counted, so on short texts the intervals are too narrow. The
    SE is never below the independent-rows one (the clustered estimate collapses when a
    class sits in one or two blocks).

    A scan (``interpwidgets.scan``) passed as ``trace`` answers with its own
    ``_find_neurons``.

    ``progress``: a bar over the layers (tqdm); by default shown when the positions × units
    to rank pass :data:`PROGRESS_VALUES` (about two seconds of work; most of it sorting each
    unit's values for the AUROC).
    """
    if hasattr(trace, "_find_neurons"):
        return trace._find_neurons(feature, layers=layers, top=top, test=test)
    import pandas as pd

    traces = _as_traces(trace, "trace")
    top = _check_top(top)
    if not isinstance(feature, str) and (len(traces) > 1 or test is not None):
        raise ValueError(
            "feature: an array holds the values of one text; with several traces or test= "
            "give a feature name (e.g. 'in_string') so it is computed on every text"
        )
    names = _layers(traces[0], layers)
    tests = None if test is None else _as_traces(test, "test")
    for tr in traces[1:] + (tests or []):
        for name in names:
            if name not in tr.activations or (
                tr.activations[name].shape[1] != traces[0].activations[name].shape[1]
            ):
                raise ValueError(
                    f"test: every trace needs layer {name!r} with "
                    f"{traces[0].activations[name].shape[1]} units, as the first trace has"
                )
    ys = [feature_values(tr, feature) for tr in traces]
    y_all = np.concatenate(ys)
    finite = y_all[~np.isnan(y_all.astype(float))]
    is_bool = y_all.dtype == bool or set(np.unique(finite).tolist()) <= {0, 1}
    if is_bool and (finite.astype(bool).all() or not finite.astype(bool).any()):
        where = "on this text" if len(traces) == 1 else "on these texts"
        raise ValueError(
            f"feature: is {'always' if finite.astype(bool).all() else 'never'} true {where}; AUROC needs both classes"
        )
    if tests is None:
        sel, ev, split = _split(traces, ys, is_bool)
        y_by = dict(enumerate(ys))
    else:
        sel = _Part([(i, tr, 0, tr.n_tokens) for i, tr in enumerate(traces)], "")
        k = len(traces)
        ev = _Part([(i + k, tr, 0, tr.n_tokens) for i, tr in enumerate(tests)], "")
        y_by = dict(enumerate(ys)) | {
            i + k: feature_values(tr, feature) for i, tr in enumerate(tests)
        }
        sel.label = (
            f"trace ({len(traces)} text{'s' * (len(traces) > 1)}, {sel.n_chars:,} characters)"
        )
        ev.label = f"test ({len(tests)} text{'s' * (len(tests) > 1)}, {ev.n_chars:,} characters)"
        split = "given: trace selects, test evaluates"
    metric = "auroc" if is_bool else "r"
    sel_blocks, ev_blocks = sel.blocks(), ev.blocks()
    rows, cache = [], {}
    note = None
    from tqdm.auto import tqdm

    size = sum(tr.n_tokens for tr in traces) * sum(traces[0].activations[n].shape[1] for n in names)
    show = progress if progress is not None else size > PROGRESS_VALUES
    for name in tqdm(names, desc=f"find_neurons ({metric})", unit="layer", disable=not show):
        xs, ysel = _gather(sel, name, y_by)
        xe, yev = _gather(ev, name, y_by)
        ks = ~np.isnan(xs).any(axis=1) & ~np.isnan(ysel.astype(float))
        ke = ~np.isnan(xe).any(axis=1) & ~np.isnan(yev.astype(float))
        xs, ysel, bs = xs[ks], ysel[ks], sel_blocks[ks]
        xe, yev, be = xe[ke], yev[ke], ev_blocks[ke]
        if is_bool:
            ysel, yev = ysel.astype(bool), yev.astype(bool)
            if ysel.all() or not ysel.any():
                raise ValueError(
                    f"feature: is {'always' if ysel.all() else 'never'} true on the selection part "
                    f"({sel.label}); AUROC needs both classes — give a longer text or test="
                )
            raw = _auroc(xs, ysel)
            score, sign = np.maximum(raw, 1 - raw), np.where(raw >= 0.5, 1, -1)
            ok = bool(yev.any() and not yev.all())
        else:
            ysel, yev = ysel.astype(np.float64), yev.astype(np.float64)
            raw = _pearson(xs, ysel)
            score, sign = np.abs(raw), np.where(raw >= 0, 1, -1)
            ok = len(yev) > 2 and np.ptp(yev) > 0
        if not ok:
            note = f"the feature is constant on the evaluation part ({ev.label}): no test score"
        cache[name] = (xs, ysel, bs, xe, yev, be, ok)
        rows.append(
            pd.DataFrame(
                {
                    "layer": name,
                    "neuron": np.arange(xs.shape[1]),
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
    n_candidates = len(table)
    if top:
        table = table.head(top).copy()
    for col in ("score_se", "test_score", f"test_{metric}", "test_se", "test_low", "test_high"):
        table[col] = np.nan
    for name, idx in table.groupby("layer", sort=False).groups.items():
        xs, ysel, bs, xe, yev, be, ok = cache[name]
        units = table.loc[idx, "neuron"].to_numpy()
        sign = table.loc[idx, "sign"].to_numpy()
        if ok:  # evaluation scores only for the rows returned
            test_raw = _auroc(xe[:, units], yev) if is_bool else _pearson(xe[:, units], yev)
            table.loc[idx, f"test_{metric}"] = test_raw
            flipped = 1 - test_raw if is_bool else -test_raw
            table.loc[idx, "test_score"] = np.where(sign > 0, test_raw, flipped)
        if is_bool:
            table.loc[idx, "score_se"] = auroc_se(xs[:, units], ysel, bs)
            if ok:
                se = auroc_se(xe[:, units], yev, be)
                t = table.loc[idx, "test_score"].to_numpy()
                table.loc[idx, "test_se"] = se
                table.loc[idx, "test_low"] = np.clip(t - 1.96 * se, 0, 1)
                table.loc[idx, "test_high"] = np.clip(t + 1.96 * se, 0, 1)
        else:
            table.loc[idx, "score_se"] = r_interval(xs[:, units], ysel, bs)[0]
            if ok:
                se, lo, hi = r_interval(xe[:, units], yev, be)
                table.loc[idx, "test_se"] = se
                table.loc[idx, "test_low"] = np.where(sign > 0, lo, -hi)
                table.loc[idx, "test_high"] = np.where(sign > 0, hi, -lo)
    order = ["layer", "neuron", "score", "sign", "metric", metric, "score_se", "test_score",
             f"test_{metric}", "test_se", "test_low", "test_high"]  # fmt: skip
    table = table[order]
    table.attrs.update(
        {
            "selection": sel.label,
            "evaluation": ev.label,
            "split": split,
            "metric": metric,
            "chance": 0.5 if is_bool else 0.0,
            "n_candidates": n_candidates,
            "n_selection": int(sum(len(c[1]) for c in cache.values()) // max(len(cache), 1)),
            "n_evaluation": int(sum(len(c[4]) for c in cache.values()) // max(len(cache), 1)),
            "interval": (
                "95% normal interval from Obuchowski's clustered AUROC variance"
                if is_bool
                else "95% Fisher-z interval, block-jackknife standard error"
            )
            + f"; blocks of whole lines up to {BLOCK_CHARS:,} characters taken as independent",
        }
    )
    if note:
        table.attrs["note"] = note
    return table
