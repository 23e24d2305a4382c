#!/usr/bin/env bash
# Parity with fresh references from the Debian `fasttext` 0.9.2 binary
# (tests/requirements/quality.apt): `refine-quality predict` must print the
# same labels as `fasttext predict-prob`, probabilities within 1e-4, on
#   - the shared models (lid.176.ftz, kor_hate.bin/.ftz) over ~1,400 documents
#     of the shared corpora (Korean, English, code, chat; long and short),
#     each document one fastText line (newlines as spaces), JSONL and --plain;
#   - models fastText trains here with every loss, word and char n-grams,
#     and quantises (-qnorm, -cutoff -retrain, -dsub), i.e. pruned .ftz;
#   - synthetic models (make_models.py) for what real models rarely combine:
#     a quantised output, quantised norms, an empty pruned index, the
#     version-11 header, no "</s>", one label, tied scores;
#   - a file of edge-case lines (blank, whitespace-only, NUL, invalid UTF-8,
#     a 15 kB token, no final newline), with thresholds.
# Skips when the binary or the shared data is missing.
. "$(dirname "$0")/../cli/lib.sh"
need_data
command -v fasttext >/dev/null || { echo "skip: Debian package fasttext not installed"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
Q="$BIN/refine-quality"
M=$DATA/models
cmp_pred() { python3 "$HERE/compare_pred.py" "$@" || fail "parity: $*"; }

# Documents: JSONL for refine, the same texts as fastText lines.
python3 - "$DATA" "$T" <<'PY' || fail "cannot build inputs"
import json, subprocess, sys
data, t = sys.argv[1], sys.argv[2]
def docs(name, step):
    out = subprocess.run(["zstd", "-dc", f"{data}/corpora/{name}"], capture_output=True, check=True).stdout
    return [l for i, l in enumerate(out.split(b"\n")) if l and i % step == 0]
lines = docs("mixed_ko_en.jsonl.zst", 11) + docs("ko_news_wiki.jsonl.zst", 5) \
      + docs("en_wikitext2_valid.jsonl.zst", 6) + docs("en_war_and_peace.jsonl.zst", 25) \
      + docs("code_files.jsonl.zst", 2)
with open(f"{t}/docs.jsonl", "wb") as j, open(f"{t}/docs.txt", "wb") as p, \
     open(f"{t}/few.jsonl", "wb") as fj, open(f"{t}/few.txt", "wb") as fp:
    for i, l in enumerate(lines):
        text = json.loads(l)["text"]
        jl = json.dumps({"text": text}, ensure_ascii=False).encode() + b"\n"
        pl = text.replace("\n", " ").encode() + b"\n"
        j.write(jl)
        p.write(pl)
        if i % 4 == 0:
            fj.write(jl)
            fp.write(pl)
print(len(lines), "documents")
PY

check() { # check MODEL K [THRESHOLD [SET]]: SET docs (default) or few
    local model=$1 k=$2 thr=${3:-0} set=${4:-docs}
    fasttext predict-prob "$model" "$T/$set.txt" "$k" "$thr" >"$T/ref.txt" || fail "fasttext failed on $model"
    "$Q" predict -q --model "$model" -k "$k" --threshold "$thr" "$T/$set.jsonl" >"$T/out.txt" ||
        fail "refine-quality predict failed on $model"
    echo -n "$(basename "$model") k=$k t=$thr JSONL: "
    cmp_pred "$T/ref.txt" "$T/out.txt"
    "$Q" predict --plain --model "$model" -k "$k" --threshold "$thr" "$T/$set.txt" >"$T/out.txt" ||
        fail "refine-quality predict --plain failed on $model"
    echo -n "$(basename "$model") k=$k t=$thr plain: "
    cmp_pred "$T/ref.txt" "$T/out.txt"
}

check "$M/lid.176.ftz" 5
check "$M/lid.176.ftz" -1
check "$M/fasttext/kor_hate.bin" 3
check "$M/fasttext/kor_hate.ftz" -1 0.1

# Models fastText trains and quantises here (small and fast: seconds).
TR=$M/fasttext/kor_hate.train.txt
ft() { fasttext "$@" -thread 2 -verbose 0 >/dev/null || fail "fasttext $*"; }
ft supervised -input "$TR" -output "$T/sm" -dim 10 -epoch 2 -wordNgrams 2 -minn 2 -maxn 4 -bucket 50000
ft quantize -input "$TR" -output "$T/sm" -qnorm -cutoff 5000 -retrain -epoch 1
ft supervised -input "$TR" -output "$T/hs" -dim 8 -epoch 2 -minn 1 -maxn 3 -bucket 20000 -loss hs
ft quantize -input "$TR" -output "$T/hs" -dsub 3
ft supervised -input "$TR" -output "$T/ova" -dim 8 -epoch 2 -wordNgrams 3 -bucket 20000 -loss one-vs-all
ft supervised -input "$TR" -output "$T/ns" -dim 8 -epoch 2 -minn 3 -maxn 5 -bucket 20000 -loss ns
for f in sm.bin sm.ftz hs.bin hs.ftz ova.bin ns.bin; do
    check "$T/$f" -1 0 few
done
check "$T/ova.bin" 2 0.3 few

# Synthetic format variants.
python3 "$HERE/make_models.py" "$T/syn" "$T/few.txt" || fail "make_models.py"
for f in "$T"/syn/*; do
    check "$f" -1 0 few
done
check "$T/syn/hs.bin" 3 0.01 few
check "$T/syn/quant_qout.ftz" 7 0 few

# Edge-case lines, compared byte for byte as plain text.
{
    printf 'hello world\n\n   \n\t\r\nfoo __label__0 bar\n__label__xyz\n'
    printf '\xff\xfe bad bytes \xe0\x80\nnul\x00inside word\n'
    python3 -c 'print("가" * 5000)'
    printf 'last line without newline   '
} >"$T/edge.txt"
for f in "$M/lid.176.ftz" "$M/fasttext/kor_hate.bin" "$T/sm.ftz" "$T"/syn/*; do
    for thr in 0 0.3; do
        fasttext predict-prob "$f" "$T/edge.txt" -1 "$thr" >"$T/ref.txt"
        "$Q" predict --plain --model "$f" -k -1 --threshold "$thr" "$T/edge.txt" >"$T/out.txt"
        same "$T/ref.txt" "$T/out.txt"
    done
done
# `fasttext predict` (no probabilities) too.
fasttext predict "$M/lid.176.ftz" "$T/few.txt" 2 >"$T/ref.txt"
"$Q" predict --plain --no-prob --model "$M/lid.176.ftz" -k 2 "$T/few.txt" >"$T/out.txt"
same "$T/ref.txt" "$T/out.txt"
echo ok
