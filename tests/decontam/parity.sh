#!/usr/bin/env bash
# Parity of the full benchmark index with an independent Python reference
# (json/csv modules, unicodedata, the xxhash package): see parity.py.
. "$(dirname "$0")/../cli/lib.sh"
need_data
IDX=${DC_DIR:?}/bench.dcx
[ -f "$IDX" ] || { echo "skip: no index (cli.decontam_index did not run)"; exit 77; }
PY=${REFINE_PYTHON:-}
[ -n "$PY" ] && "$PY" -c "import xxhash" 2>/dev/null \
    || { echo "skip: REFINE_PYTHON with xxhash not set (run ./test.sh)"; exit 77; }
"$PY" "$SRC/tests/decontam/parity.py" "$IDX" "$SRC/pipelines/decontam-benchmarks.txt" \
    "$DATA/benchmarks" || fail "index differs from the Python reference"
echo ok
