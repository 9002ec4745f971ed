"""Corpus scans: every unit of a model over millions of characters, in one streaming pass.

``iw.scan(model, corpus)`` reads documents one at a time (memory does not grow with the
corpus), runs the model on ``batch_size`` documents at once, and folds every window into a
mergeable per-unit state (:mod:`interpwidgets.scan.state`). With ``client=`` (a
``dask.distributed.Client``) shards of the corpus run on the cluster's workers and their
states are merged by Dask; the result is the same as in one process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from .corpus import Document, documents
from .result import Scan
from .sae_layers import FeatureLayers, as_list, feature_layer_names
from .state import Options, ScanState, merge

#: Characters per window and lane.
WINDOW = 256


def _check_int(value: Any, name: str, low: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name}: expected {what}, got {value}")
    return int(value)


def _layer_sizes(
    adapter: Any, layers: Any, saes: dict[str, Any] | None = None
) -> tuple[list[str], list[int], dict[str, int]]:
    """The chosen layers, their sizes, and the size of every layer (the SAEs' included)."""
    from ..sae import add_features

    names = adapter.layer_names()
    probe = adapter.trace("x = (1)\n", progress=False)
    if saes:
        probe = add_features(probe, list(saes.values()))
        names = [*names, *saes]
    sizes = {n: probe.activations[n].shape[1] for n in names if n in probe.activations}
    if layers is None:
        return names, [sizes[n] for n in names], sizes
    if isinstance(layers, (str, int)):
        layers = [layers]
    chosen = []
    for layer in layers:
        if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
            if not -len(names) <= int(layer) < len(names):
                raise ValueError(f"layers: index {layer} is out of range for {names}")
            layer = names[int(layer)]
        if not isinstance(layer, str):
            raise TypeError(f"layers: expected names or indices, got {type(layer).__name__}")
        if layer not in sizes:
            raise KeyError(
                f"layers: {layer!r} is not recorded for this model; expected any of {names}"
            )
        if layer not in chosen:
            chosen.append(layer)
    return chosen, [sizes[n] for n in chosen], sizes


def _adapter(model: Any, tokenizer: Any = None) -> Any:
    """The model's adapter (character models, and token models with their tokenizer)."""
    from ..models import adapter_for

    try:
        adapter = adapter_for(model, tokenizer)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"model: corpus scans take a model iw.trace knows (char models, Hugging Face "
            f"models with their tokenizer, TransformerLens, nnsight): {exc}"
        ) from None
    if adapter.kind == "char":
        raise TypeError(
            f"model: {type(model).__name__} has no recurrent or Transformer layers to record"
        )
    return adapter


def scan(
    model: Any,
    corpus: Any,
    *,
    layers: Any = None,
    k: int = 20,
    context: int = 32,
    batch_size: int | None = None,
    client: Any = None,
    progress: bool = True,
    features: bool = True,
    samples: int = 4,
    shards: int | None = None,
    tokenizer: Any = None,
    sae: Any = None,
) -> Scan:
    """Scan ``corpus`` with ``model``: every unit's top/bottom contexts, histogram, moments,
    interval samples and feature scores, in one streaming pass. Returns an :class:`Scan`.

    Args:
        model: a model ``iw.trace`` knows: character models (``iw.zoo.char_lstm()``, any
            ``nn.LSTM``/``GRU``/``RNN`` char model with ``.vocab``, ``iw.zoo.char_transformer()``)
            — one position per character — or token models (Hugging Face with ``tokenizer``,
            TransformerLens, nnsight) — one position per token, counted at its first
            character, its value shown over all its characters in contexts.
        corpus: documents — a list of str, a dict name → text, a list of paths, a directory
            (every ``*.py`` / ``*.txt`` under it), or any iterable of those (read once, lazily).
        layers: names or indices of the arrays ``iw.trace`` records (default: all of them).
        k: positions kept per unit at the top and at the bottom.
        context: characters kept on each side of a kept position.
        batch_size: documents run side by side (default 32 for recurrent models).
        client: a ``dask.distributed.Client``: shards of the corpus run on its workers.
        progress: a progress bar (characters) while scanning.
        features: score every unit against :func:`interpwidgets.features.python_code`.
        samples: contexts kept per activation interval (:meth:`Scan.quantiles`).
        shards: with ``client``, how many shards (default: up to 4 per worker, each of at
            least ``2 * batch_size`` documents so its lanes stay full).
        tokenizer: the tokenizer of a Hugging Face model (as for ``iw.trace``).
        sae: a sparse autoencoder (or a list of them, one per layer) as for
            ``iw.trace(..., sae=)``: its features of the layer it reads become the layer
            ``"<layer>.sae"`` (chosen with ``layers``; with ``layers=None``, every layer and
            every SAE's features). See :mod:`interpwidgets.scan.sae_layers`.

    Values equal ``iw.trace(model, document)``'s for each document: recurrent state is
    carried across windows within a document and reset between documents. A token model
    reads a document longer than its window in consecutive pieces of about
    4,096 characters (each value is then ``iw.trace`` of the piece that holds the token).
    """
    k = _check_int(k, "k", 1, "an int >= 1")
    context = _check_int(context, "context", 0, "an int >= 0")
    samples = _check_int(samples, "samples", 1, "an int >= 1")
    batch_size = (
        32 if batch_size is None else _check_int(batch_size, "batch_size", 1, "an int >= 1")
    )
    if not isinstance(features, (bool, np.bool_)):
        raise TypeError(f"features: expected True or False, got {type(features).__name__}")
    try:
        import torch  # noqa: F401
    except ImportError:  # pragma: no cover
        raise TypeError(
            "model: scanning needs torch (pip install 'interpwidgets[torch]')"
        ) from None
    adapter = _adapter(model, tokenizer)
    saes = feature_layer_names(as_list(sae))
    names, sizes, all_sizes = _layer_sizes(adapter, layers, saes)
    derived = FeatureLayers.build(names, all_sizes, saes)
    docs, count = documents(corpus)
    opts = Options(
        layers=tuple(names),
        sizes=tuple(sizes),
        k=k,
        context=context,
        samples=samples,
        batch_size=batch_size,
        window=max(WINDOW, context),
        features=bool(features),
        derived=derived,
    )
    start = time.perf_counter()
    if client is not None:
        from .distributed import scan_on_cluster

        state, doc_names, n_chars = scan_on_cluster(client, adapter, docs, opts, shards, progress)
    else:
        state, doc_names, n_chars = _scan_local(adapter, docs, count, opts, progress)
    if not doc_names:
        raise ValueError("corpus: expected at least one document, got none")
    if state.n == 0:
        raise ValueError("corpus: every document is empty; there is nothing to scan")
    meta = {
        "model": type(model).__name__,
        "n_chars": int(n_chars),
        "n_docs": len(doc_names),
        "seconds": round(time.perf_counter() - start, 3),
        "batch_size": batch_size,
        "window": opts.window,
        "engine": "dask" if client is not None else "local",
        "features": state.bool_features + state.num_features,
        "positions": "characters" if adapter.kind.startswith("char") else "tokens",
    }
    effects = adapter.output_effects(list(names if derived is None else derived.source))
    if derived is not None:
        # which layers hold SAE features (NeuronDashboard calls their units features)
        meta["sae"] = {name: repr(s) for name, s in derived.saes}
        effects = derived.effects(effects)
    return Scan(list(names), list(sizes), doc_names, state, meta, effects)


def _scan_local(
    model: Any, docs: Iterator[Document], count: int | None, opts: Options, progress: bool
):
    from tqdm.auto import tqdm

    names: list[str] = []
    bar = tqdm(total=None, unit="char", unit_scale=True, desc="scan", disable=not progress)
    total = [0]

    def seen(doc: Document, n: int) -> None:
        names.append(doc.name)
        total[0] += n
        bar.update(n)

    from .run import scan_documents

    try:
        state = scan_documents(model, docs, opts, on_document=seen)
    finally:
        bar.close()
    return state, names, total[0]


__all__ = ["Scan", "ScanState", "merge", "scan"]
