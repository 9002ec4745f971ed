"""Traces of the causal character Transformer (``interpwidgets.zoo.char_transformer``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .core import Trace
from .rnn import char_ids, check_ids_fit, check_top_k

#: windows of a long text run side by side in one forward pass
WINDOWS_PER_BATCH = 16


@torch.no_grad()
def trace_char_transformer(
    model: Any,
    text: str,
    top_k: int = 5,
    attention: bool | None = None,
    progress: bool | None = None,
    dtype: Any = "float32",
    spill: Any = "auto",
) -> Trace:
    """Run the char Transformer over ``text`` and record every block.

    Arrays: ``blocks.{k}.resid`` (residual stream after block k, ``d_model`` units) and
    ``blocks.{k}.mlp`` (MLP neurons after the GELU, ``d_mlp`` units). ``trace.attention``
    holds every layer's and head's weights when the text fits in one context window
    (``attention=None``: only then; ``True`` raises if it does not fit). Longer texts run in
    overlapping windows (stride half the context) so every position sees at least half a
    context of history; each position is read from the window where it has the most.

    ``dtype`` and ``spill`` decide where the arrays go, as for recurrent models
    (:func:`interpwidgets.trace.rnn.trace_rnn`, :mod:`interpwidgets.trace.store`); the size
    is estimated, and a trace that would not fit refused, before the model runs.
    """
    from tqdm.auto import tqdm

    from .store import Store, plan

    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not text:
        raise ValueError("text: expected a non-empty str, got ''")
    ctx = model.context
    if attention and len(text) > ctx:
        raise ValueError(
            f"attention: the text has {len(text)} characters; attention is recorded for at most context={ctx}"
        )
    want_attn = len(text) <= ctx if attention is None else bool(attention)
    top_k = min(check_top_k(top_k), model.head.out_features)
    widths = {
        f"blocks.{k}.{name}": size
        for k, block in enumerate(model.blocks)
        for name, size in (("resid", block.fc2.out_features), ("mlp", block.fc1.out_features))
    }
    where = plan(len(text), widths, dtype, spill)  # raises now if the arrays would not fit
    ids, unknown = char_ids(text, model.vocab, model.unk_index)
    check_ids_fit(ids, unknown, model.embedding.num_embeddings)
    was_training = model.training
    model.eval()
    device = model.head.weight.device
    n, half = len(text), ctx // 2
    starts = [0] if n <= ctx else list(range(0, n - ctx, half)) + [n - ctx]
    store = Store(where)
    preds_p, preds_i = np.zeros((n, top_k), np.float32), np.zeros((n, top_k), np.int64)
    attn = None
    groups = [starts[i : i + WINDOWS_PER_BATCH] for i in range(0, len(starts), WINDOWS_PER_BATCH)]
    try:
        w = 0
        for group in tqdm(
            groups,
            desc="trace",
            disable=not (progress if progress is not None else len(starts) > 8 * WINDOWS_PER_BATCH),
        ):
            # windows of one length run side by side: each is still computed on its own
            batch = np.stack([ids[s : s + ctx] for s in group])
            records: list[dict] = []
            logits, _ = model(torch.as_tensor(batch, device=device), records=records)
            for j, s in enumerate(group):
                keep_from = 0 if w == 0 else starts[w - 1] + ctx - s  # what the last did not cover
                sl = slice(s + keep_from, s + min(ctx, n - s))
                for k, rec in enumerate(records):
                    for name in ("resid", "mlp"):
                        store.put(
                            f"blocks.{k}.{name}",
                            sl.start,
                            rec[name][j, keep_from:][: sl.stop - sl.start].float(),
                        )
                if top_k:
                    p, i = torch.softmax(logits[j, keep_from:].float(), -1).topk(top_k, -1)
                    preds_p[sl], preds_i[sl] = p.cpu().numpy(), i.cpu().numpy()
                w += 1
            if want_attn:
                attn = torch.stack([rec["attn"][0] for rec in records]).float().cpu().numpy()
        arrays = store.arrays()
    finally:
        store.close()
        model.train(was_training)
    meta: dict[str, Any] = {
        "model": type(model).__name__,
        "layers": len(model.blocks),
        "context": ctx,
        "storage": where.describe(),
    }
    if unknown.any():
        meta["unknown_chars"] = np.nonzero(unknown)[0]
    predictions = None
    if top_k:
        predictions = {
            "tokens": np.array(list(model.vocab), dtype=object)[preds_i],
            "probs": preds_p,
        }
    return Trace.from_arrays(text, arrays, predictions=predictions, attention=attn, **meta)
