"""NeuronDashboard in headless Chromium: what a person sees and what Python reads back.

Two ways in: the exported page (``save_html``, opened from ``file://``; it must make no request
and log no error — see ``conftest.py``), and a live page whose model is wired to the Python
widget through a Playwright binding (``live_page``): browser changes go through
``Widget.set_state``, requests through ``Widget._reply``, and Python's trait changes come back,
as a kernel's comm would carry them. Real data: the embedded char-LSTM's ``iw.scan`` of two
held-out documents. Open times (request → drawn, read from the widget's ``data-open-ms``)
are printed, never asserted; ``bench/bench_dashboard.py`` measures them properly.
"""

from __future__ import annotations

import base64
import json
import re
import statistics
import sys
from pathlib import Path

import numpy as np
import pytest
from iwpage import bg_rgb, close_rgb, expected_text_rgb, ink
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dashboard_fake import FakeScan, real_scan  # noqa: E402

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ROOT = ".iw-root.iw-neuron-dashboard"
LAYER = "rnn.1.h"
#: how the dashboard shows characters that would break its one-line contexts or be invisible:
#: newline ↵, other control characters a middle dot (the tooltip names them); tab stays a tab
SHOWN = str.maketrans(
    {**{chr(c): "\u00b7" for c in range(32) if c not in (9, 10)}, "\n": "\u21b5", "\x7f": "\u00b7"}
)


@pytest.fixture(scope="module")
def real():
    return real_scan()


def wait_unit(root, neuron, layer=None, timeout=30_000):
    if layer is not None:
        expect(root).to_have_attribute("data-rendered-layer", layer, timeout=timeout)
    expect(root).to_have_attribute("data-rendered-neuron", str(neuron), timeout=timeout)


def shown_contexts(page, section):
    return page.locator(f"{ROOT} .iw-nd-{section} .iw-nd-ctx").evaluate_all(
        """ls => ls.map(l => l.querySelector('.iw-nd-left').textContent
                         + l.querySelector('.iw-nd-right').textContent)"""
    )


def open_export(page, path):
    page.goto(Path(path).resolve().as_uri())
    root = page.locator(ROOT)
    expect(root).to_have_attribute("data-rendered-neuron", re.compile(r"^\d+$"), timeout=30_000)
    return root


def test_exported_page_shows_the_unit_as_the_scan_has_it(iw, page, real, tmp_path):
    scan, docs, _ = real
    n = 7
    w = iw.NeuronDashboard(scan, layer=LAYER, neuron=n, title="char-LSTM")
    path = w.save_html(tmp_path / "dash.html")
    root = open_export(page, path)
    wait_unit(root, n, LAYER)

    # the histogram is drawn: ink on the canvas, zero marked
    canvas = page.locator(f"{ROOT} canvas.iw-nd-hist-canvas")
    assert ink(canvas) > 500
    assert canvas.get_attribute("data-zero-x") is not None
    edges, counts = scan.histogram(LAYER, n)
    assert canvas.get_attribute("data-bins") == str(len(counts))

    # the contexts are the scan's, in its order, each from its document
    top = scan.top(LAYER, n)
    assert shown_contexts(page, "top") == [c.translate(SHOWN) for c in top["context"]]
    bottom = scan.bottom(LAYER, n)
    assert shown_contexts(page, "bottom") == [c.translate(SHOWN) for c in bottom["context"]]
    for r in top.itertuples():
        assert docs[r.doc][r.start : r.end] == r.context
    vals = page.locator(f"{ROOT} .iw-nd-top .iw-nd-val").all_inner_texts()
    assert [float(v.replace("\u2212", "-")) for v in vals] == pytest.approx(
        top["value"].tolist(), abs=1e-3
    )
    where = page.locator(f"{ROOT} .iw-nd-top .iw-nd-where").all_inner_texts()
    assert where == [f"{r.doc}:{r.position:,}" for r in top.itertuples()]

    # the activating character is marked, and coloured by its value on the unit's scale
    vmax = w.unit["vmax"]
    values = scan.context_values(LAYER, n, "top")
    for i, r in enumerate(top.itertuples()):
        focus = page.locator(f"{ROOT} .iw-nd-top .iw-nd-ctx").nth(i).locator(".iw-nd-focus")
        expect(focus).to_have_count(1)
        assert focus.inner_text() == r.context[r.focus].translate(SHOWN) or r.context[r.focus] in (
            " ",
            "\t",
        )
        style = focus.evaluate(
            "e => { const s = getComputedStyle(e); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert style[0] == "solid" and style[1] >= 1.5, style
        v16 = float(np.float16(values[i][r.focus]))
        # NeuronText's text scale over ±vmax: one dark ink on every shade
        assert close_rgb(bg_rgb(focus), expected_text_rgb(v16, vmax)), (i, bg_rgb(focus), v16)
        assert focus.evaluate("e => getComputedStyle(e).color") == "rgb(17, 17, 17)"

    # the features and the output effect are there
    names = page.locator(f"{ROOT} .iw-nd-fname").all_inner_texts()
    assert set(names) == set(scan.feature_scores(LAYER, n)["feature"])
    promotes = page.locator(f"{ROOT} .iw-nd-promotes .iw-nd-eff-tok").count()
    assert promotes == 10

    # ▶ and the arrow keys step units; the shown contexts follow
    page.locator(f"{ROOT} button.iw-next").click()
    wait_unit(root, n + 1)
    assert shown_contexts(page, "top") == [
        c.translate(SHOWN) for c in scan.top(LAYER, n + 1)["context"]
    ]
    root.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    wait_unit(root, n - 1)
    assert shown_contexts(page, "top") == [
        c.translate(SHOWN) for c in scan.top(LAYER, n - 1)["context"]
    ]
    # ↑ goes to the layer above; the file holds only the exported layer, and says so
    page.keyboard.press("ArrowUp")
    expect(root).to_have_attribute("data-rendered-layer", LAYER)
    opt = page.locator(f"{ROOT} select.iw-layer option[value='rnn.0.c']")
    assert opt.is_disabled() and "not in this file" in opt.inner_text()


def test_exported_page_says_which_units_it_holds(iw, page, guard, real, tmp_path):
    from interpwidgets.widgets.neuron_dashboard_data import nbytes

    scan, _, _ = real
    w = iw.NeuronDashboard(scan, layer=LAYER, neuron=3)
    w.export_budget = int(nbytes(w.unit) * 3.5)  # units 2-4
    root = open_export(page, w.save_html(tmp_path / "small.html"))
    wait_unit(root, 3)
    page.locator(f"{ROOT} button.iw-next").click()
    wait_unit(root, 4)
    page.locator(f"{ROOT} button.iw-next").click()  # unit 5 is not in the file
    status = page.locator(f"{ROOT} .iw-status")
    expect(status).to_contain_text("holds units 2–4 of layer 'rnn.1.h' only", timeout=20_000)
    expect(status.locator("button.iw-retry")).to_be_visible()
    assert shown_contexts(page, "top")  # the last unit stays on screen, faded: never blank
    page.locator(f"{ROOT} button.iw-prev").click()
    wait_unit(root, 4)
    expect(status).to_be_hidden()


def test_open_time_in_the_exported_page(iw, page, real, tmp_path):
    """Request → drawn for units the page must fetch (typed numbers far from any prefetch)."""
    scan, _, _ = real
    w = iw.NeuronDashboard(scan, layer=LAYER, neuron=0)
    root = open_export(page, w.save_html(tmp_path / "timing.html"))
    wait_unit(root, 0)
    box = page.locator(f"{ROOT} input.iw-neuron")
    fetched, complete, cached = [], [], []
    for n in (40, 80, 120, 160, 200, 240, 20, 60, 100, 140):
        box.fill(str(n))
        box.press("Enter")
        wait_unit(root, n)
        assert root.get_attribute("data-open-source") == "fetched"
        fetched.append(float(root.get_attribute("data-open-ms")))
        complete.append(float(root.get_attribute("data-complete-ms")))
        page.locator(f"{ROOT} button.iw-next").click()  # prefetched: from the cache
        wait_unit(root, n + 1)
        cached.append(float(root.get_attribute("data-open-ms")))
    print(
        f"\nNeuronDashboard open (exported page, {len(fetched)} units): fetched median "
        f"{statistics.median(fetched):.1f} ms (max {max(fetched):.1f}), everything drawn "
        f"{statistics.median(complete):.1f} ms, prefetched median "
        f"{statistics.median(cached):.1f} ms (max {max(cached):.1f})"
    )


# ---- a live page: the widget's model wired to the Python object ----------------------------

LIVE_JS = r"""
const data = JSON.parse(document.getElementById('iw-data').textContent);
const b64 = (s) => { const b = atob(s); const u = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return u; };
const view = (s) => { const u = b64(s); return new DataView(u.buffer, u.byteOffset, u.byteLength); };
function put(obj, paths, bufs) {
  paths.forEach((p, i) => { let o = obj; for (const k of p.slice(0, -1)) o = o[k]; o[p[p.length - 1]] = view(bufs[i]); });
  return obj;
}
const state = put(data.state, data.buffer_paths, data.buffers);
const listeners = new Map();
const emit = (e, ...a) => { for (const cb of [...(listeners.get(e) || [])]) cb(...a); };
let dirty = {};
const model = {
  get: (k) => state[k],
  set(k, v) { if (Object.is(state[k], v)) return; state[k] = v; dirty[k] = v; emit(`change:${k}`, model, v); },
  save_changes() { const d = dirty; dirty = {}; window.iwKernel({ type: 'state', state: d }).then(apply); },
  on(e, cb) { if (!listeners.has(e)) listeners.set(e, new Set()); listeners.get(e).add(cb); },
  off(e, cb) { if (!e) listeners.clear(); else if (cb) listeners.get(e)?.delete(cb); else listeners.delete(e); },
  send(msg) {
    window.iwKernel({ type: 'request', body: msg.body }).then((r) => {
      emit('msg:custom', { type: 'reply', id: msg.id, ...r.reply }, r.buffers.map(view));
    });
  },
};
/** Python's side changed traits: set them without sending them back. */
function apply(changes) {
  const s = put(changes.state, changes.buffer_paths, changes.buffers);
  for (const [k, v] of Object.entries(s)) { state[k] = v; emit(`change:${k}`, model, v); }
}
window.iwApply = apply;
const url = URL.createObjectURL(new Blob([b64(data.esm)], { type: 'text/javascript' }));
const mod = await import(url);
(mod.default || mod).render({ model, el: document.getElementById('iw-root') });
"""


def _encode(state):
    from ipywidgets.widgets.widget import _remove_buffers

    s, paths, buffers = _remove_buffers(state)
    return {
        "state": s,
        "buffer_paths": paths,
        "buffers": [base64.b64encode(bytes(b)).decode() for b in buffers],
    }


@pytest.fixture
def live_page(page, tmp_path):
    """``live_page(widget)`` → (page, push): the widget rendered with Python answering; ``push(names)``
    sends Python-side trait changes to the browser (what a kernel's comm does)."""

    def make(w):
        from interpwidgets.widgets.base import bundle

        changed: set[str] = set()
        w.observe(lambda ch: changed.add(ch["name"]), names=traitlets_names(w))

        def kernel(_source, msg):
            if msg["type"] == "state":
                changed.clear()
                w.set_state(msg["state"])
                back = {k: w.get_state(k)[k] for k in changed if k not in msg["state"]}
                back.update({k: w.get_state(k)[k] for k in ("error",) if k in changed})
                return _encode(back)
            reply, buffers = w._reply(msg["body"])
            return {
                "reply": reply,
                "buffers": [base64.b64encode(bytes(b)).decode() for b in buffers],
            }

        page.expose_binding("iwKernel", kernel)
        state = {k: v for k, v in w.get_state().items() if not k.startswith("_") or k == "_replies"}
        data = {
            **_encode(state),
            "esm": base64.b64encode(bundle(w._bundle).read_bytes()).decode(),
        }
        css = bundle("style.css").read_text(encoding="utf-8")
        html = tmp_path / "live.html"
        html.write_text(
            "<!doctype html><meta charset=utf-8><style>" + css + "</style><body>"
            '<div id="iw-root"></div><script type="application/json" id="iw-data">'
            + json.dumps(data).replace("<", "\\u003c")
            + "</script><script type=module>"
            + LIVE_JS
            + "</script>",
            encoding="utf-8",
        )
        page.goto(html.as_uri())

        def push(names):
            page.evaluate("c => window.iwApply(c)", _encode({k: w.get_state(k)[k] for k in names}))

        return page, push

    return make


def traitlets_names(w):
    return [k for k in w.keys if not k.startswith("_")]


def test_live_click_sets_selected_in_python_and_steps_units(iw, live_page, real):
    scan, docs, lm = real
    n = 11
    w = iw.NeuronDashboard(scan, layer=LAYER, neuron=n)
    page, push = live_page(w)
    root = page.locator(ROOT)
    wait_unit(root, n, LAYER)

    # a click on the second bottom context: Python reads it back
    r = scan.bottom(LAYER, n).iloc[1]
    page.locator(f"{ROOT} .iw-nd-bottom .iw-nd-ctx").nth(1).locator(".iw-nd-right").click()
    page.wait_for_function(
        f"document.querySelectorAll('{ROOT} .iw-nd-selected').length === 1", timeout=10_000
    )
    expect(page.locator(f"{ROOT} .iw-nd-bottom .iw-nd-ctx").nth(1)).to_have_class(
        "iw-nd-ctx iw-nd-selected"
    )
    page.wait_for_timeout(100)
    assert w.selected == {
        "layer": LAYER,
        "neuron": n,
        "doc": r.doc,
        "doc_id": int(r.doc_id),
        "position": int(r.position),
        "start": int(r.start),
        "end": int(r.end),
    }
    nt = w.open_selected(model=lm, corpus=docs)  # the linked NeuronText
    assert r.context in nt.text
    assert nt.values()[nt.text.index(r.context) + int(r.focus)] == pytest.approx(r.value, abs=1e-3)

    # ▶ in the browser: Python's neuron follows, the view shows that unit
    page.locator(f"{ROOT} button.iw-next").click()
    wait_unit(root, n + 1)
    assert w.neuron == n + 1
    assert shown_contexts(page, "top") == [
        c.translate(SHOWN) for c in scan.top(LAYER, n + 1)["context"]
    ]
    # the layer menu: Python's layer follows
    page.locator(f"{ROOT} select.iw-layer").select_option("rnn.0.c")
    wait_unit(root, n + 1, "rnn.0.c")
    assert w.layer == "rnn.0.c"
    expect(page.locator(f"{ROOT} .iw-nd-effect .iw-nd-empty")).to_contain_text(
        "no direct path to the output"
    )
    # Python sets the unit: the view follows (the kernel pushes layer, neuron and unit)
    w.layer, w.neuron = LAYER, 200
    push(["layer", "neuron", "unit"])
    wait_unit(root, 200, LAYER)
    assert shown_contexts(page, "top") == [
        c.translate(SHOWN) for c in scan.top(LAYER, 200)["context"]
    ]
    # open time with Python answering the request (typed: nothing prefetched there)
    times = []
    box = page.locator(f"{ROOT} input.iw-neuron")
    for m in (30, 90, 150, 230):
        box.fill(str(m))
        box.press("Enter")
        wait_unit(root, m)
        if root.get_attribute("data-open-source") == "fetched":
            times.append(float(root.get_attribute("data-open-ms")))
    print(
        f"\nNeuronDashboard open (live, Python answering, {len(times)} units): "
        f"{', '.join(f'{t:.0f}' for t in times)} ms"
    )


def test_hostile_text_dark_theme_and_presentation(iw, make_page, tmp_path):
    """Text a stranger wrote shows as those characters; dark theme and A+ work."""
    docs = {"<img src=x onerror=alert(1)>.py": 'x = "<img src=x onerror=alert(1)>"\n🙂 </script>\n'}
    rng = np.random.default_rng(1)
    acts = {"rnn.0.h": [rng.normal(0, 1, (len(t), 3)).astype(np.float32) for t in docs.values()]}
    scan = FakeScan(docs, acts, k=3, context=12, effect_layers=("rnn.0.h",))
    w = iw.NeuronDashboard(scan)
    page = make_page(color_scheme="dark", accept_downloads=True)
    root = open_export(page, w.save_html(tmp_path / "hostile.html"))
    wait_unit(root, 0)
    assert page.locator(f"{ROOT} img").count() == 0
    assert shown_contexts(page, "top") == [
        c.translate(SHOWN) for c in scan.top("rnn.0.h", 0)["context"]
    ]
    assert (
        "<img src=x onerror=alert(1)>.py" in page.locator(f"{ROOT} .iw-nd-where").first.inner_text()
    )
    bg = bg_rgb(root)
    assert sum(bg) < 120, bg  # dark
    canvas = page.locator(f"{ROOT} canvas.iw-nd-hist-canvas")
    size = page.locator(f"{ROOT} .iw-nd-right").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    width = canvas.evaluate("c => c.height")
    page.locator(f"{ROOT} button.iw-tb-present").click()
    expect(root).to_have_class("iw-root iw-neuron-dashboard iw-present")
    bigger = page.locator(f"{ROOT} .iw-nd-right").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert bigger == pytest.approx(1.5 * size, rel=0.02)
    assert canvas.evaluate("c => c.height") > width  # the histogram is redrawn larger
    assert ink(canvas) > 100
    # the toolbar's pictures: a figure SVG with the histogram as vectors, and a PNG
    with page.expect_download() as dl:
        page.locator(f"{ROOT} button.iw-tb-svg").click()
    assert dl.value.suggested_filename == "interpwidgets-neuron_dashboard.svg"
    svg = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "<image" not in svg and 'data-canvas="iw-nd-hist' in svg
    assert "&lt;" in svg and "onerror=alert(1)&gt;" in svg  # text, escaped
    with page.expect_download() as dl:
        page.locator(f"{ROOT} button.iw-tb-png").click()
    assert dl.value.suggested_filename == "interpwidgets-neuron_dashboard.png"
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_screenshot(iw, make_page, real, tmp_path):
    """docs/img/neuron_dashboard.png: the exported page of the char-LSTM unit that tracks
    strings best in this scan (by its in_string AUROC)."""
    scan, _, _ = real
    best = max(
        range(scan.units[LAYER]),
        key=lambda u: float(
            scan.feature_scores(LAYER, u).set_index("feature").loc["in_string", "score"]
        ),
    )
    w = iw.NeuronDashboard(
        scan, layer=LAYER, neuron=best, title="char-LSTM on held-out stdlib code"
    )
    page = make_page(device_scale_factor=1.5, viewport={"width": 1180, "height": 900})
    root = open_export(page, w.save_html(tmp_path / "readme.html"))
    wait_unit(root, best)
    out = REPO / "docs" / "img" / "neuron_dashboard.png"
    root.screenshot(path=str(out))
    print(f"\nwrote {out} ({LAYER} unit {best})")
    assert out.stat().st_size > 20_000


def test_a_token_scan_says_tokens(iw, make_page, tmp_path):
    """A scan of a token model counts tokens: the stats and the interval shares say so."""
    docs = {"a.py": "def f(x):\n    return x + 1\n" * 4}
    rng = np.random.default_rng(2)
    acts = {
        "blocks.0.resid": [rng.normal(0, 1, (len(t), 3)).astype(np.float32) for t in docs.values()]
    }
    scan = FakeScan(docs, acts, k=3, context=8)
    scan.meta["positions"] = "tokens"
    page = make_page()
    root = open_export(page, iw.NeuronDashboard(scan).save_html(tmp_path / "tokens.html"))
    wait_unit(root, 0)
    count = page.locator(f"{ROOT} .iw-nd-stat").first
    assert count.get_attribute("title") == "tokens scanned"
    shares = page.locator(f"{ROOT} .iw-nd-interval").all_inner_texts()
    assert shares and all("of characters" not in s for s in shares)
    assert any("of tokens" in s for s in shares)
