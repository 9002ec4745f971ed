"""What a widget's output shows where its live view cannot be drawn.

A notebook output of a widget holds a reference to a widget model
(``application/vnd.jupyter.widget-view+json``) that only exists while its kernel runs, or when
the notebook was saved with its widget state. Elsewhere — GitHub's and nbviewer's previews,
``nbconvert`` without the state, JupyterLab opened with "No Kernel" — the host shows the next
representation in the output instead. ipywidgets gives only ``text/plain`` ("NeuronText(...)");
every interpwidgets widget adds a ``text/html`` one, chosen with :func:`static_fallback`:

- ``"note"`` (default): a short box naming the widget and its title, saying that the live view
  needs its kernel or the saved widget state, and how to get either (a few hundred bytes);
- ``"page"``: the widget's own exported page (:meth:`Widget.save_html`, offline, no kernel
  needed) in an ``<iframe srcdoc>``, so a shared notebook shows the widget itself, drawn from
  the state it had when it was displayed; pages over ``PAGE_BUDGET`` bytes get the note
  instead (each such output carries the whole page and its script, ~0.2–1 MB);
- ``None``: none (only ipywidgets' ``text/plain``).

JupyterLab itself always prefers the widget view: a notebook reopened without the saved state
shows "Error displaying widget: model not found" there whatever the fallback; turn on
Settings → "Save Widget State Automatically" before saving (README, "Reopening a notebook").
"""

from __future__ import annotations

import html
from typing import Any

#: Largest exported page (bytes) the ``"page"`` fallback embeds; larger ones get the note.
PAGE_BUDGET = 2_000_000
MODES = ("note", "page", None)
_MODE: dict[str, str | None] = {"mode": "note"}


def static_fallback(mode: str | None = ...) -> str | None:  # type: ignore[assignment]
    """Set (and return) what widget outputs show where the live widget cannot be drawn:
    ``"note"`` (default), ``"page"`` (the exported page itself) or ``None``; with no argument,
    return the current choice. It applies to outputs displayed from now on."""
    if mode is not ...:
        if mode not in MODES:
            raise ValueError(f"mode: expected 'note', 'page' or None, got {mode!r}")
        _MODE["mode"] = mode
    return _MODE["mode"]


def _note(widget: Any, extra: str = "") -> str:
    name = type(widget).__name__
    title = str(getattr(widget, "title", "") or "")
    head = f"<b>{html.escape(name)}</b>" + (f" · {html.escape(title)}" if title else "")
    return (
        '<div class="iw-fallback" style="font:13px/1.45 system-ui,sans-serif;color:#1f2328;'
        "background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;"
        'max-width:640px">'
        f"{head} — an interactive interpwidgets view, drawn live by its kernel. "
        "It is not shown here because this notebook was opened without that kernel or without "
        "the saved widget state. Run the cell again to see it; to keep it in the saved "
        "notebook, turn on <i>Settings → Save Widget State Automatically</i> in JupyterLab "
        "before saving, or save a page that opens anywhere with "
        "<code>widget.save_html(&quot;page.html&quot;)</code>."
        f"{extra}</div>"
    )


def fallback_html(widget: Any) -> str | None:
    """The ``text/html`` fallback of ``widget`` under the current :func:`static_fallback`."""
    mode = _MODE["mode"]
    if mode is None:
        return None
    if mode == "page":
        page = widget.to_html()
        if len(page.encode("utf-8")) <= PAGE_BUDGET:
            return (
                f'<iframe srcdoc="{html.escape(page, quote=True)}" '
                'style="width:100%;height:560px;border:0" '
                f'title="{html.escape(type(widget).__name__)} (saved view)"></iframe>'
            )
        size = len(page.encode("utf-8")) / 1e6
        return _note(
            widget,
            f" <span style='color:#59636e'>(its page, {size:.1f} MB, is over the "
            f"{PAGE_BUDGET / 1e6:.0f} MB the notebook embeds)</span>",
        )
    return _note(widget)


def add_fallback(widget: Any, bundle: Any) -> Any:
    """``bundle`` (ipywidgets' ``_repr_mimebundle_`` answer) with the ``text/html`` fallback."""
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    if isinstance(data, dict) and "text/html" not in data:
        extra = fallback_html(widget)
        if extra is not None:
            data["text/html"] = extra
    return bundle
