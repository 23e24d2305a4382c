#!/usr/bin/env bash
# The fuzz corpora of refine-pii and refine-spam (random UTF-8 found by
# libFuzzer) as documents through the real executables and through one
# `refine run` chain of both: no crash, the accounting invariant holds, and
# the chained run gives the same bytes as the shell pipe.
. "$(dirname "$0")/../cli/lib.sh"
H=$(dirname "$0")
python3 - "$H/corpus" "$H/../spam/corpus" >"$T/docs.jsonl" <<'PY'
import json, os, sys
n = 0
for d in sys.argv[1:]:
    for name in sorted(os.listdir(d)):
        data = open(os.path.join(d, name), "rb").read()
        print(json.dumps({"id": "%s/%s" % (os.path.basename(os.path.dirname(d + "/")), name),
                          "text": data.decode("utf-8", errors="replace")}, ensure_ascii=False))
        n += 1
# and a few raw lines that are not documents at all
print('{"id": "bad", "text": ')
print('not json')
PY
expect_rc 0 "$BIN/refine-pii" "$T/docs.jsonl" --max-pii 3 -o "$T/pii.jsonl" --stats "$T/pii.json"
stats_check "$T/pii.json"
expect_rc 0 "$BIN/refine-spam" "$T/docs.jsonl" -o "$T/spam.jsonl" --stats "$T/spam.json"
stats_check "$T/spam.json"
[ "$(stats_get "$T/pii.json" 's["docs_in"]')" -gt 1500 ] || fail "corpus documents missing"
printf '[pii]\nmax-pii = 3\n[spam]\n' >"$T/p.pipeline"
expect_rc 0 "$BIN/refine" run "$T/p.pipeline" "$T/docs.jsonl" -o "$T/run.jsonl" --stats "$T/run.json" -q
stats_check "$T/run.json"
"$BIN/refine-pii" -q --max-pii 3 "$T/docs.jsonl" | "$BIN/refine-spam" -q >"$T/pipe.jsonl"
same "$T/run.jsonl" "$T/pipe.jsonl"
echo ok
