#!/usr/bin/env bash
# bench/tokenize.sh — refine-tokenize against HuggingFace tokenizers, in one run.
#
#   bash bench/tokenize.sh encode [CORPUS] [REPEAT]
#       MB/s of document text per thread on CORPUS (default: the mixed
#       Korean/English corpus) for the llama3 and gemma3 tokenizers:
#       refine-tokenize encode --threads 1 (the whole run: decompress, parse
#       JSON, encode, write the ids; tokenizer loading excluded) against HF
#       tokenizers' encode_batch in Python with RAYON_NUM_THREADS=1 (texts
#       already in memory; loading excluded). Best of REPEAT (default 3).
#   bash bench/tokenize.sh train [MB] [VOCAB]
#       trains a VOCAB (default 64000) byte-fallback BPE on about MB (default
#       100) of text from the shared corpora with refine-tokenize train, HF
#       tokenizers' BpeTrainer and spm_train (Debian sentencepiece); prints
#       wall time and peak RSS (GNU time) of each.
#
# Needs build/bin (cmake --build build) and the test virtualenv (./test.sh
# creates .venv-test with tokenizers); spm_train for train.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${REFINE_BIN:-build/bin}
DATA=${REFINE_TESTDATA:-../shared/data}
PY=${REFINE_PYTHON:-.venv-test/bin/python}
[ -x "$PY" ] || { echo "bench: no $PY (run ./test.sh once, or set REFINE_PYTHON)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/refine-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mode=${1:-encode}

if [ "$mode" = encode ]; then
    corpus=${2:-$DATA/corpora/mixed_ko_en.jsonl.zst}
    repeat=${3:-3}
    "$PY" - "$corpus" "$DATA" "$BIN" "$repeat" "$W" <<'PY'
import json, os, subprocess, sys, time
corpus, data, bin_, repeat, work = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
raw = subprocess.run(["zstd", "-dcf", corpus], check=True, capture_output=True).stdout
texts = []
for line in raw.split(b"\n"):
    if line.strip():
        texts.append(json.loads(line.decode("utf-8", "replace"))["text"])
mb = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / 1e6
print("corpus %s: %d documents, %.2f MB of text; best of %d" % (os.path.basename(corpus), len(texts), mb, repeat))
print("| tokenizer | HF tokenizers (1 thread) MB/s | refine-tokenize (1 thread) MB/s | ratio |")
print("| --- | ---: | ---: | ---: |")
env = dict(os.environ, RAYON_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
hf_code = r'''
import json, subprocess, sys, time
from tokenizers import Tokenizer
texts = json.load(open(sys.argv[1]))
tok = Tokenizer.from_file(sys.argv[2])
best = 1e9
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    tok.encode_batch(texts, add_special_tokens=False)
    best = min(best, time.perf_counter() - t0)
print(best)
'''
tj = os.path.join(work, "texts.json")
json.dump(texts, open(tj, "w"))
for name in ["llama3", "gemma3"]:
    path = "%s/tokenizers/%s/tokenizer.json" % (data, name)
    hf = float(subprocess.run([sys.executable, "-c", hf_code, tj, path, str(repeat)], env=env,
                              check=True, capture_output=True, text=True).stdout)
    best = 1e9
    st = os.path.join(work, "st.json")
    for _ in range(repeat):
        subprocess.run([bin_ + "/refine-tokenize", "encode", "--tokenizer", path, "--threads", "1",
                        "--stats", st, "-o", os.path.join(work, "ids.jsonl"), corpus], check=True)
        best = min(best, json.load(open(st))["seconds"])
    print("| %s | %.2f | %.2f | %.2fx |" % (name, mb / hf, mb / best, hf / best))
PY
    exit 0
fi

if [ "$mode" = train ]; then
    mb=${2:-100}
    vocab=${3:-64000}
    # ~MB of text: the corpora, cycled, as JSONL and as plain text lines.
    "$PY" - "$DATA" "$mb" "$W" <<'PY'
import glob, json, subprocess, sys
data, mb, work = sys.argv[1], float(sys.argv[2]), sys.argv[3]
files = sorted(glob.glob(data + "/corpora/*.jsonl.zst"))
docs = []
for f in files:
    raw = subprocess.run(["zstd", "-dc", f], check=True, capture_output=True).stdout
    docs += [json.loads(l)["text"] for l in raw.decode("utf-8", "replace").split("\n") if l.strip()]
out_j = open(work + "/train.jsonl", "w")
out_t = open(work + "/train.txt", "w")
size, k = 0, 0
while size < mb * 1e6:
    t = docs[k % len(docs)]
    k += 1
    out_j.write(json.dumps({"id": k, "text": t}, ensure_ascii=False) + "\n")
    for line in t.split("\n"):
        if line.strip():
            out_t.write(line + "\n")
    size += len(t.encode())
print("training text: %.1f MB in %d documents" % (size / 1e6, k))
PY
    run() { # name cmd...
        local name=$1
        shift
        /usr/bin/time -f "%e %M" -o "$W/time" "$@" >"$W/$name.log" 2>&1 || { cat "$W/$name.log" >&2; echo "$name failed" >&2; return 1; }
        read -r sec kb <"$W/time"
        printf "| %s | %.1f | %.0f |\n" "$name" "$sec" "$(echo "$kb / 1024" | bc -l)"
    }
    echo "| trainer (vocab $vocab, byte fallback) | seconds | peak RSS MB |"
    echo "| --- | ---: | ---: |"
    run refine-tokenize "$BIN/refine-tokenize" train --model byte-fallback --vocab-size "$vocab" \
        --shares latin=50,hangul=46,symbol=2 \
        -o "$W/refine.json" "$W/train.jsonl"
    run hf-tokenizers "$PY" -c '
import sys
from tokenizers import Tokenizer, models, trainers, pre_tokenizers, normalizers, decoders
tok = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>", fuse_unk=True))
tok.normalizer = normalizers.Replace(" ", "\u2581")
tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="never")
tr = trainers.BpeTrainer(vocab_size=int(sys.argv[2]), special_tokens=["<unk>"], show_progress=False)
tok.train([sys.argv[1]], tr)
tok.save(sys.argv[3])' "$W/train.txt" "$vocab" "$W/hf.json"
    if command -v spm_train >/dev/null; then
        run spm_train spm_train --input="$W/train.txt" --model_prefix="$W/spm" --model_type=bpe \
            --vocab_size="$vocab" --byte_fallback=true --character_coverage=0.9995 \
            --input_sentence_size=0 --num_threads=2 --minloglevel=2
    else
        echo "| spm_train | (not installed: apt-get install sentencepiece) | |"
    fi
    exit 0
fi
echo "usage: bench/tokenize.sh encode [CORPUS] [REPEAT] | train [MB] [VOCAB]" >&2
exit 2
