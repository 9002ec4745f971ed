"""Two models on the same inputs: where two classifiers disagree, where one char model predicts better."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..trace.core import Trace, _check_text
from .classify import _check_classifier, _check_texts, _labels, _predict


def compare_models(
    model_a: Any,
    model_b: Any,
    tokenizer_a: Any,
    texts: Sequence[str],
    tokenizer_b: Any = None,
    names: Sequence[str] = ("a", "b"),
):
    """Two classifiers side by side on the same texts, disagreements first (a DataFrame).

    Columns: ``text``, then for each model (named by ``names``, default ``"a"`` and ``"b"``)
    its predicted label name and that label's probability (``p_<name>``), and ``disagree``
    (the two predicted class indices differ). Disagreements come first, each group by
    ``p_<a>``, most confident first. ``tokenizer_b`` defaults to ``tokenizer_a``.
    """
    import pandas as pd

    texts = _check_texts(texts)
    _check_classifier(model_a, tokenizer_a, "model_a", "tokenizer_a")
    _check_classifier(model_b, tokenizer_b or tokenizer_a, "model_b", "tokenizer_b")
    if (
        isinstance(names, str)
        or not isinstance(names, Sequence)
        or len(names) != 2
        or not all(isinstance(n, str) and n for n in names)
    ):
        raise TypeError(f"names: expected two non-empty str, one per model, got {names!r}")
    a, b = names
    columns = ["text", a, f"p_{a}", b, f"p_{b}", "disagree"]
    if len(set(columns)) != len(columns):
        raise ValueError(
            f"names: expected two distinct names that are not 'text' or 'disagree', got {list(names)!r}"
        )
    pa = _predict(model_a, tokenizer_a, texts, name="model_a")
    pb = _predict(model_b, tokenizer_b or tokenizer_a, texts, name="model_b")
    la, lb = _labels(model_a, pa.shape[1]), _labels(model_b, pb.shape[1])
    ia, ib = pa.argmax(-1), pb.argmax(-1)
    df = pd.DataFrame(
        {
            "text": texts,
            a: [la[i] for i in ia],
            f"p_{a}": pa.max(-1),
            b: [lb[i] for i in ib],
            f"p_{b}": pb.max(-1),
            "disagree": ia != ib,
        }
    )
    return df.sort_values(
        ["disagree", f"p_{a}"], ascending=[False, False], kind="stable"
    ).reset_index(drop=True)


def char_losses(model: Any, text: str) -> np.ndarray:
    """Per-character loss in bits of a char model: −log2 p(next character | the text before it).
    Position i holds the loss of predicting character i+1 (the last position is NaN)."""
    import torch

    from ..trace.rnn import char_ids

    text = _check_text(text)
    ids, _ = char_ids(text, model.vocab, getattr(model, "unk_index", None))
    ctx = getattr(model, "context", None)
    x = torch.as_tensor(ids)[None]
    model.eval()
    with torch.no_grad():
        if ctx is None:
            logits = model(x)[0][0]
        else:  # windows of the model's context, each position read where it has the most history
            logits = torch.empty(len(text), len(model.vocab))
            half = ctx // 2
            starts = (
                [0] if len(text) <= ctx else [*range(0, len(text) - ctx, half), len(text) - ctx]
            )
            for w, s in enumerate(starts):
                keep = 0 if w == 0 else starts[w - 1] + ctx - s
                logits[s + keep : s + ctx] = model(x[:, s : s + ctx])[0][0, keep:]
    logp = torch.log_softmax(logits.float(), -1)
    out = np.full(len(text), np.nan, dtype=np.float32)
    out[:-1] = (-logp[:-1].gather(1, x[0, 1:, None])[:, 0] / np.log(2)).numpy()
    return out


def loss_trace(model_a: Any, model_b: Any, text: str, names: tuple[str, str] = ("a", "b")) -> Trace:
    """Where does one char model predict better than the other? A Trace with arrays
    ``loss.{a}``, ``loss.{b}`` (bits per character) and ``loss.diff`` (a − b: positive where
    ``b`` predicts better), to view with :class:`~interpwidgets.NeuronText`."""
    la, lb = char_losses(model_a, text), char_losses(model_b, text)
    return Trace.from_arrays(
        text, {f"loss.{names[0]}": la, f"loss.{names[1]}": lb, "loss.diff": la - lb}
    )
