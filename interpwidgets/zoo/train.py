"""Seeded training of the embedded character models.

    python -m interpwidgets.zoo.train char_lstm            # the shipped model
    python -m interpwidgets.zoo.train char_lstm --steps 20 --out /tmp/x   # a quick check

Writes ``<name>.safetensors`` (float16 weights) and ``<name>.json`` (the model card:
config, corpus, steps, validation bits per character) into ``--out`` (default: the
package's ``zoo/weights`` folder).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).parent / "weights"

#: name → (model kind, constructor arguments, training settings)
RECIPES = {
    "char_lstm": (
        "rnn",
        {"cell": "lstm", "hidden_size": 256, "num_layers": 2, "embedding_dim": 64},
        {"steps": 8000, "lr": 3e-3},
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


def bits_per_char(model, data: np.ndarray, seq_len: int = 256, max_chars: int = 200_000) -> float:
    """Mean cross-entropy in bits of ``model`` on the first ``max_chars`` of ``data``."""
    import torch
    import torch.nn.functional as F

    data = data[: max_chars + 1]
    n = (len(data) - 1) // seq_len
    x = torch.from_numpy(data[: n * seq_len].reshape(n, seq_len))
    y = torch.from_numpy(data[1 : n * seq_len + 1].reshape(n, seq_len))
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, n, 64):
            logits, _ = model(x[i : i + 64])
            total += F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), y[i : i + 64].reshape(-1), reduction="sum"
            ).item()
    model.train()
    return total / (n * seq_len) / math.log(2)


def train(
    name: str = "char_lstm",
    steps: int | None = None,
    out: Path | str = WEIGHTS,
    seed: int = 0,
    batch_size: int = 32,
    seq_len: int = 200,
    lr: float | None = None,
    max_train_chars: int | None = None,
    val_chars: int = 200_000,
    threads: int | None = None,
    log_every: int = 100,
) -> dict:
    """Train recipe ``name`` for ``steps`` steps and write its weights and model card."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import save_file
    from tqdm.auto import tqdm

    from .corpus import encode_text, read_corpus, stdlib_files

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    steps = steps if steps is not None else RECIPES[name][2]["steps"]
    lr = lr if lr is not None else RECIPES[name][2]["lr"]
    train_ids = encode_text(read_corpus("train", max_train_chars))
    val_ids = encode_text(read_corpus("val"))
    model = build(name)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, min(100, steps // 10))

    def schedule(i: int) -> float:  # linear warm-up, then cosine decay to 5%
        if i < warmup:
            return (i + 1) / warmup
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (i - warmup) / max(1, steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    start = time.time()
    log = []
    for step in tqdm(range(steps), desc=f"training {name}", mininterval=5):
        starts = rng.integers(0, len(train_ids) - seq_len - 1, size=batch_size)
        batch = np.stack([train_ids[s : s + seq_len + 1] for s in starts])
        x, y = torch.from_numpy(batch[:, :-1]), torch.from_numpy(batch[:, 1:])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if log_every and (step + 1) % log_every == 0:
            log.append(
                {
                    "step": step + 1,
                    "train_bpc": loss.item() / math.log(2),
                    "seconds": round(time.time() - start),
                }
            )
            print(json.dumps(log[-1]), flush=True)
    # measured on windows of the training length: positions past it were never trained
    val_bpc = bits_per_char(model, val_ids, seq_len=seq_len, max_chars=val_chars)
    card = {
        "name": name,
        "config": model.config,
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps": steps,
        "batch_size": batch_size,
        "seq_len": seq_len,
        "seed": seed,
        "lr": lr,
        "corpus": {
            "source": "Python standard library source (*.py), site-packages excluded",
            "python": platform.python_version(),
            "train_files": len(stdlib_files("train")),
            "val_files": len(stdlib_files("val")),
            "train_chars": int(len(train_ids)),
            "val_chars": int(min(len(val_ids), val_chars)),
        },
        "val_bits_per_char": round(val_bpc, 4),
        "train_seconds": round(time.time() - start, 1),
        "log": log,
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(
        tensors, str(out / f"{name}.safetensors"), metadata={"config": json.dumps(model.config)}
    )
    (out / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n")
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("name", choices=sorted([*RECIPES, "sentiment"]))
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--out", default=str(WEIGHTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--max-train-chars", type=int, default=None)
    args = parser.parse_args(argv)
    if args.name == "sentiment":
        from .sentiment_model import train as train_sentiment

        card = train_sentiment(
            args.out, steps=args.steps or 600, seed=args.seed, threads=args.threads
        )
        print(
            json.dumps(
                {
                    k: card[k]
                    for k in ("name", "steps", "accuracy", "accuracy_by_kind", "train_seconds")
                }
            )
        )
        return
    card = train(
        args.name,
        args.steps,
        args.out,
        args.seed,
        lr=args.lr,
        threads=args.threads,
        max_train_chars=args.max_train_chars,
    )
    print(json.dumps({k: card[k] for k in ("name", "steps", "val_bits_per_char", "train_seconds")}))


if __name__ == "__main__":
    main()
