"""Packaging: one version, the test toolchain pinned in one consistent set, output kept out of
the repository. (The sdist → wheel build without Node is scripts/check_dist.sh, run by
scripts/test.sh.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

import interpwidgets

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def constraints() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            out[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return out


def test_the_version_is_written_once():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "interpwidgets/__init__.py"
    assert "version" not in json.loads((ROOT / "js" / "package.json").read_text(encoding="utf-8"))
    init = (ROOT / "interpwidgets" / "__init__.py").read_text(encoding="utf-8")
    assert len(re.findall(r"^__version__ = ", init, flags=re.M)) == 1
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc|\.dev)?\d*", interpwidgets.__version__)


def test_constraints_pin_every_dev_requirement_at_its_pin():
    pins = constraints()
    assert pins["torch"] == "2.13.0"  # scripts/test.sh installs it first, as the README says
    assert "interpwidgets" not in pins
    for req in PYPROJECT["project"]["optional-dependencies"]["dev"]:
        m = re.match(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(==|>=)\s*([^,;\s]+)", req)
        assert m, req
        name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
        assert name in pins, f"{name} (dev extra) is missing from constraints.txt"
        if m.group(3) == "==":
            assert pins[name] == m.group(4), (name, pins[name], m.group(4))
    for dep in PYPROJECT["project"]["dependencies"]:
        name = re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.\-]+", dep).group(0)).lower()
        assert name in pins, f"{name} (a runtime dependency) is missing from constraints.txt"


def test_the_js_toolchain_is_pinned_exactly():
    package = json.loads((ROOT / "js" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "js" / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "npm ci" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")


@pytest.mark.skipif(not shutil.which("git") or not (ROOT / ".git").exists(), reason="no git")
@pytest.mark.parametrize(
    "path", ["interpwidgets-demo.html", "gallery/index.html", "interpwidgets/static/neuron_text.js"]
)
def test_demo_gallery_and_bundle_are_ignored(path):
    got = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
    assert got.returncode == 0, f"{path} is not git-ignored"
