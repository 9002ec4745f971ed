"""A lecturer's flow in a real JupyterLab, timed: open a course notebook, Run All, switch a
widget to presentation mode (A+), export its figure (PNG) and the page to hand out.

    python bench/lecturer_flow.py zh/00_tour      # or en/00_tour, en/02_attention, ...

Prints the time from Run All until every code cell has run and every widget has drawn, the
number of widgets drawn, and what the PNG and the handed-out page hold; the screenshots and
files land in bench/results/lecturer_<notebook>/. Needs Debian's chromium and playwright (as
the browser tests); no network.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))

from iwpage import CHROMIUM, LAUNCH_ARGS  # noqa: E402
from jupyter_host import KERNELSPEC, cell, start, wait_kernel_idle  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

WAIT = 900_000  # ms: a loaded machine
#: JupyterLab 4 draws only the cells near the viewport (windowing), so the prompts of a long
#: notebook's last cells are not in the page and "every cell has run" never comes true: draw all.
SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    }
}


def main(name: str) -> None:
    src = HERE.parent / "notebooks" / f"{name}.ipynb"
    out = HERE / "results" / f"lecturer_{name.replace('/', '_')}"
    out.mkdir(parents=True, exist_ok=True)
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb["metadata"]["kernelspec"] = KERNELSPEC
    n_cells = len(nb["cells"])
    n_code = sum(c["cell_type"] == "code" for c in nb["cells"])
    with (
        tempfile.TemporaryDirectory() as tmp,
        start(Path(tmp), app="lab", settings=SETTINGS) as server,
    ):
        (server.root / "course.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = browser.new_context(
                viewport={"width": 1400, "height": 1000}, accept_downloads=True
            ).new_page()
            page.set_default_timeout(WAIT)
            t_open = time.monotonic()
            page.goto(server.notebook_url("course.ipynb"))
            expect(cell(page, n_cells - 1)).to_be_visible(timeout=WAIT)
            wait_kernel_idle(page, WAIT)
            opened = time.monotonic() - t_open

            # Run → Run All Cells, as a person would
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            t0 = time.monotonic()
            prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt")
            expect(prompts).to_have_count(n_code, timeout=WAIT)
            page.wait_for_function(
                """n => {
                    const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                    return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent));
                }""",
                arg=n_code,
                timeout=WAIT,
            )
            ran = time.monotonic() - t0
            roots = page.locator(".jp-OutputArea .iw-root")
            n_widgets = roots.count()
            errors = page.locator(".jp-OutputArea-output[data-mime-type*='error']").count()
            page.screenshot(path=str(out / "run_all.png"))

            # presentation mode on the first widget, then its PNG
            first = roots.first
            first.scroll_into_view_if_needed()
            t1 = time.monotonic()
            first.locator(".iw-tb-present").click()
            expect(first).to_have_class(re.compile(r"\biw-present\b"), timeout=60_000)
            with page.expect_download() as info:
                first.locator(".iw-tb-png").click()
            png = out / info.value.suggested_filename
            info.value.save_as(png)
            exported = time.monotonic() - t1
            first.screenshot(path=str(out / "presented.png"))
            labels = first.evaluate(
                "r => [r.querySelector('.iw-tb-present').title, "
                "(r.querySelector('.iw-legend-label') || {}).textContent || '']"
            )
            browser.close()
        handed = sorted(p.name for p in server.root.rglob("*.html"))
        for p in server.root.rglob("*.html"):
            shutil.copy(p, out / p.name)
    print(
        json.dumps(
            {
                "notebook": name,
                "open_s": round(opened, 1),
                "run_all_s": round(ran, 1),
                "code_cells": n_code,
                "widgets_drawn": n_widgets,
                "error_outputs": errors,
                "present_and_png_s": round(exported, 1),
                "png": png.name,
                "png_bytes": png.stat().st_size,
                "first_widget_labels": labels,
                "pages_written_by_the_notebook": handed,
                "out": str(out),
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "zh/00_tour")
