#!/usr/bin/env bash
# bench/heuristic.sh — refine-heuristic throughput, in the same run as two
# baselines on the same documents:
#   - refine-cat --threads 1 (parse, validate, re-serialise: the floor every
#     stage pays), target: refine-heuristic >= 0.5 x its MB/s;
#   - datatrove 0.10's GopherRepetitionFilter, GopherQualityFilter,
#     C4QualityFilter and FineWebQualityFilter in FineWeb's order (default
#     arguments), in one Python process, on the first DT_MB megabytes of the
#     same documents (datatrove is slow; MB/s is still comparable), target:
#     refine-heuristic >= 20 x datatrove.
# refine-heuristic runs with every rule group on (the default) and writes kept
# documents; both refine tools read the .zst input and write plain JSONL (and,
# second line, .jsonl.zst). MB/s are decompressed input bytes per wall second,
# best of REPEAT runs; CPU seconds (user+sys) are printed too because wall
# time on a shared machine is noisy.
#
#   bash bench/heuristic.sh [INPUT.jsonl.zst ...]      (default: mixed_ko_en, nsmc_reviews)
#   REPEAT=3 DT_MB=2 REFINE_PYTHON=.venv-test/bin/python bash bench/heuristic.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
PY=${REFINE_PYTHON:-$here/.venv-test/bin/python}
REPEAT=${REPEAT:-3}
DT_MB=${DT_MB:-2}
if [ $# -eq 0 ]; then
    set -- "$here/../shared/data/corpora/mixed_ko_en.jsonl.zst" \
        "$here/../shared/data/corpora/nsmc_reviews.jsonl.zst"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_dt=1
"$PY" -c "import datatrove, spacy" 2>/dev/null || have_dt=0

for IN in "$@"; do
    [ -f "$IN" ] || { echo "input $IN not found" >&2; exit 1; }
    zstd -q -dc "$IN" >"$tmp/in.jsonl"
    head -c $((DT_MB * 1000000)) "$tmp/in.jsonl" | sed '$d' >"$tmp/dt.jsonl" # whole lines only
    python3 - "$BIN" "$IN" "$tmp" "$REPEAT" "$PY" "$have_dt" "$(nproc)" <<'PY'
import os, resource, subprocess, sys, time
bin_, inp, tmp, repeat, py, have_dt, ncpu = sys.argv[1:]
repeat = int(repeat)
mb = os.path.getsize(f"{tmp}/in.jsonl") / 1e6

def timed(cmd):
    best = None
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        t = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if best is None or t < best[0]:
            best = (t, cpu)
    return best

print(f"input: {inp} ({mb:.1f} MB decompressed), {ncpu} CPUs, best of {repeat}")
res = {}
for out in ("jsonl", "jsonl.zst"):
    for tool in ("cat", "heuristic"):
        res[(tool, out)] = timed([f"{bin_}/refine-{tool}", "-q", "--threads", "1", inp,
                                  "-o", f"{tmp}/out.{out}"])
    c, h = res[("cat", out)], res[("heuristic", out)]
    print(f"  {out} out: refine-cat --threads 1        {mb / c[0]:8.1f} MB/s   cpu {c[1]:6.2f} s")
    print(f"  {out} out: refine-heuristic --threads 1  {mb / h[0]:8.1f} MB/s   cpu {h[1]:6.2f} s"
          f"   {c[0] / h[0]:.2f} x refine-cat (cpu ratio {c[1] / h[1]:.2f})")
if have_dt == "1":
    dt_mb = os.path.getsize(f"{tmp}/dt.jsonl") / 1e6
    code = r'''
import json, sys, time
from datatrove.data import Document
from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter,
                                        GopherQualityFilter, GopherRepetitionFilter)
fs = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(), FineWebQualityFilter()]
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
fs[1].filter(Document(text="warm up the tokenizer", id="0"))
t0 = time.perf_counter(); c0 = time.process_time(); kept = 0
for d in docs:
    doc = Document(text=d["text"], id=str(d["id"]))
    kept += all(f.filter(doc) is True for f in fs)
print(time.perf_counter() - t0, time.process_time() - c0, kept, len(docs))
'''
    out = subprocess.run([py, "-c", code, f"{tmp}/dt.jsonl"], check=True, capture_output=True,
                         text=True).stdout.split()
    t, cpu = float(out[0]), float(out[1])
    h = res[("heuristic", "jsonl")]
    print(f"  datatrove 4 filters, first {dt_mb:.1f} MB  {dt_mb / t:8.2f} MB/s   cpu {cpu:6.2f} s"
          f"   refine-heuristic is {(mb / h[0]) / (dt_mb / t):.0f} x faster "
          f"(cpu/MB: {(cpu / dt_mb) / (h[1] / mb):.0f} x)")
else:
    print("  datatrove: not installed for", py, "(run ./test.sh once, or set REFINE_PYTHON)")
PY
done
