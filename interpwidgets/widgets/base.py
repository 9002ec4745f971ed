"""The widget base class: bundle lookup, requests answered on demand, HTML export."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import numpy as np
import traitlets

from ..codec import split_buffers
from ..i18n import browser_strings, check_locale, t
from ..i18n import locale as default_locale
from ..strings import check_json, check_unicode, shorten
from .assets import STATIC as STATIC
from .assets import bundle, css_name, request_key
from .guards import _message, _package_caller, _roles, _trait_message, _what_changed
from .traits import to_wire
from .upstream import module_text

log = logging.getLogger("interpwidgets")

#: Bytes of on-demand replies a widget's own state holds by default (``saved_budget``).
SAVED_BUDGET = 1_000_000


#: Defaults for traits every widget has, read when a widget is created (see :func:`presentation`).
_DEFAULTS: dict[str, Any] = {"presentation": False}


def presentation(on: bool | None = None) -> bool:
    """Turn presentation mode on (or off) for every widget created from now on; returns it.

    Presentation mode shows text about 1.5× larger — token text, labels, axes, canvas labels —
    for a projector. ``iw.presentation(True)`` once at the top of a teaching notebook; each widget
    can still be switched with its "A+" button or its ``presentation`` trait. Widgets that exist
    already keep their mode. ``iw.presentation()`` returns the current default.
    """
    if on is not None:
        if not isinstance(on, (bool, np.bool_)):
            raise TypeError(t("err.presentation", got=type(on).__name__))
        _DEFAULTS["presentation"] = bool(on)
    return bool(_DEFAULTS["presentation"])


def check_title(title: Any) -> str:
    """A caption: a str (shown as text, never as HTML)."""
    if not isinstance(title, str):
        raise TypeError(t("err.title", got=type(title).__name__))
    return check_unicode(title, "title")


def check_budget(budget: Any, name: str = "export_budget") -> int:
    """A byte budget: a positive int."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
        raise TypeError(t("err.budget", name=name, got=type(budget).__name__))
    if budget < 1:
        raise ValueError(t("err.budget", name=name, got=budget))
    return int(budget)


class LayerName(traitlets.Unicode):
    """A layer trait that also takes an index (``w.layer = 1``) and stores the name; the
    widget's ``_resolve(index)`` turns the index into a name."""

    def validate(self, obj: Any, value: Any) -> Any:
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            value = obj._resolve(value)
        return super().validate(obj, value)


class Widget(anywidget.AnyWidget):
    """Base of every interpwidgets widget.

    Subclasses set ``_bundle`` (the file name of their ES module in ``static/``) and answer
    the front-end's requests for data in :meth:`_answer`. Export with :meth:`save_html`.

    ``error`` holds the last exception Python raised while applying a change made in the
    browser (a validator, or a callback registered with ``observe`` — the user's or ours),
    as ``"TypeName: message"`` plus which trait changed; the widget shows it in a box at its
    top, and it is logged to the ``"interpwidgets"`` logger with its traceback. The next
    browser change that applies cleanly, or "dismiss" in the box, sets it back to ``""``.
    Changes made in Python (``w.neuron = 99``) still raise where they are made.

    The state also holds the replies the current view asks for beyond its traits (``_replies``:
    e.g. the neighbouring neurons the view prefetches), at most ``saved_budget`` bytes (default
    1 MB; 0 holds none), so a notebook saved with its widget state still draws the widget when it
    is reopened without a live kernel; anything else then says that no kernel is connected.

    ``presentation`` (two-way) shows the widget's text about 1.5× larger, for a projector; it
    starts at the module default set with :func:`interpwidgets.presentation` and is flipped by
    the widget's "A+" button. The toolbar's PNG / SVG buttons download what the widget shows.

    ``locale`` (``"en"`` or ``"zh"``; the ``locale=`` argument of every widget) is the language
    of the widget's labels, tooltips, legends, toolbar, error box and exported page; it starts at
    :func:`interpwidgets.locale`. The browser reads the labels from ``_strings`` (the catalogue's
    ``ui.`` keys in that language, see :mod:`interpwidgets.i18n`).
    """

    _bundle: ClassVar[str] = ""
    #: per request ``kind``: the keys whose arrays the reply of :meth:`_answer` holds, and the
    #: dtype each is sent as (see :mod:`interpwidgets.widgets.traits`)
    _reply_arrays: ClassVar[dict[str, dict[str, str]]] = {}
    #: True while :meth:`set_state` applies a change sent by the browser
    _syncing = False

    #: the last error raised while applying a change from the browser; "" when none
    error = traitlets.Unicode("").tag(sync=True, browser=True)
    #: presentation mode: text ~1.5× larger (default: :func:`interpwidgets.presentation`)
    presentation = traitlets.Bool().tag(sync=True, browser=True)

    @traitlets.default("presentation")
    def _default_presentation(self) -> bool:
        return bool(_DEFAULTS["presentation"])

    #: the language of labels, tooltips, error box and exported page (default: iw.locale())
    locale = traitlets.Unicode().tag(sync=True)
    #: the browser's labels in ``locale`` (the catalogue's ``ui.`` keys, without the prefix)
    _strings = traitlets.Dict().tag(sync=True, output=True)

    @traitlets.default("locale")
    def _default_locale(self) -> str:
        return default_locale()

    @traitlets.validate("locale")
    def _valid_locale(self, proposal: dict[str, Any]) -> str:
        return check_locale(proposal["value"])

    @traitlets.observe("locale")
    def _locale_changed(self, change: Any) -> None:
        self._strings = browser_strings(change["new"])
        if self.__dict__.get("_labelled"):
            self._relabel()

    def _relabel(self) -> None:
        """Make again, in ``self.locale``, the words Python puts in the traits (notes, ranking
        captions); called when ``locale`` changes on a widget already made. The browser's own
        labels follow ``_strings``. Widgets whose traits hold such words override it."""

    #: replies to the requests the current view makes, held in the widget's own state so a
    #: notebook saved with its widget state draws without a kernel (docs/protocol.md)
    _replies = traitlets.Dict().tag(sync=True, output=True)
    #: at most this many bytes of arrays in ``_replies`` (0: hold none)
    saved_budget = traitlets.Int(SAVED_BUDGET)
    #: traits whose change changes what ``_saved_requests`` returns
    _saved_on: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **kwargs: Any) -> None:
        cls = type(self)
        if cls._bundle and "_esm" not in cls.__dict__:
            # Looked up on first use, not at import, so the package imports before the JS is
            # built; FileContents follows the file when ANYWIDGET_HMR=1.
            cls._esm = module_text(bundle(cls._bundle))
            cls._css = module_text(bundle(css_name(cls._bundle)))
        if kwargs.get("locale") is None:
            kwargs.pop("locale", None)
        else:
            kwargs["locale"] = check_locale(kwargs["locale"])
        super().__init__(**kwargs)
        self._strings = browser_strings(self.locale)
        self._labelled = True
        self.on_msg(self._on_custom_msg)
        self.observe(self._refresh_saved, names=["saved_budget", *self._saved_on])
        self._refresh_saved()

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict[str, Any]:
        """The synced state (ipywidgets), refusing a lone surrogate in any trait by name.

        Every road to the browser passes here — opening the comm, each Python-side change, an
        exported page — so a string that cannot be encoded as UTF-8 is a clear ``ValueError``
        naming the trait, never a comm that does not open or a page half written.
        """
        state = super().get_state(key=key, drop_defaults=drop_defaults)
        for name, value in state.items():
            if not isinstance(value, (bytes, memoryview)):
                check_json(value, name)
        return state

    def notify_change(self, change: Any) -> None:
        """A synced trait set to a value holding a lone surrogate is put back and refused."""
        name = change.get("name")
        if name in self.keys and change.get("type") == "change":
            new = change["new"]
            if isinstance(new, (str, list, tuple, dict)):
                try:
                    check_json(new, name)
                except ValueError:
                    self._trait_values[name] = change["old"]  # as a validator would have
                    raise
        super().notify_change(change)

    # -- who may set which trait --------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        """Trait assignments from Python: output traits (tagged ``output=True``: what the
        widget computed from its data) are read-only outside the package; the others are
        validated, and a type error names the trait (``TypeError``, never traitlets'
        ``TraitError``)."""
        roles = _roles(type(self))
        if name not in roles.traits:
            super().__setattr__(name, value)
            return
        if name in roles.output and not _package_caller():
            raise ValueError(t("err.output_trait", name=name, widget=type(self).__name__))
        if name == "title":
            value = check_title(value)
        try:
            super().__setattr__(name, value)
        except traitlets.TraitError as exc:
            raise TypeError(f"{name}: {_trait_message(exc)}") from None

    # -- changes from the browser -------------------------------------------------------
    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply trait changes sent by the browser; an exception is shown, not lost.

        ipykernel only logs exceptions raised while handling a widget message, so the person
        who clicked would see nothing. Here the exception goes into ``error`` (shown by the
        widget) and to the ``"interpwidgets"`` logger, and the browser is sent the kernel's
        values of the changed traits again (a validator that refused a value rolled it back).
        """
        roles = _roles(type(self))
        refused = [k for k in sync_data if k in roles.traits and k not in roles.browser]
        sent, sync_data = sync_data, {k: v for k, v in sync_data.items() if k not in refused}
        changed = [k for k in sync_data if k in self.keys and k != "error"]
        self._syncing = True  # validators can tell a browser change from a Python one
        try:
            if refused:  # only the traits the browser owns are taken from it
                raise ValueError(t("err.browser_owned", names=", ".join(refused[:3])))
            super().set_state(sync_data)
        except Exception as exc:
            changed = changed + refused
            message = f"{_message(exc)}\n({_what_changed(sent, changed)})"
            log.error("%s: %s", type(self).__name__, message.replace("\n", " "), exc_info=True)
            try:
                self.error = message
                if changed:
                    self.send_state(changed)
            except Exception:  # pragma: no cover - never raise into the comm handler
                log.exception("interpwidgets: could not show the error in the widget")
            return
        finally:
            self._syncing = False
        if changed and self.error and "error" not in sync_data:
            self.error = ""  # this change applied cleanly: the old error is history

    # -- requests -----------------------------------------------------------------------
    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """Data for a front-end request ``body``: JSON plus numpy arrays under the keys
        ``_reply_arrays[body["kind"]]`` names, which :meth:`_wire_reply` encodes."""
        raise ValueError(f"unknown request {shorten(body)}")

    def _wire_reply(self, body: dict[str, Any]) -> dict[str, Any]:
        """The reply to ``body`` as it is sent: :meth:`_answer` with its arrays encoded."""
        data = self._answer(body)
        arrays = self._reply_arrays.get(str(body.get("kind")), {})
        wired: dict[str, Any] = to_wire(data, arrays)
        return wired

    def _reply(self, body: Any) -> tuple[dict[str, Any], list[Any]]:
        """A reply message (without ``type``/``id``) and its buffers, for ``body``."""
        try:
            if not isinstance(body, dict):
                raise ValueError(f"request body: expected an object, got {type(body).__name__}")
            check_json(body, "request body")
            data = self._wire_reply(body)
        except Exception as exc:  # shown in the widget, not lost in a log
            return {"ok": False, "error": _message(exc)}, []
        data, paths, buffers = split_buffers(data)
        return {"ok": True, "data": data, "buffer_paths": paths}, buffers

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "request":
            return
        rid = content.get("id")
        try:
            check_json(rid, "request id")
            reply, buffers = self._reply(content.get("body"))
        except Exception as exc:  # never leave the front-end waiting
            reply, buffers = {"ok": False, "error": _message(exc)}, []
        if isinstance(rid, str):  # echo an id that can be sent (a lone surrogate becomes "?")
            rid = rid.encode("utf-8", "replace").decode("utf-8")
        self.send({"type": "reply", "id": rid, **reply}, buffers)

    def _export_requests(self) -> list[dict[str, Any]]:
        """Request bodies whose replies an exported page should hold."""
        return []

    # -- replies held in the widget state (a saved notebook without a kernel) ---------------
    def _saved_requests(self) -> list[dict[str, Any]]:
        """Request bodies the current view makes (most needed first): their replies go into
        ``_replies`` while they fit in ``saved_budget``. Data the traits already hold (the
        selected column, the selected layer) is not repeated here."""
        return []

    def _reply_nbytes(self, body: dict[str, Any]) -> int | None:
        """Bytes of arrays the reply to ``body`` will hold, when known before computing it
        (``None``: unknown, compute it and measure)."""
        return None

    def _refresh_saved(self, _change: Any = None) -> None:
        """Recompute ``_replies`` for the current view (called when a ``_saved_on`` trait changes)."""
        replies: dict[str, Any] = {}
        used = 0
        budget = max(0, int(self.saved_budget))
        try:
            bodies = self._saved_requests() if budget else []
        except Exception:  # a half-built widget: the next change fills it in
            log.debug("interpwidgets: no saved replies yet", exc_info=True)
            bodies = []
        for body in bodies:
            key = request_key(body)
            if key in replies:
                continue
            known = self._reply_nbytes(body)
            if known is not None and used + known > budget:
                continue  # would not fit: do not encode it only to throw it away
            try:
                data = self._wire_reply(body)
            except Exception:  # not held: asking for it shows the widget's usual message
                log.debug("interpwidgets: %s not held in the widget state", key, exc_info=True)
                continue
            size = sum(memoryview(b).nbytes for b in split_buffers(data)[2])
            if used + size > budget:
                continue
            used += size
            replies[key] = data
        try:
            model_id = self.model_id
        except Exception:  # pragma: no cover - a closed widget
            model_id = ""
        self._replies = {"model_id": model_id, "replies": replies}

    def _export_state(self) -> dict[str, Any]:
        """Extra state only an exported page holds (e.g. which layers it can show)."""
        return {}

    def _export_missing(self) -> str:
        """Message an exported page shows for a request it does not hold."""
        return t("page.missing", self.locale)

    # -- export ---------------------------------------------------------------------------
    def save_html(self, path: str | Path, title: str | None = None, compress: bool = True) -> Path:
        """Write this widget as one self-contained HTML file that opens with no network.

        The page holds the widget's current state plus the data listed by the widget's
        export policy (see the subclass docstring); it is written atomically. Its buffers
        are deflated unless ``compress=False`` (see :func:`interpwidgets.export.save_html`).
        """
        from ..export import save_html

        return save_html(self, path, title=title, compress=compress)

    def to_html(self, title: str | None = None, compress: bool = True) -> str:
        """The self-contained HTML page of :meth:`save_html`, as a string."""
        from ..export import to_html

        return to_html(self, title=title, compress=compress)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget, plus a ``text/html`` fallback for hosts that cannot draw it (a
        notebook reopened without its kernel or saved widget state; see
        :func:`interpwidgets.static_fallback`)."""
        from .fallback import add_fallback

        return add_fallback(self, super()._repr_mimebundle_(**kwargs))
