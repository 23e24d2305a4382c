#!/usr/bin/env bash
# bench/cat.sh — refine-cat throughput against the machine's own zstd in the
# same run: `zstd -dc IN | zstd -T1 -3` (decompress, recompress; no JSON work)
# versus `refine-cat --threads 1 IN -o OUT.zst` (decompress, strict JSON parse
# and validation, re-serialise, compress at level 3). MB/s are decompressed
# input bytes per wall-clock second; each command is timed REPEAT times and
# the best time is kept. Target: refine-cat >= 0.8 x the baseline.
#
#   bash bench/cat.sh [INPUT.jsonl.zst] [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
IN=${1:-$here/../shared/data/corpora/nsmc_reviews.jsonl.zst}
REPEAT=${2:-5}
[ -f "$IN" ] || { echo "input $IN not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bytes=$(zstd -q -dc "$IN" | wc -c)

best() { # best wall time of REPEAT runs of "$@"
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
baseline() { zstd -q -dc "$IN" | zstd -q -T1 -3 -c >"$tmp/base.zst"; }
refine_cat() { "$BIN/refine-cat" -q --threads 1 "$IN" -o "$tmp/cat.jsonl.zst"; }
refine_cat_t2() { "$BIN/refine-cat" -q --threads 2 "$IN" -o "$tmp/cat2.jsonl.zst"; }
refine_cat_plain() { "$BIN/refine-cat" -q --threads 1 "$IN" -o "$tmp/cat.jsonl"; }

tb=$(best baseline)
tc=$(best refine_cat)
tc2=$(best refine_cat_t2)
tp=$(best refine_cat_plain)
python3 - "$bytes" "$tb" "$tc" "$tc2" "$tp" "$(nproc)" "$IN" <<'PY'
import sys
b, tb, tc, tc2, tp, ncpu, name = int(sys.argv[1]), *map(float, sys.argv[2:6]), sys.argv[6], sys.argv[7]
mb = b / 1e6
print(f"input: {name} ({mb:.1f} MB decompressed), {ncpu} CPUs, best of runs")
print(f"  baseline zstd -dc | zstd -T1 -3      {mb/tb:8.1f} MB/s")
print(f"  refine-cat --threads 1, zstd out     {mb/tc:8.1f} MB/s   ratio {tb/tc:.2f}")
print(f"  refine-cat --threads 2, zstd out     {mb/tc2:8.1f} MB/s   ratio {tb/tc2:.2f}")
print(f"  refine-cat --threads 1, plain out    {mb/tp:8.1f} MB/s   (JSON work without compression)")
PY
