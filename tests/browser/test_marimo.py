"""marimo: the tour notebook (``notebooks/en/marimo_tour.py``) runs, and its widgets work in marimo.

* ``marimo export session`` executes the notebook top to bottom (a copy, in a throw-away
  folder): every cell has an output and none is an error.
* ``marimo run --headless`` serves it on 127.0.0.1; in Chromium (page guard: any other host,
  console error or page error fails the test) the widgets draw — token colours equal the colours
  promised for the char LSTM's values (recomputed here from the same shipped model), the
  attention canvas has ink — and clicks reach Python: the neuron stepper and the target
  selector re-run the cells that read the widgets (``mo.ui.anywidget``), and scrolling the
  NeuronExplorer's text fetches a heatmap window over the request/reply custom messages
  (no trait and no saved reply holds that window).

marimo's own update check (PyPI) is off (``MARIMO_SKIP_UPDATE_CHECK=1``) and its config,
state and cache directories are throw-away; its page loads nothing from other hosts.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from iwpage import ROOT, assert_column_colours, ink, wait_rendered
from jupyter_host import free_port
from playwright.sync_api import expect

try:
    import marimo  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the machine
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"marimo is not installed ({exc}); it is in the dev extra", pytrace=False)
    pytest.skip(f"marimo is not installed ({exc})", allow_module_level=True)

pytestmark = pytest.mark.browser

WAIT = 120_000  # ms: the notebook loads three models
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "en" / "marimo_tour.py"
#: the same tour in Chinese (same cells; its widgets made after iw.locale("zh"))
NOTEBOOK_ZH = NOTEBOOK.parents[1] / "zh" / "marimo_tour.py"
EXP_ROOT = ".iw-root.iw-neuron-explorer"
ATT_ROOT = ".iw-root.iw-attention-view"
ATTR_ROOT = ".iw-root.iw-attribution-text"


def marimo_env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    for d in ("config", "state", "cache"):
        (base / d).mkdir(exist_ok=True)
    env.update(
        MARIMO_SKIP_UPDATE_CHECK="1",
        XDG_CONFIG_HOME=str(base / "config"),
        XDG_STATE_HOME=str(base / "state"),
        XDG_CACHE_HOME=str(base / "cache"),
        PYTHONUNBUFFERED="1",
    )
    with contextlib.suppress(Exception):
        import matplotlib

        env.setdefault("MPLCONFIGDIR", matplotlib.get_configdir())  # keep its font cache
    return env


def notebook_code() -> str:
    """The code snippet the tour traces (``code = (...)`` in its cell), read from the file."""
    for node in ast.walk(ast.parse(NOTEBOOK.read_text())):
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "code"
        ]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{NOTEBOOK.name}: no `code = ...` cell")


@pytest.mark.parametrize("source", [NOTEBOOK, NOTEBOOK_ZH], ids=["en", "zh"])
def test_the_notebook_runs_without_errors(tmp_path, source):
    nb = tmp_path / source.name
    shutil.copy(source, nb)
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "marimo", "export", "session", "--no-sandbox", str(nb)],
        cwd=tmp_path,
        env=marimo_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(f"\nmarimo export session: {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    session = json.loads((tmp_path / "__marimo__" / "session" / f"{nb.name}.json").read_text())
    cells = session["cells"]
    # the file's statements minus `import marimo`, `__generated_with`, `app = ...`, `if __name__`
    assert len(cells) == len(ast.parse(source.read_text()).body) - 4
    problems = []
    for c in cells:
        outs = c.get("outputs", [])
        if not outs:
            problems.append(f"cell {c['id']}: no output")
        for o in outs:
            if o.get("type") == "error" or "marimo-error" in json.dumps(o.get("data", {})):
                problems.append(f"cell {c['id']}: {json.dumps(o)[:600]}")
        for s in c.get("console", []):
            if "Traceback" in str(s.get("text", "")) or "Error" in str(s.get("text", "")):
                problems.append(f"cell {c['id']} console: {str(s)[:600]}")
    assert not problems, "\n".join(problems)
    html = json.dumps(cells, ensure_ascii=False)
    assert html.count("<marimo-anywidget") == 4, "expected four widgets in the outputs"
    if source is NOTEBOOK:
        assert "Selected: rnn." in html and "Explaining:" in html
    else:  # the Chinese tour
        assert "已选：rnn." in html and "正在解释：" in html


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory, iw):
    base = tmp_path_factory.mktemp("marimo")
    shutil.copy(NOTEBOOK, base / NOTEBOOK.name)
    port = free_port()
    log_path = base / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    cmd = [
        sys.executable,
        "-m",
        "marimo",
        "run",
        "--headless",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-token",
        "--no-sandbox",
        NOTEBOOK.name,
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=base,
        env=marimo_env(base),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"marimo run exited with {proc.returncode}:\n{log_path.read_text()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/health", timeout=2) as r,
            ):
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"marimo run did not answer in 90 s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield {"url": url, "log": log_path, "base": base}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def lstm_trace(iw):
    """The tour's NeuronText data, recomputed here from the same shipped model."""
    return iw.trace(iw.zoo.char_lstm(), notebook_code())


def check_colours(root, tr, layer: str, neuron: int) -> None:
    from interpwidgets.widgets.neuron_scale import value_range

    values = tr.activations[layer][:, neuron]
    assert_column_colours(root, values, "NeuronText", value_range(tr, layer))


def test_widgets_draw_and_clicks_reach_python(make_page, guard, marimo_app, lstm_trace):
    guard.allow_hosts.add("127.0.0.1")
    page = make_page(viewport={"width": 1280, "height": 1200})
    page.set_default_timeout(WAIT)
    t0 = time.monotonic()
    page.goto(marimo_app["url"])
    try:
        run(page, lstm_trace, t0)
    except Exception as exc:
        shot = marimo_app["base"] / "failure.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), full_page=True)
        log = marimo_app["log"].read_text(errors="replace")[-3000:]
        raise AssertionError(f"{exc}\n\nscreenshot: {shot}\n--- marimo log ---\n{log}") from exc


def run(page, tr, t0: float) -> None:
    # NeuronText: the colours of the char LSTM's neuron, as Python computes them.
    text = page.locator(f"{ROOT}").first
    wait_rendered(text, timeout=WAIT)
    print(f"\nNeuronText drawn {time.monotonic() - t0:.1f} s after the page opened")
    layer = text.get_attribute("data-rendered-layer")
    neuron = int(text.get_attribute("data-rendered-neuron"))
    check_colours(text, tr, layer, neuron)
    selected = page.locator("strong", has_text="Selected:")
    expect(selected).to_have_text(f"Selected: {layer} neuron {neuron}")

    # A click in the widget re-runs the cell that reads it (mo.ui.anywidget).
    text.locator("button.iw-next").click()
    wait_rendered(text, neuron=neuron + 1, layer=layer, timeout=WAIT)
    check_colours(text, tr, layer, neuron + 1)
    expect(selected).to_have_text(f"Selected: {layer} neuron {neuron + 1}", timeout=WAIT)

    # AttentionView (MiniLM): the head view's lines are drawn.
    att = page.locator(ATT_ROOT)
    expect(att).to_have_attribute("data-rendered", "head:2:0", timeout=WAIT)
    assert ink(att.locator("canvas.iw-attn-lines")) > 500, "the attention canvas is blank"

    # NeuronExplorer: scrolling the text fetches another heatmap window from Python (a
    # request answered by a custom message: no trait and no saved reply holds it).
    exp = page.locator(EXP_ROOT)
    heat = exp.locator("canvas.iw-heatmap")
    expect(heat).to_have_attribute("data-start", "0", timeout=WAIT)
    expect(heat).to_have_attribute("data-drawn", re.compile(r".+"), timeout=WAIT)
    exp.locator(".iw-text").evaluate("e => { e.scrollTop = e.scrollHeight; }")
    expect(heat).to_have_attribute("data-start", re.compile(r"^[1-9]\d*$"), timeout=30_000)
    start = int(heat.get_attribute("data-start"))
    n = int(re.search(r"of (\d+)", exp.locator(".iw-heatmap-label").inner_text()).group(1))
    expect(exp.locator(".iw-heatmap-label")).to_have_text(
        f"positions {start}–{min(n, start + 512) - 1} of {n}"
    )
    assert ink(heat) > 1000, "the heatmap window fetched on demand is blank"
    expect(exp.locator(".iw-status-error")).to_have_count(0)

    # AttributionText (sentiment): tokens shaded; switching the target reaches Python.
    attr = page.locator(ATTR_ROOT)
    expect(attr).to_have_attribute("data-rendered", re.compile(r"^\d+:token:row$"), timeout=WAIT)
    shades = attr.evaluate(
        "el => new Set(Array.from(el.querySelectorAll('span.iw-tok'), "
        "s => getComputedStyle(s).backgroundColor)).size"
    )
    assert shades >= 4, f"only {shades} token shades"
    explaining = page.locator("strong", has_text="Explaining:").locator("xpath=..")
    expect(explaining).to_contain_text("Explaining:")
    before = explaining.inner_text()
    old_label = re.search(r"Explaining: (\S+)", before).group(1)
    target = attr.locator("select.iw-attr-target")
    options = target.locator("option").evaluate_all("os => os.map(o => [o.value, o.text])")
    pick, pick_text = next((v, t) for v, t in options if v != target.input_value())
    target.select_option(pick)
    expect(attr).to_have_attribute("data-rendered", f"{pick}:token:row", timeout=WAIT)
    expect(explaining).not_to_have_text(before, timeout=WAIT)
    new_label = re.search(r"Explaining: (\S+)", explaining.inner_text()).group(1)
    assert new_label != old_label and new_label in pick_text, (before, new_label, pick_text)
