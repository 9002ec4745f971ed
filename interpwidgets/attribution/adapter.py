"""One text on one model, for attributions: ids, embeddings, a forward from either, the labels.

Threads: calls on one model are serialised by a per-model lock (so LIME's seeded sampling and
the eval-mode switch cannot interleave), and the hook swaps embeddings only for forwards made
by its own call (a context variable names the call), so another thread's forward of the same
model, or a forward outside :func:`~interpwidgets.attribute`, sees the model unchanged.
"""

from __future__ import annotations

import contextvars
import threading
import weakref
from typing import Any

import numpy as np

#: (adapter, embeddings) of the forward being made by this thread/context, or None.
_ACTIVE: contextvars.ContextVar[tuple[Any, Any] | None] = contextvars.ContextVar(
    "interpwidgets_attribution_embeddings", default=None
)
_LOCKS: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _model_lock(model: Any) -> threading.RLock:
    """One re-entrant lock per model object: attribute() calls on it run one at a time."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(model)
        if lock is None:
            lock = _LOCKS[model] = threading.RLock()
        return lock


def _model_adapter(model: Any, tokenizer: Any) -> Any:
    """The model's adapter (:func:`interpwidgets.models.adapter_for`), its errors worded for
    attributions: they need an embedding layer to perturb."""
    from ..models import adapter_for

    try:
        return adapter_for(model, tokenizer)
    except (TypeError, ValueError):
        if tokenizer is not None:
            raise ValueError(
                "model: found no embedding layer (tried model.get_input_embeddings()); attributions need one"
            ) from None
        raise ValueError(
            "model: expected a Hugging Face classifier with tokenizer=…, or a character model with an "
            "nn.Embedding and a .vocab (tried tokenizer, get_input_embeddings(), nn.Embedding)"
        ) from None


def _torch_module(model: Any, tokenizer: Any) -> Any:
    """The torch module that holds the weights (under a wrapper such as nnsight's), or
    ``model`` itself when no adapter takes it (the caller's checks then name the problem)."""
    from ..models import adapter_for

    try:
        return getattr(adapter_for(model, tokenizer), "module", model)
    except (TypeError, ValueError, ImportError):
        return model


class _Adapter:
    """Ids ↔ model for one text: forward by ids or by embeddings, labels, probabilities."""

    def __init__(
        self, model: Any, text: str, tokenizer: Any, position: int, max_length: int | None
    ):
        import torch

        self.torch = torch
        self.model = model
        self.text = text
        self.meta: dict[str, Any] = {}
        self.limit: int | None = None
        self.source = ma = _model_adapter(model, tokenizer)
        self.model = getattr(ma, "module", model)  # the torch module under a wrapper (nnsight)
        emb = ma.embedding_layer()
        self.labels = ma.class_labels()
        self.n_classes = len(self.labels)
        self.pad_id, self.mask_id = ma.pad_ids()
        if not ma.kind.startswith("char"):
            # a classifier: the whole text (one truncation rule, the adapter's) → class scores
            self.kind = "hf"
            model_max = ma.limit(None)
            if max_length is not None and max_length < 2:
                raise ValueError(
                    f"max_length: expected an int ≥ 2 (room for the special tokens), got {max_length}"
                )
            if max_length is not None and max_length > model_max:
                raise ValueError(
                    f"max_length: expected at most {model_max} (the model's maximum), got {max_length}"
                )
            enc = ma.encode(text, max_length)
            self.limit = enc.limit
            if enc.truncated:
                self.meta["truncated"] = enc.truncated
            self.offsets, self.special, self.tokens = enc.offsets, enc.special, enc.tokens
            self.ids = torch.as_tensor(enc.ids)[None]
            self.extra = {"attention_mask": torch.ones_like(self.ids)}
            if enc.type_ids is not None:
                self.extra["token_type_ids"] = torch.as_tensor(enc.type_ids)[None]
            self.position = None
            self.trace_options: dict[str, Any] = {"max_length": self.limit}
        else:
            # a character model: the characters before ``position`` → the next character
            self.kind = "char"
            ctx = ma.context
            if max_length is not None and (ctx is None or max_length < ctx):
                ctx, why = max_length, "max_length"
            else:
                why = "the model's context"
            if ctx is not None and len(text) > ctx:
                self.meta["truncated"] = (
                    f"input truncated to the last {ctx} of {len(text)} characters ({why})"
                )
                text = text[-ctx:]
                self.text = text
            enc = ma.encode(text)
            self.ids = torch.as_tensor(enc.ids)[None]
            self.extra = {}
            self.tokens, self.offsets, self.special = enc.tokens, enc.offsets, enc.special
            if isinstance(position, (bool, np.bool_)) or not isinstance(
                position, (int, np.integer)
            ):
                raise TypeError(f"position: expected an int, got {type(position).__name__}")
            if not -len(text) <= position < len(text):
                raise ValueError(
                    f"position: expected an index into the {len(text)} characters, got {position}"
                )
            self.position = position
            self.trace_options = {}
        self.embedding = emb
        self._hook = emb.register_forward_hook(self._swap)

    def _swap(self, _module, _inputs, output):
        # Only forwards made by this call's logits_from_embeddings see the swapped embeddings.
        active = _ACTIVE.get()
        return active[1] if active is not None and active[0] is self else output

    def close(self) -> None:
        self._hook.remove()

    def logits_from_ids(self, ids):
        if self.kind == "hf":
            extra = {k: v.expand(ids.shape[0], -1) for k, v in self.extra.items()}
            out = self.model(input_ids=ids, **extra)
            if getattr(out, "logits", None) is None:
                raise TypeError(
                    f"model: expected a classifier whose output has .logits (e.g. "
                    f"AutoModelForSequenceClassification), got {type(self.model).__name__} "
                    f"returning {type(out).__name__}"
                )
            return out.logits
        out = self.model(ids)
        logits = out[0] if isinstance(out, tuple) else out
        return logits[:, self.position]

    def logits_from_embeddings(self, embeds):
        ids = self.ids.expand(embeds.shape[0], -1)
        token = _ACTIVE.set((self, embeds))
        try:
            return self.logits_from_ids(ids)
        finally:
            _ACTIVE.reset(token)

    def embeddings(self, ids):
        return self.embedding(ids).detach()


class _EmbedModule:
    """An nn.Module view of ``logits_from_embeddings`` (DeepLift needs a module)."""

    def __new__(cls, adapter: _Adapter):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = adapter.model

            def forward(self, embeds):
                return adapter.logits_from_embeddings(embeds)

        return Wrapped()
