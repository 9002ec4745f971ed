"""One process: documents → windows → a :class:`ScanState` (also what each Dask task runs)."""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import torch

from .corpus import Document
from .feed import RecurrentFeeder, TraceFeeder, Window, feature_names
from .state import Options, ScanState
from .update import Block, update


def empty_state(opts: Options) -> ScanState:
    bools, nums = feature_names() if opts.features else ([], [])
    return ScanState(opts.units, opts.k, opts.context, opts.samples, bools, nums)


def _blank(w: Window) -> Window:
    return Window(
        torch.zeros_like(w.values),
        np.full_like(w.keys, -1),
        np.full_like(w.chars, -1),
        None if w.features is None else np.full_like(w.features, np.nan),
    )


def scan_documents(
    model: Any, docs: Iterable[Document], opts: Options, on_document: Any = None
) -> ScanState:
    """Scan ``docs`` with ``model`` (or its adapter) in this process and return the merged state."""
    from ..models import adapter_for

    state = empty_state(opts)
    names = state.bool_features + state.num_features
    common = dict(
        docs=iter(docs),
        lanes=opts.batch_size,
        width=opts.window,
        feature_names=names or None,
        on_document=on_document,
    )
    adapter = adapter_for(model)
    module = adapter.model
    was_training = getattr(module, "training", False)
    if hasattr(module, "eval"):
        module.eval()
    try:
        derived = opts.derived  # SAE feature layers: the model computes what they read
        layers = list(opts.layers if derived is None else derived.source)
        feeder: RecurrentFeeder | TraceFeeder
        if adapter.kind == "char-rnn":
            feeder = RecurrentFeeder(module, layers, **common)
        else:
            feeder = TraceFeeder(adapter, layers, **common)
        windows: Iterable[Window] = feeder
        if derived is not None:
            windows = (dataclasses.replace(w, values=derived.apply(w.values)) for w in feeder)
        recycle = derived is None  # derived windows are new arrays, not the feeder's
        prev = cur = None
        for w in _ahead(windows):
            if cur is not None:
                update(state, _block(prev or _blank(cur), cur, w))
                if prev is not None and recycle:
                    feeder.recycle(prev.values)  # no longer read: a later window reuses it
            prev, cur = cur, w
        if cur is not None:
            update(state, _block(prev or _blank(cur), cur, _blank(cur)))
    finally:
        if hasattr(module, "train"):
            module.train(was_training)
    return state


def _ahead(windows: Iterable[Window], depth: int = 2) -> Iterator[Window]:
    """``windows``, computed in a second thread up to ``depth`` ahead of the reader.

    The model's forward pass (torch) and the folding of the previous window into the state
    (numpy) both release the GIL, so on two cores they overlap. An error in either thread
    stops both and is raised here.
    """
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for w in windows:
                while not stop.is_set():
                    try:
                        out.put(w, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            out.put(done)
        except BaseException as error:  # handed to the reader
            out.put(error)

    worker = threading.Thread(target=produce, name="scan-forward", daemon=True)
    worker.start()
    try:
        while True:
            item = out.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                out.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def _block(prev: Window, cur: Window, nxt: Window) -> Block:
    return Block(
        windows=(prev.values, cur.values, nxt.values),
        keys=np.concatenate([prev.keys, cur.keys, nxt.keys], axis=1),
        chars=np.concatenate([prev.chars, cur.chars, nxt.chars], axis=1),
        features=cur.features,
        count=cur.count,
    )
