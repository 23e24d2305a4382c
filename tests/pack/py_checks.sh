#!/usr/bin/env bash
# py_checks.sh roundtrip|megatron — the refine-pack checks that need the test
# virtualenv ($REFINE_PYTHON from ./test.sh: HF tokenizers, megatron-core
# with torch); skipped (77) without it or without the shared data.
#   roundtrip: every document of the mixed corpus with gpt2 (uint16, no FIM),
#     qwen3 (int32, FIM 50%) and a byte-level tokenizer trained here
#     (uint16, FIM 50%, code split by lines) against HF tokenizers.
#   megatron: those datasets plus a packed one load in Megatron-Core's
#     IndexedDataset with identical sequences and equal its builder's bytes.
. "$(dirname "$0")/../cli/lib.sh"
need_data
[ -n "${REFINE_PYTHON:-}" ] && [ -x "$REFINE_PYTHON" ] ||
    { echo "skip: REFINE_PYTHON not set (./test.sh installs tests/requirements/pack.txt)"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
PACK=$BIN/refine-pack
C=$DATA/corpora/mixed_ko_en.jsonl.zst
CODE=$DATA/corpora/code_files.jsonl.zst
GPT2=$DATA/tokenizers/gpt2/tokenizer.json
QWEN=$DATA/tokenizers/qwen3/tokenizer.json
zstd -dc "$C" "$CODE" >"$T/in.jsonl"
# A small byte-level vocabulary with the FIM sentinels (refine-tokenize train adds them).
$BIN/refine-tokenize train --model byte-level --vocab-size 3000 --shares none --no-force-hangul -o "$T/bl.json" \
    -q "$C" 2>/dev/null || fail "train"
$PACK --tokenizer "$GPT2" -o "$T/gpt2" "$T/in.jsonl" -q || fail "pack gpt2"
$PACK --tokenizer "$QWEN" -o "$T/qwen" --fim-rate 0.5 --seed 1 "$T/in.jsonl" -q || fail "pack qwen"
$PACK --tokenizer "$T/bl.json" -o "$T/bl" --fim-rate 0.5 --fim-spm-rate 0.3 --seed 2 \
    "$T/in.jsonl" -q --stats "$T/bl.json.stats" || fail "pack bl"
case "$1" in
roundtrip)
    "$REFINE_PYTHON" "$HERE/check_pack.py" roundtrip "$T/gpt2" "$T/in.jsonl" "$GPT2" 8 || exit 1
    "$REFINE_PYTHON" "$HERE/check_pack.py" roundtrip "$T/qwen" "$T/in.jsonl" "$QWEN" 4 --fim || exit 1
    "$REFINE_PYTHON" "$HERE/check_pack.py" roundtrip "$T/bl" "$T/in.jsonl" "$T/bl.json" 8 --fim || exit 1
    # The code files were split at line starts.
    [ "$(stats_get "$T/bl.json.stats" 's["counters"]["fim_line_split"] > 20')" = True ] ||
        fail "code documents not split by lines"
    ;;
megatron)
    $PACK --tokenizer "$QWEN" -o "$T/packed" --seq-len 1024 --group-by source "$T/in.jsonl" -q ||
        fail "pack packed"
    "$REFINE_PYTHON" "$HERE/megatron_compat.py" "$T/gpt2" "$T/qwen" "$T/bl" "$T/packed" || exit 1
    ;;
*) fail "usage: py_checks.sh roundtrip|megatron" ;;
esac
