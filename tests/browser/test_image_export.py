"""The toolbar's PNG and SVG buttons, clicked in exported pages opened from ``file://``.

In screenshot mode (the toolbar's Figure/Screenshot button), for each of the five widgets:
the download arrives (``interpwidgets-<widget>.png`` / ``.svg``)
under the page's strict CSP with no network and no console error (``conftest.py``); the PNG
decodes at twice the widget's size and holds the colours a person sees at known places (the
+max and −max tokens, the darkest attention cell, a probe point, non-blank canvas pixels); the
SVG parses, holds the words as <text>, the token colours as fills and canvases as images,
and leaves out the toolbar and the tooltip. A text scrolled to a window exports that window.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pytest
from iwpage import close_rgb
from playwright.sync_api import expect
from teaching_widgets import (
    CODE,
    COLD,
    HOT,
    NAMES,
    RED,
    ROOTS,
    TEXT_BLUE,
    TEXT_RED,
    TOWARDS,
    open_exported,
    wait_drawn,
)

pytestmark = pytest.mark.browser

PIL = pytest.importorskip("PIL.Image")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
OKABE_BLUE, OKABE_ORANGE = (0, 114, 178), (230, 159, 0)


@pytest.fixture
def open_widget(iw, tmp_path, make_page):
    """``open_widget(name, **traits)`` → (page, root) of the exported, drawn widget."""
    return functools.partial(open_exported, iw, tmp_path, make_page, downloads=True)


def download(page, root, kind, tmp_path):
    """Click PNG or SVG in screenshot mode (the widget as on screen: figure mode, the
    default, is tested in test_figure_export.py); the saved file's path and its name."""
    mode = root.locator(".iw-toolbar .iw-tb-mode")
    if mode.get_attribute("data-mode") != "screenshot":
        mode.click()
    with page.expect_download() as info:
        root.locator(f".iw-toolbar button.iw-tb-{kind}").click()
    d = info.value
    assert d.failure() is None, d.failure()
    path = tmp_path / f"got-{d.suggested_filename}"
    d.save_as(path)
    return path, d.suggested_filename


def box(root, selector):
    """Css box of the first match of ``selector`` relative to the root: (left, top, width, height)."""
    return root.evaluate(
        """(root, sel) => {
            const r = root.getBoundingClientRect(), e = root.querySelector(sel).getBoundingClientRect();
            return [e.left - r.left, e.top - r.top, e.width, e.height];
        }""",
        selector,
    )


def root_size(root):
    return root.evaluate(
        "r => { const b = r.getBoundingClientRect(); return [Math.ceil(b.width), Math.ceil(b.height)]; }"
    )


def colours_in(img, b, scale=2, inset=0.25):
    """The pixel colours of a 5 × 3 grid inside css box ``b`` (away from its edges)."""
    left, top, w, h = b
    out = []
    for fx in (inset, 0.35, 0.5, 0.65, 1 - inset):
        for fy in (inset, 0.5, 1 - inset):
            x, y = (left + fx * w) * scale, (top + fy * h) * scale
            out.append(img.getpixel((int(x), int(y)))[:3])
    return out


def has_colour(colours, want, tol=4, at_least=3):
    return sum(close_rgb(c, want, tol) for c in colours) >= at_least


def open_png(path):
    img = PIL.open(path)
    img.load()
    assert img.format == "PNG"
    return img.convert("RGBA")


def parse_svg(path):
    tree = ET.parse(path)
    svg = tree.getroot()
    assert svg.tag == f"{SVG}svg"
    assert not list(svg.iter(f"{SVG}foreignObject"))  # real primitives only
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    fills = Counter(
        (e.get("fill") or "").lower() for e in svg.iter() if e.tag in (f"{SVG}rect", f"{SVG}circle")
    )
    return svg, texts, fills


def hexrgb(rgb):
    return "#" + "".join(f"{v:02x}" for v in rgb)


def check_common(svg, texts, png, root):
    w, h = root_size(root)
    assert png.size == (2 * w, 2 * h), (png.size, w, h)
    assert (int(svg.get("width")), int(svg.get("height"))) == (w, h)
    joined = " ".join(texts)
    for gone in ("PNG", "SVG", "A+"):
        assert gone not in texts, f"the toolbar's {gone!r} is in the picture"
    return joined


def test_neuron_text_png_and_svg(open_widget, tmp_path):
    page, root = open_widget("neuron_text")
    png_path, png_name = download(page, root, "png", tmp_path)
    svg_path, svg_name = download(page, root, "svg", tmp_path)
    assert (png_name, svg_name) == (
        "interpwidgets-neuron_text.png",
        "interpwidgets-neuron_text.svg",
    )
    png = open_png(png_path)
    svg, texts, fills = parse_svg(svg_path)
    words = check_common(svg, texts, png, root)
    # the coloured text as seen: +max token the text scale's red end, −max token its blue end
    hot = colours_in(png, box(root, f'span.iw-tok[data-i="{HOT}"]'))
    cold = colours_in(png, box(root, f'span.iw-tok[data-i="{COLD}"]'))
    assert has_colour(hot, TEXT_RED), hot
    assert has_colour(cold, TEXT_BLUE), cold
    assert fills[hexrgb(TEXT_RED)] >= 1 and fills[hexrgb(TEXT_BLUE)] >= 1
    # every character of the code is there as text (char tokens: one <text> each), the title too
    assert "Neuron 0 over code" in " ".join(texts[:8]) or {"Neuron", "over", "code"} <= set(texts)
    for ch in set(CODE) - set(" \n"):
        assert ch in words, ch
    # the legend: its colour bar is a canvas → an embedded PNG image
    images = [e.get(XLINK) for e in svg.iter(f"{SVG}image")]
    assert images and all(u.startswith("data:image/png;base64,") for u in images)
    # the page background of the widget (white in the light theme) fills the corners
    assert close_rgb(png.getpixel((12, 12))[:3], (255, 255, 255), 2)


def test_neuron_explorer_heatmap_pixels_in_png(open_widget, tmp_path):
    page, root = open_widget("neuron_explorer")
    png = open_png(download(page, root, "png", tmp_path)[0])
    svg, texts, _ = parse_svg(download(page, root, "svg", tmp_path)[0])
    check_common(svg, texts, png, root)
    assert has_colour(colours_in(png, box(root, f'span.iw-tok[data-i="{HOT}"]')), TEXT_RED)
    # the heatmap canvas: neuron 0 at the HOT position is the +max cell, dark red at its centre
    g = root.locator("canvas.iw-heatmap").evaluate(
        """c => ({rowH: +c.dataset.rowHeight, gutter: +c.dataset.gutter, start: +c.dataset.start,
                  stop: +c.dataset.stop, order: c.dataset.order.split(',').map(Number),
                  w: c.getBoundingClientRect().width})"""
    )
    left, top, _, _ = box(root, "canvas.iw-heatmap")
    cols = g["stop"] - g["start"]
    row = g["order"].index(0)
    x = left + g["gutter"] + (HOT - g["start"] + 0.5) * (g["w"] - g["gutter"]) / cols
    y = top + (row + 0.5) * g["rowH"]
    got = png.getpixel((int(2 * x), int(2 * y)))[:3]
    # the map's colour scale is the window's 99th percentile of |value|: +1 saturates it
    assert close_rgb(got, RED, 6), got
    assert "ALL" in texts and "NEURONS" in texts  # text-transform: uppercase, as seen
    # pseudo-elements (the heatmap scale's gradient, the brush swatch) are in the picture...
    assert len(list(svg.iter(f"{SVG}linearGradient"))) >= 1
    # ...and the page is left as it was: no stand-in elements or hiding classes remain
    assert (
        root.evaluate(
            "r => r.querySelectorAll('[data-iw-pseudo], [class*=\"iw-snap-hide\"], style').length"
        )
        == 0
    )


def test_attention_view_canvases_in_png_and_svg(open_widget, tmp_path):
    page, root = open_widget("attention_view")
    png = open_png(download(page, root, "png", tmp_path)[0])
    svg, texts, _ = parse_svg(download(page, root, "svg", tmp_path)[0])
    check_common(svg, texts, png, root)
    for tok in ("[CLS]", "cat", "mat", "[SEP]"):
        assert tok in texts
    # the head view's lines: many non-white pixels in the PNG where the lines canvas is
    left, top, w, h = box(root, "canvas.iw-attn-lines")
    crop = png.crop((int(2 * left), int(2 * top), int(2 * (left + w)), int(2 * (top + h))))
    inked = int((np.asarray(crop)[..., :3].min(axis=-1) < 235).sum())
    assert inked > 0.05 * crop.size[0] * crop.size[1], inked
    # and the lines canvas itself travels in the SVG as an image with non-blank pixels
    biggest = max(
        (e for e in svg.iter(f"{SVG}image")),
        key=lambda e: float(e.get("width")) * float(e.get("height")),
    )
    data = base64.b64decode(biggest.get(XLINK).split(",", 1)[1])
    lines = PIL.open(io.BytesIO(data)).convert("RGBA")
    assert (np.asarray(lines)[..., 3] > 0).any()


def test_attention_matrix_cell_colour_in_png(open_widget, tmp_path):
    page, root = open_widget("attention_view", view="matrix", head=1)
    expect(root).to_have_attribute("data-rendered", "matrix:0:1")
    png = open_png(download(page, root, "png", tmp_path)[0])
    d = root.locator("canvas.iw-attn-matrix").evaluate(
        "c => ({x0: +c.dataset.x0, y0: +c.dataset.y0, tok: +c.dataset.tok})"
    )
    left, top, _, _ = box(root, "canvas.iw-attn-matrix")

    # layer 0 head 1 is a previous-token head: query 4 → key 3 is the head's largest weight,
    # the darkest colour of the sequential scale (Blues #08306b); query 4 → key 8 is ~0 (near white).
    # Sampled near a cell's corner: big cells print their value in the middle.
    def cell(q, k):
        x = left + d["x0"] + (k + 0.15) * d["tok"]
        y = top + d["y0"] + (q + 0.15) * d["tok"]
        return png.getpixel((int(2 * x), int(2 * y)))[:3]

    assert close_rgb(cell(4, 3), (8, 48, 107), 4), cell(4, 3)
    assert min(cell(4, 8)) > 215, cell(4, 8)


def test_attribution_text_png_and_svg(open_widget, tmp_path):
    page, root = open_widget("attribution_text")
    png = open_png(download(page, root, "png", tmp_path)[0])
    svg, texts, fills = parse_svg(download(page, root, "svg", tmp_path)[0])
    check_common(svg, texts, png, root)
    i = root.locator(
        f'.iw-attr-row[data-method="integrated_gradients"] span.iw-tok:text-is("{TOWARDS}")'
    )
    idx = i.first.get_attribute("data-i")
    sel = f'.iw-attr-row[data-method="integrated_gradients"] span.iw-tok[data-i="{idx}"]'
    assert has_colour(colours_in(png, box(root, sel)), TEXT_RED)  # the text scale's +1
    assert texts.count(TOWARDS) == 2  # one per method row
    assert fills[hexrgb(TEXT_RED)] >= 1
    assert "Integrated" in texts and "Gradients" in texts
    assert "against" in texts and "towards" in texts  # the legend
    # the legend's bar is a CSS gradient of the text scale → an SVG linearGradient, blue to red
    grads = list(svg.iter(f"{SVG}linearGradient"))
    assert grads
    stops = [s.get("stop-color") for s in grads[0].iter(f"{SVG}stop")]
    assert stops[0] == hexrgb(TEXT_BLUE) and stops[-1] == hexrgb(TEXT_RED)


def test_probe_chart_png_and_svg(open_widget, tmp_path):
    page, root = open_widget("probe_chart")
    png = open_png(download(page, root, "png", tmp_path)[0])
    svg, texts, fills = parse_svg(download(page, root, "svg", tmp_path)[0])
    check_common(svg, texts, png, root)
    # the chart's own svg, with its styles written out: the series colours as fills
    circles = Counter(c.get("fill") for c in svg.iter(f"{SVG}circle"))
    assert circles == {hexrgb(OKABE_BLUE): 3, hexrgb(OKABE_ORANGE): 3}, circles
    assert fills[hexrgb(OKABE_BLUE)] >= 4  # and the legend swatch
    for t in (
        "embed",
        "layer 0",
        "layer 1",
        "1.0",
        "0.5",
        "ACCURACY",
        "char-LSTM",
    ):  # axis fitted: 0.5…1
        assert any(t in x for x in texts), t
    assert not [e for e in svg.iter() if e.get("class")]  # no stylesheet needed
    point = 'circle.iw-probe-point[data-series="0"][data-layer="1"]'
    left, top, w, h = box(root, point)
    got = png.getpixel((int(2 * (left + w / 2)), int(2 * (top + h / 2))))[:3]
    assert close_rgb(got, OKABE_BLUE, 4), got


def test_scrolled_text_exports_the_visible_window(iw, tmp_path, make_page):
    text = "".join(f"line {k:03d} {'x' * 20}\n" for k in range(200))
    vals = np.zeros((len(text), 1), np.float32)
    vals[text.index("line 150") : text.index("line 150") + 8, 0] = 1.0
    w = iw.NeuronText(iw.Trace.from_arrays(text, {"h": vals}))
    path = tmp_path / "long.html"
    w.save_html(path)
    page = make_page(accept_downloads=True)
    page.goto(path.resolve().as_uri())
    root = wait_drawn(page, "neuron_text")
    # scroll the text box so that line 150 (of 200) is near its top
    root.locator(".iw-text").evaluate("t => { t.scrollTop = t.scrollHeight * 150 / 200 - 30; }")
    expect(root.locator(f'span.iw-tok[data-i="{text.index("line 150")}"]')).to_have_css(
        "background-color", "rgb({}, {}, {})".format(*TEXT_RED)
    )
    _, texts, fills = parse_svg(download(page, root, "svg", tmp_path)[0])
    numbers = {t for t in texts if re.fullmatch(r"\d", t)}
    assert numbers  # digits of the visible line numbers
    joined = "".join(texts)
    assert "150" in joined
    assert "000" not in joined and "199" not in joined  # outside the window: clipped away
    assert fills[hexrgb(TEXT_RED)] >= 8


@pytest.mark.parametrize("name", NAMES)
def test_png_and_svg_in_dark_and_presentation(open_widget, tmp_path, name):
    """Every widget exports in the dark OS theme at presentation size: the picture is as large
    as the widget on screen (bigger text), its background dark."""
    page, root = open_widget(name, presentation=True)
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(450)  # the theme watcher redraws canvases
    expect(root).to_have_class(re.compile(r"\biw-present\b"))
    png = open_png(download(page, root, "png", tmp_path)[0])
    svg, texts, _ = parse_svg(download(page, root, "svg", tmp_path)[0])
    check_common(svg, texts, png, root)
    bg = png.getpixel((16, 16))[:3]
    assert max(bg) < 40, bg
    assert ROOTS[name]  # (one test id per widget)
