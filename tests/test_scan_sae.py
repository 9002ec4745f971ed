"""Corpus scans of SAE features: the same top contexts as iw.trace(..., sae=), labelled as features."""

from __future__ import annotations

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.sae import TopKSAE
from interpwidgets.zoo.corpus import stdlib_files

LAYER = "rnn.1.c.sae"


@pytest.fixture(scope="module")
def lm():
    return iw.zoo.char_lstm()


@pytest.fixture(scope="module")
def sae():
    return iw.zoo.sae("char_lstm")


@pytest.fixture(scope="module")
def texts():
    files = stdlib_files("val")[:4]
    # lengths differ so lanes switch documents mid-run
    return {f.name: f.read_text()[: 900 + 400 * i] for i, f in enumerate(files)}


@pytest.fixture(scope="module")
def sc(lm, sae, texts):
    return iw.scan(
        lm, texts, layers=[LAYER, "rnn.0.h"], sae=sae, k=6, context=10, batch_size=3,
        progress=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def traces(lm, sae, texts):
    return {name: iw.trace(lm, text, sae=sae, progress=False) for name, text in texts.items()}


def _brute(traces, layer, unit, k, largest=True):
    rows = []
    for doc_id, tr in enumerate(traces.values()):
        v = tr.activations[layer][:, unit].astype(np.float64)
        rows += [(-x if largest else x, doc_id, p, x) for p, x in enumerate(v)]
    rows.sort()
    return rows[:k]


def test_top_contexts_of_a_feature_equal_brute_force_over_traces(sc, traces, sae):
    assert sc.layers == [LAYER, "rnn.0.h"] and sc.units == {LAYER: sae.d_sae, "rnn.0.h": 256}
    # the features most often active in these texts, and a few others
    acts = np.concatenate([tr.activations[LAYER] for tr in traces.values()])
    busy = np.argsort(-(acts > 0).sum(0))[:6]
    others = np.random.default_rng(0).choice(sae.d_sae, size=4, replace=False)
    for unit in [*busy, *others]:
        got = sc.top(LAYER, int(unit))
        want = _brute(traces, LAYER, int(unit), 6)
        np.testing.assert_allclose(got["value"], [w[3] for w in want], atol=2e-3)
        exact = [w for w in want if w[3] > 0]  # zero values tie; the order is by position then
        assert got["doc_id"].tolist()[: len(exact)] == [w[1] for w in exact], unit
        assert got["position"].tolist()[: len(exact)] == [w[2] for w in exact], unit
    # the context values are the feature's, and the model's own layer is still there
    top = sc.top(LAYER, int(busy[0]))
    names = list(traces)
    for row, vals in zip(top.itertuples(), sc.context_values(LAYER, int(busy[0])), strict=True):
        tr = traces[names[row.doc_id]]
        np.testing.assert_allclose(
            vals, tr.activations[LAYER][row.start : row.end, busy[0]], rtol=2e-3, atol=2e-3
        )  # contexts are kept as float16
    got = sc.top("rnn.0.h", 3)
    want = _brute(traces, "rnn.0.h", 3, 6)
    assert got["position"].tolist() == [w[2] for w in want]


def test_feature_layers_are_named_in_meta_and_saved(sc, tmp_path, sae):
    assert sc.meta["sae"] == {LAYER: repr(sae)}
    back = iw.Scan.load(sc.save(tmp_path / "s"))
    assert back.meta["sae"] == {LAYER: repr(sae)}
    stats = sc.stats.set_index(["layer", "unit"])
    assert stats.loc[LAYER]["min"].min() >= 0  # top-k codes are never negative


def test_default_layers_add_the_features_and_errors_name_sae(lm, sae, texts):
    small = dict(list(texts.items())[:1])
    sc = iw.scan(lm, small, sae=sae, k=2, context=2, progress=False, features=False)
    assert sc.layers[-1] == LAYER and "rnn.1.c" in sc.layers
    wrong = TopKSAE(
        np.zeros((8, 16)), np.zeros(16), np.eye(16, 8), np.zeros(8), k=2, hook_name="rnn.9.h"
    )
    with pytest.raises(KeyError, match="sae: it reads layer 'rnn.9.h'"):
        iw.scan(lm, small, sae=wrong, progress=False)
    with pytest.raises(KeyError, match="layers: 'rnn.1.h.sae'"):
        iw.scan(lm, small, layers=["rnn.1.h.sae"], sae=sae, progress=False)
    with pytest.raises(ValueError, match="sae: two SAEs read layer"):
        iw.scan(lm, small, sae=[sae, sae], progress=False)


def test_a_feature_of_the_last_hidden_layer_has_a_direct_effect(lm, texts):
    rng = np.random.default_rng(1)
    w_dec = rng.normal(size=(32, 256)).astype(np.float32)
    hidden = TopKSAE(rng.normal(size=(256, 32)), np.zeros(32), w_dec, np.zeros(256), 4, "rnn.1.h")
    small = dict(list(texts.items())[:1])
    sc = iw.scan(lm, small, layers=["rnn.1.h.sae"], sae=hidden, k=2, progress=False)
    effect = sc.effects["rnn.1.h.sae"]
    head = lm.head.weight.detach().numpy()
    np.testing.assert_allclose(effect["weights"], w_dec @ head.T, rtol=1e-4, atol=1e-4)
    assert "rnn.1.h" not in sc.effects  # only the layers the scan keeps


def test_dashboard_calls_features_features(sc):
    dash = iw.NeuronDashboard(sc, layer=LAYER, neuron=3)
    kinds = {layer["name"]: layer["unit"] for layer in dash.layers}
    assert kinds == {LAYER: "feature", "rnn.0.h": "neuron"}
    assert dash.unit["layer"] == LAYER
