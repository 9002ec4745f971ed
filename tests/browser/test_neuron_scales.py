"""Colour scales that teach right (issue #18 items 2, 3, 4, 6), as a person sees them in Chromium:

* a sigmoid gate's layer is drawn 0–1 sequential: its legend reads 0 · 0.5 · 1 and says it is a
  gate, and a half-open gate (0.5) is a middle blue, not the strong red of "strongly positive";
* the scale menu (clip at the 99th percentile, max |value|, tanh) changes the legend and the
  colours of the text and the heatmap, and a saved page keeps the chosen scale;
* no word has two ink colours: every character of "ValueError" and "being", at every step of
  the scale, is drawn in the one ink of the theme, at ≥ 4.5:1, in the light and dark themes;
* the NeuronDashboard's title names the unit it was given for once another is shown.

Screenshots for the record: ``NEURON_SCALES_SHOTS=dir`` writes NeuronText (light, dark) and
NeuronExplorer there.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from iwpage import _contrast, close_rgb, open_export, token_colours, wait_rendered
from playwright.sync_api import expect
from test_theme import go_dark

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dashboard_fake import real_scan  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = ".iw-root.iw-neuron-text"
SHOTS = os.environ.get("NEURON_SCALES_SHOTS", "")


def shoot(root, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def legend(root):
    return [
        root.locator(f".iw-legend {s}").first.inner_text()
        for s in (".iw-legend-min", ".iw-legend-zero", ".iw-legend-max", ".iw-legend-note")
    ]


def blues_reach() -> float:
    """How far along Blues dark ink (#111) keeps 4.6:1, computed here on its own."""
    import matplotlib

    blues = matplotlib.colormaps["Blues"].resampled(1 << 16)
    for k in range(1, 1001):
        if _contrast(blues(k / 1000), (17 / 255,) * 3) < 4.6:
            return (k - 1) / 1000
    return 1.0


def blues_at(u: float) -> tuple[int, int, int]:
    import matplotlib

    r, g, b, _ = matplotlib.colormaps["Blues"].resampled(1 << 16)(u)
    return (round(r * 255), round(g * 255), round(b * 255))


GATE_TEXT = "abcdefghij"
GATE = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 0.5, 0.5, 0.5, 0.02, 0.98], np.float32)


@pytest.fixture
def lstm_page(iw, tmp_path):
    """An LSTM-shaped trace whose arrays are known: a forget gate, a cell state with one
    outlier, a hidden state."""
    n = len(GATE_TEXT)
    f = np.stack([GATE, GATE[::-1]], 1)
    c = np.stack([np.linspace(-2, 2, n), np.linspace(2, -2, n)], 1).astype(np.float32)
    c[3, 0] = 12.0  # an outlier the 99th percentile clips, the max does not
    h = np.tanh(c).astype(np.float32)
    tr = iw.Trace.from_arrays(
        GATE_TEXT, {"rnn.0.f": f, "rnn.0.c": c, "rnn.0.h": h}, cell="LSTM", layers=1
    )

    def make(layer, **kw):
        return iw.NeuronText(tr, layer=layer, neuron=0, **kw).save_html(
            tmp_path / f"{layer}_{len(kw)}.html"
        )

    return make


def test_a_gate_layer_reads_0_to_1_and_a_half_open_gate_is_mid_shade(page, lstm_page):
    root = open_export(page, lstm_page("rnn.0.f"))
    wait_rendered(root, layer="rnn.0.f", neuron=0)
    lo, mid, hi, note = legend(root)
    assert (lo, mid, hi) == ("0", "0.5", "1")
    assert "sigmoid gate" in note and "0 closed" in note and "1 open" in note
    # the scale menu is off on a layer of known range and reads the scale in effect there
    expect(root.locator("select.iw-scale")).to_be_disabled()
    assert shown_scale(root) == "0–1 (sigmoid gate)"
    got = token_colours(root)
    reach = blues_reach()
    for i, v in enumerate(GATE):
        want = blues_at(float(v) * reach)
        assert close_rgb(got[i]["rgb"], want), (i, float(v), got[i]["rgb"], want)
    half, shut, open_ = got[2]["rgb"], got[0]["rgb"], got[4]["rgb"]
    # a middle blue: blue, between the shut and the open gate's shades, no red in it
    assert half[2] > half[0] + 40
    assert all(min(a, b) <= h <= max(a, b) for h, a, b in zip(half, shut, open_, strict=True))


def shown_scale(root) -> str:
    """The words the scale menu shows (its selected entry), as a person reads them."""
    return root.locator("select.iw-scale").evaluate("s => s.selectedOptions[0].textContent")


def test_a_gate_layer_s_menu_reads_its_scale_in_chinese_too(page, lstm_page):
    root = open_export(page, lstm_page("rnn.0.f", locale="zh"))
    wait_rendered(root, layer="rnn.0.f", neuron=0)
    expect(root.locator("select.iw-scale")).to_be_disabled()
    assert shown_scale(root) == "0–1（sigmoid 门）"
    assert "99" not in shown_scale(root)


def test_the_tanh_range_layer_is_fixed_at_1(page, lstm_page):
    root = open_export(page, lstm_page("rnn.0.h"))
    wait_rendered(root, layer="rnn.0.h", neuron=0)
    lo, mid, hi, note = legend(root)
    assert (lo, mid, hi) == ("\u22121", "0", "1") and "tanh range" in note
    expect(root.locator("select.iw-scale")).to_be_disabled()
    assert shown_scale(root) == "±1 (tanh range)"


def test_the_scale_menu_changes_the_legend_and_the_colours(page, lstm_page):
    root = open_export(page, lstm_page("rnn.0.c"))
    wait_rendered(root, layer="rnn.0.c", neuron=0)
    menu = root.locator("select.iw-scale")
    expect(menu).to_be_enabled()
    note = root.locator(".iw-legend-note")
    expect(note).to_have_text(re.compile(r"^clipped at ±\d.* \(99th pct of \|value\|\)$"))
    p99 = legend(root)[2]
    assert float(p99) < 12  # the outlier is clipped
    before = token_colours(root)
    menu.select_option("max")
    expect(note).to_have_text("±12 (max |value|)")
    assert legend(root)[:3] == ["\u221212", "0", "12"]
    after = token_colours(root)
    # the outlier keeps the end of the scale; every other value is drawn lighter than before
    assert close_rgb(after[3]["rgb"], before[3]["rgb"])
    lighter = [
        i for i in range(len(GATE_TEXT)) if i != 3 and sum(after[i]["rgb"]) > sum(before[i]["rgb"])
    ]
    assert len(lighter) >= 6, (before, after)
    menu.select_option("tanh")
    expect(note).to_have_text("tanh(value)")
    assert token_colours(root)[3]["rgb"] == after[3]["rgb"]  # tanh(12) ≈ 1: the end
    assert root.get_attribute("data-scale") == "tanh"


def test_a_saved_page_keeps_the_scale(page, lstm_page):
    root = open_export(page, lstm_page("rnn.0.c", scale="max"))
    wait_rendered(root, layer="rnn.0.c", neuron=0)
    expect(root.locator("select.iw-scale")).to_have_value("max")
    expect(root.locator(".iw-legend-note")).to_have_text("±12 (max |value|)")


# -- ink -------------------------------------------------------------------------------------

INK_TEXT = "ValueError being raised"
STEPS = 11  # the scale's steps: −1, −0.8, …, 1 (and 0..1 for a gate)


@pytest.fixture
def ink_page(iw, tmp_path):
    """Each word's characters walk the whole scale: neuron k puts character j at step
    (j + k) mod STEPS of −1..1 (the gate scale's steps are swept in text_scale.test.ts)."""
    n = len(INK_TEXT)
    steps = np.linspace(-1, 1, STEPS)
    cols = np.array([[steps[(j + k) % STEPS] for k in range(STEPS)] for j in range(n)], np.float32)
    tr = iw.Trace.from_arrays(
        INK_TEXT, {"rnn.0.h": cols, "rnn.0.i": (cols + 1) / 2}, cell="LSTM", layers=1
    )
    # an LSTM-shaped h: the tanh range, fixed ±1, which the steps span
    return iw.NeuronText(tr, layer="rnn.0.h", neuron=0).save_html(tmp_path / "ink.html")


INKS = """root => Array.from(root.querySelectorAll('span.iw-tok')).map(s => {
    const cs = getComputedStyle(s);
    return [s.textContent, cs.color, cs.backgroundColor];
})"""


def rgb(css):
    return tuple(int(x) for x in re.findall(r"\d+", css)[:3])


def check_inks(root, theme):
    seen = root.evaluate(INKS)
    inks = {c for _, c, _ in seen}
    assert len(inks) == 1, f"{theme}: more than one ink: {inks}"
    low = [
        (t, c, b)
        for t, c, b in seen
        if _contrast(tuple(v / 255 for v in rgb(c)), tuple(v / 255 for v in rgb(b))) < 4.5
    ]
    assert not low, f"{theme}: text under 4.5:1: {low[:5]}"
    return inks.pop()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_word_has_two_ink_colours(page, ink_page, theme):
    root = open_export(page, ink_page)
    wait_rendered(root, layer="rnn.0.h", neuron=0)
    if theme == "dark":
        go_dark(page)
        expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
    ink = None
    for k in range(STEPS):  # every neuron: each character at another step of the scale
        if k:
            root.locator("button.iw-next").click()
        wait_rendered(root, layer="rnn.0.h", neuron=k)
        got = check_inks(root, theme)
        assert ink in (None, got)
        ink = got
    assert rgb(ink) == ((17, 17, 17) if theme == "light" else (238, 238, 238))
    # the word a person reads: every character of "ValueError" in the one ink, each on
    # another shade of the scale
    word = root.evaluate(INKS)[: len("ValueError")]
    assert "".join(t for t, _, _ in word) == "ValueError"
    assert len({c for _, c, _ in word}) == 1
    assert len({b for _, _, b in word}) == len("ValueError")  # every character a different shade
    shoot(root, f"ink_{theme}")


# -- screenshots -----------------------------------------------------------------------------


def test_screenshots_neuron_text_and_explorer(iw, make_page, tmp_path):
    """NeuronText in the light and dark themes and NeuronExplorer, on a real char-LSTM's cell
    state and forget gate; looked at by a person (NEURON_SCALES_SHOTS=dir keeps the PNGs)."""
    from teaching_widgets import CODE

    tr = iw.trace(iw.zoo.char_lstm(), CODE * 3)
    page = make_page(viewport={"width": 1000, "height": 700})
    for layer in ("rnn.0.c", "rnn.0.f"):
        w = iw.NeuronText(tr, layer=layer, neuron=5, title=f"{layer} · neuron 5")
        root = open_export(page, w.save_html(tmp_path / f"nt_{layer}.html"))
        wait_rendered(root, layer=layer, neuron=5)
        shoot(root, f"neuron_text_{layer}_light")
        go_dark(page)
        expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
        check_inks(root, "dark")
        shoot(root, f"neuron_text_{layer}_dark")
    w = iw.NeuronExplorer(tr, layer="rnn.0.c", neuron=5)
    page.goto(w.save_html(tmp_path / "ne.html").resolve().as_uri())
    root = page.locator(".iw-root.iw-neuron-explorer")
    wait_rendered(root, layer="rnn.0.c", neuron=5)
    canvas = root.locator("canvas.iw-heatmap")
    expect(canvas).to_have_attribute("data-drawn", re.compile(".+"), timeout=30_000)
    assert canvas.get_attribute("data-scale") == "p99"
    expect(root.locator(".iw-heatmap-scale")).to_contain_text("99th pct")
    root.locator("select.iw-scale").select_option("max")
    expect(canvas).to_have_attribute("data-scale", "max")
    expect(root.locator(".iw-heatmap-scale")).to_contain_text("max |value|")
    root.locator("select.iw-scale").select_option("p99")
    check_inks(root, "light")
    shoot(root, "neuron_explorer_light")


# -- NeuronDashboard: the title names its unit -------------------------------------------------


def test_dashboard_title_names_the_unit_it_was_given_for(iw, page, tmp_path):
    scan, _, _ = real_scan()
    w = iw.NeuronDashboard(scan, layer="rnn.1.h", neuron=3, title="the quote cell")
    page.goto(w.save_html(tmp_path / "dash.html").resolve().as_uri())
    root = page.locator(".iw-root.iw-neuron-dashboard")
    expect(root).to_have_attribute("data-rendered-neuron", "3", timeout=30_000)
    title = root.locator(".iw-title")
    expect(title.locator(".iw-title-main")).to_have_text("the quote cell")
    root.locator("button.iw-next").click()
    expect(root).to_have_attribute("data-rendered-neuron", "4", timeout=30_000)
    expect(title.locator(".iw-title-main")).to_have_text("the quote cell (rnn.1.h · neuron 3)")
    expect(title.locator(".iw-caption")).to_have_text("now: rnn.1.h · neuron 4")
    root.locator("button.iw-prev").click()
    expect(title.locator(".iw-title-main")).to_have_text("the quote cell")
