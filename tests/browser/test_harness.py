"""The harness itself: the page guard sees what it must, and a missing browser fails in CI.

If the guard silently missed console errors or requests, every other browser test would
pass for the wrong reason; these tests keep it honest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from iwpage import expected_rgb, parse_rgb

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent


def test_guard_records_errors_dialogs_and_requests(page, guard, tmp_path):
    guard.expect_errors = True  # provoked on purpose; asserted below instead of at teardown
    html = tmp_path / "bad.html"
    html.write_text(
        textwrap.dedent(
            """\
            <!doctype html><meta charset="utf-8"><body><p id=p style="background: rgb(1, 2, 3)">x</p>
            <script>
              console.error("boom from console");
              alert("hello dialog");
              fetch("http://127.0.0.1:9/nowhere").catch(() => { document.title = "fetch blocked"; });
              setTimeout(() => { throw new Error("uncaught later"); }, 0);
            </script>"""
        )
    )
    page.goto(html.as_uri())
    page.wait_for_function("document.title === 'fetch blocked'")
    page.wait_for_timeout(200)
    assert any("boom from console" in e for e in guard.console_errors), guard
    assert any("hello dialog" in d for d in guard.dialogs), guard
    assert any("127.0.0.1:9/nowhere" in r for r in guard.requests), guard
    assert any("uncaught later" in e for e in guard.page_errors), guard
    assert len(guard.problems()) >= 4
    from iwpage import bg_rgb

    assert bg_rgb(page.locator("#p")) == (1, 2, 3)


def test_parse_rgb_and_expected_colours():
    assert parse_rgb("rgb(5, 48, 97)") == (5, 48, 97)
    assert parse_rgb("rgba(5, 48, 97, 0.5)") == (5, 48, 97)
    with pytest.raises(AssertionError):
        parse_rgb("rgba(0, 0, 0, 0)")  # transparent: no colour was applied
    # ColorBrewer RdBu's ends and middle, as RdBu_r maps them.
    assert expected_rgb(-1, 1) == (5, 48, 97)
    assert expected_rgb(0, 1) == (247, 247, 247)
    assert expected_rgb(1, 1) == (103, 0, 31)
    assert expected_rgb(float("nan"), 1) == (189, 189, 189)


@pytest.mark.parametrize("ci, outcome", [("true", "failed"), ("", "skipped")])
def test_missing_chromium_fails_in_ci_and_skips_elsewhere(tmp_path, ci, outcome):
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_needs_browser(browser):\n    pass\n")
    for name in ("conftest.py", "iwpage.py"):  # the real harness, in a directory of its own
        shutil.copy(HERE / name, tmp_path / name)
    env = dict(os.environ, IW_CHROMIUM=str(tmp_path / "no-chromium"), CI=ci)
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfs", str(probe)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = r.stdout + r.stderr
    assert f"1 {outcome}" in out or (outcome == "failed" and "1 error" in out), out
    assert "no-chromium" in out, out
