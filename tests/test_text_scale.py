"""The Python text scale mirrors the browser's, and NeuronText.figure() draws the widget's colours."""

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.text_scale import (
    INK,
    LIGHT_REACH,
    TEXT_CONTRAST,
    contrast,
    hex_to_rgb,
    text_background,
    text_colormap,
)
from interpwidgets.widgets.neuron_scale import describe_scale, neuron_scale

FIXTURE = Path(__file__).parents[1] / "js" / "src" / "shared" / "text_scale.fixture.json"


def test_the_browsers_pinned_colours():
    # the same file text_scale.test.ts checks textBackground against
    pinned = json.loads(FIXTURE.read_text())
    assert pinned["light_reach"] == LIGHT_REACH
    assert len(pinned["colours"]) >= 30
    for c in pinned["colours"]:
        assert text_background(c["ramp"], c["p"], c["theme"]) == tuple(c["rgb"]), c


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("ramp,lo", [("diverging", -1.0), ("sequential", 0.0)])
def test_every_shade_keeps_the_one_ink_readable(theme, ramp, lo):
    ink = hex_to_rgb(INK[theme])
    worst = min(
        contrast(text_background(ramp, lo + (1 - lo) * k / 2000, theme), ink) for k in range(2001)
    )
    assert worst >= 4.5
    assert worst < TEXT_CONTRAST + 0.6  # the light scales reach as far as the ink allows
    assert contrast(text_background(ramp, math.nan, theme), ink) >= 4.5


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="ramp"):
        text_background("viridis", 0.5)
    with pytest.raises(ValueError, match="theme"):
        text_background("diverging", 0.5, "sepia")
    with pytest.raises(ValueError, match="scale"):
        neuron_scale(None, "p95", None, np.ones(3))


def _rgb(patch) -> tuple[int, int, int]:
    return tuple(round(v * 255) for v in patch.get_facecolor()[:3])


def _lstm_trace():
    rng = np.random.default_rng(0)
    text = "ValueError: x\tok"
    n = len(text)
    gates = rng.uniform(0, 1, (n, 2)).astype(np.float32)
    c = (rng.standard_normal((n, 2)) * 3).astype(np.float32)
    c[3, 0] = 40.0  # an outlier the p99 clip leaves out
    return iw.Trace.from_arrays(text, {"rnn.0.i": gates, "rnn.0.c": c}, cell="LSTM")


def test_figure_of_a_gate_uses_the_sequential_text_scale():
    trace = _lstm_trace()
    fig = iw.NeuronText(trace, layer="rnn.0.i", neuron=1).figure()
    ax = fig.axes[0]
    vals = trace.activations["rnn.0.i"][:, 1]
    got = [_rgb(p) for p in ax.patches]  # one per character (one token each)
    assert got == [text_background("sequential", float(v), "light") for v in vals]
    assert {t.get_color() for t in ax.texts} == {INK["light"]}  # one ink on every shade
    assert ax.get_title(loc="left") == "rnn.0.i · neuron 1"
    bar = fig.axes[1]
    assert [t.get_text() for t in bar.get_xticklabels()] == ["0", "0.5", "1"]
    assert "sigmoid gate" in bar.get_xlabel()
    # the colour bar runs through the same shades
    (mesh,) = [c for c in bar.collections if c.cmap.name.startswith("interpwidgets_text")]
    assert tuple(round(v * 255) for v in mesh.cmap(1.0)[:3]) == text_background("sequential", 1)
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("scale", ["p99", "max", "tanh"])
def test_figure_of_a_cell_state_follows_the_widgets_scale(scale):
    trace = _lstm_trace()
    w = iw.NeuronText(trace, layer="rnn.0.c", neuron=0, scale=scale)
    fig = w.figure()
    ax = fig.axes[0]
    vals = trace.activations["rnn.0.c"][:, 0].astype(np.float64)
    a = np.abs(vals)
    hi = {"p99": np.quantile(a, 0.99), "max": a.max(), "tanh": 1.0}[scale]
    x = np.tanh(vals) if scale == "tanh" else vals
    want = [text_background("diverging", float(np.clip(v / hi, -1, 1)), "light") for v in x]
    assert [_rgb(p) for p in ax.patches] == want
    # the outlier is at the scale's strong red end; the capped end, not RdBu's darkest red
    assert _rgb(ax.patches[3]) == text_background("diverging", 1.0) == (209, 86, 72)
    assert {t.get_color() for t in ax.texts} == {INK["light"]}
    note = {"p99": "99th pct", "max": "max |value|", "tanh": "tanh(value)"}[scale]
    assert note in fig.axes[1].get_xlabel()
    matplotlib.pyplot.close(fig)


def test_figure_with_a_fixed_vmax_and_the_browsers_decision():
    trace = _lstm_trace()
    fig = iw.NeuronText(trace, layer="rnn.0.c", neuron=0, vmax=2.0).figure()
    assert fig.axes[1].get_xlabel() == "fixed ±2"
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["−2", "0", "2"]
    matplotlib.pyplot.close(fig)
    # tanh-range arrays keep ±1 whatever the scale; the p99 tick prints like the browser's
    s = neuron_scale("tanh", "max", None, np.array([0.1, -0.2]))
    assert (s.ramp, s.source, s.hi) == ("diverging", "tanh-range", 1.0)
    ticks, note = describe_scale(neuron_scale(None, "p99", None, np.arange(101.0) * 0.01234), "en")
    assert ticks == ("−1.22", "0", "1.22") and "99th pct" in note


def test_text_colormap_ends():
    cm = text_colormap("diverging", "dark")
    assert tuple(round(v * 255) for v in cm(0.0)[:3]) == text_background("diverging", -1, "dark")
    assert tuple(round(v * 255) for v in cm(1.0)[:3]) == text_background("diverging", 1, "dark")


def test_figure_legend_in_the_widgets_language():
    trace = _lstm_trace()
    fig = iw.NeuronText(trace, layer="rnn.0.i", neuron=0, locale="zh").figure()
    assert (
        fig.axes[1].get_xlabel() == describe_scale(neuron_scale("unit", "p99", None, []), "zh")[1]
    )
    assert (
        fig.axes[1].get_xlabel() != describe_scale(neuron_scale("unit", "p99", None, []), "en")[1]
    )
    matplotlib.pyplot.close(fig)


def test_attribution_figure_uses_the_text_scale_and_one_ink():
    from types import SimpleNamespace

    from interpwidgets.figures import attribution_figure

    scores = np.array([[0.0, 1.0, -1.0, 0.25, 0.0]])  # the row's extremes reach the scale's ends
    a = SimpleNamespace(
        label="IG",
        all_scores=scores,
        special=np.array([True, False, False, False, False]),
        offsets=[(0, 0), (0, 4), (5, 8), (9, 12), (13, 17)],
        text="good bad meh flat",
        labels=["neg", "pos"],
        target=0,
    )
    fig = attribution_figure([a])
    words = {t.get_text(): t for t in fig.axes[0].texts if t.get_bbox_patch() is not None}
    assert set(words) == {"good", "bad", "meh", "flat"}
    ink = hex_to_rgb(INK["light"])
    for word, p in (("good", 1.0), ("bad", -1.0), ("meh", 0.25), ("flat", 0.0)):
        face = tuple(round(c * 255) for c in words[word].get_bbox_patch().get_facecolor()[:3])
        assert face == text_background("diverging", p)  # the widget's shade, capped
        assert matplotlib.colors.to_hex(words[word].get_color()) == "#111111"  # one ink
        assert contrast(face, ink) >= TEXT_CONTRAST
    matplotlib.pyplot.close(fig)
