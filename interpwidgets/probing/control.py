"""Hewitt & Liang (2019) control labels: an arbitrary but fixed label per type, with the task's
label distribution."""

from __future__ import annotations

import zlib
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tasks import ProbingTask


def _unit(kind: str, seed: int) -> float:
    """A uniform number in [0, 1) fixed by the type and the seed (the same on every machine)."""
    return zlib.crc32(f"{seed}\x00{kind}".encode()) / 2**32


def _words(text: str) -> list[str]:
    return [w for w in (x.lower().strip(",.;:!?\"'()") for x in text.split()) if w]


def _bands(scores: np.ndarray, values: np.ndarray, p: np.ndarray, seed: int) -> np.ndarray:
    """Cut ``scores`` into bands holding the fractions ``p`` of the units (in a seeded random
    order of the classes): the control labels then have the task's label distribution."""
    order = np.random.default_rng(seed).permutation(len(values))
    edges = np.quantile(scores, np.cumsum(p[order])[:-1]) if len(scores) else np.array([])
    return values[order][np.searchsorted(edges, scores, side="right")]


def control_labels(task: ProbingTask, seed: int = 0) -> list[Any]:
    """Hewitt & Liang (2019) control labels with the task's label distribution.

    Every *type* draws a random score, fixed across the data set (a hash of the type and
    ``seed``); the units are cut into bands by score so that each control class holds the
    same fraction of units as the task's class (so the control majority equals the task
    majority, up to ties). A unit's type is:

    - character level: the character with the ``CHAR_CONTROL_CONTEXT - 1`` before it (a
      character trigram); labels are drawn per type without replacement from the task's
      label counts (most frequent types first), since a few types (runs of spaces) are too
      frequent for score bands to fit. The character alone is H&L's construction taken literally, but there
      are ~100 characters and any character model's state says which one it just read, so
      that control is solved by a lookup and selectivity comes out negative whatever the
      task. With trigrams a probe must memorise thousands of arbitrary type → label pairs,
      which is what H&L's word types ask of a word-level probe.
    - sentence level: its words. The sentence's score is the mean of its word types' scores,
      so the label is an arbitrary function of which words it holds, learnable by memorising
      words (as H&L's word-type controls are) — not of one word type, whose frequency would
      skew the label distribution (the first word is "the" in a fifth of sentences).
    """
    flat = np.concatenate([np.atleast_1d(np.asarray(y)) for y in task.labels])
    keep = flat >= 0 if flat.dtype.kind in "iuf" else np.ones(len(flat), bool)
    values, counts = np.unique(flat[keep], return_counts=True)
    p = counts / counts.sum()
    if task.level == "sentence":
        scores = np.array(
            [np.mean([_unit(w, seed) for w in _words(t)] or [_unit(t, seed)]) for t in task.texts]
        )
        return list(_bands(scores, values, p, seed))
    k = task.control_context
    types = [[text[max(0, i - k + 1) : i + 1] for i in range(len(text))] for text in task.texts]
    flat_types = [t for ts in types for t in ts]
    freq = Counter(t for t, ok in zip(flat_types, keep, strict=True) if ok)
    table = _stratified(freq, values, p, seed)
    out = []
    for ts, y in zip(types, task.labels, strict=True):
        y = np.asarray(y)
        ok = y >= 0 if y.dtype.kind in "iuf" else np.ones(len(y), bool)
        out.append(np.array([table[t] if ok[i] else -1 for i, t in enumerate(ts)]))
    return out


def _stratified(freq: Counter, values: np.ndarray, p: np.ndarray, seed: int) -> dict[str, Any]:
    """Each type's control label, drawn without replacement from the task's label counts:
    types in order of frequency (most frequent first, so a big type goes where it fits), each
    drawn from the classes in proportion to what each still lacks of its share. Units with
    the same type share a label, and the labels' distribution matches the task's to within
    the last few small types."""
    total = sum(freq.values())
    left = p * total
    out: dict[str, Any] = {}
    for t, c in sorted(freq.items(), key=lambda kv: (-kv[1], zlib.crc32(kv[0].encode()))):
        room = np.maximum(left, 0)
        if room.sum() <= 0:
            j = int(np.argmax(left))
        else:
            u = _unit(t, seed) * room.sum()
            j = int(min(np.searchsorted(np.cumsum(room), u, side="right"), len(room) - 1))
            if room[j] < c and room.max() >= c:  # a type that would overfill: the roomiest class
                j = int(np.argmax(room))
        out[t] = values[j]
        left[j] -= c
    return out
