"""Measured explanations: plausibility (agreement with human evidence) and faithfulness (ERASER).

``evaluate_explanations`` runs several attribution methods on labelled examples whose
evidence spans are known (``iw.zoo.sentiment_data``) and returns one row per method plus a
``random`` row — seeded random token scores, several draws — that every number must beat.
One convention for every method: a token's importance is ``|score|`` (saliency and attention
are unsigned, so this is the only ranking every method has; a token that pushed hard against
the prediction counts as important, as it does for ERASER's comparisons). Columns:

- ``token_f1``: F1 between the top-k tokens by |score| and the evidence tokens (k = the number
  of evidence tokens of the example), ERASER's token-level plausibility for a hard rationale.
- ``auprc``: average precision of |score| at ranking evidence tokens first.
- ``evidence_mass``: the share of the total |score| that falls on evidence tokens — low on a
  correct prediction means right for the wrong reason (the decisive words are elsewhere).
- ``comprehensiveness``: AOPC over the bins :data:`BINS` (1, 5, 10, 20, 50 % of the tokens):
  the mean over bins of p(pred | x) − p(pred | x without its top-k% tokens) — high when the
  tokens the method ranks first were needed (DeYoung et al. 2020, ERASER, §4.2).
- ``sufficiency``: AOPC of p(pred | x) − p(pred | only its top-k% tokens) — low when they suffice.
- ``tau_attention``: Kendall τ between the method's |score| ranking and the attention's (last
  layer, [CLS] row, mean of heads) — Jain & Wallace (2019)'s measurement, via :func:`importance_tau`.

Each value has its standard error over examples (``<column>_se``, ``sd / sqrt(n)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

#: ERASER's AOPC bins: the top 1, 5, 10, 20 and 50 % of the tokens (DeYoung et al. 2020).
BINS = (0.01, 0.05, 0.10, 0.20, 0.50)
#: the name of the random baseline's row
RANDOM = "random"
METRICS = (
    "token_f1",
    "auprc",
    "evidence_mass",
    "comprehensiveness",
    "sufficiency",
    "tau_attention",
)


def kendall_tau(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall τ-b between two score vectors as given (NaN when either is constant).
    Rankings of importance go through :func:`importance_tau`."""
    from scipy.stats import kendalltau

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(kendalltau(a, b).statistic)


def importance_tau(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall τ-b between two importance rankings, importance being ``|score|`` — the one τ
    the library reports (``evaluate_explanations``, :func:`agreement`, ``AttributionText``)."""
    return kendall_tau(
        np.abs(np.asarray(a, dtype=np.float64)), np.abs(np.asarray(b, dtype=np.float64))
    )


def random_scores(n: int, seed: int = 0, *key: int) -> np.ndarray:
    """``float32 (n,)`` uniform random token scores, a function of ``(seed, *key)`` only
    (e.g. ``key = (example, draw)``): the random explanation every method is compared with."""
    return np.random.default_rng([int(seed), *(int(k) for k in key)]).random(n).astype(np.float32)


def top_k(importance: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values (ties: the earlier token first)."""
    return np.argsort(-np.asarray(importance, dtype=np.float64), kind="stable")[:k]


def bin_sizes(n: int, bins: Sequence[float] = BINS) -> list[int]:
    """Tokens in each AOPC bin of a text with ``n`` tokens: ``ceil(b · n)``, at least 1, at most n."""
    return [min(n, max(1, math.ceil(round(b * n, 9)))) for b in bins]


def agreement(attributions: Sequence[Any], target: int | None = None) -> np.ndarray:
    """Pairwise :func:`importance_tau` (Kendall τ of the |score| rankings) between several
    attributions of the same text, special tokens left out — the measure Jain & Wallace (2019)
    use to compare attention with gradient-based importance."""
    keep = ~attributions[0].special
    cls = attributions[0].target if target is None else target
    scores = [a.all_scores[cls][keep] for a in attributions]
    m = len(scores)
    out = np.eye(m, dtype=np.float32)
    for i in range(m):
        for j in range(i + 1, m):
            out[i, j] = out[j, i] = importance_tau(scores[i], scores[j])
    return out


def random_agreement(
    attributions: Sequence[Any], target: int | None = None, draws: int = 20, seed: int = 0
) -> np.ndarray:
    """``float32 (n_attributions, 2)``: for each attribution, the mean and standard error over
    ``draws`` seeded random rankings of :func:`importance_tau` with a random ranking — the
    random row beside :func:`agreement` (τ a method reaches by chance on this text)."""
    keep = ~attributions[0].special
    cls = attributions[0].target if target is None else target
    rand = [random_scores(int(keep.sum()), seed, d) for d in range(draws)]
    out = np.zeros((len(attributions), 2), dtype=np.float32)
    for i, a in enumerate(attributions):
        taus = [importance_tau(a.all_scores[cls][keep], r) for r in rand]
        from .stats import mean_se

        m, se, _ = mean_se(taus)
        out[i] = m, se
    return out


def _evidence_mask(attribution: Any, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    s, e = attribution.offsets[:, 0], attribution.offsets[:, 1]
    mask = np.zeros(len(s), dtype=bool)
    for a, b in spans:
        mask |= (s < b) & (e > a) & (e > s)
    return mask


def _probs_of(model: Any, seqs: list[list[int]], cls: int, pad_id: int, batch_size: int = 64):
    """p(cls | seq) for each id sequence, padded into batches with an attention mask."""
    import torch

    out = np.empty(len(seqs), dtype=np.float64)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()  # no dropout: the same ranking always scores the same
    with torch.no_grad():
        for i in range(0, len(seqs), batch_size):
            chunk = seqs[i : i + batch_size]
            width = max(len(q) for q in chunk)
            ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for j, q in enumerate(chunk):
                ids[j, : len(q)] = torch.as_tensor(q, dtype=torch.long)
                mask[j, : len(q)] = 1
            logits = model(input_ids=ids, attention_mask=mask).logits.float()
            out[i : i + len(chunk)] = torch.softmax(logits, -1)[:, cls].numpy()
    if was_training:
        model.train()
    return out


def _aopc_points(
    model: Any,
    ids: Sequence[int] | np.ndarray,
    special: np.ndarray,
    importances: Sequence[np.ndarray],
    cls: int,
    bins: Sequence[float],
    pad_id: int,
) -> tuple[float, np.ndarray, np.ndarray]:
    """``(p_full, comprehensiveness (n_rankings, n_bins), sufficiency (n_rankings, n_bins))``
    for several importance rankings of the non-special tokens, in one batched pass."""
    ids = [int(t) for t in ids]
    special = np.asarray(special, dtype=bool)
    positions = np.nonzero(~special)[0]
    sizes = bin_sizes(len(positions), bins)
    seqs: list[list[int]] = [ids]
    index: dict[tuple[int, int, str], int] = {}
    for r, imp in enumerate(importances):
        order = top_k(imp, len(positions))
        for k in sorted(set(sizes)):
            chosen = set(positions[order[:k]].tolist())
            index[r, k, "without"] = len(seqs)
            seqs.append([t for i, t in enumerate(ids) if i not in chosen])
            index[r, k, "only"] = len(seqs)
            seqs.append([t for i, t in enumerate(ids) if i in chosen or special[i]])
    p = _probs_of(model, seqs, cls, pad_id)
    comp = np.array(
        [[p[0] - p[index[r, k, "without"]] for k in sizes] for r in range(len(importances))]
    )
    suff = np.array(
        [[p[0] - p[index[r, k, "only"]] for k in sizes] for r in range(len(importances))]
    )
    return float(p[0]), comp, suff


def aopc(
    model: Any,
    input_ids: Sequence[int],
    scores: np.ndarray,
    target: int,
    special: np.ndarray | None = None,
    bins: Sequence[float] = BINS,
    pad_id: int = 0,
) -> dict[str, Any]:
    """ERASER's comprehensiveness and sufficiency of one token ranking, as AOPC over ``bins``.

    For each bin b, the top ``ceil(b · n)`` non-special tokens by ``|scores|`` (:func:`bin_sizes`,
    :func:`top_k`) are deleted from ``input_ids`` (comprehensiveness) or kept alone with the
    special tokens (sufficiency); the score is ``p(target | x) − p(target | x')``, and AOPC is
    its mean over the bins (DeYoung et al. 2020, §4.2). ``model(input_ids=…, attention_mask=…)``
    must return ``.logits``. Returns ``{"comprehensiveness", "sufficiency", "p",
    "comprehensiveness_points", "sufficiency_points", "k"}`` (points and k per bin).
    """
    ids = list(input_ids)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(ids),):
        raise ValueError(f"scores: expected shape ({len(ids)},) like input_ids, got {scores.shape}")
    special = np.zeros(len(ids), dtype=bool) if special is None else np.asarray(special, bool)
    p, comp, suff = _aopc_points(
        model, ids, special, [np.abs(scores[~special])], int(target), bins, pad_id
    )
    return {
        "comprehensiveness": float(comp[0].mean()),
        "sufficiency": float(suff[0].mean()),
        "p": p,
        "comprehensiveness_points": comp[0].tolist(),
        "sufficiency_points": suff[0].tolist(),
        "k": bin_sizes(int((~special).sum()), bins),
    }


def _bin_name(b: float) -> str:
    return f"{b * 100:g}%"


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
    random_draws: int = 5,
    seed: int = 0,
    bins: Sequence[float] = BINS,
    progress: bool = True,
    **options: Any,
):
    """Plausibility and faithfulness of each method on ``examples`` (objects with ``text``,
    ``label`` and ``evidence`` spans), beside a seeded random baseline.

    Args:
        methods: attribution methods of :func:`~interpwidgets.attribute`.
        random_draws: random rankings per example for the ``random`` row (uniform scores from
            :func:`random_scores` keyed by ``(seed, example, draw)``: the same seed, the same
            numbers); 0 leaves the row out.
        bins: AOPC bins as fractions of the tokens (ERASER's :data:`BINS` by default).
        options: passed to :func:`~interpwidgets.attribute` (``n_steps``, ``baseline``, …).

    Returns ``(summary, per_example)``. ``summary``: one row per method, then ``random``;
    columns ``method``, ``n`` (examples), each of :data:`METRICS` with ``<metric>_se`` (standard
    error over examples; for ``random`` each example's value is the mean over its draws).
    ``summary.attrs`` holds ``bins``, ``random_draws``, ``seed`` and ``random_draw_se`` (the
    standard error of the random row over draws alone). ``per_example``: one row per example,
    method and draw, with the per-bin points ``comprehensiveness@1%`` … and ``sufficiency@1%`` ….
    """
    import pandas as pd
    from sklearn.metrics import average_precision_score
    from tqdm.auto import tqdm

    from .attribution import attribute
    from .models import adapter_for
    from .stats import mean_se

    if not examples:
        raise ValueError("examples: expected at least one example with text, label and evidence")
    if isinstance(random_draws, bool) or not isinstance(random_draws, int) or random_draws < 0:
        raise ValueError(f"random_draws: expected an int ≥ 0, got {random_draws!r}")
    bins = tuple(float(b) for b in bins)
    if not bins or not all(0 < b <= 1 for b in bins):
        raise ValueError(f"bins: expected fractions in (0, 1], got {bins!r}")
    methods = tuple(methods)
    if RANDOM in methods:
        raise ValueError(f"methods: {RANDOM!r} is the baseline row, added by random_draws")
    pad_id = getattr(tokenizer, "pad_token_id", None)
    pad_id = 0 if pad_id is None else int(pad_id)
    rows = []
    for e, ex in enumerate(tqdm(examples, desc="explanations", disable=not progress)):
        attn = attribute(model, ex.text, tokenizer, method="attention")
        assert attn.special is not None  # an Attribution's __post_init__ fills it
        keep = ~attn.special
        ids = adapter_for(model, tokenizer).encode(ex.text).ids  # the attribution's tokens
        pred = attn.predicted
        gold = _evidence_mask(attn, ex.evidence)[keep]
        attn_sc = attn.scores[keep]
        named: list[tuple[str, int, np.ndarray]] = []
        for method in methods:
            a = (
                attn
                if method == "attention"
                else attribute(model, ex.text, tokenizer, method=method, target=pred, **options)
            )
            named.append((method, 0, a.all_scores[pred][keep]))
        for d in range(random_draws):
            named.append((RANDOM, d, random_scores(int(keep.sum()), seed, e, d)))
        p, comp, suff = _aopc_points(
            model, ids, attn.special, [np.abs(sc) for _, _, sc in named], pred, bins, pad_id
        )
        for r, (method, draw, sc) in enumerate(named):
            imp = np.abs(sc)
            k = max(1, int(gold.sum()))
            top = np.zeros_like(gold)
            top[top_k(imp, k)] = True
            tp = int((top & gold).sum())
            row = {
                "example": e,
                "method": method,
                "draw": draw,
                "text": ex.text,
                "correct": pred == ex.label,
                "p": p,
                "token_f1": 2 * tp / (top.sum() + gold.sum()) if gold.any() else float("nan"),
                "auprc": float(average_precision_score(gold, imp))
                if gold.any() and not gold.all()
                else float("nan"),
                "evidence_mass": float(imp[gold].sum() / imp.sum())
                if gold.any() and imp.sum() > 0
                else float("nan"),
                "comprehensiveness": float(comp[r].mean()),
                "sufficiency": float(suff[r].mean()),
                "tau_attention": 1.0 if method == "attention" else importance_tau(sc, attn_sc),
            }
            for b, c, s_ in zip(bins, comp[r], suff[r], strict=True):
                row[f"comprehensiveness@{_bin_name(b)}"] = float(c)
                row[f"sufficiency@{_bin_name(b)}"] = float(s_)
            rows.append(row)
    per_example = pd.DataFrame(rows)
    summary_rows = []
    for method in (*methods, *((RANDOM,) if random_draws else ())):
        sub = per_example[per_example.method == method]
        by_example = sub.groupby("example")[list(METRICS)].mean()
        srow: dict[str, Any] = {"method": method, "n": len(by_example)}
        for m in METRICS:
            srow[m], srow[f"{m}_se"], _ = mean_se(by_example[m].to_numpy())
        summary_rows.append(srow)
    summary = pd.DataFrame(summary_rows)
    draw_se = {}
    if random_draws:
        per_draw = per_example[per_example.method == RANDOM].groupby("draw")[list(METRICS)].mean()
        draw_se = {m: mean_se(per_draw[m].to_numpy())[1] for m in METRICS}
    points = {
        method: {
            kind: [
                float(
                    per_example.loc[per_example.method == method, f"{kind}@{_bin_name(b)}"].mean()
                )
                for b in bins
            ]
            for kind in ("comprehensiveness", "sufficiency")
        }
        for method in summary["method"]
    }
    summary.attrs.update(
        {
            "bins": bins,
            "random_draws": random_draws,
            "seed": seed,
            "random_draw_se": draw_se,
            "aopc_points": points,
        }
    )
    return summary, per_example


def explanation_figure(summary: Any):
    """Bars of plausibility (token F1, AUPRC) and faithfulness (comprehensiveness, sufficiency)
    per method with ±1 SE error bars; the random row in grey with its value as a dashed line."""
    import matplotlib.pyplot as plt

    cols = [
        ("token_f1", "token F1 ↑"),
        ("auprc", "AUPRC ↑"),
        ("comprehensiveness", "comprehensiveness (AOPC) ↑"),
        ("sufficiency", "sufficiency (AOPC) ↓"),
    ]
    fig, axes = plt.subplots(1, len(cols), figsize=(3.2 * len(cols), 3), sharey=True)
    is_random = (summary["method"] == RANDOM).to_numpy()
    colors = np.where(is_random, "#999999", "#4393c3")
    for ax, (col, label) in zip(axes, cols, strict=True):
        se = summary.get(f"{col}_se")
        ax.barh(summary["method"], summary[col], xerr=se, color=colors, ecolor="#333", capsize=2)
        if is_random.any():
            ax.axvline(float(summary.loc[is_random, col].iloc[0]), color="#666", lw=0.8, ls="--")
        ax.set_title(label)
        ax.axvline(0, color="#666", lw=0.8)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return fig
