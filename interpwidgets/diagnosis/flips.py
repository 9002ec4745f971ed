"""Robustness: each text next to its perturbed variants, the prediction and confidence changes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .classify import (
    _check_classifier,
    _check_kinds,
    _check_seed_rate,
    _check_texts,
    _labels,
    _predict,
)
from .perturbations import KINDS, perturb


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

    from ..attribution import METHODS
    from ..stats import mean_se, proportion_se, wilson

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
        from ..attribution import attribute

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
