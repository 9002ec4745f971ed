"""Scans on a Dask cluster: shards of the corpus on workers, states merged by Dask.

Dask schedules everything (``client.scatter`` for the model, ``client.map`` for the shards,
``client.submit`` for a tree of merges, ``distributed.as_completed`` for progress); a task
whose worker dies is re-run by Dask elsewhere (``retries``), and a shard that still fails
fails the scan with its error: a partial result is never returned.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from itertools import islice
from typing import Any

from .corpus import Document
from .run import scan_documents
from .state import Options, ScanState, merge


def _scan_shard(
    model_bytes: bytes, docs: list[Document], opts: Options
) -> tuple[ScanState, list, int]:
    import torch
    from distributed import get_worker

    # one torch thread per Dask thread: more would spin against the other workers' threads
    torch.set_num_threads(max(1, get_worker().state.nthreads))
    model = pickle.loads(model_bytes)
    seen: list[tuple[int, str]] = []
    total = [0]

    def on_document(doc: Document, n: int) -> None:
        seen.append((doc.id, doc.name))
        total[0] += n

    state = scan_documents(model, docs, opts, on_document=on_document)
    return state, seen, total[0]


def _merge_parts(a: tuple, b: tuple) -> tuple:
    return merge(a[0], b[0]), a[1] + b[1], a[2] + b[2]


def _shards(docs: Iterator[Document], size: int) -> Iterator[list[Document]]:
    while True:
        shard = list(islice(docs, size))
        if not shard:
            return
        yield shard


def scan_on_cluster(
    client: Any,
    model: Any,
    docs: Iterator[Document],
    opts: Options,
    shards: int | None,
    progress: bool,
) -> tuple[ScanState, list[str], int]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover
        raise ImportError(
            "client: scanning on a cluster needs dask.distributed (pip install 'interpwidgets[dask]')"
        ) from None
    from tqdm.auto import tqdm

    if not isinstance(client, Client):
        raise TypeError(f"client: expected a dask.distributed.Client, got {type(client).__name__}")
    doc_list = list(docs)  # names and sizes are needed to cut shards; texts stay as given
    if not doc_list:
        raise ValueError("corpus: expected at least one document, got none")
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    # by default up to 4 shards per worker, each with enough documents to keep its lanes full
    n_shards = (
        shards
        if shards is not None
        else max(workers, min(4 * workers, len(doc_list) // (2 * opts.batch_size)))
    )
    if isinstance(n_shards, bool) or not isinstance(n_shards, int) or n_shards < 1:
        raise ValueError(f"shards: expected a positive int or None, got {shards!r}")
    size = max(1, -(-len(doc_list) // n_shards))
    parts = list(_shards(iter(doc_list), size))
    bar = tqdm(total=len(parts), unit="shard", desc="scan (dask)", disable=not progress)
    try:  # from the first message on: whatever the cluster does, one clear error
        # the model travels pickled: Dask's own torch serializer trips on nn.LSTM's weakrefs
        model_f = client.scatter(pickle.dumps(model), broadcast=True)
        futures = client.map(
            _scan_shard, [model_f] * len(parts), parts, [opts] * len(parts), retries=2, pure=False
        )
        for fut in as_completed(futures):
            if fut.status == "error":
                exc = fut.exception()
                raise RuntimeError(
                    f"client: a shard of the corpus failed on the cluster ({type(exc).__name__}: {exc}); "
                    "no partial result is returned"
                ) from exc
            bar.update(1)
        level = futures
        while len(level) > 1:  # a tree of merges, run by Dask where the states are
            nxt = [
                client.submit(_merge_parts, a, b, pure=False)
                for a, b in zip(level[::2], level[1::2], strict=False)
            ]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        state, seen, total = level[0].result()
    except Exception as exc:
        if isinstance(exc, RuntimeError) and str(exc).startswith("client:"):
            raise
        raise RuntimeError(
            f"client: the scan failed on the cluster ({type(exc).__name__}: {exc}); no partial result is returned"
        ) from exc
    finally:
        bar.close()
    names = [name for _, name in sorted(seen)]
    return state, names, total
