#!/usr/bin/env bash
# cli.perplexity — refine-perplexity end to end on stories260K: annotations,
# every reject reason, the accounting invariant, identical output for any
# --threads/--batch-docs/--batch-tokens, thresholds, one model per language,
# calibrate + --cutoffs + --keep, the text-input error, `refine run`, and
# errors for bad models and options.
source "$(dirname "$0")/../cli/lib.sh"
need_data
M=$DATA/models/stories260K
PP=$BIN/refine-perplexity
GEN=${REFINE_PPL_MODELS:?}

python3 - "$T/in.jsonl" <<'PY'
import json, random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(45):
        n = 700 if i == 5 else r.choice([2, 3, 17, 100, 300])
        d = {"id": "d%d" % i, "text": "t", "ids": [r.randrange(512) for _ in range(n)]}
        if i % 3 == 0:
            d["refine"] = {"lang": "ko"}
        elif i % 3 == 1:
            d["refine"] = {"lang": "en"}
        f.write(json.dumps(d) + "\n")
    f.write('{"id":"noids","text":"t"}\n')
    f.write('{"id":"short","text":"t","ids":[5]}\n')
    f.write('{"id":"neg","text":"t","ids":[5,-1]}\n')
    f.write('{"id":"big","text":"t","ids":[5,512]}\n')
    f.write('{"id":"str","text":"t","ids":"1 2 3"}\n')
PY

# Scores, reasons and the invariant.
expect_rc 0 "$PP" --model "$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" -o "$T/out1.jsonl" \
    --rejects "$T/rej.jsonl" --stats "$T/st.json" -t 1
stats_check "$T/st.json"
[ "$(stats_get "$T/st.json" 's["docs_out"]')" = 45 ] || fail "45 documents should be scored"
[ "$(stats_get "$T/st.json" 's["reasons"]')" = "{'bad_ids': 3, 'no_ids': 1, 'too_few_tokens': 1}" ] ||
    fail "reasons: $(stats_get "$T/st.json" 's["reasons"]')"
python3 - "$T/in.jsonl" "$T/out1.jsonl" <<'PY' || fail "annotations wrong"
import json, math, sys
inp = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1])}
for line in open(sys.argv[2]):
    d = json.loads(line)
    r = d["refine"]
    assert r["tokens"] == len(inp[d["id"]]["ids"]), d
    assert abs(r["ppl"] - math.exp(r["nll_mean"])) <= 1e-5 * r["ppl"], r
    assert 0.5 < r["nll_mean"] < 20, r
    assert list(r)[-3:] == ["ppl", "nll_mean", "tokens"], r
PY

# Same bytes for other thread counts, batch sizes and token budgets; the
# safetensors copy gives the same annotations within 1e-5 relative.
expect_rc 0 "$PP" --model "$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" -o "$T/out2.jsonl" \
    -t 2 --batch-docs 7 --batch-tokens 1500
same "$T/out1.jsonl" "$T/out2.jsonl"
expect_rc 0 "$PP" --model "$M" --ids-field ids "$T/in.jsonl" -o "$T/out3.jsonl" -t 2
python3 - "$T/out1.jsonl" "$T/out3.jsonl" <<'PY' || fail "GGUF and safetensors disagree"
import json, sys
for a, b in zip(open(sys.argv[1]), open(sys.argv[2])):
    x, y = json.loads(a)["refine"], json.loads(b)["refine"]
    assert abs(x["nll_mean"] - y["nll_mean"]) <= 1e-5 * abs(x["nll_mean"]), (x, y)
PY

# Windows: a different context changes long documents only.
expect_rc 0 "$PP" --model "$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" -o "$T/w.jsonl" \
    --max-context 128 --stride 100
python3 - "$T/out1.jsonl" "$T/w.jsonl" <<'PY' || fail "windows"
import json, sys
for a, b in zip(open(sys.argv[1]), open(sys.argv[2])):
    x, y = json.loads(a)["refine"], json.loads(b)["refine"]
    if x["tokens"] <= 128:
        assert x == y, (x, y)
    elif x["tokens"] == 300:
        assert x != y
PY

# Thresholds, global and per language.
expect_rc 0 "$PP" --model "$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" -o "$T/th.jsonl" \
    --max-ppl 400 --min-ppl ko=100 --stats "$T/st2.json"
stats_check "$T/st2.json"
python3 - "$T/out1.jsonl" "$T/th.jsonl" <<'PY' || fail "thresholds"
import json, sys
want = []
for l in open(sys.argv[1]):
    d = json.loads(l)
    p, lang = d["refine"]["ppl"], d["refine"].get("lang")
    if p <= 400 and not (lang == "ko" and p < 100):
        want.append(d["id"])
got = [json.loads(l)["id"] for l in open(sys.argv[2])]
assert got == want and 0 < len(got) < 45, (len(got), len(want))
PY

# One model per language: ko scored by the tiny random model, the rest by
# stories260K; with only a ko model the others pass unscored.
expect_rc 0 "$PP" --model "ko=$GEN/tiny.gguf" --model "$M/stories260K.gguf" --ids-field ids \
    "$T/in.jsonl" -o "$T/ml.jsonl" --rejects "$T/rej2.jsonl"
grep -c '"lang":"ko"' "$T/rej2.jsonl" >/dev/null || fail "ids >= 64 of ko documents should be bad_ids for the tiny model"
expect_rc 0 "$PP" --model "ko=$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" -o "$T/ko.jsonl" \
    --stats "$T/st3.json"
[ "$(stats_get "$T/st3.json" 's["counters"]["unscored_no_model"]')" -gt 25 ] || fail "unscored"
[ "$(grep -c '"ppl"' "$T/ko.jsonl")" = 15 ] || fail "only ko documents are scored"

# calibrate -> cutoffs -> buckets.
expect_rc 0 "$PP" calibrate --model "$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" \
    -o "$T/cut.tsv" --percentiles 30,60
[ ! -s "$T/err" ] || grep -q "cutoffs for 3 language" "$T/err" || fail "calibrate summary"
python3 - "$T/out1.jsonl" "$T/cut.tsv" <<'PY' || fail "calibrate cutoffs"
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if not l.startswith("#")]
assert rows[0] == ["lang", "docs", "p30", "p60"], rows[0]
by = {}
for l in open(sys.argv[1]):
    r = json.loads(l)["refine"]
    by.setdefault(r.get("lang", "*"), []).append(r["ppl"])
def pct(v, p):
    v = sorted(v); pos = p / 100 * (len(v) - 1); lo = int(pos)
    return v[lo] if lo + 1 >= len(v) else v[lo] + (v[lo + 1] - v[lo]) * (pos - lo)
for lang, docs, a, b in rows[1:]:
    assert int(docs) == len(by[lang])
    assert abs(float(a) - pct(by[lang], 30)) <= 1e-5 * float(a), (lang, a)
    assert abs(float(b) - pct(by[lang], 60)) <= 1e-5 * float(b), (lang, b)
assert len(rows) == 4
PY
expect_rc 0 "$PP" --model "$M/stories260K.gguf" --ids-field ids "$T/in.jsonl" -o "$T/b.jsonl" \
    --cutoffs "$T/cut.tsv" --keep head,middle --stats "$T/st4.json"
stats_check "$T/st4.json"
python3 - "$T/b.jsonl" "$T/st4.json" <<'PY' || fail "buckets"
import json, sys
rows = [json.loads(l)["refine"] for l in open(sys.argv[1])]
assert rows and all(r["ppl_bucket"] in ("head", "middle") for r in rows)
s = json.load(open(sys.argv[2]))
assert s["reasons"]["ppl_bucket_tail"] >= 12, s["reasons"]
PY
expect_rc 2 "$PP" --model "$M/stories260K.gguf" --ids-field ids --keep head "$T/in.jsonl"
grep -q "needs --cutoffs" "$T/err" || fail "--keep without --cutoffs"

# refine run with a [perplexity] section equals the tool.
printf '[perplexity]\nmodel = %s\nids-field = ids\n' "$M/stories260K.gguf" >"$T/p.pipeline"
expect_rc 0 "$BIN/refine" run "$T/p.pipeline" "$T/in.jsonl" -o "$T/run.jsonl" -q
same "$T/out1.jsonl" "$T/run.jsonl"

# Neither --tokenizer nor --ids-field (or both): a usage error.
expect_rc 2 "$PP" --model "$M/stories260K.gguf" "$T/in.jsonl"
grep -q "either --tokenizer" "$T/err" || fail "text input message"
expect_rc 2 "$PP" --model "$M/stories260K.gguf" --ids-field ids --tokenizer x "$T/in.jsonl"

# Text input: --tokenizer encodes the text (HF-exact ids, BOS added by the
# post-processor unless --no-add-special-tokens) and scores exactly what
# --ids-field scores for the ids refine-tokenize writes. The Llama 2 GGUF's
# own vocabulary serves as the tokenizer.
G=$DATA/models/llama-2-tiny-random.gguf
zstd -dc "$DATA/corpora/mixed_ko_en.jsonl.zst" | head -40 >"$T/text.jsonl"
printf '%s\n' '{"id":"empty","text":""}' '{"id":"one","text":"a"}' >>"$T/text.jsonl"
for special in "" --no-add-special-tokens; do
    expect_rc 0 "$PP" --model "$G" --tokenizer "$G" $special "$T/text.jsonl" -o "$T/tp.jsonl" \
        --rejects "$T/tp.rej" --stats "$T/tp.json" -t 2
    stats_check "$T/tp.json"
    expect_rc 0 "$BIN/refine-tokenize" encode --tokenizer "$G" \
        $([ -z "$special" ] && echo --add-special-tokens) "$T/text.jsonl" -o "$T/tids.jsonl"
    python3 - "$T" <<'PY' || fail "text path differs from the ids path ($special)"
import json, sys
t = sys.argv[1]
with open(f"{t}/tboth.jsonl", "w") as f:
    for d, i in zip(open(f"{t}/text.jsonl"), open(f"{t}/tids.jsonl")):
        d = json.loads(d)
        d["ids"] = json.loads(i)["ids"]
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
PY
    expect_rc 0 "$PP" --model "$G" --ids-field ids "$T/tboth.jsonl" -o "$T/ip.jsonl" --rejects "$T/ip.rej"
    python3 - "$T" <<'PY' || fail "text path differs from the ids path ($special)"
import json, sys
t = sys.argv[1]
a = [json.loads(l) for l in open(f"{t}/tp.jsonl")]
b = [json.loads(l) for l in open(f"{t}/ip.jsonl")]
assert len(a) == len(b) and len(a) >= 40, (len(a), len(b))
for x, y in zip(a, b):
    assert x["id"] == y["id"] and x["refine"] == y["refine"], (x["id"], x["refine"], y["refine"])
ra = sorted(json.loads(l)["refine"]["reject"]["reason"] for l in open(f"{t}/tp.rej"))
rb = sorted(json.loads(l)["refine"]["reject"]["reason"] for l in open(f"{t}/ip.rej"))
assert ra == rb and "too_few_tokens" in ra, (ra, rb)
PY
done
# The token counts are HF tokenizers' (llama2 tokenizer.json, add_special_tokens=True).
if [ -n "${REFINE_PYTHON:-}" ] && "$REFINE_PYTHON" -c "import tokenizers" 2>/dev/null; then
    expect_rc 0 "$PP" --model "$G" --tokenizer "$G" "$T/text.jsonl" -o "$T/tp.jsonl"
    "$REFINE_PYTHON" - "$T" "$DATA/tokenizers/llama2/tokenizer.json" <<'PY' || fail "token counts differ from HF"
import json, sys
from tokenizers import Tokenizer
t, tj = sys.argv[1], sys.argv[2]
tok = Tokenizer.from_file(tj)
want = {}
for l in open(f"{t}/text.jsonl"):
    d = json.loads(l)
    want[d["id"]] = len(tok.encode(d["text"], add_special_tokens=True).ids)
for l in open(f"{t}/tp.jsonl"):
    d = json.loads(l)
    assert d["refine"]["tokens"] == want[d["id"]], (d["id"], d["refine"]["tokens"], want[d["id"]])
PY
fi
# A tokenizer whose ids do not fit the model is refused.
expect_rc 2 "$PP" --model "$M/stories260K.gguf" --tokenizer "$G" "$T/text.jsonl"
grep -q "not this model's tokenizer" "$T/err" || fail "tokenizer/model mismatch message"
# Bad models and options.
expect_rc 1 "$PP" --model "$DATA/corpora/formats/test.jsonl" --ids-field ids "$T/in.jsonl"
grep -q "error:" "$T/err" || fail "bad model message"
head -c 50000 "$M/stories260K.gguf" >"$T/trunc.gguf"
expect_rc 1 "$PP" --model "$T/trunc.gguf" --ids-field ids "$T/in.jsonl"
grep -q "outside the data section" "$T/err" || fail "truncated model message"
expect_rc 2 "$PP" --model "$M/stories260K.gguf" --ids-field ids --stride 512 "$T/in.jsonl"
expect_rc 2 "$PP" --ids-field ids "$T/in.jsonl"
expect_rc 1 "$PP" --model "$G" --tokenizer "$T/in.jsonl" "$T/text.jsonl"
if [ "$("$BIN/refine-perplexity" --help | grep -c calibrate)" -lt 1 ]; then fail "help"; fi
expect_rc 0 "$PP" calibrate --help
exit 0
