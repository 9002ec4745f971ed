"""ProbeChart from hand-made ProbeResults: traits, argument checks, the matplotlib figure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import interpwidgets as iw
from interpwidgets.probing import ProbeResult


def result(model="char-LSTM", task="in_string", layers=("embed", "layer 0", "layer 1"), acc=None):
    acc = [0.71, 0.94, 0.97] if acc is None else acc
    ctrl = [0.62, 0.99, 0.69]
    table = pd.DataFrame(
        {
            "layer": list(layers),
            "accuracy": acc,
            "control_accuracy": ctrl,
            "selectivity": [a - c for a, c in zip(acc, ctrl, strict=True)],
            "majority": [0.6, 0.86, 0.6],
            "control_majority": [0.6, 0.86, 0.61],
            "accuracy_se": [0.02, 0.011, float("nan")],
            "control_accuracy_se": [0.03, 0.01, 0.02],
            "selectivity_se": [0.025, 0.012, 0.02],
            "n_test": [400, 400, 400],
        }
    )
    top = {"layer 0": [(45, 0.2617), (np.int64(3), np.float32(-0.18))], "embed": [(1, 0.5)]}
    return ProbeResult(task, model, table, {}, top, split="by text, never by character: 3 texts")


def test_traits_from_one_result():
    w = iw.ProbeChart(result())
    assert w.metric == "accuracy"
    assert w.selected == {} and w.neuron == {} and w.error == ""
    (s,) = w.series
    assert s["name"] == "char-LSTM · in_string"
    assert s["layers"] == ["embed", "layer 0", "layer 1"]
    assert s["accuracy"] == [0.71, 0.94, 0.97]
    assert s["control_accuracy"] == [0.62, 0.99, 0.69]
    assert s["selectivity"][1] == pytest.approx(-0.05)
    assert s["majority"] == [0.6, 0.86, 0.6]
    assert s["control_majority"] == [0.6, 0.86, 0.61]
    assert s["accuracy_se"] == [0.02, 0.011, None]  # NaN SE → no error bar
    assert s["selectivity_se"] == [0.025, 0.012, 0.02] and s["n_test"] == [400, 400, 400]
    assert s["split"] == "by text, never by character: 3 texts"
    assert s["top_neurons"]["layer 0"] == [[45, 0.2617], [3, -0.18]]
    assert all(type(n) is int and type(v) is float for n, v in s["top_neurons"]["layer 0"])
    assert w.results[0].model == "char-LSTM"


def test_two_series_names_metric_title_and_missing_values():
    r2 = result("char-Transformer", acc=[0.69, float("nan"), 0.91])
    w = iw.ProbeChart(
        [result(), r2],
        names=["LSTM", "<img src=x onerror=alert(1)>"],
        metric="selectivity",
        title="t",
    )
    assert [s["name"] for s in w.series] == ["LSTM", "<img src=x onerror=alert(1)>"]
    assert w.metric == "selectivity" and w.title == "t"
    assert w.series[1]["accuracy"][1] is None  # NaN → null, drawn as a gap
    assert w.series[1]["selectivity"][1] is None
    w.metric = "control_accuracy"
    w.selected = {"series": 1, "layer": "layer 1"}
    w.neuron = {"series": 1, "layer": "layer 1", "neuron": 3}
    assert w.selected["layer"] == "layer 1"


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"results": "nope"}, TypeError, "results"),
        ({"results": []}, TypeError, "results"),
        ({"results": [result(), 3]}, TypeError, "results"),
        ({"results": [result()], "names": ["a", "b"]}, ValueError, "names"),
        ({"results": [result()], "names": "a"}, ValueError, "names"),
        ({"results": [result()], "metric": "f1"}, ValueError, "metric"),
        ({"results": [result()], "title": 3}, TypeError, "title"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name}:"):
        iw.ProbeChart(**kwargs)


def test_a_table_without_standard_errors_draws_no_error_bars():
    r = result()
    r.table = r.table[["layer", "accuracy", "control_accuracy", "selectivity", "majority"]]
    (s,) = iw.ProbeChart(r).series
    assert s["accuracy_se"] == s["control_majority"] == [None, None, None]


def test_metric_trait_is_validated():
    w = iw.ProbeChart(result())
    with pytest.raises(Exception, match="metric"):
        w.metric = "loss"
    assert w.metric == "accuracy"


def test_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = iw.ProbeChart([result(), result("char-Transformer")])
    fig = w.figure()
    try:
        ax = fig.axes[0]
        assert len(ax.lines) >= 2
        ys = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in ax.lines])
        assert any(math.isclose(y, 0.94, abs_tol=1e-6) for y in ys)
        # error bars: ±1.96 SE around the accuracy of layer 1 (0.94 ± 0.0216)
        segs = [
            seg
            for c in ax.collections
            for seg in c.get_segments()
            if len(seg) == 2 and seg[0][0] == seg[1][0] == 1
        ]
        assert any(
            math.isclose(min(a[1], b[1]), 0.94 - 1.96 * 0.011, abs_tol=1e-6) for a, b in segs
        )
    finally:
        plt.close(fig)


def test_bundle_and_export(tmp_path):
    w = iw.ProbeChart([result(), result()], names=["a", "<img src=x onerror=alert(1)>"])
    path = w.save_html(tmp_path / "probe.html")
    html = path.read_text(encoding="utf-8")
    assert "iw-data" in html and "<img src=x" not in html  # escaped inside the JSON
    assert "\\u003cimg src=x" in html
