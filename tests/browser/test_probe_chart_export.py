"""ProbeChart exported with ``save_html`` and opened from ``file://`` with the network blocked.

Built from hand-made ProbeResults (two series, the LSTM-vs-Transformer plot): both series are
drawn, the metric switch redraws, hovering a point shows its values, clicking a layer lists its
top neurons and clicking one sets the ``neuron`` state, hostile series names stay text. Every
test also fails on any console error, page error, dialog or request (see ``conftest.py``).
"""

from __future__ import annotations

import pytest
from iwpage import probe_result
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = ".iw-root.iw-probe-chart"
HOSTILE = "<img src=x onerror=alert(1)>"
MINUS = "\u2212"


LSTM = probe_result(
    "char-LSTM",
    ["embed", "layer 0", "layer 1"],
    [0.71, 0.94, 0.97],
    [0.62, 0.99, 0.69],
    [0.6, 0.86, 0.6],
)
TF = probe_result(
    "char-Transformer",
    ["embed", "block 0", "block 1", "block 2"],
    [0.69, 0.8, 0.91, 0.93],
    [0.61, 0.7, 0.8, 0.82],
    [0.6, 0.6, 0.6, 0.6],
)


@pytest.fixture
def open_chart(iw, tmp_path, page):
    def go(results=(LSTM, TF), **kwargs):
        w = iw.ProbeChart(list(results), **kwargs)
        path = tmp_path / "probe.html"
        w.save_html(path)
        page.goto(path.resolve().as_uri())
        root = page.locator(ROOT)
        expect(root).to_have_attribute("data-rendered", kwargs.get("metric", "accuracy"))
        return root

    return go


def test_two_series_drawn(open_chart):
    root = open_chart(title="LSTM vs Transformer")
    expect(root.locator("path.iw-probe-line")).to_have_count(2)
    expect(root.locator("path.iw-probe-control")).to_have_count(2)
    expect(root.locator("path.iw-probe-majority")).to_have_count(2)
    expect(root.locator('circle.iw-probe-point[data-series="0"]')).to_have_count(3)
    expect(root.locator('circle.iw-probe-point[data-series="1"]')).to_have_count(4)
    expect(root.locator(".iw-probe-legend-name").first).to_have_text("char-LSTM · in_string")
    # the two lines have different colours
    strokes = root.locator("path.iw-probe-line").evaluate_all(
        "ps => ps.map(p => getComputedStyle(p).stroke)"
    )
    assert len(set(strokes)) == 2
    # higher accuracy is drawn higher: 0.97 above 0.71
    ys = root.locator('circle.iw-probe-point[data-series="0"]').evaluate_all(
        "cs => cs.map(c => c.getBoundingClientRect().top)"
    )
    assert ys[2] < ys[1] < ys[0]
    assert root.evaluate("el => el.tabIndex") == 0


def test_metric_switch_redraws(open_chart):
    root = open_chart()
    before = root.locator("path.iw-probe-line").first.get_attribute("d")
    root.locator('button.iw-probe-metric[data-metric="selectivity"]').click()
    expect(root).to_have_attribute("data-rendered", "selectivity")
    expect(root.locator("path.iw-probe-control")).to_have_count(0)
    expect(root.locator("path.iw-probe-line")).to_have_count(2)
    assert root.locator("path.iw-probe-line").first.get_attribute("d") != before
    expect(root.locator('button.iw-probe-metric[data-metric="selectivity"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    ticks = root.locator("text.iw-probe-tick").all_text_contents()
    assert any(t.startswith(MINUS) for t in ticks)  # selectivity −0.05 → the range goes below 0
    root.locator('button.iw-probe-metric[data-metric="control_accuracy"]').click()
    expect(root).to_have_attribute("data-rendered", "control_accuracy")


def test_hover_shows_values(open_chart, page):
    root = open_chart()
    tip = root.locator(".iw-tooltip")
    expect(tip).to_be_hidden()
    root.locator('circle.iw-probe-point[data-series="0"][data-layer="1"]').hover(force=True)
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("char-LSTM · in_string · layer 0")
    expect(tip).to_contain_text(
        f"accuracy 0.94 · control 0.99 · selectivity {MINUS}0.05 · majority 0.86"
    )
    page.mouse.move(2, 2)
    expect(tip).to_be_hidden()


def test_click_layer_lists_neurons_and_selects_one(open_chart):
    root = open_chart()
    expect(root.locator("li.iw-probe-neuron")).to_have_count(0)
    root.locator('text.iw-probe-layer[data-series="1"][data-layer="2"]').click()
    items = root.locator("li.iw-probe-neuron")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text("neuron 47 · weight 0.20")
    expect(items.nth(1)).to_have_text(f"neuron 7 · weight {MINUS}0.18")
    expect(root.locator(".iw-probe-panel-layer")).to_have_text("block 1")
    items.nth(1).click()
    expect(root.locator('li.iw-probe-neuron[data-neuron="7"]')).to_have_class(
        "iw-probe-neuron iw-active"
    )
    # a point click selects too
    root.locator('circle.iw-probe-point[data-series="0"][data-layer="0"]').click(force=True)
    expect(root.locator(".iw-probe-panel-layer")).to_have_text("embed")
    expect(items.first).to_have_text("neuron 45 · weight 0.26")


def test_hostile_names_stay_text(open_chart, page):
    root = open_chart(names=["LSTM", HOSTILE])
    expect(root.locator(".iw-probe-legend-name").nth(1)).to_have_text(HOSTILE)
    assert page.locator("img").count() == 0
    root.locator('circle.iw-probe-point[data-series="1"][data-layer="0"]').click(force=True)
    expect(root.locator(".iw-probe-panel-series")).to_have_text(HOSTILE)
    assert page.locator("img").count() == 0


def overlaps(root) -> list:
    """Pairs of layer labels on one line whose boxes overlap (what a person could not read)."""
    boxes = root.locator("text.iw-probe-layer").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.right, Math.round(r.top)]; })"
    )
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[3] == b[3] and a[1] < b[2] and b[1] < a[2]
    ]


@pytest.mark.parametrize("layers", [4, 13])
def test_long_layer_names_do_not_overlap(open_chart, layers):
    """Residual-stream names ("blocks.10.resid") next to the LSTM's: each label stays readable,
    for a 4-block model and a BERT-base-deep one (labels stagger onto two lines there)."""
    names = ["embed"] + [f"blocks.{k}.resid" for k in range(layers - 1)]
    deep = probe_result("deep", names, [0.8] * layers, [0.6] * layers, [0.5] * layers)
    lstm = probe_result(
        "char-LSTM", ["rnn.0.h", "rnn.1.h"], [0.9, 0.95], [0.99, 0.98], [0.86, 0.86]
    )
    root = open_chart(results=(lstm, deep))
    expect(root.locator("text.iw-probe-layer")).to_have_count(2 + layers)
    assert not overlaps(root)


def with_se(result, se, n_test=2500, split="by sentence, never by character: 7,500 train"):
    """``result`` with standard errors (the same SE for every measure), as ``iw.probe`` gives."""
    t = result.table.copy()
    for col in ("accuracy_se", "control_accuracy_se", "selectivity_se"):
        t[col] = se
    t["control_majority"] = t["majority"]
    t["n_test"] = n_test
    return type(result)(result.task, result.model, t, {}, result.top_neurons, split=split)


def test_error_bars_are_drawn_to_scale_and_the_split_is_shown(open_chart):
    ses = [0.05, 0.01, 0.02]
    root = open_chart(results=(with_se(LSTM, ses),))
    bars = root.locator("g.iw-probe-err-main line")
    expect(bars).to_have_count(3 * 3)  # a bar and two caps per point
    # the bar of layer 0 spans ±1.96 × 0.05 on an axis where 1.0 is the plot's height
    spans = bars.evaluate_all(
        "ls => ls.filter(l => l.getAttribute('x1') === l.getAttribute('x2'))"
        ".map(l => l.getBoundingClientRect().height)"
    )
    grid = root.locator("line.iw-probe-gridline, line.iw-probe-zero").evaluate_all(
        "ls => ls.map(l => l.getBoundingClientRect().top)"
    )
    ticks = [float(t) for t in root.locator("text.iw-probe-tick").all_text_contents()]
    unit = (max(grid) - min(grid)) / (
        max(ticks) - min(ticks)
    )  # pixels per 1.0 (the axis is fitted)
    assert spans[0] == pytest.approx(2 * 1.96 * 0.05 * unit, abs=1.5)
    assert spans[0] > spans[2] > spans[1]
    expect(root.locator(".iw-probe-split")).to_contain_text("split by sentence, never by character")
    expect(root.locator(".iw-probe-legend")).to_contain_text("±1.96 SE (95%)")
    root.locator('circle.iw-probe-point[data-series="0"][data-layer="1"]').hover(force=True)
    expect(root.locator(".iw-tooltip")).to_contain_text("accuracy 0.94 ± 0.01")
    expect(root.locator(".iw-tooltip")).to_contain_text("n test 2,500")
    # selectivity: the bars follow the metric
    root.locator('button.iw-probe-metric[data-metric="selectivity"]').click()
    expect(root).to_have_attribute("data-rendered", "selectivity")
    expect(root.locator("g.iw-probe-err-control")).to_have_count(0)
    expect(root.locator("g.iw-probe-err-main line")).to_have_count(9)
