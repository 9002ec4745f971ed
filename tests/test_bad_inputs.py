"""The bad-input matrix: every public entry point fed what a user can get wrong.

Each case must end in ``ValueError`` / ``TypeError`` / ``KeyError`` (``IsADirectoryError`` /
``FileNotFoundError`` for paths) whose message names the argument and says what was
expected — never an ``IndexError``, ``AttributeError``, a numpy/torch/traitlets error or a
message that leaves the user guessing. Tensors that require grad are *accepted* wherever
arrays are, and NaN is accepted where it means "missing".

Cases are plain ``Case(entry, id, call, exc, match)`` rows; ``call`` gets ``R``, which builds
the (tiny, seeded) models and traces once. ``test_case_count`` prints how many cases each
entry point has.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import interpwidgets as iw

ALLOWED = (ValueError, TypeError, KeyError)
PATH_ERRORS = (IsADirectoryError, FileNotFoundError, NotADirectoryError)


# -- resources, built once ----------------------------------------------------------------
class _Resources:
    text = "def f(x):\n    return 'hi' + x\n"

    @functools.cached_property
    def lstm(self):
        import torch

        from interpwidgets.zoo.char_rnn import CharRNN

        torch.manual_seed(0)
        return CharRNN(hidden_size=12, num_layers=2, embedding_dim=6, cell="lstm").eval()

    @functools.cached_property
    def lstm_no_unk(self):
        import torch

        from interpwidgets.zoo.char_rnn import CharRNN

        torch.manual_seed(0)
        return CharRNN(hidden_size=8, num_layers=1, embedding_dim=4, unk_index=None).eval()

    @functools.cached_property
    def tf(self):
        import torch

        from interpwidgets.zoo.transformer import CharTransformer

        torch.manual_seed(0)
        return CharTransformer(d_model=16, n_layers=2, n_heads=2, d_mlp=32, context=16).eval()

    @functools.cached_property
    def minilm(self):
        return iw.zoo.minilm()

    @functools.cached_property
    def sentiment(self):
        return iw.zoo.sentiment()

    @functools.cached_property
    def trace(self) -> iw.Trace:
        n = len(self.text)
        rng = np.random.default_rng(0)
        in_string = iw.features.python_code(self.text)["in_string"]
        h = rng.normal(size=(n, 4)).astype(np.float32)
        h[:, 0] = np.where(in_string, 1.0, -1.0)
        return iw.Trace.from_arrays(self.text, {"rnn.0.h": h, "rnn.0.c": h * 2})

    @functools.cached_property
    def attn_trace(self) -> iw.Trace:
        toks = ["[CLS]", "the", "cat", "[SEP]"]
        return iw.Trace.from_arrays(
            "the cat", {"x": np.zeros((4, 1))}, tokens=toks, offsets=OFF4, attention=stack()
        )

    @functools.cached_property
    def attribution(self) -> iw.Attribution:
        return attribution()

    @functools.cached_property
    def widget(self) -> iw.NeuronText:
        return iw.NeuronText(self.trace)


R = _Resources()
OFF4 = [(0, 0), (0, 3), (4, 7), (0, 0)]
TOKS4 = ["[CLS]", "the", "cat", "[SEP]"]


def stack(layers=2, heads=3, n=4, seed=0) -> np.ndarray:
    a = np.random.default_rng(seed).random((layers, heads, n, n)).astype(np.float32)
    return a / a.sum(-1, keepdims=True)


def hf_layers(layers=2, heads=3, n=4, batch=1, grad=False):
    """bertviz's argument: a tuple of ``(batch, heads, n, n)`` tensors, one per layer."""
    import torch

    a = torch.tensor(np.stack([stack(layers, heads, n)] * batch, axis=1))
    return tuple(a[i].clone().requires_grad_(grad) for i in range(layers))


def attribution(**overrides: Any) -> iw.Attribution:
    kwargs: dict[str, Any] = dict(
        text="the cat",
        tokens=list(TOKS4),
        offsets=OFF4,
        scores=np.array([0.0, 0.5, -0.25, 0.0], np.float32),
        target=1,
        labels=["neg", "pos"],
        probs=np.array([0.3, 0.7], np.float32),
        method="saliency",
    )
    kwargs.update(overrides)
    return iw.Attribution(**kwargs)


def grad(a: Any):
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float32)).requires_grad_(True)


def n_chars() -> int:
    return len(R.text)


@dataclass
class Case:
    entry: str
    id: str
    call: Any
    exc: Any
    match: str


C = Case
V, T, K = ValueError, TypeError, KeyError

# fmt: off
# -- Trace / Trace.from_arrays -------------------------------------------------------------
FA = "Trace.from_arrays"
_ok = np.zeros((3, 2), np.float32)
CASES: list[Case] = [
    C(FA, "text-not-str", lambda: iw.Trace.from_arrays(123, {"a": _ok}), T, r"^text: expected a str"),
    C(FA, "text-bytes", lambda: iw.Trace.from_arrays(b"abc", {"a": _ok}), T, r"^text: expected a str"),
    C(FA, "text-empty", lambda: iw.Trace.from_arrays("", {"a": _ok}), V, r"^text: expected a non-empty"),
    C(FA, "arrays-list", lambda: iw.Trace.from_arrays("abc", [_ok]), T, r"^arrays: expected a dict"),
    C(FA, "arrays-empty", lambda: iw.Trace.from_arrays("abc", {}), V, r"^arrays: expected at least one"),
    C(FA, "array-rank3", lambda: iw.Trace.from_arrays("abc", {"a": np.zeros((3, 2, 2))}), V, r"activations\['a'\]: expected shape"),
    C(FA, "array-rank0", lambda: iw.Trace.from_arrays("abc", {"a": np.float32(1)}), V, r"activations\['a'\]: expected shape"),
    C(FA, "array-length", lambda: iw.Trace.from_arrays("abc", {"a": np.zeros((4, 2))}), V, r"activations\['a'\]: expected 3 rows"),
    C(FA, "array-no-units", lambda: iw.Trace.from_arrays("abc", {"a": np.zeros((3, 0))}), V, r"activations\['a'\]: expected at least one unit"),
    C(FA, "array-strings", lambda: iw.Trace.from_arrays("abc", {"a": np.array(["x", "y", "z"])}), T, r"activations\['a'\]: expected a numeric array"),
    C(FA, "array-ragged", lambda: iw.Trace.from_arrays("abc", {"a": [[1, 2], [3], []]}), T, r"activations\['a'\]: expected"),
    C(FA, "array-complex", lambda: iw.Trace.from_arrays("abc", {"a": np.ones((3, 1), complex)}), T, r"activations\['a'\]: expected a numeric array"),
    C(FA, "array-object", lambda: iw.Trace.from_arrays("abc", {"a": np.array([None, 1, 2], dtype=object)}), T, r"activations\['a'\]: expected a numeric"),
    C(FA, "array-dict", lambda: iw.Trace.from_arrays("abc", {"a": {"x": 1}}), T, r"activations\['a'\]: expected"),
    C(FA, "array-inf", lambda: iw.Trace.from_arrays("abc", {"a": np.array([1.0, np.inf, 0])}), V, r"activations\['a'\]: infinite"),
    C(FA, "array-neg-inf-tensor", lambda: iw.Trace.from_arrays("abc", {"a": grad([1.0, -np.inf, 0])}), V, r"activations\['a'\]: infinite"),
    C(FA, "name-not-str", lambda: iw.Trace.from_arrays("abc", {3: _ok}), T, r"^activations: expected non-empty str names"),
    C(FA, "name-empty", lambda: iw.Trace.from_arrays("abc", {"": _ok}), T, r"^activations: expected non-empty str names"),
    C(FA, "tokens-str", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens="abc"), T, r"^tokens: expected a list of str"),
    C(FA, "tokens-int-items", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=[1, 2, 3]), T, r"^tokens: expected str items"),
    C(FA, "tokens-not-in-text", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=["a", "x", "c"]), V, r"^offsets: tokens\[1\]='x' was not found"),
    C(FA, "tokens-out-of-order", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=["c", "b", "a"]), V, r"^offsets: tokens\[1\]='b' was not found"),
    C(FA, "tokens-empty", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=[]), V, r"^tokens: expected at least one token"),
    C(FA, "tokens-wrong-count", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=["ab", "c"]), V, r"activations\['a'\]: expected 2 rows"),
    C(FA, "tokens-bool-with-offsets", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=False, offsets=[(0, 1)]), T, r"^tokens: expected a list of str"),
    C(FA, "tokens-int", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=3), T, r"^tokens: expected a list of str"),
    C(FA, "offsets-rank1", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[0, 1, 2]), V, r"^offsets: expected shape \(3, 2\)"),
    C(FA, "offsets-scalar", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, offsets=3), V, r"^offsets: expected shape"),
    C(FA, "offsets-wrong-count", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[(0, 1), (1, 2)]), V, r"^offsets: expected shape \(3, 2\)"),
    C(FA, "offsets-past-end", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[(0, 1), (1, 2), (2, 9)]), V, r"^offsets: expected 0 <= start <= end <= len\(text\)=3"),
    C(FA, "offsets-negative", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[(-1, 1), (1, 2), (2, 3)]), V, r"^offsets: expected 0 <= start"),
    C(FA, "offsets-reversed", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[(1, 0), (1, 2), (2, 3)]), V, r"^offsets: expected 0 <= start <= end"),
    C(FA, "offsets-fractional", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[(0, 0.5), (1, 2), (2, 3)]), T, r"^offsets: expected integer character positions"),
    C(FA, "offsets-nan", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[(0, np.nan), (1, 2), (2, 3)]), T, r"^offsets: expected integer"),
    C(FA, "offsets-strings", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=[("0", "1")] * 3), T, r"^offsets: expected a numeric array"),
    C(FA, "offsets-only-past-end", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, offsets=[(0, 1), (1, 2), (2, 5)]), V, r"^offsets: expected 0 <= start"),
    C(FA, "predictions-list", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions=[1, 2]), T, r"^predictions: expected a dict"),
    C(FA, "predictions-keys", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"probs": np.ones((3, 1))}), T, r"^predictions: expected a dict with keys 'tokens' and 'probs'"),
    C(FA, "predictions-probs-shape", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"tokens": [["a"]] * 2, "probs": np.ones((2, 1))}), V, r"^predictions\['probs'\]: expected shape \(3, k\)"),
    C(FA, "predictions-probs-nan", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"tokens": [["a"]] * 3, "probs": [[np.nan]] * 3}), V, r"^predictions\['probs'\]: expected probabilities"),
    C(FA, "predictions-probs-big", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"tokens": [["a"]] * 3, "probs": [[2.0]] * 3}), V, r"^predictions\['probs'\]: expected probabilities"),
    C(FA, "predictions-tokens-shape", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"tokens": [["a", "b"]] * 3, "probs": np.ones((3, 1))}), V, r"^predictions\['tokens'\]: expected shape \(3, 1\)"),
    C(FA, "predictions-tokens-ints", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"tokens": [[1]] * 3, "probs": np.ones((3, 1))}), T, r"^predictions\['tokens'\]: expected strings"),
    C(FA, "attention-rank3", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=np.ones((2, 3, 3))), V, r"^attention: expected 4 dimensions"),
    C(FA, "attention-batch2", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=np.ones((2, 1, 2, 3, 3))), V, r"^attention: expected 4 dimensions"),
    C(FA, "attention-length", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=np.ones((1, 1, 4, 4))), V, r"^attention: expected shape \(layers, heads, 3, 3\)"),
    C(FA, "attention-inf", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=np.full((1, 1, 3, 3), np.inf)), V, r"^attention: infinite"),
    C(FA, "attention-strings", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=np.full((1, 1, 3, 3), "x")), T, r"^attention: expected a numeric"),
    C(FA, "attention-no-heads", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=np.ones((1, 0, 3, 3))), V, r"^attention: expected no empty dimension"),
    C("Trace", "tokens-not-sequence", lambda: iw.Trace("abc", 5, [(0, 1)]), T, r"^tokens: expected a list of str"),
    C("Trace", "activations-list", lambda: iw.Trace("abc", ["abc"], [(0, 3)], activations=[1]), T, r"^activations: expected a dict"),
    C("Trace", "resolve-unknown", lambda: R.trace.resolve("rnn.9.h"), K, r"layer: 'rnn.9.h' is not in this trace"),
    C("Trace", "resolve-index", lambda: R.trace.resolve(5), V, r"^layer: expected an index in \[0, 1\]"),
    C("Trace", "resolve-float", lambda: R.trace.resolve(0.5), T, r"^layer: expected a name \(str\) or index"),
    C("Trace", "resolve-bool", lambda: R.trace.resolve(True), T, r"^layer: expected a name or index"),
]

# -- iw.trace on the char LSTM ---------------------------------------------------------------
TL = "trace(char LSTM)"
CASES += [
    C(TL, "text-not-str", lambda: iw.trace(R.lstm, 42), T, r"^text: expected a str"),
    C(TL, "text-list", lambda: iw.trace(R.lstm, ["a", "b"]), T, r"^text: expected a str"),
    C(TL, "text-empty", lambda: iw.trace(R.lstm, ""), V, r"^text: expected a non-empty"),
    C(TL, "text-unknown-chars", lambda: iw.trace(R.lstm_no_unk, "abc\u00e9\u6f22"), V, r"^text: characters .* are not in the model's vocabulary"),
    C(TL, "model-str", lambda: iw.trace("char_lstm", "abc"), T, r"^model: expected a torch.nn.Module"),
    C(TL, "model-none", lambda: iw.trace(None, "abc"), T, r"^model: expected a torch.nn.Module"),
    C(TL, "model-no-rnn", lambda: iw.trace(__import__("torch").nn.Linear(2, 2), "abc"), V, r"^model: Linear has no nn.LSTM"),
    C(TL, "model-bidirectional", lambda: iw.trace(_bidi(), "abc"), V, r"^model: bidirectional"),
    C(TL, "model-no-vocab", lambda: iw.trace(_no_vocab(), "abc"), V, r"^vocab: the model has no .vocab"),
    C(TL, "vocab-int", lambda: iw.trace(R.lstm, "abc", vocab=5), T, r"^vocab: expected a str"),
    C(TL, "chunk-size-zero", lambda: iw.trace(R.lstm, "abc", chunk_size=0), V, r"^chunk_size: expected a positive int"),
    C(TL, "chunk-size-str", lambda: iw.trace(R.lstm, "abc", chunk_size="10"), V, r"^chunk_size: expected a positive int"),
    C(TL, "top-k-negative", lambda: iw.trace(R.lstm, "abc", top_k=-1), V, r"^top_k: expected an int"),
    C(TL, "top-k-str", lambda: iw.trace(R.lstm, "abc", top_k="5"), T, r"^top_k: expected an int"),
    C(TL, "unk-index-out-of-vocab", lambda: iw.trace(R.lstm, "abc\u6f22", unk_index=10_000), V, r"^unk_index: expected an index"),
    C(TL, "unknown-option", lambda: iw.trace(R.lstm, "abc", layers=2), T, r"unexpected keyword argument 'layers'"),
    C(TL, "tokenizer-with-char-model", lambda: iw.trace(R.lstm, "abc", tokenizer=R.minilm[1]), T, r"^model: .*not a Hugging Face model"),
]


def _bidi():
    from torch import nn

    class M(nn.Module):
        vocab = "abc"

        def __init__(self):
            super().__init__()
            self.e = nn.Embedding(3, 4)
            self.r = nn.LSTM(4, 4, bidirectional=True)

    return M()


def _no_vocab():
    from torch import nn

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.e = nn.Embedding(3, 4)
            self.r = nn.GRU(4, 4)

    return M()


# -- iw.trace on the char Transformer --------------------------------------------------------
TT = "trace(char Transformer)"
CASES += [
    C(TT, "text-not-str", lambda: iw.trace(R.tf, 1.5), T, r"^text: expected a str"),
    C(TT, "text-empty", lambda: iw.trace(R.tf, ""), V, r"^text: expected a non-empty"),
    C(TT, "attention-too-long", lambda: iw.trace(R.tf, "x" * 40, attention=True), V, r"^attention: the text has 40 characters"),
    C(TT, "top-k-negative", lambda: iw.trace(R.tf, "abc", top_k=-1), V, r"^top_k: expected an int"),
    C(TT, "top-k-float", lambda: iw.trace(R.tf, "abc", top_k=2.5), T, r"^top_k: expected an int"),
    C(TT, "unknown-option", lambda: iw.trace(R.tf, "abc", chunk_size=3), T, r"unexpected keyword argument 'chunk_size'"),
    C(TT, "unknown-chars", lambda: iw.trace(_tf_no_unk(), "ab\u6f22"), V, r"^text: characters"),
]


def _tf_no_unk():
    from interpwidgets.zoo.transformer import CharTransformer

    return CharTransformer(d_model=8, n_layers=1, n_heads=2, d_mlp=8, context=8, unk_index=None)


# -- iw.trace on MiniLM (Hugging Face) --------------------------------------------------------
TH = "trace(MiniLM)"
CASES += [
    C(TH, "text-not-str", lambda: iw.trace(R.minilm[0], None, tokenizer=R.minilm[1]), T, r"^text: expected a str"),
    C(TH, "text-blank", lambda: iw.trace(R.minilm[0], "   ", tokenizer=R.minilm[1]), V, r"^text: expected a non-empty"),
    C(TH, "text-pair-not-str", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], text_pair=3), T, r"^text_pair: expected a str"),
    C(TH, "text-pair-empty", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], text_pair=""), V, r"^text_pair: expected a non-empty"),
    C(TH, "no-tokenizer", lambda: iw.trace(R.minilm[0], "a b"), V, r"^tokenizer: expected the model's tokenizer"),
    C(TH, "tokenizer-not-a-tokenizer", lambda: iw.trace(R.minilm[0], "a b", tokenizer="bert"), V, r"^tokenizer: character offsets need a fast tokenizer"),
    C(TH, "decoder-text-on-encoder", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], decoder_text="x"), V, r"^decoder_text: is only for encoder-decoder"),
    C(TH, "max-length-word", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], max_length="long"), T, r"^max_length: expected"),
    C(TH, "max-length-negative", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], max_length=-5), V, r"^max_length: expected"),
    C(TH, "pair-separator-int", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], text_pair="c", pair_separator=5), T, r"^pair_separator: expected a str"),
    C(TH, "hidden-states-str", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], hidden_states="no"), T, r"^hidden_states: expected a bool"),
    C(TH, "unknown-option", lambda: iw.trace(R.minilm[0], "a b", tokenizer=R.minilm[1], top_k=3), T, r"unexpected keyword argument 'top_k'"),
]

# -- iw.attribute ------------------------------------------------------------------------------
AT = "attribute"
CASES += [
    C(AT, "text-not-str", lambda: iw.attribute(R.lstm, 7), T, r"^text: expected a str"),
    C(AT, "text-blank", lambda: iw.attribute(R.lstm, " \n"), V, r"^text: expected a non-empty"),
    C(AT, "method-unknown", lambda: iw.attribute(R.lstm, "abc", method="shap"), V, r"^method: expected one of"),
    C(AT, "n-steps-one", lambda: iw.attribute(R.lstm, "abc", n_steps=1), V, r"^n_steps: expected an int"),
    C(AT, "n-steps-float", lambda: iw.attribute(R.lstm, "abc", n_steps=10.0), V, r"^n_steps: expected an int"),
    C(AT, "model-str", lambda: iw.attribute("char_lstm", "abc"), T, r"^model: expected a torch.nn.Module"),
    C(AT, "model-none", lambda: iw.attribute(None, "abc"), T, r"^model: expected a torch.nn.Module"),
    C(AT, "model-no-embedding", lambda: iw.attribute(__import__("torch").nn.Linear(2, 2), "abc"), V, r"^model: expected a Hugging Face classifier"),
    C(AT, "target-out-of-range", lambda: iw.attribute(R.lstm, "abc", method="saliency", target=10_000), V, r"^target: expected a class index in \[0, "),
    C(AT, "target-negative", lambda: iw.attribute(R.lstm, "abc", method="saliency", target=-1), V, r"^target: expected a class index"),
    C(AT, "target-unknown-label", lambda: iw.attribute(R.lstm, "abc", method="saliency", target="no such label"), V, r"^target: 'no such label' is not a class"),
    C(AT, "target-float", lambda: iw.attribute(R.lstm, "abc", method="saliency", target=1.0), T, r"^target: expected a class index or label"),
    C(AT, "position-out-of-range", lambda: iw.attribute(R.lstm, "abc", method="saliency", position=3), V, r"^position: expected an index into the 3 characters"),
    C(AT, "position-str", lambda: iw.attribute(R.lstm, "abc", method="saliency", position="last"), T, r"^position: expected an int"),
    C(AT, "baseline-unknown", lambda: iw.attribute(R.lstm, "abc", method="occlusion", baseline="noise"), V, r"^baseline: expected 'pad', 'mask' or 'zero'"),
    C(AT, "n-samples-zero", lambda: iw.attribute(R.lstm, "abc", method="lime", n_samples=0), V, r"^n_samples: expected an int"),
    C(AT, "internal-batch-zero", lambda: iw.attribute(R.lstm, "abc", internal_batch_size=0), V, r"^internal_batch_size: expected an int"),
    C(AT, "top-k-negative", lambda: iw.attribute(R.lstm, "abc", method="saliency", all_targets=True, top_k=-2), V, r"^top_k: expected an int"),
    C(AT, "unknown-chars", lambda: iw.attribute(R.lstm_no_unk, "ab\u6f22", method="saliency"), V, r"^text: characters"),
    C(AT, "attention-on-lstm", lambda: iw.attribute(R.lstm, "abc", method="attention"), V, r"^method: 'attention' needs a model with attention"),
    C(AT, "encoder-not-classifier", lambda: iw.attribute(R.minilm[0], "a b", R.minilm[1], method="saliency"), T, r"^model: expected a classifier"),
    C(AT, "tokenizer-with-char-model", lambda: iw.attribute(R.lstm, "abc", R.minilm[1], method="saliency"), V, r"^model: found no embedding layer"),
    C("Attribution", "scores-length", lambda: attribution(scores=np.zeros(3)), V, r"scores'\]: expected 4 rows"),
    C("Attribution", "scores-inf", lambda: attribution(scores=[0, np.inf, 0, 0]), V, r"scores'\]: infinite"),
    C("Attribution", "scores-strings", lambda: attribution(scores=["a"] * 4), T, r"^scores: expected a numeric array"),
    C("Attribution", "scores-2d", lambda: attribution(scores=np.zeros((4, 2))), V, r"^scores: expected shape \(n_tokens,\)"),
    C("Attribution", "probs-strings", lambda: attribution(probs=["a", "b"]), T, r"^probs: expected a numeric array"),
    C("Attribution", "labels-str", lambda: attribution(labels="np"), T, r"^labels: expected a list of str"),
    C("Attribution", "probs-length", lambda: attribution(probs=[1.0]), V, r"^probs: expected shape \(2,\)"),
    C("Attribution", "target-range", lambda: attribution(target=2), V, r"^target: expected a class index in \[0, 1\]"),
    C("Attribution", "target-str", lambda: attribution(target="pos"), T, r"^target: expected an int"),
    C("Attribution", "method-unknown", lambda: attribution(method="magic"), V, r"^method: expected one of"),
    C("Attribution", "words-agg", lambda: R.attribution.words("mean"), V, r"^agg: expected 'sum' or 'max_abs'"),
    C(AT, "max-length-zero", lambda: iw.attribute(R.lstm, "abc", method="saliency", max_length=0), V, r"^max_length: expected an int ≥ 1"),
    C(AT, "max-length-negative", lambda: iw.attribute(R.lstm, "abc", method="saliency", max_length=-3), V, r"^max_length: expected an int ≥ 1"),
    C(AT, "max-length-str", lambda: iw.attribute(R.lstm, "abc", method="saliency", max_length="64"), T, r"^max_length: expected an int or None"),
    C(AT, "max-length-bool", lambda: iw.attribute(R.lstm, "abc", method="saliency", max_length=True), T, r"^max_length: expected an int or None"),
    C(AT, "max-length-float", lambda: iw.attribute(R.lstm, "abc", method="saliency", max_length=8.0), T, r"^max_length: expected an int or None"),
    C(AT, "max-length-over-model", lambda: iw.attribute(R.sentiment[0], "a b", R.sentiment[1], method="saliency", max_length=100_000), V, r"^max_length: expected at most \d+ \(the model's maximum\)"),
    C(AT, "max-length-one-hf", lambda: iw.attribute(R.sentiment[0], "a b", R.sentiment[1], method="saliency", max_length=1), V, r"^max_length: expected an int ≥ 2"),
    C("Attribution", "all-scores-negative-key", lambda: attribution(all_scores={-1: np.zeros(4), 1: np.array([0.0, 0.5, -0.25, 0.0])}), V, r"^all_scores: expected class indices in \[0, 1\]"),
    C("Attribution", "all-scores-key-range", lambda: attribution(all_scores={5: np.zeros(4)}), V, r"^all_scores: expected class indices in \[0, 1\]"),
    C("Attribution", "all-scores-key-str", lambda: attribution(all_scores={"pos": np.zeros(4)}), T, r"^all_scores: expected int class indices"),
    C("Attribution", "all-scores-key-bool", lambda: attribution(all_scores={True: np.zeros(4)}), T, r"^all_scores: expected int class indices"),
    C("Attribution", "all-scores-length", lambda: attribution(all_scores={0: np.zeros(3)}), V, r"^all_scores\[0\]: expected shape \(4,\)"),
    C("Attribution", "all-scores-2d", lambda: attribution(all_scores={0: np.zeros((4, 2))}), V, r"^all_scores\[0\]: expected shape \(4,\)"),
    C("Attribution", "all-scores-inf", lambda: attribution(all_scores={0: [0, np.inf, 0, 0]}), V, r"^all_scores\[0\]: infinite"),
    C("Attribution", "all-scores-list", lambda: attribution(all_scores=[np.zeros(4)]), T, r"^all_scores: expected a dict"),
    C("Attribution", "all-scores-target-differs", lambda: attribution(all_scores={1: np.ones(4)}), V, r"^all_scores\[1\]: expected the same values as scores"),
    C("Attribution", "all-deltas-key", lambda: attribution(all_deltas={-1: 0.0}), V, r"^all_deltas: expected class indices"),
    C("Attribution", "all-deltas-str", lambda: attribution(all_deltas={1: "0.1"}), T, r"^all_deltas\[1\]: expected a float"),
    C("Attribution", "special-length", lambda: attribution(special=[True, False]), V, r"^special: expected shape \(4,\)"),
    C("Attribution", "special-2d", lambda: attribution(special=np.zeros((4, 2), bool)), V, r"^special: expected shape \(4,\)"),
    C("Attribution", "special-floats", lambda: attribution(special=[0.5, 0, 0, 1]), T, r"^special: expected bools"),
    C("Attribution", "special-str", lambda: attribution(special="TFFT"), T, r"^special: expected bools"),
]

# -- iw.find_neurons / iw.match_spans / gate_saturation ------------------------------------------
FN = "find_neurons"
CASES += [
    C(FN, "trace-not-trace", lambda: iw.find_neurons("text", "in_string"), T, r"^trace: expected an interpwidgets.Trace"),
    C(FN, "trace-array", lambda: iw.find_neurons(np.zeros((3, 2)), "in_string"), T, r"^trace: expected an interpwidgets.Trace"),
    C(FN, "feature-unknown", lambda: iw.find_neurons(R.trace, "in_strings"), K, r"feature: 'in_strings' is not a known feature"),
    C(FN, "feature-length", lambda: iw.find_neurons(R.trace, np.zeros(5)), V, r"^feature: expected \d+ values \(one per token\)"),
    C(FN, "feature-2d", lambda: iw.find_neurons(R.trace, np.zeros((n_chars(), 2))), V, r"^feature: expected a 1-D array"),
    C(FN, "feature-strings", lambda: iw.find_neurons(R.trace, ["a"] * n_chars()), T, r"^feature: expected a numeric array"),
    C(FN, "feature-empty", lambda: iw.find_neurons(R.trace, []), V, r"^feature: expected \d+ values"),
    C(FN, "feature-inf", lambda: iw.find_neurons(R.trace, np.r_[np.inf, np.arange(n_chars() - 1.0)]), V, r"^feature: infinite"),
    C(FN, "feature-constant-bool", lambda: iw.find_neurons(R.trace, np.zeros(n_chars(), bool)), V, r"^feature: is never true"),
    C(FN, "feature-dict", lambda: iw.find_neurons(R.trace, {"a": 1}), T, r"^feature: expected"),
    C(FN, "layers-unknown", lambda: iw.find_neurons(R.trace, "in_string", layers=["rnn.5.h"]), K, r"layer: 'rnn.5.h' is not in this trace"),
    C(FN, "layers-index", lambda: iw.find_neurons(R.trace, "in_string", layers=7), V, r"^layer: expected an index in"),
    C(FN, "layers-float", lambda: iw.find_neurons(R.trace, "in_string", layers=[0.5]), T, r"^layer: expected a name"),
    C(FN, "top-str", lambda: iw.find_neurons(R.trace, "in_string", top="5"), T, r"^top: expected a positive int"),
    C(FN, "top-negative", lambda: iw.find_neurons(R.trace, "in_string", top=-1), V, r"^top: expected a positive int"),
]
MS = "match_spans"
CASES += [
    C(MS, "trace-not-trace", lambda: iw.match_spans(None, [(0, 3)]), T, r"^trace: expected an interpwidgets.Trace"),
    C(MS, "spans-empty", lambda: iw.match_spans(R.trace, []), V, r"^spans: expected at least one"),
    C(MS, "spans-int", lambda: iw.match_spans(R.trace, 5), T, r"^spans: expected a list of \(start, end\)"),
    C(MS, "spans-str", lambda: iw.match_spans(R.trace, "0:3"), T, r"^spans: expected"),
    C(MS, "spans-past-end", lambda: iw.match_spans(R.trace, [(0, 999)]), V, r"^spans: expected 0 <= start < end <= len\(text\)"),
    C(MS, "spans-negative", lambda: iw.match_spans(R.trace, [(-2, 3)]), V, r"^spans: expected 0 <= start"),
    C(MS, "spans-reversed", lambda: iw.match_spans(R.trace, [(5, 2)]), V, r"^spans: expected 0 <= start < end"),
    C(MS, "spans-triples", lambda: iw.match_spans(R.trace, [(0, 1, 2)]), T, r"^spans: expected \(start, end\) pairs"),
    C(MS, "spans-words", lambda: iw.match_spans(R.trace, [("a", "b")]), T, r"^spans: expected \(start, end\) pairs"),
    C(MS, "spans-fractional", lambda: iw.match_spans(R.trace, [(0.5, 3.5)]), T, r"^spans: expected \(start, end\) pairs of ints"),
    C(MS, "spans-array-2x3", lambda: iw.match_spans(R.trace, np.zeros((2, 3), int)), T, r"^spans: expected \(start, end\) pairs"),
    C(MS, "threshold-nan", lambda: iw.match_spans(R.trace, [(0, 3)], threshold=float("nan")), V, r"^threshold: expected a finite number"),
    C(MS, "threshold-str", lambda: iw.match_spans(R.trace, [(0, 3)], threshold="high"), T, r"^threshold: expected a finite number"),
    C(MS, "margin-negative", lambda: iw.match_spans(R.trace, [(0, 3)], margin=-4), V, r"^margin: expected an int"),
    C(MS, "layers-unknown", lambda: iw.match_spans(R.trace, [(0, 3)], layers="nope"), K, r"layer: 'nope' is not in this trace"),
    C(MS, "top-str", lambda: iw.match_spans(R.trace, [(0, 3)], top="all"), T, r"^top: expected a positive int"),
    C("gate_saturation", "trace-not-trace", lambda: iw.gate_saturation({"rnn.0.i": 1}), T, r"^trace: expected an interpwidgets.Trace"),
    C("gate_saturation", "no-gates", lambda: iw.gate_saturation(R.trace), V, r"^trace: has no gate arrays"),
]

# -- iw.features ------------------------------------------------------------------------------
CASES += [
    C(f"features.{f}", case, (lambda f=f, v=v: getattr(iw.features, f)(v)), e, m)
    for f in ("python_code", "plain_text")
    for case, v, e, m in (
        ("text-none", None, T, r"^text: expected a str"),
        ("text-bytes", b"x = 1", T, r"^text: expected a str"),
        ("text-list", ["x", "=", "1"], T, r"^text: expected a str"),
        ("text-empty", "", V, r"^text: expected a non-empty"),
    )
]

# -- widgets ----------------------------------------------------------------------------------
NT = "NeuronText"
NX = "NeuronExplorer"
for W in (NT, NX):
    cls = getattr(iw, W)
    CASES += [
        C(W, "trace-str", (lambda c=cls: c("some text")), T, r"^trace: expected an interpwidgets.Trace"),
        C(W, "trace-array", (lambda c=cls: c(np.zeros((3, 2)))), T, r"^trace: expected an interpwidgets.Trace"),
        C(W, "layer-unknown", (lambda c=cls: c(R.trace, layer="rnn.7.h")), K, r"layer: 'rnn.7.h' is not in this trace"),
        C(W, "layer-index", (lambda c=cls: c(R.trace, layer=2)), V, r"^layer: expected an index in \[0, 1\]"),
        C(W, "layer-float", (lambda c=cls: c(R.trace, layer=1.0)), T, r"^layer: expected a name \(str\) or index"),
        C(W, "neuron-range", (lambda c=cls: c(R.trace, neuron=4)), V, r"^neuron: expected an index in \[0, 3\]"),
        C(W, "neuron-negative", (lambda c=cls: c(R.trace, neuron=-1)), V, r"^neuron: expected an index in"),
        C(W, "neuron-float", (lambda c=cls: c(R.trace, neuron=1.0)), T, r"^neuron: expected an int"),
        C(W, "neuron-bool", (lambda c=cls: c(R.trace, neuron=True)), T, r"^neuron: expected an int"),
        C(W, "vmax-zero", (lambda c=cls: c(R.trace, vmax=0)), V, r"^vmax: expected a positive finite number"),
        C(W, "vmax-nan", (lambda c=cls: c(R.trace, vmax=float("nan"))), V, r"^vmax: expected a positive finite"),
        C(W, "vmax-inf", (lambda c=cls: c(R.trace, vmax=float("inf"))), V, r"^vmax: expected a positive finite"),
        C(W, "vmax-str", (lambda c=cls: c(R.trace, vmax="1")), V, r"^vmax: expected a positive finite"),
        C(W, "title-int", (lambda c=cls: c(R.trace, title=5)), T, r"^title: expected a str"),
        C(W, "export-budget-str", (lambda c=cls: c(R.trace, export_budget="big")), T, r"^export_budget: expected a positive int"),
        C(W, "export-budget-zero", (lambda c=cls: c(R.trace, export_budget=0)), V, r"^export_budget: expected a positive int"),
    ]
CASES += [
    C(NT, "set-neuron-range", lambda: setattr(R.widget, "neuron", 99), V, r"^neuron: expected an index in \[0, 3\]"),
    C(NT, "set-layer-unknown", lambda: setattr(R.widget, "layer", "zz"), K, r"layer: 'zz' is not in this trace"),
    C(NT, "values-neuron-range", lambda: R.widget.values(neuron=50), V, r"^neuron: expected an index"),
    C(NX, "feature-unknown", lambda: iw.NeuronExplorer(R.trace, feature="in_strng"), K, r"feature: 'in_strng' is not a known feature"),
    C(NX, "feature-int", lambda: iw.NeuronExplorer(R.trace, feature=3), T, r"^feature: expected a str"),
    C(NX, "spans-past-end", lambda: iw.NeuronExplorer(R.trace, spans=[(0, 999)]), V, r"^spans: expected 0 <= start < end"),
    C(NX, "spans-flat", lambda: iw.NeuronExplorer(R.trace, spans=[3, 5]), T, r"^spans: expected"),
    C(NX, "spans-fractional", lambda: iw.NeuronExplorer(R.trace, spans=[(0.5, 3)]), T, r"^spans: expected \[start, end\] pairs of ints"),
    C(NX, "threshold-nan", lambda: iw.NeuronExplorer(R.trace, threshold=float("nan")), V, r"^threshold: expected a finite number"),
    C(NX, "threshold-str", lambda: iw.NeuronExplorer(R.trace, threshold="x"), T, r"^threshold: expected a finite number"),
    C(NX, "rank-layers-unknown", lambda: iw.NeuronExplorer(R.trace, rank_layers=["rnn.3.c"]), K, r"layer: 'rnn.3.c' is not in this trace"),
    C(NX, "rank-layers-str", lambda: iw.NeuronExplorer(R.trace, rank_layers="nope"), K, r"layer: 'nope' is not in this trace"),
    C(NX, "rank-layers-empty", lambda: iw.NeuronExplorer(R.trace, rank_layers=[]), V, r"^rank_layers: expected at least one layer"),
    C(NX, "top-str", lambda: iw.NeuronExplorer(R.trace, top="10"), T, r"^top: expected a positive int"),
    C(NX, "top-zero", lambda: iw.NeuronExplorer(R.trace, top=0), V, r"^top: expected a positive int"),
]

AV = "AttentionView"
HV = "head_view/model_view"
CASES += [
    C(AV, "nothing", lambda: iw.AttentionView(), V, r"^trace_or_attention: expected a Trace with attention"),
    C(AV, "trace-without-attention", lambda: iw.AttentionView(R.trace), V, r"^trace: has no attention"),
    C(AV, "array-rank3", lambda: iw.AttentionView(np.ones((2, 4, 4)), tokens=TOKS4), V, r"^attention: expected 4 dimensions"),
    C(AV, "array-batch2", lambda: iw.AttentionView(np.ones((2, 2, 3, 4, 4)), tokens=TOKS4), V, r"^attention: expected 4 dimensions"),
    C(AV, "array-no-tokens", lambda: iw.AttentionView(stack()), V, r"^tokens: expected a list of token strings"),
    C(AV, "tokens-length", lambda: iw.AttentionView(stack(), tokens=TOKS4[:3]), V, r"^attention: expected shape \(layers, heads, 3, 3\)"),
    C(AV, "tokens-str", lambda: iw.AttentionView(stack(), tokens="abcd"), T, r"^tokens: expected a list of str"),
    C(AV, "tokens-ints", lambda: iw.AttentionView(stack(), tokens=[1, 2, 3, 4]), T, r"^tokens: expected str items"),
    C(AV, "non-square", lambda: iw.AttentionView(np.ones((1, 1, 4, 3)), tokens=TOKS4), V, r"^attention: expected shape \(layers, heads, 4, 4\)"),
    C(AV, "inf", lambda: iw.AttentionView(np.full((1, 1, 4, 4), np.inf), tokens=TOKS4), V, r"^attention: infinite"),
    C(AV, "strings", lambda: iw.AttentionView(np.full((1, 1, 4, 4), "a"), tokens=TOKS4), T, r"^attention: expected a numeric"),
    C(AV, "layer-range", lambda: iw.AttentionView(stack(), tokens=TOKS4, layer=2), V, r"^layer: expected an index in \[0, 1\]"),
    C(AV, "head-range", lambda: iw.AttentionView(stack(), tokens=TOKS4, head=3), V, r"^head: expected an index in \[0, 2\]"),
    C(AV, "head-float", lambda: iw.AttentionView(stack(), tokens=TOKS4, head=1.0), T, r"^head: expected an int"),
    C(AV, "heads-range", lambda: iw.AttentionView(stack(), tokens=TOKS4, heads=[0, 9]), V, r"^heads: expected an index in"),
    C(AV, "view-unknown", lambda: iw.AttentionView(stack(), tokens=TOKS4, view="grid"), V, r"^view: expected one of"),
    C(AV, "include-layers-range", lambda: iw.AttentionView(stack(), tokens=TOKS4, include_layers=[5]), V, r"^include_layers: expected an index in"),
    C(AV, "include-heads-dup", lambda: iw.AttentionView(stack(), tokens=TOKS4, include_heads=[1, 1]), V, r"^include_heads: expected distinct"),
    C(AV, "include-layers-empty", lambda: iw.AttentionView(stack(), tokens=TOKS4, include_layers=[]), V, r"^include_layers: expected at least one"),
    C(AV, "sentence-b-range", lambda: iw.AttentionView(stack(), tokens=TOKS4, sentence_b_start=9), V, r"^sentence_b_start: expected an index"),
    C(AV, "group-range", lambda: iw.AttentionView(stack(), tokens=TOKS4, group=3), V, r"^group: expected an index in \[0, 0\]"),
    C(AV, "groups-and-array", lambda: iw.AttentionView(stack(), groups=[]), V, r"^groups: pass either groups"),
    C(AV, "groups-empty", lambda: iw.AttentionView(groups=[]), V, r"^groups: expected at least one group"),
    C(AV, "groups-dict", lambda: iw.AttentionView(groups={"name": "a"}), T, r"^groups: expected a list of dicts"),
    C(AV, "groups-missing-tokens", lambda: iw.AttentionView(groups=[{"name": "a", "attention": stack()}]), V, r"^groups\[0\].tokens: is required"),
    C(AV, "groups-unknown-key", lambda: iw.AttentionView(groups=[{"name": "a", "attention": stack(), "tokens": TOKS4, "toks": 1}]), V, r"^groups\[0\]: unknown keys"),
    C(AV, "heads-int", lambda: iw.AttentionView(stack(), tokens=TOKS4, heads=2), T, r"^heads: expected a list of ints"),
    C(AV, "view-int", lambda: iw.AttentionView(stack(), tokens=TOKS4, view=1), V, r"^view: expected one of"),
    C(HV, "head_view-heads-int", lambda: iw.head_view(hf_layers(), TOKS4, heads=1), T, r"^heads: expected a list of ints"),
    C(HV, "head_view-include-layers-int", lambda: iw.head_view(hf_layers(), TOKS4, include_layers=1), T, r"^include_layers: expected a list of ints"),
    C(AV, "title-int", lambda: iw.AttentionView(stack(), tokens=TOKS4, title=3), T, r"^title: expected a str"),
    C(AV, "export-budget-str", lambda: iw.AttentionView(stack(), tokens=TOKS4, export_budget="big"), T, r"^export_budget: expected a positive int"),
    C(AV, "set-layer-range", lambda: setattr(iw.AttentionView(R.attn_trace), "layer", 5), V, r"^layer: expected an index in \[0, 1\]"),
]

for fn_name in ("head_view", "model_view"):
    fn = getattr(iw, fn_name)
    CASES += [
        C(HV, f"{fn_name}-nothing", (lambda f=fn: f()), V, r"^attention: you must give at least one"),
        C(HV, f"{fn_name}-no-tokens", (lambda f=fn: f(hf_layers())), V, r"^tokens: is required with attention"),
        C(HV, f"{fn_name}-empty-list", (lambda f=fn: f([], TOKS4)), V, r"^attention: expected one array per layer"),
        C(HV, f"{fn_name}-layer-rank3", (lambda f=fn: f([np.ones((3, 4, 4))], TOKS4)), V, r"^attention\[0\]: expected shape \(batch=1, heads, query, key\)"),
        C(HV, f"{fn_name}-batch2", (lambda f=fn: f(hf_layers(batch=2), TOKS4)), V, r"^attention\[0\]: expected batch size 1, got 2"),
        C(HV, f"{fn_name}-ragged-layers", (lambda f=fn: f([np.ones((1, 2, 4, 4)), np.ones((1, 3, 4, 4))], TOKS4)), V, r"^attention: expected every layer to have the same shape"),
        C(HV, f"{fn_name}-array-rank3", (lambda f=fn: f(np.ones((2, 4, 4)), TOKS4)), V, r"^attention: expected a list of \(1, heads, query, key\)"),
        C(HV, f"{fn_name}-tokens-length", (lambda f=fn: f(hf_layers(), TOKS4[:2])), V, r"^tokens: attention has 4 positions but 2 tokens"),
        C(HV, f"{fn_name}-tokens-str", (lambda f=fn: f(hf_layers(), "abcd")), T, r"^tokens: expected a list of str"),
        C(HV, f"{fn_name}-tokens-ints", (lambda f=fn: f(hf_layers(), [1, 2, 3, 4])), T, r"^tokens: expected str items"),
        C(HV, f"{fn_name}-non-square", (lambda f=fn: f([np.ones((1, 1, 4, 3))], TOKS4)), V, r"^attention: expected square"),
        C(HV, f"{fn_name}-strings", (lambda f=fn: f([np.full((1, 1, 4, 4), "x")], TOKS4)), T, r"^attention\[0\]: expected a numeric"),
        C(HV, f"{fn_name}-inf", (lambda f=fn: f([np.full((1, 1, 4, 4), np.inf)], TOKS4)), V, r"^attention: infinite"),
        C(HV, f"{fn_name}-include-layers-range", (lambda f=fn: f(hf_layers(), TOKS4, include_layers=[0, 5])), V, r"^include_layers: expected indices in \[0, 1\]"),
        C(HV, f"{fn_name}-sentence-b-range", (lambda f=fn: f(hf_layers(), TOKS4, sentence_b_start=7)), V, r"^sentence_b_start: expected a token index"),
        C(HV, f"{fn_name}-html-action", (lambda f=fn: f(hf_layers(), TOKS4, html_action="save")), V, r"^html_action: expected 'view' or 'return'"),
        C(HV, f"{fn_name}-with-encoder", (lambda f=fn: f(hf_layers(), TOKS4, encoder_attention=hf_layers())), V, r"^attention: is for self-attention models"),
        C(HV, f"{fn_name}-cross-no-tokens", (lambda f=fn: f(cross_attention=hf_layers())), V, r"^encoder_tokens: is required with cross_attention"),
        C(HV, f"{fn_name}-decoder-no-tokens", (lambda f=fn: f(decoder_attention=hf_layers())), V, r"^decoder_tokens: is required with decoder_attention"),
    ]
CASES += [
    C(HV, "head_view-layer-not-included", lambda: iw.head_view(hf_layers(), TOKS4, layer=1, include_layers=[0]), V, r"^layer: 1 is not in include_layers"),
    C(HV, "head_view-heads-range", lambda: iw.head_view(hf_layers(), TOKS4, heads=[7]), V, r"^heads: expected an index in \[0, 2\]"),
    C(HV, "model_view-display-mode", lambda: iw.model_view(hf_layers(), TOKS4, display_mode="blue"), V, r"^display_mode: expected 'dark' or 'light'"),
    C(HV, "model_view-include-heads-range", lambda: iw.model_view(hf_layers(), TOKS4, include_heads=[3]), V, r"^include_heads: expected an index in \[0, 2\]"),
]

AX = "AttributionText"
CASES += [
    C(AX, "str", lambda: iw.AttributionText("the cat"), T, r"^attributions: expected an Attribution"),
    C(AX, "empty-list", lambda: iw.AttributionText([]), T, r"^attributions: expected an Attribution"),
    C(AX, "list-of-dicts", lambda: iw.AttributionText([{"scores": [1]}]), T, r"^attributions: expected an Attribution"),
    C(AX, "different-texts", lambda: iw.AttributionText([R.attribution, attribution(text="the cat ", method="deeplift")]), V, r"^attributions\[1\]: expected the same text and tokens"),
    C(AX, "level-unknown", lambda: iw.AttributionText(R.attribution, level="char"), V, r"^level: expected 'token' or 'word'"),
    C(AX, "scale-unknown", lambda: iw.AttributionText(R.attribution, scale="log"), V, r"^scale: expected 'shared' or 'row'"),
    C(AX, "word-agg-unknown", lambda: iw.AttributionText(R.attribution, word_agg="mean"), V, r"^word_agg: expected 'sum' or 'max_abs'"),
    C(AX, "title-int", lambda: iw.AttributionText(R.attribution, title=1), T, r"^title: expected a str"),
    C(AX, "set-target-range", lambda: setattr(iw.AttributionText(R.attribution), "target", 5), V, r"^target: expected an index into labels"),
]

# -- save_html --------------------------------------------------------------------------------
SH = "save_html"
CASES += [
    C(SH, "directory", lambda tmp: R.widget.save_html(tmp), IsADirectoryError, r"^path: .* is a directory"),
    C(SH, "directory-str", lambda tmp: R.widget.save_html(str(tmp)), IsADirectoryError, r"^path: .* is a directory"),
    C(SH, "missing-folder", lambda tmp: R.widget.save_html(tmp / "no" / "x.html"), FileNotFoundError, r"^path: the folder .* does not exist"),
    C(SH, "path-int", lambda tmp: R.widget.save_html(3), TypeError, r"^path: expected a str or os.PathLike"),
    C(SH, "path-none", lambda tmp: R.widget.save_html(None), TypeError, r"^path: expected a str or os.PathLike"),
    C(SH, "path-empty", lambda tmp: R.widget.save_html(""), IsADirectoryError, r"^path: '\.' is a directory"),
    C(SH, "title-int", lambda tmp: R.widget.save_html(tmp / "x.html", title=5), TypeError, r"^title: expected a str"),
    C(SH, "to-html-title-int", lambda tmp: R.widget.to_html(title=["x"]), TypeError, r"^title: expected a str"),
    C(SH, "attention-directory", lambda tmp: iw.AttentionView(R.attn_trace).save_html(tmp), IsADirectoryError, r"^path: "),
    C(SH, "attribution-directory", lambda tmp: iw.AttributionText(R.attribution).save_html(tmp), IsADirectoryError, r"^path: "),
]

# -- lone surrogates: refused at the door, naming the argument (issue 16 item 2) -------------
US = "lone surrogate"
_S = "\ud800"
CASES += [
    C(US, "trace-text", lambda: iw.Trace.from_arrays("ab" + _S, {"a": np.zeros(3)}), V, r"^text: contains a lone surrogate '\\ud800' at character 2"),
    C(US, "trace-text-surrogateescape", lambda: iw.Trace.from_arrays(b"ab\xff".decode("utf-8", "surrogateescape"), {"a": np.zeros(3)}), V, r"^text: contains a lone surrogate"),
    C(US, "trace-tokens", lambda: iw.Trace.from_arrays("abc", {"a": np.zeros(2)}, tokens=["a", "b" + _S], offsets=[(0, 1), (1, 2)]), V, r"^tokens\[1\]: contains a lone surrogate"),
    C(US, "trace-layer-name", lambda: iw.Trace.from_arrays("abc", {"h" + _S: np.zeros(3)}), V, r"^activations \(a layer name\): contains a lone surrogate"),
    C(US, "trace-prediction-tokens", lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"tokens": [["a"], [_S], ["c"]], "probs": np.ones((3, 1))}), V, r"^predictions\['tokens'\]\[1\]: contains a lone surrogate"),
    C(US, "attribute-text", lambda: iw.attribute(R.lstm, "ab" + _S, method="saliency"), V, r"^text: contains a lone surrogate"),
    C(US, "attribution-labels", lambda: attribution(labels=["neg", "p" + _S]), V, r"^labels\[1\]: contains a lone surrogate"),
    C(US, "neuron-text-title", lambda: iw.NeuronText(R.trace, title="t" + _S), V, r"^title: contains a lone surrogate"),
    C(US, "attention-view-tokens", lambda: iw.AttentionView(stack(), tokens=["[CLS]", _S, "cat", "[SEP]"]), V, r"tokens.*: contains a lone surrogate"),
    C(US, "attention-view-title", lambda: iw.AttentionView(stack(), tokens=TOKS4, title=_S), V, r"^title: contains a lone surrogate"),
    C(US, "attribution-text-title", lambda: iw.AttributionText(R.attribution, title=_S), V, r"^title: contains a lone surrogate"),
    C(US, "save-html-title", lambda tmp: R.widget.save_html(tmp / "x.html", title=_S), V, r"^title: contains a lone surrogate"),
    C(US, "to-html-title", lambda tmp: R.widget.to_html(title="x" + _S), V, r"^title: contains a lone surrogate"),
    C(US, "save-html-path", lambda tmp: R.widget.save_html(str(tmp) + "/x" + _S + ".html"), V, r"^path: contains a lone surrogate"),
    C(US, "widget-trait-later", lambda: setattr(iw.NeuronText(R.trace), "title", "x" + _S), V, r"^title: contains a lone surrogate"),
]

# -- trait assignments: outputs read-only, the rest checked; the browser sets only its own -----
# (issue 16 item 7) Every widget's synced traits are tagged output / browser-owned in their
# class; errors name the trait and are ValueError / TypeError, never traitlets' TraitError.
TA = "trait assignment"
BR = "trait from the browser"


def _probe_chart():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_probe_chart import result

    return iw.ProbeChart(result())


def _browser(widget, data):
    """Apply a change as the browser sends it; the error the widget shows, raised."""
    widget.set_state(data)
    if widget.error:
        kind, _, message = widget.error.partition(": ")
        raise {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError}[kind](message)


def _set(make, name, value):
    return lambda: setattr(make(), name, value)


_NT = lambda: iw.NeuronText(R.trace)  # noqa: E731
_NX = lambda: iw.NeuronExplorer(R.trace)  # noqa: E731
_AV = lambda: iw.AttentionView(R.attn_trace)  # noqa: E731
_AX = lambda: iw.AttributionText(R.attribution)  # noqa: E731
_RO = lambda: iw.Robustness(rob_result())  # noqa: E731
_OUT = r": is computed by the widget from its data and cannot be set"
CASES += [
    *[C(TA, f"NeuronText-{n}", _set(_NT, n, v), V, rf"^{n}{_OUT}") for n, v in (("text", "x"), ("offsets", {}), ("column", {}), ("layers", ["x"]), ("unknown", [0]))],
    C(TA, "NeuronText-neuron-float", _set(_NT, "neuron", 1.5), T, r"^neuron: expected an int"),
    C(TA, "NeuronText-neuron-str", _set(_NT, "neuron", "2"), T, r"^neuron: expected an int"),
    C(TA, "NeuronText-layer-list", _set(_NT, "layer", ["rnn.0.h"]), T, r"^layer: expected a unicode string"),
    C(TA, "NeuronText-title-int", _set(_NT, "title", 3), T, r"^title: expected a str"),
    C(TA, "NeuronText-presentation-str", _set(_NT, "presentation", "yes"), T, r"^presentation: expected a boolean"),
    *[C(TA, f"NeuronExplorer-{n}", _set(_NX, n, v), V, rf"^{n}{_OUT}") for n, v in (("predictions", {}), ("features", ["x"]), ("ranking", {}))],
    C(TA, "NeuronExplorer-threshold-str", _set(_NX, "threshold", "high"), T, r"^threshold: expected a float"),
    C(TA, "NeuronExplorer-spans-str", _set(_NX, "spans", "0-3"), T, r"^spans: expected \[start, end\] pairs"),
    C(TA, "NeuronExplorer-feature-int", _set(_NX, "feature", 3), T, r"^feature: expected a unicode string"),
    *[C(TA, f"AttentionView-{n}", _set(_AV, n, v), V, rf"^{n}{_OUT}") for n, v in (("tokens", ["a"] * 4), ("groups", []), ("current", {}), ("notes", []), ("n_heads", 9), ("layer_labels", ["x"]))],
    C(TA, "AttentionView-head-float", _set(_AV, "head", 1.5), T, r"^head: expected an int"),
    C(TA, "AttentionView-layer-str", _set(_AV, "layer", "0"), T, r"^layer: expected an int"),
    C(TA, "AttentionView-view-int", _set(_AV, "view", 3), T, r"^view: expected a unicode string"),
    C(TA, "AttentionView-token-none", _set(_AV, "token", None), T, r"^token: expected an int"),
    *[C(TA, f"AttributionText-{n}", _set(_AX, n, v), V, rf"^{n}{_OUT}") for n, v in (("labels", ["a", "b"]), ("rows", []), ("word_agg", "mean"), ("text", "x"), ("probs", {}))],
    C(TA, "AttributionText-target-float", _set(_AX, "target", 1.5), T, r"^target: expected an int"),
    C(TA, "AttributionText-level-int", _set(_AX, "level", 3), T, r"^level: expected a unicode string"),
    C(TA, "ProbeChart-series", _set(_probe_chart, "series", []), V, rf"^series{_OUT}"),
    C(TA, "ProbeChart-metric-int", _set(_probe_chart, "metric", 3), T, r"^metric: expected a unicode string"),
    C(TA, "ProbeChart-selected-junk", _set(_probe_chart, "selected", {"x": 1}), V, r"^selected: expected \{\} or a dict with keys \['layer', 'series'\]"),
    C(TA, "ProbeChart-selected-series", _set(_probe_chart, "selected", {"series": 4, "layer": "embed"}), V, r"^selected\['series'\]: expected an index in \[0, 0\]"),
    C(TA, "ProbeChart-selected-layer", _set(_probe_chart, "selected", {"series": 0, "layer": "nope"}), V, r"^selected\['layer'\]: expected one of"),
    C(TA, "ProbeChart-neuron-float", _set(_probe_chart, "neuron", {"series": 0, "layer": "embed", "neuron": 1.5}), T, r"^neuron\['neuron'\]: expected a non-negative int"),
    C(BR, "ProbeChart-selected-layer", lambda: _browser(_probe_chart(), {"selected": {"series": 0, "layer": "<img>"}}), V, r"^selected\['layer'\]: expected one of"),
    *[C(TA, f"Robustness-{n}", _set(_RO, n, v), V, rf"^{n}{_OUT}") for n, v in (("labels", []), ("summary", []), ("variants", []))],
    C(TA, "Robustness-flips-only-str", _set(_RO, "flips_only", "yes"), T, r"^flips_only: expected a boolean"),
    C(BR, "NeuronText-text", lambda: _browser(_NT(), {"text": "x"}), V, r"^text: set by the widget, not by the browser"),
    C(BR, "NeuronText-column", lambda: _browser(_NT(), {"column": {}}), V, r"^column: set by the widget"),
    C(BR, "NeuronExplorer-ranking", lambda: _browser(_NX(), {"ranking": {"rows": []}}), V, r"^ranking: set by the widget"),
    C(BR, "AttentionView-tokens", lambda: _browser(_AV(), {"tokens": ["x"]}), V, r"^tokens: set by the widget"),
    C(BR, "AttributionText-rows", lambda: _browser(_AX(), {"rows": []}), V, r"^rows: set by the widget"),
    C(BR, "AttributionText-word-agg", lambda: _browser(_AX(), {"word_agg": "mean"}), V, r"^word_agg: set by the widget"),
    C(BR, "ProbeChart-series", lambda: _browser(_probe_chart(), {"series": []}), V, r"^series: set by the widget"),
    C(BR, "Robustness-variants", lambda: _browser(_RO(), {"variants": []}), V, r"^variants: set by the widget"),
    C(BR, "NeuronText-title", lambda: _browser(_NT(), {"title": "<b>"}), V, r"^title: set by the widget"),
    C(BR, "NeuronText-neuron-float", lambda: _browser(_NT(), {"neuron": 1.5}), T, r"^neuron: expected an int"),
]

# -- probe ------------------------------------------------------------------------------------
PR = "probe"
CASES += [
    C(PR, "task-unknown", lambda: iw.probe(R.lstm, "nope"), K, r"^name: 'nope' is not a char task"),
    C(PR, "task-int", lambda: iw.probe(R.lstm, 3), T, r"^task: expected a ProbingTask or a task name"),
    C(PR, "model-none", lambda: iw.probe(None, iw.ProbingTask("t", ["ab"], [np.array([0, 1])], level="char"), progress=False), T, r"^model: expected"),
    C(PR, "kind-unknown", lambda: iw.probe(R.lstm, iw.ProbingTask("t", ["abab" * 5], [np.arange(20) % 2], level="char"), kind="svm", progress=False), V, r"^kind: expected 'logistic' or 'mlp'"),
    C(PR, "layers-unknown", lambda: iw.probe(R.lstm, iw.ProbingTask("t", ["abab"], [np.arange(4) % 2], level="char"), layers=["nope"], progress=False), K, r"^layers: none of \['nope'\]"),
    C(PR, "char-labels-length", lambda: iw.ProbingTask("t", ["abc"], [np.array([0, 1])], level="char"), V, r"^labels\[0\]: expected 3 character labels"),
    C(PR, "labels-count", lambda: iw.ProbingTask("t", ["a", "b"], [0]), V, r"^labels: expected one label entry per text"),
    C(PR, "level-unknown", lambda: iw.ProbingTask("t", ["a"], [0], level="word"), V, r"^level: expected 'sentence' or 'char'"),
]

# -- gallery ----------------------------------------------------------------------------------
GA = "gallery"
CASES += [
    C(GA, "outdir-is-a-file", lambda tmp: __import__("interpwidgets.cli").cli.gallery((tmp / "f").touch() or tmp / "f"), NotADirectoryError, r"^outdir: .* is a file"),
    C(GA, "outdir-int", lambda tmp: __import__("interpwidgets.cli").cli.gallery(3), T, r"^outdir: expected a str or os.PathLike"),
]

# -- diagnosis: robustness, compare_models, Robustness ---------------------------------------------
@functools.cache
def rob_result():
    """A small RobustnessResult made by hand (no model): two texts, two kinds."""
    import pandas as pd

    from interpwidgets.diagnosis import RobustnessResult

    texts = ["the film was good", "the film was bad"]
    kinds = ("negation", "shuffle")
    perturbed = [["the film was not good", "the film was not bad"], ["good was film the", texts[1]]]
    before = np.array([[0.1, 0.9], [0.8, 0.2]], np.float32)
    after = np.array([[[0.7, 0.3], [0.3, 0.7]], [[0.2, 0.8], [0.8, 0.2]]], np.float32)
    rows = [
        {"kind": k, "text_index": i, "text": t, "perturbed": perturbed[n][i], "changed": perturbed[n][i] != t,
         "flipped": bool(after[n, i].argmax() != before[i].argmax()),
         "delta": float(after[n, i, before[i].argmax()] - before[i].max())}
        for n, k in enumerate(kinds) for i, t in enumerate(texts)
    ]
    details = pd.DataFrame(rows)
    summary = pd.DataFrame([
        {"kind": "negation", "texts": 2, "changed": 2, "flips": 2, "flip_rate": 1.0, "mean_confidence_change": -0.6},
        {"kind": "shuffle", "texts": 2, "changed": 1, "flips": 0, "flip_rate": 0.0, "mean_confidence_change": -0.1},
    ])
    return RobustnessResult(summary, details, ["neg", "pos"], texts, kinds, 0, 0.1, before, after, perturbed)


def rob(**kw):
    from interpwidgets.diagnosis import robustness

    kw = {"texts": ["the film was good"], "progress": False, **kw}
    model, tok = kw.pop("model", None), kw.pop("tokenizer", None)
    return robustness(model, tok, **kw)


DG = "robustness"
CM = "compare_models"
RB = "Robustness"
CASES += [
    C(DG, "texts-str", lambda: rob(texts="one text"), T, r"^texts: expected a non-empty list of str"),
    C(DG, "texts-empty", lambda: rob(texts=[]), T, r"^texts: expected a non-empty list of str"),
    C(DG, "texts-item-int", lambda: rob(texts=["ok", 3]), T, r"^texts\[1\]: expected a str, got int"),
    C(DG, "texts-item-blank", lambda: rob(texts=["ok", "  "]), V, r"^texts\[1\]: expected a non-empty str"),
    C(DG, "kinds-unknown", lambda: rob(kinds=["typo"]), V, r"^kinds: expected names from"),
    C(DG, "kinds-empty", lambda: rob(kinds=[]), T, r"^kinds: expected a non-empty list of names"),
    C(DG, "kinds-int", lambda: rob(kinds=3), T, r"^kinds: expected a non-empty list of names"),
    C(DG, "kinds-twice", lambda: rob(kinds=["negation", "negation"]), V, r"^kinds: expected each name once"),
    C(DG, "seed-float", lambda: rob(seed=0.5), T, r"^seed: expected an int, got float"),
    C(DG, "seed-bool", lambda: rob(seed=True), T, r"^seed: expected an int, got bool"),
    C(DG, "rate-big", lambda: rob(rate=2), V, r"^rate: expected a number in \[0, 1\]"),
    C(DG, "rate-str", lambda: rob(rate="0.1"), V, r"^rate: expected a number in \[0, 1\]"),
    C(DG, "rate-nan", lambda: rob(rate=float("nan")), V, r"^rate: expected a number in \[0, 1\]"),
    C(DG, "model-none", lambda: rob(tokenizer=R.minilm[1]), T, r"^model: expected a Hugging Face sequence classifier"),
    C(DG, "model-char-trace", lambda: rob(model=R.trace, tokenizer=R.minilm[1]), T, r"^model: expected a Hugging Face sequence classifier"),
    C(DG, "tokenizer-none", lambda: rob(model=R.minilm[0]), T, r"^tokenizer: expected the model's tokenizer"),
    C(DG, "attributions-typo", lambda: rob(model=R.minilm[0], tokenizer=R.minilm[1], attributions="ig"), V, r"^attributions: expected True, False or a method name"),
    C(DG, "attributions-int", lambda: rob(model=R.minilm[0], tokenizer=R.minilm[1], attributions=2), V, r"^attributions: expected True, False or a method name"),
    C(DG, "attribute-kwargs-list", lambda: rob(model=R.minilm[0], tokenizer=R.minilm[1], attributions=True, attribute_kwargs=[8]), T, r"^attribute_kwargs: expected a dict"),
    C(DG, "attribute-kwargs-target", lambda: rob(model=R.minilm[0], tokenizer=R.minilm[1], attributions=True, attribute_kwargs={"target": 1}), V, r"^attribute_kwargs: \['target'\] are set by robustness"),
    C(DG, "progress-str", lambda: rob(model=R.minilm[0], tokenizer=R.minilm[1], progress="yes"), T, r"^progress: expected a bool"),
    C(DG, "result-attribution-text", lambda: rob_result().attribution(5), V, r"^text: expected an index in \[0, 1\]"),
    C(DG, "result-attribution-text-str", lambda: rob_result().attribution("the film"), T, r"^text: expected an int index"),
    C(DG, "result-attribution-kind", lambda: rob_result().attribution(0, "antonym"), V, r"^kind: expected None or one of"),
    C(CM, "texts-str", lambda: iw.diagnosis.compare_models(None, None, None, "text"), T, r"^texts: expected a non-empty list of str"),
    C(CM, "model-a-none", lambda: iw.diagnosis.compare_models(None, R.minilm[0], R.minilm[1], ["a"]), T, r"^model_a: expected a Hugging Face sequence classifier"),
    C(CM, "model-b-none", lambda: iw.diagnosis.compare_models(R.minilm[0], None, R.minilm[1], ["a"]), T, r"^model_b: expected a Hugging Face sequence classifier"),
    C(CM, "tokenizer-none", lambda: iw.diagnosis.compare_models(R.minilm[0], R.minilm[0], None, ["a"]), T, r"^tokenizer_a: expected the model's tokenizer"),
    C(CM, "names-one", lambda: iw.diagnosis.compare_models(R.minilm[0], R.minilm[0], R.minilm[1], ["a"], names="ab"), T, r"^names: expected two non-empty str"),
    C(CM, "names-same", lambda: iw.diagnosis.compare_models(R.minilm[0], R.minilm[0], R.minilm[1], ["a"], names=("m", "m")), V, r"^names: expected two distinct names"),
    C(CM, "names-text", lambda: iw.diagnosis.compare_models(R.minilm[0], R.minilm[0], R.minilm[1], ["a"], names=("text", "m")), V, r"^names: expected two distinct names"),
    C(RB, "result-tuple", lambda: iw.Robustness((rob_result().summary, rob_result().details)), T, r"^result: expected a RobustnessResult"),
    C(RB, "result-none", lambda: iw.Robustness(None), T, r"^result: expected a RobustnessResult"),
    C(RB, "title-int", lambda: iw.Robustness(rob_result(), title=1), T, r"^title: expected a str"),
    C(RB, "probs-shape", lambda: iw.Robustness(__import__("dataclasses").replace(rob_result(), probs_before=np.ones((3, 2)))), V, r"^result.probs_before: expected shape \(2, 2\)"),
    C(RB, "attribution-not-attribution", lambda: iw.Robustness(__import__("dataclasses").replace(rob_result(), attributions={(0, None): "scores"})), T, r"^result.attributions\[\(0, None\)\]: expected an Attribution"),
    C(RB, "attribution-key", lambda: iw.Robustness(__import__("dataclasses").replace(rob_result(), attributions={(0, "antonym"): R.attribution})), V, r"^result.attributions: expected keys \(text index, kind or None\)"),
    C(RB, "set-selected-range", lambda: setattr(iw.Robustness(rob_result()), "selected", {"text": 2, "kind": None}), V, r"^selected: expected \{\} or"),
    C(RB, "set-selected-kind", lambda: setattr(iw.Robustness(rob_result()), "selected", {"text": 0, "kind": "antonym"}), V, r"^selected: expected \{\} or"),
    C(RB, "set-selected-extra-key", lambda: setattr(iw.Robustness(rob_result()), "selected", {"text": 0, "kind": None, "x": 1}), V, r"^selected: expected \{\} or"),
    C(RB, "set-filter-kind", lambda: setattr(iw.Robustness(rob_result()), "filter_kind", "antonym"), V, r"^filter_kind: expected '' \(all\) or one of"),
]

# -- codec ------------------------------------------------------------------------------------
CO = "codec"
CASES += [
    C(CO, "encode-dtype", lambda: iw.codec.encode(np.zeros(3), "float64"), V, r"^dtype: expected one of"),
    C(CO, "encode-strings", lambda: iw.codec.encode(np.array(["a"])), T, r"^array: expected a numeric array"),
    C(CO, "encode-inf", lambda: iw.codec.encode(np.array([np.inf]), "float16"), V, r"^array: infinite values"),
    C(CO, "encode-float-as-int32", lambda: iw.codec.encode(np.array([1.5]), "int32"), T, r"^array: int32 encoding needs an integer array"),
    C(CO, "encode-float16-overflow", lambda: iw.codec.encode(np.array([1e6]), "float16"), V, r"^array: .*float16"),
    C(CO, "decode-dtype", lambda: iw.codec.decode({"dtype": "f8", "shape": [1], "buffer": b"\0" * 8}), V, r"^obj\['dtype'\]: expected one of"),
    C(CO, "decode-short-buffer", lambda: iw.codec.decode({"dtype": "float32", "shape": [3], "buffer": b"\0" * 8}), V, r"^obj\['buffer'\]: expected 3 float32 values"),
    C(CO, "decode-missing-buffer", lambda: iw.codec.decode({"dtype": "float32", "shape": [3]}), K, r"obj\['buffer'\]: missing"),
    C(CO, "decode-not-dict", lambda: iw.codec.decode(b"\0\0"), T, r"^obj: expected a dict"),
]

# fmt: on


def _params():
    out = []
    for c in CASES:
        out.append(pytest.param(c, id=f"{c.entry}::{c.id}"))
    return out


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, tmp_path):
    """The call fails with the promised exception type, and its message names the argument."""
    import inspect
    import re

    args = (tmp_path,) if "tmp" in inspect.signature(case.call).parameters else ()
    try:
        case.call(*args)
    except ALLOWED + PATH_ERRORS as exc:
        if not isinstance(exc, case.exc):
            pytest.fail(f"expected {case.exc.__name__}, got {type(exc).__name__}: {exc}")
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        assert re.search(case.match, str(msg)), f"message does not match {case.match!r}: {msg!r}"
        if "traitlets" in type(exc).__module__:
            pytest.fail(f"a traitlets error leaked out: {exc}")
    except Exception as exc:  # the exception type itself is the bug
        pytest.fail(
            f"expected {case.exc.__name__}, got {type(exc).__module__}.{type(exc).__name__}: {exc}"
        )
    else:
        pytest.fail(f"no exception: expected {case.exc.__name__} matching {case.match!r}")


# -- accepted: tensors requiring grad, NaN where it means "missing" ----------------------------
# fmt: off
ACCEPTED = {
    "from_arrays-grad-tensor": lambda: iw.Trace.from_arrays("abc", {"a": grad(np.ones((3, 2)))}),
    "from_arrays-grad-1d": lambda: iw.Trace.from_arrays("abc", {"a": grad([1, 2, 3])}),
    "from_arrays-nan": lambda: iw.Trace.from_arrays("abc", {"a": [np.nan, 1, 2]}),
    "from_arrays-bool": lambda: iw.Trace.from_arrays("abc", {"a": [True, False, True]}),
    "from_arrays-int": lambda: iw.Trace.from_arrays("abc", {"a": np.arange(3)}),
    "from_arrays-float16": lambda: iw.Trace.from_arrays("abc", {"a": np.ones(3, np.float16)}),
    "from_arrays-grad-offsets": lambda: iw.Trace.from_arrays("abc", {"a": _ok}, tokens=list("abc"), offsets=__import__("torch").tensor([[0, 1], [1, 2], [2, 3]])),
    "from_arrays-grad-attention": lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=grad(np.ones((1, 1, 3, 3)) / 3)),
    "from_arrays-grad-probs": lambda: iw.Trace.from_arrays("abc", {"a": _ok}, predictions={"tokens": [["a"]] * 3, "probs": grad([[0.5]] * 3)}),
    "from_arrays-nan-attention": lambda: iw.Trace.from_arrays("abc", {"a": _ok}, attention=np.full((1, 1, 3, 3), np.nan)),
    "from_arrays-bfloat16": lambda: iw.Trace.from_arrays("abc", {"a": __import__("torch").ones(3, 2, dtype=__import__("torch").bfloat16, requires_grad=True)}),
    "find_neurons-grad-feature": lambda: iw.find_neurons(R.trace, grad(np.arange(n_chars()))),
    "find_neurons-nan-feature": lambda: iw.find_neurons(R.trace, np.r_[np.nan, np.arange(n_chars() - 1.0)]),
    "match_spans-numpy-ints": lambda: iw.match_spans(R.trace, [(np.int64(1), np.int64(5))]),
    "match_spans-one-pair": lambda: iw.match_spans(R.trace, (1, 5)),
    "NeuronText-numpy-neuron": lambda: iw.NeuronText(R.trace, neuron=np.int64(2)),
    "NeuronText-nan-values": lambda: iw.NeuronText(iw.Trace.from_arrays("abc", {"a": [np.nan, np.nan, np.nan]})),
    "NeuronExplorer-rank-layers-name": lambda: iw.NeuronExplorer(R.trace, rank_layers="rnn.0.h"),
    "AttentionView-grad-tensor": lambda: iw.AttentionView(grad(stack()), tokens=TOKS4),
    "AttentionView-nan": lambda: iw.AttentionView(np.where(np.eye(4, dtype=bool), np.nan, stack()), tokens=TOKS4),
    "head_view-grad-tuple": lambda: iw.head_view(hf_layers(grad=True), TOKS4, html_action="return"),
    "model_view-grad-tuple": lambda: iw.model_view(hf_layers(grad=True), TOKS4, html_action="return"),
    "Attribution-grad-scores": lambda: attribution(scores=grad([0, 1, 2, 0])),
    "Attribution-nan-scores": lambda: attribution(scores=[np.nan, 1, 2, np.nan]),
    "AttributionText-tuple": lambda: iw.AttributionText((R.attribution, attribution(method="deeplift"))),
    "trace-lstm-unk": lambda: iw.trace(R.lstm, "x = '\u6f22'\n"),
    "trace-lstm-numpy-chunk": lambda: iw.trace(R.lstm, "abcdef", chunk_size=4),
    "trace-tf-long": lambda: iw.trace(R.tf, "x" * 40),
    "trace-tf-top-k-clamped": lambda: iw.trace(R.tf, "abc", top_k=10_000),
    "trace-tf-top-k-zero": lambda: iw.trace(R.tf, "abc", top_k=0),
    "trace-lstm-top-k-zero": lambda: iw.trace(R.lstm, "abc", top_k=0),
    "attribute-lstm-numpy-target": lambda: iw.attribute(R.lstm, "abc", method="saliency", target=np.int64(3)),
    "codec-grad-free": lambda: iw.codec.encode(np.array([np.nan, 1.0]), "uint8"),
    "Robustness-by-hand": lambda: iw.Robustness(rob_result()).to_html(),
    "Robustness-result-numpy-index": lambda: rob_result().attribution(np.int64(1), "negation"),
}
# fmt: on


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted(name):
    """What users legitimately pass (tensors that require grad, NaN as missing) just works."""
    ACCEPTED[name]()


def test_case_count():
    """How many bad-input cases each entry point has (shown with ``-s`` / in the report)."""
    counts = Counter(c.entry for c in CASES)
    width = max(map(len, counts))
    lines = [f"{k:<{width}}  {v}" for k, v in sorted(counts.items())]
    print(f"\nbad-input cases: {len(CASES)} ({len(ACCEPTED)} accepted-input cases)")
    print("\n".join(lines))
    assert len(CASES) >= 200
    assert len({(c.entry, c.id) for c in CASES}) == len(CASES), "duplicate case ids"
