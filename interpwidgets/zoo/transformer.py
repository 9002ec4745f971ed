"""A small causal character Transformer, on the same corpus and vocabulary as the char-LSTM.

Pre-LayerNorm blocks with their own attention module, so a trace can read every head's
weights, the MLP neurons and the residual stream without hooks into fused kernels.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .corpus import UNK, VOCAB


class Attention(nn.Module):
    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, need_weights: bool = False):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.n_heads)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        weights = scores.masked_fill(mask, float("-inf")).softmax(-1)
        y = (weights @ v).transpose(1, 2).reshape(b, t, d)
        return self.out(y), (weights if need_weights else None)


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_mlp: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = Attention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc1 = nn.Linear(d_model, d_mlp)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(d_mlp, d_model)

    def forward(self, x: torch.Tensor, record: dict | None = None):
        a, weights = self.attn(self.ln1(x), need_weights=record is not None)
        x = x + a
        hidden = self.act(self.fc1(self.ln2(x)))
        x = x + self.fc2(hidden)
        if record is not None:
            record["attn"], record["mlp"], record["resid"] = weights, hidden, x
        return x


class CharTransformer(nn.Module):
    """Causal character Transformer: token + learned position embeddings → blocks → linear."""

    def __init__(
        self,
        d_model: int = 128,
        n_layers: int = 4,
        n_heads: int = 4,
        d_mlp: int = 512,
        context: int = 256,
        vocab: str = VOCAB,
        unk_index: int | None = UNK,
    ) -> None:
        super().__init__()
        self.vocab = vocab
        self.unk_index = unk_index
        self.context = context
        self.config = {
            "d_model": d_model,
            "n_layers": n_layers,
            "n_heads": n_heads,
            "d_mlp": d_mlp,
            "context": context,
        }
        self.embedding = nn.Embedding(len(vocab), d_model)
        self.position = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_mlp) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, len(vocab))

    def forward(self, ids: torch.Tensor, records: list | None = None):
        """``ids`` (batch, time ≤ context) → (logits, None); ``records`` collects per-block arrays."""
        t = ids.shape[1]
        if t > self.context:
            raise ValueError(f"ids: expected at most context={self.context} positions, got {t}")
        x = self.embedding(ids) + self.position(torch.arange(t, device=ids.device))
        for block in self.blocks:
            rec: dict | None = {} if records is not None else None
            x = block(x, rec)
            if records is not None:
                records.append(rec)
        return self.head(self.ln_f(x)), None
