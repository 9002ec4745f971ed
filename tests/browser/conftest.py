"""Real-browser fixtures: Debian's Chromium driven by Playwright, with no network at all.

* ``browser`` (session): one headless Chromium. Missing Chromium or Playwright skips these
  tests on a workstation, but FAILS them in CI (``CI=true``): there a skip would hide a
  broken setup.
* ``guard`` + ``page``: a fresh context and page per test that records console errors,
  uncaught page errors, dialogs (dismissed) and every request that is not ``file:``,
  ``data:``, ``blob:`` or ``about:``; http(s) is aborted unless the test allowed its host.
  At teardown the test fails if anything was recorded. Tests that break things on purpose
  set ``guard.expect_errors = True`` (or allow a host with ``guard.allow_hosts.add(...)``).

Never ``playwright install``: the browser is the system one.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from iwpage import CHROMIUM, LAUNCH_ARGS, bg_rgb  # noqa: E402

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome-error:")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(
            f"{reason} (CI=true: the browser tests must run here, not be skipped)", pytrace=False
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the machine
        _unavailable(f"the playwright Python package is not installed ({exc})")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Guard:
    """What a page did that a person would call a bug: errors, dialogs, network."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    #: hosts (``"127.0.0.1"``) whose http(s) requests are let through and not reported
    allow_hosts: set[str] = field(default_factory=set)
    #: set by tests that provoke errors on purpose: nothing is asserted at teardown
    expect_errors: bool = False
    #: console messages matching any of these substrings are ignored (e.g. a server's 404 log)
    ignore_console: list[str] = field(default_factory=list)

    def allowed(self, url: str) -> bool:
        if url.startswith(LOCAL_SCHEMES):
            return True
        host = urlsplit(url).hostname or ""
        return host in self.allow_hosts

    def problems(self) -> list[str]:
        out = []
        errs = [e for e in self.console_errors if not any(s in e for s in self.ignore_console)]
        out += [f"console error: {e}" for e in errs]
        out += [f"page error: {e}" for e in self.page_errors]
        out += [f"dialog: {d}" for d in self.dialogs]
        out += [f"request: {r}" for r in self.requests]
        return out

    def check(self) -> None:
        problems = self.problems()
        assert not problems, "the page misbehaved:\n  " + "\n  ".join(problems[:40])


@pytest.fixture
def guard() -> Guard:
    return Guard()


def _new_context(browser, guard: Guard, **kwargs):
    ctx = browser.new_context(**kwargs)

    def route(route):
        url = route.request.url
        if guard.allowed(url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    # Everything that could leave the machine goes through here; local schemes never do.
    ctx.route(lambda url: not url.startswith(LOCAL_SCHEMES), route)
    return ctx


def _watch(page, guard: Guard) -> None:
    def on_console(msg):
        if msg.type == "error":
            loc = msg.location or {}
            guard.console_errors.append(
                f"{msg.text} @ {loc.get('url', '')}:{loc.get('lineNumber', '')}"
            )

    def on_dialog(dialog):
        guard.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):  # the page may already be gone
            dialog.dismiss()

    def on_request(req):
        if not guard.allowed(req.url):
            guard.requests.append(f"{req.method} {req.url}")

    def on_websocket(ws):
        if not guard.allowed(ws.url.replace("ws", "http", 1)):
            guard.requests.append(f"websocket {ws.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: guard.page_errors.append(str(exc)))
    page.on("dialog", on_dialog)
    page.on("request", on_request)
    page.on("websocket", on_websocket)


@pytest.fixture
def make_page(browser, guard):
    """``make_page(**context_kwargs)`` → a guarded page (e.g. ``device_scale_factor=2``)."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1100, "height": 800})
        ctx = _new_context(browser, guard, **kwargs)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        _watch(page, guard)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    if not guard.expect_errors:
        guard.check()


@pytest.fixture
def page(make_page):
    return make_page()


@pytest.fixture
def rgb():
    """``rgb(locator)`` → ``getComputedStyle(el).backgroundColor`` as ``(r, g, b)``."""
    return bg_rgb


@pytest.fixture(scope="session")
def iw():
    """The package under test; a missing build is a failure, not a skip."""
    try:
        import interpwidgets
    except Exception as exc:  # pragma: no cover
        pytest.fail(f"import interpwidgets failed: {type(exc).__name__}: {exc}", pytrace=False)
    static = Path(interpwidgets.__file__).parent / "static"
    if not (static / "neuron_text.js").is_file():
        pytest.fail(
            f"{static}/neuron_text.js is missing: build the front-end (npm run build in js/)",
            pytrace=False,
        )
    return interpwidgets
