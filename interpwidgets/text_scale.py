"""Text on a colour scale, one ink per theme: the Python mirror of ``js/src/shared/text_scale.ts``.

The widgets draw text on shades that keep one ink colour in each theme, so a word never
changes colour half-way: in the light theme dark ink (``#111``) on the ColorBrewer scales
capped where that ink still keeps :data:`TEXT_CONTRAST` (as Karpathy et al. 2016 kept theirs),
in the dark theme light ink (``#eee``) on shades of a dark scale. The static figures
(:func:`interpwidgets.figures.neuron_text_figure`) take their colours from here, so a figure
shows what the widget shows; ``tests/test_text_scale.py`` compares colours with the browser's.
"""

from __future__ import annotations

import math
from typing import Literal

RGB = tuple[int, int, int]
Theme = Literal["light", "dark"]
#: ``"diverging"``: positions −1..1, blue · neutral · red; ``"sequential"``: 0..1, neutral → blue.
Ramp = Literal["diverging", "sequential"]

#: ColorBrewer RdBu reversed (js/src/shared/colors.ts DIVERGING_STOPS).
DIVERGING_STOPS = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)  # fmt: skip
#: ColorBrewer Blues (js/src/shared/sequential.ts SEQUENTIAL_STOPS).
SEQUENTIAL_STOPS = (
    "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b",
)  # fmt: skip
#: The ink of text on the text scales, one per theme.
INK: dict[str, str] = {"light": "#111", "dark": "#eee"}
#: The contrast every text shade keeps with its theme's ink (a little over WCAG AA's 4.5).
TEXT_CONTRAST = 4.6
#: Missing (NaN) values under text, per theme.
MISSING: dict[str, RGB] = {"light": (189, 189, 189), "dark": (85, 85, 85)}


def hex_to_rgb(h: str) -> RGB:
    """``"#rrggbb"`` or ``"#rgb"`` as an (r, g, b) of 0..255."""
    h = h.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _round(x: float) -> int:
    # JavaScript's Math.round: halves go up
    return math.floor(x + 0.5)


def interpolate_stops(stops: tuple[RGB, ...], u: float) -> RGB:
    """Colour at ``u`` in 0..1 along ``stops`` (clipped; linear in RGB between neighbours)."""
    pos = max(0.0, min(1.0, u)) * (len(stops) - 1)
    i = min(len(stops) - 2, math.floor(pos))
    f = pos - i
    a, b = stops[i], stops[i + 1]
    return tuple(_round(a[k] + (b[k] - a[k]) * f) for k in range(3))  # type: ignore[return-value]


def luminance(rgb: RGB) -> float:
    """WCAG relative luminance of an sRGB colour (0 black .. 1 white)."""

    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio of two colours (1 .. 21)."""
    x, y = luminance(a), luminance(b)
    return (max(x, y) + 0.05) / (min(x, y) + 0.05)


_RDBU = tuple(hex_to_rgb(h) for h in DIVERGING_STOPS)
_BLUES = tuple(hex_to_rgb(h) for h in SEQUENTIAL_STOPS)
_DARK_NEUTRAL: RGB = (42, 42, 42)
_DARK_DIVERGING = (hex_to_rgb("#2166ac"), _DARK_NEUTRAL, hex_to_rgb("#b2182b"))
_DARK_SEQUENTIAL = (_DARK_NEUTRAL, hex_to_rgb("#2166ac"))
_INK_LIGHT = hex_to_rgb(INK["light"])


def _reach(at, ink: RGB) -> float:
    # how far along 0..1 the shades keep TEXT_CONTRAST with ink (the first step that does not, less one)
    steps = 1000
    for k in range(1, steps + 1):
        if contrast(at(k / steps), ink) < TEXT_CONTRAST:
            return (k - 1) / steps
    return 1.0


#: The part of each light scale dark ink stays readable on (≈ 0.6 of RdBu's half, 0.7 of Blues).
LIGHT_REACH: dict[str, float] = {
    "diverging": min(
        _reach(lambda u: interpolate_stops(_RDBU, 0.5 + u / 2), _INK_LIGHT),
        _reach(lambda u: interpolate_stops(_RDBU, 0.5 - u / 2), _INK_LIGHT),
    ),
    "sequential": _reach(lambda u: interpolate_stops(_BLUES, u), _INK_LIGHT),
}


def text_background(ramp: Ramp, p: float, theme: Theme = "light") -> RGB:
    """The background of text at position ``p`` of ``ramp`` in ``theme`` (diverging ``p`` in
    −1..1, sequential 0..1, clipped); NaN gives the theme's missing grey."""
    if ramp not in ("diverging", "sequential"):
        raise ValueError(f"ramp: expected 'diverging' or 'sequential', got {ramp!r}")
    if theme not in ("light", "dark"):
        raise ValueError(f"theme: expected 'light' or 'dark', got {theme!r}")
    if math.isnan(p):
        return MISSING[theme]
    if ramp == "sequential":
        u = max(0.0, min(1.0, p))
        if theme == "dark":
            return interpolate_stops(_DARK_SEQUENTIAL, u)
        return interpolate_stops(_BLUES, u * LIGHT_REACH["sequential"])
    t = max(-1.0, min(1.0, p))
    if theme == "dark":
        return interpolate_stops(_DARK_DIVERGING, (t + 1) / 2)
    return interpolate_stops(_RDBU, 0.5 + t * LIGHT_REACH["diverging"] / 2)


def text_colormap(ramp: Ramp, theme: Theme = "light", n: int = 256):
    """The text scale as a matplotlib colormap over 0..1 (the low end first), for colour bars."""
    from matplotlib.colors import ListedColormap

    lo = 0.0 if ramp == "sequential" else -1.0
    colours = [
        tuple(c / 255 for c in text_background(ramp, lo + (1 - lo) * k / (n - 1), theme))
        for k in range(n)
    ]
    return ListedColormap(colours, name=f"interpwidgets_text_{ramp}_{theme}")
