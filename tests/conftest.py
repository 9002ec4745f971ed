import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_lstm():
    """A small char LSTM trained for a few seeded steps (shape like the shipped one, smaller)."""
    import torch

    from interpwidgets.zoo.char_rnn import CharRNN

    torch.manual_seed(0)
    return CharRNN(hidden_size=24, num_layers=2, embedding_dim=8, cell="lstm").eval()
