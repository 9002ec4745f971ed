"""AttentionView vs bertviz 1.4.1 on all-MiniLM-L6-v2, side by side in headless Chromium, one run.

    python bench/bench_attention.py [--tokens 32 128 512] [--bertviz-max 128] [--hovers 40]

For each input length and view (head, model) it writes both pages and prints: page bytes,
ready time (``page_ready.mjs``: load event and last long task, once the main thread has been
quiet for 1.5 s) and hover latency p50 / p95 (Event Timing: mouse move → next painted frame)
over ``--hovers`` moves onto query/key tokens (head view) or layer × head thumbnails (model
view). bertviz loads require.js, d3 and jQuery from a CDN; the bench points its page at the
same versions installed from npm into ``bench/.vendor`` so it can draw with no network.
Figures, not a test (see bench/browser_timing.py for how each is measured).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))
from browser_timing import VENDOR, centres, hover_latency, page_ready, quantiles, vendor  # noqa: E402
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
HOVER_SEL = {
    ("ours", "head"): ".iw-attn-col .iw-attn-tok",
    ("bertviz", "head"): "#vis text",
    ("bertviz", "model"): '#vis rect[style*="opacity: 0"]',  # each thumbnail's hover region
}


def pages(n_tokens: int, bertviz_max: int, out: Path) -> dict[tuple[str, str], Path]:
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
        if n_tokens <= bertviz_max:
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


def hovers(browser, tool: str, view: str, path: Path, n: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(900_000)
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=900_000)
    page.evaluate(WAIT, READY[tool].replace("{view}", view))
    page.wait_for_timeout(1500)
    if (tool, view) == ("ours", "model"):
        points = [tuple(p) for p in page.evaluate(OUR_CELLS, n)]
    else:
        points = centres(page, HOVER_SEL[(tool, view)], n)
    times = hover_latency(page, points)
    context.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument(
        "--bertviz-max",
        type=int,
        default=128,
        help="skip bertviz above this many tokens (512 takes minutes and GBs)",
    )
    parser.add_argument("--hovers", type=int, default=40, help="mouse moves per page")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    vendor()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for n in args.tokens:
            for (tool, view), path in sorted(
                pages(n, args.bertviz_max, Path(tmp)).items(), key=lambda kv: (kv[0][1], kv[0][0])
            ):
                ready = page_ready(path, "--offline")
                times = hovers(browser, tool, view, path, args.hovers)
                p50, p95 = quantiles(times)
                row = {
                    "tokens": n,
                    "tool": tool,
                    "view": view,
                    "bytes": path.stat().st_size,
                    "ready_ms": ready["ready_ms"],
                    "requests": ready["requests"],
                    "console_errors": ready["console_errors"],
                    "hovers": len(times),
                    "hover_p50": p50,
                    "hover_p95": p95,
                    "hover_slow": sum(t > 16 for t in times) / len(times) if times else None,
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
        browser.close()
    table(rows, args.tokens)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def table(rows: list[dict], tokens: list[int]) -> None:
    fmt = lambda v, f: "—" if v is None else format(v, f)  # noqa: E731
    print(
        f"\n{'tokens':>6} {'view':>5} | {'bertviz MB':>10} {'ours MB':>8} {'×smaller':>8} | "
        f"{'bertviz s':>9} {'ours s':>7} {'×sooner':>7} | {'hover p50/p95 ms: bertviz':>25} {'ours':>9}"
    )
    for n in tokens:
        for view in ("head", "model"):
            found = {r["tool"]: r for r in rows if (r["tokens"], r["view"]) == (n, view)}
            ours, bv = found.get("ours"), found.get("bertviz")
            if ours is None:
                continue
            hover = lambda r: (  # noqa: E731
                "—" if r is None else f"{fmt(r['hover_p50'], '.0f')}/{fmt(r['hover_p95'], '.0f')}"
            )
            print(
                f"{n:>6} {view:>5} | {fmt(bv and bv['bytes'] / 1e6, '10.1f'):>10} {ours['bytes'] / 1e6:>8.2f} "
                f"{fmt(bv and bv['bytes'] / ours['bytes'], '8.0f'):>8} | "
                f"{fmt(bv and bv['ready_ms'] / 1e3, '9.2f'):>9} {ours['ready_ms'] / 1e3:>7.2f} "
                f"{fmt(bv and bv['ready_ms'] / ours['ready_ms'], '7.0f'):>7} | {hover(bv):>25} {hover(ours):>9}"
            )


if __name__ == "__main__":
    main()
