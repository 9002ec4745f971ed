"""Selection and evaluation never share data: disjoint parts of the traces, and the blocks of
whole lines that the uncertainty takes as independent."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..features import _line_starts
from ..trace.core import Trace

#: Characters per uncertainty block: whole lines grouped up to about this many characters
#: (fewer on short texts, so that there are about 30 blocks); never across texts.
BLOCK_CHARS = 2000


def _as_traces(value: Any, name: str) -> list[Trace]:
    if isinstance(value, Trace):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(t, Trace) for t in value):
        return list(value)
    raise TypeError(
        f"{name}: expected an interpwidgets.Trace (iw.trace(...) or iw.Trace.from_arrays(...)) "
        f"or a non-empty list of them, got {type(value).__name__}"
    )


class _Part:
    """Token ranges of traces: one side of a split, with uncertainty blocks."""

    def __init__(self, pieces: list[tuple[int, Trace, int, int]], label: str) -> None:
        self.pieces = pieces  # (trace index, trace, first token, end token)
        self.label = label

    @property
    def n_chars(self) -> int:
        return sum(_char_span(tr, a, b)[1] - _char_span(tr, a, b)[0] for _, tr, a, b in self.pieces)

    def blocks(self) -> np.ndarray:
        size = max(1, min(BLOCK_CHARS, self.n_chars // 30))
        out, offset = [], 0
        for _, tr, a, b in self.pieces:
            ends = np.clip(tr.offsets[a:b, 1] - 1, 0, len(tr.text) - 1)
            c0 = _char_span(tr, a, b)[0]
            starts = _line_starts(tr.text)
            line_start = starts[np.searchsorted(starts, ends, side="right") - 1]
            ids = (np.maximum(line_start - c0, 0) // size).astype(np.int64)
            ids = np.unique(ids, return_inverse=True)[1].reshape(-1)
            out.append(ids + offset)
            offset += int(ids.max()) + 1 if len(ids) else 0
        return np.concatenate(out) if out else np.zeros(0, np.int64)


def _char_span(tr: Trace, a: int, b: int) -> tuple[int, int]:
    if b <= a:
        return 0, 0
    return int(tr.offsets[a, 0]), int(tr.offsets[b - 1, 1])


def _cut_points(tr: Trace) -> list[int]:
    """Token indices where a single text may be cut, nearest the middle first: line starts
    in the middle half of the tokens; else whitespace; else the middle token."""
    n = tr.n_tokens
    lo, hi = max(1, n // 4), max(1, n - n // 4)
    for boundary in ("\n", " \t"):
        cuts = [
            i
            for i in range(lo, hi)
            if tr.offsets[i, 0] > 0 and tr.text[tr.offsets[i, 0] - 1] in boundary
        ]
        if cuts:
            return sorted(cuts, key=lambda i: (abs(2 * i - n), i))
    return [max(1, n // 2)]


def _split(traces: list[Trace], ys: list[np.ndarray], is_bool: bool):
    """Two disjoint contiguous parts: whole texts when there are several, otherwise one text
    cut at a line boundary near the middle. Prefers a cut where both parts can be scored."""

    def usable(y: np.ndarray) -> bool:
        y = y[~np.isnan(y.astype(float))]
        return len(y) > 2 and (bool(y.any() and not y.all()) if is_bool else np.ptp(y) > 0)

    if len(traces) > 1:
        sizes = np.cumsum([tr.n_tokens for tr in traces])
        cands = sorted(range(1, len(traces)), key=lambda k: (abs(2 * sizes[k - 1] - sizes[-1]), k))
        for k in cands:
            if usable(np.concatenate(ys[:k])) and usable(np.concatenate(ys[k:])):
                break
        else:
            k = cands[0]
        first = _Part([(i, tr, 0, tr.n_tokens) for i, tr in enumerate(traces[:k])], "")
        second = _Part([(i + k, tr, 0, tr.n_tokens) for i, tr in enumerate(traces[k:])], "")
        first.label = f"texts 0–{k - 1} of {len(traces)} ({first.n_chars:,} characters)"
        second.label = (
            f"texts {k}–{len(traces) - 1} of {len(traces)} ({second.n_chars:,} characters)"
        )
        return first, second, f"by text: {k} texts select, {len(traces) - k} evaluate"
    tr, y = traces[0], ys[0]
    cuts = _cut_points(tr)
    for cut in cuts:
        if usable(y[:cut]) and usable(y[cut:]):
            break
    else:
        cut = cuts[0]
    c = int(tr.offsets[cut, 0])
    line = tr.text.count("\n", 0, c)
    how = f"line {line + 1}" if c > 0 and tr.text[c - 1] == "\n" else f"character {c}"
    first = _Part([(0, tr, 0, cut)], f"characters [0, {c}) of the text")
    second = _Part([(0, tr, cut, tr.n_tokens)], f"characters [{c}, {len(tr.text)}) of the text")
    return first, second, f"one text cut before {how} (character {c} of {len(tr.text)})"


def _gather(part: _Part, name: str, ys: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    xs = [tr.activations[name][a:b] for _, tr, a, b in part.pieces]
    y = [ys[i][a:b] for i, _, a, b in part.pieces]
    return np.concatenate(xs).astype(np.float64), np.concatenate(y)
