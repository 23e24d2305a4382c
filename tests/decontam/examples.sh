#!/usr/bin/env bash
# The example shards (refine example) carry leaks of the toy evaluation set
# examples/eval/toy_eval.jsonl: all of them are found and nothing else; the
# same result under `refine run` with a [decontam] section, with 1 or 2
# threads; excise mode annotates kept documents; --max-item-freq and the
# excision limits work; bad options and bad indexes are clear errors.
. "$(dirname "$0")/../cli/lib.sh"
cd "$T"
"$BIN/refine" example -o ex 2>/dev/null || fail "example generation"
"$BIN/refine-decontam" index -q -o toy.dcx ex/eval/toy_eval.jsonl:question,answer || fail "toy index"
"$BIN/refine-decontam" -q --index toy.dcx ex/shard-*.jsonl.zst -o kept.jsonl --rejects rej.jsonl \
    --stats st.json || fail "drop run"
stats_check st.json
leaks=$(zstd -q -dc ex/shard-*.jsonl.zst | grep -c '"defect":"benchmark_leak"')
[ "$leaks" -gt 5 ] || fail "examples have only $leaks leaks"
found=$(grep -c '"reason":"decontam"' rej.jsonl)
[ "$found" = "$leaks" ] || fail "found $found of $leaks leaks"
[ "$(grep '"reason":"decontam"' rej.jsonl | grep -vc '"defect":"benchmark_leak"')" = 0 ] \
    || fail "a document without a leak was rejected"
grep -q '"defect":"benchmark_leak"' kept.jsonl && fail "a leak was kept"
echo "examples: $found of $leaks planted leaks found, no other document rejected"

# refine run with a [decontam] section = the standalone tool, any thread count.
printf 'threads = 2\n[decontam]\nindex = toy.dcx\n' >p.pipeline
"$BIN/refine" run p.pipeline -q ex/shard-*.jsonl.zst -o run.jsonl --stats run.json || fail "refine run"
stats_check run.json
same kept.jsonl run.jsonl
"$BIN/refine-decontam" -q --index toy.dcx --threads 1 ex/shard-*.jsonl.zst -o t1.jsonl || fail "t1"
same kept.jsonl t1.jsonl

# Excise: leaks are cut out, documents annotated, kept text otherwise intact.
"$BIN/refine-decontam" -q --index toy.dcx --mode excise --excise-margin 0 --min-fragment 10 \
    ex/shard-*.jsonl.zst -o ex.jsonl --stats exst.json || fail "excise"
stats_check exst.json
[ "$(grep -c '"decontam":{"benchmarks":\["toy_eval"\],"regions":1' ex.jsonl)" = "$leaks" ] \
    || fail "excise annotations"
"$BIN/refine-decontam" -q --index toy.dcx ex.jsonl -o /dev/null --stats again.json || fail "re-run"
[ "$(stats_get again.json 's["docs_rejected"]')" = 0 ] || fail "excised output still leaks"
# Default margin (200) and minimum fragment (200): short example documents
# vanish entirely (decontam_excised), longer ones keep a fragment.
"$BIN/refine-decontam" -q --index toy.dcx --mode excise ex/shard-*.jsonl.zst -o exd.jsonl \
    --stats exd.json || fail "excise defaults"
gone=$(stats_get exd.json 's["reasons"].get("decontam_excised", 0)')
cut=$(stats_get exd.json 's["counters"].get("excised_docs", 0)')
[ "$gone" -gt 0 ] && [ $((gone + cut)) = "$leaks" ] || fail "short fragments: $gone gone, $cut cut"
[ "$(grep -c '"decontam":{' exd.jsonl)" = "$cut" ] || fail "annotations"

# Too many splits: eleven separated leaks in one document.
python3 - <<'PY' >splits.jsonl
import json
items = [json.loads(l)["question"] for l in open("ex/eval/toy_eval.jsonl")]
filler = "Filler text that has nothing to do with any benchmark at all, repeated. " * 12
parts = [filler]
for i in range(11):
    parts += [items[i % len(items)], filler]
print(json.dumps({"id": "many", "text": "\n".join(parts)}))
PY
"$BIN/refine-decontam" -q --index toy.dcx --mode excise splits.jsonl -o /dev/null --stats sp.json
[ "$(stats_get sp.json 's["reasons"].get("decontam_splits", 0)')" = 1 ] || fail "max-splits"
"$BIN/refine-decontam" -q --index toy.dcx --mode excise --max-splits 20 splits.jsonl -o sp.jsonl
grep -q '"regions":11,"fragments":12' sp.jsonl || fail "11 regions, 12 fragments"

# --max-item-freq: an n-gram in more items than K is ignored.
for i in 1 2 3; do
    echo "{\"id\":\"b$i\",\"q\":\"which of the following statements about the weather in spring is true for item $i\"}"
done >boiler.jsonl
"$BIN/refine-decontam" index -q -o boiler.dcx boiler.jsonl:q || fail "boiler index"
echo '{"text":"Tell me: which of the following statements about the weather in spring is true for you"}' >doc.jsonl
"$BIN/refine-decontam" -q --index boiler.dcx doc.jsonl -o /dev/null --stats k10.json
[ "$(stats_get k10.json 's["docs_rejected"]')" = 1 ] || fail "K=10 should match"
"$BIN/refine-decontam" -q --index boiler.dcx --max-item-freq 2 doc.jsonl -o /dev/null --stats k2.json
[ "$(stats_get k2.json 's["docs_rejected"]')" = 0 ] || fail "K=2 should ignore the shared n-gram"
[ "$(stats_get k2.json 's["counters"]["ngram_hits_ignored"]')" -gt 0 ] || fail "ignored hits not counted"

# Compressed evaluation files (by their bytes) and globs give the same index.
mkdir -p cz
gzip -c ex/eval/toy_eval.jsonl >cz/a.jsonl.gz
zstd -q -c ex/eval/toy_eval.jsonl >cz/b.jsonl.zst
"$BIN/refine-decontam" index -o cz.dcx 'toy=cz/*.jsonl.*:question,answer' 2>cz.txt || fail "compressed index"
grep -Eq "^  toy +16 +93$" cz.txt || { cat cz.txt; fail "gzip + zstd copies: 16 items, 93 n-grams"; }
"$BIN/refine" decontam index -q -o cz2.dcx 'ex/eval/toy_eval.jsonl:question,answer' || fail "refine decontam index"
"$BIN/refine" list | grep -q decontam || fail "refine list"

# Errors.
expect_rc 2 "$BIN/refine-decontam" ex/shard-00000.jsonl.zst
grep -q "index" "$T/err" || fail "missing --index message"
expect_rc 1 "$BIN/refine-decontam" --index ex/shard-00000.jsonl.zst ex/shard-00000.jsonl.zst
grep -q "not a refine-decontam index" "$T/err" || fail "bad index message"
head -c 500 toy.dcx >trunc.dcx
expect_rc 1 "$BIN/refine-decontam" --index trunc.dcx ex/shard-00000.jsonl.zst
expect_rc 2 "$BIN/refine-decontam" index -o x.dcx 'ex/eval/toy_eval.jsonl'
expect_rc 2 "$BIN/refine-decontam" index -o x.dcx 'ex/eval/toy_eval.jsonl:nosuchfield'
grep -q "nosuchfield" "$T/err" || fail "unknown field message"
expect_rc 1 "$BIN/refine-decontam" index -o x.dcx 'nothing/*.jsonl:q'
[ ! -e x.dcx ] || fail "failed build left an index"
expect_rc 2 "$BIN/refine-decontam" report
"$BIN/refine-decontam" index --help | grep -q "SPEC" || fail "index --help"
"$BIN/refine-decontam" report --help | grep -q "matches" || fail "report --help"
"$BIN/refine-decontam" --help | grep -q "excise" || fail "--help"
echo ok
