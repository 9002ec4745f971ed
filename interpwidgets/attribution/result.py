"""The result of an attribution: per-token scores, checked, with word- and character-level views."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .methods import METHODS

#: CJK ideographs (BERT's BasicTokenizer ranges): each is a word of its own, as that tokenizer
#: splits them, since Chinese and Japanese write no spaces between words
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ceaf\U0002f800-\U0002fa1f"
)
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]", re.UNICODE)


@dataclass
class Attribution:
    """Per-token attribution scores for one text and one model.

    Attributes:
        text, tokens, offsets: the input as in :class:`~interpwidgets.Trace` (special tokens
            have offsets ``(0, 0)`` and cover no text).
        scores: ``float32 (n_tokens,)`` for ``target``: positive pushed towards it.
        target: class index in the model's output; ``labels[target]`` names it.
        labels: class names (for char models, the characters of the vocabulary).
        probs: ``float32 (n_classes,)``, the model's probabilities on this text.
        method: a key of :data:`METHODS`.
        delta: Integrated Gradients' completeness delta ``Σ scores − (f(x) − f(baseline))``
            for ``target``; ``None`` for methods without one.
        all_scores, all_deltas: class index → scores / delta, for every class computed
            (``all_targets=True``); always include ``target``.
        special: ``bool (n_tokens,)``, true for special tokens ([CLS], [SEP], …).
        meta: notes such as ``"truncated"``.
    """

    text: str
    tokens: list[str]
    offsets: np.ndarray
    scores: np.ndarray
    target: int
    labels: list[str]
    probs: np.ndarray
    method: str
    delta: float | None = None
    all_scores: dict[int, np.ndarray] = field(default_factory=dict)
    all_deltas: dict[int, float] = field(default_factory=dict)
    special: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from ..strings import check_unicode_items
        from ..trace.core import Trace, to_numpy

        scores = to_numpy(self.scores, "scores")
        if scores.ndim != 1:
            raise ValueError(f"scores: expected shape (n_tokens,), got {tuple(scores.shape)}")
        checked = Trace.from_arrays(
            self.text,
            {"scores": scores.astype(np.float32)},
            tokens=self.tokens,
            offsets=self.offsets,
        )
        self.offsets = checked.offsets
        self.scores = checked.activations["scores"][:, 0]
        if isinstance(self.labels, str) or not isinstance(self.labels, Sequence):
            raise TypeError(f"labels: expected a list of str, got {type(self.labels).__name__}")
        self.labels = list(self.labels)
        if not all(isinstance(x, str) for x in self.labels):
            bad = next(x for x in self.labels if not isinstance(x, str))
            raise TypeError(f"labels: expected a list of str, got an item {type(bad).__name__}")
        check_unicode_items(self.labels, "labels")
        self.probs = to_numpy(self.probs, "probs").astype(np.float32)
        if self.probs.ndim != 1 or len(self.probs) != len(self.labels):
            raise ValueError(
                f"probs: expected shape ({len(self.labels)},) like labels, got {self.probs.shape}"
            )
        if isinstance(self.target, (bool, np.bool_)) or not isinstance(
            self.target, (int, np.integer)
        ):
            raise TypeError(
                f"target: expected an int class index, got {type(self.target).__name__}"
            )
        self.target = int(self.target)
        if not 0 <= self.target < len(self.labels):
            raise ValueError(
                f"target: expected a class index in [0, {len(self.labels) - 1}], got {self.target}"
            )
        if self.method not in METHODS:
            raise ValueError(f"method: expected one of {list(METHODS)}, got {self.method!r}")
        self.all_scores = self._check_all_scores()
        self.all_deltas = self._check_all_deltas()
        self.special = self._check_special()

    def _check_class(self, key: Any, name: str) -> int:
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise TypeError(f"{name}: expected int class indices as keys, got {key!r}")
        if not 0 <= int(key) < len(self.labels):
            raise ValueError(
                f"{name}: expected class indices in [0, {len(self.labels) - 1}] as keys, got {key!r}"
            )
        return int(key)

    def _check_all_scores(self) -> dict[int, np.ndarray]:
        from ..trace.core import to_numpy

        if not isinstance(self.all_scores, Mapping):
            raise TypeError(
                f"all_scores: expected a dict class index → scores, got {type(self.all_scores).__name__}"
            )
        n = len(self.tokens)
        out: dict[int, np.ndarray] = {}
        for key, value in self.all_scores.items():
            cls = self._check_class(key, "all_scores")
            name = f"all_scores[{cls}]"
            arr = to_numpy(value, name)
            if arr.shape != (n,):
                raise ValueError(f"{name}: expected shape ({n},) like tokens, got {arr.shape}")
            if np.isinf(arr).any():
                raise ValueError(f"{name}: infinite values (NaN is allowed and shows as missing)")
            out[cls] = arr.astype(np.float32)
        if self.target not in out:
            out[self.target] = self.scores
        elif not np.array_equal(out[self.target], self.scores, equal_nan=True):
            raise ValueError(
                f"all_scores[{self.target}]: expected the same values as scores (the target's)"
            )
        return out

    def _check_all_deltas(self) -> dict[int, float]:
        if not isinstance(self.all_deltas, Mapping):
            raise TypeError(
                f"all_deltas: expected a dict class index → float, got {type(self.all_deltas).__name__}"
            )
        out: dict[int, float] = {}
        for key, value in self.all_deltas.items():
            cls = self._check_class(key, "all_deltas")
            if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise TypeError(f"all_deltas[{cls}]: expected a float, got {type(value).__name__}")
            out[cls] = float(value)
        return out

    def _check_special(self) -> np.ndarray:
        n = len(self.tokens)
        if self.special is None:
            return self.offsets[:, 0] == self.offsets[:, 1]
        if isinstance(self.special, (str, bytes)):
            raise TypeError(
                f"special: expected bools, one per token, got {type(self.special).__name__}"
            )
        arr = np.asarray(self.special)
        if arr.dtype != bool and not (
            np.issubdtype(arr.dtype, np.integer) and np.isin(arr, (0, 1)).all()
        ):
            raise TypeError(f"special: expected bools, one per token, got dtype {arr.dtype}")
        if arr.shape != (n,):
            raise ValueError(f"special: expected shape ({n},) like tokens, got {arr.shape}")
        return arr.astype(bool)

    @property
    def predicted(self) -> int:
        """The class the model predicts (argmax of ``probs``)."""
        return int(np.argmax(self.probs))

    @property
    def label(self) -> str:
        return METHODS[self.method]

    def words(self, agg: str = "sum") -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
        """Word-level view: ``(word_offsets (n_words, 2), word_of_token (n_tokens,), class → word scores)``.

        Words are runs of letters/digits or single punctuation marks of the original text, and
        each CJK ideograph on its own (a Chinese clause has no spaces to split at; BERT's
        tokenizer splits it the same way); a
        token belongs to the word its first character is in (special tokens: -1). ``agg`` is
        ``"sum"`` (scores add up, completeness kept) or ``"max_abs"`` (the token with the
        largest |score| speaks for the word).
        """
        if agg not in ("sum", "max_abs"):
            raise ValueError(f"agg: expected 'sum' or 'max_abs', got {agg!r}")
        spans = np.array(
            [m.span() for m in _WORD.finditer(self.text)] or [(0, len(self.text))], dtype=np.int64
        )
        of_token = np.full(len(self.tokens), -1, dtype=np.int64)
        assert self.special is not None  # __post_init__ fills it
        for i, (s, e) in enumerate(self.offsets):
            if e > s and not self.special[i]:
                w = int(np.searchsorted(spans[:, 1], s, side="right"))
                of_token[i] = min(w, len(spans) - 1)
        out = {}
        for cls, sc in self.all_scores.items():
            ws = np.zeros(len(spans), dtype=np.float32)
            for w in range(len(spans)):
                members = sc[of_token == w]
                if members.size:
                    ws[w] = members.sum() if agg == "sum" else members[np.argmax(np.abs(members))]
            out[cls] = ws
        return spans, of_token, out

    def per_char(self, target: int | None = None) -> np.ndarray:
        """One score per character of the text (each character gets its token's score; NaN where no token)."""
        sc = self.all_scores[self.target if target is None else target]
        out = np.full(len(self.text), np.nan, dtype=np.float32)
        for i, (s, e) in enumerate(self.offsets):
            if e > s:
                out[s:e] = sc[i]
        return out

    def table(self):
        """Tokens with their scores and ranks (by |score|), as a pandas DataFrame."""
        import pandas as pd

        df = pd.DataFrame(
            {
                "token": self.tokens,
                "start": self.offsets[:, 0],
                "end": self.offsets[:, 1],
                "score": self.scores,
                "special": self.special,
            }
        )
        df["rank"] = df["score"].abs().where(~df["special"]).rank(ascending=False, method="min")
        return df

    def __repr__(self) -> str:
        d = "" if self.delta is None else f", delta={self.delta:.3g}"
        return f"Attribution({self.method}, target={self.labels[self.target]!r} p={self.probs[self.target]:.3f}, {len(self.tokens)} tokens{d})"
