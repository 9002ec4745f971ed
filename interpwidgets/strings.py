"""Strings a user hands in, checked once: lone surrogates are refused at the door.

A lone surrogate (``"\\ud800"``, or what ``errors="surrogateescape"`` makes of undecodable
bytes) is a Python ``str`` but not Unicode text: it cannot be encoded as UTF-8, so a widget
could not send it to the browser and ``save_html`` could not write it. Every entry point
(text, tokens, layer names, labels, titles, a widget's traits, a request from the browser)
refuses it with a ``ValueError`` naming the argument and the position, and saying how to get
text that works (decode with ``errors="replace"``, which shows each bad byte as U+FFFD).
A leaf module: imports nothing of the package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_HINT = (
    "it is not valid Unicode and cannot be shown or saved; decode the bytes with "
    "errors='replace' (each bad byte shows as U+FFFD) or fix the source"
)


def _bad_index(s: str) -> int | None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def check_unicode(value: str, name: str) -> str:
    """``value`` unchanged, or ``ValueError`` naming ``name`` and where the lone surrogate is."""
    i = _bad_index(value)
    if i is not None:
        raise ValueError(
            f"{name}: contains a lone surrogate {value[i]!r} at character {i}; {_HINT}"
        )
    return value


def check_unicode_items(values: Iterable[str], name: str) -> None:
    """Check many strings at once (one encode of their join; per item only on failure)."""
    values = list(values)
    if _bad_index("".join(values)) is None:
        return
    for i, v in enumerate(values):
        check_unicode(v, f"{name}[{i}]")


def find_lone_surrogate(obj: Any, path: str) -> str | None:
    """The path (``"labels[2]"``, ``"series['acc']"``) of the first string in a JSON-like
    value holding a lone surrogate, or ``None``."""
    if isinstance(obj, str):
        return path if _bad_index(obj) is not None else None
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if isinstance(k, str) and _bad_index(k) is not None:
                return f"{path} (key {k!r})"
            found = find_lone_surrogate(v, f"{path}[{k!r}]")
            if found:
                return found
    elif isinstance(obj, (list, tuple)):
        if all(isinstance(v, str) for v in obj) and _bad_index("".join(obj)) is None:
            return None  # a list of clean strings (tokens): one encode, at C speed
        for i, v in enumerate(obj):
            found = find_lone_surrogate(v, f"{path}[{i}]")
            if found:
                return found
    return None


def check_json(obj: Any, name: str) -> Any:
    """``obj`` unchanged, or ``ValueError`` naming where in it a lone surrogate is."""
    where = find_lone_surrogate(obj, name)
    if where is not None:
        raise ValueError(f"{where}: contains a lone surrogate; {_HINT}")
    return obj


def shorten(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for echoing what a user or a browser
    sent inside an error message (a 10 MB name is not repeated back)."""
    import reprlib

    r = reprlib.Repr()
    r.maxstring = r.maxother = limit
    r.maxlist = r.maxdict = r.maxtuple = 4
    return r.repr(value)
