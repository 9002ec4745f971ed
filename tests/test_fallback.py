"""Widget outputs carry a text/html fallback for hosts that cannot draw the live widget."""

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.widgets import fallback

VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def widget():
    tr = iw.Trace.from_arrays("ab", {"h": np.zeros((2, 3), np.float32)})
    yield iw.NeuronText(tr, layer="h", title="the <b>cell</b>")
    iw.static_fallback("note")


def data(w):
    bundle = w._repr_mimebundle_()
    return bundle[0] if isinstance(bundle, tuple) else bundle


def test_note_by_default_beside_the_live_view(widget):
    assert iw.static_fallback() == "note"
    d = data(widget)
    assert VIEW in d and "text/plain" in d  # the live widget first, as before
    note = d["text/html"]
    assert "<b>NeuronText</b>" in note and "the &lt;b&gt;cell&lt;/b&gt;" in note  # title escaped
    assert "Save Widget State Automatically" in note and "save_html" in note
    assert len(note) < 1500


def test_page_embeds_the_exported_page_and_none_adds_nothing(widget, monkeypatch):
    iw.static_fallback("page")
    page = data(widget)["text/html"]
    assert page.startswith("<iframe srcdoc=") and "NeuronText (saved view)" in page
    monkeypatch.setattr(fallback, "PAGE_BUDGET", 1000)
    over = data(widget)["text/html"]
    assert "an interactive interpwidgets view" in over and "MB the notebook embeds" in over
    iw.static_fallback(None)
    assert "text/html" not in data(widget)
    with pytest.raises(ValueError, match="mode: expected 'note', 'page' or None"):
        iw.static_fallback("png")
