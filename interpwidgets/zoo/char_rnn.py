"""The character-level recurrent model: embedding → ``nn.LSTM``/``GRU``/``RNN`` → linear."""

from __future__ import annotations

import torch
from torch import nn

from .corpus import UNK, VOCAB


class CharRNN(nn.Module):
    """A character language model built around one of torch's fused recurrent modules.

    ``iw.trace`` finds its parts by type (``nn.Embedding``, the recurrent module, the final
    ``nn.Linear``) and its vocabulary in ``.vocab`` / ``.unk_index``, so a user's own model
    with the same parts traces the same way.
    """

    def __init__(
        self,
        hidden_size: int = 256,
        num_layers: int = 2,
        embedding_dim: int = 64,
        cell: str = "lstm",
        vocab: str = VOCAB,
        unk_index: int | None = UNK,
    ) -> None:
        super().__init__()
        cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}.get(cell)
        if cls is None:
            raise ValueError(f"cell: expected 'lstm', 'gru' or 'rnn', got {cell!r}")
        self.vocab = vocab
        self.unk_index = unk_index
        self.config = {
            "hidden_size": hidden_size,
            "num_layers": num_layers,
            "embedding_dim": embedding_dim,
            "cell": cell,
        }
        self.embedding = nn.Embedding(len(vocab), embedding_dim)
        self.rnn = cls(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, len(vocab))

    def forward(self, ids: torch.Tensor, state=None):
        """``ids`` (batch, time) → (logits (batch, time, vocab), final state)."""
        out, state = self.rnn(self.embedding(ids), state)
        return self.head(out), state
