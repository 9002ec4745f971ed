"""Train and measure the shipped sparse autoencoder over a char-LSTM layer.

    python -m interpwidgets.zoo.train_sae char_lstm --layer rnn.1.c     # writes weights/sae_char_lstm.*

Activations come from the model's *training* files (standard library, every n-th file, each
cut at :data:`TRAIN_FILE_CHARS`), read each from a fresh state (:mod:`interpwidgets.zoo.lanes`).
The SAE (:class:`interpwidgets.sae.TopKSAE`) is measured on text neither it nor the model saw:

- reconstruction (fraction of variance explained), L0 (mean non-zero features per character)
  and dead features (never non-zero) on the held-out standard-library *selection* files of
  :mod:`interpwidgets.zoo.cells`;
- for each ground-truth feature (:data:`interpwidgets.zoo.cells.FEATURES`): the best SAE
  feature and the best unit of the same layer (and of every h/c layer), each chosen with
  :func:`interpwidgets.find_neurons` on those held-out stdlib files and scored, with the sign
  chosen there, on third-party package source, with 95% intervals.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..sae import TopKSAE, variance_explained

TRAIN_FILE_CHARS = 4_000
TRAIN_CHARS = 100_000


def training_texts(budget: int = TRAIN_CHARS, file_chars: int = TRAIN_FILE_CHARS):
    """``(path, text)`` pairs from the model's *training* files, spread evenly over the sorted
    list (every n-th file), each cut at a line end before ``file_chars`` characters."""
    from .cell_texts import _take
    from .corpus import stdlib_files

    files = stdlib_files("train")
    step = max(1, len(files) // max(1, budget // file_chars))
    return _take(files[::step], budget, file_chars)


def train(
    x: np.ndarray,
    hook_name: str,
    d_sae: int = 1024,
    k: int = 16,
    steps: int = 3000,
    batch_size: int = 512,
    lr: float = 1e-3,
    seed: int = 0,
    aux_k: int = 64,
    aux_coef: float = 1 / 32,
    dead_after: int = 50_000,
    log=print,
) -> tuple[TopKSAE, list[dict[str, Any]]]:
    """A top-k SAE on the rows of ``x`` (Gao et al. 2024: decoder rows of unit norm, encoder
    initialised as the decoder's transpose, ``b_dec`` at the mean, an auxiliary top-``aux_k``
    loss on features silent for ``dead_after`` rows to revive them). Loss: squared error
    over the total variance, i.e. 1 - fraction of variance explained. Seeded."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    X = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    n, d = X.shape
    var = ((X - X.mean(0)) ** 2).sum(1).mean()
    W_dec = torch.randn(d_sae, d)
    W_dec /= W_dec.norm(dim=1, keepdim=True)
    W_dec = W_dec.requires_grad_()
    W_enc = W_dec.detach().T.clone().requires_grad_()
    b_enc = torch.zeros(d_sae, requires_grad=True)
    b_dec = X.mean(0).clone().requires_grad_()
    opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec], lr=lr)
    since_fired = torch.zeros(d_sae)
    log_rows = []
    t0 = time.time()
    for step in range(steps):
        xb = X[torch.from_numpy(rng.integers(0, n, batch_size))]
        pre = (xb - b_dec) @ W_enc + b_enc
        vals, idx = pre.topk(k, dim=1)
        f = torch.zeros_like(pre).scatter(1, idx, vals.relu())
        recon = f @ W_dec + b_dec
        loss = ((xb - recon) ** 2).sum(1).mean() / var
        fired = (f > 0).any(0)
        since_fired = torch.where(fired, torch.zeros_like(since_fired), since_fired + batch_size)
        dead = since_fired >= dead_after
        aux = torch.zeros(())
        if dead.any():
            resid = (xb - recon).detach()
            masked = pre.masked_fill(~dead, -math.inf)
            kk = min(aux_k, int(dead.sum()))
            av, ai = masked.topk(kk, dim=1)
            fa = torch.zeros_like(pre).scatter(1, ai, av.relu())
            aux = ((resid - fa @ W_dec) ** 2).sum(1).mean() / ((resid**2).sum(1).mean() + 1e-8)
        opt.zero_grad()
        (loss + aux_coef * aux).backward()
        opt.step()
        with torch.no_grad():
            W_dec /= W_dec.norm(dim=1, keepdim=True)
        if (step + 1) % max(1, steps // 20) == 0:
            row = {
                "step": step + 1,
                "fve": round(1 - loss.item(), 4),
                "dead": int(dead.sum()),
                "seconds": round(time.time() - t0),
            }
            log_rows.append(row)
            log(json.dumps(row))
    sae = TopKSAE(
        W_enc.detach().numpy(),
        b_enc.detach().numpy(),
        W_dec.detach().numpy(),
        b_dec.detach().numpy(),
        k=k,
        hook_name=hook_name,
    )
    return sae, log_rows


def sparsity(sae: Any, x: np.ndarray) -> dict[str, Any]:
    """Reconstruction, L0 and dead features of ``sae`` on rows ``x``."""
    from ..sae import encode

    f = encode(sae, x)
    active = f > 0
    return {
        "variance_explained": round(variance_explained(sae, x), 4),
        "l0": round(float(active.sum(1).mean()), 2),
        "dead_features": int((~active.any(0)).sum()),
        "d_sae": int(f.shape[1]),
        "n_chars": int(len(x)),
    }


def compare(
    sel: list, test: list, layer: str, feature_layer: str, any_layer: bool = False
) -> dict[str, Any]:
    """Per ground-truth feature: the best unit of ``layer``, (``any_layer=True``) the best of
    every h/c layer — for the shipped model that is the card's ``"cells"`` entry, chosen and
    scored the same way — and the best SAE feature (``feature_layer``), each chosen on ``sel``
    and scored on ``test``."""
    from ..neurons import find_neurons
    from .cells import FEATURES

    units = [n for n in sel[0].names if n.endswith((".h", ".c"))]
    out: dict[str, Any] = {}
    for feature in FEATURES:
        row = {}
        for who, layers in (
            ("neuron_same_layer", [layer]),
            *([("neuron_any_layer", units)] if any_layer else []),
            ("sae_feature", [feature_layer]),
        ):
            df = find_neurons(sel, feature, layers=layers, top=1, test=test)
            best = df.iloc[0]
            row[who] = {
                "layer": str(best.layer),
                "index": int(best.neuron),
                "sign": int(best.sign),
                "metric": str(best.metric),
                "selection": round(float(best.score), 4),
                "test": round(float(best.test_score), 4),
                "test_se": round(float(best.test_se), 4),
                "test_ci": [round(float(best.test_low), 4), round(float(best.test_high), 4)],
            }
        out[feature] = row
    return out


def cached_states(model, which: str, texts: list, keep, cache: Path | None) -> list[dict]:
    """:func:`interpwidgets.zoo.lanes.lstm_states` of ``texts``, kept in ``cache`` (a folder)
    under the set's name and a hash of the model's weights, reused when the texts match."""
    import hashlib
    import pickle

    from .lanes import lstm_states

    if cache is None:
        return lstm_states(model, [t for _, t in texts], keep)
    digest = hashlib.sha256()
    for v in model.state_dict().values():
        digest.update(v.detach().numpy().tobytes())
    file = Path(cache) / f"{which}_{digest.hexdigest()[:12]}.pkl"
    if file.is_file():
        saved = pickle.loads(file.read_bytes())
        if saved["texts"] == texts and all(f"rnn.0.{k}" in saved["states"][0] for k in keep):
            return saved["states"]
    states = lstm_states(model, [t for _, t in texts], keep)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps({"texts": texts, "states": states}))
    return states


def _write(sae: TopKSAE, out: Path, name: str) -> Path:
    path = Path(out) / f"sae_{name}"
    sae.save(path)
    return path


def main(argv: list[str] | None = None) -> None:
    import torch

    from . import WEIGHTS, load
    from .cell_texts import stdlib_parts, third_party_texts
    from .lanes import traces

    parser = argparse.ArgumentParser(
        prog="python -m interpwidgets.zoo.train_sae",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", choices=["char_lstm"])
    parser.add_argument("--layer", default="rnn.1.c")  # holds 5 of the 6 card cells
    parser.add_argument("--d-sae", type=int, default=1024)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-chars", type=int, default=TRAIN_CHARS)
    parser.add_argument("--weights", default=None, help="folder of the model (default: shipped)")
    parser.add_argument("--out", default=str(WEIGHTS))
    parser.add_argument("--cache", default=None, help="folder to keep the model's states in")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    model = load(args.model, args.weights)
    cache = Path(args.cache) if args.cache else None
    t0 = time.time()
    train_texts = training_texts(args.train_chars)
    sel_texts = stdlib_parts()[0]
    tp_texts = [(f"{pkg}:{p}", t) for pkg, ts in third_party_texts().items() for p, t in ts]
    states = {
        which: cached_states(model, which, texts, ("h", "c"), cache)
        for which, texts in (("train", train_texts), ("sel", sel_texts), ("tp", tp_texts))
    }
    x = np.concatenate([s[args.layer] for s in states["train"]])
    sae, log = train(
        x,
        args.layer,
        d_sae=args.d_sae,
        k=args.k,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
    )
    sel = traces(model, [t for _, t in sel_texts], sae=sae, states=states["sel"])
    tp = traces(model, [t for _, t in tp_texts], sae=sae, states=states["tp"])
    held = np.concatenate([tr.activations[args.layer] for tr in sel])
    sae.meta = {
        "name": f"sae_{args.model}",
        "model": args.model,
        "how": "python -m interpwidgets.zoo.train_sae "
        + " ".join(a for a in (argv if argv is not None else sys.argv[1:])),
        "training": {
            "rows": int(len(x)),
            "texts": f"{len(train_texts)} standard-library training files, every n-th, each cut "
            f"at {TRAIN_FILE_CHARS:,} characters",
            "steps": args.steps,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "seed": args.seed,
            "log": log,
        },
        "held_out": sparsity(sae, held),
        "training_rows": sparsity(sae, x),
        "comparison": compare(sel, tp, args.layer, args.layer + ".sae"),
        "comparison_method": "each chosen with find_neurons on the held-out stdlib selection "
        "files of interpwidgets.zoo.cells and scored on its third-party texts (sign fixed)",
        "seconds": round(time.time() - t0),
    }
    path = _write(sae, args.out, args.model)
    print(json.dumps({k: sae.meta[k] for k in ("held_out", "comparison")}, indent=1))
    print(f"wrote {path}.safetensors")


if __name__ == "__main__":
    main()
