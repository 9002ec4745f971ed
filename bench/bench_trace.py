"""Cost of a full RNN trace (every layer, cell states, gates, predictions) next to a plain forward pass.

    python bench/bench_trace.py [--sizes 1000 10000 100000]

Prints, per text length: the model's own forward pass (``model(ids)``, logits only), the
trace with hidden states only, the full trace (gates + cell states), their ratio, and the
peak resident memory of the process. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import resource
import time

import torch

import interpwidgets as iw
from interpwidgets.zoo.corpus import encode_text, read_corpus
from interpwidgets.zoo.train import build


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    try:
        model = iw.zoo.char_lstm()
    except FileNotFoundError:
        model = build("char_lstm").eval()
    corpus = read_corpus("val", max(args.sizes))
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; model: 2-layer LSTM x 256"
    )
    print(
        f"{'chars':>8} | {'forward s':>9} | {'trace h s':>9} | {'full trace s':>12} | {'full/fwd':>8} | {'peak RSS MB':>11}"
    )
    for n in args.sizes:
        text = corpus[:n]
        ids = torch.from_numpy(encode_text(text))[None]
        repeat = 3 if n <= 10_000 else 1

        def forward(ids=ids):
            with torch.no_grad():
                model(ids)

        fwd = best_of(forward, repeat)
        hid = best_of(
            lambda text=text: iw.trace(model, text, gates=False, top_k=0, progress=False), repeat
        )
        full = best_of(lambda text=text: iw.trace(model, text, progress=False), repeat)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n:>8,} | {fwd:>9.3f} | {hid:>9.3f} | {full:>12.3f} | {full / fwd:>7.2f}x | {rss:>11.0f}"
        )


if __name__ == "__main__":
    main()
