"""What a person meets in the first hour: quiet model loads, progress where waits are long."""

from __future__ import annotations

import numpy as np
import pytest

import interpwidgets as iw


@pytest.mark.parametrize("load", ["minilm", "sentiment"])
def test_zoo_loads_print_no_library_bars_and_restore_settings(load, capfd):
    pytest.importorskip("transformers")
    from transformers.utils import logging

    for enabled in (True, False):
        (logging.enable_progress_bar if enabled else logging.disable_progress_bar)()
        logging.set_verbosity_warning()
        getattr(iw.zoo, load)()
        err = capfd.readouterr().err
        assert "Loading weights" not in err and "%|" not in err, err
        assert logging.is_progress_bar_enabled() is enabled  # the user's setting, restored
        assert logging.get_verbosity() == logging.WARNING
    logging.enable_progress_bar()


def test_token_labels_come_from_the_text_where_the_tokenizer_lost_it():
    import numpy as np

    from interpwidgets.models.base import token_labels

    text = "café 电 The naïve"
    tokens = ["[CLS]", "ca", "##fe", "[UNK]", "the", "naive", "[SEP]"]
    offsets = np.array([[0, 0], [0, 2], [2, 4], [5, 6], [7, 10], [11, 16], [0, 0]])
    special = np.array([1, 0, 0, 0, 0, 0, 1], dtype=bool)
    got = token_labels(tokens, offsets, special, text, "[UNK]")
    # unknown → the character; accents restored (the piece keeps its ##); case kept as read
    assert got == ["[CLS]", "ca", "##fé", "电", "the", "naïve", "[SEP]"]


def test_minilm_trace_and_attribution_show_cjk_and_accents():
    pytest.importorskip("transformers")
    enc, tok = iw.zoo.minilm()
    tr = iw.trace(enc, "我爱电脑 Café", tokenizer=tok)
    assert tr.tokens == ["[CLS]", "我", "爱", "电", "脑", "Café", "[SEP]"]
    clf, tok = iw.zoo.sentiment()
    a = iw.attribute(clf, "电脑 café", tok, method="saliency")
    assert a.tokens == ["[CLS]", "电", "脑", "café", "[SEP]"]


def _code_trace(model):
    import inspect
    import json

    return iw.trace(model, inspect.getsource(json.decoder.JSONObject))


def test_neuron_text_opens_on_the_card_cell_then_on_the_largest_variance():
    tr = _code_trace(iw.zoo.char_lstm())
    cell = iw.zoo.card("char_lstm")["cells"]["in_string"]
    w = iw.NeuronText(tr)
    assert (w.layer, w.neuron) == (cell["layer"], cell["neuron"])
    assert "documented in_string cell" in w.title and w.opened_on in w.title
    other = "rnn.1.h" if cell["layer"] != "rnn.1.h" else "rnn.0.h"
    w = iw.NeuronText(tr, layer=other)
    var = np.nanvar(tr.activations[other], axis=0)
    assert w.neuron == int(np.argmax(var)) and "largest variance" in w.title
    w = iw.NeuronText(tr, layer="rnn.0.h", neuron=3, title="mine")
    assert (w.neuron, w.title, w.opened_on) == (3, "mine", "")
    # arrays the user built keep unit 0 of the first layer
    plain = iw.Trace.from_arrays("abc", {"a": np.arange(6.0).reshape(3, 2)})
    assert iw.NeuronText(plain).neuron == 0


def test_retrained_weights_are_not_read_through_the_shipped_card():
    from interpwidgets.zoo import WEIGHTS, load

    lm = load("char_lstm", path=WEIGHTS)  # same file, but passed as another folder
    assert "zoo" not in _code_trace(lm).meta


def test_neuron_explorer_with_a_feature_opens_on_its_top_unit():
    tr = _code_trace(iw.zoo.char_lstm())
    w = iw.NeuronExplorer(tr, feature="in_string")
    top = w.ranking["rows"][0]
    assert (w.layer, w.neuron) == (top["layer"], top["neuron"])
    assert "top of the ranking" in w.title
    w = iw.NeuronExplorer(tr, feature="in_string", layer="rnn.0.h", neuron=4)
    assert (w.layer, w.neuron) == ("rnn.0.h", 4)


def test_find_neurons_shows_a_bar_over_layers_on_long_work_only(capfd, monkeypatch):
    import interpwidgets.neurons as neurons

    tr = _code_trace(iw.zoo.char_lstm())
    capfd.readouterr()
    iw.find_neurons(tr, "in_string")  # 2,789 characters × 3,072 units: quick, no bar
    assert "find_neurons" not in capfd.readouterr().err
    monkeypatch.setattr(neurons, "PROGRESS_VALUES", 1000)  # as if the text were long
    iw.find_neurons(tr, "in_string")
    err = capfd.readouterr().err
    assert "find_neurons (auroc)" in err and f"{len(tr.names)}/{len(tr.names)}" in err


def test_probe_chart_series_say_their_axis_and_note_negative_selectivity():
    import pandas as pd

    from interpwidgets.probing import ProbeResult
    from interpwidgets.widgets.probe_axis import layer_axis, selectivity_notes

    assert layer_axis(["embed", "rnn.0.h", "rnn.1.h"]) == {"unit": "layer", "depth": [0, 0.5, 1]}
    blocks = ["embed"] + [f"blocks.{k}.resid" for k in range(4)]
    assert layer_axis(blocks) == {"unit": "block", "depth": [0, 0.25, 0.5, 0.75, 1]}
    assert layer_axis(["a", "b"])["depth"] == [0.5, 1]
    assert selectivity_notes(["x", "y"], [0.1, None], [0.01, None]) == []
    (note,) = selectivity_notes(["x", "y"], [-0.2, -0.01], [0.05, 0.02])
    assert "below 0 at x, y" in note and "beyond ±1.96 SE at x" in note

    def result(model, layers, sel):
        n = len(layers)
        table = pd.DataFrame(
            {
                "layer": layers,
                "accuracy": [0.9] * n,
                "control_accuracy": [0.9 - s for s in sel],
                "selectivity": sel,
                "selectivity_se": [0.01] * n,
            }
        )
        return ProbeResult("in_string", model, table, {}, {})

    w = iw.ProbeChart(
        [
            result("lstm", ["embed", "rnn.0.h", "rnn.1.h"], [0.1, -0.05, 0.2]),
            result("tf", blocks, [0.1] * 5),
        ]
    )
    lstm, tf = w.series
    assert (lstm["unit"], tf["unit"]) == ("layer", "block")
    assert lstm["depth"][-1] == tf["depth"][-1] == 1
    assert len(lstm["notes"]) == 1 and "rnn.0.h" in lstm["notes"][0] and tf["notes"] == []


def test_trace_progress_moves_in_characters_within_each_chunk(monkeypatch):
    import tqdm.auto

    made = []

    class Bar:
        def __init__(self, *a, total=None, disable=False, **k):
            self.total, self.disable, self.n, self.steps = total, disable, 0, []
            made.append(self)

        def update(self, n):
            self.n += n
            self.steps.append(n)

        def close(self):
            pass

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    lm = iw.zoo.char_lstm()
    text = ("x = 'a' + b\n" * 300)[:3000]
    iw.trace(lm, text, chunk_size=1000, progress=True)
    bar = made[-1]
    assert bar.total == bar.n == 3000 and not bar.disable
    # 3 chunks × 2 layers × (forward, gates): 12 steps of 250 characters
    assert len(bar.steps) == 12 and max(bar.steps) == 250
    iw.trace(lm, text[:2000])  # short: no bar by default
    assert made[-1].disable


def test_brushing_clears_the_feature_and_keeps_the_spans_ranking():
    """After brushing, the feature menu no longer names the old feature (the browser sets
    ``feature`` to ""), and that does not wipe the ranking the spans just made."""
    text = "x = 'ab'\ny = 'cd'\n" * 20
    rng = np.random.default_rng(0)
    tr = iw.Trace.from_arrays(text, {"h": rng.normal(size=(len(text), 6)).astype(np.float32)})
    w = iw.NeuronExplorer(tr, layer="h", neuron=0, feature="in_string")
    assert w.ranking["source"].startswith("feature: in_string")
    w.spans = [[4, 8]]  # the browser sends the spans, then the cleared feature
    w.feature = ""
    assert w.ranking["source"].startswith("spans")
    assert w.ranking["rows"]
    w.spans = []
    assert w.ranking == {}


def test_neuron_text_underline_runs_and_errors():
    text = "x = 'ab' # c\n"
    tr = iw.Trace.from_arrays(text, {"h": np.zeros((len(text), 2), np.float32)})
    w = iw.NeuronText(tr, layer="h", underline="in_string")
    assert w.overlay == {"name": "in_string", "runs": [[4, 7]], "tokens": 3}
    mask = np.zeros(len(text))
    mask[[0, 1, 9]] = 1
    mask[2] = np.nan  # missing: not underlined
    w.underline(mask, name="my cell's truth")
    assert w.overlay == {"name": "my cell's truth", "runs": [[0, 2], [9, 10]], "tokens": 3}
    w.underline(None)
    assert w.overlay == {}
    with pytest.raises(ValueError, match="^underline: 'nope' is not a known feature"):
        iw.NeuronText(tr, layer="h", underline="nope")
    with pytest.raises(ValueError, match="^underline: expected 13 values"):
        w.underline(np.ones(5))


def test_exported_neuron_text_holds_every_layer_that_fits():
    text = "def f(x):\n    return x\n" * 3
    rng = np.random.default_rng(0)
    acts = {k: rng.normal(size=(len(text), 4)).astype(np.float32) for k in ("a", "b", "c")}
    w = iw.NeuronText(iw.Trace.from_arrays(text, acts), layer="b", neuron=1)
    assert w._export_state() == {"export_layers": ["b", "a", "c"]}
    held = {(r["layer"], r["neuron"]) for r in w._export_requests()}
    assert held == {(k, n) for k in "abc" for n in range(4)}
    # room for the selected layer and one more, not all three: the selected layer alone
    w.export_budget = int(w._column_cost("b") * 4 * 2.5)
    assert w._export_state() == {"export_layers": ["b"]}
    assert len(w._export_requests()) == 4
    # not even the selected layer whole: only the neurons around the selected one
    w.export_budget = int(w._column_cost("b") * 2.5)
    assert w._export_state() == {"export_layers": ["b"]}
    assert {r["layer"] for r in w._export_requests()} == {"b"}
    # NeuronExplorer keeps its budget for the heatmap
    x = iw.NeuronExplorer(iw.Trace.from_arrays(text, acts), layer="b", neuron=1)
    assert x._export_state() == {"export_layers": ["b"]}
