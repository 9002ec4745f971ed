"""AttentionView vs bertviz 1.4.1 on all-MiniLM-L6-v2, side by side in headless Chromium, one run.

    python bench/bench_attention.py [--tokens 32 128 512] [--bertviz-max 128] [--hovers 40]
                                    [--stack] [--repeat N] [--bertviz-repeat N]

For each input length and view (head, model) it writes both pages and prints: page bytes,
ready time (``page_ready.mjs``: load event and last long task, once the main thread has been
quiet for 1.5 s) and hover latency p50 / p95 (Event Timing: mouse move → next painted frame)
over ``--hovers`` moves onto query/key tokens (head view) or layer × head thumbnails (model
view). ``--stack`` adds a BERT-base-shaped page (12 × 12 heads × 512 tokens of real attention,
bench_scale.real_stack). Each page is timed ``--repeat`` times (bertviz's ``--bertviz-repeat``,
by default as often), in rounds that alternate their order, ``--settle`` s of rest before each
load; printed: medians, the load average before and after, and ``×sooner`` as the median
(range) of each round's ratio. Our ready is the later of page_ready's and when our view had
drawn (its ``data-render-ms``, read in a second fresh browser in the same round), so a view
whose work is cut into tasks under 50 ms is not judged ready before it shows.

The figures for the README (issue 17), one command:

    nice -n 10 python bench/bench_attention.py --tokens 32 128 512 --stack --repeat 3

``--hover`` times hover alone, several runs of each page (fresh page each run), and prints
p50 / p95 over all runs beside bertviz's, with each run's p95 and load average: the head
view at each ``--tokens``, the model view's thumbnails, and NeuronText at ``--neuron-chars``
characters (bertviz has no such view). bertviz's pages are timed up to ``--bertviz-max``
tokens (128 by default), its model view never above 128: at 512 tokens each of its pages is
870 MB, and its head view had not become ready after 13 minutes on a loaded 2-core machine.

    nice -n 10 python bench/bench_attention.py --hover --tokens 128 512 --repeat 3

bertviz loads require.js, d3 and jQuery from a CDN; the bench points its page at the
same versions installed from npm into ``bench/.vendor`` so it can draw with no network.
Figures, not a test (see bench/browser_timing.py for how each is measured).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))
from attention_table import table  # noqa: E402
from browser_timing import (  # noqa: E402
    VENDOR,
    centres,
    hover_latency,
    median_of,
    page_ready,
    quantiles,
    vendor,
)
from iwpage import CHROMIUM  # noqa: E402  (one list of Chromium flags)
from iwpage import LAUNCH_ARGS as FLAGS  # noqa: E402

#: bertviz's CDN addresses -> the same libraries on disk.
CDN = {
    "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js": "requirejs/require.js",
    "https://cdnjs.cloudflare.com/ajax/libs/d3/5.7.0/d3.min": "d3/dist/d3.min",
    "https://cdnjs.cloudflare.com/ajax/libs/jquery/2.0.0/jquery.min": "jquery/dist/jquery.min",
}
READY = {
    "ours": "document.querySelector('.iw-attention-view')?.dataset.rendered?.startsWith('{view}')",
    "bertviz": "document.querySelectorAll('#vis svg text, #vis svg rect').length > 10",
}
DRAWN = "Number(document.querySelector('.iw-attention-view').dataset.renderMs)"
WAIT = """async (cond) => { const ready = new Function('return (' + cond + ')');
  while (!ready()) await new Promise(r => setTimeout(r, 20)); }"""
#: The model view's thumbnails: ours are cells of one canvas (geometry in its data-*).
OUR_CELLS = """(limit) => { const c = document.querySelector('canvas.iw-attn-grid');
  const d = c.dataset, r = c.getBoundingClientRect(), step = +d.cell + +d.gap, out = [];
  const rows = Math.round((r.height - +d.y0) / step), cols = Math.round((r.width - +d.x0) / step);
  for (let k = 0; out.length < limit && k < rows * cols; k++) {
    const i = (k * 7) % (rows * cols);  // spread over the grid
    out.push([r.left + +d.x0 + (i % cols) * step + d.cell / 2, r.top + +d.y0 + Math.floor(i / cols) * step + d.cell / 2]);
  } return out; }"""
#: Our head view's token labels in view, queries then keys: only those inside its scrolling
#: box (a label scrolled out of the box is clipped; a move to its place hovers the page).
OUR_TOKENS = """(limit) => { const box = document.querySelector('.iw-attn-hv-scroll').getBoundingClientRect(), out = [];
  for (const e of document.querySelectorAll('.iw-attn-col .iw-attn-tok')) {
    const r = e.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
    const hit = y > box.top && y < box.bottom ? document.elementFromPoint(x, y) : null;
    if (hit && e.contains(hit)) out.push([x, y]);
    if (out.length >= limit) break;
  } return out; }"""
STACK = "12x12x512"
HOVER_SEL = {
    ("bertviz", "head"): "#vis text",
    ("bertviz", "model"): '#vis rect[style*="opacity: 0"]',  # each thumbnail's hover region
}


def stack_pages(out: Path) -> dict[tuple[str, str], Path]:
    """Our head and model view of a 12 × 12 × 512 stack of real attention (no bertviz page)."""
    from bench_scale import real_stack

    import interpwidgets as iw

    stack, tokens = real_stack()
    files = {}
    for view in ("head", "model"):
        files[("ours", view)] = out / f"ours_{view}_12x12x512.html"
        iw.AttentionView(stack, tokens=tokens, view=view).save_html(files[("ours", view)])
    return files


def pages(
    n_tokens: int, bertviz_max: int, out: Path, bertviz_views: tuple[str, ...] = ("head", "model")
) -> dict[tuple[str, str], Path]:
    import torch
    from bertviz import head_view, model_view

    import interpwidgets as iw

    model, tok = iw.zoo.minilm()
    text = (
        "The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill. "
        * 60
    )
    tr = iw.trace(model, text, tokenizer=tok, max_length=n_tokens)
    assert tr.n_tokens == n_tokens, tr.n_tokens
    attention = tuple(torch.from_numpy(a[None]) for a in tr.attention)
    files = {}
    for view in ("head", "model"):
        ours = out / f"ours_{view}_{n_tokens}.html"
        iw.AttentionView(tr, view=view).save_html(ours)
        files[("ours", view)] = ours
        if n_tokens <= bertviz_max and view in bertviz_views:
            fn = head_view if view == "head" else model_view
            html = fn(attention, tr.tokens, html_action="return").data
            for url, local in CDN.items():
                html = html.replace(url, (VENDOR / "node_modules" / local).resolve().as_uri())
            theirs = out / f"bertviz_{view}_{n_tokens}.html"
            theirs.write_text(
                f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{html}</body></html>",
                encoding="utf-8",
            )
            files[("bertviz", view)] = theirs
    return files


def drawn(playwright, view: str, path: Path) -> float:
    """When our view had drawn (its data-render-ms, ms from navigation) in a fresh browser,
    launched as page_ready.mjs launches its own (a warm browser draws sooner)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.route(lambda url: not url.startswith("file://"), lambda route: route.abort())
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=900_000)
    page.evaluate(WAIT, READY["ours"].replace("{view}", view))
    ms = float(page.evaluate(DRAWN))
    browser.close()
    return ms


def hovers(browser, tool: str, view: str, path: Path, n: int) -> list[float]:
    """Hover latencies (ms) of ``n`` mouse moves (none when n is 0)."""
    if n <= 0:
        return []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(900_000)
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=900_000)
    page.evaluate(WAIT, READY[tool].replace("{view}", view))
    page.wait_for_timeout(1500)
    if (tool, view) == ("ours", "model"):
        points = [tuple(p) for p in page.evaluate(OUR_CELLS, n)]
    elif (tool, view) == ("ours", "head"):
        points = [tuple(p) for p in page.evaluate(OUR_TOKENS, n)]
    else:
        points = centres(page, HOVER_SEL[(tool, view)], n)
    times = hover_latency(page, points)
    context.close()
    return times


#: Hover mode: what a run hovers on our NeuronText page, and when that page is ready.
NEURON_READY = "document.querySelector('.iw-root[data-rendered-neuron]')"
NEURON_SEL = "span.iw-tok"


def hover_run(browser, path: Path, ready: str, pick, n: int) -> list[float]:
    """One fresh page: wait for ``ready`` (a JS expression), then the latencies (ms) of a
    mouse move onto each of the points ``pick(page)`` returns."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(900_000)
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=900_000)
    page.evaluate(WAIT, ready)
    page.wait_for_timeout(1500)
    times = hover_latency(page, pick(page, n))
    context.close()
    return times


def hover_main(args) -> None:
    """``--hover``: hover latency alone, ``--repeat`` runs of each page (bertviz's
    ``--bertviz-repeat``), p50 / p95 over all the runs' moves, each run's p95 and load."""
    from bench_neuron_text import export as neuron_text_page
    from playwright.sync_api import sync_playwright

    import interpwidgets as iw

    cells = lambda page, n: [tuple(p) for p in page.evaluate(OUR_CELLS, n)]  # noqa: E731
    tokens = lambda page, n: [tuple(p) for p in page.evaluate(OUR_TOKENS, n)]  # noqa: E731
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        cases = []  # (what, tool, path, ready, pick)
        for n in args.tokens:
            files = pages(
                n, args.bertviz_max, Path(tmp), ("head", "model") if n <= 128 else ("head",)
            )
            for (tool, view), path in sorted(files.items(), key=lambda kv: (kv[0][1], kv[0][0])):
                what = f"head view, {n} tokens" if view == "head" else f"thumbnails, {n} tokens"
                sel = HOVER_SEL.get((tool, view))
                pick = (
                    (tokens if view == "head" else cells)
                    if sel is None
                    else (lambda page, k, sel=sel: centres(page, sel, k))
                )
                cases.append((what, tool, path, READY[tool].replace("{view}", view), pick))
        if args.neuron_chars:
            path, _ = neuron_text_page(iw, Path(tmp), args.neuron_chars, 8)
            what = f"NeuronText, {args.neuron_chars:,} chars"
            cases.append(
                (what, "ours", path, NEURON_READY, lambda page, k: centres(page, NEURON_SEL, k))
            )
        runs: dict = {(what, tool): [] for what, tool, *_ in cases}
        for k in range(max(args.repeat, args.bertviz_repeat)):  # rounds interleaved
            for what, tool, path, ready, pick in cases:
                if k >= (args.repeat if tool == "ours" else args.bertviz_repeat):
                    continue
                load = os.getloadavg()[0]
                times = hover_run(browser, path, ready, pick, args.hovers)
                runs[(what, tool)].append((times, load))
                print(
                    json.dumps(
                        {
                            "what": what,
                            "tool": tool,
                            "run": k,
                            "load": load,
                            "p50_p95": quantiles(times),
                            "moves": len(times),
                        }
                    ),
                    flush=True,
                )
        browser.close()
    for (what, tool), rs in runs.items():
        every = [t for times, _ in rs for t in times]
        p50, p95 = quantiles(every)
        rows.append(
            {
                "what": what,
                "tool": tool,
                "hover_p50": p50,
                "hover_p95": p95,
                "run_p95": [quantiles(times)[1] for times, _ in rs],
                "load": [round(load, 1) for _, load in rs],
                "moves": len(every),
            }
        )
    hover_table(rows, args.hovers)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def hover_table(rows: list[dict], moves: int) -> None:
    fmt = lambda v: "—" if v is None else f"{v:.0f}"  # noqa: E731
    print(
        f"\nhover, ms: Event Timing, mouse move → next painted frame (Chromium reports 16 ms and "
        f"more; a move with none counts as 8), {moves} moves a run, p50/p95 over all runs"
        f"\n{'':28} {'bertviz':>9} {'ours':>9} | {'ours p95 each run':>18} | load avg (1 min) at each run"
    )
    for what in dict.fromkeys(r["what"] for r in rows):
        found = {r["tool"]: r for r in rows if r["what"] == what}
        ours, bv = found.get("ours"), found.get("bertviz")
        pair = lambda r: "—" if r is None else f"{fmt(r['hover_p50'])}/{fmt(r['hover_p95'])}"  # noqa: E731
        each = " ".join(fmt(x) for x in ours["run_p95"]) if ours else "—"
        loads = "ours " + " ".join(map(str, ours["load"])) if ours else ""
        if bv:
            loads += "; bertviz " + " ".join(map(str, bv["load"]))
        print(f"{what:28} {pair(bv):>9} {pair(ours):>9} | {each:>18} | {loads}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument(
        "--bertviz-max",
        type=int,
        default=128,
        help="skip bertviz above this many tokens (512 takes minutes and GBs)",
    )
    parser.add_argument("--hovers", type=int, default=40, help="mouse moves per page (0: none)")
    parser.add_argument("--stack", action="store_true", help="also our 12 × 12 × 512 page")
    parser.add_argument("--repeat", type=int, default=1, help="times each of our pages is timed")
    parser.add_argument(
        "--bertviz-repeat", type=int, help="times each bertviz page is timed (--repeat)"
    )
    parser.add_argument(
        "--settle", type=float, default=1.0, help="seconds of rest before each timed load"
    )
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument(
        "--hover", action="store_true", help="hover latency alone, --repeat runs of each page"
    )
    parser.add_argument(
        "--neuron-chars", type=int, default=100_000, help="--hover: NeuronText's length (0: none)"
    )
    args = parser.parse_args()
    if args.bertviz_repeat is None:
        args.bertviz_repeat = args.repeat
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    vendor()
    if args.hover:
        print(f"load average before: {load_average()}", flush=True)
        hover_main(args)
        print(f"load average after: {load_average()}")
        return
    from playwright.sync_api import sync_playwright

    print(f"load average before: {load_average()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        sets = [(str(n), lambda n=n: pages(n, args.bertviz_max, Path(tmp))) for n in args.tokens]
        if args.stack:
            sets.append((STACK, lambda: stack_pages(Path(tmp))))
        for label, make in sets:
            files = sorted(make().items(), key=lambda kv: (kv[0][1], kv[0][0]))
            ready: dict = {key: [] for key, _ in files}
            for k in range(max(args.repeat, args.bertviz_repeat)):  # rounds interleaved
                for (tool, view), path in files if k % 2 == 0 else files[::-1]:
                    if k >= (args.repeat if tool == "ours" else args.bertviz_repeat):
                        continue
                    time.sleep(args.settle)
                    r = page_ready(path, "--offline")
                    if tool == "ours":
                        r["drawn_ms"] = drawn(p, view, path)
                        r["page_ready_ms"] = r["ready_ms"]
                        r["ready_ms"] = max(r["ready_ms"], r["drawn_ms"])
                    ready[(tool, view)].append(r)
            for (tool, view), path in files:
                times = hovers(browser, tool, view, path, args.hovers)
                p50, p95 = quantiles(times)
                runs = ready[(tool, view)]
                row = {
                    "tokens": label,
                    "tool": tool,
                    "view": view,
                    "bytes": path.stat().st_size,
                    "ready_ms": median_of(runs, "ready_ms"),
                    "ready_runs": [r["ready_ms"] for r in runs],
                    "page_ready_ms": median_of(runs, "page_ready_ms"),
                    "drawn_ms": median_of(runs, "drawn_ms"),
                    "requests": max(r["requests"] for r in runs),
                    "console_errors": max(r["console_errors"] for r in runs),
                    "hovers": len(times),
                    "hover_p50": p50,
                    "hover_p95": p95,
                    "hover_slow": sum(t > 16 for t in times) / len(times) if times else None,
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
        browser.close()
    print(f"load average after: {load_average()}")
    table(rows, [label for label, _ in sets], args.repeat, args.bertviz_repeat)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
