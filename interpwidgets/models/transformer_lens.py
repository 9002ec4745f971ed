"""TransformerLens ``HookedTransformer``: every hook ``run_with_cache`` records, under its
hook name; attention from the ``hook_pattern`` hooks. Needs ``pip install 'interpwidgets[tl]'``."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import require
from .base import Adapter, Encoding, check_max_length, encode_fast, token_limit
from .caches import hooked_bos

require("transformer_lens")


class HookedAdapter(Adapter):
    """A ``HookedTransformer`` (and its tokenizer: ``model.tokenizer`` unless one is given).

    Tokens are what ``model.to_tokens(text)`` makes (BOS first when the model's
    ``cfg.default_prepend_bos``), with character offsets from the fast tokenizer.
    """

    kind = "transformer-lens"

    def __init__(self, model: Any, tokenizer: Any = None) -> None:
        super().__init__(model, tokenizer if tokenizer is not None else model.tokenizer)

    def _tokenizer(self) -> Any:
        if self.tokenizer is None:
            raise ValueError(
                "tokenizer: this HookedTransformer has no tokenizer; pass tokenizer=... to "
                "iw.trace, or run it yourself and use iw.Trace.from_cache(cache, tokens=...)"
            )
        return self.tokenizer

    def encode(self, text: str, max_length: int | None = None) -> Encoding:
        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        if not text.strip():
            raise ValueError(f"text: expected a non-empty str, got {text!r}")
        tok = self._tokenizer()
        limit = token_limit(check_max_length(max_length), tok, self.model.cfg.n_ctx)
        return encode_fast(
            tok, text, limit, add_special_tokens=False, prepend=hooked_bos(self.model, tok)
        )

    def layer_names(self) -> list[str]:
        """The hooks that fire on a forward pass (a one-token run), in order; what
        :meth:`trace` records by default (not the patterns, scores or logits)."""
        import torch

        with torch.no_grad():
            _, cache = self.model.run_with_cache(
                torch.zeros((1, 1), dtype=torch.long, device=self.model.cfg.device)
            )
        from .caches import read_cache

        return [n for n in read_cache(cache)[0] if _default(n)]

    def embeddings(self, ids: Any) -> Any:
        return self.model.embed(ids)

    def logits(self, text: str, max_length: int | None = None) -> np.ndarray:
        import torch

        ids = torch.as_tensor(self.encode(text, max_length).ids, device=self.model.cfg.device)
        with torch.no_grad():
            return self.model(ids[None])[0].float().cpu().numpy()

    def trace(
        self,
        text: str,
        *,
        names: Any = None,
        top_k: int = 5,
        max_length: int | None = None,
        progress: bool | None = None,
        **options: Any,
    ):
        """Run ``model.run_with_cache`` on ``text``. Every hook is a layer under its hook name
        but ``unembed.hook_out`` (the logits: their top ``top_k`` go to ``trace.predictions``);
        ``names``: keep only these hooks (the logits too, when named). Attention comes from
        every ``hook_pattern`` whatever ``names`` says.
        ``top_k`` next-token predictions from the logits go to ``trace.predictions``.
        ``progress`` is accepted as every model family takes it; one forward pass shows none."""
        import torch

        from ..trace.core import Trace
        from ..trace.rnn import check_top_k
        from .caches import read_cache

        if options:
            raise TypeError(
                f"{', '.join(sorted(options))}: not an option for TransformerLens models "
                "(they take names, top_k, max_length, progress)"
            )
        top_k = check_top_k(top_k)
        enc = self.encode(text, max_length)
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            unknown = sorted(set(names) - set(self.model.hook_dict))
            if unknown:
                raise KeyError(f"names: {unknown} are not hooks of this model")
            patterns = [n for n in self.model.hook_dict if n.endswith("hook_pattern")]
            keep: Any = list(dict.fromkeys([*names, *patterns]))
        else:
            keep = None  # every hook that fires; scores and logits are dropped below

        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                ids = torch.as_tensor(enc.ids, device=self.model.cfg.device)[None]
                logits, cache = self.model.run_with_cache(ids, names_filter=keep)
        finally:
            self.model.train(was_training)
        arrays, attention, _ = read_cache(cache, 0, names)
        if names is None:
            arrays = {n: a for n, a in arrays.items() if _default(n)}
        predictions = None
        if top_k:
            probs = torch.softmax(logits[0].float(), -1)
            p, i = probs.topk(min(top_k, probs.shape[-1]), -1)
            vocab = self.tokenizer.convert_ids_to_tokens(list(range(probs.shape[-1])))
            vocab = [v if isinstance(v, str) else f"<{k}>" for k, v in enumerate(vocab)]
            predictions = {
                "tokens": np.array(vocab, dtype=object)[i.cpu().numpy()],
                "probs": p.cpu().numpy(),
            }
        meta: dict[str, Any] = {"model": type(self.model).__name__, "kind": self.kind}
        if enc.truncated:
            meta["truncated"] = enc.truncated
        return Trace.from_arrays(
            enc.text,
            arrays,
            tokens=enc.tokens,
            offsets=enc.offsets,
            attention=attention,
            predictions=predictions,
            **meta,
        )


def _default(name: str) -> bool:
    """Recorded by default: every hook but the attention scores (pre-softmax, ``-inf`` where
    masked), the patterns (they are ``trace.attention``) and the logits (vocabulary-wide; their
    top k are ``trace.predictions``)."""
    return not name.endswith(("hook_attn_scores", "hook_pattern")) and name != "unembed.hook_out"
