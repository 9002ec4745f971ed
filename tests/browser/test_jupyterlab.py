"""A real JupyterLab: run a notebook cell, see the widget, click it, read the click back.

The server runs on 127.0.0.1 with a throw-away root, runtime, settings and workspace
directory, and with news, update checks and the PyPI extension manager turned off, so
neither the server nor the page reaches any other host (the page guard would fail the test).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from iwpage import ROOT, close_rgb, expected_rgb, token_colours, unseen_corners, wait_rendered
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

WAIT = 90_000  # ms: generous, bounded
NOTEBOOK = "neuron_text_roundtrip.ipynb"

SETUP = """\
import numpy as np
import interpwidgets as iw
text = "def f(x):\\n    return 'hi' + x  # ok\\n"
i = np.arange(len(text), dtype=np.float32)[:, None]
arr = np.sin(i * (np.arange(8, dtype=np.float32)[None, :] + 1) / 3)
tr = iw.Trace.from_arrays(text, {"rnn.0.h": arr, "rnn.1.h": -2 * arr[:, ::-1]})
w = iw.NeuronText(tr, layer="rnn.0.h", neuron=2)
w"""


def expected_column(neuron: int, layer: str = "rnn.0.h") -> np.ndarray:
    text = "def f(x):\n    return 'hi' + x  # ok\n"
    i = np.arange(len(text), dtype=np.float32)[:, None]
    arr = np.sin(i * (np.arange(8, dtype=np.float32)[None, :] + 1) / 3)
    if layer == "rnn.1.h":
        arr = -2 * arr[:, ::-1]
    return arr[:, neuron]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_code_cell('print("NEURON", w.neuron)'),
        nbformat.v4.new_code_cell("w.neuron = 5"),
        nbformat.v4.new_code_cell('print("LAYER", w.layer, "NEURON", w.neuron)'),
        nbformat.v4.new_code_cell('w.observe(lambda c: 1 / 0, "neuron")\nprint("OBSERVING")'),
        nbformat.v4.new_code_cell('print("ERROR", repr(w.error), "NEURON", w.neuron)'),
    ]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory, iw):
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    for d in ("runtime", "config", "settings", "workspaces", "ipython", "data"):
        (base / d).mkdir()
    # JupyterLab's own fetches: news and update checks (notification plugin).
    notif = base / "settings" / "@jupyterlab" / "apputils-extension"
    notif.mkdir(parents=True)
    (notif / "notification.jupyterlab-settings").write_text(
        json.dumps({"checkForUpdates": False, "doNotDisturbMode": False, "fetchNews": "false"})
    )
    # Start the notebook's own kernel without asking: under load, Lab can show "Select Kernel"
    # even for a notebook whose metadata names its kernelspec (seen here about 1 run in 6).
    tracker = base / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(
        json.dumps({"autoStartDefaultKernel": True})
    )
    write_notebook(root / NOTEBOOK)

    port = free_port()
    env = dict(os.environ)
    env.update(
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        IPYTHONDIR=str(base / "ipython"),
        JUPYTER_DATA_DIR=str(base / "data"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_TOKEN", None)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    log_path = base / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"

    def tail() -> str:
        return log_path.read_text(errors="replace")[-4000:]

    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within 90 s:\n{tail()}", pytrace=False)
            time.sleep(0.5)
        yield {"url": url, "root": root, "log": log_path}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def cell(page, k: int):
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(k)


def run_cell(page, k: int) -> None:
    """Click into cell ``k``'s editor (as a person would) and press Shift+Enter.

    If the prompt does not change (``[ ]:`` → ``[*]:``/``[n]:``) the key press went nowhere
    (seen here now and then while Lab settles focus); a person would press it again, once.
    """
    c = cell(page, k)
    prompt = c.locator(".jp-InputArea-prompt")
    before = prompt.inner_text()
    for attempt in range(2):
        c.locator(".jp-InputArea-editor .cm-content").click()
        # Lab binds Shift+Enter to "run" only once the notebook is in edit mode on this cell.
        expect(c).to_have_class(re.compile(r"\bjp-mod-active\b"), timeout=10_000)
        expect(page.locator(".jp-Notebook.jp-mod-editMode")).to_have_count(1, timeout=10_000)
        expect(c.locator(".cm-editor.cm-focused")).to_have_count(1, timeout=10_000)
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).not_to_have_text(before, timeout=15_000)
            return
        except AssertionError:
            source = c.locator(".cm-content").inner_text()
            print(
                f"\ncell {k}: Shift+Enter attempt {attempt + 1} did not start the cell; source {source[-40:]!r}"
            )
    raise AssertionError(f"cell {k} did not run after two Shift+Enter presses (prompt {before!r})")


def output_text(page, k: int) -> str:
    return cell(page, k).locator(".jp-OutputArea").inner_text()


def describe(page, server) -> str:
    """What a person would look at when the widget does not show: outputs, dialogs, server log."""
    parts = []
    with contextlib.suppress(Exception):
        for k in range(page.locator(".jp-Notebook .jp-Cell").count()):
            parts.append(f"cell {k} output: {output_text(page, k)[:800]!r}")
    with contextlib.suppress(Exception):
        parts.append(f"dialogs: {page.locator('.jp-Dialog').all_inner_texts()!r}")
    with contextlib.suppress(Exception):
        parts.append(
            f"kernel status: {page.locator('.jp-Notebook-ExecutionIndicator').get_attribute('data-status')!r}"
        )
    with contextlib.suppress(Exception):
        shot = server["root"].parent / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        parts.append(f"screenshot: {shot}")
    log = server["log"].read_text(errors="replace")[-3000:]
    return "\n".join(parts) + "\n--- server log (tail) ---\n" + log


def test_click_in_browser_reaches_kernel_and_back(make_page, guard, jupyter_server):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1000})
    try:
        roundtrip(page, jupyter_server)
    except Exception as exc:
        raise AssertionError(f"{exc}\n\n{describe(page, jupyter_server)}") from exc


def roundtrip(page, jupyter_server) -> None:
    page.set_default_timeout(WAIT)
    page.goto(f"{jupyter_server['url']}/lab/tree/{NOTEBOOK}")
    expect(cell(page, 3)).to_be_visible(timeout=WAIT)
    # Wait, as a person would, until the kernel is up; no "Select Kernel" dialog on the way.
    expect(page.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=WAIT
    )
    expect(page.locator(".jp-Dialog")).to_have_count(0, timeout=5_000)

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
    shot = jupyter_server["root"].parent / "widget_in_lab.png"
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
    shot = jupyter_server["root"].parent / "error_in_lab.png"
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
    col = expected_column(neuron, layer)
    vmax = float(np.max(np.abs(col)))
    got = token_colours(root)
    assert len(got) == len(col), f"{len(got)} token spans for {len(col)} characters"
    bad = [
        (i, got[i]["rgb"], expected_rgb(float(v), vmax))
        for i, v in enumerate(col)
        if not close_rgb(got[i]["rgb"], expected_rgb(float(v), vmax))
    ]
    assert not bad, f"{layer} neuron {neuron}: wrong colours (index, got, want): {bad[:10]}"
