"""Export budgets count what the page holds: each stored reply's key, JSON and base64 buffers
(issue 16 item 9), not only the raw bytes of its arrays."""

from __future__ import annotations

import json

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.export import page_data


def _store_bytes(widget) -> int:
    store = page_data(widget, compress=False)["store"]
    return len(json.dumps(store, ensure_ascii=False, separators=(",", ":")).encode())


def _trace(n_tokens: int, n_units: int, seed: int = 0) -> iw.Trace:
    rng = np.random.default_rng(seed)
    text = "ab" * (n_tokens // 2) + "a" * (n_tokens % 2)
    return iw.Trace.from_arrays(text, {"h": rng.normal(size=(n_tokens, n_units))})


@pytest.mark.parametrize("budget", [100_000, 400_000])
def test_neuron_text_many_units_short_text(budget):
    w = iw.NeuronText(_trace(8, 20_000), export_budget=budget)
    used = _store_bytes(w)
    assert used <= budget, f"{used} bytes stored against a budget of {budget}"
    assert used > budget * 0.6  # and the budget is used, not wasted


def test_neuron_text_big_values_counted_as_float32():
    tr = _trace(64, 3000)
    tr.activations["h"][5, 100] = 1e6  # one column needs float32
    w = iw.NeuronText(tr, export_budget=100_000)
    assert _store_bytes(w) <= 100_000


def test_neuron_explorer_columns_heatmaps_and_rankings():
    w = iw.NeuronExplorer(_trace(2000, 40), export_budget=200_000)
    used = _store_bytes(w)
    assert used <= 200_000, used


def test_attention_view_layers():
    rng = np.random.default_rng(0)
    a = rng.random((6, 4, 40, 40)).astype(np.float32)
    a /= a.sum(-1, keepdims=True)
    toks = [f"t{i}" for i in range(40)]
    w = iw.AttentionView(a, tokens=toks, export_budget=20_000)
    used = _store_bytes(w)
    assert used <= 20_000, used
    held = len(page_data(w)["store"])
    assert held >= 2


def test_neuron_text_export_encodes_each_column_once(monkeypatch):
    """The budget check measures a column without encoding it: a page of 4 units encodes 4
    stored columns plus the selected one in the state (it encoded 2 more before)."""
    from interpwidgets import codec

    w = iw.NeuronText(_trace(5000, 4))
    encoded = []
    real = codec.encode
    monkeypatch.setattr(
        codec, "encode", lambda a, dtype="float32": encoded.append(np.shape(a)) or real(a, dtype)
    )
    page_data(w)
    assert encoded.count((5000,)) == 5, encoded


def test_page_json_escaped_piece_by_piece_as_a_whole():
    from interpwidgets.export import _json_for_script

    obj = {
        "a<": ["x</script>", {"b&": "\u2028\u2029", "n": [1, 2.5, None, True, {}, []]}],
        "deep": [[[["<>&"]]]],
        "": "中文",
    }
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    assert _json_for_script(obj) == text
    assert json.loads(_json_for_script(obj)) == obj
