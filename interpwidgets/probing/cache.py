"""A cache of probing representations, in memory and on disk, keyed by the model's weights and
the task's texts."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .extract import representations
from .tasks import ProbingTask

_MEMORY: dict[str, tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]] = {}


def cache_dir() -> Path:
    """Where :func:`probe` keeps representations: ``$INTERPWIDGETS_CACHE/probing``, else
    ``~/.cache/interpwidgets/probing``. Safe to delete."""
    root = os.environ.get("INTERPWIDGETS_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "interpwidgets") / "probing"


def _fingerprint(model: Any, tokenizer: Any) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(type(model).__qualname__.encode())
    h.update(type(tokenizer).__qualname__.encode() if tokenizer is not None else b"-")
    state = getattr(model, "state_dict", None)
    if callable(state):
        for name, t in state().items():
            h.update(name.encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
    else:  # not a torch module: nothing stable to key on, so nothing is cached
        return ""
    return h.hexdigest()


def _task_key(task: ProbingTask, layers: Sequence[str] | None) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(task.level.encode())
    for t in task.texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    for y in task.labels:
        h.update(np.ascontiguousarray(np.asarray(y >= 0 if task.level == "char" else 0)).tobytes())
    h.update(repr(sorted(layers) if layers is not None else None).encode())
    return h.hexdigest()


def cached_representations(
    model: Any,
    task: ProbingTask,
    tokenizer: Any = None,
    layers: Sequence[str] | None = None,
    progress: bool = True,
    batch_size: int = 32,
    cache: bool = True,
    sae: Any = None,
) -> dict[str, np.ndarray]:
    """:func:`representations` as float16 (what the probes are trained on), kept in memory
    and on disk under :func:`cache_dir`, keyed by a hash of the model's weights and the
    task's texts — a second ``probe`` of the same model on the same texts skips the model."""
    fp = _fingerprint(model, tokenizer) if cache and sae is None else ""
    key = f"{fp}-{_task_key(task, layers)}" if fp else ""
    if key and key in _MEMORY:
        return _MEMORY[key][0]
    path = cache_dir() / f"{key}.npz" if key else None
    if path is not None and path.exists():
        try:
            with np.load(path) as z:
                xs = {k: z[k] for k in z.files}
            _MEMORY[key] = (xs, np.empty(0), np.empty(0))
            return xs
        except (OSError, ValueError):
            pass
    xs32, _, _ = representations(model, task, tokenizer, layers, progress, batch_size, sae)
    xs = {k: v.astype(np.float16) for k, v in xs32.items()}
    if path is not None:
        if len(_MEMORY) >= 6:
            _MEMORY.pop(next(iter(_MEMORY)))
        _MEMORY[key] = (xs, np.empty(0), np.empty(0))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **xs)
            os.replace(tmp, path)
        except OSError:
            pass
    return xs
