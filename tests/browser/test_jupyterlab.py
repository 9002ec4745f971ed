"""A real JupyterLab: run a notebook cell, see the widget, click it, read the click back.

The server (``jupyter_host.start``, shared with the Notebook 7 and saved-state tests) runs on
127.0.0.1 with a throw-away root, runtime, settings and workspace directory, and with news,
update checks and the PyPI extension manager turned off, so neither the server nor the page
reaches any other host (the page guard would fail the test).
"""

from __future__ import annotations

import time

import pytest
from iwpage import (
    ROOT,
    assert_column_colours,
    unseen_corners,
    wait_rendered,
)
from jupyter_host import (
    TRACE_SETUP,
    cell,
    column,
    describe,
    open_notebook,
    output_text,
    run_cell,
    start,
    write_notebook,
)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

WAIT = 90_000  # ms: generous, bounded
NOTEBOOK = "neuron_text_roundtrip.ipynb"

SETUP = TRACE_SETUP + '\nw = iw.NeuronText(tr, layer="rnn.0.h", neuron=2)\nw'


CELLS = [
    SETUP,
    'print("NEURON", w.neuron)',
    "w.neuron = 5",
    'print("LAYER", w.layer, "NEURON", w.neuron)',
    'w.observe(lambda c: 1 / 0, "neuron")\nprint("OBSERVING")',
    'print("ERROR", repr(w.error), "NEURON", w.neuron)',
]


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory, iw):
    with start(tmp_path_factory.mktemp("jupyterlab"), app="lab") as server:
        write_notebook(server.root / NOTEBOOK, CELLS)
        yield server


def test_click_in_browser_reaches_kernel_and_back(make_page, guard, jupyter_server):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1000})
    try:
        roundtrip(page, jupyter_server)
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, jupyter_server)}") from exc


def roundtrip(page, jupyter_server) -> None:
    open_notebook(page, jupyter_server, NOTEBOOK, 4, WAIT)

    t0 = time.monotonic()
    run_cell(page, 0)
    root = cell(page, 0).locator(f".jp-OutputArea {ROOT}")
    expect(root).to_be_visible(timeout=WAIT)
    wait_rendered(root, neuron=2, layer="rnn.0.h", timeout=WAIT)
    root.locator("span.iw-tok").first.wait_for(state="attached", timeout=WAIT)
    print(f"\nwidget rendered {time.monotonic() - t0:.1f} s after Shift+Enter")
    check_colours(root, 2)

    # Browser → kernel: click "next", then ask the kernel.
    root.locator("button.iw-next").click()
    wait_rendered(root, neuron=3, timeout=WAIT)
    check_colours(root, 3)
    run_cell(page, 1)
    expect(cell(page, 1).locator(".jp-OutputArea")).to_contain_text("NEURON 3", timeout=WAIT)
    assert output_text(page, 1).strip() == "NEURON 3", output_text(page, 1)

    # Kernel → browser: set the trait in Python, the view recolours.
    run_cell(page, 2)
    wait_rendered(root, neuron=5, timeout=WAIT)
    expect(root.locator("input.iw-neuron")).to_have_value("5", timeout=WAIT)
    check_colours(root, 5)
    # A layer the kernel has not sent yet: the widget asks the kernel for it (request/reply).
    root.locator("select.iw-layer").select_option("rnn.1.h")
    wait_rendered(root, layer="rnn.1.h", neuron=5, timeout=WAIT)
    check_colours(root, 5, "rnn.1.h")
    run_cell(page, 3)
    expect(cell(page, 3).locator(".jp-OutputArea")).to_contain_text(
        "LAYER rnn.1.h NEURON 5", timeout=WAIT
    )

    # Hover inside the notebook shows the tooltip too.
    root.locator('span.iw-tok[data-i="4"]').hover()
    expect(page.locator("div.iw-tooltip")).to_be_visible(timeout=10_000)
    expect(page.locator("div.iw-tooltip")).to_contain_text("token 4")
    # ... and all of it can be seen: not clipped by the output area, not under other cells.
    # (The second line is the last one: the tooltip must not hang below the output area.)
    hidden = unseen_corners(page.locator("div.iw-tooltip"))
    assert not hidden, f"tooltip partly hidden in JupyterLab: {hidden}"

    # A picture of the widget inside Lab, for a person to look at (kept with the test's files).
    shot = jupyter_server.root.parent / "widget_in_lab.png"
    cell(page, 0).screenshot(path=str(shot))
    print(f"screenshot of the widget in JupyterLab: {shot}")

    # Errors in the kernel or the widget show up in the cells, not as silence.
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()

    # A callback of the user's that raises after a click shows in the widget, in its cell.
    run_cell(page, 4)
    expect(cell(page, 4).locator(".jp-OutputArea")).to_contain_text("OBSERVING", timeout=WAIT)
    box = root.locator(".iw-error")
    expect(box).to_be_hidden()
    root.locator("button.iw-next").click()
    expect(box).to_be_visible(timeout=WAIT)
    expect(box.locator(".iw-error-text")).to_contain_text("ZeroDivisionError: division by zero")
    expect(box.locator(".iw-error-text")).to_contain_text("neuron = 6")
    wait_rendered(root, layer="rnn.1.h", neuron=6, timeout=WAIT)  # the view still works
    check_colours(root, 6, "rnn.1.h")
    shot = jupyter_server.root.parent / "error_in_lab.png"
    cell(page, 0).screenshot(path=str(shot))
    print(f"screenshot of the error box in JupyterLab: {shot}")
    # "dismiss" hides it and clears the trait in the kernel.
    box.locator("button.iw-error-dismiss").click()
    expect(box).to_be_hidden()
    run_cell(page, 5)
    expect(cell(page, 5).locator(".jp-OutputArea")).to_contain_text(
        "ERROR '' NEURON 6", timeout=WAIT
    )
    # The error went to the widget (and the log), not as stray stderr into some cell.
    assert errors.count() == 0, errors.all_inner_texts()


def check_colours(root, neuron: int, layer: str = "rnn.0.h") -> None:
    assert_column_colours(root, column(neuron, layer), f"{layer} neuron {neuron}")
