"""A lecturer's steps in a real JupyterLab, each checked as a person would see it: Run All from
the menu, wait until every code cell has run and every widget has drawn, presentation mode (A+),
a widget's figure exported as PNG for slides, and a saved page opened with no kernel.

Used by ``bench/lecturer_flow.py`` (every course notebook, timed) and by
``test_lecturer_flow.py`` (notebook 00 in CI). Nothing here starts a server or a browser.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Settings for the flow's JupyterLab. JupyterLab 4 draws only the cells near the viewport
#: (windowing): a long notebook's last prompts are not in the page, so "every cell has run"
#: could never be seen. A lecturer scrolling through sees them all; draw every cell.
SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    }
}

#: The page's state in one call: each code cell's prompt, the kernel indicator, and each
#: widget output: "drawn", "waiting" (no view yet, or drawn without its marker), "error"
#: ("Error displaying widget"), or "other" (a widget that is not ours: a progress bar).
STATE = """() => {
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')]
    .map(e => e.textContent.trim());
  const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const MARKED = ['iw-neuron-text', 'iw-neuron-explorer', 'iw-attention-view', 'iw-attribution-text',
                  'iw-probe-chart', 'iw-robustness', 'iw-neuron-dashboard'];
  // a widget's output is a panel with no data-mime-type (text, images and HTML have one); it
  // may hold several of ours (an ipywidgets HBox of two views): each counts
  const widgets = [...document.querySelectorAll('.jp-OutputArea-output:not([data-mime-type])')].flatMap(out => {
    if (/Error displaying widget/.test(out.textContent)) return ['error'];
    const roots = [...out.querySelectorAll('.iw-root:not(.iw-root .iw-root)')];
    if (!roots.length) return [/Loading widget/.test(out.textContent) ? 'waiting' : 'other'];
    return roots.map(root => {
      const marked = root.matches('[data-rendered], [data-rendered-neuron]');
      const known = MARKED.some(c => root.classList.contains(c));
      return (marked || (!known && root.offsetHeight > 40)) ? 'drawn' : 'waiting';
    });
  });
  return {prompts, kernel: ind ? ind.getAttribute('data-status') : null, widgets};
}"""

RAN = re.compile(r"\[\d+\]:")


@dataclass
class RunAll:
    """What Run All did: seconds until every code cell ran and every widget drew."""

    seconds: float
    code_cells: int
    widgets: int
    other_widgets: int
    trail: list[str] = field(default_factory=list)


def run_all(page: Any, timeout: float, stall: float = 20.0) -> RunAll:
    """Run → Run All Cells from the menu bar, then wait until every code cell's prompt is
    ``[n]:`` and every widget output of ours has drawn; the seconds from the click.

    Fails (does not hang) when nothing starts within 60 s, when the kernel sits idle for
    ``stall`` seconds with cells not run (Run All stops at a cell that raised), when a widget
    says "Error displaying widget", or after ``timeout`` seconds.
    """
    before = page.evaluate(STATE)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    t0 = time.monotonic()
    started = False
    idle_since: float | None = None
    trail: list[str] = []
    last = ""
    while True:
        time.sleep(0.25)
        now = time.monotonic() - t0
        st = page.evaluate(STATE)
        prompts, widgets = st["prompts"], st["widgets"]
        ran = sum(bool(RAN.fullmatch(p)) for p in prompts)
        line = f"{now:6.1f} s  ran {ran}/{len(prompts)}  kernel {st['kernel']}  widgets " + (
            " ".join(f"{k} {widgets.count(k)}" for k in ("drawn", "waiting", "other", "error"))
        )
        if line[9:] != last:
            trail.append(line)
            last = line[9:]
        started = started or any(p == "[*]:" for p in prompts) or prompts != before["prompts"]
        if "error" in widgets:
            raise AssertionError("a widget did not display:\n" + "\n".join(trail))
        if started and ran == len(prompts) and "waiting" not in widgets:
            return RunAll(
                round(now, 1),
                len(prompts),
                widgets.count("drawn"),
                widgets.count("other"),
                trail,
            )
        if not started and now > 60:
            raise AssertionError(f"Run All started no cell in 60 s (prompts {prompts})")
        if started and st["kernel"] == "idle" and ran < len(prompts):
            idle_since = now if idle_since is None else idle_since
            if now - idle_since > stall:
                left = [i for i, p in enumerate(prompts) if not RAN.fullmatch(p)]
                stderr = page.locator(
                    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                ).all_inner_texts()
                raise AssertionError(
                    f"Run All stopped: kernel idle {stall:.0f} s with code cells {left} not run "
                    f"(a cell raised?)\n" + "\n".join(trail) + "\nstderr: " + repr(stderr)[-1500:]
                )
        else:
            idle_since = None
        if now > timeout:
            raise AssertionError(f"Run All not done in {timeout:.0f} s\n" + "\n".join(trail))


def top_roots(page: Any) -> Any:
    """Our widgets' outermost roots in the notebook's outputs."""
    return page.locator(".jp-OutputArea-output .iw-root:not(.iw-root .iw-root)")


def present(root: Any) -> float:
    """Click the widget's A+ (presentation mode) and return how much its text grew (computed
    font size after / before); fails when the button does not say it is pressed."""
    from playwright.sync_api import expect

    size = "r => parseFloat(getComputedStyle(r).fontSize)"
    before = root.evaluate(size)
    button = root.locator(".iw-tb-present").first
    button.click()
    expect(root).to_have_class(re.compile(r"\biw-present\b"), timeout=30_000)
    expect(button).to_have_attribute("aria-pressed", "true")
    return round(root.evaluate(size) / before, 2)


def export_png(page: Any, root: Any, out: Path, stem: str) -> dict:
    """Click the widget's "⤓ PNG" (figure mode, as shown) and check the file: a PNG of the
    size the widget reports for its picture, with ink and colour on it."""
    from playwright.sync_api import expect

    root.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as info:
        root.locator(".iw-tb-png").first.click()
    path = out / f"{stem}_{info.value.suggested_filename}"
    info.value.save_as(path)
    expect(root).to_have_attribute("data-snapshot", re.compile(r"^png:"), timeout=30_000)
    snap = root.get_attribute("data-snapshot")
    return {"file": path.name, **check_png(path.read_bytes(), snap)}


def check_png(data: bytes, snapshot: str | None = None) -> dict:
    """Measure a PNG: its size, the share of pixels that are not background, the share that
    are coloured (not grey), the number of distinct colours. Raises when it is blank, or when
    its size is not the widget's picture (``snapshot`` = the root's ``data-snapshot``,
    ``png:<mode>:<w>x<h>``, drawn at 2-4 device pixels per css pixel)."""
    import numpy as np
    from PIL import Image

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise AssertionError(f"not a PNG (starts {data[:8]!r})")
    rgba = Image.open(io.BytesIO(data)).convert("RGBA")
    flat = Image.new("RGBA", rgba.size, "white")  # transparent corners count as paper
    img = np.asarray(Image.alpha_composite(flat, rgba).convert("RGB")).astype(int)
    h, w, _ = img.shape
    values, counts = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
    paper = values[counts.argmax()]  # the commonest colour is the background
    ink = float(np.mean(np.abs(img - paper).sum(axis=2) > 30))
    colour = float(np.mean(img.max(axis=2) - img.min(axis=2) > 60))
    n_colours = len(values)
    got = {"width": w, "height": h, "ink": round(ink, 3), "coloured": round(colour, 4)}
    got["colours"] = n_colours
    if ink < 0.01 or n_colours < 16:
        raise AssertionError(f"the PNG is blank: {got}")
    if snapshot:
        m = re.fullmatch(r"png:\w+:([\d.]+)x([\d.]+)", snapshot)
        if not m:
            raise AssertionError(f"data-snapshot: expected png:<mode>:<w>x<h>, got {snapshot!r}")
        scale = w / float(m.group(1))
        if not 1.9 <= scale <= 4.1 or abs(h / float(m.group(2)) - scale) > 0.05:
            raise AssertionError(f"the PNG is {w}x{h}, the widget's picture {snapshot}")
        got["scale"] = round(scale, 2)
    return got


def open_handout(browser: Any, html: Path, shot: Path | None = None) -> dict:
    """Open a saved page as a student would, from disk with no server, no kernel and no
    network (any request that is not file:/data:/blob: is blocked and counted); wait until
    its widgets draw. Returns what it drew and every console error, page error and request."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    local = ("file:", "data:", "blob:", "about:")
    ctx.route(lambda url: not url.startswith(local), lambda r: r.abort("blockedbyclient"))
    try:
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on(
            "request",
            lambda r: not r.url.startswith(local) and problems.append(f"request: {r.url}"),
        )
        page.goto(html.resolve().as_uri())
        page.wait_for_selector(
            ".iw-root[data-rendered], .iw-root[data-rendered-neuron]", timeout=60_000
        )
        drawn = page.evaluate(
            """() => [...document.querySelectorAll('.iw-root')].map(r => ({
                cls: [...r.classList].filter(c => c !== 'iw-root').join(' '),
                text: r.innerText.trim().length,
                height: Math.round(r.getBoundingClientRect().height),
            }))"""
        )
        if shot is not None:
            page.screenshot(path=str(shot), full_page=True)
        png = check_png(page.screenshot(full_page=True))
    finally:
        ctx.close()
    return {"widgets": drawn, "screenshot_ink": png["ink"], "problems": problems}
