"""Sparse autoencoder features as layers of a corpus scan.

``iw.scan(model, corpus, sae=s)`` records ``"<layer>.sae"`` — ``s``'s features of the layer it
reads — beside the model's own layers, as ``iw.trace(model, text, sae=s)`` does: the model's
forward pass computes the layers the scan keeps plus the ones an SAE reads, and each window's
values of those are encoded (:func:`interpwidgets.sae.encode`) before they are folded into the
scan's state. So top and bottom contexts, histograms, interval samples and feature scores of a
feature are those of ``iw.trace(model, document, sae=s)``, and NeuronDashboard shows features
(labelled as such) as it shows neurons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..sae import SUFFIX, encode, hook_name


def as_list(sae: Any) -> list[Any]:
    """``sae`` as a list: None → ``[]``, one SAE → ``[sae]``, a list → itself."""
    if sae is None:
        return []
    return list(sae) if isinstance(sae, list) else [sae]


def feature_layer_names(saes: list[Any]) -> dict[str, Any]:
    """``"<layer>.sae"`` → the SAE that makes it (two SAEs of one layer are an error)."""
    out: dict[str, Any] = {}
    for s in saes:
        name = hook_name(s) + SUFFIX
        if name in out:
            raise ValueError(f"sae: two SAEs read layer {hook_name(s)!r}; give one per layer")
        out[name] = s
    return out


@dataclass(frozen=True, eq=False)
class FeatureLayers:
    """How to turn the model's layers ``source`` into the scan's layers ``out``.

    ``saes`` maps each feature layer of ``out`` to its SAE; every other name of ``out`` is one of
    ``source``, whose sizes are ``source_sizes`` (the model's values come in that order).
    """

    out: tuple[str, ...]
    source: tuple[str, ...]
    source_sizes: tuple[int, ...]
    saes: tuple[tuple[str, Any], ...]

    @classmethod
    def build(
        cls, chosen: list[str], sizes: dict[str, int], saes: dict[str, Any]
    ) -> FeatureLayers | None:
        """None when ``chosen`` holds no feature layer (the scan reads the model alone)."""
        used = [(n, saes[n]) for n in chosen if n in saes]
        if not used:
            return None
        source = [n for n in chosen if n not in saes]
        for _, s in used:
            if hook_name(s) not in source:
                source.append(hook_name(s))
        return cls(tuple(chosen), tuple(source), tuple(sizes[n] for n in source), tuple(used))

    def columns(self) -> dict[str, slice]:
        out, start = {}, 0
        for name, size in zip(self.source, self.source_sizes, strict=True):
            out[name] = slice(start, start + size)
            start += size
        return out

    def apply(self, values: Any) -> Any:
        """A window's ``(B, T, sum(source_sizes))`` values → ``(B, T, units of out)``.

        Positions where the model's values are NaN (between a token model's tokens) stay NaN;
        so do all the features there."""
        import torch

        cols = self.columns()
        saes = dict(self.saes)
        b, t, _ = values.shape
        parts = []
        for name in self.out:
            if name not in saes:
                parts.append(values[:, :, cols[name]].float())
                continue
            x = values[:, :, cols[hook_name(saes[name])]].reshape(b * t, -1).float().numpy()
            missing = np.isnan(x).any(axis=1)
            codes = encode(saes[name], np.where(missing[:, None], 0, x).astype(np.float32))
            codes[missing] = np.nan
            parts.append(torch.from_numpy(codes.reshape(b, t, -1)))
        return torch.cat(parts, dim=2).contiguous()

    def effects(self, base: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
        """Direct effects on the output: the model's for its layers kept, and a feature's where
        its layer has one and its SAE a decoder (``W_dec``): the decoder row through it."""
        out = {n: e for n, e in base.items() if n in self.out}
        for name, s in self.saes:
            enc = s[1] if isinstance(s, tuple) else s
            effect = base.get(hook_name(s))
            w_dec = getattr(enc, "W_dec", None)
            if effect is None or w_dec is None:
                continue
            w_dec = np.asarray(w_dec.detach().cpu() if hasattr(w_dec, "detach") else w_dec)
            if w_dec.ndim == 2 and w_dec.shape[1] == effect["weights"].shape[0]:
                weights = (w_dec.astype(np.float32) @ effect["weights"]).astype(np.float32)
                out[name] = {"weights": weights, "tokens": effect["tokens"]}
        return out
