#!/usr/bin/env bash
# setup-venv.sh — creates or refreshes the test-only virtualenv .venv-test/
# with every tests/requirements/*.txt. Does nothing when the requirement files
# have not changed since the last successful install (stamp file). Prints the
# venv's python path on the last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${REFINE_VENV:-$root/.venv-test}
reqs=$(ls "$root"/tests/requirements/*.txt 2>/dev/null || true)
stamp_want=$( (echo "$reqs"; if [ -n "$reqs" ]; then cat $reqs; fi) | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$stamp_want" ]; then
    echo "$venv/bin/python"
    exit 0
fi
python3 -m venv "$venv" >&2
"$venv/bin/python" -m pip install -q --upgrade pip >&2
for r in $reqs; do
    echo "setup-venv: installing $(basename "$r")" >&2
    "$venv/bin/python" -m pip install -q -r "$r" >&2
done
echo "$stamp_want" >"$venv/.stamp"
echo "$venv/bin/python"
