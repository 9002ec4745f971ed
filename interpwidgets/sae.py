"""Sparse autoencoder features as one more layer of a trace.

A sparse autoencoder (SAE; dictionary learning, Bricken et al. 2023 "Towards
Monosemanticity") rewrites a layer's ``d`` activations at each position as a sparse,
non-negative combination of ``m > d`` learned directions ("features"). ``iw.trace(model,
text, sae=s)`` records the model as usual, then encodes the layer ``s`` was trained on and adds
the codes as a layer named ``"<layer>.sae"``, so everything that works on units (NeuronText,
NeuronExplorer, ``find_neurons``, ``probe``, scans, the dashboard) works on features.

Any object with ``encode(x)`` and the name of the layer it reads works as ``sae``:

* :class:`TopKSAE`, the package's own (``iw.zoo.sae(name)`` loads a shipped one);
* a SAELens ``SAE`` (``sae.encode(x)``; the layer is ``sae.cfg.metadata.hook_name`` or
  ``sae.cfg.hook_name``, which is how a TransformerLens trace names that activation);
* anything else given as ``(layer, encoder)``, or with a ``hook_name`` attribute.

Torch modules get a float tensor on their own device and dtype; other encoders get the numpy
array. Encoding runs in chunks of rows, without gradients.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from .arrays import Checked, to_numpy

SUFFIX = ".sae"
CHUNK_ROWS = 8192


class TopKSAE:
    """A top-k sparse autoencoder (Gao et al. 2024, "Scaling and evaluating sparse autoencoders").

    ``encode(x) = TopK_k(ReLU((x - b_dec) @ W_enc + b_enc))`` — at most ``k`` features are
    non-zero at each position — and ``decode(f) = f @ W_dec + b_dec`` with unit-norm rows of
    ``W_dec``. Inference is numpy only; ``interpwidgets.zoo.train_sae`` trains one.

    Attributes: ``hook_name`` (the layer it reads, e.g. ``"rnn.1.h"``), ``k``, ``d_in``,
    ``d_sae``, ``meta`` (the card: how it was trained and measured).
    """

    def __init__(self, W_enc, b_enc, W_dec, b_dec, k: int, hook_name: str, meta=None) -> None:
        self.W_enc = np.asarray(W_enc, dtype=np.float32)
        self.b_enc = np.asarray(b_enc, dtype=np.float32)
        self.W_dec = np.asarray(W_dec, dtype=np.float32)
        self.b_dec = np.asarray(b_dec, dtype=np.float32)
        d, m = self.W_enc.shape
        if self.W_dec.shape != (m, d) or self.b_enc.shape != (m,) or self.b_dec.shape != (d,):
            raise ValueError(
                f"W_enc: expected W_enc (d, m), b_enc (m,), W_dec (m, d), b_dec (d,); got "
                f"{self.W_enc.shape}, {self.b_enc.shape}, {self.W_dec.shape}, {self.b_dec.shape}"
            )
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= m:
            raise ValueError(f"k: expected an integer in [1, {m}], got {k!r}")
        if not isinstance(hook_name, str) or not hook_name:
            raise TypeError(f"hook_name: expected a layer name (str), got {hook_name!r}")
        self.k, self.hook_name, self.meta = int(k), hook_name, dict(meta or {})

    @property
    def d_in(self) -> int:
        return self.W_enc.shape[0]

    @property
    def d_sae(self) -> int:
        return self.W_enc.shape[1]

    def __repr__(self) -> str:
        return f"TopKSAE({self.hook_name!r}, d_in={self.d_in}, d_sae={self.d_sae}, k={self.k})"

    def _check(self, x: Any) -> np.ndarray:
        x = to_numpy(x, "x").astype(np.float32, copy=False)
        if x.ndim != 2 or x.shape[1] != self.d_in:
            raise ValueError(f"x: expected shape (n, {self.d_in}), got {tuple(x.shape)}")
        return x

    def encode(self, x: Any) -> np.ndarray:
        """``(n, d_in)`` activations → ``float32 (n, d_sae)`` codes, ≤ ``k`` non-zero per row."""
        pre = (self._check(x) - self.b_dec) @ self.W_enc + self.b_enc
        top = np.argpartition(pre, -self.k, axis=1)[:, -self.k :]
        rows = np.arange(len(pre))[:, None]
        out = np.zeros_like(pre)
        out[rows, top] = np.maximum(pre[rows, top], 0)
        return out

    def decode(self, f: Any) -> np.ndarray:
        """``(n, d_sae)`` codes → ``(n, d_in)`` reconstruction."""
        f = to_numpy(f, "f").astype(np.float32, copy=False)
        if f.ndim != 2 or f.shape[1] != self.d_sae:
            raise ValueError(f"f: expected shape (n, {self.d_sae}), got {tuple(f.shape)}")
        return f @ self.W_dec + self.b_dec

    def save(self, path: str | Path) -> None:
        """``<path>.safetensors`` (float16) and ``<path>.json`` (the card)."""
        from safetensors.numpy import save_file

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {
            "W_enc": self.W_enc,
            "b_enc": self.b_enc,
            "W_dec": self.W_dec,
            "b_dec": self.b_dec,
        }
        save_file(
            {n: a.astype(np.float16) for n, a in arrays.items()},
            str(path.with_suffix(".safetensors")),
            metadata={"k": str(self.k), "hook_name": self.hook_name},
        )
        card = {**self.meta, "k": self.k, "hook_name": self.hook_name}
        card.update(d_in=self.d_in, d_sae=self.d_sae)
        path.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> TopKSAE:
        """The SAE saved by :meth:`save` at ``path`` (with or without the suffix)."""
        from safetensors import safe_open

        path = Path(path)
        file = path.with_suffix(".safetensors")
        if not file.is_file():
            raise FileNotFoundError(f"path: {file} does not exist")
        with safe_open(str(file), framework="numpy") as f:
            arrays = {n: f.get_tensor(n).astype(np.float32) for n in f.keys()}  # noqa: SIM118
            info = f.metadata() or {}
        card = path.with_suffix(".json")
        meta = json.loads(card.read_text()) if card.is_file() else {}
        return cls(**arrays, k=int(info["k"]), hook_name=info["hook_name"], meta=meta)


def hook_name(sae: Any) -> str:
    """The layer ``sae`` reads: ``hook_name``, ``cfg.metadata.hook_name`` or ``cfg.hook_name``."""
    if isinstance(sae, tuple) and len(sae) == 2 and isinstance(sae[0], str):
        return sae[0]
    for path in (("hook_name",), ("cfg", "metadata", "hook_name"), ("cfg", "hook_name")):
        obj = sae
        for attr in path:
            obj = getattr(obj, attr, None)
            if obj is None:
                break
        if isinstance(obj, str) and obj:
            return obj
    raise TypeError(
        f"sae: {type(sae).__name__} does not say which layer it reads; give an object with "
        "hook_name (or cfg.hook_name / cfg.metadata.hook_name), or a tuple (layer, sae)"
    )


def encode(sae: Any, x: np.ndarray, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """``sae.encode`` over the rows of ``x`` in chunks → ``float32 (n, n_features)``."""
    enc = sae[1] if isinstance(sae, tuple) else sae
    if not callable(getattr(enc, "encode", None)):
        raise TypeError(f"sae: expected an object with encode(x), got {type(enc).__name__}")
    params = None
    try:
        import torch

        if isinstance(enc, torch.nn.Module):
            params = next(iter(enc.parameters()), None)
    except ImportError:  # pragma: no cover - torch is a dependency of the char models
        torch = None
    parts = []
    for i in range(0, len(x), chunk_rows):
        rows = x[i : i + chunk_rows]
        if params is not None:
            with torch.no_grad():
                t = torch.from_numpy(np.ascontiguousarray(rows))
                out = enc.encode(t.to(device=params.device, dtype=params.dtype))
        else:
            out = enc.encode(rows)
        out = to_numpy(out, "sae.encode(x)").astype(np.float32, copy=False)
        if out.ndim != 2 or out.shape[0] != len(rows):
            raise ValueError(
                f"sae.encode(x): expected shape ({len(rows)}, n_features), got {tuple(out.shape)}"
            )
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def add_features(trace: Any, sae: Any, name: str | None = None) -> Any:
    """A copy of ``trace`` with ``sae``'s features of its layer added as ``name``
    (default ``"<layer>.sae"``). ``sae`` may also be a list of them."""
    if sae is None:
        return trace
    if isinstance(sae, list):
        for one in sae:
            trace = add_features(trace, one)
        return trace
    layer = hook_name(sae)
    if layer not in trace.activations:
        raise KeyError(
            f"sae: it reads layer {layer!r}, which this trace does not have; "
            f"expected one of {list(trace.activations)}"
        )
    codes = encode(sae, trace.activations[layer])
    # the trace's own arrays were checked when it was made: shared, not copied (a long trace's
    # arrays may be spilled to disk, interpwidgets.trace.store)
    acts = {**{k: Checked(v) for k, v in trace.activations.items()}, name or layer + SUFFIX: codes}
    meta = {**trace.meta, "sae": {**trace.meta.get("sae", {}), name or layer + SUFFIX: repr(sae)}}
    return dataclasses.replace(trace, activations=acts, meta=meta)


def variance_explained(sae: Any, x: Any) -> float:
    """Fraction of the variance of ``x`` (rows of the layer) that ``sae.decode(sae.encode(x))``
    keeps: ``1 - Σ‖x - x̂‖² / Σ‖x - mean(x)‖²``."""
    x = to_numpy(x, "x").astype(np.float64)
    recon = to_numpy(sae.decode(encode(sae, x.astype(np.float32))), "sae.decode").astype(np.float64)
    return float(1 - ((x - recon) ** 2).sum() / ((x - x.mean(0)) ** 2).sum())


__all__ = ["TopKSAE", "add_features", "encode", "hook_name", "variance_explained"]
