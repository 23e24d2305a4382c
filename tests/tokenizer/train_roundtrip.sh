#!/usr/bin/env bash
# train_roundtrip.sh — the Done-when check for training: a 64k byte-fallback
# vocabulary, rebalanced by character class, trained on all shared corpora;
# every achieved class share within 2 points of its target; HF tokenizers
# loads the file and gives the same ids as refine on every corpus document.
# The targets fit these corpora (Korean and English; Han, Kana and Cyrillic
# are too rare in them to fill any share). Needs $REFINE_PYTHON.
. "$(dirname "$0")/../cli/lib.sh"
need_data
[ -n "${REFINE_PYTHON:-}" ] && [ -x "$REFINE_PYTHON" ] ||
    { echo "skip: REFINE_PYTHON not set (./test.sh installs HF tokenizers)"; exit 77; }
SHARES=latin=50,hangul=46,symbol=2
CORPORA=$(ls "$DATA"/corpora/*.jsonl.zst "$DATA"/corpora/formats/test.jsonl*)
VOCAB=64000
if [ "${REFINE_TOK_QUICK:-0}" = 1 ]; then
    # Sanitizer builds: the same checks on a smaller run.
    CORPORA="$DATA/corpora/mixed_ko_en.jsonl.zst $DATA/corpora/ko_news_wiki.jsonl.zst"
    VOCAB=32000
fi
"$BIN/refine-tokenize" train --model byte-fallback --vocab-size $VOCAB --shares "$SHARES" \
    -o "$T/tok.json" --report "$T/report.json" $CORPORA || fail "training failed"
python3 - "$T/report.json" "$SHARES" $VOCAB <<'PY' || fail "class shares off target"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["vocab_size"] == int(sys.argv[3]), r["vocab_size"]
for item in sys.argv[2].split(","):
    c, want = item.split("=")
    got = r["classes"][c]["share"]
    print("%-7s target %5.2f%%  achieved %5.2f%%" % (c, float(want), got))
    assert abs(got - float(want)) <= 2.0, (c, got, want)
PY
"$REFINE_PYTHON" "$(dirname "$0")/parity_hf.py" "$REFINE_BIN/../tests/tok_encode_bin" "$DATA" \
    "$T/tok.json" $CORPORA
