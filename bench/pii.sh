#!/usr/bin/env bash
# bench/pii.sh — refine-pii throughput beside refine-cat in the same run, one
# worker thread each, plain output (so the ratio is the detection and
# replacement work against parsing and re-serialising alone). MB/s are
# decompressed input bytes per wall-clock second, best of REPEAT runs.
# Target: refine-pii >= 0.30 x refine-cat.
#
#   bash bench/pii.sh [INPUT.jsonl.zst] [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
IN=${1:-$here/../shared/data/corpora/mixed_ko_en.jsonl.zst}
REPEAT=${2:-5}
STAGE=${STAGE:-pii}
shift $(( $# > 2 ? 2 : $# )) || true
[ -f "$IN" ] || { echo "input $IN not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Decompress once: the timed runs read plain JSONL from the page cache.
zstd -q -dc "$IN" >"$tmp/in.jsonl"
bytes=$(wc -c <"$tmp/in.jsonl")

best() {
    local b=""
    for _ in $(seq 1 "$REPEAT"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@"
        t1=$(date +%s.%N)
        b=$(python3 -c "t=$t1-$t0; b='$b'; print(t if not b or t < float(b) else b)")
    done
    echo "$b"
}
run_cat() { "$BIN/refine-cat" -q --threads 1 "$tmp/in.jsonl" -o "$tmp/cat.jsonl"; }
run_stage() { "$BIN/refine-$STAGE" -q --threads 1 "$tmp/in.jsonl" -o "$tmp/stage.jsonl" "${EXTRA[@]}"; }
EXTRA=("$@")
tc=$(best run_cat)
ts=$(best run_stage)
python3 - "$bytes" "$tc" "$ts" "$STAGE" "$IN" "$(nproc)" <<'PY'
import sys
b, tc, ts, stage, name, ncpu = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
mb = b / 1e6
print(f"input: {name} ({mb:.1f} MB decompressed), {ncpu} CPUs, 1 worker thread, best of runs")
print(f"  refine-cat  (baseline)   {mb/tc:8.1f} MB/s")
print(f"  refine-{stage:<16} {mb/ts:8.1f} MB/s   ratio {tc/ts:.2f}  (target >= 0.30)")
PY
