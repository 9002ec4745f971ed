"""The circuitsvis drop-in in a real JupyterLab: the result of a cell shows as the live widget
(not the page's iframe fallback), coloured, and a click in it reaches the kernel."""

from __future__ import annotations

import pytest
from iwpage import ROOT, wait_rendered
from jupyter_host import cell, describe, open_notebook, output_text, run_cell, start, write_notebook
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

WAIT = 90_000
NOTEBOOK = "circuitsvis_dropin.ipynb"
CELLS = [
    "import numpy as np\nimport interpwidgets as iw\ncv = iw.circuitsvis\n"
    'toks = [" The", " cat", " sat", "."]\n'
    "r = cv.activations.text_neuron_activations(toks, np.arange(24.0).reshape(4, 2, 3) - 12)\nr",
    'print("LAYER", r.widget.layer, "NEURON", r.widget.neuron)',
]


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory, iw):
    with start(tmp_path_factory.mktemp("jupyterlab"), app="lab") as server:
        write_notebook(server.root / NOTEBOOK, CELLS)
        yield server


def test_result_displays_as_the_widget(make_page, guard, jupyter_server):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1000})
    try:
        open_notebook(page, jupyter_server, NOTEBOOK, len(CELLS), WAIT)
        run_cell(page, 0)
        out = cell(page, 0).locator(".jp-OutputArea")
        root = out.locator(ROOT)
        expect(root).to_be_visible(timeout=WAIT)
        wait_rendered(root, neuron=0, layer="Layer 0", timeout=WAIT)
        expect(out.locator("iframe")).to_have_count(0)  # the widget, not the HTML fallback
        expect(root.locator("span.iw-tok")).to_have_count(4)
        root.locator("button.iw-next").click()
        wait_rendered(root, neuron=1, layer="Layer 0", timeout=WAIT)
        run_cell(page, 1)
        expect(cell(page, 1).locator(".jp-OutputArea")).to_contain_text(
            "LAYER Layer 0 NEURON 1", timeout=WAIT
        )
        assert "NEURON 1" in output_text(page, 1)
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, jupyter_server)}") from exc
