"""The array traits: arrays in Python, the codec's {dtype, shape, buffer} on the wire."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

import interpwidgets as iw
from interpwidgets import codec
from interpwidgets.widgets.base import Widget
from interpwidgets.widgets.traits import Array, Data, check_array, to_wire


class Holder(Widget):
    """A widget with one trait of each kind (no bundle: never displayed)."""

    offsets = Array("int32", ndim=2)
    probs = Array("float16")
    column = Data(arrays={"values": "uint8"})
    rows = Data(arrays={"scores": "float32"}, default_value=[])


def test_array_trait_holds_a_read_only_array_and_sends_the_codec_object():
    w = Holder()
    assert w.offsets is None and w.get_state("offsets")["offsets"] == {}  # None travels as {}
    offsets = np.array([[0, 1], [1, 3]], dtype=np.int64)
    w.offsets = offsets
    assert isinstance(w.offsets, np.ndarray) and not w.offsets.flags.writeable
    np.testing.assert_array_equal(w.offsets, offsets)
    assert w.get_state("offsets")["offsets"] == codec.encode(offsets, "int32")  # same bytes
    with pytest.raises(ValueError):
        w.offsets[0, 0] = 5  # read-only: set the trait again to change it


def test_data_trait_encodes_each_declared_key_anywhere_in_it():
    w = Holder()
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    w.column = {"layer": "h", "vmax": 1.0, "values": x}
    w.rows = [{"label": "a", "scores": x[0]}, {"label": "b", "scores": None}]
    state = w.get_state(["column", "rows"])
    assert state["column"] == {"layer": "h", "vmax": 1.0, "values": codec.encode(x, "uint8")}
    assert state["rows"][0]["scores"] == codec.encode(x[0], "float32")
    assert state["rows"][1]["scores"] is None  # not an array: plain JSON
    np.testing.assert_array_equal(w.column["values"], x)  # Python reads the numbers


def test_trait_errors_name_the_trait():
    w = Holder()
    with pytest.raises(ValueError, match=r"^offsets: expected 2 dimensions, got shape \(3,\)"):
        w.offsets = np.arange(3)
    with pytest.raises(TypeError, match=r"^offsets: expected an integer array, got dtype float"):
        w.offsets = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"^offsets: expected values that fit int32"):
        w.offsets = np.array([[0, 2**40]])
    with pytest.raises(TypeError, match=r"^probs: expected a numeric array, got dtype <U1"):
        w.probs = np.array(["a"])
    with pytest.raises(ValueError, match=r"^probs: infinite values cannot be shown"):
        w.probs = np.array([1.0, np.inf])
    with pytest.raises(ValueError, match=r"^probs: values up to 70000 do not fit float16"):
        w.probs = np.array([7e4])
    with pytest.raises(ValueError, match=r"^column\['values'\]: infinite values"):
        w.column = {"values": np.array([-np.inf])}
    with pytest.raises(ValueError, match=r"^rows\[0\]\['scores'\]: infinite values"):
        w.rows = [{"scores": np.array([np.inf])}]
    with pytest.raises(TypeError, match=r"^column\['other'\]: an array where none is expected"):
        w.column = {"other": np.zeros(2)}
    with pytest.raises(TypeError, match=r"^column: expected a dict"):
        w.column = [1]
    assert w.offsets is None and w.column == {}  # refused values are not kept
    w.probs = np.array([np.nan, 0.5])  # NaN is allowed: the browser shows it as missing
    assert codec.decode(w.get_state("probs")["probs"])[1] == 0.5


def test_trait_declarations_are_checked():
    with pytest.raises(ValueError, match=r"^dtype: expected one of"):
        Array("float64")
    with pytest.raises(ValueError, match=r"^dtype: expected one of"):
        Data(arrays={"values": "int8"})
    assert isinstance(Array("auto"), traitlets.TraitType)


def test_to_wire_and_check_array_take_tensors_and_lists():
    torch = pytest.importorskip("torch")
    got = check_array(torch.arange(4), "int32", "ids")
    np.testing.assert_array_equal(got, [0, 1, 2, 3])
    wire = to_wire({"v": np.float32(2.5), "w": np.ones(2)}, {"v": "float32", "w": "float16"})
    assert wire["v"] == np.float32(2.5)  # a numpy scalar stays a number
    assert wire["w"] == codec.encode(np.ones(2), "float16")


def test_widgets_send_the_same_bytes_as_before(trace_small):
    """The wire format did not change: the traits send what codec.encode made by hand."""
    w = iw.NeuronText(trace_small, neuron=1)
    state = w.get_state()
    assert state["offsets"] == codec.encode(trace_small.offsets, "int32")
    col = trace_small.activations[w.layer][:, 1]
    assert state["column"]["values"] == codec.encode(col, "auto")
    reply, buffers = w._reply({"kind": "column", "layer": w.layer, "neuron": 0})
    assert reply["buffer_paths"] == [["values", "buffer"]]
    assert (
        bytes(buffers[0]) == codec.encode(trace_small.activations[w.layer][:, 0], "auto")["buffer"]
    )


@pytest.fixture
def trace_small():
    rng = np.random.default_rng(0)
    return iw.Trace.from_arrays("hello world", {"h": rng.normal(size=(11, 3)).astype(np.float32)})


def test_split_buffers_takes_binary_parts_out_like_a_widget_message():
    data = {
        "a": {"dtype": "uint8", "buffer": b"\x01\x02"},
        "b": [b"xy", {"c": memoryview(b"z")}, 3],
        "d": "text",
    }
    skeleton, paths, buffers = codec.split_buffers(data)
    assert skeleton == {"a": {"dtype": "uint8"}, "b": [None, {}, 3], "d": "text"}
    assert paths == [["a", "buffer"], ["b", 0], ["b", 1, "c"]]
    assert [bytes(b) for b in buffers] == [b"\x01\x02", b"xy", b"z"]
    assert data["a"]["buffer"] == b"\x01\x02" and data["b"][0] == b"xy"  # input untouched
    with pytest.raises(TypeError, match=r"^obj: expected a dict or list"):
        codec.split_buffers(b"raw")
