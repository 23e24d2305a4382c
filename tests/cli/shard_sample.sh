#!/usr/bin/env bash
# refine-shard partitions the input (every document in exactly one shard,
# deterministically) and refine-sample keeps a stable fraction.
. "$(dirname "$0")/lib.sh"
cd "$T"
"$BIN/refine" example -o ex 2>/dev/null || fail "example generation"
in="ex/shard-00000.jsonl.zst ex/shard-00001.jsonl.zst"
"$BIN/refine-cat" -q $in >all.jsonl
for by in id text index; do
    for t in 1 2; do
        "$BIN/refine-shard" -q -n 4 --by $by --threads $t -o sh$t/part-{}.jsonl $in --stats st.json \
            || fail "shard --by $by"
        stats_check st.json
    done
    for k in 00000 00001 00002 00003; do
        same sh1/part-$k.jsonl sh2/part-$k.jsonl
        [ -s sh1/part-$k.jsonl ] || fail "--by $by: shard $k empty"
    done
    cat sh1/part-*.jsonl | sort >union.sorted
    sort all.jsonl >all.sorted
    same all.sorted union.sorted
    rm -rf sh1 sh2
done
"$BIN/refine-shard" -q -n 3 --by index -o rr/p-{}.jsonl.zst $in || fail "round robin"
n0=$(zstd -q -dc rr/p-00000.jsonl.zst | wc -l); n2=$(zstd -q -dc rr/p-00002.jsonl.zst | wc -l)
[ $((n0 - n2)) -le 2 ] && [ $((n2 - n0)) -le 2 ] || fail "round robin unbalanced: $n0 vs $n2"
expect_rc 2 "$BIN/refine-shard" -n 4 -o no-pattern.jsonl $in
expect_rc 2 "$BIN/refine-shard" -n 0 -o x-{}.jsonl $in

total=$(count_lines all.jsonl)
"$BIN/refine-sample" -q --fraction 0.3 --seed 7 $in --stats s.json >s1.jsonl || fail "sample"
stats_check s.json
"$BIN/refine-sample" -q --fraction 0.3 --seed 7 --threads 2 $in >s2.jsonl
same s1.jsonl s2.jsonl
kept=$(count_lines s1.jsonl)
python3 -c "import sys; k,t=$kept,$total; sys.exit(0 if abs(k/t-0.3) < 0.08 else 1)" \
    || fail "sample kept $kept of $total"
"$BIN/refine-sample" -q --fraction 0.3 --seed 8 $in >s3.jsonl
cmp -s s1.jsonl s3.jsonl && fail "different seeds gave the same sample"
# A document kept in the whole set is kept when sampling a single shard.
"$BIN/refine-sample" -q --fraction 0.3 --seed 7 ex/shard-00001.jsonl.zst >one.jsonl
grep -F -x -f one.jsonl s1.jsonl | wc -l | grep -qx "$(count_lines one.jsonl)" || fail "sample not per-document"
"$BIN/refine-sample" -q --fraction 0 $in >z.jsonl; [ ! -s z.jsonl ] || fail "fraction 0 kept documents"
"$BIN/refine-sample" -q --fraction 1 $in >o.jsonl; same all.jsonl o.jsonl
expect_rc 2 "$BIN/refine-sample" --fraction 1.5 $in
echo ok
