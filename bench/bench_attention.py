"""AttentionView vs bertviz on all-MiniLM-L6-v2, side by side in headless Chromium.

    python bench/bench_attention.py [--tokens 32 128 512] [--bertviz-max 128]

For each input length and view (head, model) it writes both pages, opens each in Debian's
Chromium and prints: page bytes, time until the page is drawn *and* its main thread has
settled (no long task for 1 s; measured in the page from navigation start), and hover
latency (a mouseover on a query token until two frames later). bertviz loads require.js, d3
and jQuery from a CDN; the bench serves the same versions from npm (installed into
``bench/.vendor``) so bertviz can draw at all without a network. Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
VENDOR = HERE / ".vendor"
LIBS = {
    "require.js/2.3.6/require.min.js": "node_modules/requirejs/require.js",
    "d3/5.7.0/d3.min.js": "node_modules/d3/dist/d3.min.js",
    "jquery/2.0.0/jquery.min.js": "node_modules/jquery/dist/jquery.min.js",
}
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))
from iwpage import CHROMIUM  # noqa: E402  (one list of Chromium flags)
from iwpage import LAUNCH_ARGS as FLAGS  # noqa: E402

LONGTASKS = """
window.__iwLong = [];
new PerformanceObserver(l => { for (const e of l.getEntries()) window.__iwLong.push(e.startTime + e.duration); })
  .observe({type: 'longtask', buffered: true});
"""
SETTLE = """async (cond) => {
  const ready = new Function('return (' + cond + ')');
  while (!ready()) await new Promise(r => setTimeout(r, 20));
  const drawn = performance.now();
  for (;;) {
    const last = Math.max(0, ...window.__iwLong);
    if (performance.now() - Math.max(last, drawn) > 1000) return Math.max(last, drawn);
    await new Promise(r => setTimeout(r, 100));
  }
}"""
HOVER = """async (sel) => {
  const el = document.querySelector(sel);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const opts = {bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2};
  const t0 = performance.now();
  for (const type of ['pointerover', 'mouseover', 'pointermove', 'mousemove']) el.dispatchEvent(new MouseEvent(type, opts));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


def vendor() -> None:
    if all((VENDOR / p).is_file() for p in LIBS.values()):
        return
    VENDOR.mkdir(exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--no-save",
            "--no-package-lock",
            "--prefix",
            str(VENDOR),
            "requirejs@2.3.6",
            "d3@5.7.0",
            "jquery@2.2.4",
        ],
        check=True,
        capture_output=True,
    )


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
            theirs = out / f"bertviz_{view}_{n_tokens}.html"
            theirs.write_text(
                f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{html}</body></html>",
                encoding="utf-8",
            )
            files[("bertviz", view)] = theirs
    return files


def measure(browser, tool: str, view: str, path: Path) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.add_init_script(LONGTASKS)

    def route(r):
        if not r.request.url.startswith("http"):
            return r.continue_()
        for suffix, local in LIBS.items():
            if r.request.url.endswith(suffix) or r.request.url.endswith(
                suffix.replace(".min.js", ".min")
            ):
                return r.fulfill(path=str(VENDOR / local), content_type="text/javascript")
        return r.abort()

    page.route("**/*", route)
    if tool == "ours":
        cond = (
            f"document.querySelector('.iw-attention-view')?.dataset.rendered?.startsWith('{view}')"
        )
        hover_sel = ".iw-attn-tok"
    else:
        cond = "document.querySelectorAll('#vis svg').length > 0 && document.querySelectorAll('#vis svg text, #vis svg rect').length > 10"
        hover_sel = "#vis svg g g g" if view == "head" else None
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=600_000)
    page.set_default_timeout(600_000)
    ready = page.evaluate(SETTLE, cond)
    hover = page.evaluate(HOVER, hover_sel) if hover_sel and view == "head" else None
    context.close()
    return {
        "tool": tool,
        "view": view,
        "bytes": path.stat().st_size,
        "ready_ms": ready,
        "hover_ms": hover,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument(
        "--bertviz-max",
        type=int,
        default=128,
        help="skip bertviz above this many tokens (512 takes minutes and GBs)",
    )
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
                row = {"tokens": n, **measure(browser, tool, view, path)}
                rows.append(row)
                print(json.dumps(row), flush=True)
        browser.close()
    print(
        f"\n{'tokens':>6} {'view':>5} | {'bertviz MB':>10} {'ours MB':>8} {'×smaller':>8} | {'bertviz s':>9} {'ours s':>7} {'×sooner':>7} | {'hover bv ms':>11} {'ours ms':>7}"
    )
    for n in args.tokens:
        for view in ("head", "model"):
            ours = next(
                r for r in rows if r["tokens"] == n and r["view"] == view and r["tool"] == "ours"
            )
            bv = next(
                (
                    r
                    for r in rows
                    if r["tokens"] == n and r["view"] == view and r["tool"] == "bertviz"
                ),
                None,
            )
            fmt = lambda v, f: "—" if v is None else format(v, f)  # noqa: E731
            print(
                f"{n:>6} {view:>5} | {fmt(bv and bv['bytes'] / 1e6, '10.1f'):>10} {ours['bytes'] / 1e6:>8.2f} {fmt(bv and bv['bytes'] / ours['bytes'], '8.0f'):>8} | "
                f"{fmt(bv and bv['ready_ms'] / 1e3, '9.2f'):>9} {ours['ready_ms'] / 1e3:>7.2f} {fmt(bv and bv['ready_ms'] / ours['ready_ms'], '7.0f'):>7} | "
                f"{fmt(bv and bv['hover_ms'], '11.1f'):>11} {fmt(ours['hover_ms'], '7.1f'):>7}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
