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


def text_families() -> list[str]:
    """The font families a figure's text uses: matplotlib's sans-serif face first (Latin looks
    as it always did), then the installed :data:`CJK_FONTS` for Han characters."""
    from matplotlib import font_manager, rcParams

    installed = {f.name for f in font_manager.fontManager.ttflist}
    first = [f for f in rcParams["font.sans-serif"] if f in installed][:1] or ["DejaVu Sans"]
    return first + [f for f in CJK_FONTS if f in installed]


def cjk_text(fig: Any) -> Any:
    """Give every text of ``fig`` (titles, labels, ticks, legends) :func:`text_families`, so
    Chinese labels and tokens draw as characters, not boxes; returns ``fig``."""
    from matplotlib.text import Text

    families = text_families()
    if len(families) > 1:
        for text in fig.findobj(Text):
            if text.get_fontfamily() != ["monospace"]:
                text.set_fontfamily(families)
    return fig
