"""The fonts of the matplotlib figures: Latin as matplotlib draws it, Han characters in an
installed CJK face (one place for every figure module)."""

from __future__ import annotations

from typing import Any

#: Faces a figure's text falls back to for Chinese (matplotlib's DejaVu Sans has no Han
#: glyphs), in the order export.py's pages ask for them; only the installed ones are used.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
)


def text_families(monospace: bool = False) -> list[str]:
    """The font families a figure's text uses: matplotlib's sans-serif face first (Latin looks
    as it always did), then the installed :data:`CJK_FONTS` for Han characters (matplotlib
    ≥ 3.6 takes each glyph from the first family that has it).

    ``monospace=True``: matplotlib's monospace face first instead (per-character text, as
    :func:`~interpwidgets.figures.neuron_text_figure` draws it), the same CJK faces after it.
    """
    from matplotlib import font_manager, rcParams

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if monospace:
        first = [f for f in rcParams["font.monospace"] if f in installed][:1]
        first = first or ["DejaVu Sans Mono"]
    else:
        first = [f for f in rcParams["font.sans-serif"] if f in installed][:1] or ["DejaVu Sans"]
    return first + [f for f in CJK_FONTS if f in installed]


def cjk_text(fig: Any) -> Any:
    """Give every text of ``fig`` (titles, labels, ticks, legends) :func:`text_families`, so
    Chinese labels and tokens draw as characters, not boxes; a text drawn in
    ``family="monospace"`` gets the monospace list (its face first, the CJK faces after it).
    Returns ``fig``."""
    from matplotlib.text import Text

    families = text_families()
    if len(families) > 1:
        mono = text_families(monospace=True)
        for text in fig.findobj(Text):
            text.set_fontfamily(mono if text.get_fontfamily() == ["monospace"] else families)
    return fig
