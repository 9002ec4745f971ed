"""Browser timings shared by the benches, measured the same way for us and for the alternative.

* ready — ``/work/shared/tools/page_ready.mjs`` (copied into ``bench/.vendor`` beside the
  ``playwright-core`` it imports): the later of the load event and the end of the last long
  task, once the main thread has been quiet for 1.5 s.
* hover — the browser's own Event Timing (input → next painted frame, as INP) for a real mouse
  move onto each point in turn, read in the page exactly as page_ready.mjs does: Chromium
  reports only entries of 16 ms and more, so a hover with none counts as 8 ms.

Absolute times drift on a shared machine; compare tools measured in the same run.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
VENDOR = HERE / ".vendor"
PAGE_READY_SRC = Path("/work/shared/tools/page_ready.mjs")
PAGE_READY = VENDOR / "page_ready.mjs"
#: npm packages the benches need (bertviz's CDN libraries, served from disk, and the driver).
NPM = ("playwright-core@1.58.0", "requirejs@2.3.6", "d3@5.7.0", "jquery@2.2.4")

OBSERVE = """() => { window.__ev = []; new PerformanceObserver(l => { for (const e of l.getEntries())
  window.__ev.push([e.name, e.startTime, e.duration]); }).observe({type: 'event', durationThreshold: 16}); }"""
SLOWEST = """t0 => Math.max(8, ...window.__ev.filter(e => e[1] >= t0 && /pointer|mouse/.test(e[0])).map(e => e[2]))"""


def vendor() -> None:
    """Install the npm packages into bench/.vendor (once) and copy page_ready.mjs beside them."""
    if not all((VENDOR / "node_modules" / p.rsplit("@", 1)[0]).is_dir() for p in NPM):
        VENDOR.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-save", "--no-package-lock", "--prefix", str(VENDOR), *NPM],
            check=True,
            capture_output=True,
        )
    if PAGE_READY_SRC.is_file():
        shutil.copyfile(PAGE_READY_SRC, PAGE_READY)
    if not PAGE_READY.is_file():
        raise FileNotFoundError(f"{PAGE_READY_SRC} is missing: the benches time pages with it")


def page_ready(path: Path, *args: str) -> dict:
    """page_ready.mjs's JSON line for ``path`` (extra flags such as ``--offline`` passed on)."""
    out = subprocess.run(
        ["node", str(PAGE_READY), str(Path(path).resolve()), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def hover_latency(page, points: list[tuple[float, float]]) -> list[float]:
    """Event Timing latency (ms) of a real mouse move onto each viewport point in turn."""
    page.evaluate(OBSERVE)
    out = []
    for x, y in points:
        t0 = page.evaluate("() => performance.now()")
        page.mouse.move(x, y)
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        page.wait_for_timeout(40)
        out.append(float(page.evaluate(SLOWEST, t0)))
    return out


def centres(page, selector: str, limit: int) -> list[tuple[float, float]]:
    """Centres of the first ``limit`` elements matching ``selector`` that are on screen."""
    boxes = page.evaluate(
        """([sel, limit]) => { const out = [];
          for (const e of [...document.querySelectorAll(sel)].slice(0, 4 * limit)) {
            const r = e.getBoundingClientRect();
            const x = r.x + r.width / 2, y = r.y + r.height / 2;
            if (r.width > 0 && r.height > 0 && document.elementFromPoint(x, y) && (e.contains(document.elementFromPoint(x, y)) || document.elementFromPoint(x, y).contains(e))) out.push([x, y]);
            if (out.length >= limit) break;
          } return out; }""",
        [selector, limit],
    )
    return [(float(x), float(y)) for x, y in boxes]


def quantiles(xs: list[float]) -> tuple[float | None, float | None]:
    """(p50, p95) as page_ready.mjs takes them (nearest rank), or (None, None)."""
    if not xs:
        return None, None
    s = sorted(xs)
    return s[len(s) // 2], s[min(len(s) - 1, int(len(s) * 0.95))]


def median_of(runs: list[dict], key: str) -> float | None:
    """The median of ``key`` over runs (None when the runs do not have it)."""
    return statistics.median(r[key] for r in runs) if runs and key in runs[0] else None


def ratio_range(slow: list[float], fast: list[float]) -> tuple[float, float, float]:
    """``slow[k] / fast[k]`` for each round k both were timed in: (median, lowest, highest)."""
    ratios = [a / b for a, b in zip(slow, fast, strict=False)]
    return statistics.median(ratios), min(ratios), max(ratios)
