"""What a person sees in the first hour (issue 18), in a real browser, from saved pages."""

from __future__ import annotations

import os
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
    expect(root.locator(".iw-caption")).to_have_text(f"{cell['layer']} · neuron {cell['neuron']}")


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


ATTR = ".iw-root.iw-attribution-text"


def test_unsigned_methods_use_the_sequential_scale_and_say_so(page, iw, tmp_path):
    """Saliency (‖gradient‖) and attention have no sign: blues from white, a legend saying
    "size, no sign", never red "towards"; Integrated Gradients stays on the diverging scale."""
    import numpy as np
    from iwpage import close_rgb, expected_text_gate, parse_rgb

    text = "dull plot wonderful acting"
    offsets = np.array([[0, 4], [5, 9], [10, 19], [20, 26]])
    toks = [text[s:e] for s, e in offsets]

    def row(method, scores):
        return iw.Attribution(
            text=text, tokens=toks, offsets=offsets, scores=np.array(scores, np.float32),
            target=1, labels=["negative", "positive"], probs=np.array([0.2, 0.8], np.float32),
            method=method,
        )  # fmt: skip

    rows = [
        row("saliency", [0.1, 0.2, 0.8, 0.4]),
        row("integrated_gradients", [-0.4, 0.1, 0.8, 0.2]),
        row("attention", [0.05, 0.1, 0.6, 0.25]),
    ]
    path = tmp_path / "attr.html"
    iw.AttributionText(rows).save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(ATTR)
    expect(root).to_have_attribute("data-rendered", re.compile(r".+"))
    for method, scores in (
        ("saliency", [0.1, 0.2, 0.8, 0.4]),
        ("attention", [0.05, 0.1, 0.6, 0.25]),
    ):
        tok = root.locator(f'.iw-attr-row[data-method="{method}"] span.iw-tok').nth(2)
        got = parse_rgb(tok.evaluate("e => getComputedStyle(e).backgroundColor"))
        # per row, on the text scale's sequential shades (Blues as far as the dark ink allows)
        assert close_rgb(got, expected_text_gate(scores[2] / max(scores))), (method, got)
        expect(
            root.locator(f'.iw-attr-row[data-method="{method}"] .iw-attr-unsigned')
        ).to_be_visible()
    ig = root.locator('.iw-attr-row[data-method="integrated_gradients"] span.iw-tok').nth(0)
    r, _, b = parse_rgb(ig.evaluate("e => getComputedStyle(e).backgroundColor"))
    assert b > r, "a negative IG score is blue (against)"
    expect(root.locator(".iw-attr-legend-unsigned")).to_be_visible()
    expect(root.locator(".iw-attr-legend-unsigned")).to_contain_text("size, no sign")
    expect(root.locator(".iw-attr-legend-signed")).to_be_visible()
    page.screenshot(path=os.environ.get("IW_SHOT", str(tmp_path / "attr.png")))


def test_neuron_box_applies_on_enter_and_names_the_valid_range(page, iw, tmp_path):
    import numpy as np

    vals = np.random.default_rng(0).normal(size=(12, 40)).astype(np.float32)
    path = tmp_path / "box.html"
    iw.NeuronText(iw.Trace.from_arrays("hello world!", {"h": vals})).save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(NT)
    expect(root).to_have_attribute("data-rendered-neuron", "0")
    box, note = root.locator("input.iw-neuron"), root.locator(".iw-range-note")
    box.fill("7")
    box.press("Enter")  # applied at once, the box keeps the focus (no blur needed)
    expect(root).to_have_attribute("data-rendered-neuron", "7")
    assert box.evaluate("e => document.activeElement === e")
    expect(note).to_be_hidden()
    box.fill("999")
    box.press("Enter")
    expect(root).to_have_attribute("data-rendered-neuron", "39")  # the last one
    expect(box).to_have_value("39")
    expect(note).to_be_visible()
    expect(note).to_have_text("999 is out of range: neurons 0\u201339")
    box.fill("3")
    box.press("Enter")
    expect(root).to_have_attribute("data-rendered-neuron", "3")
    expect(note).to_be_hidden()


def test_title_names_the_unit_it_was_given_for_after_stepping(page, iw, tmp_path):
    import numpy as np

    vals = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    tr = iw.Trace.from_arrays("a b c", {"h": vals})
    path = tmp_path / "title.html"
    iw.NeuronText(tr, neuron=2, title="the string cell").save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(NT)
    main, caption = root.locator(".iw-title-main"), root.locator(".iw-caption")
    expect(main).to_have_text("the string cell")
    expect(caption).to_have_text("h · neuron 2")
    root.locator("button.iw-next").click()
    expect(root).to_have_attribute("data-rendered-neuron", "3")
    expect(main).to_have_text("the string cell (h · neuron 2)")  # not a claim about neuron 3
    expect(caption).to_have_text("now: h · neuron 3")
    root.locator("button.iw-prev").click()
    expect(main).to_have_text("the string cell")
    expect(caption).to_have_text("h · neuron 2")


def test_probe_chart_names_its_x_axis_and_notes_negative_selectivity(page, iw, tmp_path):
    import pandas as pd

    from interpwidgets.probing import ProbeResult

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

    blocks = ["embed"] + [f"blocks.{k}.resid" for k in range(4)]
    w = iw.ProbeChart(
        [
            result("char-LSTM", ["embed", "rnn.0.h", "rnn.1.h"], [0.1, -0.05, 0.2]),
            result("char-Transformer", blocks, [0.1] * 5),
        ]
    )
    path = tmp_path / "probe.html"
    w.save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(".iw-root.iw-probe-chart")
    title = root.locator("svg .iw-probe-axis-title")
    expect(title).to_contain_text("layer / block, aligned by relative depth")
    note = root.locator(".iw-probe-note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("selectivity below 0 at rnn.0.h")
    page.screenshot(path=os.environ.get("IW_SHOT_PROBE", str(tmp_path / "probe.png")))
