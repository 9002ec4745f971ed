"""Figure mode of the toolbar's PNG / SVG (js/src/shared/picture.ts, snapshot_canvas.ts), as a
person sees the exported file: no tab strips, menus, steppers or buttons; the legend and the
labels there; the canvases as vectors — heatmap cells are <rect>s in the widget's colours,
attention lines are <path>s (one subpath per line drawn, with its opacity), canvas labels are
<text> with the token strings in the widget's font (CJK faces included).

``IW_FIGURE_OUT=dir`` keeps every exported file there (to open and look at).
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from iwpage import close_rgb
from teaching_widgets import HOT, NAMES, RED, WORDS, attention_stack, open_exported

from interpwidgets import codec

pytestmark = pytest.mark.browser

PIL = pytest.importorskip("PIL.Image")
SVG = "{http://www.w3.org/2000/svg}"
OUT = os.environ.get("IW_FIGURE_OUT")
_saved = itertools.count()
LEVELS = 24  # the head view's opacity steps (attention_head.ts)
# ColorBrewer / matplotlib "Blues", the attention matrix's scale (sequential.ts), for reference
BLUES = [
    "#f7fbff",
    "#deebf7",
    "#c6dbef",
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
]


@pytest.fixture
def open_widget(iw, tmp_path, make_page):
    return functools.partial(open_exported, iw, tmp_path, make_page, downloads=True)


def save(page, root, kind, tmp_path, mode="figure", tag=""):
    """Click the toolbar's ``kind`` button with the picture mode set to ``mode``; the file."""
    button = root.locator(".iw-toolbar .iw-tb-mode")
    if button.get_attribute("data-mode") != mode:
        button.click()
    assert button.get_attribute("data-mode") == mode
    with page.expect_download() as info:
        root.locator(f".iw-toolbar button.iw-tb-{kind}").click()
    d = info.value
    assert d.failure() is None, d.failure()
    path = tmp_path / f"{next(_saved):02d}-{mode}{tag}-{d.suggested_filename}"
    d.save_as(path)
    if OUT:
        Path(OUT).mkdir(parents=True, exist_ok=True)
        (Path(OUT) / path.name).write_bytes(path.read_bytes())
    return path


def parse(path):
    svg = ET.parse(path).getroot()
    assert svg.tag == f"{SVG}svg"
    assert not list(svg.iter(f"{SVG}foreignObject"))
    return svg


def texts(node):
    return [(t.text or "") for t in node.iter(f"{SVG}text")]


def canvas_group(svg, cls):
    """The group a canvas of class ``cls`` became (vector mode writes data-canvas)."""
    found = [g for g in svg.iter(f"{SVG}g") if cls in (g.get("data-canvas") or "").split()]
    assert found, f"no vector group for canvas.{cls}"
    return found[0]


def chrome_only_words(root):
    """Words shown only on controls (buttons, menus, boxes, tabs) and nowhere else in the
    widget: a figure must not show them."""
    return set(
        root.evaluate(
            """r => {
                const ctl = "button:not(.iw-legend-key), select, input, [role=tab]";
                const words = (s) => (s || "").split(/\\s+/).filter(Boolean);
                const on = new Set(), off = new Set();
                for (const c of r.querySelectorAll(ctl)) {
                    if (c.closest('.iw-toolbar')) continue;
                    const s = c.tagName === 'SELECT' ? c.selectedOptions[0]?.textContent
                        : c.tagName === 'INPUT' ? c.value : c.textContent;
                    words(s).forEach((w) => on.add(w));
                }
                const walk = document.createTreeWalker(r, NodeFilter.SHOW_TEXT);
                for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                    if (n.parentElement.closest(ctl + ", option, .iw-toolbar")) continue;
                    words(n.textContent).forEach((w) => off.add(w));
                }
                return [...on].filter((w) => !off.has(w));
            }"""
        )
    )


def blues(t):
    stops = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in BLUES], float)
    x = np.linspace(0, 1, len(stops))
    return tuple(int(round(np.interp(t, x, stops[:, c]))) for c in range(3))


def rgb(hexcolour):
    return tuple(int(hexcolour[i : i + 2], 16) for i in (1, 3, 5))


def cell_fill(group, frac_x, frac_y):
    """The fill of the <rect> of a cells group under (frac_x, frac_y) of the group's extent."""
    rects = [
        [float(r.get(k)) for k in ("x", "y", "width", "height")] + [r.get("fill")]
        for r in group.iter(f"{SVG}rect")
    ]
    x0 = min(r[0] for r in rects)
    y0 = min(r[1] for r in rects)
    x1 = max(r[0] + r[2] for r in rects)
    y1 = max(r[1] + r[3] for r in rects)
    x, y = x0 + frac_x * (x1 - x0), y0 + frac_y * (y1 - y0)
    hit = [r[4] for r in rects if r[0] <= x < r[0] + r[2] and r[1] <= y < r[1] + r[3]]
    assert len(hit) == 1, (x, y, hit)
    return rgb(hit[0])


@pytest.mark.parametrize("name", NAMES)
def test_figure_leaves_out_every_control(open_widget, tmp_path, name):
    page, root = open_widget(name)
    gone = chrome_only_words(root)
    shot = texts(parse(save(page, root, "svg", tmp_path, mode="screenshot")))
    fig_path = save(page, root, "svg", tmp_path)
    fig = parse(fig_path)
    words = set(texts(fig))
    assert gone, "the widget shows no controls?"
    # the screenshot has the controls' words, the figure none of them
    assert gone & set(shot), (gone, shot)
    assert not gone & words, gone & words
    # nothing that looks like a menu: the select arrow, an input box
    drawn = {
        id(p) for g in fig.iter(f"{SVG}g") if g.get("data-canvas") for p in g.iter(f"{SVG}path")
    }
    arrows = r"M[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+Z"
    assert not [
        p
        for p in fig.iter(f"{SVG}path")
        if id(p) not in drawn and re.fullmatch(arrows, p.get("d", ""))
    ]
    for gone_text in ("PNG", "SVG", "A+", "Figure", "Screenshot"):
        assert gone_text not in words
    # the page is left as it was: controls shown again, no figure class
    assert root.evaluate(
        "r => !r.classList.contains('iw-figure') && !r.querySelector('[style*=\"display: none !important\"]')"
    )
    # the PNG of the figure is the same picture: the SVG's size at 2×, smaller than the widget
    png = PIL.open(save(page, root, "png", tmp_path))
    w, h = int(fig.get("width")), int(fig.get("height"))
    assert png.size == (2 * w, 2 * h)
    assert h < root.bounding_box()["height"] + 1


def test_neuron_text_figure_keeps_legend_and_title(open_widget, tmp_path):
    page, root = open_widget("neuron_text")
    svg = parse(save(page, root, "svg", tmp_path))
    words = texts(svg)
    assert {"Neuron", "0", "over", "code"} <= set(words)  # the title
    assert "ACTIVATION" in words and "\u22121" in words and "1" in words  # the legend's words
    bar = canvas_group(svg, "iw-legend-bar")  # its colour bar: a run of <rect>s, no image
    fills = [r.get("fill") for r in bar.iter(f"{SVG}rect")]
    assert len(set(fills)) > 50, len(set(fills))
    assert not list(svg.iter(f"{SVG}image"))


def test_head_view_lines_are_paths_one_per_line_drawn(open_widget, tmp_path):
    page, root = open_widget("attention_view")
    svg = parse(save(page, root, "svg", tmp_path))
    heads = [
        int(h)
        for h in root.locator("canvas.iw-attn-lines").get_attribute("data-lines").split(",")
        if h
    ]
    assert heads
    # layer 0 as the page holds it (one byte a weight), no token hovered or pinned: every line
    # of the heads on, at opacity round(weight × 24) / 24 (JavaScript's rounding, half up)
    a = codec.decode(codec.encode(attention_stack()[0], "uint8"))
    levels = np.floor(np.minimum(1, a[heads]) * LEVELS + 0.5)
    want = int((levels >= 1).sum())
    lines = canvas_group(svg, "iw-attn-lines")
    paths = list(lines.iter(f"{SVG}path"))
    got = sum(p.get("d").count("M") for p in paths)
    assert got == want, (got, want)
    # each stroke carries its opacity (level / 24) and a head's colour
    steps = [float(p.get("stroke-opacity", "1")) * LEVELS for p in paths]
    assert all(abs(x - round(x)) < 0.01 and 1 <= round(x) <= LEVELS for x in steps), steps
    assert len({p.get("stroke") for p in paths}) == len(heads)
    assert not list(svg.iter(f"{SVG}image"))
    # the token labels are text, and the switched-on heads' swatches stay as the legend
    words = texts(svg)
    for w in set(WORDS):
        assert words.count(w) >= 2, w  # query and key columns
    assert {str(h) for h in heads} <= set(words)


def test_matrix_cells_are_rects_in_the_scale_colours(open_widget, tmp_path):
    page, root = open_widget("attention_view", view="matrix", head=1)
    page.locator(".iw-attn-matrix").first.wait_for()
    svg = parse(save(page, root, "svg", tmp_path))
    cells = canvas_group(svg, "iw-attn-matrix")
    assert not list(svg.iter(f"{SVG}image"))
    m = codec.decode(codec.encode(attention_stack()[0], "uint8"))[1]
    n = len(WORDS)
    vmax = float(m.max())
    for q, k in ((4, 3), (4, 8), (0, 0), (7, 6), (8, 2)):
        got = cell_fill(cells, (k + 0.5) / n, (q + 0.5) / n)
        # the widget's colour function: Blues at the weight / the head's largest weight,
        # through its 256-entry table
        want = blues(round(m[q, k] / vmax * 255) / 255)
        assert close_rgb(got, want, 2), (q, k, got, want)
    # a 9 × 9 matrix: at most 81 cell rects, fewer where equal neighbours merged
    assert len(list(cells.iter(f"{SVG}rect"))) <= n * n
    # the labels drawn on the canvas (rows, and the rotated columns) are text
    labels = [t for t in cells.iter(f"{SVG}text")]
    words = [t.text for t in labels]
    for w in set(WORDS):
        assert words.count(w) >= 2, (w, words)
    assert any("rotate(-90)" in (t.get("transform") or "") for t in labels)


def test_neuron_explorer_heatmap_cells_as_rects(open_widget, tmp_path):
    page, root = open_widget("neuron_explorer")
    svg = parse(save(page, root, "svg", tmp_path))
    heat = canvas_group(svg, "iw-heatmap")
    rects = [r for r in heat.iter(f"{SVG}rect")]
    assert len(rects) > 50
    g = root.locator("canvas.iw-heatmap").evaluate(
        "c => ({start: +c.dataset.start, stop: +c.dataset.stop, order: c.dataset.order.split(',').map(Number)})"
    )
    # neuron 0 at HOT is +1, the top of the map's scale (its 99th percentile): saturated red
    cells = [g for g in heat.iter(f"{SVG}g") if g.get("shape-rendering") == "crispEdges"][0]
    cols = g["stop"] - g["start"]
    rows = len(g["order"])
    row = g["order"].index(0)
    got = cell_fill(cells, (HOT - g["start"] + 0.5) / cols, (row + 0.5) / rows)
    assert close_rgb(got, RED, 6), got
    assert "FIND" not in texts(svg)  # nothing ranked: the ranking panel is a control


def test_cjk_labels_on_canvas_are_text_in_a_cjk_face(iw, tmp_path, make_page):
    words = ["注意", "力", "头", "很", "有趣"]
    n = len(words)
    a = np.random.default_rng(1).dirichlet(np.ones(n), size=(1, 2, n)).astype(np.float32)
    tr = iw.Trace.from_arrays(
        "注意力头很有趣", {"x": np.zeros((n, 1), np.float32)}, tokens=words, attention=a
    )
    w = iw.AttentionView(tr, view="matrix", locale="zh")
    path = tmp_path / "cjk.html"
    w.save_html(path)
    page = make_page(accept_downloads=True)
    page.goto(path.resolve().as_uri())
    root = page.locator(".iw-root.iw-attention-view")
    page.locator("canvas.iw-attn-matrix").wait_for()
    page.wait_for_timeout(300)
    svg_path = save(page, root, "svg", tmp_path)
    svg = parse(svg_path)
    labels = list(canvas_group(svg, "iw-attn-matrix").iter(f"{SVG}text"))
    got = [t.text for t in labels]
    for w_ in ("注意", "有趣", "力"):
        assert got.count(w_) == 2, (w_, got)
    assert all("Noto Sans CJK SC" in t.get("font-family") for t in labels)
    # opened on its own in the browser, the labels draw real glyphs and stay selectable text
    view = make_page()
    view.goto(svg_path.resolve().as_uri())
    found = view.evaluate(
        """() => [...document.querySelectorAll('text')].filter(t => t.textContent === '有趣')
                .map(t => { const b = t.getBBox(); return [b.width, b.height]; })"""
    )
    assert found and all(w_ > 8 and h > 8 for w_, h in found), found
    shot = PIL.open(io.BytesIO(view.screenshot())).convert("L")
    assert np.asarray(shot).min() < 128  # something dark is drawn
    if OUT:
        (Path(OUT) / "cjk-matrix.opened.png").write_bytes(view.screenshot())


@pytest.mark.parametrize("name", ["attention_view", "neuron_explorer"])
def test_figure_in_dark_theme_and_presentation(open_widget, tmp_path, name):
    """A figure follows the theme and the text scale: dark background, light labels, canvases
    still vectors (drawn again for the dark page)."""
    page, root = open_widget(name, presentation=True)
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(450)  # the theme watcher redraws canvases
    svg = parse(save(page, root, "svg", tmp_path, tag="-dark"))
    assert not list(svg.iter(f"{SVG}image"))
    png = PIL.open(save(page, root, "png", tmp_path, tag="-dark")).convert("RGB")
    assert max(png.getpixel((16, 16))) < 40
    canvas = "iw-attn-lines" if name == "attention_view" else "iw-heatmap"
    group = canvas_group(svg, canvas)
    assert len(list(group.iter())) > 10
    title = [t for t in svg.iter(f"{SVG}text") if t.text in ("Attention", "Explorer")][0]
    assert min(rgb(title.get("fill"))) > 150, title.get("fill")  # light ink
    assert float(title.get("font-size").rstrip("px")) > 20  # presentation size


def test_untitled_figure_still_names_its_unit(iw, tmp_path, make_page):
    """With no title, the layer and neuron live only in the menus on screen; the figure, which
    leaves the menus out, shows them as its caption instead (an `iw-figure-only` row)."""
    from teaching_widgets import neuron_trace, wait_drawn

    w = iw.NeuronText(neuron_trace(iw), layer="rnn.1.h", neuron=2)
    path = tmp_path / "untitled.html"
    w.save_html(path)
    page = make_page(accept_downloads=True)
    page.goto(path.resolve().as_uri())
    root = wait_drawn(page, "neuron_text")
    assert not root.locator(".iw-title").is_visible()
    words = texts(parse(save(page, root, "svg", tmp_path)))
    assert {"rnn.1.h", "neuron", "2"} <= set(words), words[:12]
    assert not root.locator(".iw-title").is_visible()  # hidden again on screen


def test_attribution_figure_names_the_target_class(open_widget, tmp_path):
    """The target class is chosen in a menu a figure leaves out: the figure says it as text
    (the legend's "towards" means towards that class)."""
    page, root = open_widget("attribution_text", target=0)
    page.wait_for_timeout(300)
    words = texts(parse(save(page, root, "svg", tmp_path)))
    i = words.index("TARGET")  # the field name, in its CSS capitals
    assert words[i + 1] == "negative", words[i - 3 : i + 3]
    assert "towards" in words and "against" in words
    assert not root.locator(".iw-figure-only").first.is_visible()
