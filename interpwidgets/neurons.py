"""Finding neurons: by a hypothesis (a feature) or by example (spans of text, as in LSTMVis)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

import numpy as np

from .features import _line_starts
from .trace.core import Trace, to_numpy

#: find_neurons shows a progress bar when it ranks more values (positions × units) than this.
PROGRESS_VALUES = 20_000_000


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
    from . import features

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


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks down every column (sorted along contiguous rows: twice as fast)."""
    from scipy.stats import rankdata

    return rankdata(np.ascontiguousarray(x.T), axis=1).T


def _auroc(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """AUROC of every column of ``x`` for boolean labels ``y`` (ties count one half).

    Mann–Whitney's U counted directly: each unit's positives and negatives are sorted apart
    (one sort of every row of the transposed array), and for each positive the negatives
    below it, plus half of those tied with it, are found by binary search. The same number
    as the average-rank formula ``(Σ ranks of positives − n₊(n₊+1)/2) / (n₊ n₋)`` with no
    ranks computed: about 4× faster than ranking every column (``bench/bench_find_neurons.py``).
    A column holding NaN gives NaN, as ranking it would.
    """
    x = np.asarray(x)
    x = x[:, None] if x.ndim == 1 else x
    y = np.asarray(y, dtype=bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    out = np.full(x.shape[1], np.nan)
    if n_pos == 0 or n_neg == 0:
        return out
    dtype = np.float64 if x.dtype == np.float64 else np.float32  # float16 → float32: exact
    xt = np.ascontiguousarray(x.T, dtype=dtype)  # one contiguous row per unit
    pos = np.sort(xt[:, y], axis=1)
    neg = np.sort(xt[:, ~y], axis=1)
    bad = np.isnan(pos[:, -1]) | np.isnan(neg[:, -1])  # NaN sorts last
    for j in np.flatnonzero(~bad):
        below = np.searchsorted(neg[j], pos[j], "left")
        u2 = 2 * int(below.sum(dtype=np.int64))
        # ties: only positives equal to the negative at their insertion point need a 2nd search
        tied = pos[j] == neg[j][np.minimum(below, n_neg - 1)]
        if tied.any():
            top = np.searchsorted(neg[j], pos[j][tied], "right")
            u2 += int((top - below[tied]).sum(dtype=np.int64))
        out[j] = u2 / (2.0 * n_pos * n_neg)
    return out


def _pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of every column of ``x`` with ``y`` (0 where a column is constant)."""
    yc = y.astype(np.float64) - y.mean()
    xc = x - x.mean(axis=0)
    denom = np.sqrt((xc**2).sum(axis=0) * (yc**2).sum())
    return np.divide(xc.T @ yc, denom, out=np.zeros(x.shape[1]), where=denom > 0)


def _block_sums(v: np.ndarray, block: np.ndarray, n_blocks: int) -> np.ndarray:
    """Sum the rows of ``v`` within each block (``block`` sorted ascending)."""
    cs = np.concatenate([np.zeros((1,) + v.shape[1:]), np.cumsum(v, axis=0)])
    bounds = np.searchsorted(block, np.arange(n_blocks + 1))
    return cs[bounds[1:]] - cs[bounds[:-1]]


def auroc_se(x: np.ndarray, y: np.ndarray, block: np.ndarray | None = None) -> np.ndarray:
    """Standard error of the AUROC of every column of ``x`` for labels ``y``.

    With ``block`` (one sorted block id per row) it is Obuchowski's (1997) clustered
    variance: rows in one block may depend on each other in any way, blocks are taken as
    independent — but never below DeLong's variance for independent rows, because the
    clustered estimate collapses when a class sits in only a few blocks (all positives in
    one block give it zero between-block spread). Without ``block`` every row is its own
    block (DeLong's variance).
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    y = np.asarray(y, dtype=bool)
    rows = np.arange(len(y))
    block = rows if block is None else np.asarray(block)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0 or len(y) < 3:
        return np.full(x.shape[1], np.nan)
    ranks = _ranks(x)
    v10 = (ranks[y] - _ranks(x[y])) / n_neg  # share of negatives below each positive
    v01 = 1 - (ranks[~y] - _ranks(x[~y])) / n_pos  # share of positives above each negative
    a = v10.mean(axis=0)

    def variance(b: np.ndarray) -> np.ndarray:
        k = int(b.max()) + 1
        if k < 2:
            return np.full(x.shape[1], np.nan)
        m_k = np.bincount(b[y], minlength=k)[:, None]
        n_k = np.bincount(b[~y], minlength=k)[:, None]
        dx = _block_sums(v10, b[y], k) - m_k * a
        dy = _block_sums(v01, b[~y], k) - n_k * a
        f = k / (k - 1)
        s10 = f / n_pos * (dx**2).sum(axis=0)
        s01 = f / n_neg * (dy**2).sum(axis=0)
        s11 = f * (dx * dy).sum(axis=0)
        return np.maximum(s10 / n_pos + s01 / n_neg + 2 * s11 / (n_pos * n_neg), 0)

    iid = variance(rows)
    if block is rows:
        return np.sqrt(iid)
    return np.sqrt(np.fmax(variance(block), iid))


def r_interval(
    x: np.ndarray, y: np.ndarray, block: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(standard error, 95% low, 95% high) of Pearson r of every column of ``x`` with ``y``.

    A delete-one-block jackknife of Fisher's z = atanh(r), the interval tanh(z ± 1.96·se);
    blocks are taken as independent, rows within a block may depend on each other. The
    standard error is never below the textbook 1/sqrt(n − 3) for independent rows.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    y = np.asarray(y, dtype=np.float64)
    block = np.arange(len(y)) if block is None else np.asarray(block)
    k = int(block.max()) + 1 if len(block) else 0
    nan = np.full(x.shape[1], np.nan)
    if k < 3:
        return nan, nan, nan
    xc, yc = x - x.mean(axis=0), y - y.mean()
    per = [
        _block_sums(v, block, k)
        for v in (
            np.ones((len(y), 1)),
            xc,
            yc[:, None],
            xc * xc,
            yc[:, None] ** 2,
            xc * yc[:, None],
        )
    ]
    tot = [p.sum(axis=0) for p in per]
    n, sx, sy, sxx, syy, sxy = (t - p for t, p in zip(tot, per, strict=True))  # block k left out
    cov = sxy - sx * sy / n
    var = np.maximum(sxx - sx**2 / n, 0) * np.maximum(syy - sy**2 / n, 0)
    r_k = np.divide(cov, np.sqrt(var), out=np.zeros_like(cov), where=var > 0)
    z_k = np.arctanh(np.clip(r_k, -0.999999, 0.999999))
    se_z = np.sqrt((k - 1) / k * ((z_k - z_k.mean(axis=0)) ** 2).sum(axis=0))
    se_r = np.sqrt((k - 1) / k * ((r_k - r_k.mean(axis=0)) ** 2).sum(axis=0))
    r = _pearson(x, y)
    se_z = np.fmax(se_z, 1 / np.sqrt(max(len(y) - 3, 1)))  # never below independent rows
    se_r = np.fmax(se_r, (1 - r**2) / np.sqrt(max(len(y) - 3, 1)))
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    return se_r, np.tanh(z - 1.96 * se_z), np.tanh(z + 1.96 * se_z)


#: Characters per uncertainty block: whole lines grouped up to about this many characters
#: (fewer on short texts, so that there are about 30 blocks); never across texts.
BLOCK_CHARS = 2000


def _as_traces(value: Any, name: str) -> list[Trace]:
    if isinstance(value, Trace):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(t, Trace) for t in value):
        return list(value)
    raise TypeError(
        f"{name}: expected an interpwidgets.Trace (iw.trace(...) or iw.Trace.from_arrays(...)) "
        f"or a non-empty list of them, got {type(value).__name__}"
    )


class _Part:
    """Token ranges of traces: one side of a split, with uncertainty blocks."""

    def __init__(self, pieces: list[tuple[int, Trace, int, int]], label: str) -> None:
        self.pieces = pieces  # (trace index, trace, first token, end token)
        self.label = label

    @property
    def n_chars(self) -> int:
        return sum(_char_span(tr, a, b)[1] - _char_span(tr, a, b)[0] for _, tr, a, b in self.pieces)

    def blocks(self) -> np.ndarray:
        size = max(1, min(BLOCK_CHARS, self.n_chars // 30))
        out, offset = [], 0
        for _, tr, a, b in self.pieces:
            ends = np.clip(tr.offsets[a:b, 1] - 1, 0, len(tr.text) - 1)
            c0 = _char_span(tr, a, b)[0]
            starts = _line_starts(tr.text)
            line_start = starts[np.searchsorted(starts, ends, side="right") - 1]
            ids = (np.maximum(line_start - c0, 0) // size).astype(np.int64)
            ids = np.unique(ids, return_inverse=True)[1].reshape(-1)
            out.append(ids + offset)
            offset += int(ids.max()) + 1 if len(ids) else 0
        return np.concatenate(out) if out else np.zeros(0, np.int64)


def _char_span(tr: Trace, a: int, b: int) -> tuple[int, int]:
    if b <= a:
        return 0, 0
    return int(tr.offsets[a, 0]), int(tr.offsets[b - 1, 1])


def _cut_points(tr: Trace) -> list[int]:
    """Token indices where a single text may be cut, nearest the middle first: line starts
    in the middle half of the tokens; else whitespace; else the middle token."""
    n = tr.n_tokens
    lo, hi = max(1, n // 4), max(1, n - n // 4)
    for boundary in ("\n", " \t"):
        cuts = [
            i
            for i in range(lo, hi)
            if tr.offsets[i, 0] > 0 and tr.text[tr.offsets[i, 0] - 1] in boundary
        ]
        if cuts:
            return sorted(cuts, key=lambda i: (abs(2 * i - n), i))
    return [max(1, n // 2)]


def _split(traces: list[Trace], ys: list[np.ndarray], is_bool: bool):
    """Two disjoint contiguous parts: whole texts when there are several, otherwise one text
    cut at a line boundary near the middle. Prefers a cut where both parts can be scored."""

    def usable(y: np.ndarray) -> bool:
        y = y[~np.isnan(y.astype(float))]
        return len(y) > 2 and (bool(y.any() and not y.all()) if is_bool else np.ptp(y) > 0)

    if len(traces) > 1:
        sizes = np.cumsum([tr.n_tokens for tr in traces])
        cands = sorted(range(1, len(traces)), key=lambda k: (abs(2 * sizes[k - 1] - sizes[-1]), k))
        for k in cands:
            if usable(np.concatenate(ys[:k])) and usable(np.concatenate(ys[k:])):
                break
        else:
            k = cands[0]
        first = _Part([(i, tr, 0, tr.n_tokens) for i, tr in enumerate(traces[:k])], "")
        second = _Part([(i + k, tr, 0, tr.n_tokens) for i, tr in enumerate(traces[k:])], "")
        first.label = f"texts 0–{k - 1} of {len(traces)} ({first.n_chars:,} characters)"
        second.label = (
            f"texts {k}–{len(traces) - 1} of {len(traces)} ({second.n_chars:,} characters)"
        )
        return first, second, f"by text: {k} texts select, {len(traces) - k} evaluate"
    tr, y = traces[0], ys[0]
    cuts = _cut_points(tr)
    for cut in cuts:
        if usable(y[:cut]) and usable(y[cut:]):
            break
    else:
        cut = cuts[0]
    c = int(tr.offsets[cut, 0])
    line = tr.text.count("\n", 0, c)
    how = f"line {line + 1}" if c > 0 and tr.text[c - 1] == "\n" else f"character {c}"
    first = _Part([(0, tr, 0, cut)], f"characters [0, {c}) of the text")
    second = _Part([(0, tr, cut, tr.n_tokens)], f"characters [{c}, {len(tr.text)}) of the text")
    return first, second, f"one text cut before {how} (character {c} of {len(tr.text)})"


def _gather(part: _Part, name: str, ys: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    xs = [tr.activations[name][a:b] for _, tr, a, b in part.pieces]
    y = [ys[i][a:b] for i, _, a, b in part.pieces]
    return np.concatenate(xs).astype(np.float64), np.concatenate(y)


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
