"""NeuronText's Python side: traits, requests on demand, export contents."""

import json
import re

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import codec
from interpwidgets.widgets.base import request_key


@pytest.fixture
def trace():
    text = "ab🙂\ncd"
    acts = np.arange(len(text) * 4, dtype=np.float32).reshape(len(text), 4) - 10
    acts[2, 1] = np.nan
    return iw.Trace.from_arrays(text, {"rnn.0.h": acts, "rnn.1.h": acts[:, :2] * 2})


def test_only_the_selected_column_is_in_the_state(trace):
    w = iw.NeuronText(trace, layer="rnn.0.h", neuron=1)
    state = w.get_state()
    np.testing.assert_array_equal(
        codec.decode(state["column"]["values"]),
        trace.activations["rnn.0.h"][:, 1].astype(np.float16),
    )
    assert state["column"]["vmax"] == pytest.approx(
        np.nanmax(np.abs(trace.activations["rnn.0.h"][:, 1]))
    )
    sizes = [len(v) for v in _buffers({k: v for k, v in state.items() if k != "_replies"})]
    assert sum(sizes) == 6 * 2 + 6 * 2 * 4  # one float16 column + int32 offsets, nothing else
    # ... and, for a notebook saved without a kernel, the two columns the view prefetches
    held = state["_replies"]["replies"]
    assert sorted(json.loads(k)["neuron"] for k in held) == [0, 2]
    assert sum(len(v) for v in _buffers(held)) == 2 * 6 * 2
    # no RNN cell in this trace's metadata: no known range (neuron_scale.py)
    assert state["layers"] == [
        {"name": "rnn.0.h", "n_units": 4, "range": None},
        {"name": "rnn.1.h", "n_units": 2, "range": None},
    ]


def _buffers(obj):
    if isinstance(obj, bytes | memoryview):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _buffers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _buffers(v)


def test_setting_traits_in_python_updates_the_column(trace):
    w = iw.NeuronText(trace)
    assert (w.layer, w.neuron) == ("rnn.0.h", 0)
    w.neuron = 3
    assert w.column["neuron"] == 3
    w.layer = 1  # by index
    assert w.layer == "rnn.1.h" and w.neuron == 1  # clamped into the smaller layer
    assert (w.column["layer"], w.column["neuron"]) == ("rnn.1.h", 1)
    np.testing.assert_array_equal(w.values(), trace.activations["rnn.1.h"][:, 1])


def test_browser_updates_arrive_through_set_state(trace):
    w = iw.NeuronText(trace)
    w.set_state({"neuron": 2})
    assert w.neuron == 2 and w.column["neuron"] == 2
    w.set_state({"layer": "rnn.1.h", "neuron": 3})  # a neuron past the end is clamped
    assert (w.layer, w.neuron) == ("rnn.1.h", 1)


def test_requests_are_answered_with_buffers_and_errors_are_replies(trace):
    w = iw.NeuronText(trace)
    sent = []
    w.send = lambda content, buffers=None: sent.append((content, buffers))
    w._on_custom_msg(
        w,
        {"type": "request", "id": 7, "body": {"kind": "column", "layer": "rnn.0.h", "neuron": 2}},
        [],
    )
    content, buffers = sent[-1]
    assert content["type"] == "reply" and content["id"] == 7 and content["ok"] is True
    assert content["buffer_paths"] == [["values", "buffer"]]
    got = np.frombuffer(buffers[0], "<f2")
    np.testing.assert_array_equal(got, trace.activations["rnn.0.h"][:, 2].astype(np.float16))
    w._on_custom_msg(
        w,
        {"type": "request", "id": 8, "body": {"kind": "column", "layer": "nope", "neuron": 0}},
        [],
    )
    assert (
        sent[-1][0]["ok"] is False and "layer: 'nope' is not in this trace" in sent[-1][0]["error"]
    )
    w._on_custom_msg(
        w,
        {"type": "request", "id": 9, "body": {"kind": "column", "layer": "rnn.0.h", "neuron": 99}},
        [],
    )
    assert "neuron: expected an index in [0, 3]" in sent[-1][0]["error"]
    w._on_custom_msg(w, {"type": "request", "id": 10, "body": "junk"}, [])
    assert "request body: expected an object" in sent[-1][0]["error"]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"layer": "x"}, KeyError, r"layer: 'x' is not in this trace"),
        ({"layer": 5}, ValueError, r"layer: expected an index in \[0, 1\], got 5"),
        (
            {"neuron": 4},
            ValueError,
            r"neuron: expected an index in \[0, 3\] for layer 'rnn.0.h', got 4",
        ),
        ({"neuron": -1}, ValueError, r"neuron: expected an index in \[0, 3\]"),
        ({"neuron": 1.0}, TypeError, r"neuron: expected an int, got float"),
        ({"vmax": 0}, ValueError, r"vmax: expected a positive finite number"),
        ({"vmax": float("nan")}, ValueError, r"vmax"),
    ],
)
def test_bad_arguments(trace, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        iw.NeuronText(trace, **kwargs)


def test_not_a_trace():
    with pytest.raises(TypeError, match=r"trace: expected an interpwidgets.Trace .* got ndarray"):
        iw.NeuronText(np.zeros((3, 3)))


def test_setting_an_out_of_range_neuron_from_python_raises(trace):
    w = iw.NeuronText(trace)
    with pytest.raises(ValueError, match=r"neuron: expected an index in \[0, 3\]"):
        w.neuron = 10
    assert w.neuron == 0


def _page_data(html):
    m = re.search(r'<script type="application/json" id="iw-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_export_is_self_contained_and_escapes_text(tmp_path):
    text = "</script><img src=x onerror=alert(1)>"
    tr = iw.Trace.from_arrays(text, {"h": np.linspace(-1, 1, len(text))[:, None].repeat(3, 1)})
    path = iw.NeuronText(tr, neuron=1).save_html(tmp_path / "p.html")
    html = path.read_text(encoding="utf-8")
    # the data, the widget's module and the shim: nothing injected
    assert "<img" not in html and html.count("</script>") == 3
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="application/json" id="iw-data">',
        '<script type="module" id="iw-module">',
        '<script type="module">',
    ]
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    data = _page_data(html)
    assert data["state"]["text"] == text and data["state"]["neuron"] == 1
    assert sorted(data["store"]) == sorted(
        request_key({"kind": "column", "layer": "h", "neuron": n}) for n in range(3)
    )


def test_export_budget_keeps_the_neurons_nearest_the_selection(tmp_path):
    tr = iw.Trace.from_arrays("x" * 100, {"h": np.zeros((100, 50))})
    w = iw.NeuronText(tr, neuron=40)
    # room for 10 columns as the page stores them (base64 values + key and JSON): ~470 bytes
    # each here, where the raw float16 values are 200
    per_column = w._column_cost("h")
    assert 400 < per_column < 520
    w.export_budget = 10 * per_column
    data = _page_data(w.to_html())
    held = sorted(json.loads(k)["neuron"] for k in data["store"])
    assert held == list(range(35, 45))
    assert "holds neurons 35–44" in data["missing"]


def test_export_values_round_trip(tmp_path, trace):
    data = _page_data(iw.NeuronText(trace, neuron=2).to_html())
    reply = data["store"][request_key({"kind": "column", "layer": "rnn.0.h", "neuron": 1})]
    assert reply["buffer_paths"] == [["values", "buffer"]]
    values = codec.decode({**reply["data"]["values"], "buffer": codec.unpack(reply["buffers"][0])})
    np.testing.assert_array_equal(values, trace.activations["rnn.0.h"][:, 1].astype(np.float16))


def test_columns_beyond_float16_range_travel_as_float32():
    big = np.array([1.0, -7e4, 3.0])
    w = iw.NeuronText(iw.Trace.from_arrays("abc", {"h": big}))
    wire = w.get_state("column")["column"]["values"]
    assert wire["dtype"] == "float32"
    np.testing.assert_array_equal(codec.decode(wire), big.astype(np.float32))


def test_save_html_refuses_a_directory_and_writes_atomically(tmp_path, trace):
    w = iw.NeuronText(trace)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        w.save_html(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        w.save_html(tmp_path / "no" / "x.html")
    w.save_html(tmp_path / "a.html")
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]  # no temporary file left


def test_figure_draws_every_character(trace):
    fig = iw.NeuronText(trace, neuron=1).figure()
    ax = fig.axes[0]
    assert len(ax.patches) == len(trace.text)
    assert "rnn.0.h · neuron 1" in ax.get_title(loc="left")
    missing = [
        p for p in ax.patches if tuple(np.round(p.get_facecolor()[:3], 3)) == (0.741, 0.741, 0.741)
    ]
    assert len(missing) == 1  # the NaN at position 2
