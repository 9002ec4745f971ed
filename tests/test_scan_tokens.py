"""Corpus scans of token models (Hugging Face): one position per token, values = iw.trace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import interpwidgets as iw
from interpwidgets.scan.feed import TraceFeeder
from interpwidgets.zoo.corpus import stdlib_files

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def minilm():
    return iw.zoo.minilm()


@pytest.fixture(scope="module")
def texts():
    files = stdlib_files("val")[:4]
    return {f.name: f.read_text()[: 300 + 250 * i] for i, f in enumerate(files)}


def test_top_equals_brute_force_over_traces(minilm, texts):
    enc, tok = minilm
    sc = iw.scan(
        enc, texts, tokenizer=tok, layers=[2], k=5, context=10, batch_size=2, progress=False
    )
    layer = sc.stats["layer"].iloc[0]
    assert sc.meta["positions"] == "tokens"
    traces = [iw.trace(enc, t, tokenizer=tok) for t in texts.values()]
    n_tokens = sum(int((tr.offsets[:, 1] > tr.offsets[:, 0]).sum()) for tr in traces)
    assert int(sc.stats.query("layer == @layer")["count"].iloc[0]) == n_tokens
    for unit in (0, 7, 100, 383):
        rows = []
        for d, tr in enumerate(traces):
            real = np.nonzero(tr.offsets[:, 1] > tr.offsets[:, 0])[0]
            v = tr.activations[layer][real, unit]
            rows += [
                (-float(x), d, int(tr.offsets[i, 0]), float(x))
                for i, x in zip(real, v, strict=True)
            ]
        rows.sort()
        top = sc.top(layer, unit)
        assert top["position"].tolist() == [r[2] for r in rows[:5]]
        np.testing.assert_allclose(top["value"], [r[3] for r in rows[:5]], atol=1e-4)
        # the context is the document's text, the kept token's value over its characters
        first = top.iloc[0]
        text = list(texts.values())[int(first["doc_id"])]
        assert first["context"] == text[first["start"] : first["end"]]
        vals = sc.context_values(layer, unit)[0]
        assert np.isclose(vals[first["focus"]], first["value"], atol=2e-3)


def test_long_documents_are_read_in_pieces(minilm, monkeypatch):
    enc, tok = minilm
    monkeypatch.setattr(TraceFeeder, "PIECE", 300)
    text = stdlib_files("val")[5].read_text()[:2000]
    sc = iw.scan(enc, {"long.py": text}, tokenizer=tok, layers=[1], k=3, progress=False)
    top = sc.top(sc.stats["layer"].iloc[0], 5)
    assert (top["position"] < len(text)).all()
    # every token of the text counts once: as many as one trace of the whole text holds
    ids = tok(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    starts = {a for a, b in ids if b > a}
    assert abs(int(sc.stats["count"].iloc[0]) - len(starts)) <= 0.02 * len(starts)


def test_token_model_needs_its_tokenizer(minilm):
    enc, _tok = minilm
    with pytest.raises((TypeError, ValueError), match="tokenizer"):
        iw.scan(enc, ["x = 1"], progress=False)


def test_batched_documents_equal_one_at_a_time(minilm, texts):
    """Hugging Face models run new documents as one padded batch; a model traced one document
    at a time (the same MiniLM wrapped by nnsight) gives the same scan."""
    nnsight = pytest.importorskip("nnsight")
    enc, tok = minilm
    opts = dict(tokenizer=tok, layers=["blocks.1.resid"], k=4, context=8, batch_size=3)
    batched = iw.scan(enc, texts, progress=False, **opts)
    single = iw.scan(nnsight.NNsight(enc), texts, progress=False, **opts)
    assert single.meta["positions"] == batched.meta["positions"] == "tokens"
    for unit in (0, 50, 200):
        a, b = batched.top("blocks.1.resid", unit), single.top("blocks.1.resid", unit)
        assert a["position"].tolist() == b["position"].tolist()
        np.testing.assert_allclose(a["value"], b["value"], atol=1e-4)
    pd.testing.assert_frame_equal(batched.stats, single.stats, atol=1e-4)
