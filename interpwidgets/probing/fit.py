"""Probes per layer: representations, a seeded probe per layer, control accuracy, neuron ranking."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .tasks import SENTENCE_TASKS, ProbingTask, char_task, sentence_task


# -- representations ----------------------------------------------------------------------
def _hf_sentence_batches(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    layers: Sequence[str] | None,
    batch_size: int,
    progress: bool,
    desc: str,
) -> dict[str, np.ndarray] | None:
    """Mean-pooled ``embed`` / ``blocks.{k}.resid`` per sentence, ``batch_size`` sentences per
    forward pass (padding masked out, special tokens left out, as in one trace per sentence).
    ``None`` when the model gives no hidden states this way (the caller traces one by one)."""
    import torch
    from tqdm.auto import tqdm

    if getattr(getattr(model, "config", None), "is_encoder_decoder", False):
        return None
    out: dict[str, list[np.ndarray]] = {}
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        with torch.no_grad():
            for i in tqdm(range(0, len(texts), batch_size), desc=desc, disable=not progress):
                enc = tokenizer(
                    list(texts[i : i + batch_size]),
                    padding=True,
                    truncation=True,
                    return_tensors="pt",
                    return_special_tokens_mask=True,
                )
                special = enc.pop("special_tokens_mask").bool()
                keep = (enc["attention_mask"].bool() & ~special).unsqueeze(-1).float().to(device)
                states = getattr(
                    model(**{k: v.to(device) for k, v in enc.items()}, output_hidden_states=True),
                    "hidden_states",
                    None,
                )
                if not states:
                    return None
                names = ["embed"] + [f"blocks.{k}.resid" for k in range(len(states) - 1)]
                for name, h in zip(names, states, strict=True):
                    if layers is None or name in layers:
                        pooled = (h.float() * keep).sum(1) / keep.sum(1).clamp(min=1)
                        out.setdefault(name, []).append(pooled.cpu().numpy())
    finally:
        model.train(was_training)
    return {k: np.concatenate(v) for k, v in out.items()}


def representations(
    model: Any,
    task: ProbingTask,
    tokenizer: Any = None,
    layers: Sequence[str] | None = None,
    progress: bool = True,
    batch_size: int = 32,
):
    """``(X: layer → (n_examples, units), y, y_control)``: mean-pooled per sentence, or per character.

    Sentence tasks on a Hugging Face encoder run ``batch_size`` sentences per forward pass;
    character models are traced one text at a time (each text is one long sequence).
    """
    from tqdm.auto import tqdm

    from ..trace import trace

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    desc = f"representations ({task.name})"
    if tokenizer is not None and task.level == "sentence":
        xs_b = _hf_sentence_batches(
            model, tokenizer, task.texts, layers, batch_size, progress, desc
        )
        if xs_b is not None:
            if not xs_b:
                raise KeyError(
                    f"layers: none of {list(layers or [])} is in the model's hidden states"
                )
            y = np.concatenate([np.atleast_1d(v) for v in task.labels])
            c = np.concatenate([np.atleast_1d(v) for v in task.control])
            return xs_b, y, c
    xs: dict[str, list[np.ndarray]] = {}
    ys, cs = [], []
    for text, y, c in tqdm(
        list(zip(task.texts, task.labels, task.control, strict=True)),
        desc=desc,
        disable=not progress,
    ):
        tr = (
            trace(model, text, tokenizer=tokenizer)
            if tokenizer is not None
            else trace(model, text, progress=False)
        )
        names = [
            n
            for n in tr.names
            if (layers is None and (n.endswith((".h", ".resid")) or n == "embed"))
            or (layers is not None and n in layers)
        ]
        if not names:
            raise KeyError(
                f"layers: none of {list(layers or [])} is in the trace; expected some of {tr.names}"
            )
        if task.level == "sentence":
            keep = tr.offsets[:, 1] > tr.offsets[:, 0]
            for name in names:
                xs.setdefault(name, []).append(tr.activations[name][keep].mean(0, keepdims=True))
            ys.append(np.atleast_1d(y))
            cs.append(np.atleast_1d(c))
        else:
            y, c = np.asarray(y), np.asarray(c)
            keep = y >= 0
            for name in names:
                xs.setdefault(name, []).append(tr.activations[name][keep])
            ys.append(y[keep])
            cs.append(c[keep])
    return {k: np.concatenate(v) for k, v in xs.items()}, np.concatenate(ys), np.concatenate(cs)


@dataclass
class ProbeResult:
    """What :func:`probe` found: ``table`` (pandas, one row per layer), the fitted probes,
    and each layer's most-weighted neurons (elastic-net ranking)."""

    task: str
    model: str
    table: Any
    probes: dict[str, Any]
    top_neurons: dict[str, list[tuple[int, float]]]


def fit_layer(
    x: np.ndarray,
    y: np.ndarray,
    control: np.ndarray,
    seed: int = 0,
    kind: str = "logistic",
    test_size: float = 0.25,
) -> dict[str, Any]:
    """Train the probe on one layer's representations; return accuracies and the probes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind not in ("logistic", "mlp"):
        raise ValueError(f"kind: expected 'logistic' or 'mlp', got {kind!r}")
    if len(np.unique(y)) < 2:
        raise ValueError("task: has a single class here; a probe needs at least two")

    def make():
        clf = (
            LogisticRegression(max_iter=2000, C=1.0)
            if kind == "logistic"
            else MLPClassifier((64,), max_iter=500, random_state=seed)
        )
        return make_pipeline(StandardScaler(), clf)

    idx = np.arange(len(y))
    strat = y if min(Counter(y.tolist()).values()) >= 2 else None
    tr_i, te_i = train_test_split(idx, test_size=test_size, random_state=seed, stratify=strat)
    main = make().fit(x[tr_i], y[tr_i])
    if len(np.unique(control[tr_i])) > 1:
        ctrl_pred = make().fit(x[tr_i], control[tr_i]).predict(x[te_i])
    else:  # every type drew the same control label: a constant predicts it
        ctrl_pred = np.full(len(te_i), control[tr_i][0])
    import sklearn

    old = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (
        1,
        8,
    )  # 1.8 deprecated penalty=
    net = LogisticRegression(
        solver="saga",
        l1_ratio=0.5,
        C=0.1,
        max_iter=2000,
        **({"penalty": "elasticnet"} if old else {}),
    )
    sparse = make_pipeline(StandardScaler(), net).fit(x[tr_i], y[tr_i])
    weights = np.abs(np.atleast_2d(sparse[-1].coef_)).sum(0)
    majority = Counter(y[tr_i].tolist()).most_common(1)[0][0]
    acc = float((main.predict(x[te_i]) == y[te_i]).mean())
    ctrl_acc = float((ctrl_pred == control[te_i]).mean())
    return {
        "accuracy": acc,
        "control_accuracy": ctrl_acc,
        "selectivity": acc - ctrl_acc,
        "majority": float((y[te_i] == majority).mean()),
        "probe": main,
        "neurons": [
            (int(i), float(weights[i])) for i in np.argsort(-weights)[:10] if weights[i] > 0
        ],
    }


def probe(
    model: Any,
    task: ProbingTask | str,
    tokenizer: Any = None,
    layers: Sequence[str] | None = None,
    control: bool = True,
    kind: str = "logistic",
    seed: int = 0,
    progress: bool = True,
    batch_size: int = 32,
) -> ProbeResult:
    """Probe every layer of ``model`` for ``task`` (a :class:`ProbingTask` or a task name).

    ``task`` names: ``sentence_length``, ``word_content``, ``bigram_shift`` (sentence level,
    for a Hugging Face encoder with ``tokenizer``) or ``in_string``, ``in_comment``,
    ``bracket_depth``, ``column``, ``position_in_word`` (character level, for the char
    models). ``layers`` default: the embeddings, every hidden state / residual stream.
    ``kind="mlp"`` trains a one-hidden-layer MLP instead of logistic regression.
    Sentence tasks run ``batch_size`` sentences per forward pass.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    if isinstance(task, str):
        task = (
            sentence_task(task, seed=seed) if task in SENTENCE_TASKS else char_task(task, seed=seed)
        )
    if not isinstance(task, ProbingTask):
        raise TypeError(f"task: expected a ProbingTask or a task name, got {type(task).__name__}")
    xs, y, yc = representations(model, task, tokenizer, layers, progress, batch_size)
    rows, probes, neurons = [], {}, {}
    for name, x in tqdm(xs.items(), desc="probes", disable=not progress):
        r = fit_layer(x, y, yc if control else y, seed=seed, kind=kind)
        rows.append(
            {
                "layer": name,
                "accuracy": r["accuracy"],
                "control_accuracy": r["control_accuracy"] if control else np.nan,
                "selectivity": r["selectivity"] if control else np.nan,
                "majority": r["majority"],
                "examples": len(y),
            }
        )
        probes[name] = r["probe"]
        neurons[name] = r["neurons"]
    return ProbeResult(task.name, type(model).__name__, pd.DataFrame(rows), probes, neurons)
