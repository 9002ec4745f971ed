"""Probing tasks that need no download, and Hewitt & Liang control labels.

Sentence tasks (``sentence_length``, ``word_content``, ``bigram_shift``; Conneau et al. 2018)
are built from English sentences in the standard library's docstrings; character tasks come
from :mod:`interpwidgets.features` on held-out Python code. Bring your own with
:class:`ProbingTask`.
"""

from __future__ import annotations

import ast
import random
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SENTENCE_TASKS = ("sentence_length", "word_content", "bigram_shift")
CHAR_TASKS = ("in_string", "in_comment", "bracket_depth", "column", "position_in_word")


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
    from ..zoo.corpus import stdlib_files

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
    from .. import features
    from ..zoo.corpus import stdlib_files

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
