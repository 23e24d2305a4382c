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
#   [PARTS="1 2 3"] bash bench/dedup.sh [REPEAT] [COMPARE_MB]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
DATA=${REFINE_TESTDATA:-$here/../shared/data}
REPEAT=${1:-3}
COMPARE_MB=${2:-24}
PARTS=${PARTS:-1 2 3}   # which measurements to run
has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
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
timed() { # timed FILE cmd...: wall seconds, peak RSS (KB), user and system CPU seconds
    /usr/bin/time -f "%e %M %U %S" -o "$1" "${@:2}" >/dev/null 2>"$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
}
mb() { python3 -c "import os,sys; print(sum(os.path.getsize(p) for p in sys.argv[1:]) / 1e6)" "$@"; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. signatures per thread on NSMC
if has 1; then
zstd -q -dc "$DATA/corpora/nsmc_reviews.jsonl.zst" >"$tmp/nsmc.jsonl"
NS=$(mb "$tmp/nsmc.jsonl")
sig() { rm -rf "$tmp/ws"; "$BIN/refine-dedup" minhash signatures "$tmp/nsmc.jsonl" --work-dir "$tmp/ws" -t 1; }
cat1() { "$BIN/refine-cat" -t 1 "$tmp/nsmc.jsonl" -o /dev/null; }
tc=$(best cat1)
ts=$(best sig)
timed "$tmp/t_sigcpu" "$BIN/refine-dedup" minhash signatures "$tmp/nsmc.jsonl" --work-dir "$tmp/ws2" -t 1
python3 - "$NS" "$tc" "$ts" "$tmp/t_sigcpu" <<'PY'
import sys
mb, tc, ts = map(float, sys.argv[1:4])
f = open(sys.argv[4]).read().split()
cpu = float(f[2]) + float(f[3])
print(f"\n1. minhash signatures, NSMC ({mb:.1f} MB), 1 thread, best of runs")
print(f"   refine-cat -t 1 (read + parse, baseline)   {mb/tc:7.1f} MB/s")
print(f"   refine-dedup minhash signatures -t 1         {mb/ts:7.1f} MB/s wall, {mb/cpu:.1f} MB per CPU second   ({ts/tc:.2f}x the baseline's time; target >= 40 MB/s)")
PY
fi

# 2. the whole local dedup of the corpora x10
if has 2 || has 3; then
    "$PY" "$here/bench/dedup_gen.py" "$tmp/gen" >"$tmp/gen.log"
fi
if has 2; then
GB=$(python3 -c "import re; print(re.search(r'([0-9.]+) MB', open('$tmp/gen.log').read()).group(1))")
timed "$tmp/t_cat" "$BIN/refine-cat" -t 2 "$tmp"/gen/*.zst -o /dev/null
timed "$tmp/t_all2" "$BIN/refine-dedup" "$tmp"/gen/*.zst --out-dir "$tmp/o2" -t 2 --stats "$tmp/st2.json"
rm -rf "$tmp/o2"
timed "$tmp/t_all1" "$BIN/refine-dedup" "$tmp"/gen/*.zst --out-dir "$tmp/o1" -t 1 --stats "$tmp/st1.json"
python3 - "$GB" "$tmp" <<'PY'
import json, sys
mb, t = float(sys.argv[1]), sys.argv[2]
def rd(k):
    w, rss, u, s = open(f"{t}/{k}").read().split()[:4]
    return float(w), int(rss) / 1024, float(u) + float(s)
s = json.load(open(t + "/st1.json"))
print(f"\n2. whole local dedup (exact + minhash), corpora x10 with edits: {mb:.0f} MB, {s['docs_in']} documents, {s['shards']} zstd shards")
print("   command                                   wall MB/s   CPU MB/s   peak RSS   wall s   CPU s")
for name, k in [("refine-cat -t 2 (read + parse, baseline)", "t_cat"), ("refine-dedup -t 1", "t_all1"),
                ("refine-dedup -t 2", "t_all2")]:
    w, rss, c = rd(k)
    print(f"   {name:40s} {mb/w:9.1f} {mb/c:10.1f} {rss:8.0f} MB {w:8.1f} {c:7.1f}")
print(f"   removed: {s['reasons']}, kept {s['docs_out']}")
print("   (CPU MB/s = input MB per CPU second of the process; wall figures depend on the machine's load)")
PY
fi

# 3. the same MinHash dedup with datasketch and datatrove on a common slice
if has 3; then
mkdir -p "$tmp/slice"
# The first COMPARE_MB of the first and last generated shards (whole lines).
python3 - "$COMPARE_MB" "$tmp/gen/part-00000.jsonl.zst" "$(ls "$tmp"/gen/*.zst | tail -1)" "$tmp/slice" <<'PY'
import subprocess, sys
limit = int(sys.argv[1]) * 1000000
for name, src in zip(["a", "b"], sys.argv[2:4]):
    p = subprocess.Popen(["zstd", "-q", "-dc", src], stdout=subprocess.PIPE)
    data = p.stdout.read(limit)
    p.kill()
    p.wait()
    open(f"{sys.argv[4]}/{name}.jsonl", "wb").write(data[:data.rfind(b"\n") + 1])
PY
SL=$(mb "$tmp"/slice/*.jsonl)
timed "$tmp/t_r1" "$BIN/refine-dedup" --minhash "$tmp"/slice/*.jsonl --out-dir "$tmp/sr1" -t 1
timed "$tmp/t_r2" "$BIN/refine-dedup" --minhash "$tmp"/slice/*.jsonl --out-dir "$tmp/sr2" -t 2
timed "$tmp/t_ds" "$PY" "$here/bench/dedup_compare.py" datasketch "$tmp/ds" "$tmp"/slice/*.jsonl
timed "$tmp/t_dt" "$PY" "$here/bench/dedup_compare.py" datatrove "$tmp/dt" "$tmp"/slice/*.jsonl --workers 2
python3 - "$SL" "$tmp" <<'PY'
import sys
mb, t = float(sys.argv[1]), sys.argv[2]
r, c = {}, {}
for k in ["r1", "r2", "ds", "dt"]:
    f = open(f"{t}/t_{k}").read().split()
    r[k], c[k] = float(f[0]), float(f[2]) + float(f[3])
print(f"\n3. MinHash dedup (5-grams, 14x8) of the same {mb:.1f} MB slice")
print("   command                               wall MB/s   wall s   CPU s")
print(f"   datasketch MinHashLSH, 1 process      {mb/r['ds']:9.2f} {r['ds']:8.1f} {c['ds']:7.1f}")
print(f"   datatrove MinHash stages, 2 workers   {mb/r['dt']:9.2f} {r['dt']:8.1f}       -   (worker CPU not counted)")
print(f"   refine-dedup --minhash -t 1           {mb/r['r1']:9.2f} {r['r1']:8.1f} {c['r1']:7.1f}   {r['ds']/r['r1']:6.1f}x datasketch (wall), {c['ds']/c['r1']:.1f}x (CPU)")
print(f"   refine-dedup --minhash -t 2           {mb/r['r2']:9.2f} {r['r2']:8.1f} {c['r2']:7.1f}   {r['dt']/r['r2']:6.1f}x datatrove (wall)")
print("   target: >= 20x both")
PY
fi
