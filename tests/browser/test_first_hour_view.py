"""What a person sees in the first hour (issue 18), in a real browser, from saved pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ATTN = ".iw-root.iw-attention-view"


def test_head_view_labels_cjk_and_accents_from_the_text(page, iw, tmp_path):
    """MiniLM's word pieces lose 电 to [UNK] and café to "cafe": the page shows the text's own."""
    pytest.importorskip("transformers")
    enc, tok = iw.zoo.minilm()
    tr = iw.trace(enc, "我爱电脑 Café", tokenizer=tok)
    path = tmp_path / "cjk.html"
    iw.AttentionView(tr).save_html(str(path))
    page.goto(path.as_uri())
    expect(page.locator(ATTN)).to_have_attribute("data-rendered", re.compile(r"^head:"))
    for side in ("q", "k"):
        labels = page.locator(f"{ATTN} .iw-attn-col-{side} span.iw-attn-tok").all_inner_texts()
        assert labels == ["[CLS]", "我", "爱", "电", "脑", "Café", "[SEP]"], labels


NT = ".iw-root.iw-neuron-text"
NX = ".iw-root.iw-neuron-explorer"


def _code_trace(iw):
    import inspect
    import json

    return iw.trace(iw.zoo.char_lstm(), inspect.getsource(json.decoder.JSONObject))


def test_neuron_text_opens_on_the_documented_cell_and_says_so(page, iw, tmp_path):
    tr = _code_trace(iw)
    cell = iw.zoo.card("char_lstm")["cells"]["in_string"]
    path = tmp_path / "nt.html"
    iw.NeuronText(tr).save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(NT)
    expect(root).to_have_attribute("data-rendered-neuron", str(cell["neuron"]))
    expect(root.locator("input.iw-neuron")).to_have_value(str(cell["neuron"]))
    expect(root.locator(".iw-title-main")).to_contain_text("documented in_string cell")
    expect(root.locator(".iw-title-main")).to_contain_text(f"{cell['layer']} {cell['neuron']}")


def test_neuron_explorer_opens_on_its_top_ranked_unit(page, iw, tmp_path):
    tr = _code_trace(iw)
    w = iw.NeuronExplorer(tr, feature="in_string")
    top = w.ranking["rows"][0]
    path = tmp_path / "nx.html"
    w.save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(NX)
    expect(root.locator("input.iw-neuron").first).to_have_value(str(top["neuron"]))
    expect(root.locator(".iw-title-main").first).to_contain_text("top of the ranking")
