#!/usr/bin/env bash
# bench/quality.sh — refine-quality against the fastText 0.9.2 command line
# (Debian package fasttext) on the same machine, in the same run:
#   predict: `fasttext predict-prob MODEL LINES K` versus
#            `refine-quality predict --plain --model MODEL -k K LINES`
#            (one thread each; the outputs are checked to be identical), for
#            lid.176.ftz and kor_hate.bin; plus refine's JSONL path (the same
#            documents as JSON Lines, one and two threads);
#   train:   `fasttext supervised` versus `refine-quality train --plain` on
#            korean_hate_speech train (the hyper-parameters of the shared
#            kor_hate.bin: dim 16, 25 epochs, word bigrams, char 1-3-grams,
#            100k buckets), one thread each and two threads each, with the
#            dev accuracy of every model.
# Documents per second are input lines per CPU second (user + system, all
# threads: the per-thread rate, which other jobs on a shared machine barely
# move); wall seconds are shown too. Each command runs REPEAT times and the
# run with the least CPU time is kept. Target: refine predict >= 2x
# fastText per thread.
#
#   bash bench/quality.sh [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
DATA=${REFINE_TESTDATA:-$here/../shared/data}
REPEAT=${1:-3}
command -v fasttext >/dev/null || { echo "bench/quality.sh needs the Debian package fasttext" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The documents: every shared corpus of prose, as JSONL and as fastText lines.
for f in mixed_ko_en nsmc_reviews ko_news_wiki en_wikitext2_valid en_war_and_peace; do
    zstd -q -dc "$DATA/corpora/$f.jsonl.zst"
done | python3 -c '
import json, sys
with open(sys.argv[1], "wb") as j, open(sys.argv[2], "wb") as p:
    for l in sys.stdin.buffer:
        text = json.loads(l)["text"]
        j.write(json.dumps({"text": text}, ensure_ascii=False).encode() + b"\n")
        p.write(text.replace("\n", " ").encode() + b"\n")
' "$tmp/docs.jsonl" "$tmp/docs.txt"
ndocs=$(wc -l <"$tmp/docs.txt")
mb=$(python3 -c "import os; print(os.path.getsize('$tmp/docs.txt') / 1e6)")

. "$here/bench/cputime.sh"
ft_pred() { fasttext predict-prob "$1" "$tmp/docs.txt" "$2" >"$tmp/ft.out"; }
rf_pred() { "$BIN/refine-quality" predict --plain --model "$1" -k "$2" "$tmp/docs.txt" >"$tmp/rf.out"; }
rf_json() { "$BIN/refine-quality" predict -q --threads "$3" --model "$1" -k "$2" "$tmp/docs.jsonl" >"$tmp/rj.out"; }

echo "input: $ndocs documents, $mb MB of text; $(nproc) CPUs; best of $REPEAT; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-42s %9s %9s %11s %7s\n' "predict (one thread unless noted)" "CPU s" "wall s" "docs/CPU-s" "ratio"
for m in "$DATA/models/lid.176.ftz:1" "$DATA/models/fasttext/kor_hate.bin:1" "$DATA/models/fasttext/kor_hate.bin:3"; do
    model=${m%:*}
    k=${m##*:}
    name="$(basename "$model") k=$k"
    tf=$(best ft_pred "$model" "$k")
    tr=$(best rf_pred "$model" "$k")
    cmp -s "$tmp/ft.out" "$tmp/rf.out" || { echo "outputs differ for $name" >&2; exit 1; }
    tj=$(best rf_json "$model" "$k" 1)
    tj2=$(best rf_json "$model" "$k" 2)
    cmp -s "$tmp/ft.out" "$tmp/rj.out" || { echo "JSONL outputs differ for $name" >&2; exit 1; }
    python3 - "$name" "$ndocs" "$tf" "$tr" "$tj" "$tj2" <<'PY'
import sys
name, n = sys.argv[1], int(sys.argv[2])
runs = [tuple(map(float, a.split())) for a in sys.argv[3:7]]
base = runs[0][0]
labels = [f"fasttext predict-prob {name}", "refine-quality predict --plain",
          "refine-quality predict JSONL, 1 thread", "refine-quality predict JSONL, 2 threads"]
for label, (cpu, wall) in zip(labels, runs):
    print(f"{label:<42} {cpu:9.2f} {wall:9.2f} {n / cpu:11.0f} {base / cpu:7.2f}")
PY
done

echo
TR=$DATA/models/fasttext/kor_hate.train.txt
DEV=$DATA/models/fasttext/kor_hate.dev.txt
FHP=(-dim 16 -epoch 25 -wordNgrams 2 -minn 1 -maxn 3 -bucket 100000)
RHP=(--dim 16 --epoch 25 --word-ngrams 2 --minn 1 --maxn 3 --bucket 100000)
ft_train() { fasttext supervised -input "$TR" -output "$tmp/ft$1" "${FHP[@]}" -thread "$1" -verbose 0; }
rf_train() { "$BIN/refine-quality" train -q --plain "$TR" -o "$tmp/rf$1.bin" "${RHP[@]}" --threads "$1"; }
acc() { fasttext test "$1" "$DEV" | awk -F'\t' '$1 ~ /^P@1/ {print $2}'; }
printf '%-42s %9s %9s %11s %7s\n' "train korean_hate_speech (7,896 lines)" "CPU s" "wall s" "dev acc." "ratio"
for th in 1 2; do
    tf=$(best ft_train "$th")
    tr=$(best rf_train "$th")
    af=$(acc "$tmp/ft$th.bin")
    ar=$(acc "$tmp/rf$th.bin")
    python3 - "$th" "$tf" "$tr" "$af" "$ar" <<'PY'
import sys
th = sys.argv[1]
(fc, fw), (rc, rw) = (tuple(map(float, a.split())) for a in sys.argv[2:4])
af, ar = sys.argv[4], sys.argv[5]
print(f"{'fasttext supervised -thread ' + th:<42} {fc:9.2f} {fw:9.2f} {af:>11} {1.0:7.2f}")
print(f"{'refine-quality train --threads ' + th:<42} {rc:9.2f} {rw:9.2f} {ar:>11} {fc / rc:7.2f}")
PY
done
