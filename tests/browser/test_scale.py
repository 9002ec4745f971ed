"""Scale: a 1,000,000-character NeuronText and a BERT-base-shaped attention stack render and
respond in Chromium (how fast is measured by bench/bench_scale.py, not asserted here)."""

import numpy as np
import pytest
from iwpage import bg_rgb, close_rgb, expected_text_rgb, open_export, text_scale_hi, wait_rendered
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_million_characters(iw, page, tmp_path):
    unit = "def f(x):\n    return 'value' + str(x)  # ok\n"
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    values = np.sin(np.arange(len(text)) / 7.0).astype(np.float32)
    tr = iw.Trace.from_arrays(text, {"h": np.stack([values, -values], 1)})
    path = iw.NeuronText(tr).save_html(tmp_path / "million.html")
    root = open_export(page, path, timeout=120_000)
    assert (
        page.locator(".iw-tok").count() < 20_000
    )  # only the part near the screen is split into spans
    last = len(text) - 1
    page.locator(".iw-text").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    tok = page.locator(f'span.iw-tok[data-i="{last}"]')
    expect(tok).to_be_attached(timeout=30_000)
    assert close_rgb(bg_rgb(tok), expected_text_rgb(float(values[last]), text_scale_hi(values)))
    tok.hover()
    expect(page.locator(".iw-tooltip")).to_contain_text(f"token {last}")
    page.locator("button.iw-next").click()
    wait_rendered(root, neuron=1, timeout=60_000)
    assert close_rgb(bg_rgb(tok), expected_text_rgb(float(-values[last]), text_scale_hi(values)))


@pytest.mark.parametrize("view", ["model", "matrix", "head"])
def test_bert_base_shaped_attention(iw, page, tmp_path, view):
    rng = np.random.default_rng(0)
    a = rng.random((12, 12, 512, 512), dtype=np.float32) ** 8
    a /= a.sum(-1, keepdims=True)
    w = iw.AttentionView(a, tokens=[f"t{i}" for i in range(512)], view=view, layer=11, head=11)
    path = w.save_html(tmp_path / f"{view}.html")
    page.goto(path.resolve().as_uri())
    root = page.locator(".iw-root.iw-attention-view")
    expect(root).to_have_attribute("data-rendered", f"{view}:11:11", timeout=120_000)
    canvas = root.locator("canvas:visible").first
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width * c.height") > 0
