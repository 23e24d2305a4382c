#!/usr/bin/env bash
# Parity with the stored fastText 0.9.2 references of the shared data (no
# fastText needed): top-3 `predict-prob` output on kor_hate.dev.textonly for
# kor_hate.bin, kor_hate.ftz and lid.176.ftz. refine must print the same
# labels with probabilities within 1e-4, both from the text file (--plain)
# and from the same texts as JSONL documents; `test` must agree with the
# labels of kor_hate.dev.txt.
. "$(dirname "$0")/../cli/lib.sh"
need_data
HERE=$(cd "$(dirname "$0")" && pwd)
Q="$BIN/refine-quality"
F=$DATA/models/fasttext
[ -f "$F/kor_hate.bin" ] || { echo "skip: models/fasttext not in the shared data"; exit 77; }
python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8", newline=""):
    print(json.dumps({"id": "x", "text": l.rstrip("\n")}, ensure_ascii=False))
' "$F/kor_hate.dev.textonly" >"$T/dev.jsonl"
for pair in "kor_hate.bin:kor_hate.dev.pred.bin.txt" "kor_hate.ftz:kor_hate.dev.pred.ftz.txt" \
            "../lid.176.ftz:lid176.kor_hate_dev.pred.txt"; do
    model=$F/${pair%%:*}
    ref=$F/${pair#*:}
    expect_rc 0 "$Q" predict --plain --model "$model" -k 3 "$F/kor_hate.dev.textonly" >"$T/out.txt"
    python3 "$HERE/compare_pred.py" "$ref" "$T/out.txt" || fail "$pair (plain)"
    expect_rc 0 "$Q" predict --model "$model" -k 3 --threads 2 "$T/dev.jsonl" >"$T/out.txt"
    python3 "$HERE/compare_pred.py" "$ref" "$T/out.txt" || fail "$pair (JSONL)"
done
# The stored references are fastText's exact bytes: refine prints them too.
"$Q" predict --plain --model "$F/kor_hate.bin" -k 3 "$F/kor_hate.dev.textonly" >"$T/out.txt"
same "$F/kor_hate.dev.pred.bin.txt" "$T/out.txt"
# test: fastText's N / P@1 / R@1 summary over the labelled dev set.
expect_rc 0 "$Q" test --plain --model "$F/kor_hate.bin" "$F/kor_hate.dev.txt" >"$T/test.txt"
grep -q "^N	471$" "$T/test.txt" || fail "test: N is not 471: $(cat "$T/test.txt")"
p1=$(python3 -c '
import sys
ref = [l.split()[0] for l in open(sys.argv[1])]
gold = [l.split()[0] for l in open(sys.argv[2])]
print("%.3g" % (sum(a == b for a, b in zip(ref, gold)) / len(gold)))' "$F/kor_hate.dev.pred.bin.txt" "$F/kor_hate.dev.txt")
grep -q "^P@1	$p1$" "$T/test.txt" || fail "test: P@1 should be $p1: $(cat "$T/test.txt")"
echo ok
