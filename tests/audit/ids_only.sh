#!/usr/bin/env bash
# Token-id documents without a text field -- the {"id", "ids"} lines that
# `refine-tokenize encode` writes -- are scored by refine-perplexity
# --ids-field and packed by a [pack] stage in `refine run`. Both used to
# reject every such line as no_text (counted, so the run "succeeded" with
# nothing out).
. "$(dirname "$0")/../cli/lib.sh"
need_data
M="$DATA/models/stories260K/stories260K.gguf"
TK="$DATA/tokenizers/gpt2/tokenizer.json"
[ -f "$M" ] && [ -f "$TK" ] || { echo "skip: stories260K or gpt2 tokenizer missing"; exit 77; }
cd "$T"
python3 - <<'PY'
import json
with open("ids.jsonl", "w") as f:
    for i in range(6):
        f.write(json.dumps({"id": "d%d" % i, "ids": [1, 5 + i, 9, 20, 33, 100 + i]}) + "\n")
    f.write('{"id":"neither"}\n')
PY
expect_rc 0 "$BIN/refine-perplexity" --device cpu --model "$M" --ids-field ids ids.jsonl \
    -o scored.jsonl --rejects rej.jsonl --stats st.json -t 1
stats_check st.json
[ "$(stats_get st.json 's["docs_out"]')" -eq 6 ] || fail "ids-only documents not scored: $(cat st.json)"
[ "$(stats_get st.json 's["reasons"]')" = "{'no_ids': 1}" ] || fail "reasons: $(cat st.json)"
grep -q '"ppl"' scored.jsonl || fail "no ppl annotation"

printf '[pack]\nprefix = ds\ntokenizer = %s\n' "$TK" >pack.pipeline
expect_rc 0 "$BIN/refine" run pack.pipeline ids.jsonl --stats rst.json
stats_check rst.json
[ "$(stats_get rst.json 's["docs_out"]')" -eq 6 ] || fail "refine run [pack] rejected ids-only documents: $(cat rst.json)"
# A stage that needs the text still rejects them as before.
printf '[heuristic]\n[pack]\nprefix = ds2\ntokenizer = %s\n' "$TK" >hp.pipeline
expect_rc 0 "$BIN/refine" run hp.pipeline ids.jsonl --stats hst.json
[ "$(stats_get hst.json 's["stages"][0]["reasons"]["no_text"]')" -eq 7 ] || fail "heuristic took text-less docs"
echo ok
