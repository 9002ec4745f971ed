"""How long one unit of a NeuronDashboard takes to open, in Python and in a real browser.

    python bench/bench_dashboard.py                   # 6,000 characters, k=20, rnn.1.h
    python bench/bench_dashboard.py --chars 20000 --units 30
    python bench/bench_dashboard.py --scan saved_scan/ # a scan written by scan.save()

It scans held-out stdlib text with the embedded char-LSTM (or loads a saved scan), then:

* python   — ``NeuronDashboard._answer`` for one unit: what a live kernel does per request
             (the scan's queries plus encoding), median over ``--units`` units;
* export   — ``save_html`` time, page size and the units it holds;
* fetched  — in the exported page (Chromium, network blocked): a unit number typed into the
             box → its request answered from the page's store, decoded and the first view
             (histogram, stats, top and bottom contexts) laid out (``data-open-ms``);
* complete — the same → everything drawn, quantile samples included (``data-complete-ms``);
* cached   — ▶ to the next unit, which the view prefetched: drawing alone.

The load average is printed beside the figures: on a busy machine every browser figure grows
with it. It prints a table; it does not pass or fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))
from iwpage import CHROMIUM, LAUNCH_ARGS  # noqa: E402

ROOT = ".iw-root.iw-neuron-dashboard"
LOCAL = ("file:", "data:", "blob:", "about:")


def make_scan(args):
    import interpwidgets as iw
    from interpwidgets.scan import Scan  # iw.scan / iw.Scan
    from interpwidgets.scan import scan as scan_fn
    from interpwidgets.zoo.corpus import read_corpus

    if args.scan:
        return Scan.load(args.scan)

    text = read_corpus("val", max_chars=args.chars)
    third = len(text) // 3
    docs = {"a": text[:third], "b": text[third : 2 * third], "c": text[2 * third :]}
    t = time.perf_counter()
    scan = scan_fn(iw.zoo.char_lstm(), docs, k=args.k, layers=[args.layer], progress=False)
    print(f"scan: {len(text):,} characters in {time.perf_counter() - t:.1f} s")
    return scan


def med(xs):
    return f"{statistics.median(xs):7.1f} ms (max {max(xs):.1f})" if xs else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--chars", type=int, default=6000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--layer", default="rnn.1.h")
    ap.add_argument("--units", type=int, default=12, help="units timed")
    ap.add_argument("--scan", help="a folder written by scan.save() instead of scanning")
    args = ap.parse_args()

    import interpwidgets as iw

    scan = make_scan(args)
    layer = args.layer if args.layer in scan.layers else scan.layers[0]
    n_units = scan.units[layer]
    w = iw.NeuronDashboard(scan, layer=layer, neuron=0)
    units = [int(u) for u in range(3, n_units - 1, max(2, (n_units - 4) // args.units))][
        : args.units
    ]

    py = []
    for u in units:
        t = time.perf_counter()
        w._answer({"kind": "unit", "layer": layer, "neuron": u})
        py.append(1000 * (time.perf_counter() - t))

    out = Path(tempfile.mkdtemp(prefix="bench_dashboard_")) / "dash.html"
    t = time.perf_counter()
    w.save_html(out)
    export_s = time.perf_counter() - t
    held = w._export_units()

    from playwright.sync_api import sync_playwright

    fetched, complete, cached = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort()
        )
        page.goto(out.resolve().as_uri())
        root = page.locator(ROOT)
        page.wait_for_selector(f"{ROOT}[data-rendered-neuron='0']")
        box = page.locator(f"{ROOT} input.iw-neuron")
        for u in units:
            if u not in held or u + 1 not in held:
                continue
            box.fill(str(u))
            box.press("Enter")
            page.wait_for_selector(f"{ROOT}[data-rendered-neuron='{u}']")
            if root.get_attribute("data-open-source") == "fetched":
                fetched.append(float(root.get_attribute("data-open-ms")))
                complete.append(float(root.get_attribute("data-complete-ms")))
            page.wait_for_timeout(50)  # let the prefetch of u + 1 land
            page.locator(f"{ROOT} button.iw-next").click()
            page.wait_for_selector(f"{ROOT}[data-rendered-neuron='{u + 1}']")
            if root.get_attribute("data-open-source") == "cache":
                cached.append(float(root.get_attribute("data-open-ms")))
        browser.close()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nNeuronDashboard, {layer} ({n_units} units), k={scan.k}, load average {load:.1f}")
    print(f"  python   one unit answered  {med(py)}   [{len(py)} units]")
    print(
        f"  export   {export_s:.1f} s, {out.stat().st_size / 1e6:.1f} MB, "
        f"units {held.start}–{held.stop - 1}"
    )
    print(f"  fetched  first view         {med(fetched)}   [{len(fetched)} units]")
    print(f"  complete everything drawn   {med(complete)}")
    print(f"  cached   first view         {med(cached)}   [{len(cached)} units]")


if __name__ == "__main__":
    main()
