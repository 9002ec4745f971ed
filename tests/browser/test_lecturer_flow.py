"""A lecturer's flow in a real JupyterLab, on the course's first notebook (the Chinese tour):
Run All from the menu until every cell has run and every widget has drawn, A+ (presentation
mode) on the first widget, its figure exported as PNG for the slides, and the page the notebook
saved opened as a student would, from disk with no kernel. ``bench/lecturer_flow.py`` runs the
same steps on every notebook and times them; here nothing is timed (the machine may be busy).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jupyter_host import KERNELSPEC, cell, describe, start, wait_kernel_idle
from lecturer import SETTINGS, export_png, open_handout, present, run_all, top_roots
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "zh" / "00_tour.ipynb"
WAIT = 300  # s: bounded; the tour takes ~11 CPU seconds


@pytest.fixture(scope="module")
def lab(tmp_path_factory, iw):
    with start(tmp_path_factory.mktemp("lecturer"), app="lab", settings=SETTINGS) as server:
        nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
        nb["metadata"]["kernelspec"] = KERNELSPEC
        (server.root / "course.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        server.cells = len(nb["cells"])  # type: ignore[attr-defined]
        yield server


def test_run_all_present_export_hand_out(make_page, guard, browser, lab, tmp_path, iw):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        page.set_default_timeout(WAIT * 1000)
        page.goto(lab.notebook_url("course.ipynb"))
        expect(cell(page, lab.cells - 1)).to_be_visible(timeout=WAIT * 1000)
        wait_kernel_idle(page, WAIT * 1000)

        ran = run_all(page, timeout=WAIT)
        # the tour shows each of the six widgets once, all drawn
        assert (ran.code_cells, ran.widgets) == (8, 6), ran.trail
        roots = top_roots(page)
        kinds = roots.evaluate_all("rs => rs.map(r => r.classList[1])")
        assert kinds == [
            "iw-neuron-text",
            "iw-neuron-explorer",
            "iw-attention-view",
            "iw-attribution-text",
            "iw-probe-chart",
            "iw-robustness",
        ]
        first = roots.first
        first.scroll_into_view_if_needed()
        assert present(first) == 1.5  # style.css: --iw-scale 1.5 in presentation mode
        zh = json.loads((Path(iw.__file__).parent / "i18n" / "zh.json").read_text("utf-8"))
        assert first.locator(".iw-tb-present").get_attribute("title") == zh["ui.toolbar.present"]
        png = export_png(page, first, tmp_path, "slide")
        assert png["coloured"] > 0.01, png  # the activation colours are on it
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, lab)}") from exc

    # the page the tour saved next to the notebook, handed out: it draws with no kernel
    handout = open_handout(browser, lab.root / "cell.html", tmp_path / "handout.png")
    assert handout["problems"] == []
    assert [w["cls"] for w in handout["widgets"]] == ["iw-neuron-text"]
    assert handout["widgets"][0]["text"] > 500 and handout["screenshot_ink"] > 0.02
