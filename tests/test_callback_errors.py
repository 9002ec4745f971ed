"""Exceptions raised in Python while a browser change is applied reach the widget's ``error``.

``set_state`` is what ipywidgets calls with a change the browser sent (a click on "next",
a layer chosen in the menu). Without this, ipykernel only logs such an exception and the
person who clicked sees nothing; with it the widget shows the text in its ``.iw-error`` box.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.widgets.base import Widget

TEXT = "def f(x):\n    return x\n"


def neuron_text(**kwargs):
    i = np.arange(len(TEXT), dtype=np.float32)[:, None]
    arr = np.sin(i * (np.arange(8, dtype=np.float32)[None, :] + 1) / 3)
    tr = iw.Trace.from_arrays(TEXT, {"rnn.0.h": arr, "rnn.1.h": -arr[:, :4]})
    return iw.NeuronText(tr, layer="rnn.0.h", neuron=2, **kwargs)


def neuron_explorer():
    i = np.arange(len(TEXT), dtype=np.float32)[:, None]
    arr = np.cos(i * (np.arange(6, dtype=np.float32)[None, :] + 1) / 5)
    return iw.NeuronExplorer(iw.Trace.from_arrays(TEXT, {"rnn.0.h": arr}), layer="rnn.0.h")


def attention_view():
    a = np.random.default_rng(0).random((2, 3, 4, 4)).astype(np.float32)
    return iw.AttentionView(a / a.sum(-1, keepdims=True), tokens=list("abcd"))


def attribution_text():
    return iw.AttributionText(
        iw.Attribution(
            text="the cat",
            tokens=["[CLS]", "the", "cat", "[SEP]"],
            offsets=[(0, 0), (0, 3), (4, 7), (0, 0)],
            scores=np.array([0.0, 0.5, -0.25, 0.0], np.float32),
            target=1,
            labels=["neg", "pos"],
            probs=np.array([0.3, 0.7], np.float32),
            method="saliency",
        )
    )


def boom(change):
    raise ZeroDivisionError("division by zero")


def test_every_widget_has_a_synced_error_trait():
    for make in (neuron_text, neuron_explorer, attention_view, attribution_text):
        w = make()
        assert isinstance(w, Widget)
        assert w.error == ""
        assert w.trait_metadata("error", "sync") is True
        assert w.get_state()["error"] == ""


def test_failing_user_observer_sets_error_and_logs(caplog):
    w = neuron_text()
    w.observe(boom, "neuron")
    with caplog.at_level(logging.ERROR, logger="interpwidgets"):
        w.set_state({"neuron": 3})  # what a click on "next" sends; must not raise
    assert w.neuron == 3  # the change itself was applied ...
    assert w.column["neuron"] == 3  # ... and our own observer ran before the user's
    first, hint = w.error.split("\n")
    assert first == "ZeroDivisionError: division by zero"
    assert "neuron = 3" in hint and "browser" in hint
    records = [r for r in caplog.records if r.name == "interpwidgets"]
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    assert records[0].exc_info and records[0].exc_info[0] is ZeroDivisionError
    assert "NeuronText" in records[0].getMessage()
    assert "ZeroDivisionError: division by zero" in records[0].getMessage()


def test_python_side_assignment_still_raises():
    w = neuron_text()
    w.observe(boom, "neuron")
    with pytest.raises(ZeroDivisionError):
        w.neuron = 4
    assert w.error == ""
    # A bad value set in a cell raises there too (the validator), and is not hidden.
    w2 = neuron_text()
    with pytest.raises(ValueError, match="neuron: expected an index"):
        w2.neuron = 99
    assert w2.error == ""


def test_next_good_browser_update_clears_the_error():
    w = neuron_text()
    w.observe(boom, "neuron")
    w.set_state({"neuron": 3})
    assert w.error.startswith("ZeroDivisionError")
    w.unobserve(boom, "neuron")
    w.set_state({"neuron": 4})
    assert w.error == "" and w.neuron == 4


def test_an_update_that_fails_again_keeps_an_error_and_names_the_new_change():
    w = neuron_text()
    w.observe(boom, "layer")
    w.set_state({"layer": "rnn.1.h"})
    assert "layer = 'rnn.1.h'" in w.error
    w.set_state({"neuron": 1})  # a change that does not trigger the failing callback
    assert w.error == ""


def test_dismiss_from_the_browser_clears_it():
    w = neuron_text()
    w.observe(boom, "neuron")
    w.set_state({"neuron": 3})
    assert w.error
    w.set_state({"error": ""})  # the "dismiss" button
    assert w.error == ""


def test_a_value_refused_from_the_browser_is_shown_and_rolled_back(caplog):
    w = attribution_text()
    before = w.target
    sent = []
    w.send_state = lambda key=None: sent.append(key)  # what goes back to the browser
    with caplog.at_level(logging.ERROR, logger="interpwidgets"):
        w.set_state({"target": "pos"})  # not an int: traitlets refuses it
    assert w.target == before  # rolled back
    assert w.error.startswith("TypeError: target: expected an int")  # never a TraitError
    assert "target = 'pos'" in w.error
    assert ["target"] in sent  # the browser is told the kernel's value again
    assert any(r.name == "interpwidgets" for r in caplog.records)


@pytest.mark.parametrize("make", [neuron_explorer, attention_view, attribution_text])
def test_other_widgets_show_observer_errors_too(make):
    w = make()
    name = {"NeuronExplorer": "neuron", "AttentionView": "head", "AttributionText": "target"}[
        type(w).__name__
    ]
    w.observe(boom, name)
    w.set_state({name: 1})
    assert w.error.startswith("ZeroDivisionError: division by zero\n")
    assert f"{name} = 1" in w.error


def test_long_values_are_shortened_in_the_hint():
    w = neuron_explorer()
    w.observe(boom, "spans")
    w.set_state({"spans": [[i, i + 1] for i in range(20)]})
    hint = w.error.split("\n")[1]
    assert "spans = " in hint and len(hint) < 120
