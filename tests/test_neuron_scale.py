"""Each array gets the colour scale its range calls for (issue #18 item 2), and the scale menu's
trait (item 3): the Python half, which says each layer's range in the ``layers`` trait."""

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.widgets.neuron_scale import value_range


def test_lstm_gates_are_unit_h_and_g_tanh_c_unbounded(tiny_lstm):
    tr = iw.trace(tiny_lstm, "def f(x):\n    return x + 1  # one\n")
    w = iw.NeuronText(tr, layer="rnn.0.c", neuron=0)
    ranges = {entry["name"]: entry["range"] for entry in w.layers}
    for k in (0, 1):
        assert ranges[f"rnn.{k}.i"] == ranges[f"rnn.{k}.f"] == ranges[f"rnn.{k}.o"] == "unit"
        assert ranges[f"rnn.{k}.h"] == ranges[f"rnn.{k}.g"] == "tanh"
        assert ranges[f"rnn.{k}.c"] is None
    # the claims hold for the values themselves
    for name, r in ranges.items():
        a = tr.activations[name]
        if r == "unit":
            assert a.min() >= 0 and a.max() <= 1
        if r == "tanh":
            assert a.min() >= -1 and a.max() <= 1


def test_a_range_is_claimed_only_from_metadata_that_the_values_keep():
    text = "abcd"
    inside = np.linspace(0.1, 0.9, 8, dtype=np.float32).reshape(4, 2)
    # arrays without an RNN cell in the metadata: nothing is claimed, even for values in 0..1
    plain = iw.Trace.from_arrays(text, {"rnn.0.i": inside, "x": inside})
    assert value_range(plain, "rnn.0.i") is None and value_range(plain, "x") is None
    lstm = iw.Trace.from_arrays(text, {"rnn.0.i": inside, "rnn.0.h": inside * 3}, cell="LSTM")
    assert value_range(lstm, "rnn.0.i") == "unit"
    assert value_range(lstm, "rnn.0.h") is None  # past ±1: not a tanh range after all
    gru = iw.Trace.from_arrays(text, {"rnn.1.z": inside, "rnn.1.n": inside - 0.5}, cell="GRU")
    assert (value_range(gru, "rnn.1.z"), value_range(gru, "rnn.1.n")) == ("unit", "tanh")


def test_scale_trait_default_choices_and_errors():
    tr = iw.Trace.from_arrays("abc", {"x": np.ones((3, 2), np.float32)})
    w = iw.NeuronText(tr)
    assert w.scale == "p99" and w.vmax is None
    assert iw.NeuronText(tr, scale="tanh").scale == "tanh"
    assert iw.NeuronText(tr, vmax=2).vmax == 2.0
    assert iw.NeuronExplorer(tr, scale="max").scale == "max"
    with pytest.raises(
        ValueError, match=r"scale: expected one of \['p99', 'max', 'tanh'\], got 'p90'"
    ):
        iw.NeuronText(tr, scale="p90")
    # the browser's menu sets it like layer and neuron
    w.set_state({"scale": "max"})
    assert w.scale == "max"


def test_scale_travels_in_a_saved_page(tmp_path):
    tr = iw.Trace.from_arrays("abc", {"x": np.arange(6, dtype=np.float32).reshape(3, 2)})
    path = tmp_path / "p.html"
    iw.NeuronText(tr, scale="tanh").save_html(path)
    assert '"scale": "tanh"' in path.read_text(
        encoding="utf-8"
    ) or '"scale":"tanh"' in path.read_text(encoding="utf-8")
