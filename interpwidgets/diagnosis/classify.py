"""What the diagnoses share: a classifier's probabilities on a batch of texts, and their argument checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .perturbations import KINDS


def _predict(
    model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 32, name: str = "model"
) -> np.ndarray:
    """Class probabilities of ``texts``, ``batch_size`` at a time, tokenised by the model's
    adapter (its one truncation rule); ``name`` is the argument an error names."""
    import torch

    from ..models import adapter_for
    from ..models.hf import HFAdapter

    adapter = adapter_for(model, tokenizer)
    if not isinstance(adapter, HFAdapter):  # batches of padded texts: a Hugging Face classifier
        raise TypeError(
            f"{name}: expected a Hugging Face sequence classifier, got {type(model).__name__}"
        )
    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            enc = adapter.batch(texts[i : i + batch_size])
            enc.pop("special_tokens_mask")
            inputs = {k: v.to(adapter.device) for k, v in enc.items()}
            out.append(torch.softmax(adapter.forward(inputs).logits.float(), -1).cpu().numpy())
    return np.concatenate(out)


def _check_texts(texts: Any) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence) or not texts:
        raise TypeError(f"texts: expected a non-empty list of str, got {type(texts).__name__}")
    out = []
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}]: expected a str, got {type(t).__name__}")
        if not t.strip():
            raise ValueError(f"texts[{i}]: expected a non-empty str, got {t!r}")
        out.append(t)
    return out


def _check_classifier(model: Any, tokenizer: Any, model_name: str, tok_name: str) -> None:
    """A Hugging Face sequence classifier (a torch module) and a callable tokenizer."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"{model_name}: expected a Hugging Face sequence classifier (a torch.nn.Module), "
            f"got {type(model).__name__}"
        )
    if tokenizer is None or not callable(tokenizer):
        raise TypeError(
            f"{tok_name}: expected the model's tokenizer (callable on a list of texts), "
            f"got {type(tokenizer).__name__}"
        )


def _labels(model: Any, n_classes: int) -> list[str]:
    """Class names from ``model.config.id2label`` (the class index as a str where it has none)."""
    id2label = getattr(getattr(model, "config", None), "id2label", None) or {}
    return [str(id2label.get(i, i)) for i in range(n_classes)]


def _check_kinds(kinds: Any) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    if not isinstance(kinds, Sequence) or not kinds:
        raise TypeError(
            f"kinds: expected a non-empty list of names from {KINDS}, got {type(kinds).__name__}"
        )
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"kinds: expected names from {KINDS}, got {bad}")
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds: expected each name once, got {list(kinds)}")
    return tuple(kinds)


def _check_seed_rate(seed: Any, rate: Any) -> tuple[int, float]:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    if (
        isinstance(rate, (bool, np.bool_))
        or not isinstance(rate, (int, float, np.integer, np.floating))
        or not 0 <= rate <= 1
    ):
        raise ValueError(f"rate: expected a number in [0, 1], got {rate!r}")
    return int(seed), float(rate)
