"""Probes per layer: a seeded probe per layer on a split by sentence or text, control accuracy,
standard errors, neuron ranking. The representations they are trained on come from
:mod:`.extract` (cached by :mod:`.cache`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..stats import clustered_se as clustered_se
from .cache import cache_dir as cache_dir
from .cache import cached_representations as cached_representations
from .enet import elastic_net_logistic
from .extract import example_groups as example_groups
from .extract import representations as representations
from .tasks import SENTENCE_TASKS, ProbingTask, char_task, sentence_task


@dataclass
class ProbeResult:
    """What :func:`probe` found: ``table`` (pandas, one row per layer: accuracy with its
    standard error, control-task accuracy, selectivity, both majority baselines, split
    sizes), the fitted probes, each layer's most-weighted neurons (elastic-net ranking),
    ``split`` (how train and test were separated) and ``source`` (where the texts come from)."""

    task: str
    model: str
    table: Any
    probes: dict[str, Any]
    top_neurons: dict[str, list[tuple[int, float]]]
    split: str = ""
    source: str = ""


def group_split(
    groups: np.ndarray, test_size: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of train and test examples, whole groups on one side (seeded)."""
    uniq = np.unique(np.asarray(groups).astype(str))
    if len(uniq) < 2:
        raise ValueError(f"groups: expected at least 2 groups to split, got {len(uniq)}")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(uniq))
    n_test = min(len(uniq) - 1, max(1, round(test_size * len(uniq))))
    test_groups = set(uniq[perm[:n_test]].tolist())
    is_test = np.array([g in test_groups for g in np.asarray(groups).astype(str)])
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def fit_layer(
    x: np.ndarray,
    y: np.ndarray,
    control: np.ndarray,
    seed: int = 0,
    kind: str = "logistic",
    test_size: float = 0.25,
    groups: np.ndarray | None = None,
    split: tuple[np.ndarray, np.ndarray] | None = None,
    rank_neurons: int = 3000,
) -> dict[str, Any]:
    """Train the probe on one layer's representations; return accuracies, their standard
    errors, both majority baselines, the split sizes and the probes.

    ``groups`` (one per example) keeps each group on one side of the seeded train/test split
    (default: every example its own group); ``split`` gives the train and test indices
    instead. Standard errors are cluster-robust over the test groups (:func:`clustered_se`).
    The elastic-net neuron ranking is fitted on at most ``rank_neurons`` training examples.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind not in ("logistic", "mlp"):
        raise ValueError(f"kind: expected 'logistic' or 'mlp', got {kind!r}")
    if len(np.unique(y)) < 2:
        raise ValueError("task: has a single class here; a probe needs at least two")
    if groups is None:
        groups = np.arange(len(y))
    groups = np.asarray(groups)
    if len(groups) != len(y):
        raise ValueError(f"groups: expected {len(y)} groups, one per example, got {len(groups)}")
    x = np.asarray(x, dtype=np.float32)

    def make():
        clf = (
            LogisticRegression(max_iter=1000, C=1.0)
            if kind == "logistic"
            else MLPClassifier((64,), max_iter=500, random_state=seed)
        )
        return make_pipeline(StandardScaler(), clf)

    tr_i, te_i = split if split is not None else group_split(groups, test_size, seed)
    if len(np.unique(y[tr_i])) < 2:
        raise ValueError("task: the training split holds a single class; a probe needs two")
    main = make().fit(x[tr_i], y[tr_i])
    if len(np.unique(control[tr_i])) > 1:
        ctrl_pred = make().fit(x[tr_i], control[tr_i]).predict(x[te_i])
    else:  # every type drew the same control label: a constant predicts it
        ctrl_pred = np.full(len(te_i), control[tr_i][0])
    rank_i = (
        np.random.default_rng(seed).choice(tr_i, rank_neurons, replace=False)
        if len(tr_i) > rank_neurons
        else tr_i
    )
    if len(np.unique(y[rank_i])) > 1:  # scikit-learn's elastic-net optimum, faster than SAGA
        coef, _ = elastic_net_logistic(StandardScaler().fit_transform(x[rank_i]), y[rank_i])
        weights = np.abs(coef).sum(0)
    else:
        weights = np.zeros(x.shape[1])
    hit = main.predict(x[te_i]) == y[te_i]
    chit = ctrl_pred == control[te_i]
    g = groups[te_i]
    majority = Counter(y[tr_i].tolist()).most_common(1)[0][0]
    c_majority = Counter(control[tr_i].tolist()).most_common(1)[0][0]
    return {
        "accuracy": float(hit.mean()),
        "accuracy_se": clustered_se(hit, g),
        "control_accuracy": float(chit.mean()),
        "control_accuracy_se": clustered_se(chit, g),
        "selectivity": float(hit.mean() - chit.mean()),
        "selectivity_se": clustered_se(hit.astype(float) - chit, g),
        "majority": float((y[te_i] == majority).mean()),
        "control_majority": float((control[te_i] == c_majority).mean()),
        "n_train": len(tr_i),
        "n_test": len(te_i),
        "groups_train": len(np.unique(groups[tr_i].astype(str))),
        "groups_test": len(np.unique(g.astype(str))),
        "test_index": te_i,
        "probe": main,
        "neurons": [
            (int(i), float(weights[i])) for i in np.argsort(-weights)[:10] if weights[i] > 0
        ],
    }


COLUMNS = (
    "layer",
    "accuracy",
    "accuracy_se",
    "control_accuracy",
    "control_accuracy_se",
    "selectivity",
    "selectivity_se",
    "majority",
    "control_majority",
    "n_train",
    "n_test",
)


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
    cache: bool = True,
    sae: Any = None,
) -> ProbeResult:
    """Probe every layer of ``model`` for ``task`` (a :class:`ProbingTask` or a task name).

    ``task`` names: ``sentence_length``, ``word_content``, ``bigram_shift`` (sentence level,
    for a Hugging Face encoder with ``tokenizer``; 10,000 WordNet sentences) or
    ``in_string``, ``in_docstring``, ``in_string_literal``, ``in_comment``,
    ``bracket_depth``, ``column``, ``position_in_word`` (character level, for the char
    models; 40 held-out pieces of code). ``layers`` default: the embeddings, every hidden
    state / residual stream. ``kind="mlp"`` trains a one-hidden-layer MLP instead of
    logistic regression. Sentence tasks run ``batch_size`` sentences per forward pass.

    The split is by group — sentence, or whole text for character tasks — never by
    character: 75 % of the groups train, 25 % test, the same for every layer (and for every
    model given the same task). ``result.table`` has ``accuracy`` ± ``accuracy_se``
    (cluster-robust over test groups), the control task's accuracy, ``selectivity``
    (accuracy − control accuracy, Hewitt & Liang 2019) ± its paired SE, the ``majority``
    and ``control_majority`` baselines, ``n_train`` and ``n_test`` (examples).
    Representations are cached (``cache=False`` to skip; see :func:`cache_dir`).
    ``sae=`` adds sparse-autoencoder features as layers ``"<layer>.sae"``, probed like the
    others (:func:`interpwidgets.sae.add_features`; not cached).
    """
    import pandas as pd
    from tqdm.auto import tqdm

    if isinstance(task, str):
        task = (
            sentence_task(task, seed=seed) if task in SENTENCE_TASKS else char_task(task, seed=seed)
        )
    if not isinstance(task, ProbingTask):
        raise TypeError(f"task: expected a ProbingTask or a task name, got {type(task).__name__}")
    if kind not in ("logistic", "mlp"):  # before any work: arguments are checked first
        raise ValueError(f"kind: expected 'logistic' or 'mlp', got {kind!r}")
    xs = cached_representations(model, task, tokenizer, layers, progress, batch_size, cache, sae)
    assert task.control is not None  # filled by ProbingTask.__post_init__
    y = np.concatenate([np.atleast_1d(np.asarray(v)) for v in task.labels])
    yc = np.concatenate([np.atleast_1d(np.asarray(v)) for v in task.control])
    if task.level == "char":
        keep = y >= 0
        y, yc = y[keep], yc[keep]
    groups = example_groups(task)
    tr_i, te_i = group_split(groups, 0.25, seed)
    rows, probes, neurons = [], {}, {}
    r: dict[str, Any] = {}
    for name, x in tqdm(xs.items(), desc="probes", disable=not progress):
        r = fit_layer(
            x, y, yc if control else y, seed=seed, kind=kind, groups=groups, split=(tr_i, te_i)
        )
        row = {k: r[k] for k in COLUMNS[1:]}
        if not control:
            for k in (
                "control_accuracy",
                "control_accuracy_se",
                "selectivity",
                "selectivity_se",
                "control_majority",
            ):
                row[k] = np.nan
        rows.append({"layer": name, **row})
        probes[name] = r["probe"]
        neurons[name] = r["neurons"]
    g_tr, g_te = r.get("groups_train", 0), r.get("groups_test", 0)
    if task.level == "sentence":
        split = f"by sentence: {g_tr:,} sentences train, {g_te:,} test, seed {seed}"
        if g_tr + g_te < len(y):
            split += f" ({len(tr_i):,} / {len(te_i):,} examples: repeated sentences kept together)"
    else:
        split = (
            f"by text, never by character: {g_tr:,} texts ({len(tr_i):,} characters) train, "
            f"{g_te:,} texts ({len(te_i):,} characters) test, seed {seed}"
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return ProbeResult(
        task.name, type(model).__name__, table, probes, neurons, split=split, source=task.source
    )
