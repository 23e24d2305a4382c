#!/usr/bin/env bash
# cli.sh — refine-tokenize from the command line: the exact encode output
# format, ids/null/number ids, empty texts, accounting, identical output for
# any --threads, `refine run` equal to the standalone tool, usage errors and
# unsupported components, stats and a small train run that loads back.
. "$(dirname "$0")/../cli/lib.sh"
need_data
TOK=$BIN/refine-tokenize
GPT2=$DATA/tokenizers/gpt2/tokenizer.json
LLAMA2=$DATA/tokenizers/llama2/tokenizer.json

# --- help and usage ---
for c in "" encode train stats; do
    $TOK $c --help >"$T/help" || fail "--help of '$c' failed"
    grep -q "^Usage: refine-tokenize" "$T/help" || fail "no usage for '$c'"
done
expect_rc 2 $TOK
expect_rc 2 $TOK encode /dev/null
grep -q -- "--tokenizer" "$T/err" || fail "missing --tokenizer not explained"
expect_rc 1 $TOK encode --tokenizer "$T/nope.json" /dev/null
grep -q "nope.json" "$T/err" || fail "missing file not named"
printf '{"model": {"type": "Unigram", "vocab": []}}' >"$T/uni.json"
expect_rc 1 $TOK encode --tokenizer "$T/uni.json" /dev/null
grep -q "unsupported component type 'Unigram'" "$T/err" || { cat "$T/err"; fail "Unigram not named"; }

# --- exact output format (json.dumps layout) ---
cat >"$T/in.jsonl" <<'EOF'
{"id": "a", "text": "Hello world"}
{"id": 7, "text": ""}
{"text": "no id here", "meta": {"x": 1}}
{"id": {"k": [1, 2]}, "text": " 안녕"}
EOF
$TOK encode --tokenizer "$GPT2" "$T/in.jsonl" >"$T/out.jsonl" || fail "encode failed"
cat >"$T/want.jsonl" <<'EOF'
{"id": "a", "ids": [15496, 995]}
{"id": 7, "ids": []}
{"id": null, "ids": [3919, 4686, 994]}
{"id": {"k": [1, 2]}, "ids": [23821, 243, 230, 167, 227, 243]}
EOF
same "$T/out.jsonl" "$T/want.jsonl"
# The default command is encode.
$TOK --tokenizer "$GPT2" "$T/in.jsonl" >"$T/out2.jsonl" || fail "default command failed"
same "$T/out.jsonl" "$T/out2.jsonl"
# Special tokens: llama2 adds <s> (id 1).
$TOK encode --tokenizer "$LLAMA2" --add-special-tokens "$T/in.jsonl" | head -1 >"$T/sp.jsonl"
grep -q '^{"id": "a", "ids": \[1, ' "$T/sp.jsonl" || { cat "$T/sp.jsonl"; fail "no <s> with --add-special-tokens"; }

# --- threads, batches, accounting ---
C=$DATA/corpora/mixed_ko_en.jsonl.zst
$TOK encode --tokenizer "$GPT2" -t 1 "$C" --stats "$T/st1.json" >"$T/t1.jsonl" || fail "t1"
$TOK encode --tokenizer "$GPT2" -t 2 --batch-docs 7 "$C" >"$T/t2.jsonl" || fail "t2"
same "$T/t1.jsonl" "$T/t2.jsonl"
stats_check "$T/st1.json"
[ "$(stats_get "$T/st1.json" 's["docs_out"]')" = "$(count_lines "$T/t1.jsonl")" ] || fail "doc count"
[ "$(stats_get "$T/st1.json" 's["counters"]["tokens"]')" -gt 1000000 ] || fail "tokens counter"
# Malformed lines are counted rejects, never dropped silently.
printf '{"id": 1, "text": "ok"}\nnot json\n{"id": 2}\n' >"$T/bad.jsonl"
$TOK encode --tokenizer "$GPT2" "$T/bad.jsonl" --stats "$T/stb.json" --rejects "$T/rej.jsonl" \
    >"$T/b.jsonl" || fail "bad input run"
stats_check "$T/stb.json"
[ "$(count_lines "$T/b.jsonl")" = 1 ] && [ "$(count_lines "$T/rej.jsonl")" = 2 ] || fail "rejects"

# --- refine run: the same bytes as the standalone tool ---
printf '[tokenize]\ntokenizer = %s\n' "$GPT2" >"$T/p.pipeline"
$BIN/refine run "$T/p.pipeline" "$T/in.jsonl" -q >"$T/run.jsonl" || fail "refine run"
same "$T/run.jsonl" "$T/out.jsonl"
$BIN/refine list | grep -q tokenize || fail "tokenize not registered"

# --- GGUF vocabulary ---
$TOK encode --tokenizer "$DATA/models/llama-2-tiny-random.gguf" "$T/in.jsonl" >"$T/g.jsonl" ||
    fail "gguf encode"
$TOK encode --tokenizer "$LLAMA2" "$T/in.jsonl" >"$T/l2.jsonl"
same "$T/g.jsonl" "$T/l2.jsonl"

# --- stats ---
$TOK stats --tokenizer "$GPT2" "$C" >"$T/fert.json" || fail "stats"
python3 - "$T/fert.json" <<'PY' || fail "stats report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["documents"] == 10707 and d["tokens"] == 3675403, d
h = d["scripts"]["hangul"]
assert h["tokens_per_char"] > 2 and h["tokens_per_word"] > 5, h
assert abs(sum(v["tokens"] for v in d["scripts"].values()) - d["tokens"]) == 0
PY

# --- train: small vocabularies load back and encode ---
for m in byte-fallback byte-level; do
    if [ $m = byte-fallback ]; then opt="--vocab-size 16000"; else opt="--vocab-size 3000 --no-force-hangul"; fi
    $TOK train -q --model $m $opt --shares latin=40,hangul=55 --special "<my>" \
        -o "$T/$m.json" --report "$T/$m.rep.json" "$DATA/corpora/ko_news_wiki.jsonl.zst" ||
        fail "train $m"
    python3 - "$T/$m.json" "$T/$m.rep.json" $m <<'PY' || fail "train output $m"
import json, sys
t = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
v = t["model"]["vocab"]
assert len(v) == len(set(v.values())) and max(v.values()) == len(v) - 1, "ids not dense"
names = [a["content"] for a in t["added_tokens"]]
for s in ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
          "<think>", "</think>", "<my>"]:
    assert s in names and s in v, s
if sys.argv[3] == "byte-fallback":
    assert r["vocab_size"] <= 16000
    assert all(chr(c) in v for c in range(0xAC00, 0xD7A4)), "a Hangul syllable is missing"
    assert all("<0x%02X>" % b in v for b in range(256))
    assert "\u2581" * 16 in v and "\t" * 8 in v, "whitespace runs"
else:
    assert r["vocab_size"] <= 3000
    assert "\u0120" * 16 in v, "space runs"
PY
    echo '{"text": "한국어 문장과 English words."}' | $TOK encode --tokenizer "$T/$m.json" >"$T/e.jsonl" ||
        fail "encode with trained $m"
    grep -q '"ids": \[[0-9]' "$T/e.jsonl" || fail "no ids from trained $m"
done
expect_rc 2 $TOK train --vocab-size 3000 "$C"
grep -q -- "-o tokenizer.json is required" "$T/err" || fail "train without -o"
expect_rc 2 $TOK train --vocab-size 3000 --shares latin=90,hangul=20 -o "$T/x.json" "$C"
expect_rc 2 $TOK train --vocab-size 100 -o "$T/x.json" "$C"
[ ! -e "$T/x.json" ] || fail "failed train left an output"
echo "ok"
