"""The README's commands: `interpwidgets demo` and `interpwidgets gallery` write pages that open offline."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.browser


def test_demo_command_writes_an_offline_page(tmp_path, page):
    out = tmp_path / "demo.html"
    run = subprocess.run(
        [sys.executable, "-m", "interpwidgets.cli", "demo", "--out", str(out), "--chars", "1500"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "inside a string" in run.stdout and out.is_file()
    page.goto(out.as_uri())
    root = page.locator(".iw-root.iw-neuron-text")
    root.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('.iw-root')?.dataset.renderedNeuron !== undefined",
        timeout=30_000,
    )
    assert page.locator(".iw-tok").count() > 100


def test_gallery_pages_all_open_offline(tmp_path, page):
    from interpwidgets.cli import gallery

    index = gallery(tmp_path / "gallery")
    page.goto(index.as_uri())
    links = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 8
    for href in links:
        page.goto((index.parent / href).as_uri())
        page.wait_for_function(
            "() => { const r = document.querySelector('.iw-root'); return r && (r.dataset.rendered || r.dataset.renderedNeuron) }",
            timeout=60_000,
        )
        assert "Error" not in page.locator("#iw-root").inner_text()[:200], href
