"""NeuronText exported with ``save_html`` and opened from ``file://`` with the network blocked.

Asserts on what a person sees: the computed colour of each character, the tooltip a hover
shows, the neuron stepping with buttons / arrow keys / typing, text shown literally and in
place (HTML, CJK, emoji, combining marks, newlines, indentation), and long texts that stay
usable. Every test also fails on any console error, page error, dialog or request (see
``conftest.py``).
"""

from __future__ import annotations

import io
import math
import re
import time
import tokenize
from pathlib import Path

import numpy as np
import pytest
from iwpage import (
    MISSING_CLASS,
    MISSING_RGB,
    ROOT,
    bg_rgb,
    close_rgb,
    expected_rgb,
    expected_text_rgb,
    open_export,
    text_scale_hi,
    token_colours,
    unseen_corners,
    wait_rendered,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
LAYER = "rnn.0.h"
NAN = float("nan")


@pytest.fixture
def export(iw, tmp_path):
    """``export(text, arrays, name="page", tokens=None, offsets=None, **widget_kwargs)`` → path."""

    def make(text, arrays, name="page", tokens=None, offsets=None, **kwargs):
        kw = {}
        if tokens is not None:
            kw["tokens"] = tokens
        if offsets is not None:
            kw["offsets"] = offsets
        tr = iw.Trace.from_arrays(text, arrays, **kw)
        kwargs.setdefault("layer", next(iter(arrays)))
        w = iw.NeuronText(tr, **kwargs)
        path = tmp_path / f"{name}.html"
        w.save_html(str(path))
        assert path.is_file() and path.stat().st_size > 0
        return path

    return make


def assert_colours(root, column, indices=None, what=""):
    """Every token in ``indices`` has the colour of its value in ``column`` on NeuronText's
    default scale: RdBu_r (as far as dark ink stays readable) over ±the 99th percentile of
    |value|."""
    column = np.asarray(column, dtype=np.float64)
    vmax = text_scale_hi(column)
    got = token_colours(root)
    indices = range(len(column)) if indices is None else indices
    bad = []
    for i in indices:
        assert i in got, f"{what}: token {i} is not rendered (span.iw-tok[data-i={i}] missing)"
        v = column[i]
        want = expected_text_rgb(v, vmax)
        if not close_rgb(got[i]["rgb"], want):
            bad.append(
                f"token {i} {got[i]['text']!r} value {v:.4g}: got rgb{got[i]['rgb']}, want rgb{want}"
            )
        if math.isnan(v) and MISSING_CLASS not in got[i]["cls"].split():
            bad.append(
                f"token {i} is NaN but lacks class {MISSING_CLASS} (class={got[i]['cls']!r})"
            )
        if not math.isnan(v) and MISSING_CLASS in got[i]["cls"].split():
            bad.append(f"token {i} has value {v} but is marked {MISSING_CLASS}")
    assert not bad, f"{what}: wrong colours:\n  " + "\n  ".join(bad[:20])
    return got


def tooltip_after_hover(page, selector, timeout=5_000):
    page.locator(selector).hover()
    tip = page.locator("div.iw-tooltip")
    expect(tip).to_be_visible(timeout=timeout)
    return tip


# ---------------------------------------------------------------------------------------
# colours, hover, stepping


KNOWN = np.array(
    [
        # neuron 0: the reference values; 1: another scale; 2: NaN elsewhere; 3: small values
        [-1.0, 2.0, 0.3, 0.01],
        [-0.5, -4.0, NAN, -0.02],
        [0.0, 1.0, -0.6, 0.04],
        [0.5, 0.0, 0.9, 0.00],
        [1.0, 3.0, -0.9, -0.03],
        [NAN, -2.0, 0.1, 0.02],
    ],
    dtype=np.float32,
)
KNOWN_TEXT = "abcdef"


@pytest.fixture
def known(export):
    second = KNOWN[:, ::-1] * 7  # a second layer with different values
    return export(
        KNOWN_TEXT, {LAYER: KNOWN, "rnn.1.h": second}, name="known", layer=LAYER, neuron=0
    )


def test_colours_match_rdbu_r(page, known):
    root = open_export(page, known)
    wait_rendered(root, neuron=0, layer=LAYER)
    got = assert_colours(root, KNOWN[:, 0], what="neuron 0")
    # Spot values a reader can check by eye: the ends and the middle of the text scale
    # (RdBu_r as far as the dark ink keeps 4.5:1)
    assert close_rgb(got[0]["rgb"], (62, 140, 192)), got[0]  # -1 → the strongest blue
    assert close_rgb(got[2]["rgb"], (247, 247, 247)), got[2]  # 0 → near-white middle
    assert close_rgb(got[4]["rgb"], (209, 86, 72)), got[4]  # +1 → the strongest red
    assert got[5]["rgb"] == MISSING_RGB  # NaN → grey, class iw-missing
    assert [got[i]["text"] for i in range(6)] == list(KNOWN_TEXT)
    # The legend exists and is not empty.
    expect(page.locator(f"{ROOT} .iw-legend")).to_be_visible()


def test_hover_shows_token_and_value(page, known):
    open_export(page, known)
    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="3"]')
    text = tip.inner_text()
    assert re.search(r"token\s+3\b", text), text
    assert re.search(r"chars\s+3\s*[–-]\s*4\b", text), text
    assert '"d"' in text or "“d”" in text or "'d'" in text, text
    assert re.search(r"value\s+0\.50*\b", text), text

    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="1"]')
    text = tip.inner_text()
    assert re.search(r"token\s+1\b", text) and re.search(r"value\s+[-−]0\.50*\b", text), text

    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="5"]')
    assert "value missing (NaN)" in tip.inner_text(), tip.inner_text()

    # Moving away from the text hides the tooltip again.
    page.mouse.move(5, 790)
    expect(page.locator("div.iw-tooltip")).to_be_hidden(timeout=5_000)


def test_buttons_and_arrow_keys_step_the_neuron(page, known):
    root = open_export(page, known)
    n_units = KNOWN.shape[1]
    neuron_input = page.locator(f"{ROOT} input.iw-neuron")
    expect(neuron_input).to_have_value("0")

    page.locator(f"{ROOT} button.iw-next").click()
    wait_rendered(root, neuron=1)
    expect(neuron_input).to_have_value("1")
    assert_colours(root, KNOWN[:, 1], what="after next")

    page.locator(f"{ROOT} button.iw-next").click()
    wait_rendered(root, neuron=2)
    assert_colours(root, KNOWN[:, 2], what="after next, next")

    page.locator(f"{ROOT} button.iw-prev").click()
    wait_rendered(root, neuron=1)
    assert_colours(root, KNOWN[:, 1], what="after prev")

    root.focus()
    page.keyboard.press("ArrowRight")
    wait_rendered(root, neuron=2)
    page.keyboard.press("ArrowRight")
    wait_rendered(root, neuron=3)
    assert_colours(root, KNOWN[:, 3], what="after ArrowRight x2")
    expect(neuron_input).to_have_value("3")
    page.keyboard.press("ArrowLeft")
    wait_rendered(root, neuron=2)
    assert_colours(root, KNOWN[:, 2], what="after ArrowLeft")

    # The tooltip follows the neuron shown.
    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="1"]')
    assert "value missing (NaN)" in tip.inner_text(), tip.inner_text()

    # Typing a neuron number.
    neuron_input.fill("3")
    neuron_input.press("Enter")
    wait_rendered(root, neuron=3)
    assert_colours(root, KNOWN[:, 3], what="after typing 3")

    # The ends: no neuron -1 and none past the last.
    last = n_units - 1
    next_btn = page.locator(f"{ROOT} button.iw-next")
    if not next_btn.is_disabled():
        next_btn.click()
        page.wait_for_timeout(300)
    wait_rendered(root, neuron=last)
    expect(neuron_input).to_have_value(str(last))
    neuron_input.fill("0")
    neuron_input.press("Enter")
    wait_rendered(root, neuron=0)
    prev_btn = page.locator(f"{ROOT} button.iw-prev")
    if not prev_btn.is_disabled():
        prev_btn.click()
        page.wait_for_timeout(300)
    wait_rendered(root, neuron=0)
    expect(neuron_input).to_have_value("0")
    assert_colours(root, KNOWN[:, 0], what="back at neuron 0")


def test_a_failed_fetch_shows_an_error_with_retry_never_a_blank(iw, page, export):
    """A neuron the file does not hold (like a fetch the kernel never answers) gives a visible
    error with a retry button; the text stays, and stepping back recovers."""
    text = "abcdefgh"
    acts = np.linspace(-1, 1, 8 * 6, dtype=np.float32).reshape(8, 6)
    # room for 3 columns as the page stores them
    per_column = iw.NeuronText(iw.Trace.from_arrays(text, {LAYER: acts}))._column_cost(LAYER)
    path = export(text, {LAYER: acts}, name="budget", neuron=0, export_budget=3 * per_column)
    root = open_export(page, path)
    nxt = page.locator(f"{ROOT} button.iw-next")
    for n in (1, 2):
        nxt.click()
        wait_rendered(root, neuron=n)
    nxt.click()  # neuron 3 is not in the file
    status = page.locator(f"{ROOT} .iw-status")
    expect(status).to_be_visible(timeout=20_000)
    expect(status).to_contain_text("holds neurons 0–2")
    expect(status.locator("button.iw-retry")).to_be_visible()
    assert page.locator(f"{ROOT} .iw-text").inner_text() == text  # never blank
    status.locator("button.iw-retry").click()  # retrying asks again and says so again
    expect(status).to_contain_text("holds neurons 0–2")
    page.locator(f"{ROOT} button.iw-prev").click()
    wait_rendered(root, neuron=2)
    assert_colours(root, acts[:, 2], what="back on a neuron the file holds")
    expect(status).to_be_hidden(timeout=10_000)


def test_every_layer_that_fits_is_in_the_export(page, known):
    """An export holds the selected layer and, when the budget allows, the others whole
    (issue 18 item 16: it held one layer when all would fit); a layer it cannot hold is listed
    but disabled (``test_layers_the_file_does_not_hold_are_disabled``)."""
    root = open_export(page, known)
    select = page.locator(f"{ROOT} select.iw-layer")
    options = select.locator("option")
    assert options.all_inner_texts() == [LAYER, "rnn.1.h"]
    assert options.nth(0).is_enabled() and options.nth(1).is_enabled()
    root.focus()
    page.keyboard.press("ArrowDown")  # the next layer, drawn from the file
    wait_rendered(root, layer="rnn.1.h", neuron=0)
    expect(root).not_to_contain_text("not in this file")


def test_constant_zero_neuron_is_neutral_not_blank(page, export):
    arr = np.zeros((5, 2), dtype=np.float32)
    arr[:, 1] = NAN
    path = export("zeros", {LAYER: arr}, name="zeros", neuron=0)
    root = open_export(page, path)
    got = token_colours(root)
    assert len(got) == 5
    for i in range(5):  # vmax = 0: every value sits in the middle of the scale
        assert close_rgb(got[i]["rgb"], expected_rgb(0.0, 1.0)), (i, got[i])
    page.locator(f"{ROOT} button.iw-next").click()
    wait_rendered(root, neuron=1)  # an all-NaN neuron: every character grey, never blank
    got = token_colours(root)
    assert all(got[i]["rgb"] == MISSING_RGB for i in range(5)), got
    assert page.locator(f"{ROOT} .iw-text").inner_text() == "zeros"


def test_legend_labels_three_digits_and_missing_only_with_nan(page, export):
    arr = np.array([[-0.8236, 0.2], [0.1, NAN], [0.3, -0.5]], dtype=np.float32)
    # the largest |value| spans the scale ("max"; the default clips at the 99th percentile)
    root = open_export(page, export("abc", {LAYER: arr}, name="legend", neuron=0, scale="max"))
    ticks = root.locator(".iw-legend-ticks span")
    # 3 significant digits and a real minus sign (U+2212), not "-0.8236"
    expect(ticks).to_have_text(["\u22120.824", "0", "0.824"])
    missing = root.locator(".iw-legend-missing")
    expect(missing).to_be_hidden()  # this neuron has no NaN
    page.locator(f"{ROOT} button.iw-next").click()
    wait_rendered(root, neuron=1)
    expect(ticks).to_have_text(["\u22120.5", "0", "0.5"])
    expect(missing).to_be_visible()  # token 1 is NaN


def test_no_caption_row_without_a_title(page, known, export):
    root = open_export(page, known)
    expect(root.locator(".iw-title")).to_be_hidden()
    arr = KNOWN[:, :2]
    titled = export(KNOWN_TEXT, {LAYER: arr}, name="titled", title="The quote cell")
    root = open_export(page, titled)
    title = root.locator(".iw-title")
    expect(title).to_be_visible()
    expect(title.locator(".iw-title-main")).to_have_text("The quote cell")
    expect(title.locator(".iw-caption")).to_have_text(f"{LAYER} · neuron 0")
    weight = title.locator(".iw-title-main").evaluate("e => getComputedStyle(e).fontWeight")
    assert int(weight) >= 600, weight


def test_neuron_box_fits_the_largest_index(page, export):
    small = open_export(page, export("abcd", {LAYER: np.zeros((4, 8), np.float32)}, name="n8"))
    w8 = small.locator("input.iw-neuron").bounding_box()["width"]
    assert w8 < 60, f"the box for neurons 0–7 is {w8:.0f} px wide"
    big = open_export(page, export("abcd", {LAYER: np.zeros((4, 12000), np.float32)}, name="n12k"))
    box = big.locator("input.iw-neuron")
    box.fill("11999")
    box.press("Enter")
    wait_rendered(big, neuron=11999)
    w = box.bounding_box()["width"]
    text_w = box.evaluate(
        """e => { const c = document.createElement('canvas').getContext('2d');
                  c.font = getComputedStyle(e).font; return c.measureText(e.value).width; }"""
    )
    assert w8 < w and text_w + 6 <= w < text_w + 40, (w8, w, text_w)


def test_tooltip_sits_above_the_hovered_line(make_page, export):
    text = "\n".join(f"line {k} = 'abc' + 'def'" for k in range(30))
    arr = np.sin(np.arange(len(text), dtype=np.float32))[:, None]
    page = make_page(viewport={"width": 700, "height": 500})
    root = open_export(page, export(text, {LAYER: arr}, name="above"))
    j = text.index("line 6") + 2
    tok = root.locator(f'span.iw-tok[data-i="{j}"]')
    tip = tooltip_after_hover(page, f'span.iw-tok[data-i="{j}"]')
    t, b = tip.bounding_box(), tok.bounding_box()
    assert t["y"] + t["height"] <= b["y"], ("the tooltip covers the token's line", t, b)
    assert not unseen_corners(tip)
    # The first line at the very top of the window: no room above, so below it.
    page.evaluate("window.scrollTo(0, 0)")
    root.evaluate("e => { e.style.marginTop = '0'; e.style.borderTopWidth = '0'; }")
    page.add_style_tag(
        content="body { margin: 0 } .iw-root { padding-top: 0 } .iw-controls { display: none }"
    )
    tok = root.locator('span.iw-tok[data-i="1"]')
    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="1"]')
    t, b = tip.bounding_box(), tok.bounding_box()
    assert b["y"] < t["height"], "the test meant the token to have no room above"
    assert t["y"] >= b["y"] + b["height"], ("the tooltip covers the token's line", t, b)
    assert not unseen_corners(tip)


def test_layers_the_file_does_not_hold_are_disabled(iw, page, tmp_path):
    arrays = {"rnn.0.h": KNOWN, "rnn.1.h": KNOWN * 2, "rnn.2.h": KNOWN * 3, "rnn.3.h": KNOWN * 4}
    w = iw.NeuronText(iw.Trace.from_arrays(KNOWN_TEXT, arrays), layer="rnn.1.h", neuron=0)
    # A file that holds two of the four layers (every neuron of rnn.1.h and rnn.3.h), and says
    # so in its state the way NeuronText's export does (`export_layers`).
    held = ["rnn.1.h", "rnn.3.h"]
    w._export_requests = lambda: [
        {"kind": "column", "layer": name, "neuron": n} for name in held for n in range(4)
    ]
    w._export_state = lambda: {**type(w)._export_state(w), "export_layers": held}
    path = tmp_path / "layers.html"
    w.save_html(str(path))
    root = open_export(page, path)
    options = root.locator("select.iw-layer option")
    texts = options.all_inner_texts()
    for name, text in zip(arrays, texts, strict=True):
        assert text == (name if name in held else f"{name} — not in this file"), texts
    disabled = options.evaluate_all("os => os.map(o => o.disabled)")
    assert disabled == [name not in held for name in arrays], disabled
    # Up/Down step over the layers the file does not hold.
    root.focus()
    page.keyboard.press("ArrowDown")
    expect(root.locator("select.iw-layer")).to_have_value("rnn.3.h")
    wait_rendered(root, layer="rnn.3.h", neuron=0)
    assert_colours(root, arrays["rnn.3.h"][:, 0], what="rnn.3.h after ArrowDown")
    page.keyboard.press("ArrowDown")  # nothing below
    page.keyboard.press("ArrowUp")
    wait_rendered(root, layer="rnn.1.h", neuron=0)
    page.keyboard.press("ArrowUp")  # rnn.0.h is not in the file: stay
    page.wait_for_timeout(200)
    expect(root.locator("select.iw-layer")).to_have_value("rnn.1.h")
    expect(root.locator(".iw-status")).to_be_hidden()


def test_unknown_characters_are_marked(iw, page, tmp_path):
    text = "ab\u00e9cd"
    arr = np.array([[0.1], [-0.9], [0.95], [0.0], [0.4]], dtype=np.float32)
    tr = iw.Trace.from_arrays(text, {LAYER: arr}, unknown_chars=np.array([2]))
    path = tmp_path / "unknown.html"
    iw.NeuronText(tr).save_html(str(path))
    root = open_export(page, path)
    marked = root.locator("span.iw-tok.iw-unknown")
    expect(marked).to_have_count(1)
    assert marked.get_attribute("data-i") == "2" and marked.inner_text() == "\u00e9"
    deco = marked.evaluate(
        "e => { const s = getComputedStyle(e); return [s.textDecorationLine, s.textDecorationStyle]; }"
    )
    assert deco == ["underline", "dotted"], deco
    # No layout change: same box as its neighbours, the text unchanged.
    boxes = [root.locator(f'span.iw-tok[data-i="{i}"]').bounding_box() for i in (1, 2, 3)]
    assert boxes[1]["height"] == boxes[0]["height"] == boxes[2]["height"], boxes
    assert boxes[1]["y"] == boxes[0]["y"], boxes
    assert abs(boxes[1]["width"] - boxes[0]["width"]) < 0.5, boxes
    assert root.locator(".iw-text").inner_text() == text
    assert_colours(root, arr[:, 0], what="unknown")
    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="2"]')
    expect(tip).to_contain_text("not in the model's vocabulary (read as unknown)")
    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="1"]')
    expect(tip).not_to_contain_text("vocabulary")


# ---------------------------------------------------------------------------------------
# text shown literally and in place


def test_html_in_text_is_shown_literally(page, export):
    text = "<img src=x onerror=alert(1)>"
    arr = np.linspace(-1, 1, len(text), dtype=np.float32)[:, None]
    path = export(text, {LAYER: arr, "<b>bold</b>": arr * 2}, name="xss_chars")
    root = open_export(page, path)
    assert page.locator(f"{ROOT} .iw-text").inner_text() == text
    assert text in page.locator("body").inner_text()
    assert root.locator("img").count() == 0
    assert page.locator("img, b").count() == 0
    assert "<b>bold</b>" in page.locator(f"{ROOT} select.iw-layer").inner_text()
    tooltip_after_hover(page, 'span.iw-tok[data-i="0"]')
    assert page.locator("img").count() == 0
    assert_colours(root, arr[:, 0], what="xss chars")


def test_html_in_tokens_is_shown_literally_in_tooltip(page, export):
    tokens = ["<img src=x onerror=alert(1)>", " and ", "<b>bold</b>", "&amp;"]
    text = "".join(tokens)
    arr = np.array([[1.0], [-0.5], [0.25], [0.75]], dtype=np.float32)
    path = export(text, {LAYER: arr}, name="xss_tokens", tokens=tokens)
    root = open_export(page, path)
    got = token_colours(root)
    assert [got[i]["text"] for i in range(4)] == tokens
    assert page.locator(f"{ROOT} .iw-text").inner_text() == text
    for i, tok in enumerate(tokens):
        tip = tooltip_after_hover(page, f'span.iw-tok[data-i="{i}"]')
        shown = tip.inner_text().replace("\u2423", " ")  # the tooltip may show spaces as ␣
        assert tok in shown, (tok, tip.inner_text())
        assert tip.locator("img, b").count() == 0
    assert page.locator("img, b").count() == 0
    assert_colours(root, arr[:, 0], what="html tokens")


UNICODE_TEXT = (
    "def greet(name):\n"
    '    s = "漢字 🙂 👩\u200d👩\u200d👧 cafe\u0301!"\n'
    "\tif name:\n"
    "        return s + name  # done\n"
    "\n"
    "x = greet('ü')  \n"
)


def alternating_values(n: int) -> np.ndarray:
    """Neighbouring characters get far-apart values, so a one-character shift shows."""
    i = np.arange(n)
    return (np.where(i % 2 == 0, 1.0, -1.0) * (0.3 + 0.7 * ((i * 7) % 11) / 10)).astype(np.float32)


def test_unicode_newlines_and_indentation_in_place(page, export):
    text = UNICODE_TEXT
    n = len(text)  # code points: every code point is one token
    col0 = alternating_values(n)
    col1 = -col0[::-1].copy()
    arr = np.stack([col0, col1], axis=1)
    path = export(text, {LAYER: arr}, name="unicode", neuron=0)
    root = open_export(page, path)

    assert page.locator(f"{ROOT} .iw-text").evaluate("el => el.innerText") == text

    got = assert_colours(root, col0, what="unicode neuron 0")
    assert len(got) == n, f"{len(got)} token spans for {n} code points"
    texts = [got[i]["text"] for i in range(n)]
    assert texts == list(text), [
        (i, a, b) for i, (a, b) in enumerate(zip(texts, text, strict=True)) if a != b
    ][:5]

    # The characters right after the wide ones keep THEIR colour (no drift from UTF-16).
    for anchor in ("🙂", "\u200d👧", "e\u0301", "漢字", "\t"):
        j = text.index(anchor) + len(anchor)  # the token after the anchor
        want = expected_text_rgb(float(col0[j]), text_scale_hi(col0))
        assert close_rgb(bg_rgb(root.locator(f'span.iw-tok[data-i="{j}"]')), want), (
            anchor,
            j,
            text[j],
        )
        assert got[j]["text"] == text[j]

    # Hovering the emoji reports code-point offsets.
    k = text.index("🙂")
    tip = tooltip_after_hover(page, f'span.iw-tok[data-i="{k}"]')
    assert re.search(rf"token\s+{k}\b.*chars\s+{k}\s*[–-]\s*{k + 1}\b", tip.inner_text(), re.S), (
        tip.inner_text()
    )
    assert "🙂" in tip.inner_text()

    page.locator(f"{ROOT} button.iw-next").click()
    wait_rendered(root, neuron=1)
    assert_colours(root, col1, what="unicode neuron 1")
    assert page.locator(f"{ROOT} .iw-text").evaluate("el => el.innerText") == text


def test_tokens_that_skip_characters_keep_the_text(page, export):
    text = "hello  world\n\tfoo(bar)  "
    tokens = ["hello", "world", "foo", "(", "bar", ")"]
    arr = np.array([[0.9], [-0.9], [0.1], [0.0], [-0.4], [NAN]], dtype=np.float32)
    path = export(text, {LAYER: arr}, name="gaps", tokens=tokens)
    root = open_export(page, path)
    assert page.locator(f"{ROOT} .iw-text").evaluate("el => el.innerText") == text
    got = assert_colours(root, arr[:, 0], what="multi-char tokens")
    assert [got[i]["text"] for i in range(len(tokens))] == tokens
    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="1"]')
    assert re.search(r"chars\s+7\s*[–-]\s*12\b", tip.inner_text()), tip.inner_text()


def test_copy_gives_the_original_text(page, export):
    """Selecting the text and copying it gives back exactly what was written."""
    text = UNICODE_TEXT
    arr = alternating_values(len(text))[:, None]
    root = open_export(page, export(text, {LAYER: arr}, name="copy"))
    copied = root.locator(".iw-text").evaluate(
        """el => { const sel = getSelection(); sel.selectAllChildren(el); return sel.toString(); }"""
    )
    # Chromium leaves a text's one final newline out of a selection, as it does for a plain
    # <div style="white-space: pre-wrap">; everything else must come back as written.
    assert copied == text.removesuffix("\n")


def test_tooltip_stays_on_screen_at_the_edges(make_page, export):
    line = "x = " + "'abcdefghij' + " * 30 + "'end'"
    text = line + "\n" * 40 + "last line at the bottom"
    arr = np.sin(np.arange(len(text), dtype=np.float32))[:, None]
    page = make_page(viewport={"width": 480, "height": 360})
    root = open_export(page, export(text, {LAYER: arr}, name="edges"))
    view = page.viewport_size
    for j in (len(line) - 1, len(text) - 1):
        tok = reveal_token(page, j)
        tok.scroll_into_view_if_needed()
        tip = tooltip_after_hover(page, f'span.iw-tok[data-i="{j}"]')
        box = tip.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["y"] >= 0, (j, box)
        assert box["x"] + box["width"] <= view["width"] + 1, (j, box, view)
        assert box["y"] + box["height"] <= view["height"] + 1, (j, box, view)
        assert not unseen_corners(tip), (j, unseen_corners(tip))
    assert root.locator(".iw-text").evaluate("el => el.innerText") == text


def test_out_of_range_neuron_typed_is_handled(page, known):
    root = open_export(page, known)
    neuron_input = page.locator(f"{ROOT} input.iw-neuron")
    for typed in ("99", "-3"):
        neuron_input.fill(typed)
        neuron_input.press("Enter")
        page.wait_for_timeout(300)
        shown = int(root.get_attribute("data-rendered-neuron"))
        assert 0 <= shown < KNOWN.shape[1], (typed, shown)
        assert_colours(root, KNOWN[:, shown], what=f"after typing {typed}")
        expect(neuron_input).to_have_value(str(shown))


# ---------------------------------------------------------------------------------------
# long texts stay usable


CODE_LINES = [
    "def parse(line, sep=','):",
    "    fields = line.rstrip('\\n').split(sep)",
    '    if not fields:  # "empty" line',
    "        return []",
    "    return [f.strip() for f in fields if f]",
    "",
    "class Table(dict):",
    "    def __init__(self, rows=()):",
    "        super().__init__({i: r for i, r in enumerate(rows)})",
    "",
]


def long_text(n: int) -> str:
    block = "\n".join(CODE_LINES) + "\n"
    return (block * (n // len(block) + 1))[:n]


def reveal_token(page, j: int, timeout: float = 15_000):
    """Scroll the block holding token ``j`` into view (binary search over blocks) and wait for it."""
    tok = page.locator(f'{ROOT} span.iw-tok[data-i="{j}"]')
    blocks = page.locator(f"{ROOT} span.iw-block")
    lo, hi = 0, blocks.count() - 1
    while tok.count() == 0 and lo <= hi:
        k = (lo + hi) // 2
        block = blocks.nth(k)
        block.scroll_into_view_if_needed()
        block.locator("span.iw-tok").first.wait_for(state="attached", timeout=timeout)
        first, last = block.evaluate(
            """b => { const t = b.querySelectorAll('span.iw-tok');
                      return [+t[0].dataset.i, +t[t.length - 1].dataset.i]; }"""
        )
        if j < first:
            hi = k - 1
        elif j > last:
            lo = k + 1
        else:
            break
    tok.wait_for(state="attached", timeout=timeout)
    return tok


@pytest.mark.parametrize("n", [10_000, 100_000], ids=["10k", "100k"])
def test_long_text_stays_usable(page, export, n):
    text = long_text(n)
    rng = np.random.default_rng(n)
    arr = rng.standard_normal((n, 8)).astype(np.float32)
    arr[::97, 2] = NAN
    path = export(text, {LAYER: arr}, name=f"long{n}", neuron=2)

    t0 = time.perf_counter()
    root = open_export(page, path, timeout=60_000)
    wait_rendered(root, neuron=2, timeout=60_000)
    ready = time.perf_counter() - t0
    print(f"\n{n} chars: {path.stat().st_size:,} bytes, ready in {ready:.2f} s")
    assert ready < 30, f"{n} characters took {ready:.1f} s to become ready"

    if n >= 100_000:
        rendered = page.locator(f"{ROOT} span.iw-tok").count()
        assert rendered < n, (
            f"all {n} tokens are in the DOM at once ({rendered} spans): blocks should fill near the viewport"
        )

    # Hover at the start.
    tip = tooltip_after_hover(page, 'span.iw-tok[data-i="5"]')
    assert re.search(r"token\s+5\b", tip.inner_text()), tip.inner_text()
    assert_colours(root, arr[:, 2], indices=range(0, 50), what="start")

    # Scroll to the middle and to the end: the blocks there fill in, coloured, and hover works.
    for j in (n // 2, n - 1):
        tok = reveal_token(page, j)
        tok.scroll_into_view_if_needed()
        t_hover = time.perf_counter()
        tip = tooltip_after_hover(page, f'span.iw-tok[data-i="{j}"]')
        hover_s = time.perf_counter() - t_hover
        assert re.search(rf"token\s+{j}\b", tip.inner_text()), tip.inner_text()
        assert hover_s < 5, f"hover took {hover_s:.1f} s"
        lo = max(0, j - 20)
        assert_colours(root, arr[:, 2], indices=range(lo, j + 1), what=f"around {j}")

    # Stepping still works on the long text ...
    page.locator(f"{ROOT} button.iw-next").click()
    wait_rendered(root, neuron=3, timeout=30_000)
    assert_colours(root, arr[:, 3], indices=range(n - 20, n), what="end after next")
    # ... and blocks that were off screen during the step show the new neuron when scrolled back.
    for j in (0, n // 2):
        reveal_token(page, j).scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        assert_colours(root, arr[:, 3], indices=range(j, j + 20), what=f"back at {j} after next")


# ---------------------------------------------------------------------------------------
# the README screenshot

SNIPPET = '''import json
from pathlib import Path


def load_config(path, defaults=None):
    """Read a JSON config file and merge it over the defaults."""
    config = dict(defaults or {})
    text = Path(path).read_text(encoding="utf-8")
    for key, value in json.loads(text).items():
        if key.startswith("_"):
            continue  # private keys are ignored
        config[key] = value
    return config


class Greeter:
    greeting = "Hello"

    def __init__(self, name, punctuation="!"):
        self.name = name
        self.punctuation = punctuation

    def greet(self, times=1):
        line = f"{self.greeting}, {self.name}{self.punctuation}"
        return "\\n".join([line] * times)
'''


def inside_string(text: str) -> np.ndarray:
    """1.0 for characters inside a string literal (Python's tokenize is the ground truth)."""
    line_starts = [0]
    for line in text.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    flag = np.zeros(len(text), dtype=np.float32)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING or tok.type in {
            getattr(tokenize, n)
            for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
            if hasattr(tokenize, n)
        }:
            (r0, c0), (r1, c1) = tok.start, tok.end
            flag[line_starts[r0 - 1] + c0 : line_starts[r1 - 1] + c1] = 1.0
    return flag


def synthetic_activations(text: str, n_units: int = 16) -> np.ndarray:
    """Karpathy-style cells: in-string, bracket depth, position in line, indentation, noise."""
    rng = np.random.default_rng(0)
    n = len(text)
    s = inside_string(text)
    depth = np.zeros(n, dtype=np.float32)
    col = np.zeros(n, dtype=np.float32)
    d = c = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            d += 1
        depth[i] = d
        if ch in ")]}":
            d -= 1
        col[i] = c
        c = 0 if ch == "\n" else c + 1
    out = 0.12 * rng.standard_normal((n, n_units)).astype(np.float32)
    # The quote cell: switches on after an opening quote, stays on, fades after the closing one.
    quote = np.zeros(n, dtype=np.float32)
    level = -0.2
    for i in range(n):
        level += (0.95 - level) * 0.6 if s[i] else (-0.2 - level) * 0.5
        quote[i] = level
    out[:, 0] = quote + 0.08 * rng.standard_normal(n)
    out[:, 1] += np.tanh(depth - 0.5) * 0.8  # bracket depth
    out[:, 2] += np.tanh((col - 40) / 20)  # position in the line
    out[:, 3] += np.where(np.array([ch == " " for ch in text]), 0.7, -0.2)  # whitespace
    return np.tanh(out)


def readme_trace(iw, text):
    """Real activations from the embedded character model when there is one, on the card's
    cell the first views show (``iw.zoo.cell()``: chosen on held-out files, not on this
    snippet); README.md's caption names it (tests/test_zoo.py checks)."""
    if hasattr(iw, "zoo") and hasattr(iw.zoo, "char_lstm") and hasattr(iw, "trace"):
        try:
            tr = iw.trace(iw.zoo.char_lstm(), text)
            cell = iw.zoo.cell()  # the card's cell the first views show (demo, notebook 01)
            return tr, cell["layer"], int(cell["neuron"]), "char_lstm"
        except Exception as exc:  # fall back to the synthetic signal, and say so
            print(
                f"iw.trace(char_lstm) unavailable for the screenshot: {type(exc).__name__}: {exc}"
            )
    tr = iw.Trace.from_arrays(text, {LAYER: synthetic_activations(text)})
    return tr, LAYER, 0, "synthetic"


def test_readme_screenshot(iw, make_page, tmp_path):
    text = SNIPPET
    tr, layer, neuron, source = readme_trace(iw, text)
    w = iw.NeuronText(tr, layer=layer, neuron=neuron)
    path = tmp_path / "readme.html"
    w.save_html(str(path))

    page = make_page(device_scale_factor=2, viewport={"width": 900, "height": 900})
    root = open_export(page, path)
    wait_rendered(root, neuron=neuron, layer=layer)
    # Hover a character inside a string so the picture shows the tooltip too.
    j = text.index("Hello") + 1
    tooltip_after_hover(page, f'span.iw-tok[data-i="{j}"]')
    out = REPO / "docs" / "img" / "neuron_text.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    box = root.bounding_box()
    tip = page.locator("div.iw-tooltip").bounding_box()
    x0, y0 = box["x"], box["y"]
    x1, y1 = box["x"] + box["width"], box["y"] + box["height"]
    if tip:  # keep the tooltip in the picture if it sticks out of the widget
        x0, y0 = min(x0, tip["x"]), min(y0, tip["y"])
        x1, y1 = max(x1, tip["x"] + tip["width"]), max(y1, tip["y"] + tip["height"])
    pad = 8
    clip = {
        "x": max(0, x0 - pad),
        "y": max(0, y0 - pad),
        "width": x1 - x0 + 2 * pad,
        "height": y1 - y0 + 2 * pad,
    }
    page.screenshot(path=str(out), clip=clip)
    print(f"\nwrote {out} ({source} activations, {layer} neuron {neuron})")
    assert out.stat().st_size > 10_000
