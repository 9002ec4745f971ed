"""How fast an exported NeuronText page is in a real browser.

    python bench/bench_neuron_text.py            # all sizes
    python bench/bench_neuron_text.py --quick    # 1k and 10k only
    python bench/bench_neuron_text.py --repeat 9 --keep out/bench

For each size it exports a page with ``save_html``, opens it from ``file://`` in Debian's
Chromium (network blocked) and measures, inside the page with ``performance.now()``:

* ready  — navigation start → the root gets ``data-rendered-neuron`` (first colours applied)
* step   — ``button.iw-next`` clicked → ``data-rendered-neuron`` is the next neuron
* hover  — the first pointer event of a real mouse move onto a character → the tooltip is
           visible and names that character (then one animation frame, i.e. painted)
* frame  — hover latency p50 / p95 by the browser's Event Timing (mouse move → next painted
           frame, as page_ready.mjs reads it; bench/browser_timing.py) over 40 characters

Figures are medians over ``--repeat`` fresh page loads (ready) or trials (step, hover),
with the worst trial beside them. It prints a table; it does not pass or fail.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))
from browser_timing import centres, hover_latency, quantiles  # noqa: E402
from iwpage import CHROMIUM, LAUNCH_ARGS  # noqa: E402  (one list of Chromium flags)

LOCAL = ("file:", "data:", "blob:", "about:")

CODE = """def parse(line, sep=","):
    fields = line.rstrip("\\n").split(sep)
    if not fields:  # "empty" line
        return []
    return [f.strip() for f in fields if f]

class Table(dict):
    def __init__(self, rows=()):
        super().__init__({i: r for i, r in enumerate(rows)})
"""

# Installed before any page script: note when the first selection is coloured.
READY_PROBE = """
window.__iwReadyAt = null;
new MutationObserver((_, mo) => {
  if (window.__iwReadyAt === null && document.querySelector('.iw-root[data-rendered-neuron]')) {
    window.__iwReadyAt = performance.now();
    mo.disconnect();
  }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-rendered-neuron']});
"""

STEP = """
() => new Promise((resolve, reject) => {
  const root = document.querySelector('.iw-root.iw-neuron-text');
  const want = String(+root.getAttribute('data-rendered-neuron') + 1);
  const mo = new MutationObserver(() => {
    if (root.getAttribute('data-rendered-neuron') === want) {
      const t1 = performance.now();
      mo.disconnect();
      requestAnimationFrame(() => resolve([t1 - t0, performance.now() - t0]));
    }
  });
  mo.observe(root, {attributes: true, attributeFilter: ['data-rendered-neuron']});
  setTimeout(() => reject(new Error('no re-render within 30 s')), 30000);
  const t0 = performance.now();
  root.querySelector('button.iw-next').click();
})
"""

HOVER_ARM = """
(j) => {
  window.__iwHover = new Promise((resolve, reject) => {
    let t0 = null;
    const onMove = (e) => { if (t0 === null) t0 = e.timeStamp; };
    document.addEventListener('pointermove', onMove, true);
    document.addEventListener('mousemove', onMove, true);
    const re = new RegExp('token\\\\s+' + j + '\\\\b');
    const shown = () => {
      const tip = document.querySelector('div.iw-tooltip');
      return tip && tip.checkVisibility({opacityProperty: true, visibilityProperty: true})
             && re.test(tip.textContent);
    };
    const mo = new MutationObserver(() => {
      if (t0 !== null && shown()) {
        const t1 = performance.now();
        mo.disconnect();
        document.removeEventListener('pointermove', onMove, true);
        document.removeEventListener('mousemove', onMove, true);
        requestAnimationFrame(() => resolve([t1 - t0, performance.now() - t0]));
      }
    });
    mo.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    setTimeout(() => reject(new Error('no tooltip within 10 s')), 10000);
  });
}
"""


def long_text(n: int) -> str:
    return (CODE * (n // len(CODE) + 1))[:n]


def export(iw, out: Path, n_chars: int, n_units: int) -> tuple[Path, float]:
    text = long_text(n_chars)
    rng = np.random.default_rng(0)
    arr = rng.standard_normal((n_chars, n_units)).astype(np.float32)
    tr = iw.Trace.from_arrays(text, {"rnn.0.h": arr})
    w = iw.NeuronText(tr, layer="rnn.0.h", neuron=0)
    path = out / f"neuron_text_{n_chars}x{n_units}.html"
    t0 = time.perf_counter()
    w.save_html(str(path))
    return path, time.perf_counter() - t0


def new_page(browser, problems: list[str]):
    ctx = browser.new_context(viewport={"width": 1100, "height": 800})
    ctx.route(lambda url: not url.startswith(LOCAL), lambda route: route.abort())
    page = ctx.new_page()
    page.on("request", lambda r: None if r.url.startswith(LOCAL) else problems.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.add_init_script(READY_PROBE)
    return ctx, page


def measure(browser, path: Path, repeat: int) -> dict[str, list[float]]:
    problems: list[str] = []
    ready, step, hover, dom, frame = [], [], [], [], []
    for trial in range(repeat):
        ctx, page = new_page(browser, problems)
        try:
            page.goto(path.resolve().as_uri())
            page.wait_for_function("() => window.__iwReadyAt !== null", timeout=120_000)
            ready.append(page.evaluate("() => window.__iwReadyAt"))
            page.locator("span.iw-tok").first.wait_for(state="attached", timeout=60_000)
            dom.append(page.locator("span.iw-tok").count())
            if trial == 0:
                for _ in range(repeat):
                    step.append(page.evaluate(STEP)[1])
                for k in range(repeat):
                    j = 7 + 13 * k
                    tok = page.locator(f'span.iw-tok[data-i="{j}"]')
                    page.mouse.move(3, 795)  # off the text
                    page.wait_for_timeout(50)
                    box = tok.bounding_box()
                    page.evaluate(HOVER_ARM, j)
                    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                    hover.append(page.evaluate("() => window.__iwHover")[1])
                frame = hover_latency(page, centres(page, "span.iw-tok", 40))
        finally:
            ctx.close()
    if problems:
        print(f"  !! {path.name}: {len(problems)} problems, e.g. {problems[:3]}", file=sys.stderr)
    return {"ready": ready, "step": step, "hover": hover, "dom": dom, "frame": frame}


def fmt(xs: list[float]) -> str:
    if not xs:
        return "—"
    return f"{statistics.median(xs):7.1f} ({max(xs):6.1f})"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1k and 10k characters only")
    ap.add_argument("--keep", type=Path, help="write the exported pages here instead of a temp dir")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    import interpwidgets as iw

    sizes = [(1_000, 8), (10_000, 8), (100_000, 8), (10_000, 256)]
    if args.quick:
        sizes = sizes[:2]
    tmp = tempfile.TemporaryDirectory()
    out = args.keep or Path(tmp.name)
    out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        print(
            f"Chromium {browser.version}, interpwidgets {getattr(iw, '__version__', '?')}, "
            f"median (worst) of {args.repeat}, milliseconds"
        )
        head = (
            f"{'chars × units':>15} {'file bytes':>12} {'export s':>8} {'spans':>7} "
            f"{'ready ms':>16} {'step ms':>16} {'hover ms':>16} {'frame p50/p95':>13}"
        )
        print(head)
        print("-" * len(head))
        for n, units in sizes:
            path, export_s = export(iw, out, n, units)
            m = measure(browser, path, args.repeat)
            spans = int(statistics.median(m["dom"])) if m["dom"] else 0
            print(
                f"{n:>8,} × {units:<4} {path.stat().st_size:>12,} {export_s:>8.2f} {spans:>7,} "
                f"{fmt(m['ready']):>16} {fmt(m['step']):>16} {fmt(m['hover']):>16} "
                f"{'{:.0f}/{:.0f}'.format(*quantiles(m['frame'])) if m['frame'] else '—':>13}",
                flush=True,
            )
        browser.close()
    print("spans: token spans in the DOM once ready (blocks fill near the viewport)")


if __name__ == "__main__":
    main()
