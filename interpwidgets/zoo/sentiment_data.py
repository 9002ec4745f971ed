"""A generated sentiment set where every example carries its evidence span.

Deterministic (seeded) templates over a small lexicon, with the constructions that make
explanations measurable: plain statements ("The plot was dull."), intensifiers ("really
good"), negation ("not good" → negative), contrast ("good but boring" → the second clause
decides) and neutral filler sentences that carry no evidence. Each example's ``evidence`` is
the list of ``[start, end)`` character spans of the words that decide its label.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

POSITIVE = [
    "good",
    "great",
    "wonderful",
    "excellent",
    "brilliant",
    "delightful",
    "moving",
    "charming",
    "enjoyable",
    "fantastic",
    "beautiful",
    "funny",
    "clever",
    "superb",
    "gripping",
    "lovely",
]
NEGATIVE = [
    "bad",
    "awful",
    "terrible",
    "boring",
    "dull",
    "tedious",
    "disappointing",
    "poor",
    "weak",
    "bland",
    "painful",
    "forgettable",
    "clumsy",
    "mediocre",
    "annoying",
    "messy",
]
#: Adjectives never used in training: the "unseen words" test set uses only these.
HELD_OUT = {"superb", "gripping", "lovely", "clumsy", "mediocre", "messy"}
SUBJECTS = [
    "The movie",
    "This film",
    "The plot",
    "The acting",
    "The soundtrack",
    "The ending",
    "The script",
    "The cast",
    "The story",
    "The dialogue",
    "The pacing",
    "The finale",
]
VERBS = ["was", "is", "felt", "seemed"]
INTENSIFIERS = ["really", "very", "truly", "extremely", "quite", "so"]
FILLER = [
    "I watched it last weekend.",
    "We saw it on a rainy Tuesday.",
    "It runs for about two hours.",
    "My sister picked the seats.",
    "The cinema was half empty.",
    "I had popcorn with it.",
    "It came out in the spring.",
    "We went after dinner.",
]
LABELS = ["negative", "positive"]


@dataclass
class Example:
    text: str
    label: int  # 0 negative, 1 positive
    evidence: list[tuple[int, int]]
    kind: str  # plain, intensified, negated, contrast
    #: the sentence that decides the label (the text without its neutral filler)
    decisive: str = ""


def _span(text: str, phrase: str, start: int = 0) -> tuple[int, int]:
    i = text.index(phrase, start)
    return i, i + len(phrase)


def _one(rng: random.Random, pos: list[str], neg: list[str]) -> Example:
    subj, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
    kind = rng.choice(["plain", "intensified", "negated", "contrast"])
    label = rng.randrange(2)
    if kind == "plain":
        adj = rng.choice(pos if label else neg)
        core = f"{subj} {verb} {adj}."
        ev = [_span(core, adj)]
    elif kind == "intensified":
        adj, ints = rng.choice(pos if label else neg), rng.choice(INTENSIFIERS)
        core = f"{subj} {verb} {ints} {adj}."
        ev = [_span(core, f"{ints} {adj}")]
    elif kind == "negated":
        adj = rng.choice(neg if label else pos)  # "not bad" is positive
        core = f"{subj} {verb} not {adj}."
        ev = [_span(core, f"not {adj}")]
    else:
        first, second = rng.choice(neg if label else pos), rng.choice(pos if label else neg)
        core = f"{subj} {verb} {first} but {second}."
        ev = [_span(core, f"but {second}")]
    text = core
    if rng.random() < 0.5:  # neutral filler around the decisive sentence
        filler = rng.choice(FILLER)
        if rng.random() < 0.5:
            text = f"{filler} {core}"
            ev = [(s + len(filler) + 1, e + len(filler) + 1) for s, e in ev]
        else:
            text = f"{core} {filler}"
    return Example(text, label, ev, kind, core)


def make(n: int = 3000, seed: int = 0, held_out_words: bool = False) -> list[Example]:
    """``n`` examples, no two with the same decisive sentence (so any split of them is
    disjoint by decisive sentence); ``held_out_words=True`` draws adjectives only from
    :data:`HELD_OUT`."""
    rng = random.Random(seed)
    pos = [w for w in POSITIVE if (w in HELD_OUT) == held_out_words]
    neg = [w for w in NEGATIVE if (w in HELD_OUT) == held_out_words]
    out: list[Example] = []
    seen: set[str] = set()
    while len(out) < n:
        ex = _one(rng, pos, neg)
        if ex.decisive not in seen:
            seen.add(ex.decisive)
            out.append(ex)
    return out


#: what :func:`splits` guarantees, as the model card states it
SPLIT_GUARANTEE = (
    "split by decisive sentence: no decisive sentence occurs twice in train + test, so no test "
    "review shares its decisive sentence with a training review; the neutral filler sentences, "
    "subjects, verbs, intensifiers and adjectives are shared (test = new combinations of known "
    "words); unseen_words uses adjectives that never occur in train or test"
)


def splits(seed: int = 0) -> dict[str, list[Example]]:
    """``train`` (2400), ``test`` (1000) and ``unseen_words`` (400).

    ``train`` and ``test`` are disjoint by decisive sentence (:data:`SPLIT_GUARANTEE`): a test
    review never repeats the sentence that decided a training review's label, with or without
    filler. ``unseen_words`` uses only the adjectives of :data:`HELD_OUT`.
    """
    data = make(3400, seed)
    return {
        "train": data[:2400],
        "test": data[2400:],
        "unseen_words": make(400, seed + 1, held_out_words=True),
    }
