"""The model adapters: one family per model, one tokenising and truncation rule for every
caller (trace, attribute, probe, diagnosis), logits equal to the model's own."""

from __future__ import annotations

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.models import adapter_for

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def sentiment():
    pytest.importorskip("transformers")
    return iw.zoo.sentiment()


def test_adapter_for_picks_the_family(sentiment):
    import torch

    from interpwidgets.models.char import CharModelAdapter

    assert adapter_for(iw.zoo.char_lstm()).kind == "char-rnn"
    assert adapter_for(iw.zoo.char_transformer()).kind == "char-transformer"
    clf, tok = sentiment
    assert adapter_for(clf, tok).kind == "hf-encoder"
    ad = adapter_for(clf, tok)
    assert adapter_for(ad) is ad  # an adapter is its own adapter

    class Chars(torch.nn.Module):
        vocab = "ab"

        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(2, 3)

    assert isinstance(adapter_for(Chars()), CharModelAdapter)
    with pytest.raises(ValueError, match="^model: Linear has no nn.LSTM"):
        adapter_for(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="^model: expected a torch.nn.Module"):
        adapter_for("char_lstm")
    with pytest.raises(TypeError, match="^model: a tokenizer was given"):
        adapter_for(iw.zoo.char_lstm(), tok)


def test_hf_decoder_and_encoder_decoder_kinds():
    transformers = pytest.importorskip("transformers")
    gpt = transformers.GPT2LMHeadModel(
        transformers.GPT2Config(n_layer=1, n_head=2, n_embd=8, vocab_size=20, n_positions=16)
    )
    assert adapter_for(gpt, object()).kind == "hf-decoder"
    bart = transformers.BartForConditionalGeneration(
        transformers.BartConfig(
            vocab_size=20, d_model=8, encoder_layers=1, decoder_layers=1,
            encoder_attention_heads=2, decoder_attention_heads=2,
            encoder_ffn_dim=8, decoder_ffn_dim=8, max_position_embeddings=16,
        )
    )  # fmt: skip
    assert adapter_for(bart, object()).kind == "hf-encoder-decoder"


def test_one_truncation_rule_for_every_caller(sentiment):
    """A text longer than the model reads is cut at the same token by trace, attribute and the
    batches probe and diagnosis use."""
    clf, tok = sentiment
    ad = adapter_for(clf, tok)
    long = " ".join(["word"] * 2000)
    enc = ad.encode(long)
    assert len(enc.ids) == ad.limit() == 512 and enc.n_full > 512
    assert enc.truncated.startswith("input truncated to 512 of ")
    tr = iw.trace(clf, long, tokenizer=tok, hidden_states=False)
    assert tr.n_tokens == 512 and tr.meta["truncated"] == enc.truncated
    at = iw.attribute(clf, long, tokenizer=tok, method="saliency")
    assert at.tokens == enc.tokens
    assert ad.batch([long, "short"])["input_ids"].shape[1] == 512
    short = ad.encode(long, max_length=16)
    assert len(short.ids) == 16 and short.tokens[-1] == "[SEP]" and short.special[[0, -1]].all()
    assert iw.trace(clf, long, tokenizer=tok, max_length=16).tokens == short.tokens


def test_encoding_offsets_and_pairs(sentiment):
    _, tok = sentiment
    ad = adapter_for(sentiment[0], tok)
    enc = ad.encode("Café au lait", text_pair="très bon", pair_separator=" | ")
    assert enc.text == "Café au lait | très bon"
    assert enc.text[slice(*enc.offsets[1])].startswith("Caf")  # offsets into the original
    assert enc.text[slice(*enc.offsets[enc.pair_start])].startswith("tr")
    assert (enc.offsets[enc.special] == 0).all()
    assert enc.type_ids is not None and enc.type_ids[enc.pair_start] == 1


def test_logits_equal_the_models_own(sentiment):
    import torch

    clf, tok = sentiment
    with torch.no_grad():
        want = clf(**tok("a fine film", return_tensors="pt")).logits[0].numpy()
    np.testing.assert_allclose(adapter_for(clf, tok).logits("a fine film"), want, atol=1e-6)
    lm = iw.zoo.char_lstm()
    ad = adapter_for(lm)
    tr = iw.trace(lm, "def f(x):", top_k=1)
    probs = torch.softmax(torch.as_tensor(ad.logits("def f(x):")), -1).numpy()
    np.testing.assert_allclose(probs.max(-1), tr.predictions["probs"][:, 0], rtol=1e-5)
    tf = iw.zoo.char_transformer()
    ad = adapter_for(tf)
    tr = iw.trace(tf, "x = 1", top_k=1)
    probs = torch.softmax(torch.as_tensor(ad.logits("x = 1")), -1).numpy()
    np.testing.assert_allclose(probs.max(-1), tr.predictions["probs"][:, 0], rtol=1e-5)


def test_layer_names_are_what_trace_records(sentiment):
    for model in (iw.zoo.char_lstm(), iw.zoo.char_transformer()):
        assert adapter_for(model).layer_names() == iw.trace(model, "x = (1)\n").names
    clf, tok = sentiment
    assert adapter_for(clf, tok).layer_names() == iw.trace(clf, "a b", tokenizer=tok).names


def test_widgets_and_from_cache_need_no_model_library():
    """With torch, transformers, TransformerLens, nnsight and SAELens all missing, the package
    imports, a dict cache becomes a Trace, widgets draw it, and each adapter module says which
    extra installs its library."""
    import subprocess
    import sys

    code = """
import sys
for name in ("torch", "transformers", "transformer_lens", "nnsight", "sae_lens"):
    sys.modules[name] = None
import numpy as np
import interpwidgets as iw
tr = iw.Trace.from_cache({"blocks.0.hook_resid_post": np.ones((3, 2))}, tokens=["a", " b", " c"])
iw.NeuronText(tr, neuron=1)
for module, extra in (("transformer_lens", "tl"), ("nnsight", "nnsight")):
    try:
        __import__(f"interpwidgets.models.{module}")
    except ImportError as exc:
        assert f"pip install 'interpwidgets[{extra}]'" in str(exc), exc
    else:
        raise AssertionError(module)
print(tr.text, tr.names[0], "torch" in sys.modules and sys.modules["torch"] is not None)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "a b c blocks.0.hook_resid_post False"
