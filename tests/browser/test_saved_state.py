"""A notebook saved with its widget state, reopened without a live kernel, still shows its widgets.

JupyterLab (ipywidgets 8 / jupyterlab_widgets) with "Save Widget State Automatically" on
writes every live widget's state into the notebook's metadata when it is saved, and restores
it when the notebook is opened again. Here a person runs a notebook (NeuronText, AttentionView,
NeuronExplorer), clicks, saves, shuts the kernel down and opens the notebook again with a fresh
kernel that never ran the cells, so the widgets come back from the saved state alone, with no
kernel behind them. They must draw exactly what they drew before (token colours,
canvas pixels); what the current view asks for (neighbouring neuron / layer, the heatmap's
first window) comes from the replies the widget state holds (``_replies``, docs/protocol.md),
and asking for anything else shows a clear message at once instead of a 15 s wait.

Opening it with "No Kernel" instead is not tested: jupyterlab_widgets 3.0.17 restores nothing
then (``restoreWidgets`` stops at "Kernel not set" before it reads the notebook's state; every
widget library shows its text/plain fallback — jupyter-widgets/ipywidgets#3773).

The fresh kernel is started, and answers, before the notebook is opened again (the page then
connects to it, as to any running kernel). Were the page to start it, the widget state would be
restored only once the booting kernel answers, and jupyterlab_widgets 3.0.17 loses a race with
that: each widget output looks its model up for 2 s, and if the state is restored between its
last look and the end of those 2 s it shows "Error displaying widget: model not found" for good
(a kernel that boots in about 2 s, as on a loaded machine, hits this now and then; reloading the
page, with the kernel running, shows the widget).
"""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from iwpage import (
    ROOT,
    assert_column_colours,
    token_colours,
    wait_rendered,
)
from jupyter_host import (
    TEXT,
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

WAIT = 90_000  # ms
NOTEBOOK = "saved_state.ipynb"
ATT_ROOT = ".iw-root.iw-attention-view"
EXP_ROOT = ".iw-root.iw-neuron-explorer"
NO_KERNEL = "No kernel is connected to this widget"

CELLS = [
    TRACE_SETUP + '\nw = iw.NeuronText(tr, layer="rnn.0.h", neuron=2)\nw',
    """\
rng = np.random.default_rng(0)
att = rng.dirichlet(np.ones(7), size=(4, 2, 7)).astype(np.float32)
a = iw.AttentionView(att, tokens=list("abcdefg"), view="matrix", layer=1)
a""",
    "e = iw.NeuronExplorer(tr, layer='rnn.1.h', neuron=4)\ne",
    'print("NEURON", w.neuron, "LAYER", a.layer)',
]


def check_colours(root, neuron: int) -> None:
    assert_column_colours(root, column(neuron), f"neuron {neuron}")


def canvas_pixels(canvas) -> list[int]:
    """(width, height, non-blank pixels, distinct colours, hash) of a canvas's device pixels."""
    return canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  const s = new Set(); let ink = 0, h = 0;
                  for (let i = 0; i < d.length; i += 4) {
                    if (d[i + 3] && (d[i] < 250 || d[i+1] < 250 || d[i+2] < 250)) ink++;
                    s.add(d[i] << 16 | d[i+1] << 8 | d[i+2]);
                    h = (h * 31 + d[i] + 7 * d[i+1] + 13 * d[i+2] + 17 * d[i+3]) | 0;
                  }
                  return [c.width, c.height, ink, s.size, h]; }"""
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory, iw):
    settings = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
    with start(tmp_path_factory.mktemp("saved_state"), app="lab", settings=settings) as server:
        write_notebook(server.root / NOTEBOOK, CELLS)
        yield server


def widgets(page):
    return (
        cell(page, 0).locator(f".jp-OutputArea {ROOT}"),
        cell(page, 1).locator(f".jp-OutputArea {ATT_ROOT}"),
        cell(page, 2).locator(f".jp-OutputArea {EXP_ROOT}"),
    )


def drawn(page, neuron: int, layer: int) -> dict:
    """Wait until all three widgets have drawn; what a person sees, as numbers."""
    text, att, exp = widgets(page)
    wait_rendered(text, neuron=neuron, layer="rnn.0.h", timeout=WAIT)
    expect(att).to_have_attribute("data-rendered", f"matrix:{layer}:0", timeout=WAIT)
    heat = exp.locator("canvas.iw-heatmap")
    expect(heat).to_have_attribute("data-drawn", re.compile(r".+"), timeout=WAIT)
    wait_rendered(exp, neuron=4, layer="rnn.1.h", timeout=WAIT)
    return {
        "matrix": canvas_pixels(att.locator("canvas.iw-attn-matrix")),
        "heatmap": canvas_pixels(heat),
        "explorer tokens": token_colours(exp),
    }


def saved_state(path) -> dict:
    try:
        nb = json.loads(path.read_text())
    except json.JSONDecodeError:  # the server writes the file in place: not finished yet
        return {}
    return nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})


def test_saved_notebook_reopened_without_kernel(make_page, guard, lab):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1400})
    try:
        first = run_and_save(page, lab)
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, lab)}") from exc
    page.close()

    # The kernel goes away (as "Shut Down Kernel" or a closed server would do it).
    for session in lab.api("/api/sessions"):
        lab.api(f"/api/sessions/{session['id']}", "DELETE")
    assert lab.api("/api/sessions") == []
    # The notebook's new kernel: it has never run a cell (see the module docstring for why it
    # is up before the page opens).
    kernel_id = lab.start_kernel(NOTEBOOK)

    page = make_page(viewport={"width": 1280, "height": 1400})
    try:
        reopen(page, lab, first)
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, lab, 'failure_reopened.png')}") from exc
    # The page used that kernel; it did not start another.
    assert [s["kernel"]["id"] for s in lab.api("/api/sessions")] == [kernel_id]


def run_and_save(page, lab) -> dict:
    open_notebook(page, lab, NOTEBOOK, 4, WAIT)
    for k in range(3):
        run_cell(page, k)
    text, att, _ = widgets(page)
    drawn(page, 2, 1)
    check_colours(text, 2)
    # A click in the browser: the kernel hears it (and updates what the state holds).
    text.locator("button.iw-next").click()
    wait_rendered(text, neuron=3, timeout=WAIT)
    check_colours(text, 3)
    # The layers beside the selected one, as they look with the kernel, for later.
    layer_select = att.locator("select.iw-attn-layer")
    layer_select.select_option("2")
    expect(att).to_have_attribute("data-rendered", "matrix:2:0", timeout=WAIT)
    layer2 = canvas_pixels(att.locator("canvas.iw-attn-matrix"))
    layer_select.select_option("1")
    run_cell(page, 3)
    expect(cell(page, 3).locator(".jp-OutputArea")).to_contain_text("NEURON 3 LAYER 1")
    first = drawn(page, 3, 1)
    first["layer 2"] = layer2
    assert first["matrix"][2] > 100 and first["heatmap"][2] > 100, first  # not blank
    assert layer2[4] != first["matrix"][4], "layer 2 looks like layer 1"

    # Save (the toolbar's save button): Lab writes the widget state into the notebook's metadata.
    path = lab.root / NOTEBOOK
    before = path.stat().st_mtime_ns
    page.locator('.jp-NotebookPanel-toolbar [data-command="docmanager:save"]').click()
    deadline = time.monotonic() + 30
    while path.stat().st_mtime_ns == before or not saved_state(path).get("state"):
        assert time.monotonic() < deadline, "the notebook was not saved with widget state"
        page.wait_for_timeout(200)  # not time.sleep: the page's requests pass the guard's route
    check_saved_file(path)
    return first


def check_saved_file(path) -> None:
    """The saved state holds the view and its neighbours as binary buffers, and not much more."""
    models = saved_state(path)["state"]
    ours = {mid: m for mid, m in models.items() if m["model_module"] == "anywidget"}
    assert len(ours) == 3, list(ours)
    for mid, m in ours.items():
        held = m["state"]["_replies"]
        assert held["model_id"] == mid
        # arrays travel as buffers (base64 in the file), not as JSON lists of floats
        paths = [b["path"] for b in m.get("buffers", []) if b["path"][0] == "_replies"]
        assert len(paths) == len(held["replies"]), (paths, list(held["replies"]))
        size = sum(len(base64.b64decode(b["data"])) for b in m.get("buffers", []))
        assert size < 64_000, f"{size} bytes of buffers for a {len(TEXT)}-character text"
    keys = {
        tuple(sorted(json.loads(k).items()))
        for m in ours.values()
        for k in m["state"]["_replies"]["replies"]
    }
    want = {
        (("kind", "column"), ("layer", "rnn.0.h"), ("neuron", 2)),
        (("kind", "column"), ("layer", "rnn.0.h"), ("neuron", 4)),
        (("group", 0), ("kind", "layer"), ("layer", 0)),
        (("group", 0), ("kind", "layer"), ("layer", 2)),
        (("kind", "heatmap"), ("layer", "rnn.1.h"), ("start", 0), ("stop", len(TEXT))),
        (("kind", "column"), ("layer", "rnn.1.h"), ("neuron", 3)),
        (("kind", "column"), ("layer", "rnn.1.h"), ("neuron", 5)),
    }
    assert keys == want, keys ^ want


def reopen(page, lab, first: dict) -> None:
    page.set_default_timeout(WAIT)
    page.goto(lab.notebook_url(NOTEBOOK))
    expect(cell(page, 3)).to_be_visible(timeout=WAIT)
    t0 = time.monotonic()
    # The same pictures as before, with no kernel behind the widgets.
    again = drawn(page, 3, 1)
    print(f"\nsaved widgets drawn {time.monotonic() - t0:.1f} s after the notebook opened")
    text, att, exp = widgets(page)
    check_colours(text, 3)
    assert again["matrix"] == first["matrix"], (again["matrix"], first["matrix"])
    assert again["heatmap"] == first["heatmap"], (again["heatmap"], first["heatmap"])
    assert again["explorer tokens"] == first["explorer tokens"]
    assert "NEURON 3 LAYER 1" in output_text(page, 3)  # the saved output, not a new run
    shot = lab.root.parent / "reopened.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the reopened notebook: {shot}")

    # A neighbour the state holds draws; one it does not hold says so at once.
    text.locator("button.iw-prev").click()
    wait_rendered(text, neuron=2, timeout=10_000)
    check_colours(text, 2)
    t1 = time.monotonic()
    text.locator("button.iw-prev").click()
    status = text.locator(".iw-status.iw-status-error")
    expect(status).to_contain_text(NO_KERNEL, timeout=5_000)
    print(f"'no kernel' message {time.monotonic() - t1:.2f} s after the click")
    assert time.monotonic() - t1 < 5

    layer_select = att.locator("select.iw-attn-layer")
    layer_select.select_option("2")
    expect(att).to_have_attribute("data-rendered", "matrix:2:0", timeout=10_000)
    assert canvas_pixels(att.locator("canvas.iw-attn-matrix")) == first["layer 2"]
    t1 = time.monotonic()
    layer_select.select_option("3")
    expect(att.locator(".iw-status.iw-status-error")).to_contain_text(NO_KERNEL, timeout=5_000)
    assert time.monotonic() - t1 < 5
