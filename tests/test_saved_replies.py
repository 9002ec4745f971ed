"""The replies a widget's own state holds for a notebook saved without a kernel (``_replies``).

docs/protocol.md, "Replies held in the widget state": what the current view asks for beyond
its traits, as binary buffers, bounded by ``saved_budget``, recomputed when the view changes
in Python, left out of exported pages.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers

import interpwidgets as iw
from interpwidgets import codec
from interpwidgets.export import page_data
from interpwidgets.widgets.base import request_key


@pytest.fixture
def trace():
    text = "def f(x):\n    return x\n"
    acts = np.sin(np.arange(len(text) * 6, dtype=np.float32).reshape(len(text), 6) / 5)
    return iw.Trace.from_arrays(text, {"rnn.0.h": acts, "rnn.1.h": acts[:, :3] * 2})


def keys(w) -> list[dict]:
    return [json.loads(k) for k in w._replies["replies"]]


def test_neuron_text_holds_the_neighbours_it_prefetches(trace):
    w = iw.NeuronText(trace, layer="rnn.0.h", neuron=2)
    assert w._replies["model_id"] == w.model_id
    assert keys(w) == [
        {"kind": "column", "layer": "rnn.0.h", "neuron": 3},
        {"kind": "column", "layer": "rnn.0.h", "neuron": 1},
    ]
    # each held reply is exactly what the kernel would answer, arrays as codec bytes
    for k, data in w._replies["replies"].items():
        assert request_key(json.loads(k)) == k
        want = w._wire_reply(json.loads(k))
        np.testing.assert_array_equal(codec.decode(data["values"]), codec.decode(want["values"]))
        assert isinstance(data["values"]["buffer"], bytes | memoryview)
    w.neuron = 5  # the last one: one neighbour
    assert keys(w) == [{"kind": "column", "layer": "rnn.0.h", "neuron": 4}]
    w.layer = "rnn.1.h"  # clamps the neuron to 2
    assert keys(w) == [{"kind": "column", "layer": "rnn.1.h", "neuron": 1}]


def test_the_browser_changing_the_view_updates_what_is_held(trace):
    w = iw.NeuronText(trace, neuron=0)
    w.set_state({"neuron": 3})
    assert [k["neuron"] for k in keys(w)] == [4, 2]


def test_the_state_carries_the_arrays_as_binary_buffers(trace):
    w = iw.NeuronText(trace, neuron=1)
    state, paths, buffers = _remove_buffers(w.get_state())
    held = [p for p in paths if p[0] == "_replies"]
    assert len(held) == 2 and all(p[-1] == "buffer" for p in held)
    for data in state["_replies"]["replies"].values():  # left in JSON: dtype and shape only
        assert data["values"] == {"dtype": "float16", "shape": [len(trace.text)]}
    assert sum(len(b) for b, p in zip(buffers, paths, strict=True) if p[0] == "_replies") == (
        2 * len(trace.text) * 2
    )


def test_budget_bounds_what_is_held(trace):
    w = iw.NeuronText(trace, neuron=2)
    per_column = 2 * len(trace.text)  # float16
    w.saved_budget = per_column
    assert [k["neuron"] for k in keys(w)] == [3]
    w.saved_budget = per_column - 1
    assert keys(w) == []
    w.saved_budget = 0
    assert w._replies == {"model_id": w.model_id, "replies": {}}
    w.saved_budget = 10_000
    assert len(keys(w)) == 2


def test_attention_view_holds_the_layers_beside_the_selected_one():
    rng = np.random.default_rng(0)
    att = rng.dirichlet(np.ones(4), size=(3, 2, 4)).astype(np.float32)
    a = iw.AttentionView(att, tokens=list("abcd"), layer=0)
    assert keys(a) == [{"kind": "layer", "group": 0, "layer": 1}]
    a.layer = 1
    assert keys(a) == [
        {"kind": "layer", "group": 0, "layer": 2},
        {"kind": "layer", "group": 0, "layer": 0},
    ]
    held = a._replies["replies"][request_key({"kind": "layer", "group": 0, "layer": 2})]
    np.testing.assert_allclose(codec.decode(held["values"]), att[2], atol=1 / 255)


def test_attention_view_follows_the_group():
    rng = np.random.default_rng(1)
    att = rng.dirichlet(np.ones(6), size=(2, 2, 6)).astype(np.float32)
    a = iw.AttentionView(att, tokens=list("abcdef"), sentence_b_start=3, layer=1)
    assert keys(a) == [{"kind": "layer", "group": 0, "layer": 0}]
    a.group = 2
    assert keys(a) == [{"kind": "layer", "group": 2, "layer": 0}]


def test_neuron_explorer_holds_its_first_heatmap_window(trace):
    e = iw.NeuronExplorer(trace, layer="rnn.1.h", neuron=0)
    assert keys(e) == [
        {"kind": "heatmap", "layer": "rnn.1.h", "start": 0, "stop": len(trace.text)},
        {"kind": "column", "layer": "rnn.1.h", "neuron": 1},
    ]


def test_exported_pages_leave_it_out(trace):
    w = iw.NeuronText(trace, neuron=2)
    assert "_replies" not in page_data(w)["state"]


def test_attention_layers_over_the_budget_are_not_encoded(monkeypatch):
    """A layer that cannot fit is skipped before it is encoded (it was encoded and thrown away)."""
    att = np.random.default_rng(0).dirichlet(np.ones(16), size=(4, 3, 16)).astype(np.float32)
    w = iw.AttentionView(att, tokens=[f"t{i}" for i in range(16)], layer=1)
    layer_bytes = 3 * 16 * 16
    encoded = []
    real = codec.encode
    monkeypatch.setattr(codec, "encode", lambda a, *k: encoded.append(a.shape) or real(a, *k))
    w.saved_budget = layer_bytes  # room for one neighbour, not two
    assert list(w._replies["replies"]) == [request_key({"kind": "layer", "group": 0, "layer": 2})]
    assert encoded == [(3, 16, 16)]  # layer 2 only: layer 0 was never encoded
    encoded.clear()
    w.saved_budget = layer_bytes - 1
    assert w._replies["replies"] == {} and encoded == []
