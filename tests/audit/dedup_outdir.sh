#!/usr/bin/env bash
# refine-dedup writes OUT/<input name>: an --out-dir that is the inputs' own
# directory replaced the inputs with their deduplicated copies (exit 0), and
# an empty --out-dir or --work-dir wrote everything under "/". Both are usage
# errors now, before any file is written.
. "$(dirname "$0")/../cli/lib.sh"
cd "$T"
mkdir in
for i in 1 2 3; do
    printf '{"id":"%s","text":"the same text in every shard, long enough to hash"}\n' "$i"
done >in/a.jsonl
cp in/a.jsonl in/b.jsonl
sum0=$(cat in/a.jsonl in/b.jsonl | md5sum)

expect_rc 2 "$BIN/refine-dedup" --exact in/a.jsonl in/b.jsonl --out-dir in
grep -q "overwrite the input" "$T/err" || fail "unclear message: $(cat "$T/err")"
(cd in && "$BIN/refine-dedup" --exact a.jsonl b.jsonl --out-dir ./ 2>/dev/null)
[ $? -eq 2 ] || fail "--out-dir ./ beside the inputs was accepted"
[ "$(cat in/a.jsonl in/b.jsonl | md5sum)" = "$sum0" ] || fail "inputs were modified"
[ "$(ls -A in)" = "$(printf 'a.jsonl\nb.jsonl')" ] || fail "litter in the input directory: $(ls -A in)"

expect_rc 2 "$BIN/refine-dedup" --exact in/a.jsonl --out-dir ''
expect_rc 2 "$BIN/refine-dedup" --exact in/a.jsonl --out-dir out --work-dir ''
[ ! -e out ] || fail "output directory created by a refused run"

# The step form: the filter step checks the same.
expect_rc 0 "$BIN/refine-dedup" exact hash --work-dir W in/a.jsonl in/b.jsonl
expect_rc 0 "$BIN/refine-dedup" exact resolve --work-dir W
expect_rc 2 "$BIN/refine-dedup" exact filter --work-dir W --out-dir in/
[ "$(cat in/a.jsonl in/b.jsonl | md5sum)" = "$sum0" ] || fail "filter step modified the inputs"
expect_rc 0 "$BIN/refine-dedup" exact filter --work-dir W --out-dir out --stats st.json
stats_check st.json
[ "$(stats_get st.json 's["docs_out"]')" -eq 1 ] || fail "dedup result changed"

# A truncated input: the message names the file once, not "F: F: ...".
python3 -c 'import json,random
r = random.Random(1)
for i in range(3000):
    print(json.dumps({"id": i, "text": " ".join("w%d" % r.randrange(10**6) for _ in range(30))}))' |
    gzip -c >full.jsonl.gz
head -c 60000 full.jsonl.gz >trunc.jsonl.gz
expect_rc 1 "$BIN/refine-dedup" --exact trunc.jsonl.gz --out-dir out2
[ "$(grep -o 'trunc.jsonl.gz' "$T/err" | wc -l)" -eq 1 ] || fail "file named twice: $(cat "$T/err")"
echo ok
