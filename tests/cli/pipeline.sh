#!/usr/bin/env bash
# `refine run` chains stages in one process and gives the same documents,
# rejects and per-stage counts as the standalone tools in a shell pipe.
. "$(dirname "$0")/lib.sh"
cd "$T"
"$BIN/refine" example -o ex 2>/dev/null || fail "example generation"
cat >p.pipeline <<'P'
# runner keys first
threads = 2
[cat]
[sample]
fraction = 0.5
seed = 3
P
"$BIN/refine" run p.pipeline ex/*.jsonl.zst -q -o run.jsonl --rejects runrej.jsonl --stats runst.json \
    || fail "refine run"
stats_check runst.json
"$BIN/refine-cat" -q ex/*.jsonl.zst --rejects r1.jsonl --stats s1.json |
    "$BIN/refine-sample" -q --fraction 0.5 --seed 3 --rejects r2.jsonl --stats s2.json >pipe.jsonl \
    || fail "shell pipe"
same run.jsonl pipe.jsonl
[ "$(count_lines run.jsonl)" -gt 100 ] || fail "suspiciously few documents"
cat r1.jsonl r2.jsonl | sort >pipe_rej.sorted
sort runrej.jsonl >run_rej.sorted
same run_rej.sorted pipe_rej.sorted
for i in 0 1; do
    f=s$((i + 1)).json
    for k in docs_in docs_out docs_rejected reasons; do
        a=$(stats_get runst.json "s['stages'][$i]['$k']")
        b=$(stats_get $f "s['$k']")
        [ "$a" = "$b" ] || fail "stage $i $k: run $a, pipe $b"
    done
done
[ "$(stats_get runst.json 's["threads"]')" = 2 ] || fail "pipeline runner key ignored"

# The command line overrides the pipeline; --set overrides a stage key.
"$BIN/refine" run p.pipeline ex/*.jsonl.zst -q --threads 1 --set sample.fraction=0.1 \
    -o low.jsonl --stats low.json || fail "--set"
[ "$(stats_get low.json 's["threads"]')" = 1 ] || fail "--threads did not override"
[ "$(count_lines low.jsonl)" -lt "$(count_lines run.jsonl)" ] || fail "--set had no effect"
expect_rc 2 "$BIN/refine" run p.pipeline --set nosuch.key=1 ex/shard-00000.jsonl.zst
expect_rc 2 "$BIN/refine" run p.pipeline --set sample.nokey=1 ex/shard-00000.jsonl.zst

# A repeated stage gets its own label; errors name the pipeline line.
printf '[sample]\nfraction = 0.9\n[sample]\nfraction = 0.5\n' >twice.pipeline
"$BIN/refine" run twice.pipeline -q ex/shard-00000.jsonl.zst -o /dev/null --stats tw.json || fail "twice"
[ "$(stats_get tw.json '[x["stage"] for x in s["stages"]]')" = "['sample', 'sample.2']" ] || fail "labels"
stats_check tw.json
printf '[cat]\n[nosuchstage]\n' >bad.pipeline
expect_rc 2 "$BIN/refine" run bad.pipeline ex/shard-00000.jsonl.zst
grep -q "bad.pipeline:2" "$T/err" || fail "unknown stage error has no position"
printf '[sample]\nfraction = 2\n' >bad2.pipeline
expect_rc 2 "$BIN/refine" run bad2.pipeline ex/shard-00000.jsonl.zst
grep -q "fraction" "$T/err" || fail "bad stage value message"
expect_rc 2 "$BIN/refine" run
echo ok
