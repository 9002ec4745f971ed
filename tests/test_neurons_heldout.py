"""find_neurons chooses on one part of the data and scores on another, with intervals that cover."""

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import features
from interpwidgets.neurons import auroc_se, r_interval

LINE = "a = 'xyz' + b('q')  # c\n"


def planted(text, units=6, seed=0, flip=False):
    """A trace over ``text`` whose unit 4 is a (negative) string cell, unit 2 a column cell."""
    rng = np.random.default_rng(seed)
    f = features.python_code(text)
    acts = rng.normal(size=(len(text), units)).astype(np.float32)
    acts[:, 4] = (2.0 if flip else -2.0) * f["in_string"] + 0.3 * rng.normal(size=len(text))
    acts[:, 2] = f["column"] + rng.normal(size=len(text))
    return iw.Trace.from_arrays(text, {"h": acts})


def test_one_text_is_cut_at_a_line_boundary_and_the_parts_are_disjoint():
    tr = planted(LINE * 41)
    df = iw.find_neurons(tr, "in_string")
    a = df.attrs
    assert a["selection"] == "characters [0, 480) of the text"  # 20 whole lines of 24
    assert a["evaluation"] == f"characters [480, {len(tr.text)}) of the text"
    assert a["split"].startswith("one text cut before line 21")
    assert a["n_selection"] + a["n_evaluation"] == len(tr.text)
    assert a["chance"] == 0.5 and a["n_candidates"] == 6
    best = df.iloc[0]
    assert (best.neuron, best.sign) == (4, -1) and best.score > 0.95 and best.test_score > 0.95
    assert best.test_low <= best.test_score <= best.test_high


def test_several_texts_are_split_by_whole_texts():
    trs = [planted(LINE * (5 + i), seed=i) for i in range(6)]
    df = iw.find_neurons(trs, "in_string", top=None)
    # 5..10 lines each: the first four hold 26 of 45 lines, the closest cut to half
    assert df.attrs["split"] == "by text: 4 texts select, 2 evaluate"
    assert df.attrs["selection"].startswith("texts 0–3 of 6")
    assert df.attrs["evaluation"].startswith("texts 4–5 of 6")
    assert df.attrs["n_selection"] == sum(len(t.text) for t in trs[:4])
    assert len(df) == 6 and df.iloc[0].neuron == 4


def test_test_traces_score_with_the_sign_chosen_on_selection():
    sel = planted(LINE * 20)
    same = planted(LINE * 20, seed=1)
    flipped = planted(LINE * 20, seed=2, flip=True)  # the cell's sign reverses here
    df = iw.find_neurons(sel, "in_string", test=[same])
    assert df.attrs["split"].startswith("given") and df.attrs["selection"].startswith(
        "trace (1 text"
    )
    assert df.iloc[0].test_score > 0.95
    row = iw.find_neurons(sel, "in_string", test=flipped).iloc[0]
    assert row.neuron == 4 and row.sign == -1 and row.test_score < 0.05 and row.test_auroc > 0.95
    col = iw.find_neurons(sel, "column", test=flipped).iloc[0]
    assert col.neuron == 2 and col.metric == "r" and col.test_score == pytest.approx(col.test_r)
    assert col.test_low < col.test_score < col.test_high
    whole = iw.find_neurons(sel, "in_string", test=sel, top=None).set_index("neuron")
    np.testing.assert_allclose(whole["auroc"], whole["test_auroc"])  # same data, same number


def test_selection_bias_on_random_units_best_of_n_is_high_on_selection_only():
    """2,000 units of noise: the best of them looks like a cell where it was chosen, and
    scores chance on the other half."""
    text = LINE * 80
    rng = np.random.default_rng(0)
    tr = iw.Trace.from_arrays(text, {"h": rng.normal(size=(len(text), 2000)).astype(np.float32)})
    df = iw.find_neurons(tr, "in_string", top=20)
    assert df.score.min() > 0.55  # best of 2,000: far from 0.5 on the selection data
    assert abs(df.test_score.mean() - 0.5) < 0.03  # and chance on the evaluation data
    covered = ((df.test_low <= 0.5) & (df.test_high >= 0.5)).mean()
    assert covered >= 0.8, covered
    num = iw.find_neurons(tr, "column", top=20)
    n_sel = num.attrs["n_selection"]
    assert num.score.min() > 2 / np.sqrt(n_sel) and abs(num.test_score.mean()) < 0.05


def _blocked(rng, n_blocks, per, shift):
    """Blocks of ``per`` rows sharing their label and half their noise (dependent rows)."""
    y = np.repeat(rng.random(n_blocks) < 0.4, per)
    x = np.repeat(rng.normal(size=n_blocks), per) + rng.normal(size=n_blocks * per) + shift * y
    return x, y, np.repeat(np.arange(n_blocks), per)


def test_auroc_intervals_cover_when_rows_depend_on_each_other():
    from scipy.stats import norm

    rng = np.random.default_rng(1)
    shift, reps = 1.0, 300
    truth = norm.cdf(shift / np.sqrt(4))  # difference of two N(·, 2) draws
    hits_block = hits_iid = 0
    for _ in range(reps):
        x, y, block = _blocked(rng, 60, 10, shift)
        auc = iw.neurons._auroc(x[:, None], y)[0]
        hits_block += abs(auc - truth) <= 1.96 * auroc_se(x, y, block)[0]
        hits_iid += abs(auc - truth) <= 1.96 * auroc_se(x, y)[0]
    assert 0.90 <= hits_block / reps <= 0.99, hits_block / reps
    assert hits_iid / reps < 0.75  # treating the rows as independent would not cover


def test_auroc_se_matches_delong_without_blocks():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=400), rng.random(400) < 0.3
    x = x + y
    pos, neg = x[y], x[~y]
    psi = (pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None])
    v10, v01 = psi.mean(1), psi.mean(0)
    delong = np.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))
    assert auroc_se(x, y)[0] == pytest.approx(delong, rel=0.02)


def test_r_intervals_cover_when_rows_depend_on_each_other():
    rng = np.random.default_rng(3)
    hits, reps = 0, 300
    for _ in range(reps):
        n_blocks, per = 60, 10
        z = np.repeat(rng.normal(size=n_blocks), per)
        y = z + rng.normal(size=n_blocks * per)
        x = 0.5 * y + np.repeat(rng.normal(size=n_blocks), per) + rng.normal(size=n_blocks * per)
        block = np.repeat(np.arange(n_blocks), per)
        _, lo, hi = r_interval(x, y, block)
        # population r: cov = 0.5 var(y) = 1, var(x) = 0.25*2 + 1 + 1 = 2.5, var(y) = 2
        hits += lo[0] <= 1 / np.sqrt(2.5 * 2) <= hi[0]
    assert 0.90 <= hits / reps <= 0.99, hits / reps


def test_short_and_one_line_texts_still_split():
    text = "x = 'a b c' + 'd e f' + y + 'g h i' + z"
    tr = planted(text)
    df = iw.find_neurons(tr, "in_string")
    assert "one text cut before character" in df.attrs["split"]
    assert df.attrs["n_selection"] + df.attrs["n_evaluation"] == len(text)


def test_feature_absent_from_one_part():
    with pytest.raises(ValueError, match="never true on the selection part"):
        iw.find_neurons(planted("x = 1\n" * 30 + LINE), "in_string")
    df = iw.find_neurons(planted(LINE + "x = 1\n" * 30), "in_string")
    assert "constant on the evaluation part" in df.attrs["note"] and df.test_score.isna().all()
    df = iw.find_neurons(planted(LINE * 2 + "x = 1\n" * 2), "in_string")  # a cut keeps both
    assert np.isfinite(df.test_score).all()


def test_arrays_with_several_traces_are_refused_and_old_calls_work():
    tr = planted(LINE * 10)
    with pytest.raises(ValueError, match="feature: an array holds the values of one text"):
        iw.find_neurons(tr, np.zeros(len(tr.text)), test=tr)
    with pytest.raises(TypeError, match="^test: expected an interpwidgets.Trace"):
        iw.find_neurons(tr, "in_string", test="text")
    other = iw.Trace.from_arrays(tr.text, {"g": tr.activations["h"]})
    with pytest.raises(ValueError, match="every trace needs layer 'h'"):
        iw.find_neurons(tr, "in_string", test=other)
    assert len(iw.find_neurons(tr, "in_string", layers="h", top=3)) == 3
    assert len(iw.find_neurons(tr, features.python_code(tr.text)["in_string"], top=None)) == 6


def test_a_scan_answers_for_itself():
    class FakeScan:
        def _find_neurons(self, feature, layers=None, top=20, test=None):
            return ("scan", feature, layers, top, test)

    assert iw.find_neurons(FakeScan(), "in_comment", layers=["h"], top=5, test=1) == (
        "scan",
        "in_comment",
        ["h"],
        5,
        1,
    )


def test_clustered_se_does_not_collapse_when_a_class_sits_in_one_block():
    """All positives in one block leave no between-block spread; the SE must not shrink to ~0
    (it is never below DeLong's independent-rows SE)."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=3000), np.zeros(3000, dtype=bool)
    y[2900:2970] = True  # one comment, at the end
    block = np.arange(3000) // 100
    assert auroc_se(x, y, block)[0] >= auroc_se(x, y)[0] > 0.02
    se, lo, hi = r_interval(x, y.astype(float), block)
    assert lo[0] < 0 < hi[0] and se[0] >= 1 / np.sqrt(3000)


def test_auroc_by_counting_equals_the_rank_formula_with_ties_and_nan():
    """The sort-and-search AUROC gives the average-rank (Mann–Whitney) number exactly:
    continuous units, units with many ties (rounded, saturated gates at 0 and 1, −0.0 and
    +0.0), float16 and float64 input, a NaN column, a single column."""
    from scipy.stats import rankdata

    from interpwidgets.neurons import _auroc

    rng = np.random.default_rng(3)
    n = 3000
    y = rng.random(n) < 0.3
    x = rng.standard_normal((n, 12)).astype(np.float32)
    x[:, 1] += 0.8 * y  # informative
    x[:, 2] = np.round(x[:, 2])  # heavy ties
    x[:, 3] = (x[:, 3] > 1.5) * 1.0 + (x[:, 3] < -1.5) * 0.0  # a saturated gate: 0 and 1 only
    x[:, 4] = np.where(rng.random(n) < 0.5, -0.0, 0.0)  # one value, two signs of zero
    x[y, 5] = 7.0  # every positive tied, above every negative
    x[:, 6] = -x[:, 1]  # below 0.5

    def reference(a, labels):
        ranks = rankdata(a.astype(np.float64), axis=0)
        n_pos = labels.sum()
        n_neg = len(labels) - n_pos
        return (ranks[labels].sum(axis=0) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)

    got = _auroc(x, y)
    np.testing.assert_allclose(got, reference(x, y), rtol=0, atol=1e-12)
    assert got[4] == 0.5 and got[5] == 1.0 and got[1] > 0.65 and got[6] < 0.35
    np.testing.assert_allclose(
        _auroc(x.astype(np.float16), y), reference(x.astype(np.float16), y), atol=1e-12
    )
    x64 = rng.standard_normal((n, 3))
    np.testing.assert_allclose(_auroc(x64, y), reference(x64, y), atol=1e-12)
    np.testing.assert_allclose(_auroc(x[:, 1], y), reference(x[:, 1:2], y), atol=1e-12)  # 1-D
    x[10, 7] = np.nan
    out = _auroc(x, y)
    assert np.isnan(out[7]) and np.isfinite(np.delete(out, 7)).all()
    assert np.isnan(_auroc(x, np.zeros(n, bool))).all()  # one class: no AUROC
