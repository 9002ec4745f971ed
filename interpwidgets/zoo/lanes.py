"""Many texts through a char LSTM at once: the hidden and cell states of every layer.

``iw.trace`` reads one text at a time (one sequential pass per text); scoring cells and
training sparse autoencoders read hundreds of files, so here the texts run side by side as
the lanes of one batch (each from a fresh state, padded at the end; a recurrence never looks
ahead, so the padding changes nothing before it). The numbers equal ``iw.trace``'s
(``tests/test_sae.py`` checks them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

LAYER_KINDS = ("h", "c")


def lstm_states(
    model: Any, texts: Sequence[str], keep: Sequence[str] = LAYER_KINDS, lanes: int = 32
) -> list[dict[str, np.ndarray]]:
    """For each text, ``{"rnn.<k>.h": (n, hidden), "rnn.<k>.c": ...}`` (float32), as ``iw.trace``
    names them; ``keep`` picks the kinds (``"h"``, ``"c"``)."""
    import torch
    from torch import nn

    from .char_rnn import CharRNN
    from .corpus import encode_text

    if not isinstance(model, CharRNN) or not isinstance(model.rnn, nn.LSTM):
        raise TypeError(f"model: expected an LSTM CharRNN, got {type(model).__name__}")
    bad = [k for k in keep if k not in LAYER_KINDS]
    if bad:
        raise ValueError(f"keep: expected kinds from {LAYER_KINDS}, got {bad}")
    rnn = model.rnn
    hidden = rnn.hidden_size
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths together
    out: list[dict[str, np.ndarray]] = [{} for _ in texts]
    with torch.no_grad():
        for start in range(0, len(order), lanes):
            group = order[start : start + lanes]
            lengths = [len(texts[i]) for i in group]
            ids = np.zeros((len(group), max(lengths)), dtype=np.int64)
            for row, i in enumerate(group):
                ids[row, : lengths[row]] = encode_text(texts[i])
            x = model.embedding(torch.from_numpy(ids))
            for k in range(rnn.num_layers):
                w_ih, w_hh = getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}")
                b = getattr(rnn, f"bias_ih_l{k}") + getattr(rnn, f"bias_hh_l{k}")
                layer = nn.LSTM(x.shape[-1], hidden, batch_first=True)
                layer.load_state_dict(
                    {
                        "weight_ih_l0": w_ih,
                        "weight_hh_l0": w_hh,
                        "bias_ih_l0": getattr(rnn, f"bias_ih_l{k}"),
                        "bias_hh_l0": getattr(rnn, f"bias_hh_l{k}"),
                    }
                )
                h, _ = layer(x)
                if "c" in keep:
                    prev = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)
                    pre = x @ w_ih.T + prev @ w_hh.T + b
                    i, f, g, _o = pre.chunk(4, dim=-1)
                    i, f, g = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g)
                    ig = i * g
                    c = torch.empty_like(h)
                    state = torch.zeros_like(h[:, 0])
                    for t in range(h.shape[1]):
                        state = f[:, t] * state + ig[:, t]
                        c[:, t] = state
                for kind, value in (("h", h), ("c", c if "c" in keep else None)):
                    if kind in keep:
                        assert value is not None  # c is kept when asked for
                        arr = value.numpy()
                        for row, i in enumerate(group):
                            out[i][f"rnn.{k}.{kind}"] = np.ascontiguousarray(
                                arr[row, : lengths[row]]
                            )
                x = h
    return out


def traces(
    model: Any,
    texts: Sequence[str],
    keep: Sequence[str] = LAYER_KINDS,
    sae: Any = None,
    states: list[dict[str, np.ndarray]] | None = None,
):
    """One :class:`~interpwidgets.trace.Trace` per text (every character a token) holding the
    states :func:`lstm_states` computes (or ``states``, computed before), plus ``sae``'s
    features (:func:`interpwidgets.sae.add_features`)."""
    from ..sae import add_features
    from ..trace import Trace

    if states is None:
        states = lstm_states(model, texts, keep)
    return [
        add_features(Trace.from_arrays(text, dict(st), model="char_lstm (lanes)"), sae)
        for text, st in zip(texts, states, strict=True)
    ]
