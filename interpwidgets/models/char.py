"""Character models: recurrent (embedding → nn.LSTM/GRU/RNN → linear, e.g.
``iw.zoo.char_lstm()``) and the causal character Transformer (``iw.zoo.char_transformer()``).
Every character is one token; there are no special tokens and no truncation."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .base import Adapter, Encoding


def is_char_transformer(model: Any) -> bool:
    """A character Transformer: ``vocab``, ``context``, ``blocks`` and a forward that takes
    ``records`` (the per-block arrays it fills)."""
    if not all(hasattr(model, a) for a in ("vocab", "context", "blocks", "head")):
        return False
    try:
        return "records" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def recurrent_module(model: Any) -> Any:
    """The first ``nn.LSTM``/``nn.GRU``/``nn.RNN`` inside ``model``, or ``None``."""
    from ..trace.rnn import RECURRENT

    modules = getattr(model, "modules", None)
    if not callable(modules):
        return None
    return next((m for m in modules() if isinstance(m, RECURRENT)), None)


class _CharAdapter(Adapter):
    def __init__(self, model: Any, tokenizer: Any = None) -> None:
        if tokenizer is not None:
            raise TypeError(
                f"model: a tokenizer was given but {type(model).__name__} is not a Hugging Face model "
                "(no .config / .base_model_prefix); character models take no tokenizer"
            )
        super().__init__(model, None)

    @property
    def vocab(self) -> Any:
        return getattr(self.model, "vocab", None)

    def _mark(self, trace: Any) -> Any:
        """``trace.meta["zoo"]``: the shipped model's name when the weights are the shipped
        ones (``iw.zoo.load`` sets ``model.zoo_name``), so widgets can read its model card."""
        name = getattr(self.model, "zoo_name", None)
        if name:
            trace.meta["zoo"] = str(name)
        return trace

    def encode(self, text: str, max_length: int | None = None) -> Encoding:
        from ..trace.rnn import char_ids

        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        if not text:
            raise ValueError("text: expected a non-empty str, got ''")
        if self.vocab is None:
            raise ValueError(
                "vocab: the model has no .vocab attribute; pass vocab='…' (character i at index i) or a dict char -> index"
            )
        ids, _ = char_ids(text, self.vocab, getattr(self.model, "unk_index", None))
        n = len(text)
        offsets = np.stack([np.arange(n), np.arange(1, n + 1)], axis=1).astype(np.int64)
        return Encoding(text, ids, list(text), offsets, np.zeros(n, bool), n, n)

    @property
    def context(self) -> int | None:
        """The most characters the model reads at once (``None``: no limit)."""
        return getattr(self.model, "context", None)

    def embedding_layer(self) -> Any:
        import torch

        emb = next((m for m in self.model.modules() if isinstance(m, torch.nn.Embedding)), None)
        if emb is None or self.vocab is None:
            raise ValueError(
                "model: expected a Hugging Face classifier with tokenizer=…, or a character model with an "
                "nn.Embedding and a .vocab (tried tokenizer, get_input_embeddings(), nn.Embedding)"
            )
        return emb

    def embeddings(self, ids: Any) -> Any:
        return self.embedding_layer()(ids)

    def class_labels(self) -> list[str]:
        """The next-character classes: the vocabulary."""
        return list(self.vocab)

    def pad_ids(self) -> tuple[int, int]:
        """``(pad id, mask id)``: both the unknown-character index (0 without one)."""
        unk = int(getattr(self.model, "unk_index", 0) or 0)
        return unk, unk

    def _unembed(self) -> tuple[Any, np.ndarray] | None:
        """The output layer's weights ``(V, d)`` and the vocabulary, or ``None``."""
        import torch

        head = getattr(self.model, "head", None)
        if not isinstance(self.vocab, str) or not isinstance(head, torch.nn.Linear):
            return None
        return head.weight.detach().float(), np.array(list(self.vocab), dtype=object)


class CharRNNAdapter(_CharAdapter):
    """A character model around ``nn.LSTM``/``GRU``/``RNN``; arrays ``rnn.{k}.h`` (and ``c``
    and the gates), traced by :func:`interpwidgets.trace.rnn.trace_rnn`."""

    kind = "char-rnn"

    def layer_names(self, gates: bool = True) -> list[str]:
        from ..trace.rnn import GATES

        rnn = recurrent_module(self.model)
        kind = type(rnn).__name__
        names = ["h"]
        if gates:
            names += [*(["c"] if kind == "LSTM" else []), *GATES.get(kind, ())]
        return [f"rnn.{k}.{n}" for k in range(rnn.num_layers) for n in names]

    def output_effects(self, layers: list[str]) -> dict[str, dict[str, np.ndarray]]:
        """The last layer's hidden state ``rnn.{L-1}.h`` reads out through the output layer."""
        unembed = self._unembed()
        if unembed is None:
            return {}
        w_u, tokens = unembed
        last = f"rnn.{recurrent_module(self.model).num_layers - 1}.h"
        if last not in layers:
            return {}
        return {last: {"weights": w_u.T.numpy().astype(np.float32), "tokens": tokens}}

    def logits(self, text: str, max_length: int | None = None) -> np.ndarray:
        """The output layer's scores at every character (the model's own forward)."""
        import torch

        ids = torch.as_tensor(self.encode(text).ids, device=self.embedding_layer().weight.device)
        with torch.no_grad():
            out = self.model(ids[None])
        return (out[0] if isinstance(out, tuple) else out)[0].float().cpu().numpy()

    def trace(self, text: str, **options: Any):
        from ..trace.rnn import trace_rnn

        return self._mark(trace_rnn(self.model, text, **options))


class CharTransformerAdapter(_CharAdapter):
    """The causal character Transformer; arrays ``blocks.{k}.resid`` and ``blocks.{k}.mlp``,
    traced by :func:`interpwidgets.trace.transformer.trace_char_transformer`."""

    kind = "char-transformer"

    def layer_names(self) -> list[str]:
        return [f"blocks.{k}.{n}" for k in range(len(self.model.blocks)) for n in ("resid", "mlp")]

    def output_effects(self, layers: list[str]) -> dict[str, dict[str, np.ndarray]]:
        """The last block's residual stream and every block's MLP neurons (through ``fc2``)
        reach the output through the final layer norm's scale and the output layer."""
        unembed = self._unembed()
        if unembed is None:
            return {}
        w_u, tokens = unembed
        gamma = self.model.ln_f.weight.detach().float()
        last = len(self.model.blocks) - 1
        out = {}
        for name in layers:
            _, k, part = name.split(".")
            if part == "resid" and int(k) == last:
                w = (w_u * gamma).T
            elif part == "mlp":
                w_out = self.model.blocks[int(k)].fc2.weight.detach().float()  # (d, m)
                w = ((w_u * gamma) @ w_out).T
            else:
                continue
            out[name] = {"weights": w.numpy().astype(np.float32), "tokens": tokens}
        return out

    def trace(self, text: str, **options: Any):
        from ..trace.transformer import trace_char_transformer

        return self._mark(trace_char_transformer(self.model, text, **options))

    def logits(self, text: str, max_length: int | None = None) -> np.ndarray:
        import torch

        ids = self.encode(text).ids[-self.model.context :]
        with torch.no_grad():
            out, _ = self.model(torch.as_tensor(ids, device=self.model.head.weight.device)[None])
        return out[0].float().cpu().numpy()


class CharModelAdapter(_CharAdapter):
    """Any other character model (``.vocab`` and an ``nn.Embedding``, e.g. embedding → linear):
    attributions work on it; it records no named activations to trace."""

    kind = "char"

    def layer_names(self) -> list[str]:
        return []

    def trace(self, text: str, **options: Any):
        raise ValueError(
            f"model: {type(self.model).__name__} has no nn.LSTM/nn.GRU/nn.RNN; only recurrent "
            "character models can be traced so far"
        )
