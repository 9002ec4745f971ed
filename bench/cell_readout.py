"""Is a ground-truth feature in the char-LSTM's units at all, or only not in one of them?

For each feature of the model card's "cells" (issue #14's targets are about single units),
prints the best single unit beside linear read-outs of 4, 16 and all units. Everything is
chosen / fitted on the held-out stdlib selection texts (``zoo.cells.stdlib_parts``) and scored
on the third-party packages' source (``zoo.cells.third_party_texts``) — never on the text it
was chosen on. Boolean features: AUROC (0.5 = chance); numeric ones: |r| (0 = chance).

    python bench/cell_readout.py                          # the shipped weights
    python bench/cell_readout.py --weights .train/run     # a folder with char_lstm.safetensors
    python bench/cell_readout.py --weights .train/run --bpc   # + validation bits/char, |activation|
    python bench/cell_readout.py --name char_lstm_wide --weights bench/runs/char_lstm_wide

A single unit far below the all-unit read-out means the model holds the feature spread over
many units: a crisp "cell" is then a matter of how the model arranged it, not of what it knows.
Takes ~4 minutes on one CPU thread (tracing 220,000 characters).

``--bpc`` first prints the weights' validation bits per character over whole held-out stdlib
files from a fresh state (``zoo.tbptt.file_bits_per_char``: the first 8,000 characters of each,
200,000 in all — the figure a ``--tbptt`` run's card records) and the mean |activation| of each
layer's ``h`` and ``c`` on the third-party text (what ``--act-kind l1`` penalises), with each
unit's L1/L2 ratio over the characters averaged over the units (lifetime sparsity, scale-free:
lower is sparser, √(2/π) ≈ 0.80 for a Gaussian) and the Hoyer sparsity of the layer's state at
each character averaged over the characters (population sparsity, what ``--act-kind hoyer``
penalises: 1/n = one unit of n, 2/π ≈ 0.64 for a Gaussian).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _arrays(model, texts: list[tuple[str, str]], names: tuple[str, ...]):
    import interpwidgets as iw
    from interpwidgets import features

    xs, ys, labels = [], {}, []
    for _, text in texts:
        tr = iw.trace(model, text, progress=False)
        layers = [k for k in tr.names if k.endswith(names)]
        labels = [f"{k}/{i}" for k in layers for i in range(tr.activations[k].shape[1])]
        xs.append(np.concatenate([tr.activations[k] for k in layers], 1))
        table = features.python_code(text)
        for f, v in table.items():
            ys.setdefault(f, []).append(np.asarray(v, np.float64))
    ys = {f: np.concatenate(v) for f, v in ys.items()}
    return np.concatenate(xs).astype(np.float64), ys, labels


def validation_bpc(model) -> float:
    """Whole-file validation bits/char, as a ``--tbptt`` run's card measures it."""
    from interpwidgets.zoo.corpus import encode_text, stdlib_files
    from interpwidgets.zoo.tbptt import file_bits_per_char

    files = []
    for path in stdlib_files("val"):
        try:
            files.append(encode_text(path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    return file_bits_per_char(model, files, 200_000)


def main(argv: list[str] | None = None) -> None:
    import torch
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import roc_auc_score

    from interpwidgets.zoo import cells, load
    from interpwidgets.zoo.tbptt import activation_hoyer

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", default="char_lstm", help="recipe (default %(default)s)")
    ap.add_argument("--weights", default=None, help="folder holding NAME.safetensors")
    ap.add_argument("--bpc", action="store_true", help="also validation bits/char, |activation|")
    args = ap.parse_args(argv)
    model = load(args.name, args.weights)
    if args.bpc:
        print(f"validation: {validation_bpc(model):.4f} bits/char over whole held-out files")
    sel_texts, _ = cells.stdlib_parts()
    tp_texts = [t for texts in cells.third_party_texts().values() for t in texts]
    t0 = time.time()
    xs, ys, labels = _arrays(model, sel_texts, cells.candidates(args.name))
    xt, yt, _ = _arrays(model, tp_texts, cells.candidates(args.name))
    print(f"traced {len(xs):,} selection and {len(xt):,} third-party characters "
          f"({xs.shape[1]} units) in {time.time() - t0:.0f} s\n")  # fmt: skip
    if args.bpc:  # per layer: mean |activation|, lifetime L1/L2, population Hoyer (scale-free)
        mean_abs = np.abs(xt).mean(0)
        ratio = mean_abs / (np.sqrt((xt**2).mean(0)) + 1e-12)
        kinds = sorted({name.rsplit("/", 1)[0] for name in labels})
        rows = [np.array([n.startswith(k + "/") for n in labels]) for k in kinds]
        every = torch.ones(1, len(xt), dtype=torch.bool)
        hoyer = [
            activation_hoyer({"h": [torch.from_numpy(xt[:, r])[None]]}, "h", every).item()
            for r in rows
        ]
        print("third-party text, per layer: mean |activation| / per-unit L1/L2 / Hoyer "
              "(lower = sparser): "
              + ", ".join(f"{k} {mean_abs[r].mean():.3f} / {ratio[r].mean():.3f} / {h:.3f}"
                          for k, r, h in zip(kinds, rows, hoyer, strict=True)) + "\n")  # fmt: skip
    mu, sd = xs.mean(0), xs.std(0) + 1e-6
    zs, zt = (xs - mu) / sd, (xt - mu) / sd
    print("| feature | metric | best unit (chosen on stdlib) | 4 units | 16 units | all units |")
    print("| --- | --- | --- | --- | --- | --- |")
    for f in cells.FEATURES:
        if f in cells.BOOLEAN:
            a, b = ys[f] > 0.5, yt[f] > 0.5
            auc = np.array([roc_auc_score(a, xs[:, j]) for j in range(xs.shape[1])])
            order = np.argsort(-np.abs(auc - 0.5))
            j = int(order[0])
            unit = roc_auc_score(b, xt[:, j] * (1 if auc[j] > 0.5 else -1))
            reads = []
            for k in (4, 16, None):
                cols = order[:k] if k else slice(None)
                step = 1 if k else 2  # all units: every other position (the fit's cost)
                fit = LogisticRegression(max_iter=1000, C=1.0 if k else 0.1)
                fit.fit(zs[::step][:, cols], a[::step])
                reads.append(roc_auc_score(b, fit.decision_function(zt[:, cols])))
            metric = "AUROC"
        else:
            a, b = ys[f], yt[f]
            r = np.array([np.corrcoef(xs[:, j], a)[0, 1] for j in range(xs.shape[1])])
            order = np.argsort(-np.nan_to_num(np.abs(r)))
            j = int(order[0])
            unit = abs(np.corrcoef(xt[:, j], b)[0, 1])
            reads = []
            for k in (4, 16, None):
                cols = order[:k] if k else slice(None)
                fit = Ridge(alpha=10.0).fit(zs[:, cols], a)
                reads.append(abs(np.corrcoef(fit.predict(zt[:, cols]), b)[0, 1]))
            metric = "abs r"
        print(f"| {f} | {metric} | {unit:.3f} ({labels[j]}) | "
              + " | ".join(f"{v:.3f}" for v in reads) + " |")  # fmt: skip


if __name__ == "__main__":
    main()
