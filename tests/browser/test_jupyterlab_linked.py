"""A real JupyterLab: ProbeChart linked to NeuronText with ``observe``, and Robustness clicks.

The course links widgets in the kernel: clicking a probe's top neuron in a ProbeChart opens it
in a NeuronText (notebook 03), and a click in Robustness is read back from ``selected``
(notebook 05). Both run here in a real JupyterLab kernel (server on 127.0.0.1, see
``jupyter_host.py``): the click in one widget goes to Python, the callback sets the other
widget's traits, and the second view recolours with the promised colours.
"""

from __future__ import annotations

import pytest
from iwpage import ROOT, assert_column_colours, wait_rendered
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

WAIT = 90_000  # ms
NOTEBOOK = "linked.ipynb"
CHART = ".iw-root.iw-probe-chart"
ROB = ".iw-root.iw-robustness"

CELLS = [
    TRACE_SETUP
    + """
import pandas as pd
from interpwidgets.probing import ProbeResult

table = pd.DataFrame({"layer": ["rnn.0.h", "rnn.1.h"], "accuracy": [0.8, 0.9],
                      "control_accuracy": [0.6, 0.5], "selectivity": [0.2, 0.4],
                      "majority": [0.5, 0.5], "examples": [100, 100]})
res = ProbeResult("in_string", "char-LSTM", table, {},
                  {"rnn.0.h": [(3, 0.5)], "rnn.1.h": [(6, 0.7), (1, -0.2)]})
chart = iw.ProbeChart(res)
nt = iw.NeuronText(tr, layer="rnn.0.h", neuron=0)

def show(change):
    if change["new"]:
        nt.layer, nt.neuron = change["new"]["layer"], change["new"]["neuron"]

chart.observe(show, "neuron")
chart""",
    "nt",
    'print("LINKED", nt.layer, nt.neuron)',
    """\
clf, tok = iw.zoo.sentiment()
rob = iw.Robustness(iw.diagnosis.robustness(
    clf, tok, ["The plot was good.", "The acting was dull."], kinds=["negation", "synonym"],
    progress=False))
rob""",
    'print("FILTER", rob.filter_kind, "SELECTED", sorted(rob.selected.items()))',
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, iw):
    with start(tmp_path_factory.mktemp("linked"), app="lab") as server:
        write_notebook(server.root / NOTEBOOK, CELLS)
        yield server


def test_probe_chart_opens_its_neuron_in_neuron_text_and_robustness_clicks_reach_python(
    make_page, guard, lab
):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1100})
    try:
        linked(page, lab)
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, lab)}") from exc


def linked(page, server) -> None:
    open_notebook(page, server, NOTEBOOK, len(CELLS), WAIT)

    run_cell(page, 0)
    chart = cell(page, 0).locator(f".jp-OutputArea {CHART}")
    expect(chart.locator("circle.iw-probe-point")).to_have_count(2, timeout=WAIT)
    run_cell(page, 1)
    text = cell(page, 1).locator(f".jp-OutputArea {ROOT}")
    wait_rendered(text, neuron=0, layer="rnn.0.h", timeout=WAIT)
    assert_column_colours(text, column(0, "rnn.0.h"), "before the click")

    # Click layer rnn.1.h, then its top neuron: Python's observer sets the NeuronText.
    chart.locator('text.iw-probe-layer[data-layer="1"]').click()
    items = chart.locator("li.iw-probe-neuron")
    expect(items).to_have_count(2)
    items.nth(0).click()
    wait_rendered(text, neuron=6, layer="rnn.1.h", timeout=WAIT)
    assert_column_colours(text, column(6, "rnn.1.h"), "after the click")
    run_cell(page, 2)
    expect(cell(page, 2).locator(".jp-OutputArea")).to_contain_text("LINKED", timeout=WAIT)
    assert output_text(page, 2).strip() == "LINKED rnn.1.h 6", output_text(page, 2)

    # Robustness on the shipped sentiment model: the negated variant flips, a click is read back.
    run_cell(page, 3)
    rob = cell(page, 3).locator(f".jp-OutputArea {ROB}")
    flipped = rob.locator('.iw-rob-var[data-text="0"][data-kind="negation"]')
    expect(flipped.locator(".iw-rob-badge")).to_be_visible(timeout=WAIT)
    expect(flipped.locator(".iw-rob-text")).to_have_text("The plot was not good.")
    rob.locator('tr.iw-rob-kind[data-kind="negation"]').click()
    expect(rob.locator('.iw-rob-var[data-kind="synonym"]')).to_have_count(0)
    flipped.click()
    run_cell(page, 4)
    expect(cell(page, 4).locator(".jp-OutputArea")).to_contain_text("FILTER", timeout=WAIT)
    got = output_text(page, 4).strip()
    assert got == "FILTER negation SELECTED [('kind', 'negation'), ('text', 0)]", got
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
