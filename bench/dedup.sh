#!/usr/bin/env bash
# bench/dedup.sh — refine-dedup speed, each figure against a baseline timed in
# the same invocation (wall-clock seconds, best of REPEAT where cheap):
#   1. `minhash signatures --threads 1` on NSMC (65 MB, Korean) in MB/s per
#      thread, against `refine-cat --threads 1` (the same reading and JSON
#      parsing, no dedup work);
#   2. the whole local dedup (exact + MinHash, every step) of all
#      ../shared/data/corpora replicated x10 with edits (about 0.8 GB, made by
#      bench/dedup_gen.py in a temporary directory), with peak RSS;
#   3. the same MinHash dedup on a common slice of that input (COMPARE_MB,
#      plain JSON Lines) with datasketch (MinHashLSH, one process) and
#      datatrove (its four MinHash stages, 2 workers), against refine-dedup
#      --minhash, as throughput ratios.
# Python tools come from bench/requirements-dedup.txt in .venv-bench/.
#
#   bash bench/dedup.sh [REPEAT] [COMPARE_MB]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
DATA=${REFINE_TESTDATA:-$here/../shared/data}
REPEAT=${1:-3}
COMPARE_MB=${2:-24}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/refine-dedup-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
venv=$here/.venv-bench
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/bench/requirements-dedup.txt" "$venv/.req"; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q -r "$here/bench/requirements-dedup.txt" >&2
    cp "$here/bench/requirements-dedup.txt" "$venv/.req"
fi
PY=$venv/bin/python

best() { # best wall seconds of REPEAT runs of "$@"
    local b=""
    for _ in $(seq 1 "$REPEAT"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        b=$(python3 -c "t=$t1-$t0; b='$b'; print(t if not b or t < float(b) else b)")
    done
    echo "$b"
}
timed() { # timed FILE cmd...: wall seconds and peak RSS (KB) into FILE
    /usr/bin/time -f "%e %M" -o "$1" "${@:2}" >/dev/null 2>"$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
}
mb() { python3 -c "import os,sys; print(sum(os.path.getsize(p) for p in sys.argv[1:]) / 1e6)" "$@"; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. signatures per thread on NSMC
zstd -q -dc "$DATA/corpora/nsmc_reviews.jsonl.zst" >"$tmp/nsmc.jsonl"
NS=$(mb "$tmp/nsmc.jsonl")
sig() { rm -rf "$tmp/ws"; "$BIN/refine-dedup" minhash signatures "$tmp/nsmc.jsonl" --work-dir "$tmp/ws" -t 1; }
cat1() { "$BIN/refine-cat" -t 1 "$tmp/nsmc.jsonl" -o /dev/null; }
tc=$(best cat1)
ts=$(best sig)
python3 - "$NS" "$tc" "$ts" <<'PY'
import sys
mb, tc, ts = map(float, sys.argv[1:])
print(f"\n1. minhash signatures, NSMC ({mb:.1f} MB), 1 thread, best of runs")
print(f"   refine-cat -t 1 (read + parse, baseline)   {mb/tc:7.1f} MB/s")
print(f"   refine-dedup minhash signatures -t 1         {mb/ts:7.1f} MB/s   ({ts/tc:.2f}x the baseline's time; target >= 40 MB/s)")
PY

# 2. the whole local dedup of the corpora x10
"$PY" "$here/bench/dedup_gen.py" "$tmp/gen" >"$tmp/gen.log"
GB=$(python3 -c "import re; print(re.search(r'([0-9.]+) MB', open('$tmp/gen.log').read()).group(1))")
timed "$tmp/t_cat" "$BIN/refine-cat" -t 2 "$tmp"/gen/*.zst -o /dev/null
timed "$tmp/t_all2" "$BIN/refine-dedup" "$tmp"/gen/*.zst --out-dir "$tmp/o2" -t 2 --stats "$tmp/st2.json"
rm -rf "$tmp/o2"
timed "$tmp/t_all1" "$BIN/refine-dedup" "$tmp"/gen/*.zst --out-dir "$tmp/o1" -t 1 --stats "$tmp/st1.json"
python3 - "$GB" "$tmp" <<'PY'
import json, sys
mb, t = float(sys.argv[1]), sys.argv[2]
c = open(t + "/t_cat").read().split(); a2 = open(t + "/t_all2").read().split(); a1 = open(t + "/t_all1").read().split()
s = json.load(open(t + "/st1.json"))
print(f"\n2. whole local dedup (exact + minhash), corpora x10 with edits: {mb:.0f} MB, {s['docs_in']} documents, {len(open(t + '/gen.log').read())>0 and s['shards']} zstd shards")
print(f"   refine-cat -t 2 (read + parse + write nothing, baseline)   {mb/float(c[0]):7.1f} MB/s  peak RSS {int(c[1])/1024:.0f} MB")
print(f"   refine-dedup -t 1                                          {mb/float(a1[0]):7.1f} MB/s  peak RSS {int(a1[1])/1024:.0f} MB  ({float(a1[0]):.1f} s)")
print(f"   refine-dedup -t 2                                          {mb/float(a2[0]):7.1f} MB/s  peak RSS {int(a2[1])/1024:.0f} MB  ({float(a2[0]):.1f} s)")
print(f"   removed: {s['reasons']}, kept {s['docs_out']}")
PY

# 3. the same MinHash dedup with datasketch and datatrove on a common slice
mkdir -p "$tmp/slice"
zstd -q -dc "$tmp"/gen/part-00000.jsonl.zst | head -c $((COMPARE_MB * 1000000)) |
    python3 -c "import sys; d=sys.stdin.buffer.read(); sys.stdout.buffer.write(d[:d.rfind(b'\n')+1])" >"$tmp/slice/a.jsonl"
zstd -q -dc "$tmp"/gen/part-00011.jsonl.zst 2>/dev/null | head -c $((COMPARE_MB * 1000000)) |
    python3 -c "import sys; d=sys.stdin.buffer.read(); sys.stdout.buffer.write(d[:d.rfind(b'\n')+1])" >"$tmp/slice/b.jsonl" || true
[ -s "$tmp/slice/b.jsonl" ] || rm -f "$tmp/slice/b.jsonl"
SL=$(mb "$tmp"/slice/*.jsonl)
timed "$tmp/t_r1" "$BIN/refine-dedup" --minhash "$tmp"/slice/*.jsonl --out-dir "$tmp/sr1" -t 1
timed "$tmp/t_r2" "$BIN/refine-dedup" --minhash "$tmp"/slice/*.jsonl --out-dir "$tmp/sr2" -t 2
timed "$tmp/t_ds" "$PY" "$here/bench/dedup_compare.py" datasketch "$tmp/ds" "$tmp"/slice/*.jsonl
timed "$tmp/t_dt" "$PY" "$here/bench/dedup_compare.py" datatrove "$tmp/dt" "$tmp"/slice/*.jsonl --workers 2
python3 - "$SL" "$tmp" <<'PY'
import sys
mb, t = float(sys.argv[1]), sys.argv[2]
r = {k: float(open(f"{t}/t_{k}").read().split()[0]) for k in ["r1", "r2", "ds", "dt"]}
print(f"\n3. MinHash dedup (5-grams, 14x8) of the same {mb:.1f} MB slice, wall seconds")
print(f"   datasketch MinHashLSH, 1 process   {mb/r['ds']:7.2f} MB/s  {r['ds']:8.1f} s")
print(f"   datatrove MinHash stages, 2 workers {mb/r['dt']:6.2f} MB/s  {r['dt']:8.1f} s")
print(f"   refine-dedup --minhash -t 1        {mb/r['r1']:7.2f} MB/s  {r['r1']:8.1f} s   {r['ds']/r['r1']:6.1f}x datasketch")
print(f"   refine-dedup --minhash -t 2        {mb/r['r2']:7.2f} MB/s  {r['r2']:8.1f} s   {r['dt']/r['r2']:6.1f}x datatrove (target >= 20x both)")
PY
