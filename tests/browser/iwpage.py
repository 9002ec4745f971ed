"""Helpers shared by the real-browser tests (imported by conftest.py and the test modules).

Nothing here starts a browser; the fixtures in ``conftest.py`` do that. These are the small
pieces every test needs: the launch flags, reading a computed colour, the colour we expect
for a value, waiting until the NeuronText view has drawn a selection.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

import numpy as np

#: Debian's Chromium; ``IW_CHROMIUM`` overrides it (the harness's own tests point it nowhere).
CHROMIUM = os.environ.get("IW_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Background of a token whose value is NaN ("missing"), and its class.
MISSING_RGB = (189, 189, 189)
MISSING_CLASS = "iw-missing"
#: Channel tolerance when comparing a computed colour with the expected one.
TOL = 3

ROOT = ".iw-root.iw-neuron-text"

_RGB = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,/\s]+([\d.]+))?\s*\)")


def parse_rgb(css: str) -> tuple[int, int, int]:
    """``"rgb(12, 34, 56)"`` / ``"rgba(…)"`` → ``(12, 34, 56)``. Raises on anything else."""
    m = _RGB.fullmatch(css.strip())
    if not m:
        raise AssertionError(f"not an rgb() colour: {css!r}")
    if m.group(4) is not None and float(m.group(4)) == 0:
        raise AssertionError(f"transparent background (no colour applied): {css!r}")
    return tuple(round(float(m.group(k))) for k in (1, 2, 3))  # type: ignore[return-value]


def bg_rgb(locator: Any) -> tuple[int, int, int]:
    """``getComputedStyle(el).backgroundColor`` of a Playwright locator / element handle as (r, g, b)."""
    return parse_rgb(locator.evaluate("el => getComputedStyle(el).backgroundColor"))


@lru_cache(maxsize=1)
def _rdbu_r() -> Any:
    import matplotlib

    # RdBu_r is ColorBrewer's 11 stops with linear interpolation; resample finely so the
    # reference is the interpolation itself, not matplotlib's default 256-entry table.
    return matplotlib.colormaps["RdBu_r"].resampled(1 << 16)


def expected_rgb(value: float, vmax: float) -> tuple[int, int, int]:
    """The colour the design promises for ``value`` on a diverging scale over [-vmax, vmax]."""
    if value != value:  # NaN
        return MISSING_RGB
    x = 0.5 if vmax == 0 else (value / vmax + 1) / 2
    x = min(max(x, 0.0), 1.0)
    r, g, b, _ = _rdbu_r()(x)
    return (round(r * 255), round(g * 255), round(b * 255))


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    def lum(c):
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    x, y = lum(a), lum(b)
    return (max(x, y) + 0.05) / (min(x, y) + 0.05)


@lru_cache(maxsize=1)
def text_reach() -> float:
    """How far from its middle RdBu_r keeps dark ink (#111) at 4.6:1 on both sides: NeuronText
    draws text on that part only (js/src/shared/text_scale.ts), computed here on its own."""
    ink = (17 / 255,) * 3
    reach = 1.0
    for side in (1, -1):
        for k in range(1, 1001):
            if _contrast(_rdbu_r()(0.5 + side * k / 2000), ink) < 4.6:
                reach = min(reach, (k - 1) / 1000)
                break
    return reach


@lru_cache(maxsize=1)
def text_reach_blues() -> float:
    """How far along Blues dark ink (#111) keeps 4.6:1: a gate's text scale (text_scale.ts)."""
    ink = (17 / 255,) * 3
    for k in range(1, 1001):
        if _contrast(_blues()(k / 1000), ink) < 4.6:
            return (k - 1) / 1000
    return 1.0


def expected_text_gate(value: float) -> tuple[int, int, int]:
    """NeuronText's colour for a sigmoid gate's ``value`` (0..1) in the light theme."""
    if value != value:  # NaN
        return MISSING_RGB
    r, g, b, _ = _blues()(min(max(value, 0.0), 1.0) * text_reach_blues())
    return (round(r * 255), round(g * 255), round(b * 255))


def expected_text_rgb(value: float, hi: float) -> tuple[int, int, int]:
    """NeuronText's colour for ``value`` in the light theme on a diverging scale over ±``hi``:
    RdBu_r as far as dark ink keeps 4.6:1 (``text_reach``)."""
    if value != value:  # NaN
        return MISSING_RGB
    t = 0.0 if hi == 0 else min(max(value / hi, -1.0), 1.0)
    r, g, b, _ = _rdbu_r()(0.5 + t * text_reach() / 2)
    return (round(r * 255), round(g * 255), round(b * 255))


def text_scale_hi(values: Any) -> float:
    """The half-width of NeuronText's default scale ("p99"): the 99th percentile of |value|
    over the finite values (numpy's linear interpolation), else the max, else 1."""
    a = np.abs(np.asarray(values, dtype=np.float64))
    a = a[np.isfinite(a)]
    if not a.size:
        return 1.0
    p = float(np.percentile(a, 99))
    return p if p > 0 else float(a.max()) if a.max() > 0 else 1.0


@lru_cache(maxsize=1)
def _blues() -> Any:
    import matplotlib

    return matplotlib.colormaps["Blues"].resampled(1 << 16)


def expected_seq(value: float, vmax: float) -> tuple[int, int, int]:
    """The sequential scale AttentionView promises: ColorBrewer Blues over [0, vmax]."""
    r, g, b, _ = _blues()(float(min(max(value / vmax, 0.0), 1.0)))
    return (round(r * 255), round(g * 255), round(b * 255))


def ink(canvas: Any) -> int:
    """Device pixels of a canvas that are neither transparent nor (near) white."""
    return canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0;
                  for (let i = 0; i < d.length; i += 4)
                    if (d[i + 3] && (d[i] < 250 || d[i+1] < 250 || d[i+2] < 250)) n++;
                  return n; }"""
    )


def close_rgb(got: tuple[int, int, int], want: tuple[int, int, int], tol: int = TOL) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(got, want, strict=True))


def token_colours(root: Any) -> dict[int, dict[str, Any]]:
    """Every rendered ``span.iw-tok`` under ``root`` (a locator): index → {rgb, text, cls}."""
    rows = root.evaluate(
        """(el) => Array.from(el.querySelectorAll('span.iw-tok')).map(s => [
            s.getAttribute('data-i'), getComputedStyle(s).backgroundColor, s.textContent, s.className,
        ])"""
    )
    out: dict[int, dict[str, Any]] = {}
    for i, css, text, cls in rows:
        out[int(i)] = {"rgb": parse_rgb(css), "text": text, "cls": cls or ""}
    return out


def assert_column_colours(
    root: Any, values: Any, what: str = "", value_range: str | None = None
) -> None:
    """Every character span of a NeuronText root (light theme, default scale) has the colour
    promised for ``values`` (one per character): a gate's (``value_range="unit"``) 0..1, a
    tanh-range array's ±1, else diverging over the 99th percentile of |value|
    (``value_range`` as :func:`interpwidgets.widgets.neuron_scale.value_range` says)."""
    hi = 1.0 if value_range == "tanh" else text_scale_hi(values)

    def want(v: float) -> tuple[int, int, int]:
        return expected_text_gate(v) if value_range == "unit" else expected_text_rgb(v, hi)

    got = token_colours(root)
    assert len(got) == len(values), f"{len(got)} token spans for {len(values)} characters"
    bad = [
        (i, got[i]["rgb"], want(float(v)))
        for i, v in enumerate(values)
        if not close_rgb(got[i]["rgb"], want(float(v)))
    ]
    assert not bad, f"{what}: wrong colours (index, got, want): {bad[:10]}"


def probe_result(model: str, layers: list, acc: list, ctrl: list, maj: list) -> Any:
    """A ``ProbeResult`` on ``in_string`` from hand-made numbers: selectivity = acc − ctrl; layer
    i's top neurons are 45 + i (weight 0.26 − 0.03 i) and 3 i + 1 (weight −0.18)."""
    import pandas as pd

    from interpwidgets.probing import ProbeResult

    table = pd.DataFrame(
        {
            "layer": layers,
            "accuracy": acc,
            "control_accuracy": ctrl,
            "selectivity": [a - c for a, c in zip(acc, ctrl, strict=True)],
            "majority": maj,
        }
    )
    top = {layer: [(45 + i, 0.26 - 0.03 * i), (3 * i + 1, -0.18)] for i, layer in enumerate(layers)}
    return ProbeResult("in_string", model, table, {}, top)


def wait_rendered(
    root: Any, neuron: int | None = None, layer: str | None = None, timeout: float = 30_000
) -> None:
    """Wait until the NeuronText root (a locator) says it has coloured ``layer``/``neuron``."""
    from playwright.sync_api import expect

    if neuron is None and layer is None:
        expect(root).to_have_attribute(
            "data-rendered-neuron", re.compile(r"^\d+$"), timeout=timeout
        )
        return
    if layer is not None:
        expect(root).to_have_attribute("data-rendered-layer", layer, timeout=timeout)
    if neuron is not None:
        expect(root).to_have_attribute("data-rendered-neuron", str(neuron), timeout=timeout)


def open_export(page: Any, path: Any, timeout: float = 30_000) -> Any:
    """Open an exported page from ``file://`` and wait until its first selection is coloured."""
    from pathlib import Path

    page.goto(Path(path).resolve().as_uri())
    root = page.locator(ROOT)
    wait_rendered(root, timeout=timeout)
    page.locator(f"{ROOT} span.iw-tok").first.wait_for(state="attached", timeout=timeout)
    return root


def unseen_corners(locator: Any) -> list[str]:
    """Corners of an element that a person cannot see (clipped by an ancestor, off screen, covered).

    Hit-tests a point just inside each corner (with pointer events briefly enabled on the
    element): clipped or covered parts do not hit it.
    """
    return locator.evaluate(
        """el => {
            // Tooltips rightly ignore the pointer; let hit-testing see this one for a moment.
            const style = document.createElement('style');
            style.textContent = '.iw-probe-hit, .iw-probe-hit * { pointer-events: auto !important; }';
            document.head.appendChild(style);
            el.classList.add('iw-probe-hit');
            const r = el.getBoundingClientRect(), d = 3, out = [];
            const pts = {'top-left': [r.left + d, r.top + d], 'top-right': [r.right - d, r.top + d],
                         'bottom-left': [r.left + d, r.bottom - d], 'bottom-right': [r.right - d, r.bottom - d]};
            for (const [name, [x, y]] of Object.entries(pts)) {
                const hit = document.elementFromPoint(x, y);
                if (!hit || !(hit === el || el.contains(hit))) out.push(`${name} (${x|0},${y|0}) -> ${hit ? hit.className || hit.tagName : 'nothing'}`);
            }
            el.classList.remove('iw-probe-hit');
            style.remove();
            return out;
        }"""
    )


# -- the harness: the bundle rendered with a model that records what the browser saves -------
HARNESS = """<!doctype html><html><head><meta charset="utf-8"><style>%(css)s</style></head>
<body><div id="host"></div>
<script type="application/json" id="data">%(data)s</script>
<script type="module">
const data = JSON.parse(document.getElementById("data").textContent);
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const state = data.state;
data.buffer_paths.forEach((path, k) => {
  let o = state;
  for (const key of path.slice(0, -1)) o = o[key];
  const b = bytes(data.buffers[k]);
  o[path[path.length - 1]] = new DataView(b.buffer, b.byteOffset, b.byteLength);
});
const listeners = new Map();
const emit = (ev, ...a) => (listeners.get(ev) || []).slice().forEach((f) => f(...a));
const pending = new Set();
const saved = [];
const model = {
  get: (n) => state[n],
  set(n, v) { if (Object.is(state[n], v)) return; state[n] = v; pending.add(n); emit("change:" + n, model, v); },
  save_changes() { const c = {}; for (const n of pending) c[n] = state[n]; pending.clear(); saved.push(c); },
  on(ev, f) { for (const e of ev.split(/\\s+/)) listeners.set(e, [...(listeners.get(e) || []), f]); },
  off(ev, f) { for (const e of (ev || "").split(/\\s+/)) listeners.set(e, (listeners.get(e) || []).filter((g) => f && g !== f)); },
  send() {},
};
// What the kernel would do: set a trait from Python (no save, no echo).
window.__iw = { saved, kernelSet(n, v) { state[n] = v; emit("change:" + n, model, v); } };
const url = URL.createObjectURL(new Blob([bytes(data.esm)], { type: "text/javascript" }));
const mod = await import(url);
mod.default.render({ model, el: document.getElementById("host") });
</script></body></html>
"""


def open_harness(page: Any, widget: Any, tmp_path: Any) -> None:
    """Open ``widget``'s bundle in the harness page: a model in the page (no kernel) that keeps
    what the browser saves (``window.__iw.saved``) and takes ``window.__iw.kernelSet(name,
    value)`` as Python setting a trait."""
    from interpwidgets.export import _json_for_script, page_data
    from interpwidgets.widgets.base import bundle

    html = HARNESS % {
        "css": bundle("style.css").read_text(encoding="utf-8"),
        "data": _json_for_script(page_data(widget, compress=False)),  # the harness reads base64
    }
    path = tmp_path / "harness.html"
    path.write_text(html, encoding="utf-8")
    page.goto(path.resolve().as_uri())
