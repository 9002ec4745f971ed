"""A real Jupyter Notebook 7: run cells, see NeuronText and AttentionView, click, read it back.

The server (``jupyter notebook``, the same offline flags as the JupyterLab test, see
``jupyter_host.py``) runs on 127.0.0.1; the page guard fails the test on any other host, any
console error or page error. What a person sees is checked: each character's background is the
colour promised for its value, the attention matrix has the promised colour at known cells,
and a click in the browser changes the kernel's traits (printed by the next cell).
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from iwpage import ROOT, assert_column_colours, close_rgb, expected_seq, ink, wait_rendered
from jupyter_host import (
    cell,
    describe,
    output_text,
    run_cell,
    start,
    wait_kernel_idle,
    write_notebook,
)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

WAIT = 90_000  # ms
NOTEBOOK = "notebook7.ipynb"
ATT_ROOT = ".iw-root.iw-attention-view"
TEXT = "for i in range(3):\n    print(i)  # ok\n"
N = 5  # attention tokens
KNOWN = {(2, 1): 1.0, (3, 0): 0.5}  # layer 0, head 0: (query, key) -> weight; 1.0 is the max

CELLS = [
    f"""\
import numpy as np
import interpwidgets as iw
text = {TEXT!r}
i = np.arange(len(text), dtype=np.float32)[:, None]
arr = np.cos(i * (np.arange(6, dtype=np.float32)[None, :] + 1) / 4)
tr = iw.Trace.from_arrays(text, {{"rnn.0.h": arr}})
w = iw.NeuronText(tr, neuron=1)
w""",
    f"""\
att = np.full((2, 2, {N}, {N}), 1 / {N}, dtype=np.float32)
att[0, 0, 2] = 0; att[0, 0, 2, 1] = 1.0
att[0, 0, 3] = 0.5 / ({N} - 1); att[0, 0, 3, 0] = 0.5
a = iw.AttentionView(att, tokens=["the", "cat", "sat", "on", "mats"])
a""",
    'print("NEURON", w.neuron)',
    'print("VIEW", a.view, "LAYER", a.layer)',
]


def column(neuron: int) -> np.ndarray:
    i = np.arange(len(TEXT), dtype=np.float32)[:, None]
    return np.cos(i * (np.arange(6, dtype=np.float32)[None, :] + 1) / 4)[:, neuron]


def check_colours(root, neuron: int) -> None:
    assert_column_colours(root, column(neuron), f"neuron {neuron}")


def matrix_pixel(canvas, i: int, j: int) -> tuple[int, int, int]:
    """The colour of matrix cell (query i, key j), near its corner (big cells print their
    value in the middle)."""
    return tuple(
        canvas.evaluate(
            """(c, [i, j]) => {
                const g = c.dataset, s = c.width / c.getBoundingClientRect().width;
                const x = +g.x0 + (j + 0.15) * +g.tok, y = +g.y0 + (i + 0.15) * +g.tok;
                return Array.from(c.getContext('2d').getImageData(Math.floor(x * s), Math.floor(y * s), 1, 1).data);
            }""",
            [i, j],
        )[:3]
    )


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory, iw):
    with start(tmp_path_factory.mktemp("notebook7"), app="notebook") as server:
        write_notebook(server.root / NOTEBOOK, CELLS)
        yield server


#: Notebook 7.6's own page raises this while it loads, with or without our widgets (a race in
#: its shortcuts settings, jupyter/notebook#7862); it is the only page error let through.
NB7_LOAD_ERROR = "Cannot read properties of undefined (reading 'schema')"


def test_widgets_in_notebook7(make_page, guard, notebook7):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1200})
    try:
        roundtrip(page, notebook7)
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, notebook7)}") from exc
    known = [e for e in guard.page_errors if e == NB7_LOAD_ERROR]
    assert len(known) <= 1, guard.page_errors
    guard.page_errors[:] = [e for e in guard.page_errors if e != NB7_LOAD_ERROR]


def roundtrip(page, server) -> None:
    page.set_default_timeout(WAIT)
    page.goto(server.notebook_url(NOTEBOOK))
    expect(cell(page, 3)).to_be_visible(timeout=WAIT)
    # Notebook 7's own page: no Lab launcher, no side panels, one notebook
    expect(page.locator("#main-panel .jp-NotebookPanel")).to_have_count(1)
    wait_kernel_idle(page, WAIT)

    t0 = time.monotonic()
    run_cell(page, 0)
    text = cell(page, 0).locator(f".jp-OutputArea {ROOT}")
    wait_rendered(text, neuron=1, layer="rnn.0.h", timeout=WAIT)
    print(f"\nNeuronText drawn {time.monotonic() - t0:.1f} s after Shift+Enter")
    check_colours(text, 1)

    run_cell(page, 1)
    att = cell(page, 1).locator(f".jp-OutputArea {ATT_ROOT}")
    expect(att).to_have_attribute("data-rendered", "head:0:0", timeout=WAIT)
    lines = att.locator("canvas.iw-attn-lines")
    assert ink(lines) > 200, "the head view's canvas is blank"
    # Browser → kernel: the Matrix tab, then layer 1 (each a trait change the kernel hears).
    att.locator('button.iw-attn-tab[data-view="matrix"]').click()
    expect(att).to_have_attribute("data-rendered", "matrix:0:0", timeout=WAIT)
    matrix = att.locator("canvas.iw-attn-matrix")
    for (i, j), value in KNOWN.items():
        got, want = matrix_pixel(matrix, i, j), expected_seq(value, 1.0)
        assert close_rgb(got, want, tol=4), f"matrix cell ({i}, {j}): got {got}, want {want}"
    assert ink(matrix) > 200, "the matrix canvas is blank"
    att.locator("select.iw-attn-layer").select_option("1")
    expect(att).to_have_attribute("data-rendered", "matrix:1:0", timeout=WAIT)

    text.locator("button.iw-next").click()
    wait_rendered(text, neuron=2, timeout=WAIT)
    check_colours(text, 2)
    run_cell(page, 2)
    expect(cell(page, 2).locator(".jp-OutputArea")).to_contain_text("NEURON 2", timeout=WAIT)
    run_cell(page, 3)
    expect(cell(page, 3).locator(".jp-OutputArea")).to_contain_text(
        "VIEW matrix LAYER 1", timeout=WAIT
    )
    assert output_text(page, 2).strip() == "NEURON 2", output_text(page, 2)
    shot = server.root.parent / "widgets_in_notebook7.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert re.search(r"/notebooks/", page.url), page.url
