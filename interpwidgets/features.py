"""Ground-truth features of text, one value per character, to find neurons that track them.

``python_code(text)`` uses Python's own ``tokenize`` (the cells Karpathy et al. found in
char-RNNs: inside a string, inside a comment, bracket depth, column, indentation, line
length); code that does not tokenize (a partial snippet, a syntax error) falls back to a
small scanner from the point where ``tokenize`` stopped. ``plain_text(text)`` works on any
text. Each returns ``dict[name, ndarray (len(text),)]`` — booleans as ``bool``, counts as
``int64``.

Strings come in three features, because code separates two kinds that behave differently
(in scientific code docstrings are most of the string characters):

- ``in_docstring`` — a module, class or function docstring: the first statement of a
  module, ``class`` or ``def`` body when it is a bare string expression (Python's own rule,
  as ``ast.get_docstring`` reads it; f-strings and bytes are never docstrings). When the
  text parses, the spans come from ``ast``; when it does not (a cut snippet, a syntax
  error), the same rule is applied to the tokens ``tokenize`` produced (first statement
  after the text's start or after a ``def``/``class`` header's ``:``, made only of string
  tokens and ending its line), and past the point where ``tokenize`` stopped, a
  triple-quoted string that opens a line right after a ``def``/``class`` header line (or
  opens the text) counts as a docstring. A snippet that *starts* inside a string cannot be
  recognised: it is read as code up to that string's closing quote.
- ``in_string_literal`` — every other string literal: ordinary strings, bytes, f-strings
  (their ``{…}`` fields included), raw strings.
- ``in_string`` — their union: inside any string.
"""

from __future__ import annotations

import ast
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


_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _tokenize_spans(text: str) -> tuple[list[tuple[int, int, int]], int]:
    """(type, start, end) character spans from ``tokenize``, and how far it got.

    On Python ≥ 3.12 an f-string comes as pieces (start, middles, fields, end); they are
    merged here into one ``STRING`` span, as older Pythons tokenize it.
    """
    starts = _line_starts(text)
    spans: list[tuple[int, int, int]] = []
    reached = 0
    fstrings: list[int] = []  # start of each open f-string (they nest)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            (r0, c0), (r1, c1) = tok.start, tok.end
            if r0 - 1 >= len(starts) or r1 - 1 >= len(starts):
                break
            s, e = int(starts[r0 - 1] + c0), int(starts[r1 - 1] + c1)
            e = min(e, len(text))
            if tok.type == tokenize.ERRORTOKEN and text[s : s + 1] in ("'", '"'):
                return spans, s  # an unterminated string: the scanner takes over here
            if tok.type == _FSTRING_START:
                fstrings.append(s)
            elif tok.type == _FSTRING_END and fstrings:
                start = fstrings.pop()
                if not fstrings:
                    spans.append((tokenize.STRING, start, e))
            elif not fstrings:
                spans.append((tok.type, s, e))
            reached = max(reached, e)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    else:
        reached = len(text)
    return spans, reached


def _scan(
    text: str, start: int, in_string: np.ndarray, in_comment: np.ndarray
) -> list[tuple[int, int, str]]:
    """A forgiving scanner for strings and comments, from ``start`` to the end.

    Returns the strings it found as ``(start, end, opening quote)``.
    """
    found: list[tuple[int, int, str]] = []
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
            found.append((i, end, q))
            i = max(end, i + 1)
        else:
            i += 1
    return found


def _docstring_spans_ast(text: str) -> list[tuple[int, int]] | None:
    """Docstring expressions as character spans, from ``ast`` (None when the text does not parse)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            tree = ast.parse(text)
    except (SyntaxError, ValueError, UnicodeError, RecursionError, MemoryError, OverflowError):
        return None
    starts = _line_starts(text)

    def char(line: int, col: int) -> int:  # ast columns are UTF-8 byte offsets
        a = int(starts[min(line - 1, len(starts) - 1)])
        if text[a : a + col].isascii():
            return a + col
        raw = text[a:].split("\n", 1)[0].encode("utf-8", "surrogatepass")[:col]
        return a + len(raw.decode("utf-8", "surrogatepass"))

    spans = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            v = first.value
            assert v.end_lineno is not None and v.end_col_offset is not None  # set by ast.parse
            spans.append((char(v.lineno, v.col_offset), char(v.end_lineno, v.end_col_offset)))
    return spans


def _is_plain_string(token: str) -> bool:
    """A string token that could be (part of) a docstring: no f or b prefix."""
    prefix = token[: min((p for p in (token.find("'"), token.find('"')) if p >= 0), default=0)]
    return not set(prefix.lower()) & {"f", "b"}


def _docstring_spans_tokens(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Python's docstring rule applied to tokens, for text that does not parse.

    A docstring is the first statement of the text or of a ``def``/``class`` body (after the
    header's ``:`` at bracket depth 0, on the same line or after NEWLINE INDENT), made only
    of plain string tokens and ending with NEWLINE, ``;`` or the end of the tokens.
    """
    skip = {tokenize.NL, tokenize.COMMENT, tokenize.ENCODING}
    toks = [t for t in spans if t[0] not in skip]
    ends = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    out: list[tuple[int, int]] = []
    expect, at_start, header, depth = True, True, False, 0
    for i, (typ, s, e) in enumerate(toks):
        if typ in ends:
            at_start = True
            if typ == tokenize.NEWLINE:
                header = False
            continue
        if typ == tokenize.ENDMARKER:
            break
        word = text[s:e]
        if at_start:
            at_start = False
            if expect and typ == tokenize.STRING:
                j = i
                while j < len(toks) and toks[j][0] == tokenize.STRING:
                    j += 1
                nxt = toks[j] if j < len(toks) else (tokenize.ENDMARKER, e, e)
                closes = nxt[0] in (tokenize.NEWLINE, tokenize.ENDMARKER) or (
                    nxt[0] == tokenize.OP and text[nxt[1] : nxt[2]] == ";"
                )
                if closes and all(_is_plain_string(text[a:b]) for _, a, b in toks[i:j]):
                    out.append((s, toks[j - 1][2]))
            expect = False
            nxt_word = text[toks[i + 1][1] : toks[i + 1][2]] if i + 1 < len(toks) else ""
            if typ == tokenize.NAME and (
                word in ("def", "class") or (word == "async" and nxt_word == "def")
            ):
                header, depth = True, 0
        if typ != tokenize.OP:
            continue
        if header:
            if word in ("(", "[", "{"):
                depth += 1
            elif word in (")", "]", "}"):
                depth -= 1
            elif word == ":" and depth <= 0:
                header, expect, at_start = False, True, True  # the body starts here
        elif word == ";":
            at_start = True
    return out


_HEADER = re.compile(r"\s*(?:async\s+def|def|class)\b.*:\s*(?:#.*)?$")


def _docstring_spans_scanned(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Past where ``tokenize`` stopped: a triple-quoted string opening a line right after a
    ``def``/``class`` header line (or opening the text, comments and blank lines aside)."""
    out = []
    for s, e, q in found:
        if len(q) != 3:
            continue
        line_start = text.rfind("\n", 0, s) + 1
        if text[line_start:s].strip(" \t").lower() not in ("", "r", "u"):
            continue
        before = [
            line
            for line in text[:line_start].split("\n")
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not before or _HEADER.match(before[-1]):
            out.append((s, e))
    return out


def python_code(text: str) -> dict[str, np.ndarray]:
    """Per-character ground truth for Python source.

    ``in_string`` is true from a string's opening quote up to (not including) its last
    closing quote — after reading those characters a reader is inside the string; it is
    the union of ``in_docstring`` (module, class and function docstrings) and
    ``in_string_literal`` (every other string, f-strings and bytes included) — see the
    module docstring for how docstrings are found in code that does not parse;
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
    found = _scan(text, reached, in_string, in_comment) if reached < n else []
    doc_spans = _docstring_spans_ast(text)
    if doc_spans is None:
        doc_spans = _docstring_spans_tokens(text, spans) + _docstring_spans_scanned(text, found)
    in_doc = np.zeros(n, dtype=bool)
    for s, e in doc_spans:
        in_doc[s:e] = True
    in_doc &= in_string
    chars = _code_points(text)
    code = ~(in_string | in_comment)
    delta = np.zeros(n, dtype=np.int64)
    delta[code & np.isin(chars, [ord("("), ord("["), ord("{")])] = 1
    delta[code & np.isin(chars, [ord(")"), ord("]"), ord("}")])] = -1
    depth = np.maximum(np.cumsum(delta), 0)
    return {
        "in_string": in_string,
        "in_docstring": in_doc,
        "in_string_literal": in_string & ~in_doc,
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
