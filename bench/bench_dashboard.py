"""How long one unit of a NeuronDashboard takes to open, in Python and in a real browser.

    python bench/bench_dashboard.py                   # 6,000 characters, k=20, rnn.1.h
    python bench/bench_dashboard.py --chars 20000 --units 30
    python bench/bench_dashboard.py --save scan_k20/  # keep the scan …
    python bench/bench_dashboard.py --scan scan_k20/  # … and time the browser again

It scans held-out stdlib text with the embedded char-LSTM (or loads a saved scan), then:

* python   — ``NeuronDashboard._answer`` for one unit: what a live kernel does per request
             (the scan's queries plus encoding), median over ``--units`` units;
* export   — ``save_html`` time, page size and the units it holds;
* fetched  — in the exported page (Chromium, network blocked): a unit number typed into the
             box → its request answered from the page's store, decoded and the first view
             (histogram, stats, top contexts) laid out (``data-open-ms``);
* complete — the same → everything drawn, quantile samples included (``data-complete-ms``);
* cached   — ▶ to the next unit, which the view prefetched: drawing alone.

Wall-clock figures grow with the machine's load (printed beside them); the "cpu" column is
the page's main-thread CPU time for the same step (Chrome's ``ThreadTime`` metric, from the
DevTools protocol) and the Python CPU time (``time.process_time``), which depend far less
on what else runs. It prints a table; it does not pass or fail.
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
    ap.add_argument("--save", help="write the scan to this folder (for --scan next time)")
    args = ap.parse_args()

    import interpwidgets as iw

    scan = make_scan(args)
    if args.save:
        scan.save(args.save)
    layer = args.layer if args.layer in scan.layers else scan.layers[0]
    n_units = scan.units[layer]
    w = iw.NeuronDashboard(scan, layer=layer, neuron=0)
    units = [int(u) for u in range(3, n_units - 1, max(2, (n_units - 4) // args.units))][
        : args.units
    ]

    py, py_cpu = [], []
    for u in units:
        t, c = time.perf_counter(), time.process_time()
        w._answer({"kind": "unit", "layer": layer, "neuron": u})
        py.append(1000 * (time.perf_counter() - t))
        py_cpu.append(1000 * (time.process_time() - c))

    out = Path(tempfile.mkdtemp(prefix="bench_dashboard_")) / "dash.html"
    t = time.perf_counter()
    w.save_html(out)
    export_s = time.perf_counter() - t
    held = w._export_units()

    from playwright.sync_api import sync_playwright

    fetched, complete, cached = [], [], []
    cpu_fetched, cpu_cached = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort()
        )
        page.goto(out.resolve().as_uri())
        root = page.locator(ROOT)
        page.wait_for_selector(f"{ROOT}[data-rendered-neuron='0']")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})

        def thread_ms():
            got = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            return 1000 * got.get("ThreadTime", float("nan"))

        box = page.locator(f"{ROOT} input.iw-neuron")
        for u in units:
            if u not in held or u + 1 not in held:
                continue
            box.fill(str(u))
            c0 = thread_ms()
            box.press("Enter")
            page.wait_for_selector(f"{ROOT}[data-rendered-neuron='{u}']")
            c1 = thread_ms()  # everything drawn (also the prefetch of u ± 1 it started)
            if root.get_attribute("data-open-source") == "fetched":
                fetched.append(float(root.get_attribute("data-open-ms")))
                complete.append(float(root.get_attribute("data-complete-ms")))
                cpu_fetched.append(c1 - c0)
            page.wait_for_timeout(300)  # let the prefetch of u + 1 land
            c0 = thread_ms()
            page.locator(f"{ROOT} button.iw-next").click()
            page.wait_for_selector(f"{ROOT}[data-rendered-neuron='{u + 1}']")
            c1 = thread_ms()
            if root.get_attribute("data-open-source") == "cache":
                cached.append(float(root.get_attribute("data-open-ms")))
                cpu_cached.append(c1 - c0)
        browser.close()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nNeuronDashboard, {layer} ({n_units} units), k={scan.k}, load average {load:.1f}")
    print(f"  python   one unit answered  {med(py)}   cpu {med(py_cpu)}   [{len(py)} units]")
    print(
        f"  export   {export_s:.1f} s, {out.stat().st_size / 1e6:.1f} MB, "
        f"units {held.start}–{held.stop - 1}"
    )
    print(f"  fetched  first view         {med(fetched)}   [{len(fetched)} units]")
    print(f"  complete everything drawn   {med(complete)}   cpu {med(cpu_fetched)}")
    print(f"  cached   first view         {med(cached)}   [{len(cached)} units]")
    print(f"  cached   everything drawn   cpu {med(cpu_cached)}")


if __name__ == "__main__":
    main()
