"""The attribution methods: their names, their baselines, and how captum runs each one."""

from __future__ import annotations

from typing import Any

from .adapter import _Adapter, _EmbedModule

#: method name → label shown in widgets and tables.
METHODS = {
    "saliency": "Saliency (‖gradient‖)",
    "input_x_gradient": "Gradient × input",
    "integrated_gradients": "Integrated Gradients",
    "deeplift": "DeepLift",
    "occlusion": "Occlusion",
    "lime": "LIME",
    "kernel_shap": "KernelSHAP",
    "attention": "Attention (last layer, mean of heads)",
    "rollout": "Attention rollout",
}


def _baseline_embeddings(ad: _Adapter, baseline: str):
    torch = ad.torch
    if baseline == "zero":
        return torch.zeros_like(ad.embeddings(ad.ids))
    if baseline not in ("pad", "mask"):
        raise ValueError(f"baseline: expected 'pad', 'mask' or 'zero', got {baseline!r}")
    return ad.embeddings(_baseline_ids(ad, baseline))


def _baseline_ids(ad: _Adapter, baseline: str):
    """Every non-special token replaced by the pad (or mask) token; special tokens kept."""
    token = ad.mask_id if baseline == "mask" else ad.pad_id
    ids = ad.ids.clone()
    keep = ad.torch.as_tensor(ad.special)[None]
    ids[~keep] = token
    return ids


def _gradient_method(
    ad: _Adapter, method: str, target: int, baseline: str, n_steps: int, internal_batch_size: int
):
    from captum.attr import DeepLift, InputXGradient, IntegratedGradients, Saliency

    embeds = ad.embeddings(ad.ids).requires_grad_(True)
    delta = None
    if method == "saliency":
        attr = Saliency(ad.logits_from_embeddings).attribute(embeds, target=target, abs=False)
        return attr[0].norm(dim=-1).detach().cpu().numpy(), None
    if method == "input_x_gradient":
        attr = InputXGradient(ad.logits_from_embeddings).attribute(embeds, target=target)
    elif method == "integrated_gradients":
        ig = IntegratedGradients(ad.logits_from_embeddings)
        attr, d = ig.attribute(
            embeds,
            baselines=_baseline_embeddings(ad, baseline),
            target=target,
            n_steps=n_steps,
            internal_batch_size=internal_batch_size,
            return_convergence_delta=True,
        )
        delta = float(d[0])
    elif method == "deeplift":
        attr = DeepLift(_EmbedModule(ad)).attribute(
            embeds, baselines=_baseline_embeddings(ad, baseline), target=target
        )
    else:  # pragma: no cover - guarded by the caller
        raise AssertionError(method)
    return attr[0].sum(-1).detach().cpu().numpy(), delta


def _perturbation_method(
    ad: _Adapter, method: str, target: int, baseline: str, n_samples: int, seed: int
):
    import torch

    base = _baseline_ids(ad, baseline if baseline != "zero" else "pad")
    mask = torch.arange(ad.ids.shape[1])[None]
    forward = ad.logits_from_ids
    with torch.random.fork_rng(devices=[]):  # seeded sampling without moving the caller's RNG
        torch.manual_seed(seed)
        return _perturb(ad, method, target, base, mask, forward, n_samples)


def _perturb(ad: _Adapter, method: str, target: int, base, mask, forward, n_samples: int):
    from captum.attr import FeatureAblation, KernelShap, Lime

    if method == "occlusion":
        attr = FeatureAblation(forward).attribute(
            ad.ids, baselines=base, target=target, feature_mask=mask
        )
    elif method == "lime":
        from captum._utils.models.linear_model import SkLearnLinearRegression

        attr = Lime(forward, interpretable_model=SkLearnLinearRegression()).attribute(
            ad.ids, baselines=base, target=target, feature_mask=mask, n_samples=n_samples
        )
    else:
        attr = KernelShap(forward).attribute(
            ad.ids, baselines=base, target=target, feature_mask=mask, n_samples=n_samples
        )
    return attr[0].float().detach().cpu().numpy(), None


def _attention_method(model: Any, text: str, tokenizer: Any, method: str, ad: _Adapter):
    from ..attention import rollout

    try:
        tr = ad.source.trace(ad.text, **ad.trace_options)
    except ValueError as exc:  # a model that records nothing to trace has no attention either
        if not str(exc).startswith("model:"):
            raise
        tr = None
    if tr is None or tr.attention is None:
        raise ValueError(
            f"method: {method!r} needs a model with attention; {type(model).__name__} has none"
        )
    if tr.attention.shape[-1] != len(ad.tokens):  # pragma: no cover - same tokenizer, same limit
        raise ValueError(
            f"method: {method!r} traced {tr.attention.shape[-1]} tokens where the attribution has "
            f"{len(ad.tokens)}"
        )
    # a character model's adapter always holds its position (only an HF one holds None)
    row = 0 if ad.kind == "hf" or ad.position is None else (ad.position % len(ad.tokens))
    if method == "attention":
        return tr.attention[-1].mean(0)[row]
    return rollout(tr.attention)[row]
