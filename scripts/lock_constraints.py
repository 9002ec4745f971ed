"""Write constraints.txt: every package that ``interpwidgets[dev]`` (and torch) pulls in, transitive
dependencies included, at the exact version installed in this environment.

    python scripts/lock_constraints.py            # rewrite constraints.txt
    python scripts/lock_constraints.py --check    # exit 1 when an installed version differs

scripts/test.sh installs with ``-c constraints.txt``, so a fresh machine tests with the versions
CI ran; scripts/test-latest.sh installs without it (the scheduled run against new releases).
Run it after changing the ``dev`` extra (and installing it), then commit constraints.txt.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import sys
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "constraints.txt"
SELF = "interpwidgets"
#: What scripts/test.sh installs: torch first (the CPU build), then the package with its dev extra.
ROOTS = ["torch", f"{SELF}[dev]"]
HEADER = """\
# Exact versions of everything scripts/test.sh installs (the dev extra, transitive dependencies
# included), as CI ran them. Written by scripts/lock_constraints.py; do not edit by hand.
# torch is installed first (torch==2.13.0, the CPU build); the package itself is not listed.
"""


def declared(name: str) -> list[str]:
    """Requirement lines of ``name``: this checkout's pyproject.toml for the package itself (its
    installed metadata may be older), the installed metadata for everything else."""
    if canonicalize_name(name) != SELF:
        return md.requires(name) or []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    for extra, reqs in project.get("optional-dependencies", {}).items():
        lines += [
            f'{r}; extra == "{extra}"' if ";" not in r else f'{r} and extra == "{extra}"'
            for r in reqs
        ]
    return lines


def requirements_of(name: str, extras: frozenset[str]) -> list[Requirement]:
    """The requirements of ``name`` that apply here with ``extras`` selected."""
    out = []
    for line in declared(name):
        req = Requirement(line)
        if req.marker is None:
            out.append(req)
            continue
        env = default_environment()
        if any(req.marker.evaluate({**env, "extra": e}) for e in (extras or {""})):
            out.append(req)
    return out


def closure(roots: list[str]) -> dict[str, str]:
    """{canonical name: installed version} of ``roots`` and everything they require."""
    seen: dict[str, set[str]] = {}
    todo = [Requirement(r) for r in roots]
    versions: dict[str, str] = {}
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        extras = set(req.extras)
        if name in seen and extras <= seen[name]:
            continue
        seen.setdefault(name, set()).update(extras)
        if name != SELF:
            try:
                # a local label (2.13.0+cpu) names this machine's build, not a release
                versions[name] = md.version(req.name).split("+")[0]
            except md.PackageNotFoundError:
                sys.exit(f"{req.name} is required (via the dev extra) but not installed here")
        todo += requirements_of(req.name, frozenset(seen[name]))
    return versions


def render(versions: dict[str, str]) -> str:
    return HEADER + "".join(f"{n}=={v}\n" for n, v in sorted(versions.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare, do not write")
    args = ap.parse_args()
    text = render(closure(ROOTS))
    if args.check:
        old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if old != text:
            sys.exit(
                "constraints.txt differs from what is installed: run scripts/lock_constraints.py"
            )
        print(f"constraints.txt matches ({text.count(chr(10)) - HEADER.count(chr(10))} packages)")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10)) - HEADER.count(chr(10))} packages")


if __name__ == "__main__":
    main()
