"""Traces of character-level recurrent models (embedding → nn.LSTM/GRU/RNN → linear).

The fused torch module computes the hidden states of each layer; gates and cell states are
then recomputed *vectorized* from those hidden states (no per-character Python loop): the
gates at step t depend only on the layer input at t and the hidden state at t-1, and the
LSTM cell state is a linear recurrence solved by a parallel scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from .core import Trace

RECURRENT = (nn.LSTM, nn.GRU, nn.RNN)
GATES = {"LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}
#: texts longer than this many characters (about a second's trace) show a progress bar
PROGRESS_CHARS = 10_000
LSTM_ARRAYS = ("i", "f", "g", "o", "c")
#: runs of at least this many steps are solved in blocks (:func:`linear_scan`)
SCAN_BLOCKED_FROM = 1024


def find_parts(model: nn.Module) -> tuple[nn.Embedding, nn.RNNBase, nn.Linear | None]:
    """The embedding, the recurrent module and the output layer of a char model, found by type."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    emb = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
    rnn = next((m for m in model.modules() if isinstance(m, RECURRENT)), None)
    if emb is None or rnn is None:
        missing = [
            n for n, m in (("nn.Embedding", emb), ("nn.LSTM/nn.GRU/nn.RNN", rnn)) if m is None
        ]
        raise ValueError(
            f"model: expected a character model with {' and '.join(missing)}; none found in {type(model).__name__}"
        )
    head = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return emb, rnn, (head[-1] if head else None)


def char_ids(text: str, vocab: Any, unk_index: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``text``'s characters in ``vocab`` (str or char → index mapping).

    Returns ``(ids, unknown_mask)``. Characters not in the vocabulary map to ``unk_index``;
    without one they raise ``ValueError`` naming them.
    """
    if isinstance(vocab, str):
        index = {c: i for i, c in enumerate(vocab)}
    elif isinstance(vocab, Mapping):
        index = dict(vocab)
    else:
        raise TypeError(
            f"vocab: expected a str (character i at index i) or a dict char -> index, got {type(vocab).__name__}"
        )
    ids = np.fromiter((index.get(c, -1) for c in text), dtype=np.int64, count=len(text))
    unknown = ids < 0
    if unknown.any():
        if unk_index is None:
            chars = sorted({text[i] for i in np.nonzero(unknown)[0][:50]})
            raise ValueError(
                f"text: characters {chars!r} are not in the model's vocabulary and it has no unk_index"
            )
        ids[unknown] = unk_index
    return ids, unknown


def check_top_k(top_k: Any) -> int:
    """``top_k`` as an int ≥ 0 (0: no predictions), or a ``TypeError``/``ValueError`` naming it."""
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)):
        raise TypeError(f"top_k: expected an int >= 0, got {type(top_k).__name__}")
    if top_k < 0:
        raise ValueError(f"top_k: expected an int >= 0, got {top_k}")
    return int(top_k)


def check_ids_fit(ids: np.ndarray, unknown: np.ndarray, n_embeddings: int) -> None:
    """Every index must be a row of the embedding (a bad ``unk_index``/``vocab`` is named)."""
    if not ids.size or int(ids.max()) < n_embeddings:
        return
    if unknown.any() and int(ids[unknown][0]) >= n_embeddings:
        raise ValueError(
            f"unk_index: expected an index into the model's {n_embeddings} embeddings, got {int(ids[unknown][0])}"
        )
    raise ValueError(
        f"vocab: maps a character of the text to index {int(ids.max())}, but the model has only {n_embeddings} embeddings"
    )


def _layer_weights(rnn: nn.RNNBase, k: int) -> dict[str, torch.Tensor]:
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"]
    return {n: getattr(rnn, f"{n}_l{k}") for n in names if hasattr(rnn, f"{n}_l{k}")}


def _single_layer(rnn: nn.RNNBase, k: int, input_size: int) -> nn.RNNBase:
    """A one-layer copy of layer ``k`` of ``rnn`` (sharing nothing, same weights)."""
    kwargs: dict[str, Any] = {"batch_first": True, "bias": rnn.bias}
    if isinstance(rnn, nn.LSTM) and rnn.proj_size:
        kwargs["proj_size"] = rnn.proj_size
    if isinstance(rnn, nn.RNN):
        kwargs["nonlinearity"] = rnn.nonlinearity
    layer = type(rnn)(input_size, rnn.hidden_size, 1, **kwargs)
    with torch.no_grad():
        for name, w in _layer_weights(rnn, k).items():
            getattr(layer, f"{name}_l0").copy_(w)
    return layer.to(device=rnn.weight_ih_l0.device, dtype=rnn.weight_ih_l0.dtype).eval()


def linear_scan(a: torch.Tensor, b: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
    """Solve ``x_t = a_t * x_{t-1} + b_t`` over dim 0 (time), written into one output.

    Short runs (a window of a batched scan, T = 256) take one fused multiply-add per step on
    a ``(batch, units)`` slice: cheaper than a parallel (Hillis–Steele) scan, which makes
    log2(T) passes over the whole array. Long runs (a chunk of one long text) are cut into
    blocks of about √T steps: every block is solved from zero side by side (one step per position in
    a block, over all blocks at once), then the blocks are joined in order, each adding the
    previous block's last value times its running product of ``a`` — about 3√T operations
    instead of T, with the same values up to float rounding.
    """
    steps = b.shape[0]
    block = int(steps**0.5)
    if steps < SCAN_BLOCKED_FROM:
        out = torch.empty_like(b)
        x = x0
        for t in range(steps):
            x = torch.addcmul(b[t], a[t], x, out=out[t])
        return out
    n_blocks = steps // block
    head = n_blocks * block
    rest = b.shape[1:]
    ab = a[:head].reshape(n_blocks, block, *rest)
    bb = b[:head].reshape(n_blocks, block, *rest)
    out = torch.empty_like(b)
    ob = out[:head].view(n_blocks, block, *rest)
    prod = torch.empty_like(ab)  # a_start * … * a_t within each block
    ob[:, 0] = bb[:, 0]
    prod[:, 0] = ab[:, 0]
    for j in range(1, block):
        torch.addcmul(bb[:, j], ab[:, j], ob[:, j - 1], out=ob[:, j])
        torch.mul(prod[:, j - 1], ab[:, j], out=prod[:, j])
    carry = x0
    for k in range(n_blocks):
        ob[k].addcmul_(prod[k], carry)
        carry = ob[k, -1]
    for t in range(head, steps):  # fewer than `block` steps left
        carry = torch.addcmul(b[t], a[t], carry, out=out[t])
    return out


def _lstm_activations(
    pre: torch.Tensor, h: int, need: tuple[str, ...], c0: torch.Tensor | None
) -> dict[str, torch.Tensor]:
    """The LSTM's gates from their pre-activations ``(…, rows × h)`` (rows i, f, g, o), in
    place, and the cell state from them; only what ``need`` names."""
    rows = pre.shape[-1] // h
    out: dict[str, torch.Tensor] = {}
    pre[..., : min(rows, 2) * h].sigmoid_()  # i and f side by side: one pass
    if rows > 2:
        pre[..., 2 * h : 3 * h].tanh_()
    if rows > 3:
        pre[..., 3 * h :].sigmoid_()
    for j, n in enumerate(("i", "f", "g", "o")[:rows]):
        out[n] = pre[..., j * h : (j + 1) * h]
    if "c" in need:
        out["c"] = linear_scan(out["f"], out["i"] * out["g"], c0)
    return {n: out[n] for n in ("i", "f", "g", "o", "c") if n in need}


def _joined_weights(rnn: nn.LSTM, k: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Layer ``k``'s input and recurrent weights side by side ``(4h, in + h)`` and its summed
    bias: the gates' pre-activations of a whole run in one product with ``[x_t, h_{t-1}]``."""
    w = _layer_weights(rnn, k)
    joined = torch.cat([w["weight_ih"], w["weight_hh"]], dim=1)
    return joined, (w["bias_ih"] + w["bias_hh"] if "bias_ih" in w else None)


def _gates(
    rnn: nn.RNNBase,
    k: int,
    x: torch.Tensor,
    h_prev: torch.Tensor,
    c0: torch.Tensor | None,
    need: tuple[str, ...] | None = None,
) -> dict[str, torch.Tensor]:
    """Gates (and the LSTM cell state) of layer ``k`` given its inputs (time-major) and
    previous hidden states; ``need`` limits the work to those arrays (default: all)."""
    w = _layer_weights(rnn, k)
    if isinstance(rnn, nn.LSTM):
        need = need or ("i", "f", "g", "o", "c")
        # rows of the stacked weights: i, f, g, o; the cell state needs i, f, g only
        rows = 4 if "o" in need else 3 if ({"i", "f", "g", "c"} & set(need)) else 0
        h = rnn.hidden_size
        wi, wh = w["weight_ih"][: rows * h], w["weight_hh"][: rows * h]
        bias = w["bias_ih"][: rows * h] + w["bias_hh"][: rows * h] if "bias_ih" in w else None
        flat_x = x.reshape(-1, x.shape[-1])
        pre = flat_x @ wi.T if bias is None else torch.addmm(bias, flat_x, wi.T)
        pre.addmm_(h_prev.reshape(-1, h_prev.shape[-1]), wh.T)
        return _lstm_activations(pre.view(*x.shape[:-1], rows * h), h, need, c0)
    gi = x @ w["weight_ih"].T + (w.get("bias_ih", 0))
    gh = h_prev @ w["weight_hh"].T + (w.get("bias_hh", 0))
    if isinstance(rnn, nn.GRU):
        ir, iz, in_ = gi.chunk(3, dim=-1)
        hr, hz, hn = gh.chunk(3, dim=-1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        return {"r": r, "z": z, "n": torch.tanh(in_ + r * hn)}
    return {}


@torch.no_grad()
def trace_rnn(
    model: nn.Module,
    text: str,
    vocab: Any = None,
    unk_index: int | None = None,
    chunk_size: int = 20_000,
    gates: bool = True,
    top_k: int = 5,
    progress: bool | None = None,
    dtype: Any = "float32",
    spill: Any = "auto",
) -> Trace:
    """Run a character RNN over ``text`` and record every layer at every character.

    Arrays (``(n_chars, units)``): ``rnn.{k}.h`` hidden state; for LSTMs also
    ``rnn.{k}.c`` cell state and the gates ``rnn.{k}.i/f/g/o`` (input, forget, cell
    candidate, output); for GRUs ``rnn.{k}.r/z/n`` (reset, update, new). Long texts run in
    chunks of ``chunk_size`` characters with the state carried over (a progress bar in
    characters, moving after each layer's forward pass and gates, shown for texts longer
    than :data:`PROGRESS_CHARS` or as ``progress`` says). The output layer's top-k
    next-character predictions go into ``trace.predictions``.

    Storage (:mod:`interpwidgets.trace.store`): ``dtype`` ``"float32"`` (exact, the default)
    or ``"float16"`` (half the bytes, about 3 significant digits); ``spill`` ``"auto"`` keeps
    the arrays in memory up to 1 GiB and writes bigger ones to a temporary directory,
    ``False`` keeps them in memory, ``True`` or a directory writes them there. The size is
    estimated before the model runs; a trace that would not fit raises then, naming the
    argument to change.
    """
    from tqdm.auto import tqdm

    from .store import Store, plan

    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not text:
        raise ValueError("text: expected a non-empty str, got ''")
    emb, rnn, head = find_parts(model)
    if rnn.bidirectional:
        raise ValueError(
            "model: bidirectional recurrent layers are not supported (the trace is causal, one state per character)"
        )
    vocab = vocab if vocab is not None else getattr(model, "vocab", None)
    if vocab is None:
        raise ValueError(
            "vocab: the model has no .vocab attribute; pass vocab='…' (character i at index i) or a dict char -> index"
        )
    if unk_index is None:
        unk_index = getattr(model, "unk_index", None)
    top_k = check_top_k(top_k)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive int, got {chunk_size!r}")
    kind = type(rnn).__name__
    names = ["h"] + (
        ["c", *GATES[kind]]
        if gates and kind == "LSTM"
        else list(GATES.get(kind, ()))
        if gates
        else []
    )
    out_size = getattr(rnn, "proj_size", 0) or rnn.hidden_size
    widths = {
        f"rnn.{k}.{n}": out_size if n == "h" else rnn.hidden_size
        for k in range(rnn.num_layers)
        for n in names
    }
    where = plan(len(text), widths, dtype, spill)  # raises now if the arrays would not fit
    ids, unknown = char_ids(text, vocab, unk_index)
    check_ids_fit(ids, unknown, emb.num_embeddings)
    was_training = model.training
    model.eval()
    device, wdtype = rnn.weight_ih_l0.device, rnn.weight_ih_l0.dtype
    layers = [
        _single_layer(rnn, k, rnn.input_size if k == 0 else out_size) for k in range(rnn.num_layers)
    ]
    joined = [_joined_weights(rnn, k) for k in range(rnn.num_layers)] if kind == "LSTM" else []
    store = Store(where)  # arrays allocated (or files opened) once, written chunk by chunk
    preds_idx, preds_p = [], []
    state: list[Any] = [None] * rnn.num_layers
    starts = range(0, len(text), chunk_size)
    show = progress if progress is not None else len(text) > PROGRESS_CHARS
    # the bar counts characters and moves after each layer's forward pass and after its
    # gates, so a 100,000-character trace moves in steps of 5,000 characters, not 5 chunks
    bar = tqdm(
        total=len(text),
        desc=f"trace ({where.describe()})",
        disable=not show,
        unit="char",
        unit_scale=True,
    )
    steps = 2 * len(layers)

    def advance(s: int, n: int, step: int) -> None:
        bar.update(s + (n * step) // steps - bar.n)

    try:
        for s in starts:
            n_chunk = min(chunk_size, len(text) - s)
            x = emb(torch.as_tensor(ids[s : s + chunk_size], device=device)[None])
            for k, layer in enumerate(layers):
                y, new_state = layer(x.to(wdtype), state[k])
                advance(s, n_chunk, 2 * k + 1)
                if gates and kind in GATES:
                    h0 = (
                        (state[k][0] if kind == "LSTM" else state[k])[0, 0]
                        if state[k] is not None
                        else torch.zeros(out_size, device=device, dtype=wdtype)
                    )
                    c0 = None
                    if kind == "LSTM":
                        c0 = (
                            state[k][1][0, 0]
                            if state[k] is not None
                            else torch.zeros(rnn.hidden_size, device=device, dtype=wdtype)
                        )
                    if kind == "LSTM":  # one product of [x_t, h_{t-1}] with both weights
                        w_joined, bias = joined[k]
                        xh = torch.empty(
                            (y.shape[1], w_joined.shape[1]), dtype=wdtype, device=device
                        )
                        xh[:, : x.shape[-1]] = x[0]
                        xh[0, x.shape[-1] :] = h0
                        xh[1:, x.shape[-1] :] = y[0, :-1]
                        pre = xh @ w_joined.T if bias is None else torch.addmm(bias, xh, w_joined.T)
                        del xh
                        computed = _lstm_activations(pre, rnn.hidden_size, LSTM_ARRAYS, c0)
                    else:
                        h_prev = torch.cat([h0[None], y[0, :-1]])
                        computed = _gates(rnn, k, x[0].to(wdtype), h_prev, c0)
                    for n, v in computed.items():
                        store.put(f"rnn.{k}.{n}", s, v)
                    del computed
                store.put(f"rnn.{k}.h", s, y[0])
                state[k] = new_state
                x = y
                advance(s, n_chunk, 2 * k + 2)
            if head is not None and top_k:
                probs = torch.softmax(head(x[0]).float(), dim=-1)
                p, i = probs.topk(min(top_k, probs.shape[-1]), dim=-1)
                preds_p.append(p.cpu().numpy())
                preds_idx.append(i.cpu().numpy())
        arrays = store.arrays()
    finally:
        bar.close()
        store.close()
        model.train(was_training)
    meta: dict[str, Any] = {
        "model": type(model).__name__,
        "cell": kind,
        "layers": rnn.num_layers,
        "hidden_size": rnn.hidden_size,
        "storage": where.describe(),
    }
    if unknown.any():
        meta["unknown_chars"] = np.nonzero(unknown)[0]
    predictions = None
    if preds_idx:
        idx = np.concatenate(preds_idx)
        labels = (
            list(vocab)
            if isinstance(vocab, str)
            else [c for c, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
        )
        labels += [
            f"<{i}>" for i in range(len(labels), int(idx.max()) + 1)
        ]  # outputs past the vocabulary
        predictions = {
            "tokens": np.array(labels, dtype=object)[idx],
            "probs": np.concatenate(preds_p),
        }
    return Trace.from_arrays(text, arrays, predictions=predictions, **meta)
