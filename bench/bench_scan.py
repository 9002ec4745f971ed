"""Corpus scans: throughput beside a plain batched nn.LSTM forward, memory as the corpus grows,
exactness against brute force, and the same scan on a Dask LocalCluster.

    python bench/bench_scan.py [--chars 2000000] [--batch 32] [--big 10000000] [--dask]

The corpus is the Python standard library's source files (read from disk as paths, one
document per file, in sorted order), cut to the requested number of characters.
Figures, not a pass/fail test; run it on a quiet machine (it prints torch's thread count).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

import interpwidgets as iw
from interpwidgets.zoo.corpus import stdlib_files

HC = ["rnn.0.h", "rnn.0.c", "rnn.1.h", "rnn.1.c"]


def corpus_paths(chars: int, max_doc: int = 20_000) -> list[str]:
    """Standard-library files of at most ``max_doc`` characters, in sorted order, until
    ``chars``: many documents, so the lanes stay full (a corpus of a few long files is as
    fast as its longest file, for the scan and the plain forward alike)."""
    out, total = [], 0
    for path in stdlib_files("all"):
        try:
            n = len(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
        if n > max_doc:
            continue
        out.append(str(path))
        total += n
        if total >= chars:
            break
    return out


def plain_forward(model, paths: list[str], batch: int, window: int = 256) -> tuple[float, int]:
    """The model's own nn.LSTM over the same documents, ``batch`` lanes × ``window`` steps,
    state carried within a document and reset between documents, only lanes that hold a
    document run (as the scan does) — no recording, no statistics: the baseline."""
    from interpwidgets.zoo.corpus import encode_text

    docs = [encode_text(Path(p).read_text(encoding="utf-8")) for p in paths]
    layers, hidden = model.rnn.num_layers, model.rnn.hidden_size
    h = torch.zeros(layers, batch, hidden)
    c = torch.zeros(layers, batch, hidden)
    lanes = [np.zeros(0, np.int64)] * batch
    queue, n = iter(docs), 0
    t0 = time.perf_counter()
    with torch.no_grad():
        while True:
            for i in range(batch):
                if not len(lanes[i]):
                    lanes[i] = next(queue, np.zeros(0, np.int64))
                    h[:, i] = 0
                    c[:, i] = 0
            active = [i for i, x in enumerate(lanes) if len(x)]
            if not active:
                break
            ids = np.zeros((len(active), window), np.int64)
            for j, i in enumerate(active):
                ids[j, : min(window, len(lanes[i]))] = lanes[i][:window]
                n += min(window, len(lanes[i]))
                lanes[i] = lanes[i][window:]
            idx = torch.as_tensor(active)
            _, (hn, cn) = model.rnn(model.embedding(torch.as_tensor(ids)), (h[:, idx], c[:, idx]))
            h[:, idx], c[:, idx] = hn, cn
    return time.perf_counter() - t0, n


def measure_memory(paths: list[str], batch: int) -> float:
    code = (
        "import resource, json, sys, interpwidgets as iw\n"
        f"sc = iw.scan(iw.zoo.char_lstm(), {paths!r}, layers={HC!r}, batch_size={batch}, progress=False)\n"
        "print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, sc.meta['n_chars']]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def exactness(model, paths: list[str], units: int = 20) -> float:
    """Largest |difference| between ``scan.top`` and brute force over ``iw.trace`` (and
    whether the positions agree) for random units."""
    sc = iw.scan(model, paths, layers=HC, k=10, progress=False)
    traces = [iw.trace(model, Path(p).read_text(encoding="utf-8"), progress=False) for p in paths]
    rng = np.random.default_rng(0)
    worst, same = 0.0, True
    for _ in range(units):
        layer, unit = HC[rng.integers(len(HC))], int(rng.integers(256))
        vals = [
            (float(-v), d, p)
            for d, tr in enumerate(traces)
            for p, v in enumerate(tr.activations[layer][:, unit])
        ]
        vals.sort()
        top = sc.top(layer, unit)
        same &= top["position"].tolist() == [p for _, _, p in vals[:10]]
        worst = max(
            worst, float(np.abs(top["value"].to_numpy() + [v for v, _, _ in vals[:10]]).max())
        )
    return worst if same else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument(
        "--big", type=int, default=0, help="also scan this many characters (e.g. 10000000)"
    )
    ap.add_argument("--dask", action="store_true", help="also run on a 2-worker LocalCluster")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}")
    model = iw.zoo.char_lstm()
    paths = corpus_paths(args.chars)

    cpu = {}
    c0 = time.process_time()
    t_plain, n = plain_forward(model, paths, args.batch)
    cpu["plain"] = time.process_time() - c0
    c0, t0 = time.process_time(), time.perf_counter()
    sc = iw.scan(model, paths, layers=HC, batch_size=args.batch, progress=False)
    t_scan, cpu["on"] = time.perf_counter() - t0, time.process_time() - c0
    c0, t1 = time.process_time(), time.perf_counter()
    iw.scan(model, paths, layers=HC, batch_size=args.batch, progress=False, features=False)
    t_nofeat, cpu["off"] = time.perf_counter() - t1, time.process_time() - c0
    c0, t2 = time.process_time(), time.perf_counter()
    hs = [name for name in HC if name.endswith(".h")]
    iw.scan(model, paths, layers=hs, batch_size=args.batch, progress=False, features=False)
    t_h, cpu["h"] = time.perf_counter() - t2, time.process_time() - c0
    print(
        f"\n{n:,} characters in {len(paths)} files, batch {args.batch}, all h and c units (1,024)"
    )
    print(f"{'':34}{'seconds':>9}{'chars/s':>12}{'× plain':>9}{'CPU s':>8}{'× plain':>9}")
    rows = [
        ("plain nn.LSTM forward", t_plain, "plain"),
        ("iw.scan, features off", t_nofeat, "off"),
        ("iw.scan, features on", t_scan, "on"),
        ("iw.scan, h units only (512)", t_h, "h"),
    ]
    for label, t, key in rows:
        print(
            f"{label:34}{t:9.1f}{n / t:12,.0f}{t_plain / t:9.2f}"
            f"{cpu[key]:8.1f}{cpu['plain'] / cpu[key]:9.2f}"
        )
    assert sc.meta["n_chars"] == n

    small = corpus_paths(args.chars // 4)
    m1, c1 = measure_memory(small, args.batch)
    m4, c4 = measure_memory(paths, args.batch)
    print(
        f"\npeak RSS: {c1:,} chars {m1:.0f} MB; {c4:,} chars {m4:.0f} MB; ratio {m4 / m1:.2f} for {c4 / c1:.1f}× the corpus"
    )

    err = exactness(model, corpus_paths(60_000))
    print(
        f"\nexact: 20 random units, top-10 positions equal to brute force over iw.trace, max |Δvalue| = {err:.2e}"
    )

    if args.big:
        big = corpus_paths(args.big)
        t0 = time.perf_counter()
        sc_big = iw.scan(
            model, big, layers=HC, batch_size=args.batch, progress=True, features=False
        )
        dt = time.perf_counter() - t0
        print(
            f"\n{sc_big.meta['n_chars']:,} characters ({len(big)} files): {dt:.0f} s, {sc_big.meta['n_chars'] / dt:,.0f} chars/s"
        )

    if args.dask:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as lc,
            Client(lc) as client,
        ):
            t0 = time.perf_counter()
            remote = iw.scan(
                model, paths, layers=HC, batch_size=args.batch, client=client, progress=False
            )
            dt = time.perf_counter() - t0
        same = all(
            remote.top(layer, u)["position"].tolist() == sc.top(layer, u)["position"].tolist()
            for layer in HC
            for u in range(0, 256, 17)
        )
        print(
            f"\nDask LocalCluster (2 processes × 1 thread): {dt:.1f} s ({n / dt:,.0f} chars/s); same top positions as local: {same}"
        )


if __name__ == "__main__":
    main()
