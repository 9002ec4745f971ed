"""How a widget guards its traits and words its errors: which traits Python and the browser may
set (output traits are the package's own; browser-owned traits are the only ones the browser
sets), and an exception as the short message the widget shows."""

from __future__ import annotations

import re
import reprlib
import sys
from typing import Any

import anywidget
import traitlets

from ..i18n import t


class _Roles:
    """A widget class's own synced traits, and which of them are outputs / browser-owned."""

    def __init__(self, cls: type[traitlets.HasTraits]) -> None:
        own = set(cls.class_trait_names(sync=True)) - set(
            anywidget.AnyWidget.class_trait_names(sync=True)
        )
        self.traits = frozenset(own)
        self.output = frozenset(cls.class_trait_names(output=True))
        self.browser = frozenset(cls.class_trait_names(browser=True))


_ROLES: dict[type, _Roles] = {}


def _roles(cls: type[traitlets.HasTraits]) -> _Roles:
    got = _ROLES.get(cls)
    if got is None:
        got = _ROLES[cls] = _Roles(cls)
    return got


def _package_caller() -> bool:
    """Whether the assignment being made comes from this package's own code (or traitlets,
    which applies constructor arguments): output traits are written only there."""
    module = sys._getframe(2).f_globals.get("__name__", "")
    return module.startswith(("interpwidgets.", "traitlets."))


_TRAITLETS_PREFIX = re.compile(r"^The '[^']*' trait of an? \w+ instance ")


def _trait_message(exc: BaseException) -> str:
    """traitlets' "The 'x' trait of a W instance expected an int, not …" → "expected an int, not …"."""
    return _TRAITLETS_PREFIX.sub("", str(exc).split("\n")[0])


#: An error sent to the browser or shown in the widget is cut to this many characters.
ERROR_LIMIT = 2000


def _message(exc: BaseException) -> str:
    """``"TypeName: message"``, cut to :data:`ERROR_LIMIT` characters (messages that echo
    what was sent are not repeated back at full length)."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, traitlets.TraitError):  # as a TypeError naming the trait
        name = re.match(r"^The '([^']*)' trait", str(exc))
        text = f"TypeError: {name.group(1) + ': ' if name else ''}{_trait_message(exc)}"
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - 1] + "…"


def _what_changed(sync_data: dict[str, Any], names: list[str]) -> str:
    """``raised after the browser set neuron = 3`` (values shortened), for an error hint."""
    if not names:
        return t("err.while_applying")
    short = reprlib.Repr()
    short.maxstring = short.maxother = 40
    short.maxlist = short.maxdict = 4
    parts = []
    for name in names[:3]:
        value = sync_data[name]
        parts.append(f"{name} = {short.repr(value)}" if not isinstance(value, bytes) else name)
    more = t("err.more", n=len(names) - 3) if len(names) > 3 else ""
    return t("err.after_browser_set", changes=", ".join(parts)) + more
