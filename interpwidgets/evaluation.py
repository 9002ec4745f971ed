"""Measured explanations: plausibility (agreement with human evidence) and faithfulness (ERASER).

``evaluate_explanations`` runs several attribution methods on labelled examples whose
evidence spans are known (``iw.zoo.sentiment_data``) and returns one row per method:

- ``token_f1``: F1 between the top-k tokens by score and the evidence tokens (k = the number
  of evidence tokens of the example), as in ERASER's token-level plausibility.
- ``auprc``: average precision of the scores at ranking evidence tokens first.
- ``evidence_mass``: the share of the total |score| that falls on evidence tokens — low on a
  correct prediction means right for the wrong reason (the decisive words are elsewhere).
- ``comprehensiveness``: p(pred | x) − p(pred | x without the top-k tokens) — high when the
  tokens the method picked were needed (DeYoung et al. 2020).
- ``sufficiency``: p(pred | x) − p(pred | only the top-k tokens) — low when they suffice.
- ``tau_attention``: Kendall τ between the method's token ranking by |score| and the attention's
  (last layer, [CLS] row, mean of heads) — Jain & Wallace (2019)'s measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def kendall_tau(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall τ-b between two score vectors (NaN when either is constant)."""
    from scipy.stats import kendalltau

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(kendalltau(a, b).statistic)


def agreement(attributions: Sequence[Any], target: int | None = None) -> np.ndarray:
    """Pairwise Kendall τ between the importance rankings (|score|) of several attributions of
    the same text, special tokens left out — the measure Jain & Wallace (2019) use to compare
    attention with gradient-based importance."""
    keep = ~attributions[0].special
    cls = attributions[0].target if target is None else target
    scores = [np.abs(a.all_scores[cls][keep]) for a in attributions]
    m = len(scores)
    out = np.eye(m, dtype=np.float32)
    for i in range(m):
        for j in range(i + 1, m):
            out[i, j] = out[j, i] = kendall_tau(scores[i], scores[j])
    return out


def _evidence_mask(attribution: Any, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    s, e = attribution.offsets[:, 0], attribution.offsets[:, 1]
    mask = np.zeros(len(s), dtype=bool)
    for a, b in spans:
        mask |= (s < b) & (e > a) & (e > s)
    return mask


def _prob(model: Any, ids: list[int], cls: int) -> float:
    import torch

    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits
    return float(torch.softmax(logits, -1)[0, cls])


def evaluate_explanations(
    model: Any,
    tokenizer: Any,
    examples: Sequence[Any],
    methods: Sequence[str] = (
        "saliency",
        "input_x_gradient",
        "integrated_gradients",
        "occlusion",
        "attention",
    ),
    **options: Any,
):
    """Plausibility and faithfulness of each method on ``examples`` (objects with ``text``,
    ``label`` and ``evidence`` spans). Returns ``(summary, per_example)`` DataFrames."""
    import pandas as pd
    from sklearn.metrics import average_precision_score
    from tqdm.auto import tqdm

    from .attribution import attribute

    if not examples:
        raise ValueError("examples: expected at least one example with text, label and evidence")
    rows = []
    for ex in tqdm(examples, desc="explanations"):
        attn = attribute(model, ex.text, tokenizer, method="attention")
        keep = ~attn.special
        ids = tokenizer(ex.text)["input_ids"]
        for method in methods:
            a = (
                attn
                if method == "attention"
                else attribute(model, ex.text, tokenizer, method=method, **options)
            )
            pred = a.predicted
            scores = a.all_scores.get(pred)
            if scores is None:
                scores = attribute(
                    model, ex.text, tokenizer, method=method, target=pred, **options
                ).scores
            gold = _evidence_mask(a, ex.evidence)[keep]
            sc = scores[keep]
            k = max(1, int(gold.sum()))
            top = np.zeros_like(gold)
            top[np.argsort(-sc, kind="stable")[:k]] = True
            tp = int((top & gold).sum())
            f1 = 2 * tp / (top.sum() + gold.sum()) if gold.any() else float("nan")
            positions = np.nonzero(keep)[0][top]
            without = [t for i, t in enumerate(ids) if i not in set(positions.tolist())]
            only = [t for i, t in enumerate(ids) if i in set(positions.tolist()) or not keep[i]]
            p = float(a.probs[pred])
            rows.append(
                {
                    "method": method,
                    "text": ex.text,
                    "correct": pred == ex.label,
                    "token_f1": f1,
                    "auprc": average_precision_score(gold, sc)
                    if gold.any() and not gold.all()
                    else float("nan"),
                    "evidence_mass": float(np.abs(sc)[gold].sum() / np.abs(sc).sum())
                    if gold.any() and np.abs(sc).sum() > 0
                    else float("nan"),
                    "comprehensiveness": p - _prob(model, without, pred),
                    "sufficiency": p - _prob(model, only, pred),
                    "tau_attention": kendall_tau(sc, attn.scores[keep])
                    if method != "attention"
                    else 1.0,
                }
            )
    per_example = pd.DataFrame(rows)
    summary = (
        per_example.drop(columns=["text"])
        .groupby("method", sort=False)
        .mean(numeric_only=True)
        .reset_index()
    )
    return summary, per_example


def explanation_figure(summary: Any):
    """Bars of plausibility (token F1, AUPRC) and faithfulness (comprehensiveness, sufficiency) per method."""
    import matplotlib.pyplot as plt

    cols = [
        ("token_f1", "token F1 ↑"),
        ("auprc", "AUPRC ↑"),
        ("comprehensiveness", "comprehensiveness ↑"),
        ("sufficiency", "sufficiency ↓"),
    ]
    fig, axes = plt.subplots(1, len(cols), figsize=(3.2 * len(cols), 3), sharey=True)
    for ax, (col, label) in zip(axes, cols, strict=True):
        ax.barh(summary["method"], summary[col], color="#4393c3")
        ax.set_title(label)
        ax.axvline(0, color="#666", lw=0.8)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return fig
