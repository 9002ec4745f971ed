"""Probes per layer: representations (cached), a seeded probe per layer on a split by
sentence or text, control accuracy, standard errors, neuron ranking."""

from __future__ import annotations

import hashlib
import os
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..sae import add_features
from .tasks import SENTENCE_TASKS, ProbingTask, char_task, sentence_task


# -- representations ----------------------------------------------------------------------
def _hf_sentence_batches(
    adapter: Any,
    texts: Sequence[str],
    layers: Sequence[str] | None,
    batch_size: int,
    progress: bool,
    desc: str,
) -> dict[str, np.ndarray] | None:
    """Mean-pooled ``embed`` / ``blocks.{k}.resid`` per sentence, ``batch_size`` sentences per
    forward pass (the adapter's padding and truncation; padding and special tokens left out,
    as in one trace per sentence). ``None`` when the model gives no hidden states this way
    (the caller traces one by one)."""
    import torch
    from tqdm.auto import tqdm

    batch = getattr(adapter, "batch", None)
    if batch is None or adapter.kind == "hf-encoder-decoder":
        return None
    model = adapter.module
    out: dict[str, list[np.ndarray]] = {}
    was_training = model.training
    model.eval()
    device = adapter.device
    try:
        with torch.no_grad():
            for i in tqdm(range(0, len(texts), batch_size), desc=desc, disable=not progress):
                enc = batch(texts[i : i + batch_size])
                special = enc.pop("special_tokens_mask")
                keep = (enc["attention_mask"].bool() & ~special).unsqueeze(-1).float().to(device)
                inputs = {k: v.to(device) for k, v in enc.items()}
                states = getattr(
                    adapter.forward(inputs, output_hidden_states=True), "hidden_states", None
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
    sae: Any = None,
):
    """``(X: layer → (n_examples, units), y, y_control)``: mean-pooled per sentence, or per character.

    ``sae``: sparse autoencoder(s) whose features join as ``"<layer>.sae"`` layers
    (:func:`interpwidgets.sae.add_features`; per-text traces only).

    Sentence tasks on a Hugging Face encoder run ``batch_size`` sentences per forward pass;
    character models are traced one text at a time (each text is one long sequence).
    """
    from tqdm.auto import tqdm

    from ..models import adapter_for

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    desc = f"representations ({task.name})"
    adapter = adapter_for(model, tokenizer)
    if task.level == "sentence" and sae is None:
        xs_b = _hf_sentence_batches(adapter, task.texts, layers, batch_size, progress, desc)
        if xs_b is not None:
            if not xs_b:
                raise KeyError(
                    f"layers: none of {list(layers or [])} is in the model's hidden states"
                )
            assert task.control is not None  # filled by ProbingTask.__post_init__
            y = np.concatenate([np.atleast_1d(v) for v in task.labels])
            c = np.concatenate([np.atleast_1d(v) for v in task.control])
            return xs_b, y, c
    xs: dict[str, list[np.ndarray]] = {}
    ys, cs = [], []
    assert task.control is not None
    for text, y, c in tqdm(
        list(zip(task.texts, task.labels, task.control, strict=True)),
        desc=desc,
        disable=not progress,
    ):
        tr = add_features(adapter.trace(text, progress=False), sae)
        names = [
            n
            for n in tr.names
            if (layers is None and (n.endswith((".h", ".resid", ".sae")) or n == "embed"))
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


def example_groups(task: ProbingTask) -> np.ndarray:
    """The group of every example :func:`representations` returns, in its order: the
    sentence's group, or the text's group repeated for each of its labelled characters."""
    assert task.groups is not None
    if task.level == "sentence":
        return np.asarray([str(g) for g in task.groups], dtype=object)
    out = []
    for g, y in zip(task.groups, task.labels, strict=True):
        out.extend([str(g)] * int((np.asarray(y) >= 0).sum()))
    return np.asarray(out, dtype=object)


# -- a cache of representations -----------------------------------------------------------
_MEMORY: dict[str, tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]] = {}


def cache_dir() -> Path:
    """Where :func:`probe` keeps representations: ``$INTERPWIDGETS_CACHE/probing``, else
    ``~/.cache/interpwidgets/probing``. Safe to delete."""
    root = os.environ.get("INTERPWIDGETS_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "interpwidgets") / "probing"


def _fingerprint(model: Any, tokenizer: Any) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(type(model).__qualname__.encode())
    h.update(type(tokenizer).__qualname__.encode() if tokenizer is not None else b"-")
    state = getattr(model, "state_dict", None)
    if callable(state):
        for name, t in state().items():
            h.update(name.encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
    else:  # not a torch module: nothing stable to key on, so nothing is cached
        return ""
    return h.hexdigest()


def _task_key(task: ProbingTask, layers: Sequence[str] | None) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(task.level.encode())
    for t in task.texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    for y in task.labels:
        h.update(np.ascontiguousarray(np.asarray(y >= 0 if task.level == "char" else 0)).tobytes())
    h.update(repr(sorted(layers) if layers is not None else None).encode())
    return h.hexdigest()


def cached_representations(
    model: Any,
    task: ProbingTask,
    tokenizer: Any = None,
    layers: Sequence[str] | None = None,
    progress: bool = True,
    batch_size: int = 32,
    cache: bool = True,
    sae: Any = None,
) -> dict[str, np.ndarray]:
    """:func:`representations` as float16 (what the probes are trained on), kept in memory
    and on disk under :func:`cache_dir`, keyed by a hash of the model's weights and the
    task's texts — a second ``probe`` of the same model on the same texts skips the model."""
    fp = _fingerprint(model, tokenizer) if cache and sae is None else ""
    key = f"{fp}-{_task_key(task, layers)}" if fp else ""
    if key and key in _MEMORY:
        return _MEMORY[key][0]
    path = cache_dir() / f"{key}.npz" if key else None
    if path is not None and path.exists():
        try:
            with np.load(path) as z:
                xs = {k: z[k] for k in z.files}
            _MEMORY[key] = (xs, np.empty(0), np.empty(0))
            return xs
        except (OSError, ValueError):
            pass
    xs32, _, _ = representations(model, task, tokenizer, layers, progress, batch_size, sae)
    xs = {k: v.astype(np.float16) for k, v in xs32.items()}
    if path is not None:
        if len(_MEMORY) >= 6:
            _MEMORY.pop(next(iter(_MEMORY)))
        _MEMORY[key] = (xs, np.empty(0), np.empty(0))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **xs)
            os.replace(tmp, path)
        except OSError:
            pass
    return xs


# -- fitting ------------------------------------------------------------------------------
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


def clustered_se(hits: np.ndarray, groups: np.ndarray) -> float:
    """Standard error of the mean of ``hits`` (per-example 0/1, or differences of two) when
    examples come in groups that are sampled together (one text's characters): the
    cluster-robust (sandwich) estimate ``sqrt(G/(G-1) · Σ_g (s_g − m̄·n_g)²) / N``. With one
    example per group it is the binomial ``sqrt(p(1-p)/n)`` (times ``sqrt(n/(n-1))``)."""
    hits = np.asarray(hits, dtype=np.float64)
    if len(hits) == 0:
        return float("nan")
    _, g = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    n_g = np.bincount(g)
    G = len(n_g)
    if G < 2:
        return float("nan")
    s_g = np.bincount(g, weights=hits)
    mean = hits.mean()
    return float(np.sqrt(G / (G - 1) * np.sum((s_g - mean * n_g) ** 2)) / len(hits))


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
    from sklearn.exceptions import ConvergenceWarning
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
    import sklearn

    old = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (1, 8)  # 1.8: no penalty=
    net = LogisticRegression(
        solver="saga",
        l1_ratio=0.5,
        C=0.1,
        max_iter=300,
        tol=1e-3,
        **({"penalty": "elasticnet"} if old else {}),
    )
    rank_i = (
        np.random.default_rng(seed).choice(tr_i, rank_neurons, replace=False)
        if len(tr_i) > rank_neurons
        else tr_i
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        sparse = make_pipeline(StandardScaler(), net).fit(x[rank_i], y[rank_i])
    weights = np.abs(np.atleast_2d(sparse[-1].coef_)).sum(0)
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
