"""Clicking a unit in the gate-saturation plot opens it (issue 18 item 17; interpwidgets.gate_figure)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

import interpwidgets as iw
from interpwidgets.figures import gate_saturation_figure

TEXT = "def f(x):\n    return x + 1  # one\n"  # 34 characters


def gate_trace():
    """Gate arrays whose units sit at distinct (left, right) places: unit u of layer k is below
    0.1 at its first 2u + k positions and above 0.9 at its last u + 3k + 1."""
    n = len(TEXT)
    arrays = {}
    for k in range(2):
        for g in "ifo":
            arr = np.full((n, 5), 0.5, np.float32)
            for u in range(5):
                arr[: 2 * u + k, u] = 0.02
                arr[n - (u + 3 * k + 1) :, u] = 0.98
            arrays[f"rnn.{k}.{g}"] = arr
        arrays[f"rnn.{k}.h"] = np.zeros((n, 5), np.float32)
    return iw.Trace.from_arrays(TEXT, arrays)


def _click(fig, ax, x, y):
    """A left click where the data point (x, y) of ``ax`` is drawn, as matplotlib delivers it."""
    fig.canvas.draw()
    px, py = ax.transData.transform((x, y))
    event = MouseEvent("button_press_event", fig.canvas, px, py, button=1)
    fig.canvas.callbacks.process("button_press_event", event)


def test_a_click_on_a_point_opens_its_unit_in_the_neuron_text():
    tr = gate_trace()
    table = iw.gate_saturation(tr)
    view = iw.NeuronText(tr, layer="rnn.0.h", neuron=0)
    fig = gate_saturation_figure(table, open=view)
    forget = fig.axes[[a.get_title() for a in fig.axes].index("forget gate")]
    # a unit whose point no other forget-gate unit shares
    sub = table[table.gate == "forget"]
    counts = sub.groupby(["left", "right"]).size()
    assert (counts == 1).all()
    row = sub[(sub.layer == 1) & (sub.unit == 3)].iloc[0]
    _click(fig, forget, row.left, row.right)
    # the widget now shows that gate unit; the figure rings and names it
    assert (view.layer, view.neuron) == (f"rnn.{row.layer}.f", int(row.unit))
    assert fig.unit_picks.selected == {"layer": view.layer, "neuron": view.neuron}
    assert [t.get_text() for t in forget.texts] == [f"rnn.{row.layer}.f · {row.unit}"]


def test_a_click_off_the_points_changes_nothing_and_a_callable_is_called():
    tr = gate_trace()
    opened = []
    fig = gate_saturation_figure(
        iw.gate_saturation(tr), open=lambda layer, n: opened.append((layer, n))
    )
    ax = fig.axes[0]
    _click(fig, ax, 0.5, 0.95)  # empty corner, far from the diagonal and the axes
    assert opened == [] and fig.unit_picks.selected == {}
    fig.unit_picks.select("rnn.0.i", 2)
    assert opened == [("rnn.0.i", 2)] and [t.get_text() for t in ax.texts] == ["rnn.0.i · 2"]
    fig.unit_picks.select("rnn.1.o", 3)  # one ring and one name at a time
    assert sum(len(a.texts) for a in fig.axes) == 1


def test_open_names_a_wrong_target():
    table = iw.gate_saturation(gate_trace())
    with pytest.raises(TypeError, match=r"^open: expected a widget with layer and neuron"):
        gate_saturation_figure(table, open=3)
    fig = gate_saturation_figure(table)
    with pytest.raises(ValueError, match=r"^neuron: the figure has no point for rnn.0.i unit 99"):
        fig.unit_picks.select("rnn.0.i", 99)
