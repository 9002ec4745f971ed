"""The training text every machine has: the Python standard library's own source.

Files are listed in sorted order and split into train/validation by a hash of their path
relative to the standard library, so the split is the same on every machine with the same
Python version.
"""

from __future__ import annotations

import sysconfig
import zlib
from pathlib import Path

import numpy as np

#: Index 0 is the unknown character; then tab, newline and printable ASCII.
VOCAB = "\x00\t\n" + "".join(chr(i) for i in range(32, 127))
UNK = 0
_INDEX = {c: i for i, c in enumerate(VOCAB)}


def stdlib_files(split: str = "train") -> list[Path]:
    """Source files of the standard library, ``split`` = ``"train"``, ``"val"`` or ``"all"``.

    One file in twenty (by a CRC of its relative path) is held out for validation.
    Third-party packages (``site-packages``) are never included.
    """
    if split not in ("train", "val", "all"):
        raise ValueError(f"split: expected 'train', 'val' or 'all', got {split!r}")
    root = Path(sysconfig.get_paths()["stdlib"])
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "site-packages" in rel or "dist-packages" in rel:
            continue
        held_out = zlib.crc32(rel.encode()) % 20 == 0
        if split == "all" or (split == "val") == held_out:
            files.append(path)
    return files


def read_corpus(split: str = "train", max_chars: int | None = None) -> str:
    """The concatenated text of :func:`stdlib_files` (files joined by a blank line)."""
    parts, total = [], 0
    for path in stdlib_files(split):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        parts.append(text)
        total += len(text) + 2
        if max_chars is not None and total >= max_chars:
            break
    corpus = "\n\n".join(parts)
    return corpus[:max_chars] if max_chars is not None else corpus


def encode_text(text: str) -> np.ndarray:
    """Characters → indices into :data:`VOCAB` (unknown characters → :data:`UNK`)."""
    return np.fromiter((_INDEX.get(c, UNK) for c in text), dtype=np.int64, count=len(text))


def held_out_sample(max_chars: int = 4000) -> str:
    """A stretch of standard-library source held out from training (starts at a ``def``).

    Deterministic: the first held-out file with enough quotes and length, from its first
    top-level function, cut at a line end.
    """
    for path in stdlib_files("val"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.count("'") + text.count('"') > 40 and len(text) > max_chars:
            start = text.find("\ndef ")
            start = start + 1 if 0 <= start < len(text) - max_chars else 0
            end = text.rfind("\n", start, start + max_chars)
            return text[start : end + 1]
    raise RuntimeError("no held-out standard-library file is long enough")
