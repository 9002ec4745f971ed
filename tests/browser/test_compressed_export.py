"""Exported pages store their buffers deflated (``codec.pack``) and the browser inflates them.

The same widget saved with and without compression must look the same, step to data held in
the page's store (inflated on request) the same way, and a browser without
``DecompressionStream`` must get a plain message naming the way out, never a blank page.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from iwpage import ROOT, assert_column_colours, open_export, token_colours, wait_rendered

pytestmark = pytest.mark.browser

TEXT = "def f(x):\n    return 'value' + str(x)  # ok\n" * 20  # short enough to be drawn whole
NO_DECOMPRESSION = "delete window.DecompressionStream; delete globalThis.DecompressionStream;"


@pytest.fixture
def pages(iw, tmp_path):
    grid = np.linspace(-1, 1, len(TEXT))
    acts = np.stack([np.sin(grid * (k + 1) * 7).round(1) for k in range(4)], 1).astype(np.float32)
    w = iw.NeuronText(iw.Trace.from_arrays(TEXT, {"h": acts}), neuron=0)
    packed = w.save_html(tmp_path / "packed.html")
    raw = w.save_html(tmp_path / "raw.html", compress=False)
    return acts, packed, raw


def _data(path):
    html = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'id="iw-data">(.*?)</script>', html, re.S).group(1))


def test_deflated_page_is_smaller_and_shows_the_same(page, pages):
    acts, packed, raw = pages
    # the module is a script of its own (export.inline_module); the buffers are packed
    assert "esm" not in _data(packed) and "esm" not in _data(raw)
    stored = [b for r in _data(packed)["store"].values() for b in r["buffers"]]
    assert stored and all("deflate" in b for b in stored)
    # the data the page holds (the module, the same plain script in both, left aside)
    assert len(json.dumps(_data(packed))) < 0.75 * len(json.dumps(_data(raw)))
    seen = {}
    for name, path in (("packed", packed), ("raw", raw)):
        root = open_export(page, path)
        assert_column_colours(root, acts[:, 0], what=f"{name}, neuron 0")
        page.locator(f"{ROOT} button.iw-next").click()  # neuron 1 comes from the store
        wait_rendered(root, neuron=1)
        assert_column_colours(root, acts[:, 1], what=f"{name}, neuron 1 from the store")
        seen[name] = token_colours(root)
    assert seen["packed"] == seen["raw"]


def test_no_decompression_stream_says_so_and_raw_pages_still_open(make_page, guard, pages):
    acts, packed, raw = pages
    page = make_page()
    page.add_init_script(NO_DECOMPRESSION)
    root = open_export(page, raw)  # a page saved with compress=False needs no inflating
    assert_column_colours(root, acts[:, 0], what="raw page without DecompressionStream")
    guard.expect_errors = True  # the shim logs the error it shows
    page.goto(packed.resolve().as_uri())
    box = page.locator(".iw-page-error")
    box.wait_for(timeout=10_000)
    text = box.inner_text()
    assert "DecompressionStream" in text and "compress=False" in text, text
    assert guard.requests == [] and guard.dialogs == []
