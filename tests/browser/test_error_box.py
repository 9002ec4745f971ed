"""The error box in a real browser: every widget, exported with an ``error`` already set.

In a notebook the ``error`` trait is set by ``Widget.set_state`` when a Python callback
raises after a click; here it is set before export to stand in for that. A person must see
the message (as text) at the top of the widget, the rest of the widget intact and working,
and "dismiss" must hide it.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEXT = "def f(x):\n    return 'hi' + x  # ok\n"
# Hostile and long: markup must stay text, an unbroken run must wrap inside the box.
MESSAGE = (
    'ZeroDivisionError: division by zero <img src=x onerror="alert(1)">\n'
    "(raised after the browser set neuron = 3) " + "x" * 400
)


def _neuron_trace(iw):
    i = np.arange(len(TEXT), dtype=np.float32)[:, None]
    arr = np.sin(i * (np.arange(8, dtype=np.float32)[None, :] + 1) / 3)
    return iw.Trace.from_arrays(TEXT, {"rnn.0.h": arr})


def make_widget(iw, kind: str):
    if kind == "NeuronText":
        return iw.NeuronText(_neuron_trace(iw), layer="rnn.0.h", neuron=2, title="quote cell?")
    if kind == "NeuronExplorer":
        return iw.NeuronExplorer(_neuron_trace(iw), layer="rnn.0.h", neuron=2)
    if kind == "AttentionView":
        a = np.random.default_rng(0).random((2, 3, 5, 5)).astype(np.float32)
        return iw.AttentionView(a / a.sum(-1, keepdims=True), tokens=list("abcde"))
    return iw.AttributionText(
        iw.Attribution(
            text="the cat",
            tokens=["[CLS]", "the", "cat", "[SEP]"],
            offsets=[(0, 0), (0, 3), (4, 7), (0, 0)],
            scores=np.array([0.0, 0.5, -0.25, 0.0], np.float32),
            target=1,
            labels=["neg", "pos"],
            probs=np.array([0.3, 0.7], np.float32),
            method="saliency",
        )
    )


ROOTS = {
    "NeuronText": ".iw-root.iw-neuron-text",
    "NeuronExplorer": ".iw-root.iw-neuron-explorer",
    "AttentionView": ".iw-root.iw-attention-view",
    "AttributionText": ".iw-root.iw-attribution-text",
}


def open_page(page, iw, tmp_path, kind: str, error: str, name: str = "page"):
    w = make_widget(iw, kind)
    w.error = error
    path = tmp_path / f"{kind}-{name}.html"
    w.save_html(path)
    page.goto(path.resolve().as_uri())
    root = page.locator(ROOTS[kind])
    expect(root).to_be_visible()
    # Rendered: each widget marks its root once its view is drawn.
    rendered = "[data-rendered-neuron]" if kind.startswith("Neuron") else "[data-rendered]"
    expect(page.locator(ROOTS[kind] + rendered)).to_have_count(1)
    return root


def geometry(root) -> dict:
    return root.evaluate(
        """root => {
            const kids = Array.from(root.children).filter(c => !c.classList.contains('iw-error')
                && !c.classList.contains('iw-tooltip') && getComputedStyle(c).display !== 'none');
            return {
                width: root.getBoundingClientRect().width,
                scrollW: root.scrollWidth, clientW: root.clientWidth,
                kids: kids.map(c => { const r = c.getBoundingClientRect();
                    return {cls: c.className, w: Math.round(r.width), h: Math.round(r.height)}; }),
            };
        }"""
    )


@pytest.mark.parametrize("kind", list(ROOTS))
def test_error_box_shows_text_and_dismiss_hides_it(iw, page, tmp_path, kind):
    clean = geometry(open_page(page, iw, tmp_path, kind, "", name="clean"))
    expect(page.locator(".iw-error")).to_be_hidden()

    root = open_page(page, iw, tmp_path, kind, MESSAGE)
    box = root.locator(".iw-error")
    expect(box).to_have_count(1)
    expect(box).to_be_visible()
    expect(box.locator(".iw-error-text")).to_have_text(MESSAGE)
    expect(box.locator("img")).to_have_count(0)
    # At the top of the widget, above everything else in it, and red-bordered.
    first = root.evaluate("r => r.firstElementChild.className")
    assert first == "iw-error", first
    box_box, rest = box.bounding_box(), root.locator(":scope > .iw-title, :scope > .iw-controls")
    for k in range(rest.count()):
        if rest.nth(k).is_visible():
            assert rest.nth(k).bounding_box()["y"] >= box_box["y"] + box_box["height"] - 0.5
    border = box.evaluate("e => getComputedStyle(e).borderTopColor")
    r, g, b = (
        int(float(v)) for v in border[border.index("(") + 1 : border.index(")")].split(",")[:3]
    )
    assert r > 150 and g < 90 and b < 90, border
    # The rest of the view is as it was: same widths and heights, no sideways overflow.
    shown = geometry(root)
    assert shown["scrollW"] <= shown["clientW"] + 1, shown
    assert abs(shown["width"] - clean["width"]) < 1, (shown["width"], clean["width"])
    assert shown["kids"] == clean["kids"], (shown["kids"], clean["kids"])
    assert box_box["width"] <= shown["width"]
    assert box_box["height"] < 200, box_box  # long messages scroll inside the box

    if kind == "NeuronText":
        shot = tmp_path / "error_box_neuron_text.png"  # for a person to look at
        root.screenshot(path=str(shot))
        print(f"screenshot of the error box: {shot}")

    box.locator("button.iw-error-dismiss").click()
    expect(box).to_be_hidden()
    assert root.evaluate("r => document.activeElement === r")
    assert geometry(root)["kids"] == clean["kids"]


def test_widget_keeps_working_under_the_box(iw, page, tmp_path):
    root = open_page(page, iw, tmp_path, "NeuronText", MESSAGE)
    expect(root.locator(".iw-error")).to_be_visible()
    root.locator("button.iw-next").click()
    expect(root).to_have_attribute("data-rendered-neuron", "3")
    expect(root.locator(".iw-error")).to_be_visible()  # only Python or "dismiss" clears it
