"""Seeded training of the embedded character models.

    python -m interpwidgets.zoo.train char_lstm            # the shipped model
    python -m interpwidgets.zoo.train char_lstm --steps 20 --out /tmp/x   # a quick check
    python -m interpwidgets.zoo.train char_lstm --tbptt --out DIR         # stateful TBPTT
    python -m interpwidgets.zoo.train char_lstm --tbptt --out DIR --resume  # continue it

``--tbptt`` (recurrent models, :mod:`interpwidgets.zoo.tbptt`) carries the state across
``--windows`` consecutive windows of a file, each run warmed up by ``--burn-in`` characters
(:mod:`interpwidgets.zoo.segments`), and checkpoints to ``--checkpoint`` every few minutes.

``--act-sparsity LAMBDA`` adds λ × a sparsity penalty on the LSTM's states (``--act-states``:
``h``, ``c`` or ``hc``, every layer and character) to the loss — unsupervised pressure towards
sparse, axis-aligned units. ``--act-kind l1`` is the mean absolute activation, ``hoyer`` the
scale-free Hoyer sparsity of each layer's state at each character
(:func:`interpwidgets.zoo.tbptt.activation_penalty`); logged as ``act_sparsity`` (before λ) and
recorded in the card.

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

from .recipes import RECIPES as RECIPES  # re-exported
from .recipes import build as build
from .tbptt import ACT_KINDS

WEIGHTS = Path(__file__).parent / "weights"
CHECKPOINT = Path(".train") / "char_lstm_tbptt.pt"


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
    tbptt: bool = False,
    act_sparsity: float = 0.0,
    act_states: str = "hc",
    act_kind: str = "l1",
    **tbptt_options,
) -> dict:
    """Train recipe ``name`` for ``steps`` steps and write its weights and model card.

    ``tbptt=True`` trains statefully (:func:`interpwidgets.zoo.tbptt.train_tbptt`, which takes
    ``tbptt_options``: ``init``, ``checkpoint``, ``resume``, ``warmup``, ``stop_after``, ...).
    ``act_sparsity`` = λ > 0 penalises the ``act_states`` by ``act_kind`` (``"l1"``: mean
    |activation|, ``"hoyer"``: scale-free Hoyer sparsity; LSTM recipes only); 0 trains exactly as
    without it.
    """
    import torch
    import torch.nn.functional as F
    from tqdm.auto import tqdm

    from .corpus import encode_text, read_corpus
    from .tbptt import activation_penalty, check_act_sparsity, unrolled, warmup_cosine

    check_act_sparsity(act_sparsity, act_states, act_kind)
    if act_sparsity and RECIPES[name][1].get("cell") != "lstm":
        raise ValueError(f"act_sparsity: only LSTM recipes have h and c states, not {name!r}")
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    steps = steps if steps is not None else RECIPES[name][2]["steps"]
    lr = lr if lr is not None else RECIPES[name][2]["lr"]
    if tbptt:
        return _train_tbptt(
            name,
            steps,
            out,
            seed,
            batch_size,
            seq_len,
            lr,
            max_train_chars,
            val_chars,
            log_every,
            {
                **tbptt_options,
                "act_sparsity": act_sparsity,
                "act_states": act_states,
                "act_kind": act_kind,
            },
        )
    train_ids = encode_text(read_corpus("train", max_train_chars))
    val_ids = encode_text(read_corpus("val"))
    model = build(name)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, min(100, steps // 10))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(warmup, steps))
    start = time.time()
    log = []
    for step in tqdm(range(steps), desc=f"training {name}", mininterval=5):
        starts = rng.integers(0, len(train_ids) - seq_len - 1, size=batch_size)
        batch = np.stack([train_ids[s : s + seq_len + 1] for s in starts])
        x, y = torch.from_numpy(batch[:, :-1]), torch.from_numpy(batch[:, 1:])
        if act_sparsity:
            logits, _, acts = unrolled(model, x)
            scored = torch.ones_like(y, dtype=torch.bool)
            penalty = activation_penalty(acts, act_states, scored, act_kind)
        else:
            logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        (loss + act_sparsity * penalty if act_sparsity else loss).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if log_every and (step + 1) % log_every == 0:
            log.append(
                {
                    "step": step + 1,
                    "train_bpc": loss.item() / math.log(2),
                    "seconds": round(time.time() - start),
                    **({"act_sparsity": round(penalty.item(), 4)} if act_sparsity else {}),
                }
            )
            print(json.dumps(log[-1]), flush=True)
    # measured on windows of the training length: positions past it were never trained
    val_bpc = bits_per_char(model, val_ids, seq_len=seq_len, max_chars=val_chars)
    card = _card(
        name, model, steps, batch_size, seq_len, seed, lr,
        _corpus_entry(len(train_ids), min(len(val_ids), val_chars)),
        val_bits_per_char=round(val_bpc, 4),
        train_seconds=round(time.time() - start, 1),
        **(
            {"act_sparsity": act_sparsity, "act_states": act_states, "act_kind": act_kind}
            if act_sparsity
            else {}
        ),
        log=log,
    )  # fmt: skip
    _write(model, card, out)
    return card


def _card(name, model, steps, batch_size, seq_len, seed, lr, corpus, **rest) -> dict:
    """The model card's entries every recipe writes, then ``rest`` (measures, log)."""
    return {
        "name": name,
        "config": model.config,
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps": steps,
        "batch_size": batch_size,
        "seq_len": seq_len,
        "seed": seed,
        "lr": lr,
        "corpus": corpus,
        **rest,
    }


def _corpus_entry(train_chars: int, val_chars: int) -> dict:
    from .corpus import stdlib_files

    return {
        "source": "Python standard library source (*.py), site-packages excluded",
        "python": platform.python_version(),
        "train_files": len(stdlib_files("train")),
        "val_files": len(stdlib_files("val")),
        "train_chars": int(train_chars),
        "val_chars": int(val_chars),
    }


def _write(model, card: dict, out: Path | str) -> None:
    import torch
    from safetensors.torch import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    name = card["name"]
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(
        tensors, str(out / f"{name}.safetensors"), metadata={"config": json.dumps(model.config)}
    )
    (out / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n")


def _train_tbptt(
    name, steps, out, seed, batch_size, seq_len, lr, max_train_chars, val_chars, log_every, options
) -> dict:
    from .corpus import encode_text, read_corpus
    from .tbptt import file_bits_per_char, train_tbptt

    if RECIPES[name][0] != "rnn":
        raise ValueError(f"tbptt: only recurrent recipes carry a state, not {name!r}")
    options.setdefault("checkpoint", CHECKPOINT)
    model, part = train_tbptt(
        name,
        steps,
        lr,
        seed=seed,
        batch_size=batch_size,
        seq_len=seq_len,
        max_train_chars=max_train_chars,
        log_every=log_every,
        **options,
    )
    val_files = part.pop("val_files")
    # whole held-out files from a fresh state, as iw.trace reads them
    val_bpc = round(file_bits_per_char(model, val_files, val_chars), 4)
    if part["steps_done"] < steps:
        # stopped early: the checkpoint holds the run (--resume on this machine); the float16
        # weights and a card marked partial go to out (--init DIR/NAME.safetensors elsewhere)
        card = _card(
            name, model, steps, batch_size, seq_len, seed, lr,
            _corpus_entry(part.pop("train_chars"), val_chars),
            partial=True, val_bits_per_char=val_bpc, **part,
        )  # fmt: skip
        if Path(out).resolve() == Path(WEIGHTS).resolve():  # never over the shipped weights
            print(f"stopped early: partial weights not written into {out}; give --out DIR")
        else:
            _write(model, card, out)
        return {**card, "steps": part["steps_done"]}
    val_ids = encode_text(read_corpus("val"))
    card = _card(
        name, model, steps, batch_size, seq_len, seed, lr,
        _corpus_entry(part.pop("train_chars"), val_chars),
        val_bits_per_char=val_bpc,
        # the earlier measure: windows of seq_len characters, each from a fresh state
        val_bits_per_char_windows=round(
            bits_per_char(model, val_ids, seq_len=seq_len, max_chars=val_chars), 4
        ),
        **{k: v for k, v in part.items() if k != "steps_done"},
    )  # fmt: skip
    _write(model, card, out)
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
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--seq-len", type=int, default=None, help="200; 256 with --tbptt")
    parser.add_argument(
        "--act-sparsity",
        type=float,
        default=0.0,
        metavar="LAMBDA",
        help="add LAMBDA x a sparsity penalty on the LSTM states to the loss (default 0: off)",
    )
    parser.add_argument(
        "--act-states", choices=("h", "c", "hc"), default="hc", help="states --act-sparsity reads"
    )
    parser.add_argument(
        "--act-kind",
        choices=ACT_KINDS,
        default="l1",
        help="l1: mean |activation|; hoyer: scale-free sparsity of each layer's state per character",
    )
    tb = parser.add_argument_group("stateful truncated BPTT (recurrent models)")
    tb.add_argument("--tbptt", action="store_true", help="carry the state across windows")
    tb.add_argument("--init", default=None, help="start from these .safetensors weights")
    tb.add_argument(
        "--checkpoint", default=str(CHECKPOINT), help="checkpoint file (default %(default)s)"
    )
    tb.add_argument("--checkpoint-minutes", type=float, default=5.0)
    tb.add_argument("--resume", action="store_true", help="continue the run in --checkpoint")
    tb.add_argument("--windows", type=int, default=6, help="consecutive windows per run")
    tb.add_argument(
        "--burn-in", type=int, default=256, help="characters read before a run (no gradient)"
    )
    tb.add_argument("--warmup", type=int, default=100)
    tb.add_argument("--val-every", type=int, default=1000)
    tb.add_argument("--stop-after", type=int, default=None, help="leave the run after N more steps")
    args = parser.parse_args(argv)
    tbptt_only = ("init", "resume", "stop_after")
    if not args.tbptt and any(getattr(args, k) not in (None, False) for k in tbptt_only):
        parser.error("--init, --resume and --stop-after need --tbptt")
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
        batch_size=args.batch_size,
        log_every=args.log_every,
        seq_len=args.seq_len or (256 if args.tbptt else 200),
        act_sparsity=args.act_sparsity,
        act_states=args.act_states,
        act_kind=args.act_kind,
        **(
            {
                "tbptt": True,
                "init": args.init,
                "checkpoint": args.checkpoint,
                "checkpoint_minutes": args.checkpoint_minutes,
                "resume": args.resume,
                "warmup": args.warmup,
                "windows": args.windows,
                "burn_in": args.burn_in,
                "val_every": args.val_every,
                "stop_after": args.stop_after,
            }
            if args.tbptt
            else {}
        ),
    )
    print(json.dumps({k: card[k] for k in ("name", "steps", "val_bits_per_char", "train_seconds")}))


if __name__ == "__main__":
    main()
