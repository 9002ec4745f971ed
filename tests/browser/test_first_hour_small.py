"""Issue 18 item 16's smaller items as a person sees them: the tooltip of NeuronText's first
line leaves the layer menu and neuron stepper above it clickable."""

from __future__ import annotations

import os

import numpy as np
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NT = ".iw-root.iw-neuron-text"


def _overlap(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_first_line_tooltip_leaves_the_stepper_clear(page, iw, tmp_path):
    """Hovering the first line put the tooltip above it, over the stepper: now it goes below
    the line, and the stepper's next button still takes a click while the tooltip shows."""
    text = "def f(x):\n    return x + 1\n" * 6
    rng = np.random.default_rng(0)
    tr = iw.Trace.from_arrays(text, {"h": rng.normal(size=(len(text), 4)).astype(np.float32)})
    path = tmp_path / "stepper.html"
    iw.NeuronText(tr, layer="h", neuron=0).save_html(str(path))
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(path.as_uri())
    root = page.locator(NT)
    expect(root).to_have_attribute("data-rendered-neuron", "0")
    tip = page.locator("div.iw-tooltip")
    stepper, controls = root.locator(".iw-stepper"), root.locator(".iw-controls")
    for i in (0, 4, 8):  # first line, its middle and its end
        tok = root.locator(f'span.iw-tok[data-i="{i}"]')
        tok.hover()
        expect(tip).to_contain_text(f"token {i}")
        box, line = tip.bounding_box(), tok.bounding_box()
        assert not _overlap(box, controls.bounding_box()), (i, box)
        assert not _overlap(box, stepper.bounding_box()), (i, box)
        assert box["y"] >= line["y"] + line["height"], (i, box, line)  # below the line
    page.screenshot(path=os.environ.get("IW_SHOT_STEPPER", str(tmp_path / "stepper.png")))
    # a hovered token further down still has its tooltip above its own line
    low = root.locator('span.iw-tok[data-i="120"]')
    low.hover()
    expect(tip).to_contain_text("token 120")
    assert tip.bounding_box()["y"] + tip.bounding_box()["height"] <= low.bounding_box()["y"]
    # the stepper takes a click with the first line's tooltip showing
    root.locator('span.iw-tok[data-i="0"]').hover()
    expect(tip).to_be_visible()
    root.locator("button.iw-next").click()
    expect(root).to_have_attribute("data-rendered-neuron", "1")


def test_hovering_a_zwj_emoji_shows_every_token_of_it(page, iw, tmp_path):
    """A character-level trace reads 👨‍👩‍👧 as five tokens; the browser draws the glyph in the
    first one's span and the other four are zero-width, so they cannot be hovered. Hovering
    the glyph names all five, each with its value; a skin-toned emoji likewise."""
    text = "hi \U0001f468\u200d\U0001f469\u200d\U0001f467 ok \U0001f44d\U0001f3fd!"
    values = ((np.arange(len(text)) - 7) / 4).astype(np.float32)  # tokens 3..7: -1 .. 0
    tr = iw.Trace.from_arrays(text, {"h": values[:, None]})
    path = tmp_path / "zwj.html"
    iw.NeuronText(tr, layer="h").save_html(str(path))
    page.set_viewport_size({"width": 700, "height": 400})
    page.goto(path.as_uri())
    root = page.locator(NT)
    expect(root).to_have_attribute("data-rendered-neuron", "0")
    widths = root.locator("span.iw-tok").evaluate_all(
        "ss => ss.map(s => s.getBoundingClientRect().width)"
    )
    assert widths[3] > 0 and widths[4:8] == [0, 0, 0, 0]  # what made the parts unreachable
    tip = page.locator("div.iw-tooltip")
    root.locator('span.iw-tok[data-i="3"]').hover()
    expect(tip).to_contain_text("token 3\u20137 \u00b7 chars 3\u20138")
    lines = tip.locator(".iw-tooltip-line").all_inner_texts()
    assert lines[1] == '"\U0001f468\u200d\U0001f469\u200d\U0001f467"'
    assert lines[2:] == [
        '3  "\U0001f468"  value -1',
        "4  U+200D  value -0.75",
        '5  "\U0001f469"  value -0.5',
        "6  U+200D  value -0.25",
        '7  "\U0001f467"  value 0',
    ]
    page.screenshot(path=os.environ.get("IW_SHOT_ZWJ", str(tmp_path / "zwj.png")))
    root.locator('span.iw-tok[data-i="12"]').hover()
    expect(tip).to_contain_text("token 12\u201313")
    # a character that is its own token keeps the one-token tooltip
    root.locator('span.iw-tok[data-i="9"]').hover()
    expect(tip).to_contain_text("token 9 \u00b7 chars 9\u201310")
    expect(tip.locator(".iw-tooltip-line")).to_have_count(3)


def test_dashboard_context_emoji_and_stepper(iw, page, tmp_path):
    """NeuronDashboard's contexts are one span per character too: hovering a ZWJ emoji names
    each of its characters, and no context's tooltip covers the neuron stepper."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from dashboard_fake import FakeScan

    emoji = "\U0001f469\u200d\U0001f4bb"  # woman technologist: 3 code points
    docs = {"a.py": f"x = 1  # {emoji} ok\n" * 6}
    acts = {"rnn.0.h": [np.ones((len(t), 2), np.float32) for t in docs.values()]}
    for a in acts["rnn.0.h"]:
        a[:, 0] = np.arange(len(a)) % 19 / 4  # a distinct value per character of a line
    scan = FakeScan(docs, acts, k=3, context=12)
    path = tmp_path / "dash.html"
    iw.NeuronDashboard(scan).save_html(str(path))
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(path.as_uri())
    root = page.locator(".iw-root.iw-neuron-dashboard")
    expect(root.locator(".iw-nd-ctx").first).to_be_visible(timeout=30_000)
    tip = page.locator("div.iw-tooltip:not([hidden])")  # the histogram has its own
    stepper = root.locator(".iw-controls")
    chars = root.locator(".iw-nd-ctx").first.locator(".iw-nd-ch")
    texts = chars.all_inner_texts()
    if "\U0001f469" not in texts:
        pytest.skip("the first context holds no emoji")
    k = texts.index("\U0001f469")
    chars.nth(k).hover()
    lines = tip.locator(".iw-tooltip-line").all_inner_texts()
    assert lines[1] == f'"{emoji}"', lines
    assert [line.split("  ")[1] for line in lines[2:5]] == [
        '"\U0001f469"',
        "U+200D",
        '"\U0001f4bb"',
    ]
    assert not _overlap(tip.bounding_box(), stepper.bounding_box())
    page.screenshot(path=os.environ.get("IW_SHOT_DASH", str(tmp_path / "dash.png")))
