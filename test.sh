#!/usr/bin/env bash
# test.sh — the test suite: installs the reference tools the parity tests
# compare against (Debian packages from tests/requirements/*.apt, Python
# packages from tests/requirements/*.txt into the test-only virtualenv
# .venv-test/), then runs ctest on build/. Extra arguments go to ctest
# (e.g. -R tokenizer).
set -euo pipefail
cd "$(dirname "$0")"
[ -d build ] || { echo "test.sh: no build/ — run ./quickstart.sh first" >&2; exit 2; }
tests/setup-apt.sh
REFINE_PYTHON=$(tests/setup-venv.sh | tail -n 1)
export REFINE_PYTHON
ctest --test-dir build --output-on-failure -j2 "$@"
