"""The two languages of everything a student reads: ``iw.locale("zh")`` / ``iw.locale("en")``.

Every user-visible string — widget labels, tooltips, legends, the toolbar, error boxes, an
exported page's text, the course's verdicts and hints, and the widgets' argument errors — lives
in one catalogue per language, ``en.json`` and ``zh.json`` beside this file: a flat JSON object
from key to text, where ``{name}`` fields are filled in with :meth:`str.format`. Keys starting
``ui.`` are the browser's: each widget sends them in its ``_strings`` trait, so the front-end
and an exported page show the widget's language. The other keys are read by Python with
:func:`t`. ``tests/test_i18n.py`` fails when a key is missing in either language or unused.

``iw.locale(lang)`` sets the default for widgets created from then on and for the messages
Python raises; each widget also takes ``locale=`` (and has a ``locale`` trait).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

#: the languages with a catalogue
LANGUAGES = ("en", "zh")

_STATE = {"lang": "en"}


def check_locale(lang: Any, name: str = "locale") -> str:
    """``lang`` as a catalogue name (``"zh-CN"`` → ``"zh"``), or a ValueError naming ``name``."""
    if not isinstance(lang, str):
        raise TypeError(t("err.locale", name=name, langs=list(LANGUAGES), got=type(lang).__name__))
    short = lang.strip().lower().replace("_", "-").split("-")[0]
    if short not in LANGUAGES:
        raise ValueError(t("err.locale", name=name, langs=list(LANGUAGES), got=repr(lang)))
    return short


def locale(lang: str | None = None) -> str:
    """Set the language of widgets created from now on and of Python's messages; returns it.

    ``iw.locale("zh")`` at the top of a notebook: labels, tooltips, legends, toolbar, error boxes
    and exported pages of every widget made afterwards are in Chinese, as are the course's
    verdicts and the widgets' argument errors. Widgets that exist keep their language (set
    ``w.locale = "zh"`` to switch one). ``iw.locale()`` returns the current language.
    """
    if lang is not None:
        _STATE["lang"] = check_locale(lang, "lang")
    return _STATE["lang"]


def resolve(lang: Any = None) -> str:
    """``lang`` as a catalogue name, or the current :func:`locale` when it is None (what a
    widget made with ``locale=lang`` speaks)."""
    return _STATE["lang"] if lang is None else check_locale(lang)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The whole catalogue of ``lang`` (``"en"`` or ``"zh"``): key → text."""
    lang = check_locale(lang, "lang") if lang not in LANGUAGES else lang
    text = resources.files(__name__).joinpath(f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(text)


def t(key: str, lang: str | None = None, **fields: Any) -> str:
    """The text of ``key`` in ``lang`` (default: :func:`locale`), its ``{fields}`` filled in.

    A key missing in ``lang`` falls back to English (the test keeps both complete).
    """
    lang = _STATE["lang"] if lang is None else lang
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue("en")[key]
    return text.format(**fields) if fields else text


def browser_strings(lang: str) -> dict[str, str]:
    """The ``ui.`` strings of ``lang`` without their prefix: what a widget's front-end reads."""
    return {k[3:]: v for k, v in catalogue(lang).items() if k.startswith("ui.")}


__all__ = ["LANGUAGES", "browser_strings", "catalogue", "check_locale", "locale", "resolve", "t"]
