"""The embedded character models' recipes: constructor arguments and training settings, and
:func:`build`, a freshly initialised model of one (shared by :mod:`~interpwidgets.zoo.train`
and :mod:`~interpwidgets.zoo.tbptt`, which import it from here, not from each other)."""

from __future__ import annotations

from typing import Any

#: name → (model kind, constructor arguments, training settings)
RECIPES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "char_lstm": (
        "rnn",
        {"cell": "lstm", "hidden_size": 256, "num_layers": 2, "embedding_dim": 64},
        {"steps": 8000, "lr": 3e-3},
    ),
    # twice as wide: 3.3 M parameters, ~4x the compute per character; not shipped (yet)
    "char_lstm_wide": (
        "rnn",
        {"cell": "lstm", "hidden_size": 512, "num_layers": 2, "embedding_dim": 64},
        {"steps": 10000, "lr": 2e-3},
    ),
    "char_transformer": (
        "transformer",
        {"d_model": 128, "n_layers": 4, "n_heads": 4, "d_mlp": 512, "context": 256},
        {"steps": 3500, "lr": 2e-3},
    ),
}


def build(name: str):
    """A freshly initialised model for recipe ``name``."""
    from .char_rnn import CharRNN

    if name not in RECIPES:
        raise KeyError(f"name: expected one of {sorted(RECIPES)}, got {name!r}")
    kind, config, _ = RECIPES[name]
    if kind == "rnn":
        return CharRNN(**config)
    if kind == "transformer":
        from .transformer import CharTransformer

        return CharTransformer(**config)
    raise AssertionError(kind)
