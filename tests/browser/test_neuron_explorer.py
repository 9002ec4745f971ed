"""NeuronExplorer exported with ``save_html`` and opened from ``file://`` with no kernel.

What a person sees: the heatmap's pixels, a click on a heatmap row or a ranking row that
selects that neuron, the five prediction chips under a hovered character, a feature that
ranks the planted neuron first, brushing a span (underlined; the page says span queries
need the kernel), hostile text shown as text. Every test also fails on any console error,
page error, dialog or request (``conftest.py``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from iwpage import close_rgb, expected_rgb
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = ".iw-root.iw-neuron-explorer"
LAYER = "rnn.0.h"
PLANTED = 5  # tracks "in_string"
SINE = 9  # a slow sine over positions: a known, smooth row
HOSTILE = "<img src=x onerror=alert(1)>"
VOCAB = np.array(list("abcdefghijklmnopqrstuvwxyz \n\t\"'()=<>"), dtype=object)
PROBS = np.array([0.61, 0.2, 0.1, 0.05, 0.004])

CODE = '''def greet(name):
    """Say hello."""
    msg = "hello, " + name  # build it
    if name == 'world':
        print(msg, "!")
    return [msg, (1, 2)]

'''
TEXT = CODE * 5 + f'x = "🙂 {HOSTILE}"\nend = 1\n'


def _trace(iw):
    from interpwidgets import features

    n = len(TEXT)
    rng = np.random.default_rng(0)
    in_string = features.python_code(TEXT)["in_string"].astype(np.float32)
    a = rng.normal(0, 0.3, (n, 16)).astype(np.float32)
    a[:, PLANTED] = in_string * 1.6 - 0.8 + rng.normal(0, 0.05, n)
    a[:, SINE] = np.sin(np.arange(n) / 8) * 1.5
    b = rng.normal(0, 0.5, (n, 8)).astype(np.float32)
    # predictions: at position i the guesses are VOCAB[(i + j) % len] with fixed probabilities
    idx = (np.arange(n)[:, None] + np.arange(5)[None, :]) % len(VOCAB)
    preds = {"tokens": VOCAB[idx], "probs": np.tile(PROBS, (n, 1))}
    tr = iw.Trace.from_arrays(TEXT, {LAYER: a, "rnn.1.h": b}, predictions=preds)
    return tr, a


@pytest.fixture
def explorer(iw, tmp_path):
    from interpwidgets.widgets.neuron_explorer import NeuronExplorer

    tr, acts = _trace(iw)
    w = NeuronExplorer(tr, layer=LAYER, neuron=0, title="NeuronExplorer test")
    path = tmp_path / "explorer.html"
    w.save_html(str(path))
    return path, acts


def open_explorer(page, path):
    page.goto(path.resolve().as_uri())
    root = page.locator(ROOT)
    expect(root).to_have_attribute("data-rendered-neuron", re.compile(r"^\d+$"))
    canvas = page.locator(f"{ROOT} canvas.iw-heatmap")
    expect(canvas).to_have_attribute("data-drawn", re.compile(r".+"))
    return root, canvas


def heatmap_geometry(canvas):
    return canvas.evaluate(
        """c => ({
            start: +c.dataset.start, stop: +c.dataset.stop, rowH: +c.dataset.rowHeight,
            gutter: +c.dataset.gutter, order: c.dataset.order.split(',').map(Number),
            cssW: c.getBoundingClientRect().width, cssH: c.getBoundingClientRect().height,
            w: c.width, h: c.height, selected: +c.dataset.selected,
        })"""
    )


def cell_point(g, neuron, pos):
    """Css point (relative to the canvas) at the centre of the cell (neuron, pos)."""
    row = g["order"].index(neuron)
    cols = g["stop"] - g["start"]
    x = g["gutter"] + (pos - g["start"] + 0.5) * (g["cssW"] - g["gutter"]) / cols
    y = (row + 0.5) * g["rowH"]
    return x, y


def pixel(canvas, x, y):
    return tuple(
        canvas.evaluate(
            """(c, [x, y]) => {
                const s = c.width / c.getBoundingClientRect().width;
                return Array.from(c.getContext('2d').getImageData(Math.floor(x * s), Math.floor(y * s), 1, 1).data);
            }""",
            [x, y],
        )[:3]
    )


def test_heatmap_pixels_have_the_expected_colours(page, explorer):
    from interpwidgets import codec

    path, acts = explorer
    _, canvas = open_explorer(page, path)
    g = heatmap_geometry(canvas)
    assert (g["start"], g["stop"]) == (0, 512)
    assert g["rowH"] >= 2 and g["w"] >= g["cssW"] and sorted(g["order"]) == list(range(16))
    # The values as the page got them: uint8-quantized, on the layer-wide scale.
    window = codec.decode(codec.encode(acts[0:512].T, "uint8"))
    # The colour scale: the 99th percentile of |value| over the window (robust to a few huge
    # values), at most the layer's max |value| that Python sends.
    layer_max = float(np.abs(acts[np.isfinite(acts)]).max())
    a = np.sort(np.abs(window[np.isfinite(window)]).astype(np.float32))
    vmax = min(float(a[int(np.floor(0.99 * (a.size - 1)))]), layer_max)
    assert float(canvas.get_attribute("data-vmax")) == pytest.approx(vmax, rel=1e-6)
    bad = []
    for neuron, pos in [(SINE, 0), (SINE, 12), (SINE, 25), (SINE, 300), (PLANTED, 40), (3, 7)]:
        x, y = cell_point(g, neuron, pos)
        got = pixel(canvas, x, y)
        want = expected_rgb(float(window[neuron, pos]), vmax)
        if not close_rgb(got, want, tol=6):
            bad.append(f"neuron {neuron} pos {pos}: got rgb{got}, want rgb{want}")
    assert not bad, "\n".join(bad)
    # Not blank: many distinct colours over the map.
    distinct = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  const s = new Set(); for (let i = 0; i < d.length; i += 4 * 7) s.add(d[i] << 16 | d[i+1] << 8 | d[i+2]);
                  return s.size; }"""
    )
    assert distinct > 100
    expect(page.locator(f"{ROOT} .iw-heatmap-label")).to_have_text(
        f"positions 0–511 of {len(TEXT)}"
    )


def test_clicking_a_heatmap_row_selects_that_neuron(page, explorer):
    path, _ = explorer
    root, canvas = open_explorer(page, path)
    g = heatmap_geometry(canvas)
    x, y = cell_point(g, 3, 100)
    canvas.click(position={"x": x, "y": y})
    expect(root).to_have_attribute("data-rendered-neuron", "3")
    expect(page.locator(f"{ROOT} input.iw-neuron")).to_have_value("3")
    expect(canvas).to_have_attribute("data-selected", "3")
    # hover: the tooltip names the cell and the position is outlined in the text
    x, y = cell_point(g, SINE, 12)
    canvas.hover(position={"x": x, "y": y})
    tip = page.locator("div.iw-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(re.compile(rf"neuron {SINE} · token \d+"))
    # Columns are ~1.5 css px wide here: the mouse lands on position 12 give or take one.
    m = re.search(r'token (\d+) "(.*)"', tip.inner_text())
    j = int(m.group(1))
    assert abs(j - 12) <= 1 and m.group(2) == TEXT[j], tip.inner_text()
    expect(tip).to_contain_text("value ")
    expect(page.locator(f'{ROOT} span.iw-tok[data-i="{j}"]')).to_have_class(
        re.compile(r"\biw-linked\b")
    )


def test_hover_shows_five_prediction_chips(page, explorer):
    path, _ = explorer
    open_explorer(page, path)
    i = 24  # its guesses are y, z, space, newline, tab
    page.locator(f'{ROOT} span.iw-tok[data-i="{i}"]').hover()
    chips = page.locator(f"{ROOT} .iw-predictions span.iw-pred")
    expect(chips).to_have_count(5)
    shown = {"\n": "⏎", "\t": "⇥", " ": "␣"}
    want_chars = [shown.get(c, c) for c in VOCAB[(i + np.arange(5)) % len(VOCAB)]]
    assert want_chars == ["y", "z", "␣", "⏎", "⇥"]
    assert chips.locator(".iw-pred-char").all_inner_texts() == want_chars
    assert chips.locator(".iw-pred-p").all_inner_texts() == ["61%", "20%", "10%", "5.0%", "0.4%"]
    # Shaded by probability: one green hue, more opaque for the likelier guess.
    css = [chips.nth(k).evaluate("e => getComputedStyle(e).backgroundColor") for k in range(5)]
    rgba = [re.fullmatch(r"rgba\((\d+), (\d+), (\d+), ([\d.]+)\)", c) for c in css]
    assert all(rgba), css
    assert {m.group(1, 2, 3) for m in rgba} == {("26", "127", "55")}, css
    alphas = [float(m.group(4)) for m in rgba]
    assert alphas == sorted(alphas, reverse=True) and alphas[0] > 0.5 > alphas[4], alphas
    expect(page.locator("div.iw-tooltip")).to_contain_text(
        "next: "
        + " · ".join(
            f"{c} {p}"
            for c, p in zip(want_chars, ["61%", "20%", "10%", "5.0%", "0.4%"], strict=True)
        )
    )


def test_actual_next_character_is_outlined(page, explorer):
    path, _ = explorer
    open_explorer(page, path)
    # find a position whose next character is among its guesses
    k = len(VOCAB)
    i = next(
        i
        for i in range(len(TEXT) - 1)
        if TEXT[i + 1] in [VOCAB[(i + j) % k] for j in range(5)] and TEXT[i] not in " \n"
    )
    page.locator(f'{ROOT} span.iw-tok[data-i="{i}"]').scroll_into_view_if_needed()
    page.locator(f'{ROOT} span.iw-tok[data-i="{i}"]').hover()
    outlined = page.locator(f"{ROOT} .iw-pred.iw-pred-actual")
    expect(outlined).to_have_count(1)
    shown = {"\n": "⏎", "\t": "⇥", " ": "␣"}
    expect(outlined.locator(".iw-pred-char")).to_have_text(shown.get(TEXT[i + 1], TEXT[i + 1]))


def test_feature_ranks_the_planted_neuron_first_and_rows_select(page, explorer):
    path, _ = explorer
    root, canvas = open_explorer(page, path)
    select = page.locator(f"{ROOT} select.iw-feature")
    assert select.locator("option").first.inner_text() == "— choose a feature —"
    select.select_option("in_string")
    rows = page.locator(f"{ROOT} tr.iw-rank-row")
    expect(rows.first).to_be_visible()
    expect(page.locator(f"{ROOT} .iw-rank-source")).to_contain_text("in_string")
    first = rows.first.locator("td").all_inner_texts()
    assert first[:2] == [LAYER, str(PLANTED)], first
    assert first[3] == "+"
    assert float(first[2]) > 0.95
    # the heatmap puts the ranked neurons of this layer on top
    expect(canvas).to_have_attribute("data-order", re.compile(rf"^{PLANTED},"))
    rows.first.click()
    expect(root).to_have_attribute("data-rendered-neuron", str(PLANTED))
    expect(rows.first).to_have_class(re.compile(r"\biw-selected\b"))
    # A row of the other layer switches the layer; this file holds only the first layer's
    # columns, so the page says so (no blank view).
    other = page.locator(f'{ROOT} tr.iw-rank-row[data-layer="rnn.1.h"]').first
    n = other.get_attribute("data-neuron")
    other.click()
    expect(page.locator(f"{ROOT} select.iw-layer")).to_have_value("rnn.1.h")
    expect(page.locator(f"{ROOT} input.iw-neuron")).to_have_value(n)
    expect(page.locator(f"{ROOT} .iw-status")).to_contain_text("kernel")
    expect(page.locator(f"{ROOT} .iw-heatmap-status")).to_contain_text("kernel")


def test_brushing_a_span_without_a_kernel(page, explorer):
    path, _ = explorer
    open_explorer(page, path)
    start = TEXT.index("hello,")
    a = page.locator(f'{ROOT} span.iw-tok[data-i="{start}"]').bounding_box()
    b = page.locator(f'{ROOT} span.iw-tok[data-i="{start + 4}"]').bounding_box()
    page.mouse.move(a["x"] + 1, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=5)
    page.mouse.move(b["x"] + b["width"] - 1, b["y"] + b["height"] / 2, steps=2)
    page.mouse.up()
    brushed = page.locator(f"{ROOT} span.iw-tok.iw-brushed")
    expect(brushed).to_have_count(5)
    assert "".join(brushed.all_inner_texts()) == "hello"
    shadow = brushed.first.evaluate("e => getComputedStyle(e).boxShadow")
    assert shadow and shadow != "none" and "inset" in shadow
    # The DOM selection was taken and cleared.
    assert page.evaluate("() => String(window.getSelection())") == ""
    msg = page.locator(f"{ROOT} .iw-rank-message")
    expect(msg).to_be_visible()
    expect(msg).to_contain_text("kernel")
    expect(page.locator(f"{ROOT} .iw-rank-source")).to_have_text("spans: 1 selected")
    expect(page.locator(f"{ROOT} .iw-spans-text")).to_have_text("1 span brushed")
    page.locator(f"{ROOT} button.iw-clear-spans").click()
    expect(brushed).to_have_count(0)
    expect(page.locator(f"{ROOT} button.iw-clear-spans")).to_be_hidden()


def test_hostile_text_stays_text(page, explorer):
    path, _ = explorer
    root, _ = open_explorer(page, path)
    assert root.locator("img").count() == 0
    assert HOSTILE in root.locator(".iw-text").text_content()
    i = TEXT.index(HOSTILE)
    tok = root.locator(f'span.iw-tok[data-i="{i}"]')
    tok.scroll_into_view_if_needed()
    tok.hover()
    expect(page.locator(f"{ROOT} .iw-pred-label")).to_have_text("after “<”")


def test_scrolling_the_text_moves_the_heatmap_window(page, explorer):
    path, _ = explorer
    _, canvas = open_explorer(page, path)
    page.locator(f"{ROOT} .iw-text").evaluate("e => { e.scrollTop = e.scrollHeight; }")
    expect(canvas).to_have_attribute("data-start", re.compile(r"^(256|512)$"))
    start = int(canvas.get_attribute("data-start"))
    stop = min(len(TEXT), start + 512)
    # the window holds the first visible token
    first = page.evaluate(
        """() => { const t = document.querySelector('.iw-text'), top = t.getBoundingClientRect().top;
                   return +[...t.querySelectorAll('.iw-tok')].find(s => s.getBoundingClientRect().bottom > top + 2).dataset.i; }"""
    )
    assert start <= first < stop, (start, first, stop)
    label = page.locator(f"{ROOT} .iw-heatmap-label")
    expect(label).to_have_text(f"positions {start}–{stop - 1} of {len(TEXT)}")
    page.locator(f"{ROOT} .iw-text").evaluate("e => { e.scrollTop = 0; }")
    expect(canvas).to_have_attribute("data-start", "0")
