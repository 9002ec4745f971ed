"""NeuronText's static counterpart: the text coloured by one neuron, as a matplotlib figure
(``interpwidgets.figures`` re-exports :func:`neuron_text_figure`)."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np

from .figure_fonts import cjk_text
from .i18n import resolve, t
from .trace.core import Trace


def _char_width(ch: str) -> int:
    """Columns one character takes: 2 for East Asian Wide/Fullwidth (Han, kana, most emoji),
    1 otherwise (combining marks join the character before them in :func:`_cells`)."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


_ZWJ = "\u200d"
_VS16 = "\ufe0f"  # emoji presentation: the character before it draws as a (wide) emoji


def _joins(prev: str, ch: str) -> bool:
    """Whether ``ch`` belongs to the grapheme cluster ``prev`` ends (an approximation of
    UAX #29 for what a character-level text holds): combining marks, joiners, variation
    selectors, emoji skin tones, the character after a ZWJ, the second flag letter."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
        return True
    if ch == _ZWJ or "\ufe00" <= ch <= "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff":
        return True
    if prev.endswith(_ZWJ):
        return True
    regional = [c for c in prev if "\U0001f1e6" <= c <= "\U0001f1ff"]
    return "\U0001f1e6" <= ch <= "\U0001f1ff" and len(regional) % 2 == 1


def _cells(text: str, columns: int) -> list[tuple[int, int, int, str, int]]:
    """Where each grapheme cluster of ``text`` sits: (row, column, width in columns, the
    cluster as drawn, index of its first character). Wide characters take two columns, a
    tab runs to the next multiple of 4, a newline is drawn as a faint ⏎ and starts a row,
    a line longer than ``columns`` wraps before the cluster that does not fit."""
    cells: list[list] = []
    row = x = 0
    for i, ch in enumerate(text):
        if ch == "\n":
            cells.append([row, x, 1, "⏎", i])
            row, x = row + 1, 0
            continue
        last = cells[-1] if cells and cells[-1][3] not in ("⏎", "") else None
        if last is not None and last[0] == row and _joins(last[3], ch):
            last[3] += ch
            if ch == _VS16 and last[2] == 1 and x + 1 <= columns:
                last[2], x = 2, x + 1  # ❤️: text-width heart drawn as a wide emoji
            continue
        w = 4 - x % 4 if ch == "\t" else _char_width(ch)
        if x + w > columns:
            row, x = row + 1, 0
        cells.append([row, x, w, "" if ch == "\t" else ch, i])
        x += w
    return [tuple(c) for c in cells]


def neuron_text_figure(
    trace: Trace,
    layer: str | int | None = None,
    neuron: int = 0,
    vmax: float | None = None,
    max_chars: int = 3000,
    columns: int = 100,
    fontsize: float = 9.0,
    ax: Any = None,
    scale: str = "p99",
    lang: str | None = None,
):
    """The text with each character's background coloured by one neuron, as a Figure.

    Lines longer than ``columns`` wrap; at most ``max_chars`` characters are drawn (a note
    says when the text was cut). The colours are the widget's: the same scale decision
    (:func:`~interpwidgets.widgets.neuron_scale.neuron_scale`: sigmoid gates 0..1 sequential,
    tanh-range arrays ±1, others a fixed ±``vmax`` or ``scale`` — ``"p99"``, ``"max"`` or
    ``"tanh"``), the same capped shades and the one dark ink of the light theme
    (:mod:`interpwidgets.text_scale`); the colour bar's ticks and label say the scale (in
    ``lang``, default ``iw.locale()``).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .text_scale import INK, text_background, text_colormap
    from .widgets.neuron_scale import describe_scale, neuron_scale, value_range

    name = trace.resolve(layer)
    values = trace.activations[name]
    if not isinstance(neuron, (int, np.integer)) or not 0 <= neuron < values.shape[1]:
        raise ValueError(f"neuron: expected an index in [0, {values.shape[1] - 1}], got {neuron!r}")
    col = values[:, neuron]
    sc = neuron_scale(value_range(trace, name), scale, None if vmax is None else float(vmax), col)
    lang = resolve(lang)
    ticks, note = describe_scale(sc, lang)
    pos = sc.position(col)
    per_char = np.full(len(trace.text), np.nan, dtype=np.float64)
    covered = np.zeros(len(trace.text), dtype=bool)
    for i, (s, e) in enumerate(trace.offsets):
        per_char[s:e] = pos[i]
        covered[s:e] = True
    text = trace.text[:max_chars]
    cells = _cells(text, columns)
    n_rows = cells[-1][0] + 1 if cells else 1
    cax = None
    if ax is None:
        text_h = n_rows * fontsize * 0.019
        fig = plt.figure(
            # at least as wide as the colour bar's label needs (a few columns of text)
            figsize=(max(columns * fontsize * 0.0085 + 0.4, fontsize * 0.4), text_h + 0.9),
            layout="constrained",  # room for the title and the colour bar's label
        )
        # the colour bar in a row of its own, a fixed share of the height and the middle half of
        # the width, so one line of text still gets a bar that can be read
        gs = fig.add_gridspec(2, 3, height_ratios=[text_h, 0.13], width_ratios=[1, 2, 1])
        ax = fig.add_subplot(gs[0, :])
        cax = fig.add_subplot(gs[1, 1])
    else:
        fig = ax.figure
    for r, c, w, ch, i in cells:
        if covered[i] and w:
            color = tuple(v / 255 for v in text_background(sc.ramp, float(per_char[i]), "light"))
            ax.add_patch(Rectangle((c, r), w, 1, facecolor=color, edgecolor="none"))
        if ch.strip():
            ax.text(
                c + w / 2,
                r + 0.52,
                ch,
                ha="center",
                va="center",
                family="monospace",
                fontsize=fontsize,
                color=INK["light"],  # one ink on every shade, as in the widget
                alpha=0.35 if ch == "⏎" else 1,
            )
    ax.set_xlim(0, columns)
    ax.set_ylim(n_rows, 0)
    ax.set_axis_off()
    cut = (
        t("fig.neuron_cut", lang, shown=max_chars, total=len(trace.text))
        if len(trace.text) > max_chars
        else ""
    )
    title = t("fig.neuron_title", lang, layer=name, neuron=neuron, cut=cut)
    ax.set_title(title, fontsize=fontsize + 1, loc="left")
    lo = 0.0 if sc.ramp == "sequential" else -1.0
    sm = plt.cm.ScalarMappable(cmap=text_colormap(sc.ramp, "light"), norm=plt.Normalize(lo, 1.0))
    if cax is not None:
        bar = fig.colorbar(sm, cax=cax, orientation="horizontal")
    else:
        bar = fig.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.04, pad=0.02, aspect=40)
    bar.set_ticks([lo, (lo + 1) / 2, 1.0], labels=list(ticks))
    bar.set_label(note, fontsize=fontsize)
    # the title, the scale note and the text itself: Han characters in a CJK face, not boxes
    return cjk_text(fig)
