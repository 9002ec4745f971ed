"""What every circuitsvis drop-in returns, and the argument checks they share."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..arrays import to_numpy
from ..trace.core import Trace
from ..widgets.attention_groups import check_tokens
from ..widgets.base import Widget


class RenderedHTML:
    """A drawn visualization, like ``circuitsvis.utils.render.RenderedHTML``.

    In a notebook it displays as the live widget it holds (``.widget``); ``str()`` (also
    ``show_code()``, ``local_src`` and ``cdn_src``) is one self-contained HTML page that
    needs no network — the page :meth:`~interpwidgets.widgets.base.Widget.save_html`
    writes, with the same Content-Security-Policy. ``_repr_html_`` gives that page inside
    an ``<iframe srcdoc>``, for tools that show HTML but not widgets.
    """

    def __init__(self, widget: Widget, height: int = 640) -> None:
        self.widget = widget
        self.height = int(height)

    def __str__(self) -> str:
        return self.widget.to_html()

    def show_code(self) -> str:
        """The page's HTML source (the same as ``str()``: there is no CDN version)."""
        return str(self)

    @property
    def local_src(self) -> str:
        return str(self)

    @property
    def cdn_src(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        page = html.escape(str(self), quote=True)
        return (
            f'<iframe srcdoc="{page}" style="width:100%;height:{self.height}px;border:0" '
            'title="interpwidgets view"></iframe>'
        )

    def __html__(self) -> str:
        return self._repr_html_()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # the live widget where widgets render; the page in an iframe everywhere else
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):  # the page itself, not the widgets' short fallback note
            data["text/html"] = self._repr_html_()
        return bundle

    def save_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write the page to ``path`` (see :meth:`Widget.save_html`)."""
        return self.widget.save_html(path, title=title)

    def __repr__(self) -> str:
        return f"<RenderedHTML of {type(self.widget).__name__}>"


def check_values(value: Any, name: str, ndims: tuple[int, ...], what: str) -> np.ndarray:
    """A finite float32 array (torch tensor, numpy array or nested list) of one of ``ndims``."""
    arr = to_numpy(value, name)
    if arr.ndim not in ndims:
        raise ValueError(f"{name}: expected shape {what}, got {tuple(arr.shape)}")
    if 0 in arr.shape:
        raise ValueError(f"{name}: expected no empty dimension, got shape {tuple(arr.shape)}")
    arr = arr.astype(np.float32)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(arr[where]) else "infinite"
        raise ValueError(f"{name}: expected finite numbers, got {kind} at index {list(where)}")
    return arr


def check_number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name}: expected a number or None, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number or None, got {value!r}")
    return float(value)


def check_color(value: Any, name: str) -> str | None:
    """A CSS colour string or None. Accepted for compatibility; the widgets use the project's
    colour-blind-safe palette (blue negative, red positive) in light and dark themes."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name}: expected a CSS colour string or None, got {type(value).__name__}")
    return value


def check_labels(labels: Any, n: int, name: str, what: str) -> list[str] | None:
    if labels is None:
        return None
    labels = check_tokens(labels, name)
    if len(labels) != n:
        raise ValueError(f"{name}: {what} has {n} entries but {len(labels)} labels were given")
    return labels


def text_of(tokens: Sequence[str], start: int = 0) -> tuple[str, np.ndarray]:
    """The tokens joined into one string, and each token's ``[start, end)`` in it."""
    lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    ends = start + np.cumsum(lengths)
    return "".join(tokens), np.stack([ends - lengths, ends], axis=1)


def token_trace(
    samples: Sequence[Sequence[str]], arrays: dict[str, np.ndarray], sep: str = "\n\n"
) -> Trace:
    """One Trace of several token lists (joined by ``sep``) and per-token arrays."""
    parts, offsets, pos = [], [], 0
    for i, toks in enumerate(samples):
        if i:
            parts.append(sep)
            pos += len(sep)
        text, off = text_of(toks, pos)
        parts.append(text)
        offsets.append(off)
        pos += len(text)
    text = "".join(parts)
    if not text:
        raise ValueError("tokens: every token is an empty string; there is no text to show")
    tokens = [t for toks in samples for t in toks]
    return Trace.from_arrays(text, arrays, tokens=tokens, offsets=np.concatenate(offsets))


def vmax_of(values: np.ndarray, min_value: float | None, max_value: float | None) -> float:
    """Half-width of the (symmetric) colour scale: the largest of |min| and |max|."""
    lo = float(values.min()) if min_value is None else min_value
    hi = float(values.max()) if max_value is None else max_value
    v = max(abs(lo), abs(hi))
    return v if v > 0 else 1.0
