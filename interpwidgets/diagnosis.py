"""Diagnosing a model: robustness to perturbations, and two models compared on the same inputs.

``perturb`` makes deterministic (seeded) variants of a text; ``robustness`` runs a classifier
on each text and its variants and reports prediction and confidence changes with flips, per
perturbation (a :class:`RobustnessResult`, optionally with attributions before and after, viewed
with :class:`~interpwidgets.Robustness`); ``compare_models`` lists where two classifiers disagree; ``loss_trace`` puts
two character models' per-character loss (and its difference) into a :class:`Trace` so
:class:`~interpwidgets.NeuronText` colours where one predicts better than the other.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .trace.core import Trace, _check_text

KINDS = ("char_noise", "word_dropout", "negation", "antonym", "synonym", "shuffle")
_BE = re.compile(r"\b(is|was|are|were|felt|seemed|seems|feels|looks|looked)\b", re.IGNORECASE)
_NOT = re.compile(r" not\b", re.IGNORECASE)


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
    first is/was/felt/seemed…, or take it out where that verb is negated already — "was not
    funny" → "was funny", never "was not not funny"), ``antonym`` / ``synonym`` (swap sentiment words through
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
        m = _BE.search(text)
        if m is None:
            return text
        negated = _NOT.match(text, m.end())
        if negated:  # toggle: "was not good" → "was good"
            return text[: m.end()] + text[negated.end() :]
        return f"{text[: m.end()]} not{text[m.end() :]}"
    if kind == "shuffle":
        rng.shuffle(words)
        return " ".join(words)
    table = lexicon()[kind]

    def swap(m: re.Match) -> str:
        word = m.group(0)
        new = table.get(word.lower())
        return word if new is None else (new.capitalize() if word[0].isupper() else new)

    return re.sub(r"[A-Za-z]+", swap, text)


def _predict(
    model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 32, name: str = "model"
) -> np.ndarray:
    """Class probabilities of ``texts``, ``batch_size`` at a time, tokenised by the model's
    adapter (its one truncation rule); ``name`` is the argument an error names."""
    import torch

    from .models import adapter_for
    from .models.hf import HFAdapter

    adapter = adapter_for(model, tokenizer)
    if not isinstance(adapter, HFAdapter):  # batches of padded texts: a Hugging Face classifier
        raise TypeError(
            f"{name}: expected a Hugging Face sequence classifier, got {type(model).__name__}"
        )
    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            enc = adapter.batch(texts[i : i + batch_size])
            enc.pop("special_tokens_mask")
            inputs = {k: v.to(adapter.device) for k, v in enc.items()}
            out.append(torch.softmax(adapter.forward(inputs).logits.float(), -1).cpu().numpy())
    return np.concatenate(out)


def _check_texts(texts: Any) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence) or not texts:
        raise TypeError(f"texts: expected a non-empty list of str, got {type(texts).__name__}")
    out = []
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}]: expected a str, got {type(t).__name__}")
        if not t.strip():
            raise ValueError(f"texts[{i}]: expected a non-empty str, got {t!r}")
        out.append(t)
    return out


def _check_classifier(model: Any, tokenizer: Any, model_name: str, tok_name: str) -> None:
    """A Hugging Face sequence classifier (a torch module) and a callable tokenizer."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"{model_name}: expected a Hugging Face sequence classifier (a torch.nn.Module), "
            f"got {type(model).__name__}"
        )
    if tokenizer is None or not callable(tokenizer):
        raise TypeError(
            f"{tok_name}: expected the model's tokenizer (callable on a list of texts), "
            f"got {type(tokenizer).__name__}"
        )


def _labels(model: Any, n_classes: int) -> list[str]:
    """Class names from ``model.config.id2label`` (the class index as a str where it has none)."""
    id2label = getattr(getattr(model, "config", None), "id2label", None) or {}
    return [str(id2label.get(i, i)) for i in range(n_classes)]


def _check_kinds(kinds: Any) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    if not isinstance(kinds, Sequence) or not kinds:
        raise TypeError(
            f"kinds: expected a non-empty list of names from {KINDS}, got {type(kinds).__name__}"
        )
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"kinds: expected names from {KINDS}, got {bad}")
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds: expected each name once, got {list(kinds)}")
    return tuple(kinds)


def _check_seed_rate(seed: Any, rate: Any) -> tuple[int, float]:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    if (
        isinstance(rate, (bool, np.bool_))
        or not isinstance(rate, (int, float, np.integer, np.floating))
        or not 0 <= rate <= 1
    ):
        raise ValueError(f"rate: expected a number in [0, 1], got {rate!r}")
    return int(seed), float(rate)


@dataclass(eq=False)  # holds DataFrames: compare by identity
class RobustnessResult:
    """What :func:`robustness` found: each text next to its perturbed variants.

    Unpacks like the pair it used to be: ``summary, details = robustness(...)``.

    Attributes:
        summary: one row per perturbation kind: ``kind``, ``texts`` (how many inputs),
            ``changed`` (how many the perturbation changed), ``flips`` (how many of those changed
            the predicted class), ``flip_rate`` (``flips / changed``; NaN when it changed none)
            with ``flip_rate_se`` (binomial standard error) and ``flip_rate_low`` /
            ``flip_rate_high`` (95% Wilson interval, informative at 0 and 1 where the SE is 0),
            and ``mean_confidence_change`` (mean change in the probability of the original
            prediction over the changed texts) with ``mean_confidence_change_se``.
        details: one row per (kind, text): ``kind``, ``text_index``, ``text``, ``perturbed``,
            ``changed`` (the perturbation applied), ``before`` / ``after`` (predicted label
            names), ``p_before`` (probability of ``before`` on the text), ``p_after``
            (probability of ``after`` on the variant), ``p_after_of_before`` (probability of
            the original prediction on the variant), ``delta`` (``p_after_of_before -
            p_before``) and ``flipped``.
        labels: class names (``model.config.id2label``).
        texts, kinds, seed, rate: the inputs and the perturbation settings.
        probs_before: ``float32 (n_texts, n_classes)``, the model's probabilities on each text.
        probs_after: ``float32 (n_kinds, n_texts, n_classes)``, on each variant.
        perturbed: ``perturbed[k][i]`` is text ``i`` under ``kinds[k]``.
        method: the attribution method, or ``None`` when attributions were not asked for.
        attributions: ``(text_index, kind)`` → :class:`~interpwidgets.Attribution`, with
            ``kind`` ``None`` for the original text; every one is computed for the class the
            model predicted on the ORIGINAL text, so before and after are comparable. Variants
            the perturbation did not change have none.
    """

    summary: Any
    details: Any
    labels: list[str]
    texts: list[str]
    kinds: tuple[str, ...]
    seed: int
    rate: float
    probs_before: np.ndarray
    probs_after: np.ndarray
    perturbed: list[list[str]]
    method: str | None = None
    attributions: dict[tuple[int, str | None], Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        """``summary, details = result`` (the shape ``robustness`` had before it returned this)."""
        return iter((self.summary, self.details))

    @property
    def predicted(self) -> np.ndarray:
        """``int (n_texts,)``: the class predicted on each original text."""
        return self.probs_before.argmax(-1)

    def attribution(self, text: int, kind: str | None = None) -> Any:
        """The attribution of text ``text`` (an index) or of its ``kind`` variant; ``None``
        when there is none (not asked for, or the perturbation did not change the text)."""
        if isinstance(text, (bool, np.bool_)) or not isinstance(text, (int, np.integer)):
            raise TypeError(f"text: expected an int index into texts, got {type(text).__name__}")
        if not 0 <= text < len(self.texts):
            raise ValueError(f"text: expected an index in [0, {len(self.texts) - 1}], got {text}")
        if kind is not None and kind not in self.kinds:
            raise ValueError(f"kind: expected None or one of {self.kinds}, got {kind!r}")
        return self.attributions.get((int(text), kind))

    def flips(self) -> Any:
        """The rows of ``details`` whose prediction flipped."""
        return self.details[self.details.flipped].reset_index(drop=True)

    def __repr__(self) -> str:
        flips = int(self.details.flipped.sum()) if len(self.details) else 0
        att = f", attributions: {self.method}" if self.method else ""
        return (
            f"RobustnessResult({len(self.texts)} texts × {len(self.kinds)} kinds, "
            f"{flips} flips{att})"
        )


def robustness(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    kinds: Sequence[str] = KINDS,
    seed: int = 0,
    rate: float = 0.1,
    attributions: bool | str = False,
    attribute_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
) -> RobustnessResult:
    """Each text next to its perturbed variants, with prediction and confidence changes.

    Args:
        model, tokenizer: a Hugging Face sequence classifier and its tokenizer
            (``iw.zoo.sentiment()``).
        texts: the inputs.
        kinds: perturbations from :data:`KINDS` (one name or several).
        seed, rate: passed to :func:`perturb` (the same seed gives the same variants).
        attributions: ``True`` (Integrated Gradients) or a method name of
            :func:`~interpwidgets.attribute` to also explain each text and each variant the
            perturbation changed — always for the class predicted on the original text.
        attribute_kwargs: more arguments for :func:`~interpwidgets.attribute` (``n_steps``, …).
        progress: show a progress bar (tqdm) while attributing.

    Returns a :class:`RobustnessResult`; ``summary, details = robustness(...)`` still works.
    View it with :class:`~interpwidgets.Robustness`.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from .attribution import METHODS
    from .stats import mean_se, proportion_se, wilson

    texts = _check_texts(texts)
    kinds = _check_kinds(kinds)
    seed, rate = _check_seed_rate(seed, rate)
    _check_classifier(model, tokenizer, "model", "tokenizer")
    if attributions is True:
        method: str | None = "integrated_gradients"
    elif attributions is False or attributions is None:
        method = None
    elif isinstance(attributions, str) and attributions in METHODS:
        method = attributions
    else:
        raise ValueError(
            f"attributions: expected True, False or a method name from {list(METHODS)}, "
            f"got {attributions!r}"
        )
    if attribute_kwargs is None:
        attribute_kwargs = {}
    if not isinstance(attribute_kwargs, dict):
        raise TypeError(
            f"attribute_kwargs: expected a dict of iw.attribute arguments, got {type(attribute_kwargs).__name__}"
        )
    fixed = {"model", "text", "tokenizer", "method", "target"} & set(attribute_kwargs)
    if fixed:
        raise ValueError(
            f"attribute_kwargs: {sorted(fixed)} are set by robustness itself; pass only options such as n_steps"
        )
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress: expected a bool, got {type(progress).__name__}")

    before = _predict(model, tokenizer, texts).astype(np.float32)
    labels = _labels(model, before.shape[1])
    perturbed = [[perturb(t, kind, seed=seed, rate=rate) for t in texts] for kind in kinds]
    flat = [v for vs in perturbed for v in vs]
    after = _predict(model, tokenizer, flat).astype(np.float32).reshape(len(kinds), len(texts), -1)
    rows = []
    for k, kind in enumerate(kinds):
        for i, (t, v) in enumerate(zip(texts, perturbed[k], strict=True)):
            pb, pa = before[i], after[k, i]
            cls, new = int(pb.argmax()), int(pa.argmax())
            rows.append(
                {
                    "kind": kind,
                    "text_index": i,
                    "text": t,
                    "perturbed": v,
                    "changed": v != t,
                    "before": labels[cls],
                    "p_before": float(pb[cls]),
                    "after": labels[new],
                    "p_after": float(pa[new]),
                    "p_after_of_before": float(pa[cls]),
                    "delta": float(pa[cls] - pb[cls]),
                    "flipped": new != cls,
                }
            )
    details = pd.DataFrame(rows)
    summary_rows = []
    for kind in kinds:
        sub = details[(details.kind == kind) & details.changed]
        n = len(sub)
        flips = int(sub.flipped.sum())
        low, high = wilson(flips, n)
        change, change_se, _ = mean_se(sub.delta.to_numpy())
        summary_rows.append(
            {
                "kind": kind,
                "texts": len(texts),
                "changed": n,
                "flips": flips,
                "flip_rate": flips / n if n else float("nan"),
                "flip_rate_se": proportion_se(flips, n),
                "flip_rate_low": low,
                "flip_rate_high": high,
                "mean_confidence_change": change,
                "mean_confidence_change_se": change_se,
            }
        )
    summary = pd.DataFrame(summary_rows)

    found: dict[tuple[int, str | None], Any] = {}
    if method is not None:
        from .attribution import attribute

        jobs: list[tuple[tuple[int, str | None], str, int]] = []
        for i, t in enumerate(texts):
            cls = int(before[i].argmax())
            jobs.append(((i, None), t, cls))
            for k, kind in enumerate(kinds):
                if perturbed[k][i] != t:
                    jobs.append(((i, kind), perturbed[k][i], cls))
        cache: dict[tuple[str, int], Any] = {}
        for key, text, cls in tqdm(jobs, desc=f"attributions ({method})", disable=not progress):
            if (text, cls) not in cache:
                cache[text, cls] = attribute(
                    model, text, tokenizer, method=method, target=cls, **attribute_kwargs
                )
            found[key] = cache[text, cls]
    return RobustnessResult(
        summary=summary,
        details=details,
        labels=labels,
        texts=texts,
        kinds=kinds,
        seed=seed,
        rate=rate,
        probs_before=before,
        probs_after=after,
        perturbed=perturbed,
        method=method,
        attributions=found,
    )


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
