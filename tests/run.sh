#!/usr/bin/env bash
# The README's test command: sets everything up and runs the whole suite
# (unit, integration, browser and fault tiers, plus the import contracts).
# Extra arguments go to pytest, e.g. `./tests/run.sh -m "not browser"` for a quick loop.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tests/system-packages.sh
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
