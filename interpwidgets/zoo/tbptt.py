"""Stateful truncated back-propagation through time for the recurrent char models.

    python -m interpwidgets.zoo.train char_lstm --tbptt --out DIR [--init W.safetensors]
    python -m interpwidgets.zoo.train char_lstm --tbptt --out DIR --resume   # continue a run

Each of the ``batch_size`` lanes of a batch walks one training file's consecutive windows of
``seq_len`` characters; the recurrent state is carried (detached) from one window to the next
of the same file and reset to zero when the lane starts a new file (files in a seeded random
order, a new permutation each epoch). A file's last, shorter window is padded and its padding
is not scored. So a unit can learn to stay "inside a docstring" over thousands of characters,
which windows started from a fresh state never show.

The run writes a checkpoint (model, optimiser, schedule, the lanes' data cursors and states,
the RNG states and the log so far) every ``checkpoint_minutes`` to ``checkpoint`` (atomically),
and ``resume=True`` continues from it to the same result as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

IGNORE = -100


class LaneStream:
    """Batches of consecutive windows: lane ``i`` reads one file from start to end, then the next.

    ``batch()`` returns ``(x, y, reset)``: inputs and next-character targets of shape
    ``(batch_size, seq_len)`` (targets past a file's end are :data:`IGNORE`) and a boolean per
    lane that is true where the lane starts a new file (its state must be zeroed first).
    """

    def __init__(self, files: list[np.ndarray], batch_size: int, seq_len: int, seed: int) -> None:
        self.files = [f for f in files if len(f) >= 2]
        if not self.files:
            raise ValueError("files: expected at least one file of two or more characters")
        self.batch_size, self.seq_len = batch_size, seq_len
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(self.files))
        self.next = 0
        self.epoch = 0
        self.lane_file = [-1] * batch_size
        self.lane_pos = [0] * batch_size

    def _take_file(self) -> int:
        if self.next >= len(self.order):
            self.order = self.rng.permutation(len(self.files))
            self.next = 0
            self.epoch += 1
        index = int(self.order[self.next])
        self.next += 1
        return index

    def batch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b, t = self.batch_size, self.seq_len
        x = np.zeros((b, t), dtype=np.int64)
        y = np.full((b, t), IGNORE, dtype=np.int64)
        reset = np.zeros(b, dtype=bool)
        for lane in range(b):
            f = self.lane_file[lane]
            if f < 0 or self.lane_pos[lane] >= len(self.files[f]) - 1:
                f = self.lane_file[lane] = self._take_file()
                self.lane_pos[lane] = 0
                reset[lane] = True
            pos = self.lane_pos[lane]
            seg = self.files[f][pos : pos + t + 1]
            n = len(seg) - 1
            x[lane, :n], y[lane, :n] = seg[:-1], seg[1:]
            self.lane_pos[lane] = pos + t
        return x, y, reset

    def state_dict(self) -> dict[str, Any]:
        return {
            "rng": self.rng.bit_generator.state,
            "order": self.order.tolist(),
            "next": self.next,
            "epoch": self.epoch,
            "lane_file": list(self.lane_file),
            "lane_pos": list(self.lane_pos),
            "n_files": len(self.files),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["n_files"] != len(self.files):
            raise ValueError(
                f"checkpoint: it was written for {state['n_files']} training files, "
                f"this corpus has {len(self.files)}"
            )
        self.rng.bit_generator.state = state["rng"]
        self.order = np.asarray(state["order"], dtype=np.int64)
        self.next, self.epoch = state["next"], state["epoch"]
        self.lane_file, self.lane_pos = list(state["lane_file"]), list(state["lane_pos"])


def _map_state(state, fn):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(fn(s) for s in state)
    return fn(state)


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
) -> tuple[Any, dict[str, Any]]:
    """Train recipe ``name`` with stateful TBPTT; returns ``(model, partial card)``.

    ``init`` starts from the float16 weights of an earlier run (recorded in the card with its
    SHA-256); ``stop_after`` ends the process's share of the run after that many steps (the
    checkpoint then holds everything ``resume`` needs).
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

    checkpoint = Path(checkpoint)
    torch.manual_seed(seed)
    train_files, val_files = read("train", max_train_chars), read("val")
    model = build(name)
    init_info = None
    if init is not None and not resume:
        from safetensors.torch import load_file

        model.load_state_dict({k: v.float() for k, v in load_file(str(init)).items()})
        init_info = {"file": Path(init).name, "sha256": sha256(init)}
    stream = LaneStream(train_files, batch_size, seq_len, seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)

    def schedule(i: int) -> float:  # linear warm-up, then cosine decay to 5%
        if i < warmup:
            return (i + 1) / warmup
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (i - warmup) / max(1, steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    step, log, state, elapsed = 0, [], None, 0.0
    if resume:
        ck = torch.load(checkpoint, weights_only=False)
        if ck["name"] != name or ck["steps"] != steps:
            raise ValueError(
                f"resume: {checkpoint} is a run of {ck['name']!r} for {ck['steps']} steps, "
                f"not {name!r} for {steps}"
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
            },
        )

    start = time.time()
    last_save = start
    model.train()
    stop_at = steps if stop_after is None else min(steps, step + stop_after)
    while step < stop_at:
        xb, yb, reset = stream.batch()
        x, y = torch.from_numpy(xb), torch.from_numpy(yb)
        keep = torch.from_numpy(~reset).float()[None, :, None]
        state = _map_state(state, lambda s, keep=keep: s * keep)
        logits, state = model(x, state)
        state = _map_state(state, lambda s: s.detach())
        loss = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=IGNORE
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        if log_every and step % log_every == 0:
            entry = {
                "step": step,
                "train_bpc": round(loss.item() / math.log(2), 4),
                "seconds": round(elapsed + time.time() - start),
                "epoch": stream.epoch,
            }
            if val_every and step % val_every == 0:
                entry["val_bpc"] = round(file_bits_per_char(model, val_files, val_chars), 4)
            log.append(entry)
            print(json.dumps(entry), flush=True)
        if time.time() - last_save >= checkpoint_minutes * 60 or step == stop_at:
            save_checkpoint()
            last_save = time.time()
    card = {
        "steps_done": step,
        "training": "stateful truncated BPTT: each lane reads one file's consecutive "
        f"{seq_len}-character windows, state carried across them and reset at a new file",
        "tbptt": True,
        "warmup": warmup,
        "init": init_info,
        "epochs": stream.epoch + stream.next / len(stream.order),
        "train_seconds": round(elapsed + time.time() - start, 1),
        "log": log,
        "train_chars": sum(len(f) for f in train_files),
        "val_files": val_files,
    }
    return model, card
