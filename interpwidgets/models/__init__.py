"""Model adapters: one per model family, and :func:`adapter_for`, the one place that looks at
a model's type.

* Hugging Face encoder / decoder / encoder-decoder: :class:`~.hf.HFAdapter` (extra ``hf``)
* character RNN (``nn.LSTM``/``GRU``/``RNN``): :class:`~.char.CharRNNAdapter` (``torch``)
* the character Transformer: :class:`~.char.CharTransformerAdapter` (``torch``)
* other character models (``.vocab`` + ``nn.Embedding``; attributions only):
  :class:`~.char.CharModelAdapter`
* TransformerLens ``HookedTransformer``: :class:`~.transformer_lens.HookedAdapter` (``tl``)
* nnsight wrappers of Hugging Face models: :class:`~.nnsight.NNsightAdapter` (``nnsight``)
* caches those libraries record: :mod:`~.caches` (``iw.Trace.from_cache``)

SAELens SAEs are not models but a layer on top of one: ``iw.trace(..., sae=sae)``
(:mod:`interpwidgets.sae`, extra ``sae``). ``trace``, ``attribute``, ``probe``,
``diagnosis`` and ``scan`` ask an adapter; adding a family means adding one module here.
This package imports no model library at import time.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import Adapter, Encoding, token_limit

#: module name → the extra that installs it.
EXTRAS = {
    "torch": "torch",
    "transformers": "hf",
    "transformer_lens": "tl",
    "nnsight": "nnsight",
    "sae_lens": "sae",
}


def require(module: str) -> Any:
    """Import ``module``, or raise ``ImportError`` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRAS.get(module.split(".")[0], "dev")
        raise ImportError(
            f"{module} is not installed: pip install 'interpwidgets[{extra}]' ({exc})"
        ) from None


def _from_package(obj: Any, package: str) -> bool:
    """``obj``'s class (or a base class) is defined in ``package`` — checked without importing it."""
    return any(
        (getattr(c, "__module__", "") or "").split(".")[0] == package for c in type(obj).__mro__
    )


def adapter_for(model: Any, tokenizer: Any = None) -> Adapter:
    """The adapter of ``model``'s family (``model`` itself when it is one already).

    Raises ``TypeError``/``ValueError`` naming ``model`` or ``tokenizer`` when the model is of
    no known family, or a tokenizer is given to a model that takes none.
    """
    if isinstance(model, Adapter):
        return model
    if _from_package(model, "transformer_lens"):
        from .transformer_lens import HookedAdapter

        return HookedAdapter(model, tokenizer)
    if _from_package(model, "nnsight"):
        from .nnsight import NNsightAdapter

        return NNsightAdapter(model, tokenizer)
    from .hf import HFAdapter, is_hf

    if is_hf(model):
        return HFAdapter(model, tokenizer)
    torch = require("torch")
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    from .char import (
        CharModelAdapter,
        CharRNNAdapter,
        CharTransformerAdapter,
        is_char_transformer,
        recurrent_module,
    )

    if tokenizer is not None:
        raise TypeError(
            f"model: a tokenizer was given but {type(model).__name__} is not a Hugging Face model "
            "(no .config / .base_model_prefix); character models take no tokenizer"
        )
    if is_char_transformer(model):
        return CharTransformerAdapter(model)
    if recurrent_module(model) is not None:
        return CharRNNAdapter(model)
    if getattr(model, "vocab", None) is not None and any(
        isinstance(m, torch.nn.Embedding) for m in model.modules()
    ):
        return CharModelAdapter(model)
    raise ValueError(
        f"model: {type(model).__name__} has no nn.LSTM/nn.GRU/nn.RNN; only recurrent character models can be traced so far"
    )


__all__ = ["EXTRAS", "Adapter", "Encoding", "adapter_for", "require", "token_limit"]
