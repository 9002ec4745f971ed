"""Where a trace's arrays live: float16 or float32, in memory or spilled to disk; the estimate
that refuses a trace that would not fit before the model runs (issue 16, item 8)."""

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import interpwidgets as iw  # noqa: E402
from interpwidgets.models import adapter_for  # noqa: E402
from interpwidgets.trace import rnn, store  # noqa: E402
from interpwidgets.zoo.char_rnn import CharRNN  # noqa: E402

TEXT = "def f(x):\n    return 'a' + x  # done\n" * 60  # 2,220 characters


def _model(cell="lstm"):
    torch.manual_seed(1)
    return CharRNN(hidden_size=16, num_layers=2, embedding_dim=8, cell=cell).eval()


def _calls(model):
    """A list that grows each time the model's embedding runs (the first step of any work)."""
    calls = []
    model.embedding.register_forward_hook(lambda *a: calls.append(1))
    return calls


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_spilled_trace_equals_the_trace_in_memory(tmp_path, cell):
    m = _model(cell)
    mem = iw.trace(m, TEXT, chunk_size=700)
    disk = iw.trace(m, TEXT, chunk_size=700, spill=tmp_path)
    assert "memory" in mem.meta["storage"] and "disk" in disk.meta["storage"]
    assert mem.names == disk.names
    for name in mem.names:
        np.testing.assert_array_equal(disk.activations[name], mem.activations[name])
    assert os.listdir(tmp_path) == []  # files unlinked once mapped: nothing left behind
    # a neuron's column is one contiguous run; writing to the array changes the trace only
    col = disk.activations["rnn.1.h"][:, 3]
    assert col.flags.c_contiguous
    disk.activations["rnn.1.h"][0, 0] = 5.0
    assert disk.activations["rnn.1.h"][0, 0] == 5.0
    np.testing.assert_array_equal(disk.predictions["probs"], mem.predictions["probs"])


def test_float16_storage_is_float32_rounded(tmp_path):
    m = _model()
    exact = iw.trace(m, TEXT)
    for spill in (False, tmp_path):
        half = iw.trace(m, TEXT, dtype="float16", spill=spill)
        for name in exact.names:
            a, b = exact.activations[name], half.activations[name]
            assert b.dtype == np.float16
            # float16 keeps 11 significant bits: relative error <= 2**-11 (plus subnormals)
            np.testing.assert_allclose(b.astype(np.float32), a, rtol=2**-11, atol=6e-8)
            np.testing.assert_array_equal(b, a.astype(np.float16))


def test_small_texts_stay_in_memory_as_float32_by_default():
    tr = iw.trace(_model(), TEXT)
    arr = tr.activations["rnn.0.c"]
    assert arr.dtype == np.float32 and arr.flags.c_contiguous and arr.flags.writeable
    assert tr.meta["storage"].endswith("float32 in memory")


def test_auto_spills_past_the_threshold(monkeypatch):
    monkeypatch.setattr(store, "SPILL_OVER", 10_000)
    tr = iw.trace(_model(), TEXT)
    assert "disk" in tr.meta["storage"]
    assert tr.activations["rnn.0.f"].shape == (len(TEXT), 16)


def test_a_million_characters_is_refused_before_any_work_when_memory_is_short(monkeypatch):
    m = _model()
    calls = _calls(m)
    text = "x = 1\n" * 166_667  # 1,000,002 characters
    monkeypatch.setattr(store, "available_memory", lambda: 50_000_000)
    with pytest.raises(MemoryError, match=r"spill=False: .*need 0.8 GB.*spill=True.*float16"):
        iw.trace(m, text, spill=False)
    assert calls == []  # refused before the model ran
    # "auto" goes to disk instead, and a disk without room is refused before work too
    monkeypatch.setattr(store, "free_disk", lambda path: 1_000_000)
    with pytest.raises(ValueError, match=r"spill: .*need 0.8 GB.*has 1.0 MB free.*dtype="):
        iw.trace(m, text)
    assert calls == []


def test_the_estimate_of_the_shipped_model_at_a_million_characters():
    widths = {n: 256 for n in adapter_for(_lstm_like()).layer_names()}
    assert len(widths) == 12  # 2 layers x (h, c, i, f, g, o)
    assert store.estimate_nbytes(1_000_000, widths) == 12_288_000_000
    assert store.estimate_nbytes(1_000_000, widths, "float16") == 6_144_000_000


def _lstm_like():
    torch.manual_seed(0)
    return CharRNN(hidden_size=256, num_layers=2, embedding_dim=8, cell="lstm").eval()


def test_float16_overflow_and_infinity_are_refused_naming_the_argument():
    where = store.plan(4, {"a": 2}, "float16", False)
    s = store.Store(where)
    with pytest.raises(ValueError, match=r"dtype='float16': 'a' has a value past .* row 2"):
        s.put("a", 0, np.array([[1, 2], [3, 4], [1e6, 0], [0, 0]], np.float32))
    s = store.Store(store.plan(4, {"a": 2}, "float32", True))
    with pytest.raises(ValueError, match=r"infinite values are not allowed \(row 1\)"):
        s.put("a", 0, torch.tensor([[1, np.nan], [np.inf, 0]]))
    s.close()
    s = store.Store(store.plan(2, {"a": 1}, "float32", False))
    s.put("a", 0, np.array([[np.nan], [1.0]], np.float32))  # NaN marks a missing value
    assert np.isnan(s.arrays()["a"].array[0, 0])


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"dtype": "int8"}, ValueError, "dtype: expected 'float32' or 'float16', got 'int8'"),
        ({"dtype": "bfloat16"}, ValueError, "dtype: expected"),
        ({"spill": 3}, TypeError, "spill: expected 'auto', True, False or a directory, got int"),
        ({"spill": "/no/such/dir"}, ValueError, "spill: expected an existing directory"),
    ],
)
def test_bad_storage_arguments_are_named(kwargs, exc, match):
    m = _model()
    calls = _calls(m)
    with pytest.raises(exc, match=match):
        iw.trace(m, TEXT, **kwargs)
    assert calls == []


def test_a_failed_trace_leaves_no_files(tmp_path):
    m = _model()
    calls = _calls(m)
    m.embedding.register_forward_hook(lambda *a: 1 / 0 if len(calls) > 1 else None)
    with pytest.raises(ZeroDivisionError):
        iw.trace(m, TEXT, chunk_size=700, spill=tmp_path)  # fails on the second chunk
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("steps", [1024, 3001, 5000])
def test_the_blocked_scan_equals_the_step_by_step_one(steps, monkeypatch):
    gen = torch.Generator().manual_seed(steps)
    a = torch.rand(steps, 3, 5, generator=gen)
    b = torch.randn(steps, 3, 5, generator=gen)
    x0 = torch.randn(3, 5, generator=gen)
    blocked = rnn.linear_scan(a, b, x0)
    monkeypatch.setattr(rnn, "SCAN_BLOCKED_FROM", 10**9)
    stepped = rnn.linear_scan(a, b, x0)
    torch.testing.assert_close(blocked, stepped, rtol=1e-5, atol=1e-6)


def test_a_long_chunk_matches_lstmcell_stepping():
    """The cell state of a chunk past SCAN_BLOCKED_FROM (the blocked scan) against torch's own
    LSTM cell stepped character by character."""
    m = _model()
    text = TEXT[:1500]
    tr = iw.trace(m, text)
    cell = torch.nn.LSTMCell(8, 16)
    with torch.no_grad():
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, n).copy_(getattr(m.rnn, f"{n}_l0"))
        from interpwidgets.zoo.corpus import encode_text

        x = m.embedding(torch.from_numpy(encode_text(text)))
        h = c = torch.zeros(1, 16)
        cs = []
        for t in range(len(text)):
            h, c = cell(x[t : t + 1], (h, c))
            cs.append(c[0].numpy().copy())
    np.testing.assert_allclose(tr.activations["rnn.0.c"], np.stack(cs), atol=1e-5)


def test_the_char_transformer_spills_and_refuses_the_same_way(tmp_path, monkeypatch):
    from interpwidgets.zoo.transformer import CharTransformer

    torch.manual_seed(0)
    m = CharTransformer(d_model=32, n_layers=2, n_heads=4, d_mlp=64, context=24).eval()
    text = TEXT[:300]  # many overlapping windows
    mem = iw.trace(m, text)
    disk = iw.trace(m, text, spill=tmp_path, dtype="float16")
    assert os.listdir(tmp_path) == [] and mem.names == disk.names
    for name in mem.names:
        np.testing.assert_array_equal(
            disk.activations[name], mem.activations[name].astype(np.float16)
        )
    calls = _calls(m)
    monkeypatch.setattr(store, "available_memory", lambda: 1000)
    with pytest.raises(MemoryError, match="spill=False: .*spill=True"):
        iw.trace(m, text, spill=False)
    assert calls == []
