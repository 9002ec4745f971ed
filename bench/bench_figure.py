"""Size of the toolbar's SVG pictures: figure (canvases as vectors) beside screenshot (canvases
as embedded PNGs), for a 128-token head view, the same tokens' attention matrix and model
view, and a
NeuronText of 2,000 characters; with the time from the click to the download.

    OMP_NUM_THREADS=1 nice -n 10 python bench/bench_figure.py [--out DIR]

The budget (snapshot_canvas.ts): a drawn image becomes <rect> runs of equal colour while
there are at most 20,000 of them (~60 bytes each, ~1.2 MB), else one <image>; a canvas the
recorder cannot follow becomes <rect>s when it has at most 4,096 pixels (legend bars).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

import interpwidgets as iw

CHROMIUM = "/usr/bin/chromium"


def head_trace(n: int = 128, layers: int = 6, heads: int = 12) -> iw.Trace:
    rng = np.random.default_rng(0)
    words = [f"w{i % 50}" for i in range(n)]
    a = rng.dirichlet(np.ones(n) * 0.3, size=(layers, heads, n)).astype(np.float32)
    return iw.Trace.from_arrays(
        " ".join(words), {"x": np.zeros((n, 1), np.float32)}, tokens=words, attention=a
    )


def neuron_trace(chars: int = 2000) -> iw.Trace:
    import inspect
    import json

    src = inspect.getsource(json)[:chars]
    rng = np.random.default_rng(1)
    h = np.tanh(rng.standard_normal((len(src), 8)).cumsum(0) / 8).astype(np.float32)
    return iw.Trace.from_arrays(src, {"rnn.0.h": h})


def export(page, root, kind: str, mode: str) -> tuple[bytes, float]:
    button = root.locator(".iw-toolbar .iw-tb-mode")
    if button.get_attribute("data-mode") != mode:
        button.click()
    t0 = time.perf_counter()
    with page.expect_download(timeout=120_000) as info:
        root.locator(f".iw-toolbar button.iw-tb-{kind}").click()
    data = Path(info.value.path()).read_bytes()
    return data, time.perf_counter() - t0


def counts(svg: bytes) -> str:
    s = svg.decode("utf-8")
    tags = {t: len(re.findall(rf"<{t}\b", s)) for t in ("rect", "path", "text", "image")}
    return " ".join(f"{k} {v:,}" for k, v in tags.items())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, help="keep the SVGs here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    cases = [
        ("head view, 128 tokens, 6x12 heads", iw.AttentionView(head_trace()), ".iw-attention-view"),
        (
            "attention matrix, 128 tokens",
            iw.AttentionView(head_trace(), view="matrix"),
            ".iw-attention-view",
        ),
        (
            "model view, 128 tokens, 6x12 heads",
            iw.AttentionView(head_trace(), view="model"),
            ".iw-attention-view",
        ),
        ("NeuronText, 2,000 characters", iw.NeuronText(neuron_trace()), ".iw-neuron-text"),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for k, (label, widget, sel) in enumerate(cases):
            path = tmp / f"case{k}.html"
            widget.save_html(path)
            page = browser.new_page(viewport={"width": 1100, "height": 800}, accept_downloads=True)
            page.goto(path.resolve().as_uri())
            root = page.locator(f".iw-root{sel}")
            root.locator(".iw-toolbar").wait_for()
            page.wait_for_timeout(1500)
            print(label)
            for mode in ("screenshot", "figure"):
                svg, dt = export(page, root, "svg", mode)
                print(f"  {mode:10s} SVG {len(svg) / 1e3:8.1f} kB  {dt:5.2f} s  {counts(svg)}")
                if args.out:
                    args.out.mkdir(parents=True, exist_ok=True)
                    (args.out / f"case{k}-{mode}.svg").write_bytes(svg)
            page.close()
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
