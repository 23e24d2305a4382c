#!/usr/bin/env bash
# Output bytes do not depend on --threads or on the batch size.
. "$(dirname "$0")/lib.sh"
cd "$T"
"$BIN/refine" example -o ex 2>/dev/null || fail "example generation"
inputs="ex/shard-00000.jsonl.zst ex/shard-00001.jsonl.zst"
if [ -n "$DATA" ] && [ -f "$DATA/corpora/mixed_ko_en.jsonl.zst" ]; then
    inputs="$inputs $DATA/corpora/mixed_ko_en.jsonl.zst"
fi
"$BIN/refine-cat" -q --threads 1 $inputs --rejects rej.ref.jsonl -o ref.jsonl --stats st.ref.json \
    || fail "reference run"
stats_check st.ref.json
for t in 1 2 3; do
    for bd in 1 7 1024; do
        "$BIN/refine-cat" -q --threads $t --batch-docs $bd --batch-bytes 64K $inputs \
            --rejects rej.$t.$bd.jsonl -o out.$t.$bd.jsonl || fail "threads $t batch $bd"
        same ref.jsonl out.$t.$bd.jsonl
        same rej.ref.jsonl rej.$t.$bd.jsonl
    done
done
# Same through zstd output (multi-threaded compressor): decompressed equal.
"$BIN/refine-cat" -q --threads 2 --zstd-threads 2 $inputs -o out.zst.jsonl.zst || fail "zstd out"
zstd -q -dc out.zst.jsonl.zst >out.zst.jsonl
same ref.jsonl out.zst.jsonl
echo ok
