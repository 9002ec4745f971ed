"""Scale: a 100k-character char-LSTM trace's memory, a 1,000,000-character NeuronText and
BERT-base-shaped (12 layers × 12 heads × 512 tokens) AttentionViews in headless Chromium.

    python bench/bench_scale.py [--skip-trace] [--export-only N]

Memory is the peak resident set of a fresh Python process that loads the model and traces
(so it includes torch itself). Pages are timed by ``page_ready.mjs`` (bench/browser_timing.py:
load event and last long task, network blocked). Two 12 × 12 × 512 stacks: a random one
(``rand ** 8``, row-normalised: noise, the worst case for the page's deflate) and a real one
(all-MiniLM-L6-v2's 6 layers on two different 512-token texts, stacked to 12 layers).
Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))
from browser_timing import page_ready, vendor  # noqa: E402
from iwpage import CHROMIUM, LAUNCH_ARGS  # noqa: E402

TRACE = """
import resource, sys, time
import interpwidgets as iw
from interpwidgets.zoo.corpus import read_corpus
n, gates = int(sys.argv[1]), sys.argv[2] == "1"
text = read_corpus("val", n)[:n]
lm = iw.zoo.char_lstm()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
tr = iw.trace(lm, text, gates=gates, progress=False)
seconds = time.perf_counter() - t
arrays = sum(a.nbytes for a in tr.activations.values())
print(base / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, arrays / 1e6, seconds)
"""


def trace_memory() -> None:
    print("char-LSTM trace (fresh process; RSS includes torch and the model)")
    print(
        f"{'chars':>9} {'gates':>6} | {'RSS before MB':>13} {'peak RSS MB':>11} {'arrays MB':>9} {'seconds':>7}"
    )
    for n, gates in ((10_000, True), (100_000, True), (100_000, False)):
        out = subprocess.run(
            [sys.executable, "-c", TRACE, str(n), "1" if gates else "0"],
            capture_output=True,
            text=True,
            check=True,
        )
        before, peak, arrays, seconds = (float(v) for v in out.stdout.split())
        print(
            f"{n:>9,} {str(gates):>6} | {before:>13.0f} {peak:>11.0f} {arrays:>9.0f} {seconds:>7.1f}"
        )


def neuron_text_1m(path: Path, compress: bool = True) -> float:
    """Seconds to build and export a 1,000,000-character NeuronText (4 units) to ``path``."""
    import interpwidgets as iw

    rng = np.random.default_rng(0)
    unit = "def f(x):\n    return 'value' + str(x)  # ok\n"
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    acts = np.tanh(rng.normal(size=(len(text), 4))).astype(np.float32)
    t = time.perf_counter()
    iw.NeuronText(iw.Trace.from_arrays(text, {"h": acts})).save_html(path, compress=compress)
    return time.perf_counter() - t


def export_only(out: Path, repeat: int) -> None:
    """The 1M-character NeuronText export alone, deflated beside raw (median of ``repeat``)."""
    print(f"NeuronText 1,000,000 chars × 4 units, median of {repeat} (CPU s beside wall s):")
    for compress in (True, False):
        path = out / f"nt_{compress}.html"
        walls, cpus = [], []
        for _ in range(repeat):
            c = time.process_time()
            walls.append(neuron_text_1m(path, compress))
            cpus.append(time.process_time() - c)
        print(
            f"  {'deflated' if compress else 'raw':<9} export {np.median(walls):.2f} s wall, "
            f"{np.median(cpus):.2f} s CPU, {path.stat().st_size / 1e6:.1f} MB"
        )


def pages(out: Path) -> dict[str, Path]:
    import interpwidgets as iw

    rng = np.random.default_rng(0)
    rng.normal(size=(1_000_000, 4))  # the NeuronText's draws: the stacks below stay the same
    files = {"neuron_text_1M": out / "nt.html"}
    seconds = neuron_text_1m(files["neuron_text_1M"])
    print(
        f"NeuronText 1,000,000 chars × 4 units: export {seconds:.1f} s, {files['neuron_text_1M'].stat().st_size / 1e6:.1f} MB"
    )
    a = rng.random((12, 12, 512, 512), dtype=np.float32) ** 8
    a /= a.sum(-1, keepdims=True)
    tokens = [f"tok{i}" for i in range(512)]
    stacks = {"random": (a, tokens), "real": real_stack()}
    for kind, (stack, toks) in stacks.items():
        t = time.perf_counter()
        w = iw.AttentionView(stack, tokens=toks, view="head")
        for view in ("head", "model", "matrix", "summary", "rollout"):
            w.view = view
            name = f"attention_12x12x512_{kind}_{view}"
            files[name] = out / f"{name}.html"
            w.save_html(files[name])
        size = files[f"attention_12x12x512_{kind}_head"].stat().st_size
        print(
            f"AttentionView 12 × 12 × 512 ({kind}): 5 exports {time.perf_counter() - t:.1f} s, {size / 1e6:.1f} MB each"
        )
    return files


def real_stack() -> tuple[np.ndarray, list[str]]:
    """A BERT-base-shaped stack of real attention: MiniLM's 6 layers on two 512-token texts."""
    import interpwidgets as iw
    from interpwidgets.zoo.corpus import read_corpus

    model, tok = iw.zoo.minilm()
    text = read_corpus("val", 40_000)
    half = len(text) // 2
    traces = [iw.trace(model, t, tokenizer=tok, max_length=512) for t in (text[:half], text[half:])]
    assert all(tr.n_tokens == 512 for tr in traces), [tr.n_tokens for tr in traces]
    stack = np.concatenate([np.asarray(tr.attention) for tr in traces])
    return stack.astype(np.float32), list(traces[0].tokens)


READY = """async () => {
  const t = performance.now();
  for (;;) {
    const r = document.querySelector('.iw-root');
    if (r && (r.dataset.rendered || r.dataset.renderedNeuron !== undefined)) return performance.now();
    await new Promise(res => setTimeout(res, 10));
  }
}"""


def browse(files: dict[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    print(f"  {'page':<36} {'MB':>6} {'ready s':>7}")
    for name, path in files.items():
        r = page_ready(path, "--offline")
        bad = "" if not (r["console_errors"] or r["requests"]) else f"  PROBLEM {r}"
        print(f"  {name:<36} {path.stat().st_size / 1e6:>6.1f} {r['ready_ms'] / 1e3:>7.2f}{bad}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.route(
            "**/*",
            lambda r: r.continue_() if not r.request.url.startswith("http") else r.abort(),
        )
        page.goto(files["neuron_text_1M"].resolve().as_uri(), wait_until="load", timeout=600_000)
        page.evaluate(READY)
        t = page.evaluate("""async () => { const t = performance.now(); document.querySelector('button.iw-next').click();
            while (document.querySelector('.iw-root').dataset.renderedNeuron !== '1') await new Promise(r => requestAnimationFrame(r));
            return performance.now() - t; }""")
        print(
            f"  neuron_text_1M: neuron step {t:.0f} ms, token spans in the DOM {page.locator('.iw-tok').count():,}"
        )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-trace", action="store_true", help="only the pages")
    parser.add_argument(
        "--export-only",
        type=int,
        metavar="N",
        help="only the 1M-character NeuronText export, deflated and raw, median of N runs",
    )
    args = parser.parse_args()
    if args.export_only:
        with tempfile.TemporaryDirectory() as tmp:
            export_only(Path(tmp), args.export_only)
        return
    vendor()
    if not args.skip_trace:
        trace_memory()
    with tempfile.TemporaryDirectory() as tmp:
        files = pages(Path(tmp))
        print("Chromium:")
        browse(files)
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
