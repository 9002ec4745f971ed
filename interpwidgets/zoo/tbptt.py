"""Stateful truncated back-propagation through time for the recurrent char models.

    python -m interpwidgets.zoo.train char_lstm --tbptt --out DIR [--init W.safetensors]
    python -m interpwidgets.zoo.train char_lstm --tbptt --out DIR --resume   # continue a run

Each lane of a batch reads a few consecutive windows of ``seq_len`` characters of one training
file, the recurrent state carried (detached) from one window to the next, then jumps to a
random place of the training text, warmed up by a no-grad read of the characters before it
(:class:`~interpwidgets.zoo.segments.SegmentStream`, which says why). So a unit can learn to
stay "inside a docstring" over a thousand characters, which windows started from a fresh state
never show, while every batch stays a fair sample of the whole corpus.

The run writes a checkpoint (model, optimiser, schedule, the stream's cursors and the lanes'
states, the RNG states and the log so far) every ``checkpoint_minutes`` to ``checkpoint``
(atomically), and ``resume=True`` continues from it to the same result as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .segments import IGNORE as IGNORE  # re-exported
from .segments import SegmentStream


def _map_state(state, fn):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(fn(s) for s in state)
    return fn(state)


def _restart(model, state, reset, burn, warm):
    """The state to read this batch from: carried on lanes that go on, zero on lanes that start a
    file, and on lanes that jump into a file the state after a no-grad read of ``burn``."""
    import torch

    if not reset.any():
        return state
    if state is None:  # first batch: a zero state of the right shape
        with torch.no_grad():
            _, state = model(torch.zeros((len(reset), 1), dtype=torch.long))
        state = _map_state(state, torch.zeros_like)
    keep = torch.from_numpy(~reset).float()[None, :, None]
    state = _map_state(state, lambda s: s * keep)
    if warm.any() and burn.shape[1] > 0:
        lanes = torch.from_numpy(np.flatnonzero(warm))
        with torch.no_grad():
            _, warmed = model(torch.from_numpy(burn[warm]))
        if isinstance(state, tuple):
            for s, w in zip(state, warmed, strict=True):
                s[:, lanes] = w
        else:
            state[:, lanes] = warmed
    return state


#: the LSTM states ``--act-sparsity`` can penalise: hidden (``h``) and cell (``c``) activations
ACT_STATES = ("h", "c")
#: the activation penalties: ``l1`` (mean |activation|) and ``hoyer`` (scale-free, per character)
ACT_KINDS = ("l1", "hoyer")


def check_act_sparsity(act_sparsity: float, act_states: str, act_kind: str = "l1") -> None:
    """Raise a clear error for a bad ``act_sparsity`` (λ ≥ 0), ``act_states`` (``"h"``, ``"c"``,
    ``"hc"``) or ``act_kind`` (``"l1"``, ``"hoyer"``)."""
    ok = isinstance(act_sparsity, (int, float)) and math.isfinite(act_sparsity)
    if not (ok and act_sparsity >= 0):
        raise ValueError(f"act_sparsity: expected a finite number >= 0, got {act_sparsity!r}")
    if not act_states or any(k not in ACT_STATES for k in act_states):
        raise ValueError(f"act_states: expected 'h', 'c' or 'hc', got {act_states!r}")
    if act_kind not in ACT_KINDS:
        raise ValueError(f"act_kind: expected 'l1' or 'hoyer', got {act_kind!r}")


def unrolled(model, ids, state=None):
    """``model(ids, state)`` of an LSTM :class:`~interpwidgets.zoo.char_rnn.CharRNN` computed one
    step at a time, so every layer's hidden and cell states at every position are at hand (the
    fused ``nn.LSTM`` returns only the last layer's ``h``).

    Returns ``(logits, final state, {"h": [(batch, time, hidden) per layer], "c": [...]})``;
    logits and state equal the fused module's (to float rounding), gradients flow through all.
    """
    import torch

    rnn = model.rnn
    if not isinstance(rnn, torch.nn.LSTM):
        raise TypeError(f"model: expected an LSTM CharRNN, got {type(rnn).__name__}")
    x = model.embedding(ids)
    batch, hidden = x.shape[0], rnn.hidden_size
    acts: dict[str, list] = {"h": [], "c": []}
    last_h, last_c = [], []
    for k in range(rnn.num_layers):
        w_hh = getattr(rnn, f"weight_hh_l{k}")
        bias = getattr(rnn, f"bias_ih_l{k}") + getattr(rnn, f"bias_hh_l{k}")
        # (time, batch, 4 hidden), unbound once: slicing per step would make the backward pass
        # allocate a whole-sequence gradient at every step
        pre = (x @ getattr(rnn, f"weight_ih_l{k}").T + bias).transpose(0, 1).unbind(0)
        h = x.new_zeros(batch, hidden) if state is None else state[0][k]
        c = x.new_zeros(batch, hidden) if state is None else state[1][k]
        hs, cs = [], []
        for p in pre:
            i, f, g, o = torch.addmm(p, h, w_hh.T).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
            cs.append(c)
        x = torch.stack(hs, 1)
        acts["h"].append(x)
        acts["c"].append(torch.stack(cs, 1))
        last_h.append(h)
        last_c.append(c)
    return model.head(x), (torch.stack(last_h), torch.stack(last_c)), acts


def activation_l1(acts, states: str, scored):
    """Mean absolute activation over the ``states`` kinds (``"h"``, ``"c"``), every layer, every
    unit and the ``scored`` positions (a (batch, time) bool mask): the ``--act-sparsity`` penalty
    before it is multiplied by λ."""
    weight = scored.to(acts["h"][0].dtype)[..., None]
    parts = [(a.abs() * weight).sum() for k in states for a in acts[k]]
    count = weight.sum() * acts["h"][0].shape[-1] * len(parts)
    return sum(parts) / count.clamp(min=1)


def activation_hoyer(acts, states: str, scored):
    """Mean Hoyer-square sparsity of each layer's state vector at each ``scored`` character:
    ``(Σ|a|)² / (n Σa²)`` over the layer's ``n`` units — 1/n when one unit holds it all, 1 when
    all are equal, ≈ 2/π for Gaussian noise. Scale-free: unlike :func:`activation_l1`, the
    weights reading a state cannot pay it by shrinking that state and scaling their own weights
    up; only concentrating each character's activity in fewer units lowers it (Hurley &
    Rickard 2009; Yang et al. 2020, DeepHoyer)."""
    weight = scored.to(acts["h"][0].dtype)
    parts = []
    for k in states:
        for a in acts[k]:
            ratio = a.abs().sum(-1) ** 2 / (a.shape[-1] * a.pow(2).sum(-1) + 1e-8)
            parts.append((ratio * weight).sum())
    return sum(parts) / (weight.sum() * len(parts)).clamp(min=1)


def activation_penalty(acts, states: str, scored, kind: str = "l1"):
    """The ``--act-sparsity`` penalty of ``kind`` (``"l1"``: :func:`activation_l1`, ``"hoyer"``:
    :func:`activation_hoyer`) before it is multiplied by λ."""
    return (activation_hoyer if kind == "hoyer" else activation_l1)(acts, states, scored)


def file_bits_per_char(
    model,
    files: list[np.ndarray],
    max_chars: int = 200_000,
    file_chars: int = 8_000,
    batch_size: int = 16,
) -> float:
    """Bits per character over whole files, each read from a fresh state to its end.

    The first ``file_chars`` characters of each file, files in the given order until
    ``max_chars`` characters are scored (the last one cut). This is how ``iw.trace`` reads a
    text, so it is the validation figure of a stateful model.
    """
    import torch
    import torch.nn.functional as F

    texts, count = [], 0
    for data in files:
        if count >= max_chars:
            break
        data = data[: min(file_chars, max_chars - count) + 1]
        if len(data) >= 2:
            texts.append(data)
            count += len(data) - 1
    texts.sort(key=len, reverse=True)  # batches of similar length, padding not scored
    total = 0.0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            group = texts[i : i + batch_size]
            width = len(group[0]) - 1
            x = np.zeros((len(group), width), dtype=np.int64)
            y = np.full((len(group), width), IGNORE, dtype=np.int64)
            for row, data in enumerate(group):
                x[row, : len(data) - 1], y[row, : len(data) - 1] = data[:-1], data[1:]
            logits, _ = model(torch.from_numpy(x))
            total += F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]),
                torch.from_numpy(y).reshape(-1),
                ignore_index=IGNORE,
                reduction="sum",
            ).item()
    model.train(was_training)
    return total / count / math.log(2)


def _save(path: Path, payload: dict[str, Any]) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def warmup_cosine(warmup: int, steps: int):
    """The learning-rate factor at step ``i``: linear warm-up, then cosine decay to 5%."""

    def schedule(i: int) -> float:
        if i < warmup:
            return (i + 1) / warmup
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (i - warmup) / max(1, steps - warmup)))

    return schedule


@contextlib.contextmanager
def _stop_on_sigterm():
    """Within it, SIGTERM sets the yielded flag instead of ending the process (main thread only;
    elsewhere the flag never changes), so ``kill`` ends a long run cleanly: checkpointed, its
    partial weights written. The previous handler comes back on leaving."""
    import signal
    import threading

    flag = {"asked": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def ask(signum, frame) -> None:
        flag["asked"] = True
        print(json.dumps({"sigterm": "stopping after this step"}), flush=True)

    previous = signal.signal(signal.SIGTERM, ask)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGTERM, previous)


def sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def train_tbptt(
    name: str,
    steps: int,
    lr: float,
    *,
    seed: int = 0,
    batch_size: int = 32,
    seq_len: int = 256,
    windows: int = 6,
    burn_in: int = 256,
    warmup: int = 100,
    init: str | Path | None = None,
    checkpoint: str | Path,
    resume: bool = False,
    checkpoint_minutes: float = 5.0,
    log_every: int = 100,
    val_every: int = 1000,
    val_chars: int = 200_000,
    max_train_chars: int | None = None,
    stop_after: int | None = None,
    act_sparsity: float = 0.0,
    act_states: str = "hc",
    act_kind: str = "l1",
) -> tuple[Any, dict[str, Any]]:
    """Train recipe ``name`` with stateful TBPTT; returns ``(model, partial card)``.

    ``windows`` and ``burn_in`` shape the stream (:class:`~interpwidgets.zoo.segments.
    SegmentStream`): consecutive windows per run, characters read before a run's first window.
    ``init`` starts from the float16 weights of an earlier run (recorded in the card with its
    SHA-256); ``stop_after`` ends the process's share of the run after that many steps (the
    checkpoint then holds everything ``resume`` needs; SIGTERM does the same after the step in
    hand). ``act_sparsity`` = λ > 0 adds λ × the
    ``act_kind`` penalty of the ``act_states`` (:func:`activation_penalty`: mean |activation| or
    Hoyer sparsity) to the loss, an unsupervised push towards sparse, axis-aligned units; 0
    trains exactly as without it.
    """
    import torch
    import torch.nn.functional as F

    from .corpus import encode_text, stdlib_files
    from .recipes import build

    def read(split: str, budget: int | None = None) -> list[np.ndarray]:
        out, total = [], 0
        for path in stdlib_files(split):
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            out.append(encode_text(text))
            total += len(text)
            if budget is not None and total >= budget:
                break
        return out

    check_act_sparsity(act_sparsity, act_states, act_kind)
    checkpoint = Path(checkpoint)
    torch.manual_seed(seed)
    train_files, val_files = read("train", max_train_chars), read("val")
    model = build(name)
    init_info = None
    if init is not None and not resume:
        from safetensors.torch import load_file

        model.load_state_dict({k: v.float() for k, v in load_file(str(init)).items()})
        init_info = {"file": Path(init).name, "sha256": sha256(init)}
    stream = SegmentStream(train_files, batch_size, seq_len, seed, windows, burn_in)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(warmup, steps))
    step, log, state, elapsed = 0, [], None, 0.0
    if resume:
        ck = torch.load(checkpoint, weights_only=False)
        if ck["name"] != name or ck["steps"] != steps:
            raise ValueError(
                f"resume: {checkpoint} is a run of {ck['name']!r} for {ck['steps']} steps, "
                f"not {name!r} for {steps}"
            )
        ran = (ck.get("act_sparsity", 0.0), ck.get("act_states", "hc"), ck.get("act_kind", "l1"))
        if ran[0] != act_sparsity or (act_sparsity and ran[1:] != (act_states, act_kind)):
            raise ValueError(
                f"resume: {checkpoint} ran with act_sparsity={ran[0]} ({ran[2]}) on {ran[1]!r}, "
                f"not act_sparsity={act_sparsity} ({act_kind}) on {act_states!r}"
            )
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        stream.load_state_dict(ck["stream"])
        torch.set_rng_state(ck["torch_rng"])
        step, log, state, elapsed = ck["step"], ck["log"], ck["state"], ck["seconds"]
        init_info = ck["init"]
        print(json.dumps({"resumed_at_step": step, "seconds": round(elapsed)}), flush=True)

    def save_checkpoint() -> None:
        _save(
            checkpoint,
            {
                "name": name,
                "steps": steps,
                "step": step,
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "stream": stream.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "state": state,
                "log": log,
                "seconds": elapsed + time.time() - start,
                "init": init_info,
                "act_sparsity": act_sparsity,
                "act_states": act_states,
                "act_kind": act_kind,
            },
        )

    start = time.time()
    last_save = start
    model.train()
    stop_at = steps if stop_after is None else min(steps, step + stop_after)
    with _stop_on_sigterm() as stop:
        while step < stop_at:
            if stop["asked"]:  # SIGTERM: leave after the step in hand, as stop_after would
                save_checkpoint()
                break
            xb, yb, reset, burn, warm = stream.batch()
            x, y = torch.from_numpy(xb), torch.from_numpy(yb)
            state = _restart(model, state, reset, burn, warm)
            if act_sparsity:
                logits, state, acts = unrolled(model, x, state)
                penalty = activation_penalty(acts, act_states, y != IGNORE, act_kind)
            else:
                logits, state = model(x, state)
            state = _map_state(state, lambda s: s.detach())
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=IGNORE
            )
            opt.zero_grad()
            (loss + act_sparsity * penalty if act_sparsity else loss).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if log_every and step % log_every == 0:
                entry = {
                    "step": step,
                    "train_bpc": round(loss.item() / math.log(2), 4),
                    "seconds": round(elapsed + time.time() - start),
                    "epoch": round(stream.epochs(), 4),
                }
                if act_sparsity:  # the penalty before λ; train_bpc is the LM loss alone
                    entry["act_sparsity"] = round(penalty.item(), 4)
                if val_every and step % val_every == 0:
                    entry["val_bpc"] = round(file_bits_per_char(model, val_files, val_chars), 4)
                log.append(entry)
                print(json.dumps(entry), flush=True)
            if time.time() - last_save >= checkpoint_minutes * 60 or step == stop_at:
                save_checkpoint()
                last_save = time.time()
    card = {
        "steps_done": step,
        "training": f"stateful truncated BPTT: each lane reads {windows} consecutive "
        f"{seq_len}-character windows of a file, state carried across them, then jumps to a "
        f"random character of the training text, warmed up by a no-grad read of the "
        f"{burn_in} characters before it (from a file's start: a zero state)",
        "tbptt": True,
        "windows": windows,
        "burn_in": burn_in,
        "warmup": warmup,
        "init": init_info,
        "act_sparsity": act_sparsity,
        "act_states": act_states,
        "act_kind": act_kind,
        "epochs": round(stream.epochs(), 4),
        "train_seconds": round(elapsed + time.time() - start, 1),
        "log": log,
        "train_chars": sum(len(f) for f in train_files),
        "val_files": val_files,
    }
    return model, card
