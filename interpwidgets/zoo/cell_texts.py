"""The texts the documented cells are chosen and scored on (:mod:`interpwidgets.zoo.cells`):
held-out standard-library files, split alternately into selection and held-out parts, and the
source of installed third-party packages the model never saw; each file cut at a line end."""

from __future__ import annotations

from pathlib import Path

THIRD_PARTY = ("numpy", "pandas", "bertviz")
FILE_CHARS = 8_000  # each file cut at the last line end before this many characters
SELECTION_CHARS = 100_000
HELD_OUT_CHARS = 155_000
THIRD_PARTY_CHARS = 40_000  # per package


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    end = text.rfind("\n", 0, limit)
    return text[: end + 1] if end > 0 else text[:limit]


def _take(paths: list[Path], budget: int, limit: int = FILE_CHARS) -> list[tuple[str, str]]:
    out, total = [], 0
    for path in paths:
        try:
            text = _cut(path.read_text(encoding="utf-8"), limit)
        except (UnicodeDecodeError, OSError):
            continue
        if len(text.strip()) < 200:
            continue
        text = _cut(text, budget - total)
        out.append((str(path), text))
        total += len(text)
        if total >= budget:
            break
    return out


def stdlib_parts() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(selection, held_out) texts: the held-out stdlib files alternately, in sorted order."""
    from .corpus import stdlib_files

    files = stdlib_files("val")
    return _take(files[0::2], SELECTION_CHARS), _take(files[1::2], HELD_OUT_CHARS)


def third_party_texts() -> dict[str, list[tuple[str, str]]]:
    """Installed packages' own source (never in the training corpus), sorted paths."""
    import importlib.util

    out = {}
    for name in THIRD_PARTY:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(list(spec.submodule_search_locations)[0])
        out[name] = _take(sorted(root.rglob("*.py")), THIRD_PARTY_CHARS)
    return out
