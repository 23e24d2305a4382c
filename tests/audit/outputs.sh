#!/usr/bin/env bash
# Output paths that would lose documents are refused before anything is read:
# -o, --rejects and --stats naming one file (directly, through ./ or through
# /dev/stdout when stdout is that file), and a --stats file that cannot be
# created (it used to fail only after -o was renamed into place, leaving a
# complete-looking output behind a failed run). Shared devices stay allowed.
. "$(dirname "$0")/../cli/lib.sh"
cd "$T"
printf '%s\n' '{"id":"a","text":"one document"}' 'not json' '{"id":"b","text":"another one"}' >in.jsonl

# -o X --rejects X: both outputs used X.tmp.PID; the run failed with a
# rename error and left a mixed X behind.
expect_rc 2 "$BIN/refine-cat" in.jsonl -o same.jsonl --rejects ./same.jsonl
grep -q "same file" "$T/err" || fail "unclear message: $(cat "$T/err")"
[ ! -e same.jsonl ] || fail "output left behind after a refused run"
ls ./*.tmp.* 2>/dev/null && fail "temporary files left behind"

# refine-shard: --rejects naming one of the -o PATTERN outputs.
expect_rc 2 "$BIN/refine-shard" -n 2 in.jsonl -o 'sh/p{}.jsonl' --rejects sh/p00001.jsonl
[ ! -e sh/p00000.jsonl ] && [ ! -e sh/p00001.jsonl ] || fail "shards left behind after a refused run"
ls sh/*.tmp.* 2>/dev/null && fail "temporary shard files left behind"

# -o X --stats X: the stats object silently replaced every document.
expect_rc 2 "$BIN/refine-cat" in.jsonl -o out.jsonl --stats out.jsonl
[ ! -e out.jsonl ] || fail "output written although -o and --stats collide"
expect_rc 2 "$BIN/refine-cat" in.jsonl -o out.jsonl --rejects rej.jsonl --stats "$T/rej.jsonl"
grep -q "\-\-rejects and --stats" "$T/err" || fail "unclear message: $(cat "$T/err")"

# -o - with --rejects /dev/stdout while stdout is a regular file: two file
# descriptions wrote over each other from offset 0.
if [ -e /dev/stdout ]; then
    "$BIN/refine-cat" in.jsonl -o - --rejects /dev/stdout >both.jsonl 2>"$T/err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "-o - --rejects /dev/stdout into one file: exit $rc, $(wc -l <both.jsonl) lines"
    # A pipe or /dev/null may be shared.
    n=$("$BIN/refine-cat" in.jsonl -o - --rejects /dev/stdout 2>/dev/null | wc -l)
    [ "$n" -eq 3 ] || fail "stdout pipe shared by output and rejects: $n lines, want 3"
fi
expect_rc 0 "$BIN/refine-cat" in.jsonl -o /dev/null --rejects /dev/null --stats /dev/null

# --stats that cannot be created is an error before the run, for the
# standalone tools, refine run and the tools with their own main.
touch afile
expect_rc 1 "$BIN/refine-cat" in.jsonl -o kept.jsonl --stats afile/st.json
grep -q "\-\-stats" "$T/err" || fail "message does not name --stats: $(cat "$T/err")"
[ ! -e kept.jsonl ] || fail "output renamed into place although --stats failed"
printf '[cat]\n' >p.pipeline
expect_rc 1 "$BIN/refine" run p.pipeline in.jsonl -o kept.jsonl --stats afile/st.json
[ ! -e kept.jsonl ] || fail "refine run: output renamed into place although --stats failed"
expect_rc 2 "$BIN/refine" run p.pipeline in.jsonl -o kept.jsonl --stats kept.jsonl
if [ -n "$DATA" ] && [ -f "$DATA/tokenizers/gpt2/tokenizer.json" ]; then
    expect_rc 1 "$BIN/refine-pack" --tokenizer "$DATA/tokenizers/gpt2/tokenizer.json" \
        in.jsonl -o ds --stats afile/st.json
    [ ! -e ds.bin ] && [ ! -e ds.idx ] || fail "refine-pack wrote its dataset although --stats failed"
fi

# The normal case still works and balances.
expect_rc 0 "$BIN/refine-cat" in.jsonl -o kept.jsonl --rejects rej.jsonl --stats st.json
stats_check st.json
[ "$(count_lines kept.jsonl)" -eq 2 ] && [ "$(count_lines rej.jsonl)" -eq 1 ] || fail "counts"
echo ok
