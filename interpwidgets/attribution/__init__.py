"""Attributions: which tokens pushed a prediction, by captum's methods, on equal terms.

One call, one result type: ``attribute(model, text, tokenizer=None, method=..., target=None)``
returns an :class:`Attribution` holding per-token scores for the target class, the model's
probabilities and, for Integrated Gradients, the completeness delta.

Gradient methods run on the output of the model's embedding layer (a forward hook swaps in
the embeddings captum asks for), so one code path serves Hugging Face classifiers and the
embedded char models; perturbation methods replace tokens by a baseline token id.

The parts: :mod:`.result` (the :class:`Attribution` and its word-level view), :mod:`.adapter`
(one text on one model: ids, embeddings, the hook and the per-model lock — the thread rules
are there), :mod:`.methods` (:data:`METHODS` and how each one is run); this module checks the
arguments and runs a call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .adapter import _Adapter, _model_lock, _torch_module
from .methods import METHODS, _attention_method, _gradient_method, _perturbation_method
from .result import Attribution

__all__ = ["METHODS", "Attribution", "attribute"]


def attribute(
    model: Any,
    text: str,
    tokenizer: Any = None,
    method: str = "integrated_gradients",
    target: int | str | None = None,
    all_targets: bool = False,
    baseline: str = "pad",
    n_steps: int = 100,
    internal_batch_size: int = 25,
    n_samples: int = 200,
    position: int = -1,
    top_k: int = 5,
    max_length: int | None = None,
    seed: int = 0,
) -> Attribution:
    """Attribute a prediction of ``model`` on ``text`` to its tokens, with captum.

    Args:
        model: a Hugging Face sequence classifier (pass ``tokenizer``) or an embedded char
            model (``iw.zoo.char_lstm()``), whose next-character prediction at ``position``
            is attributed to the characters before it.
        method: one of :data:`METHODS`: ``"saliency"`` (L2 norm of the gradient per token,
            unsigned), ``"input_x_gradient"``, ``"integrated_gradients"`` (on the embedding
            layer, with its completeness delta), ``"deeplift"``, ``"occlusion"`` (each token
            replaced by the baseline token), ``"lime"``, ``"kernel_shap"``, ``"attention"``
            (last layer, mean over heads, the [CLS]/predicting position's row) and
            ``"rollout"`` (attention rollout) — class-independent, for comparison.
        target: class index or label name; default the predicted class.
        all_targets: also compute every class (HF classifiers) or the ``top_k`` most likely
            next characters (char models), so widgets can switch targets without the kernel.
        baseline: ``"pad"`` / ``"mask"`` token embeddings or ``"zero"`` embeddings (IG, DeepLift);
            perturbation methods use the pad/mask token.
        n_steps, internal_batch_size: IG's steps and how many run in one batch.
        n_samples: samples for LIME / KernelSHAP.
        max_length: at most this many tokens (≥ 2 and at most the model's maximum for Hugging
            Face models; for char models, the last ``max_length`` characters); ``None``: the
            model's maximum.

    Calls on the same model from several threads run one at a time (a per-model lock) and
    return what serial calls return; forwards of the model outside the call are not affected.
    Texts longer than the model's maximum are truncated and ``meta["truncated"]`` says so.
    """
    import torch

    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"text: expected a non-empty str, got {text!r}")
    if method not in METHODS:
        raise ValueError(f"method: expected one of {list(METHODS)}, got {method!r}")
    if not isinstance(n_steps, int) or n_steps < 2:
        raise ValueError(f"n_steps: expected an int ≥ 2, got {n_steps!r}")
    for name, value in (
        ("n_samples", n_samples),
        ("internal_batch_size", internal_batch_size),
        ("top_k", top_k),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected an int ≥ 1, got {value!r}")
    if baseline not in ("pad", "mask", "zero"):
        raise ValueError(f"baseline: expected 'pad', 'mask' or 'zero', got {baseline!r}")
    if max_length is not None:
        if isinstance(max_length, (bool, np.bool_)) or not isinstance(
            max_length, (int, np.integer)
        ):
            raise TypeError(f"max_length: expected an int or None, got {type(max_length).__name__}")
        if max_length < 1:
            raise ValueError(f"max_length: expected an int ≥ 1 or None, got {max_length}")
        max_length = int(max_length)
    model = _torch_module(model, tokenizer)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model: expected a torch.nn.Module (a Hugging Face classifier or a char model), got {type(model).__name__}"
        )
    with _model_lock(model):
        return _attribute_locked(
            model, text, tokenizer, method, target, all_targets, baseline, n_steps,
            internal_batch_size, n_samples, position, top_k, max_length, seed,
        )  # fmt: skip


def _attribute_locked(
    model, text, tokenizer, method, target, all_targets, baseline, n_steps,
    internal_batch_size, n_samples, position, top_k, max_length, seed,
) -> Attribution:  # fmt: skip
    import torch
    from tqdm.auto import tqdm

    was_training = model.training
    model.eval()
    ad = _Adapter(model, text, tokenizer, position, max_length)
    try:
        with torch.no_grad():
            probs = torch.softmax(ad.logits_from_ids(ad.ids).float(), -1)[0].cpu().numpy()
        if len(ad.labels) != len(
            probs
        ):  # outputs that are not the vocabulary (or more classes than names)
            ad.labels = [
                ad.labels[i] if i < len(ad.labels) and ad.kind == "hf" else f"class {i}"
                for i in range(len(probs))
            ]
        target = _resolve_target(target, ad.labels, probs)
        classes = [target]
        if all_targets:
            ranked = list(np.argsort(-probs)) if ad.kind == "char" else list(range(ad.n_classes))
            classes = [target] + [
                int(c) for c in ranked[: top_k if ad.kind == "char" else None] if c != target
            ]
        scores: dict[int, np.ndarray] = {}
        deltas: dict[int, float] = {}
        attn = (
            _attention_method(model, text, tokenizer, method, ad)
            if method in ("attention", "rollout")
            else None
        )
        slow = (
            method in ("integrated_gradients", "lime", "kernel_shap", "occlusion")
            and len(classes) > 1
        )
        for cls in tqdm(classes, desc=method, disable=not slow, leave=False):
            if attn is not None:
                sc, d = attn, None
            elif method in ("occlusion", "lime", "kernel_shap"):
                sc, d = _perturbation_method(ad, method, cls, baseline, n_samples, seed)
            else:
                sc, d = _gradient_method(ad, method, cls, baseline, n_steps, internal_batch_size)
            scores[cls] = np.asarray(sc, dtype=np.float32)
            if d is not None:
                deltas[cls] = d
    finally:
        ad.close()
        model.train(was_training)
    return Attribution(
        text=ad.text,
        tokens=ad.tokens,
        offsets=ad.offsets,
        scores=scores[target],
        target=target,
        labels=ad.labels,
        probs=probs,
        method=method,
        delta=deltas.get(target),
        all_scores=scores,
        all_deltas=deltas,
        special=ad.special,
        meta={**ad.meta, "baseline": baseline, "n_steps": n_steps, "model": type(model).__name__},
    )


def _resolve_target(target: Any, labels: Sequence[str], probs: np.ndarray) -> int:
    if target is None:
        return int(np.argmax(probs))
    if isinstance(target, str):
        if target not in labels:
            shown = list(labels) if len(labels) <= 20 else f"{len(labels)} labels"
            raise ValueError(
                f"target: {target!r} is not a class of this model; expected one of {shown}"
            )
        return list(labels).index(target)
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, np.integer)):
        raise TypeError(f"target: expected a class index or label, got {type(target).__name__}")
    if not 0 <= int(target) < len(labels):
        raise ValueError(f"target: expected a class index in [0, {len(labels) - 1}], got {target}")
    return int(target)
