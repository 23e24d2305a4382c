#!/usr/bin/env bash
# bench/pack.sh — refine-pack throughput and packing efficiency, in one run.
#
#   bash bench/pack.sh speed [CORPUS] [REPEAT]
#       MB/s per thread (--threads 1) on CORPUS (default: the mixed
#       Korean/English corpus) with the llama3 tokenizer:
#         baseline  refine-tokenize encode -o ids.jsonl   (JSONL -> ids)
#         pack      refine-pack -o PREFIX                  (JSONL -> ids -> .bin/.idx)
#         and the same with qwen3, without and with --fim-rate 0.5, next to
#         refine-tokenize encode with qwen3
#       Wall seconds of the run (tokenizer loading excluded, from --stats)
#       and CPU seconds of the process; best of REPEAT (default 3). The
#       overhead is 1 - pack/baseline.
#   bash bench/pack.sh efficiency [SEQ_LENS]
#       best-fit vs concat packing (llama3) of every corpus in
#       ../shared/data/corpora at each SEQ_LEN (default "2048 4096 8192"):
#       padding share and documents split across sequences. Each corpus is
#       tokenised once (refine-tokenize encode); packing reads the ids.
#   bash bench/pack.sh merge [SEQ_LEN] [COPIES] [REPEAT]
#       refine-pack merge of COPIES (default 4) copies of NSMC packed best-fit
#       with llama3 at SEQ_LEN (default 512): with the side files (the
#       default) against --no-bounds (.bin/.idx only, the baseline) in the
#       same invocation; best of REPEAT (default 5) wall and CPU seconds.
#
# Needs build/bin (cmake --build build) and ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${REFINE_BIN:-build/bin}
DATA=${REFINE_TESTDATA:-../shared/data}
W=$(mktemp -d "${TMPDIR:-/tmp}/refine-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mode=${1:-speed}

if [ "$mode" = speed ]; then
    corpus=${2:-$DATA/corpora/mixed_ko_en.jsonl.zst}
    repeat=${3:-3}
    python3 - "$corpus" "$DATA" "$BIN" "$repeat" "$W" <<'PY'
import json, os, resource, subprocess, sys
corpus, data, bin_, repeat, work = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
st = os.path.join(work, "st.json")

def run(cmd):
    """Best wall (stats seconds) and best CPU seconds over repeat runs."""
    wall = cpu = 1e9
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd + ["--threads", "1", "--stats", st, "-q", corpus], check=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        s = json.load(open(st))
        wall = min(wall, s["seconds"])
        cpu = min(cpu, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return wall, cpu, s

def tok(name):
    return "%s/tokenizers/%s/tokenizer.json" % (data, name)

rows = []
for name, variants in (("llama3", [[]]), ("qwen3", [[], ["--fim-rate", "0.5"]])):
    bw, bc, bs = run([bin_ + "/refine-tokenize", "encode", "--tokenizer", tok(name),
                      "-o", os.path.join(work, "ids.jsonl")])
    for extra in variants:
        pw, pc, ps = run([bin_ + "/refine-pack", "--tokenizer", tok(name),
                          "-o", os.path.join(work, "out")] + extra)
        mb = bs["input_bytes"] / 1e6
        rows.append((name + (" FIM 0.5" if extra else ""), mb, bw, bc, pw, pc))
print("corpus %s: %.2f MB of JSONL; --threads 1, best of %d" % (os.path.basename(corpus), rows[0][1], repeat))
print("| tokenizer | refine-tokenize encode MB/s (wall / CPU) | refine-pack MB/s (wall / CPU) | pack / encode (wall / CPU) | overhead (CPU) |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, mb, bw, bc, pw, pc in rows:
    print("| %s | %.2f / %.2f | %.2f / %.2f | %.3f / %.3f | %+.1f%% |" %
          (name, mb / bw, mb / bc, mb / pw, mb / pc, bw / pw, bc / pc, 100 * (1 - bc / pc)))
PY
    exit 0
fi

if [ "$mode" = efficiency ]; then
    lens=${2:-"2048 4096 8192"}
    tok=$DATA/tokenizers/llama3/tokenizer.json
    echo "| corpus | documents | tokens | seq-len | best-fit padding | best-fit split docs | concat padding | concat split docs |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for c in "$DATA"/corpora/*.jsonl.zst; do
        n=$(basename "$c" .jsonl.zst)
        "$BIN/refine-tokenize" encode --tokenizer "$tok" -q "$c" -o "$W/$n.ids.jsonl"
        for L in $lens; do
            for m in best-fit concat; do
                "$BIN/refine-pack" --tokenizer "$tok" --seq-len "$L" --packing "$m" -q \
                    -o "$W/$n-$m" --stats "$W/$n-$m.json" "$W/$n.ids.jsonl"
            done
            python3 - "$n" "$L" "$W/$n-best-fit.json" "$W/$n-concat.json" <<'PY'
import json, sys
n, L = sys.argv[1], sys.argv[2]
b, c = (json.load(open(p))["pack"] for p in sys.argv[3:5])
print("| %s | %d | %d | %s | %.2f%% | %d (%.2f%%) | %.2f%% | %d (%.2f%%) |" % (
    n, b["input_documents"], b["document_tokens"], L, 100 * b["padding"], b["split_docs"],
    100 * b["split_share"], 100 * c["padding"], c["split_docs"], 100 * c["split_share"]))
PY
        done
    done
    exit 0
fi
if [ "$mode" = merge ]; then
    "$BIN/refine-pack" --tokenizer "$DATA/tokenizers/llama3/tokenizer.json" --seq-len "${2:-512}" \
        -q -o "$W/in" "$DATA/corpora/nsmc_reviews.jsonl.zst"
    python3 - "$BIN" "$W" "${3:-4}" "${4:-5}" <<'PY'
import os, resource, subprocess, sys, time
bin_, work, copies, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
inp = os.path.join(work, "in")
size = lambda ext: os.path.getsize(inp + ext) * copies / 1e6

def run(extra):
    wall = cpu = 1e9
    for _ in range(repeat):
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([bin_ + "/refine-pack", "merge", "-q", "-o", os.path.join(work, "m")] +
                       extra + [inp] * copies, check=True)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = min(wall, t1 - t0)
        cpu = min(cpu, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return wall, cpu

bw, bc = run(["--no-bounds"])
mw, mc = run([])
print("%d copies: .bin %.1f MB, .idx %.1f MB, side files %.1f MB; best of %d" %
      (copies, size(".bin"), size(".idx"), size(".bounds.jsonl"), repeat))
print("| merge | wall s | CPU s | CPU vs --no-bounds |")
print("| --- | ---: | ---: | ---: |")
print("| --no-bounds (.bin/.idx) | %.3f | %.3f | 1.00 |" % (bw, bc))
print("| with side files | %.3f | %.3f | %.2f |" % (mw, mc, mc / bc))
if mc > bc:
    print("side files: %.0f MB per extra CPU second" % (size(".bounds.jsonl") / (mc - bc)))
PY
    exit 0
fi
echo "usage: bash bench/pack.sh speed [CORPUS] [REPEAT] | efficiency [SEQ_LENS] | merge [SEQ_LEN] [COPIES] [REPEAT]" >&2
exit 2
