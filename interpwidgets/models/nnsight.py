"""nnsight-wrapped Hugging Face models (``nnsight.NNsight(model)``, ``LanguageModel``): the
same tokenising and trace as the wrapped model, with the forward pass run through nnsight's
tracing (so interventions set up on the wrapper apply). Needs ``pip install 'interpwidgets[nnsight]'``."""

from __future__ import annotations

from typing import Any

from . import require
from .hf import HFAdapter, is_hf

require("nnsight")


class NNsightAdapter(HFAdapter):
    """An nnsight wrapper around a Transformers model; ``tokenizer`` as for the wrapped model
    (the wrapper's own ``.tokenizer`` when it has one)."""

    def __init__(self, model: Any, tokenizer: Any = None) -> None:
        inner = getattr(model, "_module", None)
        if inner is None or not is_hf(inner):
            raise TypeError(
                f"model: expected an nnsight wrapper around a Hugging Face model, got "
                f"{type(model).__name__} around {type(inner).__name__}"
            )
        self._inner = inner
        if tokenizer is None:
            tokenizer = getattr(model, "tokenizer", None)
        super().__init__(model, tokenizer)
        self.kind = "nnsight"

    @property
    def module(self) -> Any:
        return self._inner

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> Any:
        with self.model.trace(**inputs, **kwargs):
            out = self.model.output.save()
        return out
