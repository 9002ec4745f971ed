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
