"""The static figures speak the widget's language: ``w.figure()`` of a widget made with
``locale="zh"`` has Chinese titles, axis labels and legends (read from matplotlib's Text
objects), draws Han characters with a CJK face, and ``locale="en"`` keeps the English."""

from __future__ import annotations

import re
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest

import interpwidgets as iw
from interpwidgets import figures
from interpwidgets.figures import gate_saturation_figure

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]")
TOKENS = ["[CLS]", "猫", "坐", "[SEP]", "狗", "[SEP]"]


@pytest.fixture(autouse=True)
def _close_and_english():
    yield
    plt.close("all")
    iw.locale("en")


def _attention():
    a = np.random.default_rng(0).random((2, 3, 6, 6)).astype(np.float32)
    return a / a.sum(-1, keepdims=True)


def _words(fig) -> dict[str, str]:
    """Every title, axis label and legend entry of ``fig``, by where it sits."""
    out = {"suptitle": fig._suptitle.get_text() if fig._suptitle else ""}
    for i, ax in enumerate(fig.axes):
        out[f"{i}.title"] = ax.get_title(loc="left") or ax.get_title()
        out[f"{i}.x"] = ax.get_xlabel()
        out[f"{i}.y"] = ax.get_ylabel()
        legend = ax.get_legend()
        if legend is not None:
            out[f"{i}.legend"] = " | ".join(t.get_text() for t in legend.get_texts())
    return {k: v for k, v in out.items() if v}


def test_attention_figures_in_chinese_and_english():
    zh = iw.AttentionView(_attention(), tokens=TOKENS, sentence_b_start=4, locale="zh")
    zh.group = 3  # Sentence A → Sentence B
    w = _words(zh.figure(layer=1, head=2))
    assert w["0.title"] == "句子 A → 句子 B · 第 1 层 · 第 2 个头"
    assert w["0.x"] == "键（key，被关注的词元）" and w["0.y"] == "查询（query，发出关注的词元）"
    s = _words(zh.summary_figure("to_sep"))
    assert s["0.title"] == "→ [SEP]（分隔符）" and s["0.x"] == "头" and s["0.y"] == "层"

    en = iw.AttentionView(_attention(), tokens=TOKENS, sentence_b_start=4, locale="en")
    en.group = 3
    w = _words(en.figure(layer=1, head=2))
    assert w["0.title"] == "Sentence A → Sentence B · layer 1 · head 2"
    assert w["0.x"] == "key (attended to)" and not any(HAN.search(v) for v in w.values())
    # the figure follows the widget's language, not iw.locale()'s, unless asked
    iw.locale("zh")
    assert _words(en.figure())["0.x"] == "key (attended to)"
    assert _words(en.figure(lang="zh"))["0.x"] == "键（key，被关注的词元）"


def test_chinese_text_is_drawn_with_a_cjk_face():
    fig = iw.AttentionView(_attention(), tokens=TOKENS, locale="zh").figure()
    families = figures.text_families()
    if len(families) == 1:
        pytest.skip("no CJK font installed")
    ax = fig.axes[0]
    for text in [ax.title, ax.xaxis.label, *ax.get_yticklabels()]:
        assert text.get_fontfamily() == families, text.get_text()
    # Latin text keeps matplotlib's own face first
    assert families[0] == "DejaVu Sans"


def test_probe_figure_in_chinese():
    from test_probe_chart import result

    w = _words(iw.ProbeChart([result()], locale="zh").figure())
    assert w["0.x"] == "层（0 = 第一个被探测的层）"
    assert w["0.y"] == "留出集（held-out）准确率 / 选择性"
    assert "准确率（accuracy）" in w["0.legend"] and "选择性（selectivity）" in w["0.legend"]
    assert "accuracy" in _words(iw.ProbeChart([result()], locale="en").figure())["0.legend"]


def _robustness_result():
    kinds = ["char_noise", "negation"]
    summary = pd.DataFrame(
        {"kind": kinds, "flip_rate": [0.5, np.nan], "flips": [1, 0], "changed": [2, 0]}
    )
    details = pd.DataFrame(
        {"kind": ["char_noise"] * 2, "changed": [True, True], "flipped": [True, False]}
    )
    details["delta"] = [-0.6, 0.1]
    return SimpleNamespace(
        summary=summary, details=details, kinds=kinds, texts=["a", "b"], seed=0, rate=0.1
    )


def test_robustness_figure_in_chinese():
    fig = figures.robustness_figure(_robustness_result(), lang="zh")
    w = _words(fig)
    assert w["suptitle"] == "2 条文本上的鲁棒性（robustness）（随机种子 0，扰动比例 0.1）"
    assert w["0.x"] == "被改动文本的翻转率（flip rate），95% 区间"
    assert HAN.search(w["1.x"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["字符噪声", "加否定"]
    assert "未生效" in [t.get_text() for t in fig.axes[0].texts]
    en = figures.robustness_figure(_robustness_result(), lang="en")
    assert [t.get_text() for t in en.axes[0].get_yticklabels()] == ["character noise", "negation"]


def test_attribution_figure_title_in_chinese():
    a = SimpleNamespace(
        label="积分梯度",
        all_scores=np.array([[0.0, 0.5, -0.2], [0.0, -0.5, 0.2]]),
        special=np.array([True, False, False]),
        offsets=[(0, 0), (0, 1), (1, 2)],
        text="好看",
        labels=["负面", "正面"],
        target=1,
    )
    w = _words(figures.attribution_figure([a], lang="zh"))
    assert w["0.title"] == "目标类别：正面（色标 ±0.5）"


def test_gate_figure_in_chinese():
    from test_gate_figure import gate_trace

    fig = gate_saturation_figure(iw.gate_saturation(gate_trace()), lang="zh")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["输入门（input gate）", "遗忘门（forget gate）", "输出门（output gate）"]
    w = _words(fig)
    assert w["0.x"] == "左饱和比例（< 0.1）"
    assert w["0.y"] == "右饱和比例（> 0.9）"
    assert w["0.legend"] == "第 0 层 | 第 1 层"
    en = gate_saturation_figure(iw.gate_saturation(gate_trace()), lang="en")
    assert [ax.get_title() for ax in en.axes] == ["input gate", "forget gate", "output gate"]


def test_neuron_text_figure_draws_its_chinese_scale_note_with_a_cjk_face():
    import warnings

    families = figures.text_families()
    if len(families) == 1:
        pytest.skip("no CJK font installed")
    text = "def f(x):\n    return 'hi'\n"
    tr = iw.Trace.from_arrays(text, {"h": np.linspace(-1, 2, len(text))[:, None]})
    fig = iw.NeuronText(tr, locale="zh").figure(max_chars=20)
    label = fig.axes[1].xaxis.label
    assert HAN.search(label.get_text()), label.get_text()
    assert label.get_fontfamily() == families
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    assert not [w for w in caught if "missing from font" in str(w.message)]


def _glyph_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_neuron_text_figure_draws_chinese_text_in_two_columns_without_missing_glyphs():
    import warnings

    from matplotlib.patches import Rectangle

    families = figures.text_families()
    if len(families) == 1:
        pytest.skip("no CJK font installed")
    text = "注意力头 attention"
    tr = iw.Trace.from_arrays(text, {"h": np.linspace(-1, 1, len(text))[:, None]})
    fig = iw.NeuronText(tr, locale="zh").figure()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    assert not _glyph_warnings(caught)
    ax = fig.axes[0]
    glyphs = [t for t in ax.texts if t.get_text().strip()]
    assert "".join(t.get_text() for t in glyphs) == text.replace(" ", "")
    assert glyphs[0].get_fontfamily() == figures.text_families(monospace=True)
    # one box per character (the space too), left to right, none overlapping the next
    boxes = [(p.get_x(), p.get_width()) for p in ax.patches if isinstance(p, Rectangle)]
    assert len(boxes) == len(text)
    assert [w for _, w in boxes] == [2] * 4 + [1] * 10  # Han twice a Latin letter
    assert all(x + w <= nx for (x, w), (nx, _) in zip(boxes, boxes[1:], strict=False))
    assert boxes[-1][0] + boxes[-1][1] == 4 * 2 + 10
    # what a reader sees: each drawn glyph inside its own box, so glyphs do not overlap either
    renderer = fig.canvas.get_renderer()
    inked = [b for ch, b in zip(text, boxes, strict=True) if ch != " "]
    for glyph, (x, w) in zip(glyphs, inked, strict=True):
        ink = glyph.get_window_extent(renderer)
        (left, _), (right, _) = ax.transData.transform([(x, 0), (x + w, 0)])
        assert left - 0.5 <= ink.x0 and ink.x1 <= right + 0.5, (glyph.get_text(), ink, left, right)
    han = glyphs[0].get_window_extent(renderer).width  # 注
    latin = glyphs[4].get_window_extent(renderer).width  # a
    assert 1.4 < han / latin < 2.2, (han, latin)


def test_neuron_text_figure_title_follows_the_widgets_language():
    text = "注意力头 attention " * 10
    tr = iw.Trace.from_arrays(text, {"h": np.linspace(-1, 1, len(text))[:, None]})
    zh = iw.NeuronText(tr, locale="zh").figure(max_chars=30)
    title = zh.axes[0].get_title(loc="left")
    assert title == "h · 第 0 号神经元（前 30 个字符，共 150 个）"
    assert not re.search(r"[A-Za-z]{2,}", title)  # the layer's name "h" is the only Latin
    en = iw.NeuronText(tr, locale="en").figure(max_chars=30)
    assert en.axes[0].get_title(loc="left") == "h · neuron 0 (first 30 of 150 characters)"
    iw.locale("zh")
    assert "neuron" in iw.NeuronText(tr, locale="en").figure().axes[0].get_title(loc="left")
    fig = iw.NeuronText(tr, locale="en").figure(lang="zh")
    assert fig.axes[0].get_title(loc="left") == "h · 第 0 号神经元"


def test_neuron_text_figure_cells_follow_grapheme_clusters_and_east_asian_width():
    from interpwidgets.neuron_figure import _cells

    def layout(text, columns=100):
        return [(r, c, w, s) for r, c, w, s, _ in _cells(text, columns)]

    assert layout("e\u0301x") == [(0, 0, 1, "e\u0301"), (0, 1, 1, "x")]  # combining accent
    assert layout("👍🏽a") == [(0, 0, 2, "👍🏽"), (0, 2, 1, "a")]  # skin tone joins
    family = "👨\u200d👩\u200d👧"
    assert layout(family) == [(0, 0, 2, family)]  # a ZWJ sequence is one wide cell
    assert [s for *_, s in layout("🇨🇳🇺🇸")] == ["🇨🇳", "🇺🇸"]  # flags pair up
    assert layout("❤\ufe0f") == [(0, 0, 2, "❤\ufe0f")]  # emoji presentation is wide
    assert layout("ＡＢ") == [(0, 0, 2, "Ａ"), (0, 2, 2, "Ｂ")]  # fullwidth
    # a wide character that does not fit the row starts the next one; tabs run to 4
    assert layout("abc注", columns=4) == [
        (0, 0, 1, "a"),
        (0, 1, 1, "b"),
        (0, 2, 1, "c"),
        (1, 0, 2, "注"),
    ]
    assert layout("a\tb\nc") == [
        (0, 0, 1, "a"),
        (0, 1, 3, ""),
        (0, 4, 1, "b"),
        (0, 5, 1, "⏎"),
        (1, 0, 1, "c"),
    ]
