"""NeuronDashboard's Python side: traits, validation, answers, export contents, open_selected."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import codec
from interpwidgets.widgets.base import request_key
from interpwidgets.widgets.neuron_dashboard_data import nbytes

sys.path.insert(0, str(Path(__file__).parent))
from dashboard_fake import fake_scan, real_scan  # noqa: E402


@pytest.fixture
def scan():
    return fake_scan()


def rows_of(section):
    """(rows, per-row values) of a section of the ``unit`` trait, values decoded."""
    flat = codec.decode(section["values"])
    out, at = [], 0
    for r in section["rows"]:
        n = len(r["context"])
        out.append(flat[at : at + n])
        at += n
    assert at == flat.size
    return section["rows"], out


def test_the_unit_trait_holds_the_selected_unit_and_nothing_else(scan):
    w = iw.NeuronDashboard(scan, layer="rnn.0.h", neuron=2)
    u = w.get_state("unit")["unit"]  # as the browser gets it
    assert (u["layer"], u["neuron"]) == ("rnn.0.h", 2)
    rows, values = rows_of(u["top"])
    top = scan.top("rnn.0.h", 2)
    assert [r["context"] for r in rows] == top["context"].tolist()
    assert [r["focus"] for r in rows] == top["focus"].tolist()
    for got, want in zip(values, scan.context_values("rnn.0.h", 2, "top"), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-3)  # float16 on the wire
    rows, _ = rows_of(u["bottom"])
    assert [r["position"] for r in rows] == scan.bottom("rnn.0.h", 2)["position"].tolist()
    rows, _ = rows_of(u["quantiles"])
    assert [r["interval"] for r in rows] == scan.quantiles("rnn.0.h", 2)["interval"].tolist()
    edges, counts = scan.histogram("rnn.0.h", 2)
    np.testing.assert_allclose(codec.decode(u["histogram"]["edges"]), edges, rtol=1e-6)
    np.testing.assert_array_equal(codec.decode(u["histogram"]["counts"]), counts)
    st = scan.stats.set_index(["layer", "unit"]).loc[("rnn.0.h", 2)]
    assert u["stats"]["count"] == st["count"]
    assert u["stats"]["density"] == pytest.approx(st["density"])
    assert u["vmax"] == pytest.approx(max(abs(st["min"]), abs(st["max"])))
    scores = [f["score"] for f in u["features"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 2
    assert [t["token"] for t in u["effect"]["promotes"]] == list("abcde")
    # no per-character value travels as a JSON float
    assert "values" not in json.dumps({k: v for k, v in u.items() if k in ("stats", "features")})
    # the saved replies hold the two neighbours the view prefetches
    held = w.get_state()["_replies"]["replies"]
    assert sorted(json.loads(k)["neuron"] for k in held) == [1, 3]


def test_layers_without_an_output_path_send_no_effect(scan):
    w = iw.NeuronDashboard(scan, layer="rnn.0.c")
    assert w.unit["effect"] is None


def test_traits_from_python_and_from_the_browser(scan):
    w = iw.NeuronDashboard(scan)
    assert (w.layer, w.neuron) == ("rnn.0.h", 0)
    w.neuron = 4
    assert w.unit["neuron"] == 4
    w.layer = 1  # by index
    assert w.layer == "rnn.0.c" and w.unit["layer"] == "rnn.0.c"
    w.set_state({"neuron": 5})
    assert w.unit["neuron"] == 5
    w.set_state({"layer": "rnn.0.h", "neuron": 99})  # past the end from the browser: clamped
    assert (w.layer, w.neuron) == ("rnn.0.h", 5)
    sel = {"layer": "rnn.0.h", "neuron": 5, "doc": "a.py", "doc_id": 0, "position": 3}
    w.set_state({"selected": {**sel, "start": 0, "end": 9}})
    assert w.selected["position"] == 3 and w.error == ""
    w.set_state({"selected": {**sel, "neuron": 77}})  # refused: shown in the widget, not raised
    assert "neuron: expected an index in [0, 5]" in w.error
    assert w.selected["neuron"] == 5


def test_requests_are_answered_with_buffers_and_errors_are_replies(scan):
    w = iw.NeuronDashboard(scan)
    sent = []
    w.send = lambda content, buffers=None: sent.append((content, buffers))
    body = {"kind": "unit", "layer": "rnn.0.c", "neuron": 3}
    w._on_custom_msg(w, {"type": "request", "id": 4, "body": body}, [])
    content, buffers = sent[-1]
    assert content["ok"] is True and content["id"] == 4
    assert ["top", "values", "buffer"] in content["buffer_paths"]
    assert content["data"]["layer"] == "rnn.0.c" and content["data"]["neuron"] == 3
    assert len(buffers) == len(content["buffer_paths"]) == 5  # 3 sections + edges + counts
    for bad, msg in [
        ({"kind": "unit", "layer": "nope", "neuron": 0}, "layer: 'nope' is not in this scan"),
        ({"kind": "unit", "layer": "rnn.0.c", "neuron": 6}, "neuron: expected an index in [0, 5]"),
        ({"kind": "column"}, "unknown request kind 'column'"),
    ]:
        w._on_custom_msg(w, {"type": "request", "id": 5, "body": bad}, [])
        assert sent[-1][0]["ok"] is False and msg in sent[-1][0]["error"]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"layer": "x"}, ValueError, r"layer: 'x' is not in this scan"),
        ({"layer": 5}, ValueError, r"layer: expected an index in \[0, 1\], got 5"),
        ({"layer": 1.5}, TypeError, r"layer: expected a name \(str\) or index \(int\)"),
        ({"neuron": 6}, ValueError, r"neuron: expected an index in \[0, 5\] for layer 'rnn.0.h'"),
        ({"neuron": -1}, ValueError, r"neuron: expected an index in \[0, 5\]"),
        ({"neuron": "3"}, TypeError, r"neuron: expected an int, got str"),
        ({"neuron": True}, TypeError, r"neuron: expected an int, got bool"),
        ({"title": 3}, TypeError, r"title: expected a str, got int"),
        ({"export_budget": 0}, ValueError, r"export_budget: expected a positive int"),
        ({"export_budget": 1e6}, TypeError, r"export_budget: expected a positive int"),
    ],
)
def test_bad_arguments(scan, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        iw.NeuronDashboard(scan, **kwargs)


def test_a_scan_is_required():
    for bad in (None, "scan", iw.Trace.from_arrays("ab", {"x": np.zeros((2, 1))})):
        with pytest.raises(TypeError, match=r"scan: expected an interpwidgets.Scan"):
            iw.NeuronDashboard(bad)


def test_bad_selections_from_python_raise(scan):
    w = iw.NeuronDashboard(scan)
    with pytest.raises(ValueError, match=r"selected: unknown keys \['bogus'\]"):
        w.selected = {"neuron": 0, "position": 1, "bogus": 1}
    with pytest.raises(TypeError, match=r"selected: position must be an int"):
        w.selected = {"neuron": 0, "position": "1"}
    with pytest.raises(ValueError, match=r"selected: nothing is selected"):
        w.open_selected()


def test_export_holds_the_units_that_fit_and_says_which(scan, tmp_path):
    from interpwidgets.export import page_data

    w = iw.NeuronDashboard(scan, layer="rnn.0.c", neuron=3)
    one = nbytes(w.unit)
    w.export_budget = int(one * 3.5)  # three units fit
    data = page_data(w)
    held = sorted(json.loads(k)["neuron"] for k in data["store"])
    assert held == [2, 3, 4]
    assert "holds units 2–4 of layer 'rnn.0.c'" in data["missing"]
    assert data["state"]["export_layers"] == ["rnn.0.c"]
    assert request_key({"kind": "unit", "layer": "rnn.0.c", "neuron": 3}) in data["store"]
    # everything fits: the whole layer, and the message says so
    w.export_budget = 10**8
    data = page_data(w)
    assert sorted(json.loads(k)["neuron"] for k in data["store"]) == list(range(6))
    assert "every unit of layer 'rnn.0.c'" in data["missing"]
    path = w.save_html(tmp_path / "dash.html")
    assert path.stat().st_size > 0


def test_open_selected_shows_the_stored_values_without_a_model(scan):
    w = iw.NeuronDashboard(scan, layer="rnn.0.h", neuron=1)
    r = scan.top("rnn.0.h", 1).iloc[0]
    w.selected = {
        "layer": "rnn.0.h",
        "neuron": 1,
        "doc": r.doc,
        "doc_id": int(r.doc_id),
        "position": int(r.position),
        "start": int(r.start),
        "end": int(r.end),
    }
    nt = w.open_selected()
    assert isinstance(nt, iw.NeuronText)
    assert nt.text == r.context and (nt.layer, nt.neuron) == ("rnn.0.h", 1)
    np.testing.assert_allclose(nt.values(), scan.context_values("rnn.0.h", 1)[0])
    assert np.isnan(nt.values(neuron=0)).all()  # other units: missing, not invented
    assert "values stored in the scan" in nt.title


# ---- against the real iw.scan ------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    """A real scan of two held-out documents with the embedded char-LSTM, its corpus, its model."""
    return real_scan()


def test_real_scan_contexts_and_values(real):
    s, docs, _ = real
    w = iw.NeuronDashboard(s, layer="rnn.1.h", neuron=7)
    rows, values = rows_of(w.get_state("unit")["unit"]["top"])
    top = s.top("rnn.1.h", 7)
    assert [r["context"] for r in rows] == top["context"].tolist()
    for r, v in zip(rows, values, strict=True):
        assert docs[r["doc"]][r["start"] : r["end"]] == r["context"]
        assert v[r["focus"]] == pytest.approx(r["value"], abs=2e-3 * max(1, abs(r["value"])))
    assert w.unit["effect"] is not None  # the last hidden state feeds the output layer
    assert len(w.unit["effect"]["promotes"]) == 10
    assert {f["feature"] for f in w.unit["features"]} >= {"in_string", "in_comment"}
    w.layer = "rnn.0.c"
    assert w.unit["effect"] is None


def test_real_scan_open_selected_traces_the_document(real):
    s, docs, lm = real
    w = iw.NeuronDashboard(s, layer="rnn.1.h", neuron=7)
    r = s.bottom("rnn.1.h", 7).iloc[0]
    w.set_state(
        {
            "selected": {
                "layer": "rnn.1.h",
                "neuron": 7,
                "doc": r.doc,
                "doc_id": int(r.doc_id),
                "position": int(r.position),
                "start": int(r.start),
                "end": int(r.end),
            }
        }
    )
    nt = w.open_selected(model=lm, corpus=docs)
    lo = max(0, int(r.start) - 400)
    assert nt.text == docs[r.doc][lo : min(len(docs[r.doc]), int(r.end) + 400)]
    assert nt.values()[int(r.position) - lo] == pytest.approx(r.value, abs=1e-3)
    assert "rnn.0.c" in nt.trace.activations  # every layer the model records
