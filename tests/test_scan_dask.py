"""Corpus scans on a Dask cluster (two worker processes on this machine)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest
import torch

import interpwidgets as iw
from interpwidgets.zoo.corpus import stdlib_files

distributed = pytest.importorskip("distributed")

LAYERS = ["rnn.0.c", "rnn.1.h"]
# the test process's pid; worker processes inherit it (they import this module afresh)
CLIENT_PID = int(os.environ.setdefault("IW_TEST_CLIENT_PID", str(os.getpid())))


class DyingEmbedding(torch.nn.Embedding):
    """Kills the Dask worker process it runs in while ``flag`` exists (once, or always)."""

    flag = ""

    def forward(self, ids):
        if os.getpid() == CLIENT_PID:  # not on a worker: the client traces a probe text
            return super().forward(ids)
        if self.flag and os.path.exists(self.flag):
            if not self.flag.endswith(".always"):
                os.remove(self.flag)
            os._exit(1)
        return super().forward(ids)


@pytest.fixture(scope="module")
def cluster():
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as lc,
        distributed.Client(lc) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def corpus():
    return {f.name: f.read_text()[: 400 + 150 * i] for i, f in enumerate(stdlib_files("val")[:6])}


def _same(a: iw.Scan, b: iw.Scan) -> None:
    assert a.docs == b.docs and a.meta["n_chars"] == b.meta["n_chars"]
    rng = np.random.default_rng(1)
    for layer in LAYERS:
        for unit in rng.choice(256, size=10, replace=False):
            for which in ("top", "bottom", "quantiles"):
                fa, fb = (getattr(s, which)(layer, int(unit)) for s in (a, b))
                pd.testing.assert_frame_equal(
                    fa.drop(columns="value"), fb.drop(columns="value"), check_exact=True
                )
                np.testing.assert_allclose(fa["value"], fb["value"], atol=1e-4)
    # other batchings round differently (~1e-7): a value on a bin edge may change bins
    assert np.abs(a.state.hist - b.state.hist).sum() <= max(4, 1e-4 * a.state.hist.sum())
    pd.testing.assert_frame_equal(a.stats, b.stats, atol=1e-4)


def test_cluster_scan_equals_the_local_one(cluster, corpus):
    lm = iw.zoo.char_lstm()
    local = iw.scan(lm, corpus, layers=LAYERS, k=5, batch_size=2, progress=False)
    remote = iw.scan(
        lm, corpus, layers=LAYERS, k=5, batch_size=2, client=cluster, shards=3, progress=False
    )
    assert remote.meta["engine"] == "dask"
    _same(local, remote)


def test_sae_features_on_the_cluster_equal_the_local_ones(cluster, corpus):
    lm, sae = iw.zoo.char_lstm(), iw.zoo.sae("char_lstm")
    kw = dict(layers=["rnn.1.c.sae"], sae=sae, k=4, batch_size=2, features=False, progress=False)
    local = iw.scan(lm, corpus, **kw)
    remote = iw.scan(lm, corpus, client=cluster, shards=3, **kw)
    assert remote.meta["sae"] == local.meta["sae"] == {"rnn.1.c.sae": repr(sae)}
    for unit in (0, 17, 500, 1023):
        a, b = local.top("rnn.1.c.sae", unit), remote.top("rnn.1.c.sae", unit)
        assert a["position"].tolist() == b["position"].tolist(), unit
        np.testing.assert_allclose(a["value"], b["value"], rtol=1e-4, atol=1e-3)


def _dying_model(flag: str):
    lm = iw.zoo.char_lstm()
    emb = DyingEmbedding(lm.embedding.num_embeddings, lm.embedding.embedding_dim)
    emb.load_state_dict(lm.embedding.state_dict())
    emb.flag = flag
    lm.embedding = emb
    return lm


def test_a_worker_that_dies_once_is_replaced_and_the_result_is_whole(cluster, corpus, tmp_path):
    flag = str(tmp_path / "die.once")
    open(flag, "w").close()
    sc = iw.scan(
        _dying_model(flag), corpus, layers=LAYERS, k=5, batch_size=2, client=cluster,
        shards=3, progress=False,
    )  # fmt: skip
    assert not os.path.exists(flag)  # a worker did die
    local = iw.scan(iw.zoo.char_lstm(), corpus, layers=LAYERS, k=5, batch_size=2, progress=False)
    _same(local, sc)


def test_a_shard_that_keeps_killing_workers_fails_the_scan(cluster, corpus, tmp_path):
    flag = str(tmp_path / "die.always")
    open(flag, "w").close()
    # (?s): Dask's own message (quoted inside ours) may span lines
    with pytest.raises(RuntimeError, match="(?s)^client: .*no partial result"):
        iw.scan(
            _dying_model(flag), corpus, layers=LAYERS, k=5, client=cluster, shards=2,
            progress=False,
        )  # fmt: skip
    os.remove(flag)
    cluster.wait_for_workers(2, timeout=180)  # the nanny restarts them; slow on a busy machine
