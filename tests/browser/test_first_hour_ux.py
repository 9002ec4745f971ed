"""Issue 18 items 11–17 as a person sees them: ProbeChart's fitted axes, narrow windows,
the attention matrix at 9 and 182 tokens, reopened notebooks' fallback."""

from __future__ import annotations

import os

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
