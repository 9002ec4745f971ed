"""Presentation mode and the dark theme, in exported pages and once in a real JupyterLab.

* Presentation: "A+" makes token text, labels, canvas labels and the probe chart's SVG labels
  ≥ 1.4× larger in every widget, toggles back, and nothing in the controls row overlaps or
  is cut off; the exported page toggles on its own (no kernel) and keeps the saved mode.
* Dark theme: a page with JupyterLab's real dark-theme variables (read from the installed
  ``@jupyterlab/theme-dark-extension``): every piece of text in every widget has a contrast
  ratio ≥ 4.5 with what it is drawn on, canvases sit on a dark background, axis text on
  canvas is light. A theme switch while the page is open redraws the canvases.
* JupyterLab switched to "JupyterLab Dark": the widget is dark, "A+" reaches the kernel
  (``w.presentation`` is True there), PNG downloads with a dark background.
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import pytest
from iwpage import unseen_corners
from playwright.sync_api import expect
from teaching_widgets import NAMES, open_exported, wait_drawn

pytestmark = pytest.mark.browser

#: Text that the scale of presentation mode must enlarge, per widget (a CSS selector).
BIG = {
    "neuron_text": "span.iw-tok",
    "neuron_explorer": "span.iw-tok",
    "attention_view": ".iw-attn-col .iw-attn-tok",
    "attribution_text": "span.iw-tok",
    "probe_chart": "text.iw-probe-tick",
}


def font_px(root, selector):
    return root.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


@pytest.fixture
def open_widget(iw, tmp_path, make_page):
    return functools.partial(
        open_exported, iw, tmp_path, make_page, viewport={"width": 1100, "height": 900}
    )


# -- presentation mode -------------------------------------------------------------------------


def overlaps(root, selector):
    """Pairs of elements matching ``selector`` (visible ones) whose boxes overlap by > 1 px."""
    return root.evaluate(
        """(root, sel) => {
            const els = Array.from(root.querySelectorAll(sel)).filter(e => e.getClientRects().length);
            const out = [];
            for (let i = 0; i < els.length; i++) for (let j = i + 1; j < els.length; j++) {
                if (els[i].contains(els[j]) || els[j].contains(els[i])) continue;
                const a = els[i].getBoundingClientRect(), b = els[j].getBoundingClientRect();
                const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                if (w > 1 && h > 1) out.push([els[i].className, els[j].className].join(' / '));
            }
            return out;
        }""",
        selector,
    )


@pytest.mark.parametrize("name", NAMES)
def test_presentation_toggle_scales_text(open_widget, name):
    page, root = open_widget(name)
    button = root.locator(".iw-toolbar button.iw-tb-present")
    expect(button).to_have_attribute("aria-pressed", "false")
    before = font_px(root, BIG[name])
    title = font_px(root, ".iw-field-name")
    button.click()
    expect(root).to_have_class(re.compile(r"\biw-present\b"))
    expect(button).to_have_attribute("aria-pressed", "true")
    after = font_px(root, BIG[name])
    assert after >= 1.4 * before, (before, after)
    assert font_px(root, ".iw-field-name") >= 1.4 * title
    # the controls and the toolbar: nothing on top of anything, every button fully in view
    row = ".iw-controls > *, .iw-tb-group > *, .iw-attn-tabs > *, .iw-toolbar button, .iw-title > *"
    assert not overlaps(root, row)
    for b in root.locator(".iw-toolbar button").all():
        assert not unseen_corners(b), b.text_content()
    # and back (an exported page toggles on its own: no kernel)
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    assert font_px(root, BIG[name]) == pytest.approx(before)


def test_saved_mode_is_kept_and_a_page_opens_in_it(open_widget):
    _, root = open_widget("neuron_text", presentation=True)
    expect(root).to_have_class(re.compile(r"\biw-present\b"))
    expect(root.locator("button.iw-tb-present")).to_have_attribute("aria-pressed", "true")
    assert font_px(root, "span.iw-tok") == pytest.approx(13 * 1.5)


def test_canvas_labels_grow_with_presentation(open_widget):
    """Text drawn on canvas follows the mode: the matrix leaves more room for its (bigger) token
    labels, the layer × head grid draws bigger cells and labels, head-view rows are taller."""
    page, root = open_widget("attention_view", view="matrix", head=1)

    def geometry():
        return {
            "matrix": root.locator("canvas.iw-attn-matrix").evaluate(
                "c => ({x0: +c.dataset.x0, tok: +c.dataset.tok})"
            ),
        }

    expect(root).to_have_attribute("data-rendered", "matrix:0:1")
    small = geometry()
    root.locator("button.iw-tb-present").click()
    page.wait_for_function(
        "x0 => +document.querySelector('canvas.iw-attn-matrix').dataset.x0 > x0",
        arg=small["matrix"]["x0"],
    )
    big = geometry()
    assert big["matrix"]["x0"] >= 1.3 * small["matrix"]["x0"], (small, big)
    assert big["matrix"]["tok"] >= small["matrix"]["tok"]
    # summary grid: label font and cells scale (the grid records the scale it drew with)
    root.locator('button.iw-attn-tab[data-view="summary"]').click()
    grid = root.locator("canvas.iw-attn-summary-grid")
    expect(grid).to_have_attribute("data-scale", "1.5")
    # head view: token rows 1.5× taller, and the lines canvas is drawn for them
    root.locator('button.iw-attn-tab[data-view="head"]').click()
    h = root.locator(".iw-attn-col-q .iw-attn-tok").first.evaluate(
        "e => e.getBoundingClientRect().height"
    )
    assert h == pytest.approx(30, abs=0.6)
    expect(root.locator("canvas.iw-attn-lines")).to_have_attribute("data-lines", re.compile(r"\d"))


def test_probe_chart_svg_labels_fit_in_presentation(open_widget):
    _, root = open_widget("probe_chart", presentation=True)
    # every label is inside the chart's svg (nothing clipped) and no two labels overlap
    clipped = root.evaluate(
        """root => {
            const svg = root.querySelector('svg.iw-probe-svg').getBoundingClientRect();
            return Array.from(root.querySelectorAll('svg.iw-probe-svg text')).filter(t => {
                const r = t.getBoundingClientRect();
                return r.left < svg.left - 0.5 || r.right > svg.right + 0.5 || r.top < svg.top - 0.5 || r.bottom > svg.bottom + 0.5;
            }).map(t => t.textContent);
        }"""
    )
    assert not clipped
    assert not overlaps(root, "svg.iw-probe-svg text")
    assert font_px(root, "text.iw-probe-layer") == pytest.approx(11 * 1.5)


# -- the dark theme ------------------------------------------------------------------------------


def jupyterlab_dark_css() -> str:
    """``:root { --jp-…: … }`` with every variable of the installed JupyterLab dark theme."""
    import jupyterlab

    here = Path(jupyterlab.__file__).parent
    css = here / "themes" / "@jupyterlab" / "theme-dark-extension" / "index.css"
    if not css.is_file():
        pytest.skip(f"{css} not found")
    decls = re.findall(r"(--jp-[\w-]+)\s*:\s*([^;}]+)", css.read_text(encoding="utf-8"))
    assert len(decls) > 100
    body = ";".join(f"{k}:{v.strip()}" for k, v in decls if "url(" not in v)
    return (
        f":root{{{body}}} body{{background:var(--jp-layout-color0);color:var(--jp-ui-font-color1)}}"
    )


def go_dark(page):
    page.add_style_tag(content=jupyterlab_dark_css())
    page.evaluate("document.body.dataset.jpThemeLight = 'false'")


LOW_CONTRAST = """(root) => {
    const parse = (c) => {
        let m = /rgba?\\(([^)]+)\\)/.exec(c);
        if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
        m = /color\\(srgb ([^)]+)\\)/.exec(c);
        if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number); return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
        return null;
    };
    const over = (f, b) => [0, 1, 2].map(i => f[i] * f[3] + b[i] * (1 - f[3]));
    const lum = (c) => { const l = c.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                         return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
    const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const bgOf = (el) => {
        const chain = [];
        for (let e = el; e; e = e.parentElement) chain.unshift(e);
        let bg = [255, 255, 255];
        for (const e of chain) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) bg = over(c, bg); }
        return bg;
    };
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let checked = 0;
    while (walker.nextNode()) {
        const t = walker.currentNode;
        if (!t.data.trim()) continue;
        const el = t.parentElement;
        if (!el.getClientRects().length || el.closest('[hidden], option, button:disabled, .iw-tooltip')) continue;
        const cs = getComputedStyle(el);
        if (cs.visibility === 'hidden') continue;
        const svg = el instanceof SVGElement;
        const fg = parse(svg ? cs.fill : cs.color);
        if (!fg) continue;
        let op = 1;
        for (let e = el; e && e !== root.parentElement; e = e.parentElement) op *= parseFloat(getComputedStyle(e).opacity);
        const bg = svg ? bgOf(el.closest('svg')) : bgOf(el);
        const seen = over([fg[0], fg[1], fg[2], fg[3] * op], bg);
        const r = ratio(seen, bg);
        checked++;
        if (r < 4.5) out.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class')} "${t.data.trim().slice(0, 24)}" ${r.toFixed(2)}`);
    }
    return {checked, out};
}"""


@pytest.mark.parametrize("name", NAMES)
def test_dark_theme_text_contrast(open_widget, name):
    page, root = open_widget(name)
    go_dark(page)
    expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
    bg = root.evaluate("r => getComputedStyle(r).backgroundColor")
    assert bg == "rgb(17, 17, 17)", bg  # --jp-layout-color0 of JupyterLab Dark
    got = root.evaluate(LOW_CONTRAST)
    assert got["checked"] > 10
    assert not got["out"], "text below 4.5:1 in the dark theme:\n  " + "\n  ".join(got["out"])


def pixel_of(page, locator, fx, fy):
    """The rendered colour at a fraction (fx, fy) of an element's box (from a screenshot)."""
    from PIL import Image

    png = locator.screenshot()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return img.getpixel((int(fx * (img.size[0] - 1)), int(fy * (img.size[1] - 1))))


def test_dark_theme_canvases(open_widget):
    # the attention matrix: the margin around the heatmap (where labels are) is the dark page,
    # its labels are drawn in the light text colour
    page, root = open_widget("attention_view", view="matrix")
    go_dark(page)
    expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
    canvas = root.locator("canvas.iw-attn-matrix")
    corner = pixel_of(page, canvas, 0.01, 0.01)
    assert max(corner) < 40, corner
    label_ink = canvas.evaluate(
        """c => {
            const d = c.getContext('2d').getImageData(0, 0, Math.round(+c.dataset.x0 * c.width / c.getBoundingClientRect().width), c.height).data;
            let light = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 60 && d[i] > 200 && d[i + 1] > 200 && d[i + 2] > 200) light++;
            return light;
        }"""
    )
    assert label_ink > 50  # row labels drawn light on the dark page (redrawn on the switch)
    # the head view's lines canvas and the model grid sit on the dark page too
    root.locator('button.iw-attn-tab[data-view="model"]').click()
    assert max(pixel_of(page, root.locator("canvas.iw-attn-grid"), 0.01, 0.5)) < 40
    # NeuronExplorer's heatmap gutter
    page2, root2 = open_widget("neuron_explorer")
    go_dark(page2)
    expect(root2).to_have_attribute("data-theme", "dark", timeout=5_000)
    assert max(pixel_of(page2, root2.locator("canvas.iw-heatmap"), 0.004, 0.98)) < 40


def test_dark_probe_chart_strokes_and_labels(open_widget):
    page, root = open_widget("probe_chart")
    go_dark(page)
    expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
    grid = root.locator("line.iw-probe-gridline").first.evaluate("e => getComputedStyle(e).stroke")
    # grid lines in the dark theme's border colour (#424242), not a light-theme grey
    assert grid == "rgb(66, 66, 66)", grid
    fills = root.locator("text.iw-probe-tick").evaluate_all(
        "ts => ts.map(t => getComputedStyle(t).fill)"
    )
    assert all(f.startswith("rgba(255, 255, 255") for f in fills), fills


def test_os_dark_preference_without_host(open_widget):
    """No JupyterLab around (an exported page): the reader's OS preference decides."""
    page, root = open_widget("neuron_text")
    page.emulate_media(color_scheme="dark")
    expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    got = root.evaluate(LOW_CONTRAST)
    assert not got["out"], got["out"]


#: Before the page's scripts run: hand the widget a detached element to render into (as
#: JupyterLab may), kept on ``window.__iwDetached``; ``window.__iwAttach()`` puts it in the page.
DETACHED_HOST = """(() => {
    const real = Document.prototype.getElementById;
    const el = document.createElement('div');
    window.__iwDetached = el;
    Document.prototype.getElementById = function (id) {
        return id === 'iw-root' ? el : real.call(this, id);
    };
    window.__iwAttach = () => real.call(document, 'iw-root').appendChild(el);
})()"""


def test_view_built_outside_the_page_takes_the_dark_theme_when_attached(iw, tmp_path, make_page):
    """The widget draws into an element that is not in the page yet; the dark theme is set
    while it is out (no theme change happens after); once attached, the widget is dark."""
    from teaching_widgets import build

    path = tmp_path / "detached.html"
    build(iw, "neuron_text").save_html(path)
    page = make_page()
    page.add_init_script(DETACHED_HOST)
    page.goto(path.resolve().as_uri())
    page.wait_for_function("() => window.__iwDetached.querySelector('.iw-root .iw-toolbar')")
    go_dark(page)
    page.wait_for_timeout(600)  # the toolbar's second look at a theme change has passed
    theme = "() => window.__iwDetached.querySelector('.iw-root').dataset.theme"
    assert page.evaluate("() => window.__iwDetached.isConnected") is False
    assert page.evaluate(theme) == "light"  # a detached element has no computed style
    page.evaluate("() => window.__iwAttach()")
    root = wait_drawn(page, "neuron_text")
    expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
    got = root.evaluate(LOW_CONTRAST)
    assert got["checked"] > 10 and not got["out"], got["out"]


# -- a real JupyterLab in its dark theme ---------------------------------------------------------

SETUP = """\
import numpy as np
import interpwidgets as iw
text = "def f(x):\\n    return 'hi' + x  # ok\\n"
i = np.arange(len(text), dtype=np.float32)[:, None]
tr = iw.Trace.from_arrays(text, {"h": np.sin(i * np.arange(1, 5)[None, :] / 3).astype(np.float32)})
w = iw.NeuronText(tr, title="in JupyterLab Dark")
w"""
NOTEBOOK = "dark_theme.ipynb"


@pytest.fixture(scope="module")
def dark_lab(tmp_path_factory, iw):
    from jupyter_host import start, write_notebook

    settings = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    with start(tmp_path_factory.mktemp("jupyterlab_dark"), app="lab", settings=settings) as server:
        write_notebook(server.root / NOTEBOOK, [SETUP, 'print("PRESENTATION", w.presentation)'])
        yield server


@pytest.mark.jupyter
def test_in_jupyterlab_dark(make_page, guard, dark_lab, tmp_path):
    from jupyter_host import cell, describe, output_text, run_cell, wait_kernel_idle

    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    wait = 90_000
    try:
        page.set_default_timeout(wait)
        page.goto(dark_lab.notebook_url(NOTEBOOK))
        expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false", timeout=wait)
        expect(cell(page, 1)).to_be_visible(timeout=wait)
        wait_kernel_idle(page, wait)
        run_cell(page, 0)
        root = cell(page, 0).locator(".jp-OutputArea .iw-root.iw-neuron-text")
        expect(root).to_have_attribute("data-rendered-neuron", "0", timeout=wait)
        expect(root).to_have_attribute("data-theme", "dark")
        got = root.evaluate(LOW_CONTRAST)
        assert got["checked"] > 10 and not got["out"], got["out"]
        shot = dark_lab.root.parent / "dark_in_lab.png"
        cell(page, 0).screenshot(path=str(shot))
        print(f"screenshot of the widget in JupyterLab Dark: {shot}")
        # "A+" in the browser reaches the kernel
        size = font_px(root, "span.iw-tok")
        root.locator("button.iw-tb-present").click()
        expect(root).to_have_class(re.compile(r"\biw-present\b"))
        assert font_px(root, "span.iw-tok") >= 1.4 * size
        run_cell(page, 1)
        expect(cell(page, 1).locator(".jp-OutputArea")).to_contain_text(
            "PRESENTATION True", timeout=wait
        )
        assert output_text(page, 1).strip() == "PRESENTATION True"
        # the PNG downloads from inside Lab, dark like the widget
        from PIL import Image

        with page.expect_download() as info:
            root.locator("button.iw-tb-png").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.name == "interpwidgets-neuron_text.png"
        img = Image.open(path).convert("RGB")
        assert max(img.getpixel((16, 16))) < 40
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, dark_lab, 'dark_failure.png')}") from exc
