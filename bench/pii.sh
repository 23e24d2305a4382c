#!/usr/bin/env bash
# bench/pii.sh — refine-pii throughput beside refine-cat in the same run.
# Both run with one worker thread on the same input, in two set-ups:
#   plain: decompressed JSONL in, JSONL out (the stage's own work against
#          parsing and re-serialising alone);
#   zstd:  the corpus as shipped (.jsonl.zst) in, .jsonl.zst out (level 3,
#          compression in the writer thread), as a pipeline runs it.
# MB/s are decompressed input bytes per second of CPU time (user + sys of
# the process: "per thread" throughput that does not depend on how busy the
# machine is) and per wall-clock second; each is the best of REPEAT runs.
# Target: the stage >= 0.30 x refine-cat.
#
#   bash bench/pii.sh [INPUT.jsonl.zst] [REPEAT] [COPIES]
# COPIES concatenates the input that many times (default 4) so start-up
# costs do not dominate a small corpus.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
IN=${1:-$here/../shared/data/corpora/mixed_ko_en.jsonl.zst}
REPEAT=${2:-5}
COPIES=${3:-4}
STAGE=${STAGE:-pii}
[ -f "$IN" ] || { echo "input $IN not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for _ in $(seq 1 "$COPIES"); do zstd -q -dc "$IN"; done >"$tmp/in.jsonl"
zstd -q -3 "$tmp/in.jsonl" -o "$tmp/in.jsonl.zst"
python3 - "$BIN" "$STAGE" "$tmp" "$REPEAT" "$IN" "$COPIES" <<'PY'
import os, resource, subprocess, sys, time
bin_, stage, tmp, rep, name, copies = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
mb = os.path.getsize(os.path.join(tmp, "in.jsonl")) / 1e6

def run(tool, inp, out):
    cmd = [os.path.join(bin_, "refine-" + tool), "-q", "--threads", "1", "--zstd-threads", "0",
           os.path.join(tmp, inp), "-o", os.path.join(tmp, out)]
    best_cpu = best_wall = 1e9
    for _ in range(rep):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
    return best_cpu, best_wall

print(f"input: {name} x{copies} ({mb:.1f} MB decompressed), {os.cpu_count()} CPUs, "
      f"1 worker thread, best of {rep}")
print(f"  {'set-up':6} {'tool':12} {'MB/s cpu':>9} {'MB/s wall':>10} {'ratio (cpu)':>12}")
for setup, inp, out in (("plain", "in.jsonl", "o.jsonl"), ("zstd", "in.jsonl.zst", "o.jsonl.zst")):
    cc, cw = run("cat", inp, out)
    sc, sw = run(stage, inp, out)
    print(f"  {setup:6} {'refine-cat':12} {mb/cc:9.1f} {mb/cw:10.1f} {'1.00':>12}")
    print(f"  {setup:6} {'refine-' + stage:12} {mb/sc:9.1f} {mb/sw:10.1f} {cc/sc:12.2f}  (target >= 0.30)")
PY
