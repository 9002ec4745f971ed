"""Lanes and windows: ``B`` lanes each read one document at a time, ``T`` characters per window;
a :class:`Feeder` fills the lanes and yields one :class:`Window` per step (the model's forward
pass is its subclasses', in :mod:`.feed`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .. import features as feature_module
from .corpus import Document
from .state import KEY_SHIFT


def feature_names(sample: str = "x = 1\n") -> tuple[list[str], list[str]]:
    """Boolean and numeric feature names of :func:`interpwidgets.features.python_code`."""
    table = feature_module.python_code(sample)
    bools = [k for k, v in table.items() if v.dtype == bool]
    nums = [k for k, v in table.items() if v.dtype != bool]
    return bools, nums


def document_features(text: str, names: list[str]) -> np.ndarray:
    table = feature_module.python_code(text)
    return np.stack([table[n].astype(np.float32) for n in names], axis=1)


@dataclass
class Lane:
    doc: Document | None = None
    ids: np.ndarray | None = None
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # empty: idle
    feats: np.ndarray | None = None
    arrays: np.ndarray | None = None  # precomputed values (per-document models)
    token_of_char: np.ndarray | None = None  # token models: the token over each character, -1
    starts: np.ndarray | None = None  # token models: characters where a token starts
    cursor: int = 0
    fresh: bool = True  # state must be reset before the next window

    @property
    def done(self) -> bool:
        return self.doc is None or self.cursor >= len(self.codes)


@dataclass
class Window:
    values: torch.Tensor  # (B, T, U)
    keys: np.ndarray  # (B, T)
    chars: np.ndarray  # (B, T)
    features: np.ndarray | None  # (B, T, F)
    count: np.ndarray | None = None  # (B, T) positions counted; None: every position with a key


@dataclass
class Feeder:
    """Fills lanes from ``docs`` and yields one :class:`Window` per step."""

    docs: Iterator[Document]
    lanes: int
    width: int
    feature_names: list[str] | None
    on_document: Any = None  # called with each document as it is read
    lane: list[Lane] = field(default_factory=list)

    def read(self) -> tuple[Lane, str] | None:
        """The next non-empty document as a lane (not yet prepared), or None at the end."""
        for doc in self.docs:
            text = doc.read()
            if self.on_document is not None:
                self.on_document(doc, len(text))
            if not text:
                continue
            lane = Lane(doc=doc, codes=np.fromiter(map(ord, text), np.int32, len(text)))
            if self.feature_names:
                lane.feats = document_features(text, self.feature_names)
            return lane, text
        return None

    def prepare(self, lane: Lane, text: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def prepare_all(self, pending: list[tuple[Lane, str]]) -> None:
        """Prepare the lanes that took a new document in this step (one by one by default)."""
        for lane, text in pending:
            self.prepare(lane, text)

    def refill(self) -> bool:
        """Give every finished lane a new document; False when all lanes are idle."""
        if not self.lane:
            self.lane = [Lane() for _ in range(self.lanes)]
        pending = []
        for i, lane in enumerate(self.lane):
            if lane.done:
                got = self.read()
                self.lane[i] = Lane() if got is None else got[0]
                if got is not None:
                    pending.append(got)
        if pending:
            self.prepare_all(pending)
        return any(not ln.done for ln in self.lane)

    def frame(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[slice]]:
        b, t = self.lanes, self.width
        keys = np.full((b, t), -1, np.int64)
        chars = np.full((b, t), -1, np.int32)
        feats = None
        if self.feature_names:
            feats = np.full((b, t, len(self.feature_names)), np.nan, np.float32)
        spans = []
        for i, lane in enumerate(self.lane):
            if lane.done:
                spans.append(slice(0, 0))
                continue
            assert lane.doc is not None  # not done: it holds a document
            s = slice(lane.cursor, min(lane.cursor + t, len(lane.codes)))
            n = s.stop - s.start
            keys[i, :n] = (np.int64(lane.doc.id) << KEY_SHIFT) + np.arange(s.start, s.stop)
            chars[i, :n] = lane.codes[s]
            if feats is not None:
                assert lane.feats is not None
                feats[i, :n] = lane.feats[s]
            spans.append(s)
        return keys, chars, feats, spans

    def __iter__(self) -> Iterator[Window]:
        while self.refill():
            keys, chars, feats, spans = self.frame()
            values = self.forward(spans)
            count = self.counted(spans)
            for lane, s in zip(self.lane, spans, strict=True):
                if s.stop > s.start:
                    lane.cursor = s.stop
                    lane.fresh = False
            yield Window(values, keys, chars, feats, count)

    def forward(self, spans: list[slice]) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def counted(self, spans: list[slice]) -> np.ndarray | None:
        """Which positions of the window count (None: every character)."""
        return None

    def recycle(self, values: torch.Tensor) -> None:
        """Hand back a window's array once it is no longer read (here: nothing is reused)."""
