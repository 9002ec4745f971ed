"""Batched forward passes over a stream of documents, window by window.

``B`` lanes each read one document at a time, ``T`` characters per window; a lane that
finishes its document takes the next one (its recurrent state reset to zero, as
``iw.trace`` starts a text). Within a document the state is carried from window to window,
so every value equals what ``iw.trace(model, document)`` records, while the forward pass
runs on ``B`` documents at once.

The lanes, windows and the :class:`~.windows.Feeder` base are in :mod:`.windows`; here are the
two forward passes: :class:`RecurrentFeeder` (char RNNs, state carried across windows) and
:class:`TraceFeeder` (any adapter, one trace per document).
"""

from __future__ import annotations

import queue
from typing import Any

import numpy as np
import torch

from ..trace.rnn import GATES, _gates, _single_layer, char_ids, find_parts
from .windows import Feeder as Feeder
from .windows import Lane as Lane
from .windows import Window as Window
from .windows import document_features as document_features
from .windows import feature_names as feature_names


class RecurrentFeeder(Feeder):
    """``nn.LSTM``/``GRU``/``RNN`` char models, batched across lanes with carried state."""

    def __init__(self, model: Any, layers: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.emb, self.rnn, _ = find_parts(model)
        self.vocab = model.vocab
        self.unk = getattr(model, "unk_index", None)
        self.kind = type(self.rnn).__name__
        rnn = self.rnn
        self.parts = [
            _single_layer(rnn, k, rnn.input_size if k == 0 else (rnn.proj_size or rnn.hidden_size))
            for k in range(rnn.num_layers)
        ]
        self.layers = layers
        # per layer, the arrays beyond h that were asked for (the cell state needs i, f, g)
        self.need = [
            tuple(n.split(".")[2] for n in layers if n.startswith(f"rnn.{k}.") and n[-1] != "h")
            for k in range(rnn.num_layers)
        ]
        self.columns: dict[str, slice] = {}
        start = 0
        for name in layers:
            size = (rnn.proj_size or rnn.hidden_size) if name.endswith(".h") else rnn.hidden_size
            self.columns[name] = slice(start, start + size)
            start += size
        self.units = start
        self.spare: queue.SimpleQueue = queue.SimpleQueue()  # arrays handed back by the reader
        self.state: list[Any] = [None] * rnn.num_layers

    def prepare(self, lane: Lane, text: str) -> None:
        lane.ids, _ = char_ids(text, self.vocab, self.unk)

    def _reset(self, lanes: list[int]) -> None:
        for st in self.state:
            for part in st:
                part[:, lanes] = 0

    @torch.no_grad()
    def forward(self, spans: list[slice]) -> torch.Tensor:
        b, t = self.lanes, self.width
        dev = self.rnn.weight_ih_l0.device
        dtype = self.rnn.weight_ih_l0.dtype
        hs = self.rnn.hidden_size
        if self.state[0] is None:  # zeros for every lane: (h, c) for LSTMs, (h,) otherwise
            for k, layer in enumerate(self.parts):
                h = torch.zeros(1, b, layer.proj_size or hs, dtype=dtype, device=dev)
                c = torch.zeros(1, b, hs, dtype=dtype, device=dev)
                self.state[k] = (h, c) if self.kind == "LSTM" else (h,)
        fresh = [i for i, ln in enumerate(self.lane) if ln.fresh]
        if fresh:
            self._reset(fresh)
        # only lanes that hold a document run: at the corpus's tail most lanes are idle
        active = [i for i, s in enumerate(spans) if s.stop > s.start]
        ids = np.zeros((len(active), t), np.int64)
        for j, i in enumerate(active):
            s, lane_ids = spans[i], self.lane[i].ids
            assert lane_ids is not None  # recurrent lanes hold their token ids
            ids[j, : s.stop - s.start] = lane_ids[s]
        every = len(active) == b
        lanes = torch.as_tensor(active, device=dev)
        x = self.emb(torch.as_tensor(ids, device=dev)).to(dtype)
        # one (B, T, U) array for the window, each requested layer written into its columns
        try:
            full = self.spare.get_nowait()
            if not every:
                full.zero_()
        except queue.Empty:
            full = torch.zeros(b, t, self.units)
        for k, layer in enumerate(self.parts):
            st = tuple(part if every else part[:, lanes] for part in self.state[k])
            y, new_state = layer(x, st if self.kind == "LSTM" else st[0])
            arrays = {"h": y}
            need = self.need[k]
            if need and self.kind in GATES:
                c0 = st[1][0] if self.kind == "LSTM" else None
                h_prev = torch.cat([st[0][0][:, None], y[:, :-1]], dim=1)
                # time-major: the cell state is a recurrence over time
                gates = _gates(self.rnn, k, x.transpose(0, 1), h_prev.transpose(0, 1), c0, need)
                arrays.update({n: v.transpose(0, 1) for n, v in gates.items()})
            for n, v in arrays.items():
                col = self.columns.get(f"rnn.{k}.{n}")
                if col is not None:
                    if every:
                        full[:, :, col] = v
                    else:
                        full[lanes, :, col] = v.float()
            new_state = new_state if self.kind == "LSTM" else (new_state,)
            for part, new in zip(self.state[k], new_state, strict=True):
                if every:
                    part.copy_(new)
                else:
                    part[:, lanes] = new
            x = y
        return full

    def recycle(self, values: torch.Tensor) -> None:
        """Hand back a window's array once it is no longer read (it is reused, not reallocated)."""
        self.spare.put(values)


class TraceFeeder(Feeder):
    """Any other model an adapter traces: each document traced whole, then read by window.

    Character models give one position per character. Token models (Hugging Face,
    TransformerLens, nnsight) give one per token: a token counts once, at its first
    character, and its value covers all its characters, so contexts are text with each
    character coloured by its token. A document longer than the model's window is read in
    consecutive pieces (each token traced within the piece that holds it whole).
    """

    #: characters per piece of a long document for token models (the adapter truncates a
    #: piece to the model's window; the next piece starts at the first token left out)
    PIECE = 4096

    def __init__(self, adapter: Any, layers: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.adapter = adapter
        self.layers = layers

    def prepare(self, lane: Lane, text: str) -> None:
        char = self.adapter.kind.startswith("char")
        tr = self.adapter.trace(text if char else text[: self.PIECE], progress=False)
        if char and tr.n_tokens == len(text):
            lane.arrays = np.concatenate([tr.activations[n] for n in self.layers], axis=1)
            return
        self._set_tokens(lane, text, *self._pieces(text, tr))

    def prepare_all(self, pending: list[tuple[Lane, str]]) -> None:
        """Hugging Face encoders and decoders: the new documents' pieces run as one padded batch
        (their hidden states are the layers); other models one document at a time."""
        hf = self.adapter.kind in ("hf-encoder", "hf-decoder")
        if not hf or not set(self.layers) <= set(self.adapter.layer_names()):
            super().prepare_all(pending)
            return
        texts = [text for _, text in pending]
        for (lane, text), found in zip(pending, self._batched(texts), strict=True):
            self._set_tokens(lane, text, *found)

    def _batched(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Token values and character spans of each text, its pieces batched across texts."""
        order = self.adapter.layer_names()  # "embed", "blocks.{k}.resid": hidden_states[i]
        index = [order.index(n) for n in self.layers]
        pos = [0] * len(texts)
        parts: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in texts]
        active = list(range(len(texts)))
        while active:
            pieces = [texts[i][pos[i] : pos[i] + self.PIECE] for i in active]
            enc = self.adapter.tokenizer(
                pieces,
                padding=True,
                truncation=True,
                max_length=self.adapter.limit(),
                return_offsets_mapping=True,
                return_special_tokens_mask=True,
                return_tensors="pt",
            )
            offsets = enc.pop("offset_mapping").numpy()
            special = enc.pop("special_tokens_mask").numpy().astype(bool)
            inputs = {k: v.to(self.adapter.device) for k, v in enc.items()}
            with torch.no_grad():
                states = self.adapter.forward(inputs, output_hidden_states=True).hidden_states
            arr = torch.cat([states[i] for i in index], dim=-1).float().cpu().numpy()
            keep = enc["attention_mask"].numpy().astype(bool) & ~special
            still = []
            for j, i in enumerate(active):
                off, vals = offsets[j][keep[j]], arr[j][keep[j]]
                at_end = pos[i] + len(pieces[j]) >= len(texts[i])
                nxt, whole = _next_piece(off, pieces[j], at_end)
                real = np.nonzero(off[:, 1] > off[:, 0])[0]
                if not whole and real.size > 1:  # the last token may be cut: read it again
                    real = real[:-1]
                parts[i].append((vals[real], off[real] + pos[i]))
                pos[i] += max(nxt, 1)
                if not whole and pos[i] < len(texts[i]):
                    still.append(i)
            active = still
        return [
            (
                np.concatenate([v for v, _ in p]).astype(np.float32),
                np.concatenate([o for _, o in p]),
            )
            for p in parts
        ]

    def _set_tokens(self, lane: Lane, text: str, values: np.ndarray, spans: np.ndarray) -> None:
        """A token model's document: values per token, the token over each character, and the
        characters where a token starts (each counted once)."""
        lane.arrays = values
        owner = np.full(len(text), -1, np.int32)
        starts = np.zeros(len(text), bool)
        for j, (a, b) in enumerate(spans):
            owner[a:b] = j
        first = np.unique(spans[:, 0], return_index=True)[1]  # one count per start character
        starts[spans[first, 0]] = True
        lane.token_of_char, lane.starts = owner, starts

    def _pieces(self, text: str, tr: Any) -> tuple[np.ndarray, np.ndarray]:
        """Token values (N, U) and character spans (N, 2) over the whole of ``text``, traced
        piece by piece."""
        values, spans, pos = [], [], 0
        while True:
            piece = text[pos : pos + self.PIECE]
            off = np.asarray(tr.offsets, np.int64)
            real = np.nonzero(off[:, 1] > off[:, 0])[0]  # special tokens have empty spans
            arr = np.concatenate([tr.activations[n] for n in self.layers], axis=1)
            nxt, whole = _next_piece(off, piece, pos + len(piece) >= len(text))
            if not whole and real.size > 1:  # the last token may be cut: read it again next
                real = real[:-1]
            values.append(arr[real])
            spans.append(off[real] + pos)
            pos += max(nxt, 1)
            if whole or pos >= len(text):
                break
            tr = self.adapter.trace(text[pos : pos + self.PIECE], progress=False)
        return np.concatenate(values).astype(np.float32), np.concatenate(spans)

    def forward(self, spans: list[slice]) -> torch.Tensor:
        u = next(ln.arrays.shape[1] for ln in self.lane if ln.arrays is not None)
        out = np.zeros((self.lanes, self.width, u), np.float32)
        for i, (lane, s) in enumerate(zip(self.lane, spans, strict=True)):
            if s.stop <= s.start:
                continue
            n = s.stop - s.start
            assert lane.arrays is not None  # a lane with characters left has its values
            if lane.token_of_char is None:
                out[i, :n] = lane.arrays[s]
            else:
                owner = lane.token_of_char[s]
                out[i, :n] = lane.arrays[np.maximum(owner, 0)]
                out[i, :n][owner < 0] = np.nan  # between tokens: shown uncoloured
        return torch.from_numpy(out)

    def counted(self, spans: list[slice]) -> np.ndarray | None:
        if all(ln.starts is None for ln in self.lane):
            return None
        count = np.zeros((self.lanes, self.width), bool)
        for i, (lane, s) in enumerate(zip(self.lane, spans, strict=True)):
            if s.stop > s.start:
                count[i, : s.stop - s.start] = True if lane.starts is None else lane.starts[s]
        return count


def _next_piece(offsets: np.ndarray, piece: str, at_end: bool) -> tuple[int, bool]:
    """Where the next piece starts (relative to this one) and whether this piece finished the
    text: it did when it reaches the text's end and its tokens cover all of it; otherwise its
    last token may be cut (by the piece's end or the model's window) and is read again next."""
    real = np.nonzero(offsets[:, 1] > offsets[:, 0])[0]
    covered = int(offsets[real, 1].max()) if real.size else 0
    whole = at_end and covered >= len(piece.rstrip())
    if not whole and real.size > 1:
        return int(offsets[real[-1], 0]), False
    return len(piece), whole
