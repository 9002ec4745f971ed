"""A bag-of-words sentiment baseline: one weight per word piece per class, trained in seconds.

Built for diagnosis (``iw.diagnosis.compare_models``): it sees the same MiniLM word pieces as
the embedded sentiment classifier but not their order, so where the two disagree — negation,
contrast — shows what word order buys. It is trained on first use (seeded, on the same
generated reviews; no weights ship) and behaves like a Hugging Face sequence classifier:
``model(**tokenizer(texts, padding=True, return_tensors="pt")).logits``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


def _module():
    import torch

    class BagOfWords(torch.nn.Module):
        """logits = bias + Σ over the word pieces (special tokens and padding left out) of a
        per-piece weight vector — a logistic regression on word-piece counts. Shaped like a
        Hugging Face classifier (``config``, ``base_model_prefix``, ``logits``), so it takes the
        MiniLM tokenizer wherever a classifier does."""

        base_model_prefix = "bag_of_words"

        def __init__(self, vocab_size: int, labels: list[str], special_ids: list[int]) -> None:
            super().__init__()
            self.config = SimpleNamespace(
                id2label=dict(enumerate(labels)),
                label2id={v: k for k, v in enumerate(labels)},
                num_labels=len(labels),
                is_encoder_decoder=False,
            )
            self.weight = torch.nn.Embedding(vocab_size, len(labels))
            torch.nn.init.zeros_(self.weight.weight)
            self.bias = torch.nn.Parameter(torch.zeros(len(labels)))
            self.register_buffer("special", torch.tensor(special_ids), persistent=False)

        def get_input_embeddings(self):
            return self.weight

        def forward(self, input_ids, attention_mask=None, **_ignored: Any):
            keep = ~torch.isin(input_ids, self.special)
            if attention_mask is not None:
                keep &= attention_mask.bool()
            logits = (self.weight(input_ids) * keep.unsqueeze(-1)).sum(1) + self.bias
            return SimpleNamespace(logits=logits)

    return BagOfWords


def train(steps: int = 300, seed: int = 0, lr: float = 0.05, l2: float = 1e-4):
    """``(model, tokenizer)``: the baseline trained full-batch with Adam on the training split."""
    import torch

    from .sentiment_data import LABELS, splits
    from .sentiment_model import base_model

    _, tokenizer = base_model()
    train_set = splits(seed)["train"]
    enc = tokenizer([e.text for e in train_set], padding=True, return_tensors="pt")
    y = torch.tensor([e.label for e in train_set])
    torch.manual_seed(seed)
    model = _module()(len(tokenizer), list(LABELS), list(tokenizer.all_special_ids))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        logits = model(enc["input_ids"], enc["attention_mask"]).logits
        loss = torch.nn.functional.cross_entropy(logits, y) + l2 * model.weight.weight.pow(2).sum()
        loss.backward()
        opt.step()
    return model.eval(), tokenizer
