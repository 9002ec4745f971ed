"""The catalogue (interpwidgets/i18n/*.json): complete in both languages, every key used, and
``iw.locale`` / ``locale=`` reach the widgets, their exported pages and Python's messages."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import course, i18n

ROOT = Path(__file__).resolve().parents[1]
PY = [p.read_text(encoding="utf-8") for p in (ROOT / "interpwidgets").rglob("*.py")]
JS = [
    p.read_text(encoding="utf-8")
    for p in (ROOT / "js" / "src").rglob("*.ts")
    if not p.name.endswith(".test.ts")
]


@pytest.fixture(autouse=True)
def _english_after():
    yield
    iw.locale("en")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_languages_have_the_same_keys_and_fields():
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    assert sorted(en) == sorted(zh), set(en) ^ set(zh)
    for key in en:
        # a translation may leave out a field that is English prose (``where``), never add one
        assert _fields(zh[key]) <= _fields(en[key]), key
        assert zh[key].strip(), key


def test_the_chinese_is_chinese():
    """Every Chinese entry that has words has Han characters (not an English copy), except
    where the text is a name (the page title) or only punctuation (a list separator)."""
    zh = i18n.catalogue("zh")
    same = [k for k, v in zh.items() if v == i18n.catalogue("en")[k]]
    assert same == ["page.title"], same
    han = re.compile(r"[\u4e00-\u9fff]")
    words = re.compile(r"[A-Za-z]{2,}")
    prose = {k: re.sub(r"\{[^}]*\}", "", v) for k, v in zh.items()}  # {fields} are not words
    missing = [
        k for k, v in prose.items() if k not in same and not han.search(v) and words.search(v)
    ]
    assert not missing, missing
    assert zh["ui.robustness.list_sep"] == "、"


def _used(key: str) -> bool:
    if key.startswith("ui."):
        return any(f'"{key[3:]}"' in src or f"'{key[3:]}'" in src for src in JS)
    m = re.fullmatch(r"course\.([^.]+)\.(question|hint)", key)
    if m:
        return m.group(1) in course.EXERCISES
    return any(f'"{key}"' in src for src in PY)


def test_every_key_is_used():
    unused = [k for k in i18n.catalogue("en") if not _used(k)]
    assert not unused, unused


def test_every_key_the_python_asks_for_exists():
    asked = {k for src in PY for k in re.findall(r'\bt\(\s*"([a-z_]+\.[A-Za-z0-9_.-]+)"', src)}
    assert asked, "no t(...) call found"
    assert asked <= set(i18n.catalogue("en")), asked - set(i18n.catalogue("en"))


def test_catalogues_are_sorted_json():
    for lang in i18n.LANGUAGES:
        raw = json.loads((ROOT / "interpwidgets" / "i18n" / f"{lang}.json").read_text("utf-8"))
        assert list(raw) == sorted(raw), lang


def _tiny():
    return iw.Trace.from_arrays("ab 中文", {"h": np.arange(10, dtype=np.float32).reshape(5, 2)})


def test_locale_default_and_argument():
    assert iw.locale() == "en"
    w = iw.NeuronText(_tiny())
    assert w.locale == "en" and w._strings == i18n.browser_strings("en")
    assert iw.locale("zh-CN") == "zh"
    z = iw.NeuronText(_tiny())
    assert z.locale == "zh" and z.get_state()["_strings"] == i18n.browser_strings("zh")
    assert w.locale == "en"  # widgets that exist keep their language
    e = iw.NeuronText(_tiny(), locale="en")
    assert e.locale == "en"
    e.locale = "zh"
    assert e._strings == i18n.browser_strings("zh")


@pytest.mark.parametrize("bad", ["fr", 3, None])
def test_bad_locale(bad):
    if bad is None:
        assert iw.locale(None) == "en"
        return
    with pytest.raises((TypeError, ValueError), match=r"^lang: expected one of \['en', 'zh'\]"):
        iw.locale(bad)
    with pytest.raises((TypeError, ValueError), match=r"^locale: expected one of"):
        iw.NeuronText(_tiny(), locale=bad)


def test_python_messages_follow_the_locale():
    tr = _tiny()
    with pytest.raises(ValueError, match=r"^neuron: expected an index in \[0, 1\]"):
        iw.NeuronText(tr, neuron=5)
    iw.locale("zh")
    with pytest.raises(ValueError, match=r"^neuron：层 'h' 的神经元下标应在 \[0, 1\] 范围内"):
        iw.NeuronText(tr, neuron=5)
    with pytest.raises(TypeError, match=r"^title：应为字符串（str）"):
        iw.NeuronText(tr, title=3)
    with pytest.raises(KeyError, match="layer：找不到名为 'x' 的层"):
        iw.NeuronText(tr, layer="x")
    w = iw.NeuronText(tr)
    with pytest.raises(ValueError, match="^text：由组件根据数据计算得出"):
        w.text = "x"


def test_course_verdicts_in_chinese():
    lt = iw.Trace.from_arrays("abc", {"loss.diff": np.array([-1.0, -2.0, np.nan])})
    assert "Correct" in repr(course.check("05-better-model", "lstm", trace=lt))
    iw.locale("zh")
    right = course.check("05-better-model", "lstm", trace=lt)
    assert repr(right) == "✓ 答对了！"
    empty = course.check("05-better-model", None, trace=lt)
    assert repr(empty).startswith("还没有作答。提示：loss.diff 是")


def test_exported_page_carries_its_language():
    z = iw.NeuronText(_tiny(), locale="zh")
    page = z.to_html()
    assert '<html lang="zh-Hans">' in page
    assert "NeuronText — interpwidgets" in page
    m = re.search(r'<script type="application/json" id="iw-data">(.*?)</script>', page, re.S)
    data = json.loads(m.group(1))
    assert data["state"]["locale"] == "zh"
    assert data["state"]["_strings"] == i18n.browser_strings("zh")
    assert data["missing"].startswith("这个导出文件只包含层 'h' 的第 0–1 号神经元")
    assert "Noto Sans CJK SC" in page
    assert '<html lang="en">' in iw.NeuronText(_tiny()).to_html()


def test_words_python_builds_follow_a_locale_change():
    """The ranking caption (NeuronExplorer) and the selectivity note (ProbeChart) are made in
    Python: made in the widget's language, and made again when ``locale`` changes."""
    import pandas as pd

    from interpwidgets.probing import ProbeResult

    text = "x = 'ab' # c\n" * 4
    rng = np.random.default_rng(0)
    tr = iw.Trace.from_arrays(text, {"rnn.0.h": rng.normal(size=(len(text), 4)).astype(np.float32)})
    w = iw.NeuronExplorer(tr, feature="in_string")
    assert w.ranking["source"] == "feature: in_string (AUROC)"
    w.locale = "zh"
    assert w.ranking["source"] == "特征：in_string（AUROC）"
    table = pd.DataFrame(
        {
            "layer": ["embed", "rnn.0.h"],
            "accuracy": [0.6, 0.7],
            "control_accuracy": [0.7, 0.6],
            "selectivity": [-0.1, 0.1],
            "majority": [0.5, 0.5],
        }
    )
    p = iw.ProbeChart([ProbeResult("in_string", "m", table, {}, {})])
    assert p.series[0]["notes"][0].startswith("selectivity below 0 at embed")
    p.locale = "zh"
    assert p.series[0]["notes"][0].startswith("embed 处选择性低于 0")
    z = iw.ProbeChart([ProbeResult("in_string", "m", table, {}, {})], locale="zh")
    assert z.series == p.series


def test_attention_summary_measures_follow_the_locale():
    att = np.full((2, 2, 5, 5), 0.2, np.float32)
    w = iw.AttentionView(att, ["[CLS]", "a", "b", ",", "[SEP]"])
    labels = lambda v: [m["label"] for m in v.groups[0]["summary"]["measures"]]  # noqa: E731
    assert labels(w)[0] == "entropy (bits)"
    w.locale = "zh"
    assert labels(w)[0] == "熵（entropy，比特）" and labels(w)[4] == "→ 前一个词元"
    assert labels(iw.AttentionView(att, ["[CLS]", "a", "b", ",", "[SEP]"], locale="zh")) == labels(
        w
    )


def test_attention_group_names_and_notes_follow_the_locale():
    att = np.full((1, 1, 5, 5), 0.2, np.float32)
    att[0, 0, 0, 0] = np.nan  # a note about missing weights in every group holding token 0
    toks = ["[CLS]", "a", "[SEP]", "b", "[SEP]"]
    w = iw.AttentionView(att, toks, sentence_b_start=3)
    assert [g["name"] for g in w.groups][:2] == ["All", "Sentence A → Sentence A"]
    w.group = 1
    assert w.notes[0].startswith("Sentence A → Sentence A: a slice of the full attention")
    w.locale = "zh"
    assert [g["name"] for g in w.groups] == [
        "全部",
        "句子 A → 句子 A",
        "句子 B → 句子 B",
        "句子 A → 句子 B",
        "句子 B → 句子 A",
    ]
    assert w.notes[0].startswith("句子 A → 句子 A：这是完整注意力的一个切片")
    assert w.notes[1] == "句子 A → 句子 A：部分权重缺失（NaN），按缺失值的颜色画出。"
    assert "查询（query，3 个词元" in w.groups[3]["notes"][-1]  # A → B: 3 queries, 2 keys
    assert w.group_names[1] == "Sentence A → Sentence A"  # the API's names stay English
    z = iw.AttentionView(att, toks, sentence_b_start=3, locale="zh", group=1)
    assert [(g["name"], g["notes"]) for g in z.groups] == [
        (g["name"], g["notes"]) for g in w.groups
    ]
    assert z.notes == w.notes
    own = iw.AttentionView(groups=[{"name": "Mine", "attention": att, "tokens": toks}], locale="zh")
    assert own.groups[0]["name"] == "Mine" and own.notes[0].startswith("Mine：")


def test_bertviz_dropin_encoder_decoder_groups_follow_the_locale(monkeypatch):
    from interpwidgets import dropin

    shown: list = []
    monkeypatch.setattr("IPython.display.display", shown.append)  # the drop-in displays its widget

    rng = np.random.default_rng(0)

    def att(q: int, k: int) -> list:
        a = rng.random((1, 1, 2, q, k)).astype(
            np.float32
        )  # bertviz: per layer (batch, heads, q, k)
        return [a[0] / a[0].sum(-1, keepdims=True)]

    enc, dec = ["a", "b", "c"], ["x", "y"]
    dropin.model_view(
        encoder_attention=att(3, 3),
        decoder_attention=att(2, 2),
        cross_attention=att(2, 3),
        encoder_tokens=enc,
        decoder_tokens=dec,
    )
    (w,) = shown
    assert w.group_names == ["Encoder", "Decoder", "Cross"]  # the API's names stay English
    assert [g["name"] for g in w.groups] == ["Encoder", "Decoder", "Cross"]
    w.locale = "zh"
    assert [g["name"] for g in w.groups] == [
        "编码器（Encoder）",
        "解码器（Decoder）",
        "交叉注意力（Cross）",
    ]
    with pytest.raises(ValueError, match=r"groups\[0\]: unknown keys \['label'\]"):
        iw.AttentionView(
            groups=[{"name": "g", "label": "x", "attention": att(3, 3)[0], "tokens": enc}]
        )
