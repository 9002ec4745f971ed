#!/usr/bin/env bash
# Install everything the tests need (Python packages, the JS toolchain, Debian's chromium)
# and run every check: lint, types, JS unit tests, Python + browser + JupyterLab tests.
# This is the README's test command; .ci/run runs it on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

echo "== system packages (chromium, fonts)"
if ! command -v chromium >/dev/null || ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || ! command -v npm >/dev/null; then
  $SUDO apt-get update -qq
  pkgs="chromium fonts-noto-cjk fonts-noto-color-emoji"
  command -v npm >/dev/null || pkgs="$pkgs nodejs npm"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkgs >/dev/null
fi
chromium --version 2>/dev/null | head -1 || true

echo "== python packages"
python -m pip install -q --disable-pip-version-check torch==2.13.0
python -m pip install -q --disable-pip-version-check -e ".[dev]"

echo "== lint and types"
python -m ruff check .
python -m ruff format --check .
(cd js && npm run -s typecheck)

echo "== javascript unit tests"
(cd js && npm test --silent)

echo "== python, browser and JupyterLab tests"
python -m pytest -q -p no:cacheprovider "$@"
