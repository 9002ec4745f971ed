"""Probing classifiers with control tasks (Conneau et al. 2018; Hewitt & Liang 2019).

``probe(model, task)`` extracts one representation per example from every layer, trains a
seeded logistic-regression probe per layer, and reports held-out accuracy next to the
accuracy of the same probe on a *control task* (labels assigned at random per word or
character type, Hewitt & Liang) — their difference is the probe's selectivity — and the
majority-class baseline. An elastic-net probe ranks the neurons each layer's probe relies on
(as NeuroX does).

Tasks need no download: sentence tasks (``sentence_length``, ``word_content``,
``bigram_shift``) are built from English sentences in the standard library's docstrings;
character tasks come from :mod:`interpwidgets.features` on held-out Python code.
"""

from __future__ import annotations

import ast
import random
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ProbingTask:
    """Texts and labels to probe for.

    ``level="sentence"``: one label per text. ``level="char"``: ``labels[i]`` has one label
    per character of ``texts[i]`` (characters labelled ``-1`` are skipped). ``control``
    holds the control-task labels in the same layout (made by :func:`control_labels` when
    not given).
    """

    name: str
    texts: list[str]
    labels: list[Any]
    level: str = "sentence"
    control: list[Any] | None = None
    classes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.level not in ("sentence", "char"):
            raise ValueError(f"level: expected 'sentence' or 'char', got {self.level!r}")
        if not self.texts or len(self.texts) != len(self.labels):
            raise ValueError(
                f"labels: expected one label entry per text ({len(self.texts)} texts), got {len(self.labels)}"
            )
        if self.level == "char":
            for i, (t, y) in enumerate(zip(self.texts, self.labels, strict=True)):
                if len(np.asarray(y)) != len(t):
                    raise ValueError(
                        f"labels[{i}]: expected {len(t)} character labels, got {len(np.asarray(y))}"
                    )
        if self.control is None:
            self.control = control_labels(self)


def _type_of(text: str, level: str) -> list[str]:
    """The 'type' a control label is tied to: each character (char level) or the first word."""
    if level == "char":
        return list(text)
    words = text.split()
    return [words[0].lower() if words else ""]


def control_labels(task: ProbingTask, seed: int = 0) -> list[Any]:
    """Hewitt & Liang control task: every type gets a random label drawn from the task's label
    distribution, fixed across the data set. Types are characters (char level) or the first
    word of the sentence (sentence level)."""
    flat = np.concatenate([np.atleast_1d(np.asarray(y)) for y in task.labels])
    flat = flat[flat >= 0] if flat.dtype.kind in "iu" else flat
    values, counts = np.unique(flat, return_counts=True)
    p = counts / counts.sum()

    def label_for(kind: str) -> Any:
        rng = np.random.default_rng(zlib.crc32(f"{seed}:{kind}".encode()))
        return values[rng.choice(len(values), p=p)]

    out = []
    for text, y in zip(task.texts, task.labels, strict=True):
        types = _type_of(text, task.level)
        if task.level == "char":
            y = np.asarray(y)
            out.append(np.array([label_for(t) if y[i] >= 0 else -1 for i, t in enumerate(types)]))
        else:
            out.append(label_for(types[0]))
    return out


# -- tasks that need no download --------------------------------------------------------
def docstring_sentences(limit: int = 4000, min_words: int = 5, max_words: int = 28) -> list[str]:
    """Plain English sentences from the standard library's docstrings, deterministic."""
    from .zoo.corpus import stdlib_files

    out: list[str] = []
    seen = set()
    for path in stdlib_files("all"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(
                node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)
            ):
                continue
            doc = ast.get_docstring(node)
            if not doc:
                continue
            for sent in re.split(r"(?<=[.!?])\s+", " ".join(doc.split())):
                words = sent.split()
                if (
                    min_words <= len(words) <= max_words
                    and sent.endswith(".")
                    and sent[0].isupper()
                    and re.fullmatch(r"[A-Za-z ,.'\-]+", sent)
                    and sent not in seen
                ):
                    seen.add(sent)
                    out.append(sent)
                    if len(out) >= limit:
                        return out
    return out


def sentence_task(name: str, n: int = 1200, seed: int = 0) -> ProbingTask:
    """Conneau et al.'s ``sentence_length`` (5 length bins), ``word_content`` (which of 10
    mid-frequency words the sentence holds, exactly one) or ``bigram_shift`` (two adjacent
    words swapped or not), balanced, from :func:`docstring_sentences`."""
    rng = random.Random(seed)
    sents = docstring_sentences()
    if name == "sentence_length":
        bins = [(5, 7), (8, 10), (11, 14), (15, 19), (20, 28)]
        groups = {
            i: [s for s in sents if lo <= len(s.split()) <= hi] for i, (lo, hi) in enumerate(bins)
        }
        per = min(n // len(bins), *(len(g) for g in groups.values()))
        texts, labels = [], []
        for i, g in groups.items():
            for s in rng.sample(g, per):
                texts.append(s)
                labels.append(i)
        return _shuffled(
            ProbingTask(name, texts, labels, classes=[f"{lo}-{hi} words" for lo, hi in bins]), rng
        )
    if name == "word_content":
        counts = Counter(w.lower().strip(",.") for s in sents for w in s.split())
        mid = [w for w, c in counts.most_common() if 25 <= c <= 400 and len(w) > 4][:10]
        texts, labels = [], []
        for s in sents:
            present = [w for w in mid if w in {x.lower().strip(",.") for x in s.split()}]
            if len(present) == 1:
                texts.append(s)
                labels.append(mid.index(present[0]))
        per = min(Counter(labels).values())
        keep = {c: 0 for c in range(len(mid))}
        pairs = []
        for t, y in zip(texts, labels, strict=True):
            if keep[y] < per:
                keep[y] += 1
                pairs.append((t, y))
        return _shuffled(
            ProbingTask(name, [t for t, _ in pairs], [y for _, y in pairs], classes=mid), rng
        )
    if name == "bigram_shift":
        texts, labels = [], []
        for s in rng.sample(sents, min(n, len(sents))):
            words = s[:-1].split()
            label = rng.randrange(2)
            if label:
                i = rng.randrange(len(words) - 1)
                words[i], words[i + 1] = words[i + 1], words[i]
            texts.append(" ".join(words) + ".")
            labels.append(label)
        return ProbingTask(name, texts, labels, classes=["original", "swapped"])
    raise KeyError(
        f"name: {name!r} is not a sentence task; expected 'sentence_length', 'word_content' or 'bigram_shift'"
    )


def char_task(name: str, n_texts: int = 12, chars: int = 400, seed: int = 0) -> ProbingTask:
    """A character-level task from :mod:`interpwidgets.features` on held-out Python code:
    ``in_string``, ``in_comment``, ``bracket_depth`` (0, 1, 2, 3+), ``column`` (bins of 8,
    up to 40+), ``position_in_word`` (0, 1, 2, 3+; -1 outside words is skipped)."""
    from . import features
    from .zoo.corpus import stdlib_files

    files = stdlib_files("val")
    rng = random.Random(seed)
    texts, labels = [], []
    for path in rng.sample(files, min(len(files), n_texts * 3)):
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(text) < chars:
            continue
        start = rng.randrange(0, len(text) - chars + 1)
        piece = text[start : start + chars]
        f = {**features.plain_text(piece), **features.python_code(piece)}
        if name in ("in_string", "in_comment"):
            y = f[name].astype(np.int64)
        elif name == "bracket_depth":
            y = np.minimum(f[name], 3)
        elif name == "column":
            y = np.minimum(f[name] // 8, 5)
        elif name == "position_in_word":
            y = np.where(f[name] < 0, -1, np.minimum(f[name], 3))
        else:
            raise KeyError(
                f"name: {name!r} is not a char task; expected in_string, in_comment, bracket_depth, column or position_in_word"
            )
        texts.append(piece)
        labels.append(y)
        if len(texts) >= n_texts:
            break
    return ProbingTask(name, texts, labels, level="char")


def _shuffled(task: ProbingTask, rng: random.Random) -> ProbingTask:
    order = list(range(len(task.texts)))
    rng.shuffle(order)
    return ProbingTask(
        task.name,
        [task.texts[i] for i in order],
        [task.labels[i] for i in order],
        task.level,
        classes=task.classes,
    )


# -- representations ----------------------------------------------------------------------
def representations(
    model: Any,
    task: ProbingTask,
    tokenizer: Any = None,
    layers: Sequence[str] | None = None,
    progress: bool = True,
):
    """``(X: layer → (n_examples, units), y, y_control)``: mean-pooled per sentence, or per character."""
    from tqdm.auto import tqdm

    from .trace import trace

    xs: dict[str, list[np.ndarray]] = {}
    ys, cs = [], []
    for text, y, c in tqdm(
        list(zip(task.texts, task.labels, task.control, strict=True)),
        desc=f"representations ({task.name})",
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
    ctrl = make().fit(x[tr_i], control[tr_i])
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
    ctrl_acc = float((ctrl.predict(x[te_i]) == control[te_i]).mean())
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
) -> ProbeResult:
    """Probe every layer of ``model`` for ``task`` (a :class:`ProbingTask` or a task name).

    ``task`` names: ``sentence_length``, ``word_content``, ``bigram_shift`` (sentence level,
    for a Hugging Face encoder with ``tokenizer``) or ``in_string``, ``in_comment``,
    ``bracket_depth``, ``column``, ``position_in_word`` (character level, for the char
    models). ``layers`` default: the embeddings, every hidden state / residual stream.
    ``kind="mlp"`` trains a one-hidden-layer MLP instead of logistic regression.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    if isinstance(task, str):
        task = (
            sentence_task(task, seed=seed)
            if task in ("sentence_length", "word_content", "bigram_shift")
            else char_task(task, seed=seed)
        )
    if not isinstance(task, ProbingTask):
        raise TypeError(f"task: expected a ProbingTask or a task name, got {type(task).__name__}")
    xs, y, yc = representations(model, task, tokenizer, layers, progress)
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
