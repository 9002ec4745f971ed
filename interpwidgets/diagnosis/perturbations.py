"""Seeded perturbations of a text: character noise, word dropout, negation, antonyms, synonyms, shuffling."""

from __future__ import annotations

import random
import re

from ..trace.core import _check_text

KINDS = ("char_noise", "word_dropout", "negation", "antonym", "synonym", "shuffle")
_BE = re.compile(r"\b(is|was|are|were|felt|seemed|seems|feels|looks|looked)\b", re.IGNORECASE)
_NOT = re.compile(r" not\b", re.IGNORECASE)


def lexicon() -> dict[str, dict[str, str]]:
    """Antonym and synonym maps over the sentiment words of :mod:`interpwidgets.zoo.sentiment_data`
    (pairs by position in its lists; synonyms are the neighbouring word of the same polarity)."""
    from ..zoo.sentiment_data import NEGATIVE, POSITIVE

    antonym = {
        **dict(zip(POSITIVE, NEGATIVE, strict=True)),
        **dict(zip(NEGATIVE, POSITIVE, strict=True)),
    }
    synonym = {}
    for words in (POSITIVE, NEGATIVE):
        for i, w in enumerate(words):
            synonym[w] = words[i + 1 if i % 2 == 0 else i - 1]
    return {"antonym": antonym, "synonym": synonym}


def perturb(text: str, kind: str, seed: int = 0, rate: float = 0.1) -> str:
    """One seeded variant of ``text``: ``char_noise`` (swap, drop or repeat letters at
    ``rate``), ``word_dropout`` (drop words at ``rate``), ``negation`` (insert "not" after the
    first is/was/felt/seemed…, or take it out where that verb is negated already — "was not
    funny" → "was funny", never "was not not funny"), ``antonym`` / ``synonym`` (swap sentiment words through
    :func:`lexicon`), ``shuffle`` (shuffle the word order). Returns the text unchanged when the
    perturbation does not apply (no verb to negate, no lexicon word)."""
    text = _check_text(text)
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"rate: expected a number in [0, 1], got {rate!r}")
    rng = random.Random(f"{seed}:{kind}:{text}")
    if kind == "char_noise":
        chars = list(text)
        i = 0
        while i < len(chars) - 1:
            if chars[i].isalpha() and rng.random() < rate:
                op = rng.choice(("swap", "drop", "repeat"))
                if op == "swap":
                    chars[i], chars[i + 1] = chars[i + 1], chars[i]
                elif op == "drop":
                    del chars[i]
                else:
                    chars.insert(i, chars[i])
                i += 1
            i += 1
        return "".join(chars)
    words = text.split(" ")
    if kind == "word_dropout":
        kept = [w for w in words if rng.random() >= rate]
        return " ".join(kept) if kept else text
    if kind == "negation":
        m = _BE.search(text)
        if m is None:
            return text
        negated = _NOT.match(text, m.end())
        if negated:  # toggle: "was not good" → "was good"
            return text[: m.end()] + text[negated.end() :]
        return f"{text[: m.end()]} not{text[m.end() :]}"
    if kind == "shuffle":
        rng.shuffle(words)
        return " ".join(words)
    table = lexicon()[kind]

    def swap(m: re.Match) -> str:
        word = m.group(0)
        new = table.get(word.lower())
        return word if new is None else (new.capitalize() if word[0].isupper() else new)

    return re.sub(r"[A-Za-z]+", swap, text)
