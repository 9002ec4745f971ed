"""Ground-truth features of text, one value per character, to find neurons that track them.

``python_code(text)`` uses Python's own ``tokenize`` (the cells Karpathy et al. found in
char-RNNs: inside a string, inside a comment, bracket depth, column, indentation, line
length); code that does not tokenize (a partial snippet, a syntax error) falls back to a
small scanner from the point where ``tokenize`` stopped. ``plain_text(text)`` works on any
text. Each returns ``dict[name, ndarray (len(text),)]`` — booleans as ``bool``, counts as
``int64``.
"""

from __future__ import annotations

import io
import re
import tokenize

import numpy as np

from .trace.core import _check_text as _check

_STRING_TYPES = {tokenize.STRING}
for _name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END"):
    if hasattr(tokenize, _name):
        _STRING_TYPES.add(getattr(tokenize, _name))


def _code_points(text: str) -> np.ndarray:
    """One uint32 per character (lone surrogates included, which UTF-32 cannot encode)."""
    return np.fromiter(map(ord, text), dtype=np.uint32, count=len(text))


def _line_starts(text: str) -> np.ndarray:
    return np.array([0] + [m.end() for m in re.finditer("\n", text)], dtype=np.int64)


def _lines_features(text: str) -> dict[str, np.ndarray]:
    n = len(text)
    starts = _line_starts(text)
    line_of = np.searchsorted(starts, np.arange(n), side="right") - 1
    column = np.arange(n) - starts[line_of]
    lines = text.split("\n")
    length = np.array([len(line) for line in lines], dtype=np.int64)
    indent = np.array([len(line) - len(line.lstrip(" \t")) for line in lines], dtype=np.int64)
    return {
        "column": column.astype(np.int64),
        "line_length": length[line_of],
        "indent_level": indent[line_of],
        "line_number": line_of.astype(np.int64),
    }


def _tokenize_spans(text: str) -> tuple[list[tuple[int, int, int]], int]:
    """(type, start, end) character spans from ``tokenize``, and how far it got."""
    starts = _line_starts(text)
    spans: list[tuple[int, int, int]] = []
    reached = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            (r0, c0), (r1, c1) = tok.start, tok.end
            if r0 - 1 >= len(starts) or r1 - 1 >= len(starts):
                break
            s, e = int(starts[r0 - 1] + c0), int(starts[r1 - 1] + c1)
            if tok.type == tokenize.ERRORTOKEN and text[s : s + 1] in ("'", '"'):
                return spans, s  # an unterminated string: the scanner takes over here
            spans.append((tok.type, s, min(e, len(text))))
            reached = max(reached, min(e, len(text)))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    else:
        reached = len(text)
    return spans, reached


def _scan(text: str, start: int, in_string: np.ndarray, in_comment: np.ndarray) -> None:
    """A forgiving scanner for strings and comments, from ``start`` to the end."""
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            in_comment[i:j] = True
            i = j
        elif ch in "'\"":
            q = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else ch
            j = i + len(q)
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(q, j) or (len(q) == 1 and text[j] == "\n"):
                    break
                j += 1
            if j < n and text.startswith(q, j):  # closed: its last quote is outside
                end = j + len(q)
                in_string[i : end - 1] = True
            else:  # unterminated: inside up to the end of the line (or text)
                end = min(j, n)
                in_string[i:end] = True
            i = max(end, i + 1)
        else:
            i += 1


def python_code(text: str) -> dict[str, np.ndarray]:
    """Per-character ground truth for Python source.

    ``in_string`` is true from a string's opening quote up to (not including) its last
    closing quote — after reading those characters a reader is inside the string;
    ``in_comment`` covers ``#`` to the end of the line; ``bracket_depth`` counts ``([{``
    open after reading the character (strings and comments excluded); ``column``,
    ``indent_level``, ``line_length``, ``line_number``; ``in_name`` / ``in_number`` /
    ``in_keyword`` from the token types.
    """
    import keyword

    text = _check(text)
    n = len(text)
    in_string = np.zeros(n, dtype=bool)
    in_comment = np.zeros(n, dtype=bool)
    in_name = np.zeros(n, dtype=bool)
    in_number = np.zeros(n, dtype=bool)
    in_keyword = np.zeros(n, dtype=bool)
    spans, reached = _tokenize_spans(text)
    for typ, s, e in spans:
        if typ in _STRING_TYPES:
            q = min((p for p in (text.find("'", s, e), text.find('"', s, e)) if p >= 0), default=s)
            in_string[q : max(q, e - 1)] = True
        elif typ == tokenize.COMMENT:
            in_comment[s:e] = True
        elif typ == tokenize.NAME:
            (in_keyword if keyword.iskeyword(text[s:e]) else in_name)[s:e] = True
        elif typ == tokenize.NUMBER:
            in_number[s:e] = True
    if reached < n:
        _scan(text, reached, in_string, in_comment)
    # f-strings tokenized in pieces: the closing quote is outside, the pieces between inside
    chars = _code_points(text)
    code = ~(in_string | in_comment)
    delta = np.zeros(n, dtype=np.int64)
    delta[code & np.isin(chars, [ord("("), ord("["), ord("{")])] = 1
    delta[code & np.isin(chars, [ord(")"), ord("]"), ord("}")])] = -1
    depth = np.maximum(np.cumsum(delta), 0)
    return {
        "in_string": in_string,
        "in_comment": in_comment,
        "bracket_depth": depth,
        "in_name": in_name,
        "in_number": in_number,
        "in_keyword": in_keyword,
        **_lines_features(text),
    }


def plain_text(text: str) -> dict[str, np.ndarray]:
    """Per-character features of any text: quotes, parentheses, words and sentences.

    ``in_quotes`` (between matching ``"`` or curly quotes), ``in_parentheses`` (depth > 0),
    ``position_in_word`` (0 at a word's first character, -1 outside words),
    ``position_in_sentence`` (characters since the sentence began), ``column``.
    """
    text = _check(text)
    n = len(text)
    in_quotes = np.zeros(n, dtype=bool)
    inside = False
    for i, ch in enumerate(text):
        if ch in '"“”':
            opening = ch == "“" or (ch == '"' and not inside)
            inside = opening
            in_quotes[i] = opening
        else:
            in_quotes[i] = inside
    chars = _code_points(text)
    delta = np.where(chars == ord("("), 1, np.where(chars == ord(")"), -1, 0))
    depth = np.maximum(np.cumsum(delta), 0)
    word = np.array([c.isalnum() or c in "'’_" for c in text])
    pos_word = np.full(n, -1, dtype=np.int64)
    run = -1
    for i in range(n):
        run = run + 1 if word[i] else -1
        pos_word[i] = run
    pos_sent = np.zeros(n, dtype=np.int64)
    start = 0
    for m in re.finditer(r"[.!?。！？]+[\s\"”’)]*|\n\s*\n", text):
        pos_sent[start : m.end()] = np.arange(m.end() - start)
        start = m.end()
    pos_sent[start:] = np.arange(n - start)
    return {
        "in_quotes": in_quotes,
        "in_parentheses": depth > 0,
        "position_in_word": pos_word,
        "position_in_sentence": pos_sent,
        "column": _lines_features(text)["column"],
    }
