"""Representations for probing: one vector per example from every layer (a sentence mean-pooled,
or each labelled character), and the group each example belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..sae import add_features
from .tasks import ProbingTask


def _hf_sentence_batches(
    adapter: Any,
    texts: Sequence[str],
    layers: Sequence[str] | None,
    batch_size: int,
    progress: bool,
    desc: str,
) -> dict[str, np.ndarray] | None:
    """Mean-pooled ``embed`` / ``blocks.{k}.resid`` per sentence, ``batch_size`` sentences per
    forward pass (the adapter's padding and truncation; padding and special tokens left out,
    as in one trace per sentence). Sentences are batched in order of length, so a batch pads
    to about its own length rather than to its longest sentence's (a third of MiniLM's time
    on WordNet sentences went on padding); rows come back in the order of ``texts``.
    ``None`` when the model gives no hidden states this way (the caller traces one by one)."""
    import torch
    from tqdm.auto import tqdm

    batch = getattr(adapter, "batch", None)
    if batch is None or adapter.kind == "hf-encoder-decoder":
        return None
    model = adapter.module
    out: dict[str, list[np.ndarray]] = {}
    was_training = model.training
    model.eval()
    device = adapter.device
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    try:
        with torch.no_grad():
            for i in tqdm(range(0, len(texts), batch_size), desc=desc, disable=not progress):
                enc = batch([texts[j] for j in order[i : i + batch_size]])
                special = enc.pop("special_tokens_mask")
                keep = (enc["attention_mask"].bool() & ~special).unsqueeze(-1).float().to(device)
                inputs = {k: v.to(device) for k, v in enc.items()}
                states = getattr(
                    adapter.forward(inputs, output_hidden_states=True), "hidden_states", None
                )
                if not states:
                    return None
                names = ["embed"] + [f"blocks.{k}.resid" for k in range(len(states) - 1)]
                for name, h in zip(names, states, strict=True):
                    if layers is None or name in layers:
                        pooled = (h.float() * keep).sum(1) / keep.sum(1).clamp(min=1)
                        out.setdefault(name, []).append(pooled.cpu().numpy())
    finally:
        model.train(was_training)
    back = np.argsort(np.asarray(order, dtype=np.int64))  # sorted position of each text
    return {k: np.concatenate(v)[back] for k, v in out.items()}


def representations(
    model: Any,
    task: ProbingTask,
    tokenizer: Any = None,
    layers: Sequence[str] | None = None,
    progress: bool = True,
    batch_size: int = 32,
    sae: Any = None,
):
    """``(X: layer → (n_examples, units), y, y_control)``: mean-pooled per sentence, or per character.

    ``sae``: sparse autoencoder(s) whose features join as ``"<layer>.sae"`` layers
    (:func:`interpwidgets.sae.add_features`; per-text traces only).

    Sentence tasks on a Hugging Face encoder run ``batch_size`` sentences per forward pass;
    character models are traced one text at a time (each text is one long sequence).
    """
    from tqdm.auto import tqdm

    from ..models import adapter_for

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    desc = f"representations ({task.name})"
    adapter = adapter_for(model, tokenizer)
    if task.level == "sentence" and sae is None:
        xs_b = _hf_sentence_batches(adapter, task.texts, layers, batch_size, progress, desc)
        if xs_b is not None:
            if not xs_b:
                raise KeyError(
                    f"layers: none of {list(layers or [])} is in the model's hidden states"
                )
            assert task.control is not None  # filled by ProbingTask.__post_init__
            y = np.concatenate([np.atleast_1d(v) for v in task.labels])
            c = np.concatenate([np.atleast_1d(v) for v in task.control])
            return xs_b, y, c
    xs: dict[str, list[np.ndarray]] = {}
    ys, cs = [], []
    assert task.control is not None
    for text, y, c in tqdm(
        list(zip(task.texts, task.labels, task.control, strict=True)),
        desc=desc,
        disable=not progress,
    ):
        tr = add_features(adapter.trace(text, progress=False), sae)
        names = [
            n
            for n in tr.names
            if (layers is None and (n.endswith((".h", ".resid", ".sae")) or n == "embed"))
            or (layers is not None and n in layers)
        ]
        if not names:
            raise KeyError(
                f"layers: none of {list(layers or [])} is in the trace; expected some of {tr.names}"
            )
        if task.level == "sentence":
            keep = tr.offsets[:, 1] > tr.offsets[:, 0]
            for name in names:
                xs.setdefault(name, []).append(tr.activations[name][keep].mean(0, keepdims=True))
            ys.append(np.atleast_1d(y))
            cs.append(np.atleast_1d(c))
        else:
            y, c = np.asarray(y), np.asarray(c)
            keep = y >= 0
            for name in names:
                xs.setdefault(name, []).append(tr.activations[name][keep])
            ys.append(y[keep])
            cs.append(c[keep])
    return {k: np.concatenate(v) for k, v in xs.items()}, np.concatenate(ys), np.concatenate(cs)


def example_groups(task: ProbingTask) -> np.ndarray:
    """The group of every example :func:`representations` returns, in its order: the
    sentence's group, or the text's group repeated for each of its labelled characters."""
    assert task.groups is not None
    if task.level == "sentence":
        return np.asarray([str(g) for g in task.groups], dtype=object)
    out = []
    for g, y in zip(task.groups, task.labels, strict=True):
        out.extend([str(g)] * int((np.asarray(y) >= 0).sum()))
    return np.asarray(out, dtype=object)
