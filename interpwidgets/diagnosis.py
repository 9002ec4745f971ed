"""Diagnosing a model: robustness to perturbations, and two models compared on the same inputs.

``perturb`` makes deterministic (seeded) variants of a text; ``robustness`` runs a classifier
on each text and its variants and reports prediction and confidence changes with flips, per
perturbation; ``compare_models`` lists where two classifiers disagree; ``loss_trace`` puts
two character models' per-character loss (and its difference) into a :class:`Trace` so
:class:`~interpwidgets.NeuronText` colours where one predicts better than the other.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .trace.core import Trace, _check_text

KINDS = ("char_noise", "word_dropout", "negation", "antonym", "synonym", "shuffle")
_BE = re.compile(r"\b(is|was|are|were|felt|seemed|seems|feels|looks|looked)\b", re.IGNORECASE)


def lexicon() -> dict[str, dict[str, str]]:
    """Antonym and synonym maps over the sentiment words of :mod:`interpwidgets.zoo.sentiment_data`
    (pairs by position in its lists; synonyms are the neighbouring word of the same polarity)."""
    from .zoo.sentiment_data import NEGATIVE, POSITIVE

    antonym = {
        **dict(zip(POSITIVE, NEGATIVE, strict=True)),
        **dict(zip(NEGATIVE, POSITIVE, strict=True)),
    }
    synonym = {}
    for words in (POSITIVE, NEGATIVE):
        for i, w in enumerate(words):
            synonym[w] = words[i + 1 if i % 2 == 0 else i - 1]
    return {"antonym": antonym, "synonym": synonym}


def perturb(text: str, kind: str, seed: int = 0, rate: float = 0.1) -> str:
    """One seeded variant of ``text``: ``char_noise`` (swap, drop or repeat letters at
    ``rate``), ``word_dropout`` (drop words at ``rate``), ``negation`` (insert "not" after the
    first is/was/felt/seemed…), ``antonym`` / ``synonym`` (swap sentiment words through
    :func:`lexicon`), ``shuffle`` (shuffle the word order). Returns the text unchanged when the
    perturbation does not apply (no verb to negate, no lexicon word)."""
    text = _check_text(text)
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"rate: expected a number in [0, 1], got {rate!r}")
    rng = random.Random(f"{seed}:{kind}:{text}")
    if kind == "char_noise":
        chars = list(text)
        i = 0
        while i < len(chars) - 1:
            if chars[i].isalpha() and rng.random() < rate:
                op = rng.choice(("swap", "drop", "repeat"))
                if op == "swap":
                    chars[i], chars[i + 1] = chars[i + 1], chars[i]
                elif op == "drop":
                    del chars[i]
                else:
                    chars.insert(i, chars[i])
                i += 1
            i += 1
        return "".join(chars)
    words = text.split(" ")
    if kind == "word_dropout":
        kept = [w for w in words if rng.random() >= rate]
        return " ".join(kept) if kept else text
    if kind == "negation":
        return _BE.sub(lambda m: f"{m.group(0)} not", text, count=1)
    if kind == "shuffle":
        rng.shuffle(words)
        return " ".join(words)
    table = lexicon()[kind]

    def swap(m: re.Match) -> str:
        word = m.group(0)
        new = table.get(word.lower())
        return word if new is None else (new.capitalize() if word[0].isupper() else new)

    return re.sub(r"[A-Za-z]+", swap, text)


def _predict(model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    import torch

    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            enc = tokenizer(
                list(texts[i : i + batch_size]), padding=True, truncation=True, return_tensors="pt"
            )
            out.append(torch.softmax(model(**enc).logits.float(), -1).numpy())
    return np.concatenate(out)


def _check_texts(texts: Any) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence) or not texts:
        raise TypeError(f"texts: expected a non-empty list of str, got {type(texts).__name__}")
    return [_check_text(t) for t in texts]


def robustness(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    kinds: Sequence[str] = KINDS,
    seed: int = 0,
    rate: float = 0.1,
):
    """Each text next to its perturbed variants: ``(summary, details)`` DataFrames.

    ``details``: one row per (text, kind) with the prediction and its probability before and
    after, ``flipped`` and ``changed`` (whether the perturbation applied). ``summary``: per
    kind, how many texts it changed, the flip rate among them and the mean change in the
    probability of the original prediction.
    """
    import pandas as pd

    texts = _check_texts(texts)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"kinds: expected names from {KINDS}, got {bad}")
    labels = getattr(getattr(model, "config", None), "id2label", None) or {}
    before = _predict(model, tokenizer, texts)
    rows = []
    for kind in kinds:
        variants = [perturb(t, kind, seed=seed, rate=rate) for t in texts]
        after = _predict(model, tokenizer, variants)
        for t, v, pb, pa in zip(texts, variants, before, after, strict=True):
            cls = int(pb.argmax())
            rows.append(
                {
                    "kind": kind,
                    "text": t,
                    "perturbed": v,
                    "changed": v != t,
                    "before": labels.get(cls, cls),
                    "p_before": float(pb[cls]),
                    "after": labels.get(int(pa.argmax()), int(pa.argmax())),
                    "p_after_of_before": float(pa[cls]),
                    "flipped": int(pa.argmax()) != cls,
                }
            )
    details = pd.DataFrame(rows)
    changed = details[details.changed]
    summary = (
        changed.assign(delta=changed.p_after_of_before - changed.p_before)
        .groupby("kind", sort=False)
        .agg(
            changed=("changed", "size"),
            flip_rate=("flipped", "mean"),
            mean_confidence_change=("delta", "mean"),
        )
        .reindex(list(kinds))
        .fillna({"changed": 0})
        .reset_index()
    )
    return summary, details


def compare_models(
    model_a: Any, model_b: Any, tokenizer_a: Any, texts: Sequence[str], tokenizer_b: Any = None
):
    """Two classifiers side by side on the same texts, disagreements first (a DataFrame)."""
    import pandas as pd

    texts = _check_texts(texts)
    pa = _predict(model_a, tokenizer_a, texts)
    pb = _predict(model_b, tokenizer_b or tokenizer_a, texts)
    df = pd.DataFrame(
        {
            "text": texts,
            "a": pa.argmax(-1),
            "p_a": pa.max(-1),
            "b": pb.argmax(-1),
            "p_b": pb.max(-1),
        }
    )
    df["disagree"] = df.a != df.b
    return df.sort_values(["disagree", "p_a"], ascending=[False, False], kind="stable").reset_index(
        drop=True
    )


def char_losses(model: Any, text: str) -> np.ndarray:
    """Per-character loss in bits of a char model: −log2 p(next character | the text before it).
    Position i holds the loss of predicting character i+1 (the last position is NaN)."""
    import torch

    from .trace.rnn import char_ids

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
