"""A lecturer's flow in a real JupyterLab, timed: open a course notebook, Run All from the menu,
switch the first widget to presentation mode (A+), export every widget's figure as PNG for the
slides, and open the pages the notebook saved as a student would (from disk, no kernel).

    OMP_NUM_THREADS=1 python bench/lecturer_flow.py en/00_tour zh/00_tour   # or en, zh: all

Prints, per notebook, the seconds from Run All until every code cell has run and every widget
has drawn, the kernel's CPU seconds over the same span (with OMP_NUM_THREADS=1 about what an
idle laptop core takes), the load average, and what A+, the PNGs and the saved pages showed;
screenshots, PNGs and pages land in bench/results/lecturer_<notebook>/, the rows in
bench/results/lecturer.json. The kernel starts with an empty cache (``INTERPWIDGETS_CACHE`` in
a temporary directory), as on a student's first run. Needs Debian's chromium and playwright (as
the browser tests), no network. Each step is checked (tests/browser/lecturer.py); a failed step is reported in the
row's "failed" and the next notebook runs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"
RESULTS = HERE / "results" / "lecturer.json"
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))
sys.path.insert(0, str(HERE))

from bench_notebooks import tree_cpu  # noqa: E402
from iwpage import CHROMIUM, LAUNCH_ARGS  # noqa: E402
from jupyter_host import KERNELSPEC, cell, describe, start, wait_kernel_idle  # noqa: E402
from lecturer import SETTINGS, export_png, open_handout, present, run_all, top_roots  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

WAIT = 900  # s: a loaded machine


def kernel_cpu(server) -> float:
    """CPU seconds so far of the notebook's kernel and the processes it started."""
    (session,) = server.api("/api/sessions")
    kid = session["kernel"]["id"]
    return sum(
        tree_cpu(p)
        for p in psutil.process_iter(["cmdline"])
        if any(f"kernel-{kid}.json" in a for a in p.info["cmdline"] or ())
    )


def flow(name: str, browser) -> dict:
    src = NOTEBOOKS / f"{name}.ipynb"
    out = HERE / "results" / f"lecturer_{name.replace('/', '_')}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb["metadata"]["kernelspec"] = KERNELSPEC
    row: dict = {"notebook": name, "cache": "cold", "load_1min_start": round(os.getloadavg()[0], 1)}
    with tempfile.TemporaryDirectory() as tmp:
        # a student's first run: the kernel (started by the server) gets an empty cache
        os.environ["INTERPWIDGETS_CACHE"] = str(Path(tmp) / "cache")
        try:
            with start(Path(tmp), app="lab", settings=SETTINGS) as server:
                _steps(name, nb, server, browser, out, row)
        finally:
            os.environ.pop("INTERPWIDGETS_CACHE", None)
    row["out"] = str(out.relative_to(HERE.parent))
    return row


def _steps(name: str, nb: dict, server, browser, out: Path, row: dict) -> None:
    """Open, Run All, A+, PNGs, saved pages; fills ``row`` (``failed`` says which step broke)."""
    (server.root / "course.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text[:300]))
    page.on("pageerror", lambda e: errors.append(f"page error: {str(e)[:300]}"))
    try:
        t_open = time.monotonic()
        page.goto(server.notebook_url("course.ipynb"))
        expect(cell(page, len(nb["cells"]) - 1)).to_be_visible(timeout=WAIT * 1000)
        wait_kernel_idle(page, WAIT * 1000)
        row["open_s"] = round(time.monotonic() - t_open, 1)

        cpu0 = kernel_cpu(server)
        ran = run_all(page, timeout=WAIT)
        row.update(
            run_all_s=ran.seconds,
            kernel_cpu_s=round(kernel_cpu(server) - cpu0, 1),
            load_1min=round(os.getloadavg()[0], 1),
            code_cells=ran.code_cells,
            widgets_drawn=ran.widgets,
            other_widgets=ran.other_widgets,
        )
        (out / "run_all.txt").write_text("\n".join(ran.trail) + "\n")
        page.screenshot(path=str(out / "run_all.png"))
        last = page.locator(".jp-NotebookPanel .jp-CodeCell").last
        last.scroll_into_view_if_needed()
        last.screenshot(path=str(out / "last_cell.png"))  # e.g. the tour's figure
        stderr = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        row["stderr_outputs"] = [t[:200] for t in stderr.all_inner_texts()]

        roots = top_roots(page)
        if roots.count():
            first = roots.first
            first.scroll_into_view_if_needed()
            row["present_text_scale"] = present(first)
            first.screenshot(path=str(out / "presented.png"))
            pngs = []
            for k in range(roots.count()):
                pngs.append(export_png(page, roots.nth(k), out, f"{k:02d}"))
            row["pngs"] = pngs
        handouts = {}
        for html in sorted(server.root.rglob("*.html")):
            shutil.copy(html, out / html.name)
            handouts[html.name] = open_handout(
                browser, out / html.name, out / f"handout_{html.stem}.png"
            )
        row["handouts"] = handouts
        row["console_errors"] = errors
        row["failed"] = ""
    except Exception as exc:  # the row says which step failed; the next notebook runs
        row["failed"] = f"{type(exc).__name__}: {exc}"[:3000]
        (out / "failure.txt").write_text(
            traceback.format_exc() + "\n" + describe(page, server, "failure.png")
        )
        if (server.root.parent / "failure.png").exists():
            shutil.copy(server.root.parent / "failure.png", out / "failure.png")
    finally:
        ctx.close()


def main(args: list[str]) -> int:
    names: list[str] = []
    for a in args or ["zh/00_tour"]:
        p = NOTEBOOKS / a
        if p.is_dir():
            names += [f"{a}/{q.stem}" for q in sorted(p.glob("0*.ipynb"))]
        else:
            names.append(a)
    bad = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for name in names:
            row = flow(name, browser)
            bad += bool(row["failed"])
            print(json.dumps(row, ensure_ascii=False, indent=1), flush=True)
            old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
            old[name] = row
            RESULTS.write_text(json.dumps(old, ensure_ascii=False, indent=1, sort_keys=True))
        browser.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
