"""One process: documents → windows → a :class:`ScanState` (also what each Dask task runs)."""

from __future__ import annotations

from collections.abc import Iterable
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
    """Scan ``docs`` with ``model`` in this process and return the merged state."""
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
    recurrent = adapter_for(model).kind == "char-rnn"
    was_training = model.training
    model.eval()
    try:
        if recurrent:
            feeder = RecurrentFeeder(model, list(opts.layers), **common)
        else:
            feeder = TraceFeeder(model, list(opts.layers), {}, **common)
        prev = cur = None
        for w in feeder:
            if cur is not None:
                update(state, _block(prev or _blank(cur), cur, w))
                if prev is not None and hasattr(feeder, "recycle"):
                    feeder.recycle(prev.values)  # no longer read: the next window reuses it
            prev, cur = cur, w
        if cur is not None:
            update(state, _block(prev or _blank(cur), cur, _blank(cur)))
    finally:
        model.train(was_training)
    return state


def _block(prev: Window, cur: Window, nxt: Window) -> Block:
    return Block(
        windows=(prev.values, cur.values, nxt.values),
        keys=np.concatenate([prev.keys, cur.keys, nxt.keys], axis=1),
        chars=np.concatenate([prev.chars, cur.chars, nxt.chars], axis=1),
        features=cur.features,
    )
