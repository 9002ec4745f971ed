"""Karpathy et al.'s gate-saturation plot, where a click on a unit opens it in a widget.

With an interactive matplotlib backend (``%matplotlib widget`` with ipympl, or a desktop
window), a click on a point selects that unit: the figure rings it and names it, and the
widget passed as ``open`` (a :class:`~interpwidgets.NeuronText` or
:class:`~interpwidgets.NeuronExplorer` of the same trace) switches its ``layer`` and
``neuron`` to it. A callable ``open(layer, neuron)`` is called instead. An inline (static
PNG) figure cannot be clicked; the selection can still be made from code with
:meth:`UnitPicks.select`. ``interpwidgets.figures`` re-exports :func:`gate_saturation_figure`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _opener(target: Any) -> Callable[[str, int], None] | None:
    """How to open a unit in ``target``: set its layer and neuron, or call it."""
    if target is None:
        return None
    if hasattr(target, "layer") and hasattr(target, "neuron") and hasattr(target, "trait_names"):

        def open_in_widget(layer: str, neuron: int) -> None:
            with target.hold_trait_notifications():
                target.layer = layer
                target.neuron = neuron

        return open_in_widget
    if callable(target):
        return target
    raise TypeError(
        "open: expected a widget with layer and neuron (NeuronText, NeuronExplorer) or a "
        f"callable(layer, neuron), got {type(target).__name__}"
    )


class UnitPicks:
    """The units of a figure's scatter points, and what a click on one does.

    ``groups`` holds, per scatter (a ``PathCollection`` drawn with ``picker=True``), the
    ``(layer, unit)`` of each of its points in drawing order. ``selected`` is the last picked
    unit as ``{"layer": name, "neuron": unit}`` (empty before any pick).
    """

    def __init__(
        self, fig: Any, groups: Sequence[tuple[Any, Sequence[tuple[str, int]]]], open: Any = None
    ) -> None:
        self.fig = fig
        self._units = {id(artist): (artist, list(units)) for artist, units in groups}
        self._open = _opener(open)
        self.selected: dict[str, Any] = {}
        self._marks: list[Any] = []
        fig.canvas.mpl_connect("pick_event", self._on_pick)

    def _on_pick(self, event: Any) -> None:
        found = self._units.get(id(event.artist))
        if found is None or not len(event.ind):
            return
        artist, units = found
        # of the points under the pointer, the one nearest to it
        xy = artist.get_offsets()[np.asarray(event.ind)]
        screen = artist.axes.transData.transform(xy)
        pointer = np.array([event.mouseevent.x, event.mouseevent.y], dtype=float)
        best = int(np.asarray(event.ind)[np.argmin(((screen - pointer) ** 2).sum(axis=1))])
        layer, unit = units[best]
        self.select(layer, unit)

    def select(self, layer: str, neuron: int) -> None:
        """Select ``(layer, neuron)`` as a click would: ring it, name it, open it."""
        for artist, units in self._units.values():
            if (layer, int(neuron)) in units:
                i = units.index((layer, int(neuron)))
                x, y = artist.get_offsets()[i]
                ax = artist.axes
                break
        else:
            raise ValueError(f"neuron: the figure has no point for {layer} unit {neuron}")
        for mark in self._marks:
            mark.remove()
        ring = ax.scatter(
            [x], [y], s=90, facecolors="none", edgecolors="black", linewidths=1.5, zorder=5
        )
        label = ax.annotate(
            f"{layer} · {int(neuron)}",
            (x, y),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=8,
            zorder=6,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999", "alpha": 0.9},
        )
        self._marks = [ring, label]
        self.selected = {"layer": layer, "neuron": int(neuron)}
        self.fig.canvas.draw_idle()
        if self._open is not None:
            self._open(layer, int(neuron))


#: the catalogue keys of the gates' titles (neurons.gates.GATE_NAMES)
GATE_KEYS = {
    "input": "fig.gate_input",
    "forget": "fig.gate_forget",
    "cell candidate": "fig.gate_cell_candidate",
    "output": "fig.gate_output",
    "reset": "fig.gate_reset",
    "update": "fig.gate_update",
}


def gate_saturation_figure(table: Any, ax: Any = None, open: Any = None, lang: str | None = None):
    """Karpathy et al.'s saturation plot: per gate, each unit at (fraction left-, right-saturated).

    Click a point to open that unit (with an interactive backend such as ipympl's
    ``%matplotlib widget``): it is ringed and named, and ``open`` — a NeuronText or
    NeuronExplorer of the trace, or a callable ``(layer, neuron)`` — shows it
    (layer ``rnn.{k}.{gate letter}``). ``fig.unit_picks`` (:class:`UnitPicks`)
    holds the selection and selects from code. Titles, axes and legend are in ``lang``
    (default ``iw.locale()``).
    """
    import matplotlib.pyplot as plt

    from .figure_fonts import cjk_text
    from .i18n import resolve, t
    from .neurons.gates import GATE_NAMES

    lang = resolve(lang)

    letters = {name: letter for letter, name in GATE_NAMES.items()}
    groups = []

    gates = list(dict.fromkeys(table["gate"]))
    if ax is None:
        fig, grid = plt.subplots(
            1, len(gates), figsize=(3.2 * len(gates), 3.4), sharex=True, sharey=True, squeeze=False
        )
        axes = list(grid[0])
    else:
        fig, axes = ax.figure, [ax]
    colors = plt.get_cmap("tab10")
    for a, gate in zip(axes, gates, strict=False):
        sub = table[table["gate"] == gate]
        for j, (layer, part) in enumerate(sub.groupby("layer")):
            points = a.scatter(
                part["left"],
                part["right"],
                s=8,
                alpha=0.6,
                color=colors(j),
                label=t("fig.gate_legend", lang, layer=layer),
                picker=True,
                pickradius=5,
            )
            name = f"rnn.{layer}.{letters.get(gate, gate)}"
            groups.append((points, [(name, int(u)) for u in part["unit"]]))
        a.plot([0, 1], [1, 0], color="#999", lw=0.8, ls="--")
        a.set_xlim(0, 1)
        a.set_ylim(0, 1)
        a.set_title(t(GATE_KEYS[gate], lang) if gate in GATE_KEYS else f"{gate} gate")
        a.set_xlabel(t("fig.gate_x", lang))
    axes[0].set_ylabel(t("fig.gate_y", lang))
    axes[0].legend(fontsize=8, loc="upper right")
    cjk_text(fig)
    fig.tight_layout()
    fig.unit_picks = UnitPicks(fig, groups, open)  # type: ignore[attr-defined]
    return fig
