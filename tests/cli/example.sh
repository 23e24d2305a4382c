#!/usr/bin/env bash
# The bundled example shards are exactly what `refine example` generates.
. "$(dirname "$0")/lib.sh"
[ -n "$SRC" ] && [ -d "$SRC/examples" ] || { echo "skip: no source tree"; exit 77; }
cd "$T"
"$BIN/refine" example -o ex 2>/dev/null || fail "example generation"
for f in "$SRC"/examples/*.jsonl.zst; do
    b=$(basename "$f")
    zstd -q -dc "$f" >want
    zstd -q -dc "ex/$b" >got
    same want got
done
same "$SRC/examples/eval/toy_eval.jsonl" ex/eval/toy_eval.jsonl
# Every planted defect kind is present.
zstd -q -dc ex/*.jsonl.zst | grep -o '"defect":"[a-z_]*"' | sort -u >kinds
for k in none dup_exact dup_near boilerplate pii spam benchmark_leak; do
    grep -q "\"$k\"" kinds || fail "no $k documents"
done
echo ok
