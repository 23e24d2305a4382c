#!/usr/bin/env bash
# refine-quality train: models trained from JSONL (label field), from
# positive/negative files and from fastText lines, with every loss, load in
# the fastText CLI (when installed) and predict there exactly what refine
# predicts; the model learns korean_hate_speech about as well as fastText's
# own training (accuracy on dev printed for both); single-thread training is
# reproducible; usage errors are clear.
. "$(dirname "$0")/../cli/lib.sh"
need_data
HERE=$(cd "$(dirname "$0")" && pwd)
Q="$BIN/refine-quality"
KH=$DATA/harm/korean_hate_speech
[ -f "$KH/train.tsv" ] || { echo "skip: korean_hate_speech not in the shared data"; exit 77; }
have_ft=0
command -v fasttext >/dev/null && have_ft=1

python3 - "$KH" "$T" <<'PY' || fail "cannot convert korean_hate_speech"
import csv, json, sys
src, t = sys.argv[1], sys.argv[2]
for part in ("train", "dev"):
    with open(f"{src}/{part}.tsv", encoding="utf-8", newline="") as f, \
         open(f"{t}/{part}.jsonl", "w", encoding="utf-8") as j, \
         open(f"{t}/{part}.txt", "w", encoding="utf-8") as p, \
         open(f"{t}/{part}.textonly", "w", encoding="utf-8") as x, \
         open(f"{t}/{part}.none.jsonl", "w", encoding="utf-8") as pos, \
         open(f"{t}/{part}.toxic.jsonl", "w", encoding="utf-8") as neg:
        for i, r in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            text = r["comments"]
            d = json.dumps({"id": f"{part}-{i}", "text": text, "hate": r["hate"]}, ensure_ascii=False)
            j.write(d + "\n")
            (pos if r["hate"] == "none" else neg).write(d + "\n")
            one = text.replace("\n", " ")
            p.write(f"__label__{r['hate']} {one}\n")
            x.write(one + "\n")
PY
HP=(--dim 16 --epoch 10 --word-ngrams 2 --minn 1 --maxn 3 --bucket 100000)
FHP=(-dim 16 -epoch 10 -wordNgrams 2 -minn 1 -maxn 3 -bucket 100000)
acc() { awk -F'\t' '$1 ~ /^P@1/ {print $2}' "$1"; }

# JSONL with a label field, two Hogwild threads.
expect_rc 0 "$Q" train -q --label-field hate "$T/train.jsonl" -o "$T/m.bin" "${HP[@]}" --threads 2
expect_rc 0 "$Q" info --model "$T/m.bin" >"$T/info.txt"
grep -q "^labels	3$" "$T/info.txt" || fail "trained model has not 3 labels"
expect_rc 0 "$Q" test --model "$T/m.bin" --label-field hate "$T/dev.jsonl" >"$T/test.txt"
expect_rc 0 "$Q" test --plain --model "$T/m.bin" "$T/dev.txt" >"$T/test2.txt"
same "$T/test.txt" "$T/test2.txt"
a_rf=$(acc "$T/test.txt")
python3 -c "import sys; sys.exit(0 if float('$a_rf') >= 0.55 else 1)" ||
    fail "refine-trained accuracy $a_rf < 0.55"
echo "refine-quality train: dev accuracy $a_rf"
if [ $have_ft = 1 ]; then
    # The .bin loads in fastText, which predicts what refine predicts.
    fasttext predict-prob "$T/m.bin" "$T/dev.textonly" -1 >"$T/ref.txt" || fail "fasttext cannot use the model"
    "$Q" predict --plain --model "$T/m.bin" -k -1 "$T/dev.textonly" >"$T/out.txt"
    python3 "$HERE/compare_pred.py" "$T/ref.txt" "$T/out.txt" || fail "fasttext disagrees on m.bin"
    fasttext test "$T/m.bin" "$T/dev.txt" >"$T/ftest.txt" || fail "fasttext test"
    same "$T/test.txt" "$T/ftest.txt"
    # fastText's own training on the same data, for comparison.
    fasttext supervised -input "$T/train.txt" -output "$T/ft" "${FHP[@]}" -thread 2 -verbose 0 ||
        fail "fasttext supervised"
    a_ft=$(fasttext test "$T/ft.bin" "$T/dev.txt" | awk -F'\t' '$1 ~ /^P@1/ {print $2}')
    echo "fasttext supervised: dev accuracy $a_ft"
    python3 -c "import sys; sys.exit(0 if float('$a_rf') >= float('$a_ft') - 0.04 else 1)" ||
        fail "refine accuracy $a_rf is well below fastText's $a_ft"
fi

# Positive/negative files; fastText lines; every loss.
expect_rc 0 "$Q" train -q --positive "$T/train.none.jsonl" --negative "$T/train.toxic.jsonl" \
    -o "$T/pn.bin" --dim 8 --epoch 5 --word-ngrams 2 --bucket 50000 --threads 2
expect_rc 0 "$Q" info "$T/pn.bin" >"$T/info.txt"
grep -q "^label	__label__hq$" "$T/info.txt" && grep -q "^label	__label__lq$" "$T/info.txt" ||
    fail "positive/negative labels missing: $(cat "$T/info.txt")"
for loss in softmax ova hs ns; do
    expect_rc 0 "$Q" train -q --plain "$T/train.txt" -o "$T/$loss.bin" --loss $loss --dim 8 \
        --epoch 3 --minn 2 --maxn 4 --bucket 20000 --threads 2
    expect_rc 0 "$Q" test --plain --model "$T/$loss.bin" "$T/dev.txt" >"$T/t.txt"
    echo "loss $loss: dev accuracy $(acc "$T/t.txt")"
    if [ $have_ft = 1 ]; then
        fasttext predict-prob "$T/$loss.bin" "$T/dev.textonly" 2 >"$T/ref.txt" ||
            fail "fasttext cannot use the $loss model"
        "$Q" predict --plain --model "$T/$loss.bin" -k 2 "$T/dev.textonly" >"$T/out.txt"
        python3 "$HERE/compare_pred.py" "$T/ref.txt" "$T/out.txt" >/dev/null ||
            fail "fasttext disagrees on the $loss model"
    fi
done

# One thread with a seed: the same file twice.
"$Q" train -q --plain "$T/train.txt" -o "$T/r1.bin" --dim 8 --epoch 2 --threads 1 --seed 5
"$Q" train -q --plain "$T/train.txt" -o "$T/r2.bin" --dim 8 --epoch 2 --threads 1 --seed 5
same "$T/r1.bin" "$T/r2.bin"

# Errors.
expect_rc 2 "$Q" train --plain "$T/train.txt"
grep -q "\-o MODEL.bin is required" "$T/err" || fail "missing -o: unclear message"
printf 'no labels here\n' >"$T/nolabel.txt"
expect_rc 2 "$Q" train --plain "$T/nolabel.txt" -o "$T/x.bin"
grep -q "no labels" "$T/err" || fail "no labels: unclear message"
expect_rc 1 "$Q" train --plain "$T/missing.txt" -o "$T/x.bin"
[ ! -e "$T/x.bin" ] || fail "a failed training left a model file"
expect_rc 2 "$Q" train --plain "$T/train.txt" -o "$T/x.bin" --loss nope
expect_rc 2 "$Q" train --plain "$T/train.txt" -o "$T/x.bin" --minn 4 --maxn 2
expect_rc 0 "$Q" train --help >"$T/out.txt"
grep -q "Usage:" "$T/out.txt" || fail "train --help"
echo ok
