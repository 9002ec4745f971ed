"""Sparse autoencoder features as a trace layer (interpwidgets.sae) and the batched LSTM states."""

import numpy as np
import pytest
import torch

import interpwidgets as iw
from interpwidgets.sae import TopKSAE, add_features, hook_name, variance_explained
from interpwidgets.zoo.char_rnn import CharRNN
from interpwidgets.zoo.lanes import lstm_states, traces

TEXT = 'def f(x):\n    """Doc."""\n    return [x, "s"]  # c\n' * 3


@pytest.fixture(scope="module")
def lm():
    torch.manual_seed(0)
    return CharRNN(hidden_size=16, num_layers=2, embedding_dim=8).eval()


def _sae(d=16, m=40, k=3, layer="rnn.1.c", seed=0):
    rng = np.random.default_rng(seed)
    return TopKSAE(
        rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(m, d)), rng.normal(size=d),
        k=k, hook_name=layer,
    )  # fmt: skip


def test_topk_encode_matches_the_definition():
    sae = _sae()
    x = np.random.default_rng(1).normal(size=(50, 16)).astype(np.float32)
    f = sae.encode(x)
    pre = (x - sae.b_dec) @ sae.W_enc + sae.b_enc
    for row in range(len(x)):
        top = np.argsort(pre[row])[-3:]
        want = np.zeros(40, np.float32)
        want[top] = np.maximum(pre[row, top], 0)
        np.testing.assert_allclose(f[row], want, rtol=1e-5, atol=1e-5)
    assert ((f > 0).sum(1) <= 3).all() and (f >= 0).all()
    with pytest.raises(ValueError, match=r"^x: expected shape \(n, 16\)"):
        sae.encode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="^k:"):
        TopKSAE(sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec, k=0, hook_name="a")


def test_save_load_round_trip(tmp_path):
    sae = _sae()
    sae.meta = {"note": "x"}
    sae.save(tmp_path / "s")
    back = TopKSAE.load(tmp_path / "s")
    assert back.k == 3 and back.hook_name == "rnn.1.c" and back.meta["note"] == "x"
    np.testing.assert_allclose(back.W_enc, sae.W_enc, rtol=1e-3, atol=1e-3)  # float16 on disk
    with pytest.raises(FileNotFoundError, match="^path:"):
        TopKSAE.load(tmp_path / "missing")


def test_trace_adds_the_feature_layer(lm):
    sae = _sae()
    tr = iw.trace(lm, TEXT, sae=sae, progress=False)
    assert tr.names[-1] == "rnn.1.c.sae"
    np.testing.assert_allclose(tr.activations["rnn.1.c.sae"], sae.encode(tr.activations["rnn.1.c"]))
    two = iw.trace(lm, TEXT, sae=[sae, _sae(layer="rnn.0.h", seed=2)], progress=False)
    assert {"rnn.1.c.sae", "rnn.0.h.sae"} <= set(two.names)
    with pytest.raises(KeyError, match="sae: it reads layer 'blocks.0'"):
        iw.trace(lm, TEXT, sae=_sae(layer="blocks.0"), progress=False)


class _Cfg:
    class metadata:  # noqa: N801 - SAELens keeps the hook name at cfg.metadata.hook_name
        hook_name = "rnn.0.h"


class SAELensLike(torch.nn.Module):
    """The SAELens surface: a torch module with encode(x) and cfg.metadata.hook_name."""

    cfg = _Cfg()

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.eye(16, 5, dtype=torch.float64))

    def encode(self, x):
        assert x.dtype == torch.float64  # the module's own dtype
        return torch.relu(x @ self.w)


def test_any_encoder_with_a_hook_name(lm):
    tr = iw.trace(lm, TEXT, sae=SAELensLike(), progress=False)
    want = np.maximum(tr.activations["rnn.0.h"][:, :5], 0)
    np.testing.assert_allclose(tr.activations["rnn.0.h.sae"], want, rtol=1e-6)

    class Plain:
        def encode(self, x):
            return x[:, :2] * 2

    tr2 = add_features(tr, ("rnn.1.h", Plain()), name="mine")
    np.testing.assert_allclose(tr2.activations["mine"], tr.activations["rnn.1.h"][:, :2] * 2)
    assert "mine" not in tr.activations  # the original trace is left as it was
    with pytest.raises(TypeError, match="sae: Plain does not say which layer"):
        hook_name(Plain())
    with pytest.raises(TypeError, match="sae: expected an object with encode"):
        add_features(tr, ("rnn.1.h", object()))


def test_lanes_equal_trace(lm):
    texts = [TEXT, TEXT[:40], "x = (1,\n  2)\n"]
    states = lstm_states(lm, texts)
    for text, st in zip(texts, states, strict=True):
        tr = iw.trace(lm, text, progress=False)
        for name in ("rnn.0.h", "rnn.0.c", "rnn.1.h", "rnn.1.c"):
            np.testing.assert_allclose(st[name], tr.activations[name], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="keep"):
        lstm_states(lm, texts, keep=("x",))


def test_widgets_and_find_neurons_read_features(lm):
    sae = _sae()
    trs = traces(lm, [TEXT, TEXT.upper(), TEXT[::-1]], sae=sae)
    df = iw.find_neurons(trs[:2], "in_string", layers=["rnn.1.c.sae"], top=3, test=trs[2:])
    assert set(df.layer) == {"rnn.1.c.sae"} and df.neuron.max() < 40
    iw.NeuronText(trs[0], layer="rnn.1.c.sae", neuron=int(df.neuron.iloc[0]))
    iw.NeuronExplorer(trs[0], layer="rnn.1.c.sae", feature="in_string")


def test_training_reconstructs():
    from interpwidgets.zoo.train_sae import sparsity, train

    rng = np.random.default_rng(0)
    atoms = rng.normal(size=(32, 16))
    codes = rng.exponential(size=(4000, 32)) * (rng.random((4000, 32)) < 0.08)
    x = (codes @ atoms + 3.0).astype(np.float32)
    sae, log = train(
        x, "rnn.1.c", d_sae=64, k=6, steps=400, batch_size=256, lr=3e-3, log=lambda row: None
    )
    s = sparsity(sae, x)
    assert s["variance_explained"] > 0.8 and s["l0"] <= 6
    assert variance_explained(sae, x) == pytest.approx(s["variance_explained"], abs=1e-4)
    assert log[-1]["fve"] > log[0]["fve"]


def test_probe_reads_features(lm):
    from interpwidgets.probing import char_task

    task = char_task("in_string", n_texts=8, chars=200)
    sae = _sae()
    res = iw.probe(lm, task, layers=["rnn.1.c", "rnn.1.c.sae"], sae=sae, progress=False)
    assert set(res.table.layer) == {"rnn.1.c", "rnn.1.c.sae"}
    assert res.table.accuracy.between(0, 1).all()
    default = iw.probe(lm, task, sae=sae, progress=False, control=False)
    assert "rnn.1.c.sae" in set(default.table.layer)  # feature layers join the default set


def test_shipped_sae_loads_offline():
    sae = iw.zoo.sae("char_lstm")
    assert (
        sae.d_in == 256
        and sae.hook_name.startswith("rnn.")
        and sae.meta["held_out"]["variance_explained"] > 0.5
    )
    with pytest.raises(FileNotFoundError, match="name: no shipped SAE for 'nope'"):
        iw.zoo.sae("nope")
