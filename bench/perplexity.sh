#!/usr/bin/env bash
# bench/perplexity.sh — CPU throughput of refine-perplexity against CPU
# PyTorch on the same weights, the same documents and the same number of
# threads, measured in one invocation (run on purpose; not part of ctest).
#
#   bash bench/perplexity.sh [THREADS] [DOCS_135M] [RUNS]
#
# RUNS (default 1) repeats each model's refine + PyTorch pair that many times
# in this invocation (the 135M model is generated once), so a noisy shared
# machine shows its range; report the best and the range.
#
# Models: stories260K (../shared/data, safetensors copy for both) and a
# randomly initialised SmolLM-135M-shaped Llama generated here (dim 576,
# 30 layers, 9 heads, 3 kv heads, ffn 1536, vocab 49152; ~540 MB of F32,
# written to a temporary directory and deleted afterwards). Documents: 512
# random ids each, scored at context 512 (one window per document).
# Two figures per side, each over the same span of work on both sides:
# tokens per wall second (refine: stage_seconds from --stats, i.e. scoring
# including JSON, model loading excluded; PyTorch: the forward loop after a
# warm-up batch) and tokens per CPU second (refine: stage_cpu_seconds from
# --stats, the worker threads' CPU time over that same span; PyTorch:
# process CPU time over its forward loop), the latter being the fair
# per-core measure on a machine shared with other work. A third refine
# figure divides by the CPU time of the whole process (model loading, JSON
# and start-up included), which PyTorch's figure has no counterpart for.
# PyTorch: a plain Llama forward in torch (torch.no_grad,
# float32, torch.set_num_threads(THREADS), batches of 8 documents), in the
# virtualenv .venv-bench (created on first use: pip install torch numpy).
# Also prints the GEMM kernel comparison against OpenBLAS when
# libopenblas-dev is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-1}
DOCS=${2:-16}
RUNS=${3:-1}
BUILD=${BUILD:-build}
DATA=${REFINE_TESTDATA:-../shared/data}
PP=$BUILD/bin/refine-perplexity
[ -x "$PP" ] || { echo "bench: build first ($PP missing)" >&2; exit 2; }
VENV=.venv-bench
if ! "$VENV/bin/python" -c "import torch, numpy" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q torch numpy
fi
PY=$VENV/bin/python
TMP=$(mktemp -d "${TMPDIR:-/tmp}/refine-bench-ppl.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
     "threads: $THREADS; torch $($PY -c 'import torch; print(torch.__version__)')"

run_one() { # name model_dir vocab ndocs
    local name=$1 model=$2 vocab=$3 n=$4
    "$PY" bench/perplexity_torch.py docs "$vocab" "$n" 512 1 "$TMP/$name.jsonl"
    /usr/bin/time -f "%U %S" -o "$TMP/$name.time" \
        "$PP" --model "$model" --ids-field ids --device cpu --max-context 512 --stride 256 \
        --batch-tokens 4096 -t "$THREADS" --batch-docs 8 "$TMP/$name.jsonl" -o "$TMP/$name.out" \
        --stats "$TMP/$name.stats"
    "$PY" bench/perplexity_torch.py score "$model" "$TMP/$name.jsonl" "$THREADS" \
        >"$TMP/$name.torch" 2>"$TMP/$name.torch.err"
    "$PY" - "$name" "$TMP/$name.stats" "$TMP/$name.torch" "$TMP/$name.out" "$THREADS" \
        "$TMP/$name.time" <<'PY'
import json, sys
name, stats, torch_out, out, threads, tfile = sys.argv[1:]
s = json.load(open(stats))
tok = sum(json.loads(l)["refine"]["tokens"] for l in open(out))
# stage_seconds sums the busy time of all worker threads: per thread-second.
wall = tok / s["stage_seconds"] * int(threads)
# CPU seconds of the scoring threads (the span PyTorch's figure covers), and
# of the whole process (model loading and start-up included).
cpu = tok / s["stage_cpu_seconds"]
proc = tok / sum(float(x) for x in open(tfile).read().split()[-2:])
t = json.load(open(torch_out))
diff = max(abs(json.loads(l)["refine"]["nll_mean"] - m) / m
           for l, m in zip(open(out), t["nll_mean"]))
print("%-11s per wall s: refine %8.1f torch %8.1f ratio %.2f | per CPU s: refine %8.1f "
      "torch %8.1f ratio %.2f | refine per process CPU s %8.1f (ratio %.2f) | "
      "nll_mean max rel. diff %.1e"
      % (name, wall, t["tokens_per_s"], wall / t["tokens_per_s"], cpu, t["tokens_per_cpu_s"],
         cpu / t["tokens_per_cpu_s"], proc, proc / t["tokens_per_cpu_s"], diff))
PY
}

for _ in $(seq "$RUNS"); do run_one stories260K "$DATA/models/stories260K" 512 256; done
"$PY" bench/perplexity_torch.py gen135m "$TMP/m135"
for _ in $(seq "$RUNS"); do run_one smollm135m "$TMP/m135" 49152 "$DOCS"; done

if [ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ]; then
    if cc -O2 -std=c11 -I. bench/perplexity_gemm.c "$BUILD/kernels/librefine_kernels.a" \
        "$BUILD/stages/librefine_core.a" -lopenblas -lm -lpthread \
        $(pkg-config --libs libzstd libarchive libxxhash libutf8proc) -o "$TMP/gemm" 2>/dev/null; then
        echo "GEMM, 512 tokens, one thread (own kernel vs OpenBLAS cblas_sgemm):"
        OPENBLAS_NUM_THREADS=1 "$TMP/gemm"
    fi
fi
