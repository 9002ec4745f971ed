"""A full RNN trace (every layer, cell states, gates, predictions) beside a plain fused forward.

    python bench/bench_trace.py --threads 1 [--sizes 100000 1000000] [--dtype float32 float16]

For each text length, each run is a fresh Python process (so its peak resident memory is its
own): the char-LSTM's plain forward pass (``model(ids)``: the fused ``nn.LSTM`` at batch 1
and the output layer, 100,000 characters per call with the state carried over — oneDNN
could not create its LSTM primitive for one call over 1,000,000), then ``iw.trace`` with every gate for each ``--dtype`` (storage
decided by ``spill="auto"``: in memory up to 1 GiB of arrays, spilled to a temporary
directory past it) followed, in the same process, by ``NeuronText(tr, layer="rnn.1.c")``
and ``save_html`` (what a person does next; its peak RSS is the row below the trace's). Prints characters per second side by side, the
trace's throughput as a share of the forward's, and each process's peak RSS
(``resource.getrusage`` max RSS, file pages mapped by a spilled trace included). Forward and
trace alternate, so a change of machine load hits both; throughput is characters per CPU
second of the process (user + system time, ``time.process_time``), which a shared machine's
load changes far less than wall time (both are printed). Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

#: the plain forward runs over at most this many characters per call, the state carried over
FORWARD_CHUNK = 100_000


def child(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    import interpwidgets as iw
    from interpwidgets.zoo.corpus import encode_text, read_corpus

    model = iw.zoo.char_lstm()
    text = read_corpus("val", args.n)[: args.n]
    out: dict = {"n": len(text)}
    t0, c0 = time.perf_counter(), time.process_time()
    if args.run == "forward":
        ids = torch.from_numpy(encode_text(text))[None]
        state = None
        with torch.no_grad():  # oneDNN cannot make one LSTM call over 1M steps: 100k at a time
            for s in range(0, ids.shape[1], FORWARD_CHUNK):
                _, state = model(ids[:, s : s + FORWARD_CHUNK], state)
        out["seconds"] = time.perf_counter() - t0
        out["cpu_seconds"] = time.process_time() - c0
    else:
        tr = iw.trace(model, text, progress=False, dtype=args.dtype)
        out["seconds"] = time.perf_counter() - t0
        out["cpu_seconds"] = time.process_time() - c0
        out["storage"] = tr.meta["storage"]
        out["trace_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        w = iw.NeuronText(tr, layer="rnn.1.c", neuron=7)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "page.html")
            w.save_html(path)
            out["page_mb"] = os.path.getsize(path) / 1e6
        out["widget_seconds"] = time.perf_counter() - t0 - out["seconds"]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def run(n: int, what: str, threads: int, dtype: str = "float32") -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    cmd = [sys.executable, __file__, "--child", what, "--n", str(n), "--threads", str(threads)]
    cmd += ["--dtype", dtype]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dtype", nargs="+", default=["float32", "float16"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--child", choices=["forward", "trace"])
    parser.add_argument("--n", type=int)
    parser.add_argument("--no-forward", action="store_true", help="only the trace rows")
    args = parser.parse_args()
    if args.child:
        args.run = args.child
        args.dtype = args.dtype[0]
        child(args)
        return
    import torch

    print(
        f"torch {torch.__version__}, {args.threads} thread(s); model: char-LSTM, 2 layers x 256, "
        "every gate (3,072 values per character); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start"
    )
    head = (
        f"{'chars':>9} | {'run':<28} | {'wall s':>7} | {'CPU s':>7} | {'chars/CPU s':>11} | "
        f"{'vs fwd':>6} | {'peak RSS MB':>11} | storage"
    )
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        for dtype in args.dtype:
            fwd = (
                {"error": "not run (--no-forward)"}
                if args.no_forward
                else run(n, "forward", args.threads)
            )
            tr = run(n, "trace", args.threads, dtype)
            for label, r in (("model(ids), fused nn.LSTM", fwd), (f"iw.trace, {dtype}", tr)):
                if "error" in r:
                    print(f"{n:>9,} | {label:<28} | failed: {r['error']}")
                    continue
                rate = r["n"] / r["cpu_seconds"]
                share = (
                    f"{fwd['cpu_seconds'] / r['cpu_seconds']:>6.0%}"
                    if r is not fwd and "cpu_seconds" in fwd
                    else ""
                )
                rss = r.get("trace_rss_mb", r["peak_rss_mb"])
                print(
                    f"{n:>9,} | {label:<28} | {r['seconds']:>7.1f} | {r['cpu_seconds']:>7.1f} | "
                    f"{rate:>11,.0f} | {share:>6} | {rss:>11,.0f} | {r.get('storage', '')}"
                )
                if "page_mb" in r:
                    print(
                        f"{n:>9,} | {'  + NeuronText + save_html':<28} | "
                        f"{r['widget_seconds']:>7.1f} | {'':>7} | {'':>11} | {'':>6} | "
                        f"{r['peak_rss_mb']:>11,.0f} | page {r['page_mb']:.1f} MB"
                    )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
