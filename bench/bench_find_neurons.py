"""``find_neurons`` with a boolean feature (what ``NeuronExplorer(tr, feature=...)`` ranks by),
the AUROC counted by sort and search beside the average-rank formula it replaced.

    python bench/bench_find_neurons.py [--chars 100000] [--repeat 1]

A char-LSTM trace of ``--chars`` characters of the standard library's source (every layer,
cell states and gates: 12 arrays × 256 units), then ``find_neurons(tr, "in_string")`` over all
of them, once with the current ``_auroc`` (each unit's positives and negatives sorted apart,
Mann–Whitney's U counted by binary search) and once with the rank formula (scipy's
``rankdata`` of every column, ``(Σ ranks₊ − n₊(n₊+1)/2) / (n₊ n₋)``). Both tables are checked
to be the same. CPU seconds of the process (``time.process_time``) and wall seconds are
printed side by side; figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def rank_formula(x, y):
    """The AUROC as it was computed before: average ranks of every column."""
    from interpwidgets.neurons import _ranks

    ranks = _ranks(x)
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    return (ranks[y].sum(axis=0) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    import pandas as pd

    import interpwidgets as iw
    from interpwidgets import neurons
    from interpwidgets.zoo.corpus import read_corpus

    text = read_corpus("val", max_chars=args.chars)[: args.chars]
    tr = iw.trace(iw.zoo.char_lstm(), text, progress=False)
    units = sum(a.shape[1] for a in tr.activations.values())
    print(f"{len(text):,} characters, {len(tr.activations)} arrays, {units:,} units")
    fast = neurons._auroc
    tables = {}
    for name, fn in (("sort and search (now)", fast), ("rank formula (before)", rank_formula)):
        neurons._auroc = fn
        cpu, wall = [], []
        for _ in range(args.repeat):
            c, w = time.process_time(), time.perf_counter()
            tables[name] = neurons.find_neurons(tr, "in_string", progress=False)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
        print(f"{name:24s} cpu {min(cpu):6.2f} s   wall {min(wall):6.2f} s")
    neurons._auroc = fast
    a, b = tables.values()
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)
    print("same table:", len(a), "rows; top:", a.iloc[0][["layer", "neuron", "score"]].to_dict())


if __name__ == "__main__":
    main()
