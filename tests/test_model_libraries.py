"""TransformerLens, nnsight and SAELens, offline: tiny random models built from configs,
every value checked against what the library itself returns."""

from __future__ import annotations

import numpy as np
import pytest

import interpwidgets as iw

TEXT = "the cat sat on the mat ."


@pytest.fixture(scope="module")
def word_tokenizer(tmp_path_factory):
    """A word-level fast tokenizer (no special tokens added; BOS ``<s>``), made offline and
    loaded from a folder (TransformerLens reloads a tokenizer by its ``name_or_path``)."""
    pytest.importorskip("transformers")
    import tokenizers
    from tokenizers import models, pre_tokenizers, trainers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    tk = tokenizers.Tokenizer(models.WordLevel(unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    sents = ["the cat sat on the mat .", "a dog ran in the park !"]
    tk.train_from_iterator(
        sents, trainers.WordLevelTrainer(special_tokens=["<pad>", "<s>", "</s>", "<unk>"])
    )
    folder = tmp_path_factory.mktemp("tokenizer")
    PreTrainedTokenizerFast(
        tokenizer_object=tk, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    ).save_pretrained(folder)
    return AutoTokenizer.from_pretrained(folder)


def _hooked(tokenizer=None):
    tl = pytest.importorskip("transformer_lens")
    cfg = tl.HookedTransformerConfig(
        n_layers=2, d_model=16, n_ctx=32, d_head=4, n_heads=4, d_mlp=32, d_vocab=20,
        act_fn="gelu", seed=0,
    )  # fmt: skip
    return tl.HookedTransformer(cfg, tokenizer=tokenizer)


# -- TransformerLens ------------------------------------------------------------------------
def test_trace_hooked_transformer_equals_its_cache(word_tokenizer):
    import torch

    model = _hooked(word_tokenizer)
    tr = iw.trace(model, TEXT)
    ids = model.to_tokens(TEXT)  # TransformerLens's own tokenising (BOS first)
    assert tr.tokens == model.to_str_tokens(TEXT)
    assert [TEXT[s:e] for s, e in tr.offsets][1:4] == ["the", "cat", "sat"]
    assert tuple(tr.offsets[0]) == (0, 0)  # BOS covers no text
    logits, cache = model.run_with_cache(ids)
    for name in ("blocks.0.hook_resid_post", "blocks.1.mlp.hook_post", "blocks.0.attn.hook_z"):
        want = cache[name][0].reshape(ids.shape[1], -1).numpy()
        np.testing.assert_array_equal(tr.activations[name], want)
    assert "blocks.0.attn.hook_pattern" not in tr.activations
    assert "blocks.0.attn.hook_attn_scores" not in tr.activations
    assert "unembed.hook_out" not in tr.activations  # the logits go to predictions
    assert iw.models.adapter_for(model).layer_names() == tr.names
    want = torch.stack([cache["pattern", k][0] for k in range(2)]).numpy()
    np.testing.assert_array_equal(tr.attention, want)
    top = torch.softmax(logits[0], -1).argmax(-1)
    assert list(tr.predictions["tokens"][:, 0]) == word_tokenizer.convert_ids_to_tokens(top)
    w = iw.AttentionView(tr)
    assert w.layer == 0


def test_trace_hooked_names_filter(word_tokenizer):
    model = _hooked(word_tokenizer)
    tr = iw.trace(model, TEXT, names=["blocks.1.hook_resid_post"], top_k=0)
    assert tr.names == ["blocks.1.hook_resid_post"] and tr.attention.shape[:2] == (2, 4)
    with pytest.raises(KeyError, match="names: \\['blocks.9.hook_resid_post'\\]"):
        iw.trace(model, TEXT, names=["blocks.9.hook_resid_post"])
    with pytest.raises(TypeError, match="^dtype: not an option for TransformerLens"):
        iw.trace(model, TEXT, dtype="float16")  # a char-model option, named


def test_hooked_without_tokenizer_needs_tokens():
    import torch

    model = _hooked()
    with pytest.raises(ValueError, match="^tokenizer: this HookedTransformer has no tokenizer"):
        iw.trace(model, TEXT)
    ids = torch.tensor([[1, 5, 6, 7]])
    _, cache = model.run_with_cache(ids)
    tr = iw.Trace.from_cache(cache, tokens=["<s>", "a", " b", " c"])
    assert tr.text == "<s>a b c" and tr.tokens[2] == " b"
    np.testing.assert_array_equal(
        tr.activations["blocks.1.hook_resid_post"], cache["blocks.1.hook_resid_post"][0].numpy()
    )
    assert tr.attention.shape == (2, 4, 4, 4)
    plain = iw.Trace.from_cache(cache)  # positions only
    assert plain.tokens == ["[0]", "[1]", "[2]", "[3]"]
    with pytest.raises(ValueError, match="^tokens: expected 4 tokens"):
        iw.Trace.from_cache(cache, tokens=["a"])
    with pytest.raises(ValueError, match="^tokens: ids need the model's tokenizer"):
        iw.Trace.from_cache(cache, tokens=[1, 5, 6, 7])


def test_from_cache_text_and_ids(word_tokenizer):
    model = _hooked(word_tokenizer)
    logits, cache = model.run_with_cache(TEXT)
    by_text = iw.Trace.from_cache(cache, tokens=TEXT)
    assert by_text.tokens == iw.trace(model, TEXT).tokens and by_text.text == TEXT
    by_ids = iw.Trace.from_cache(cache, tokens=model.to_tokens(TEXT)[0])
    assert by_ids.tokens == model.to_str_tokens(TEXT)
    np.testing.assert_array_equal(
        by_ids.activations["unembed.hook_out"], logits[0].detach().numpy()
    )


def test_from_cache_canonical_hook_names():
    """The bridge's canonical names (``blocks.0.hook_out`` for ``hook_resid_post``,
    ``blocks.0.mlp.out.hook_in`` for ``mlp.hook_post``) are kept as they are."""
    import torch
    from transformer_lens import ActivationCache

    model = _hooked()
    _, legacy = model.run_with_cache(torch.tensor([[1, 5, 6]]))
    rename = {
        "blocks.0.hook_resid_pre": "blocks.0.hook_in",
        "blocks.0.hook_resid_post": "blocks.0.hook_out",
        "blocks.0.mlp.hook_post": "blocks.0.mlp.out.hook_in",
        "blocks.0.attn.hook_pattern": "blocks.0.attn.hook_pattern",
    }
    cache = ActivationCache({new: legacy[old] for old, new in rename.items()}, model)
    tr = iw.Trace.from_cache(cache, tokens=["a", "b", "c"])
    assert tr.names == ["blocks.0.hook_in", "blocks.0.hook_out", "blocks.0.mlp.out.hook_in"]
    np.testing.assert_array_equal(
        tr.activations["blocks.0.mlp.out.hook_in"], legacy["blocks.0.mlp.hook_post"][0].numpy()
    )
    np.testing.assert_array_equal(tr.attention[0], legacy["pattern", 0][0].numpy())


def test_trace_transformer_bridge_canonical_names(word_tokenizer):
    """A TransformerBridge (TransformerLens's newer model class; random weights from a config)
    records canonical names (``blocks.1.hook_out``, ``blocks.0.mlp.out.hook_in``) beside the
    legacy aliases; both are layers, equal to the bridge's own cache."""
    import torch

    bridge_module = pytest.importorskip("transformer_lens.model_bridge")
    bridge = bridge_module.TransformerBridge.boot_native(
        {"n_layers": 2, "d_model": 16, "n_ctx": 32, "d_head": 4, "n_heads": 4, "d_mlp": 32,
         "d_vocab": 20, "act_fn": "gelu", "seed": 0}
    )  # fmt: skip
    tr = iw.trace(bridge, TEXT, tokenizer=word_tokenizer)
    ids = torch.as_tensor(
        [
            [
                word_tokenizer.bos_token_id,
                *word_tokenizer(TEXT, add_special_tokens=False)["input_ids"],
            ]
        ]
    )
    _, cache = bridge.run_with_cache(ids)
    for name in ("blocks.1.hook_out", "blocks.0.mlp.out.hook_in", "blocks.0.hook_resid_post"):
        np.testing.assert_array_equal(tr.activations[name], cache[name][0].numpy())
    assert "embed.hook_in" not in tr.activations  # token ids, not activations
    want = torch.stack([cache[f"blocks.{k}.attn.hook_pattern"][0] for k in range(2)]).numpy()
    np.testing.assert_array_equal(tr.attention, want)
    assert iw.models.adapter_for(bridge, word_tokenizer).layer_names() == tr.names


# -- nnsight --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("transformers")
    return iw.zoo.minilm()


def test_trace_nnsight_equals_the_wrapped_model(minilm):
    nnsight = pytest.importorskip("nnsight")
    enc, tok = minilm
    plain = iw.trace(enc, TEXT, tokenizer=tok)
    wrapped = iw.trace(nnsight.NNsight(enc), TEXT, tokenizer=tok)
    assert wrapped.meta["kind"] == "nnsight"
    assert wrapped.tokens == plain.tokens
    np.testing.assert_array_equal(wrapped.offsets, plain.offsets)
    np.testing.assert_array_equal(wrapped.attention, plain.attention)
    assert wrapped.names == plain.names
    for name in plain.names:
        np.testing.assert_array_equal(wrapped.activations[name], plain.activations[name])


def test_from_cache_nnsight(minilm):
    from tests.nnsight_run import cache_of

    enc, tok = minilm
    cache, saved = cache_of(enc, tok, TEXT)
    tr = iw.Trace.from_cache(cache, tokens=TEXT, tokenizer=tok)
    assert tr.tokens == tok.convert_ids_to_tokens(tok(TEXT)["input_ids"])
    np.testing.assert_array_equal(tr.activations["encoder.layer.3"], saved["layer3"])
    np.testing.assert_array_equal(tr.activations["embeddings"], saved["embeddings"])
    np.testing.assert_array_equal(tr.attention, saved["attentions"])


def test_probe_and_attribute_through_nnsight():
    """probe's batches and attribute on an nnsight wrapper equal those of the wrapped model."""
    nnsight = pytest.importorskip("nnsight")
    from interpwidgets.models import adapter_for
    from interpwidgets.probing.extract import _hf_sentence_batches

    clf, tok = iw.zoo.sentiment()
    wrapped = nnsight.NNsight(clf)
    texts = ["a fine film", "dull and far too long", "ok"]
    plain = _hf_sentence_batches(adapter_for(clf, tok), texts, None, 2, False, "")
    through = _hf_sentence_batches(adapter_for(wrapped, tok), texts, None, 2, False, "")
    for name in plain:
        np.testing.assert_array_equal(through[name], plain[name])
    a = iw.attribute(clf, "a fine film", tokenizer=tok, method="saliency")
    b = iw.attribute(wrapped, "a fine film", tokenizer=tok, method="saliency")
    assert b.tokens == a.tokens
    np.testing.assert_array_equal(b.scores, a.scores)


# -- a missing package names its extra -------------------------------------------------------
def test_missing_package_names_the_extra():
    from interpwidgets.models import require

    with pytest.raises(ImportError, match=r"pip install 'interpwidgets\[tl\]'"):
        require("transformer_lens.not_a_module")
    with pytest.raises(ImportError, match=r"pip install 'interpwidgets\[sae\]'"):
        require("sae_lens.not_a_module")


# -- SAELens --------------------------------------------------------------------------------
def test_trace_with_a_saelens_sae(word_tokenizer):
    """An SAELens SAE built from a config (random weights) on a TransformerLens trace: its
    features are the layer ``<hook>.sae``, equal to what ``sae.encode`` returns."""
    import torch

    sae_lens = pytest.importorskip("sae_lens")
    model = _hooked(word_tokenizer)
    hook = "blocks.1.hook_resid_post"
    cfg = sae_lens.StandardSAEConfig(d_in=16, d_sae=48)
    cfg.metadata.hook_name = hook
    torch.manual_seed(0)
    sae = sae_lens.StandardSAE(cfg)
    with torch.no_grad():  # random, not all-zero: some features fire
        sae.b_enc.normal_()
    tr = iw.trace(model, TEXT, sae=sae)
    _, cache = model.run_with_cache(model.to_tokens(TEXT))
    with torch.no_grad():
        want = sae.encode(cache[hook][0]).numpy()
    assert tr.activations[f"{hook}.sae"].shape == (tr.n_tokens, 48)
    np.testing.assert_allclose(tr.activations[f"{hook}.sae"], want, rtol=1e-6, atol=1e-6)
    assert (want > 0).any()
