#!/usr/bin/env bash
# perplexity.parity — refine's per-token NLLs on stories260K (the GGUF and
# the safetensors copies, full passes and windows, and refine-perplexity's
# nll_mean) against an independent float64 numpy forward pass over the
# original llama2.c checkpoint (ref_llama2c.py), and on generated HF-style
# checkpoints (F16/BF16 safetensors, Qwen2 with biases) against a numpy
# forward over the safetensors (ref_hf.py); all within 1e-4 relative.
# Needs $REFINE_PYTHON with numpy (tests/requirements/perplexity.txt).
source "$(dirname "$0")/../cli/lib.sh"
need_data
[ -n "${REFINE_PYTHON:-}" ] || { echo "skip: REFINE_PYTHON not set (run ./test.sh)"; exit 77; }
"$REFINE_PYTHON" -c "import numpy" 2>/dev/null || { echo "skip: numpy missing in $REFINE_PYTHON"; exit 77; }
M=$DATA/models/stories260K
LM=$BIN/../tests/lm_nll
HERE=$(dirname "$0")

python3 - "$T/ids.txt" <<'PY'
import random, sys
r = random.Random(2024)
seqs = [[1, 403, 407, 261, 378, 285, 275, 412], list(range(0, 512, 7)), [1] * 40,
        [r.randrange(512) for _ in range(512)], [r.randrange(512) for _ in range(137)]]
seqs += [[r.randrange(512) for _ in range(r.randrange(2, 60))] for _ in range(10)]
open(sys.argv[1], "w").write("".join(" ".join(map(str, s)) + "\n" for s in seqs))
PY
python3 - "$T/long.txt" <<'PY'
import random, sys
r = random.Random(5)
open(sys.argv[1], "w").write(" ".join(str(r.randrange(512)) for _ in range(900)) + "\n")
PY

cmp_nll() {
    "$REFINE_PYTHON" - "$1" "$2" "$3" <<'PY' || fail "$3: NLLs differ from the reference"
import sys
worst = 0.0
n = 0
for a, b in zip(open(sys.argv[1]), open(sys.argv[2])):
    x, y = [float(v) for v in a.split()], [float(v) for v in b.split()]
    assert len(x) == len(y), (len(x), len(y))
    for p, q in zip(x, y):
        worst = max(worst, abs(p - q) / abs(q))
        n += 1
print("%s: %d tokens, max relative difference %.3g" % (sys.argv[3], n, worst))
assert n > 0 and worst <= 1e-4
PY
}

"$REFINE_PYTHON" "$HERE/ref_llama2c.py" "$M/stories260K.bin" <"$T/ids.txt" >"$T/ref.txt" || fail "reference failed"
"$LM" "$M/stories260K.gguf" <"$T/ids.txt" >"$T/gguf.txt" || fail "lm_nll gguf"
"$LM" "$M" <"$T/ids.txt" >"$T/st.txt" || fail "lm_nll safetensors"
cmp_nll "$T/gguf.txt" "$T/ref.txt" "gguf vs numpy"
cmp_nll "$T/st.txt" "$T/ref.txt" "safetensors vs numpy"
REFINE_CPU_ISA=scalar "$LM" "$M/stories260K.gguf" <"$T/ids.txt" >"$T/scalar.txt" || fail "scalar"
cmp_nll "$T/scalar.txt" "$T/ref.txt" "gguf (portable C kernel) vs numpy"

"$REFINE_PYTHON" "$HERE/ref_llama2c.py" "$M/stories260K.bin" --max-context 256 --stride 100 \
    <"$T/long.txt" >"$T/refw.txt" || fail "reference windows"
"$LM" "$M/stories260K.gguf" --max-context 256 --stride 100 --batch-tokens 700 <"$T/long.txt" \
    >"$T/w.txt" || fail "lm_nll windows"
cmp_nll "$T/w.txt" "$T/refw.txt" "windows 256/100 vs numpy"

# HF checkpoints (rotate-half RoPE) against the numpy forward over the same
# safetensors: F32, F16, BF16 matrices, and Qwen2 with q/k/v biases in both
# containers (make_models.py tiny).
GEN=${REFINE_PPL_MODELS:?}
head -n 8 "$T/ids.txt" | awk '{ for (i = 1; i <= NF; i++) $i = $i % 64; print }' >"$T/ids64.txt"
for m in tiny tiny-f16 tiny-bf16 tiny-qwen2; do
    "$REFINE_PYTHON" "$HERE/ref_hf.py" "$GEN/$m" <"$T/ids64.txt" >"$T/ref-$m.txt" || fail "ref_hf $m"
    "$LM" "$GEN/$m" <"$T/ids64.txt" >"$T/$m.txt" || fail "lm_nll $m"
    cmp_nll "$T/$m.txt" "$T/ref-$m.txt" "$m (safetensors) vs numpy"
done
"$LM" "$GEN/tiny-qwen2.gguf" <"$T/ids64.txt" >"$T/qwen2-gguf.txt" || fail "lm_nll qwen2 gguf"
cmp_nll "$T/qwen2-gguf.txt" "$T/ref-tiny-qwen2.txt" "tiny-qwen2 (GGUF) vs numpy"

# The stage: nll_mean per document equals the reference mean.
python3 - "$T/ids.txt" "$T/in.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as f:
    for i, l in enumerate(open(sys.argv[1])):
        f.write(json.dumps({"id": i, "text": "", "ids": [int(t) for t in l.split()]}) + "\n")
PY
"$BIN/refine-perplexity" --model "$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" -o "$T/out.jsonl" 2>"$T/err" ||
    { cat "$T/err"; fail "refine-perplexity"; }
"$REFINE_PYTHON" - "$T/out.jsonl" "$T/ref.txt" <<'PY' || fail "nll_mean differs from the reference"
import json, sys, math
for a, b in zip(open(sys.argv[1]), open(sys.argv[2])):
    r = json.loads(a)["refine"]
    ref = [float(v) for v in b.split()]
    m = sum(ref) / len(ref)
    assert abs(r["nll_mean"] - m) <= 1e-4 * m, (r, m)
    assert r["tokens"] == len(ref) + 1
    assert abs(r["ppl"] - math.exp(m)) <= 1e-4 * math.exp(m)
print("refine-perplexity nll_mean matches the reference on every document")
PY
exit 0
