"""Corpus scans: exact against iw.trace, mergeable, saved to Parquet, clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

import interpwidgets as iw
from interpwidgets.scan import merge
from interpwidgets.scan.corpus import documents
from interpwidgets.scan.run import scan_documents
from interpwidgets.scan.state import Options
from interpwidgets.zoo.corpus import stdlib_files

LAYERS = ["rnn.0.c", "rnn.1.h", "rnn.1.f"]


@pytest.fixture(scope="module")
def lm():
    return iw.zoo.char_lstm()


@pytest.fixture(scope="module")
def texts():
    files = stdlib_files("val")[:5]
    # lengths differ so lanes switch documents mid-run; one document is empty
    out = {f.name: f.read_text()[: 700 + 350 * i] for i, f in enumerate(files)}
    out["empty.py"] = ""
    return out


@pytest.fixture(scope="module")
def sc(lm, texts):
    return iw.scan(lm, texts, layers=LAYERS, k=6, context=12, batch_size=3, progress=False)


@pytest.fixture(scope="module")
def traces(lm, texts):
    return {name: iw.trace(lm, text, progress=False) for name, text in texts.items() if text}


def _brute(traces, layer, unit, k, largest=True):
    rows = []
    for doc_id, (_name, tr) in enumerate(traces.items()):
        v = tr.activations[layer][:, unit].astype(np.float64)
        rows += [(-x if largest else x, doc_id, p, x) for p, x in enumerate(v)]
    rows.sort()
    return rows[:k]


def test_top_and_bottom_equal_brute_force_over_traces(sc, traces):
    rng = np.random.default_rng(0)
    for layer in LAYERS:
        for unit in rng.choice(256, size=7, replace=False):
            for which, largest in (("top", True), ("bottom", False)):
                got = getattr(sc, which)(layer, int(unit))
                want = _brute(traces, layer, int(unit), 6, largest)
                assert got["doc_id"].tolist() == [w[1] for w in want], (layer, unit, which)
                assert got["position"].tolist() == [w[2] for w in want]
                np.testing.assert_allclose(got["value"], [w[3] for w in want], atol=1e-3)


def test_contexts_are_the_text_and_values_around_each_position(sc, traces, texts):
    top = sc.top("rnn.0.c", 5)
    values = sc.context_values("rnn.0.c", 5)
    names = list(texts)
    for row, vals in zip(top.itertuples(), values, strict=True):
        text = texts[names[row.doc_id]]
        assert row.doc == names[row.doc_id]
        assert row.context == text[row.start : row.end]
        assert row.end - row.start <= 2 * 12 + 1 and row.focus == row.position - row.start
        tr = traces[names[row.doc_id]]
        np.testing.assert_allclose(
            vals, tr.activations["rnn.0.c"][row.start : row.end, 5], rtol=2e-3, atol=2e-3
        )


def test_stats_and_histogram_match_the_traces(sc, traces):
    x = np.concatenate([tr.activations["rnn.1.h"][:, 9] for tr in traces.values()])
    st = sc.stats.set_index(["layer", "unit"]).loc[("rnn.1.h", 9)]
    assert st["count"] == len(x)
    np.testing.assert_allclose(st["mean"], x.mean(), atol=1e-5)
    np.testing.assert_allclose(st["std"], x.std(), atol=1e-4)
    np.testing.assert_allclose([st["min"], st["max"]], [x.min(), x.max()], atol=1e-6)
    np.testing.assert_allclose(st["density"], (x > 0).mean())
    edges, counts = sc.histogram("rnn.1.h", 9)
    assert counts.sum() == len(x) and len(edges) == len(counts) + 1
    assert np.all(np.diff(edges) > 0)
    inner = (x > edges[1]) & (x <= edges[2])
    assert counts[1] == inner.sum()


def test_quantile_samples_lie_in_their_interval(sc):
    q = sc.quantiles("rnn.0.c", 67)
    assert len(q) > 0 and set(q.columns) >= {"interval", "lo", "hi", "share", "context", "value"}
    assert ((q["value"] > q["lo"]) & (q["value"] <= q["hi"])).all()
    assert q.groupby("interval").size().max() <= 4
    assert abs(q.drop_duplicates("interval")["share"].sum() - 1) < 1.0  # shares of non-empty groups


def test_merge_is_associative_commutative_and_equals_one_pass(lm, texts):
    docs = list(documents(texts)[0])
    opts = Options(("rnn.1.c",), (256,), 4, 8, 3, 2, 256, True)
    parts = [scan_documents(lm, docs[i : i + 2], opts) for i in (0, 2, 4)]
    whole = scan_documents(lm, docs, opts)
    a = merge(merge(parts[0], parts[1]), parts[2])
    b = merge(parts[2], merge(parts[1], parts[0]))
    for other in (b, whole):
        for name in ("top", "bottom", "sample"):
            ea, eo = getattr(a, name), getattr(other, name)
            assert sorted(map(tuple, np.sort(ea.key, -1).reshape(-1, ea.key.shape[-1]))) == sorted(
                map(tuple, np.sort(eo.key, -1).reshape(-1, eo.key.shape[-1]))
            )
        # other batchings round differently (~1e-7): a value on a bin edge may change bins
        assert np.abs(a.hist - other.hist).sum() <= max(4, 1e-4 * a.hist.sum())
        assert np.abs(a.feat_hist - other.feat_hist).sum() <= max(4, 1e-4 * a.hist.sum())
        np.testing.assert_allclose(a.mean, other.mean, atol=1e-6)
        np.testing.assert_allclose(a.m2, other.m2, rtol=1e-5, atol=1e-4)


def test_save_and_load_round_trip_without_torch(sc, tmp_path):
    path = sc.save(tmp_path / "scan")
    top = pd.read_parquet(path / "top.parquet")  # plain pandas reads it
    assert {"layer", "unit", "rank", "value", "doc", "position", "context"} <= set(top.columns)
    back = iw.Scan.load(path)
    pd.testing.assert_frame_equal(back.top("rnn.0.c", 3), sc.top("rnn.0.c", 3))
    pd.testing.assert_frame_equal(back.quantiles("rnn.1.h", 1), sc.quantiles("rnn.1.h", 1))
    pd.testing.assert_frame_equal(back.stats, sc.stats)
    pd.testing.assert_frame_equal(
        back.feature_scores("rnn.1.h", 4), sc.feature_scores("rnn.1.h", 4)
    )
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from interpwidgets.scan.result import Scan\n"
        f"s = Scan.load({str(path)!r}); print(len(s.top('rnn.0.c', 3)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "6"


def test_feature_scores_and_find_neurons_select_and_evaluate_apart(sc):
    fs = sc.feature_scores("rnn.0.c", 67)
    assert {"in_string", "in_comment", "bracket_depth"} <= set(fs["feature"])
    table = iw.find_neurons(sc, "in_string", top=5)
    assert table.attrs["selection"] == "even-numbered documents"
    assert table.attrs["evaluation"] == "odd-numbered documents"
    assert {"score", "test_score", "test_se", "sign"} <= set(table.columns)
    assert (table["score"] >= 0.5).all() and table["test_score"].between(0, 1).all()


def test_direct_effect_through_the_output_layer(sc, lm):
    eff = sc.effect("rnn.1.h", 0, n=3)
    w = lm.head.weight.detach().numpy()[:, 0]
    assert eff["token"].iloc[0] == lm.vocab[int(np.argmax(w))]
    assert eff[eff.direction == "suppresses"]["token"].iloc[0] == lm.vocab[int(np.argmin(w))]
    assert sc.effect("rnn.0.c", 0) is None


def test_char_transformer_scan_equals_its_trace():
    tf = iw.zoo.char_transformer()
    texts = [stdlib_files("val")[1].read_text()[:450], "def f(x):\n    return (x, 'a')\n"]
    sc = iw.scan(tf, texts, layers=["blocks.1.mlp"], k=3, progress=False, features=False)
    traces = {i: iw.trace(tf, t, progress=False) for i, t in enumerate(texts)}
    want = _brute(traces, "blocks.1.mlp", 17, 3)
    got = sc.top("blocks.1.mlp", 17)
    assert got["position"].tolist() == [w[2] for w in want]
    np.testing.assert_allclose(got["value"], [w[3] for w in want], atol=1e-4)


def test_directory_corpus_and_bad_inputs(lm, tmp_path):
    (tmp_path / "a.py").write_text("x = 'hi'  # greet\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("plain text (here)\n")
    (tmp_path / "skip.bin").write_bytes(b"\x00\x01")
    sc = iw.scan(lm, tmp_path, layers=["rnn.0.h"], k=2, progress=False)
    assert sc.docs == ["a.py", "sub/b.txt"] and sc.meta["n_chars"] == 36
    with pytest.raises(ValueError, match="corpus: expected at least one document"):
        iw.scan(lm, [], progress=False)
    with pytest.raises(ValueError, match="corpus: every document is empty"):
        iw.scan(lm, ["", ""], progress=False)
    with pytest.raises(TypeError, match="corpus: .*single str"):
        iw.scan(lm, "x = 1\nprint(x)\n", progress=False)
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"x = '\xff'\n")
    with pytest.raises(ValueError, match="corpus: .*bad.py is not valid UTF-8"):
        iw.scan(lm, [bad], progress=False)
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x00abc")
    with pytest.raises(ValueError, match="corpus: .*not a text file"):
        iw.scan(lm, [binary], progress=False)
    with pytest.raises(KeyError, match="layers: 'rnn.9.h'"):
        iw.scan(lm, ["x"], layers=["rnn.9.h"], progress=False)
    for k in (0, -1):
        with pytest.raises(ValueError, match="k: expected an int >= 1"):
            iw.scan(lm, ["x"], k=k, progress=False)
    with pytest.raises(TypeError, match="k: expected"):
        iw.scan(lm, ["x"], k="5", progress=False)
    with pytest.raises(TypeError, match="corpus: expected each document"):
        iw.scan(lm, [b"bytes"], progress=False)
    with pytest.raises(TypeError, match="model: corpus scans take a model iw.trace knows"):
        iw.scan(torch.nn.Linear(2, 2), ["x"], progress=False)
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module"):
        iw.scan("char_lstm", ["x"], progress=False)
    with pytest.raises(TypeError, match="client: expected a dask.distributed.Client"):
        iw.scan(lm, ["x"], client=object(), progress=False)
    with pytest.raises(ValueError, match="unit: expected an index in \\[0, 255\\]"):
        sc.top("rnn.0.h", 256)
    with pytest.raises(KeyError, match="layer: 'nope'"):
        sc.histogram("nope", 0)


def test_candidate_filter_equals_ranking_every_window(lm, texts, monkeypatch):
    """Comparing each value with what it must beat keeps exactly what ranking the whole
    window keeps (and a window where nothing qualifies changes nothing)."""
    from interpwidgets.scan import update as update_module

    docs = list(documents(texts)[0])
    opts = Options(("rnn.0.c", "rnn.1.h"), (256, 256), 3, 6, 2, 2, 256, False)
    filtered = scan_documents(lm, docs, opts)
    monkeypatch.setattr(update_module, "CANDIDATES_PER_UNIT", 0)  # rank every window
    ranked = scan_documents(lm, docs, opts)
    for name in ("top", "bottom", "sample"):
        a, b = getattr(filtered, name), getattr(ranked, name)
        np.testing.assert_array_equal(np.sort(a.key, -1), np.sort(b.key, -1))
    np.testing.assert_array_equal(filtered.hist, ranked.hist)
