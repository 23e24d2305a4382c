#!/usr/bin/env bash
# refine-harm against references on real text (~12,000 documents: the mixed
# Korean/English corpus, WikiText, War and Peace, DCLM's labelled web pages):
#   - with LDNOOBW as a hard list, the rejected documents are exactly those
#     C4's bad-words rule rejects (Python re: (?:\W|^)(w1|w2|...)(?:\W|$)
#     over text.lower(), as in TFDS c4_utils and datatrove's C4 filter);
#   - with every shared list and the Korean lists loaded, the Aho-Corasick
#     and PCRE2 engines reject the same documents for the same reasons
#     (soft counts may differ only where matches overlap; both are printed).
. "$(dirname "$0")/../cli/lib.sh"
need_data
H="$BIN/refine-harm"
WL=$DATA/harm/wordlists
(zstd -dc "$DATA/corpora/mixed_ko_en.jsonl.zst"; zstd -dc "$DATA/corpora/en_wikitext2_valid.jsonl.zst"
 zstd -dc "$DATA/corpora/en_war_and_peace.jsonl.zst"; cat "$DATA/quality/dclm_majority_labelled.jsonl") |
    python3 -c '
import json, sys
for i, l in enumerate(sys.stdin.buffer):
    d = json.loads(l)
    print(json.dumps({"id": i, "text": d["text"]}, ensure_ascii=False))' >"$T/all.jsonl"

expect_rc 0 "$H" --no-korean --hard-words "$WL/ldnoobw.txt" "$T/all.jsonl" --rejects "$T/rej.jsonl" \
    -o /dev/null --stats "$T/st.json"
stats_check "$T/st.json"
python3 - "$WL/ldnoobw.txt" "$T/all.jsonl" "$T/rej.jsonl" <<'PY' || fail "differs from C4's bad-words rule"
import json, re, sys
words = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
rx = re.compile(r"(?:\W|^)({})(?:\W|$)".format("|".join(re.escape(w) for w in words)))
c4 = {}
for l in open(sys.argv[2], encoding="utf-8"):
    d = json.loads(l)
    c4[d["id"]] = rx.search(d["text"].lower()) is not None
ours = {json.loads(l)["id"] for l in open(sys.argv[3], encoding="utf-8")}
want = {k for k, v in c4.items() if v}
print(f"{len(c4)} documents: C4 rule rejects {len(want)}, refine-harm {len(ours)}, "
      f"only C4 {len(want - ours)}, only refine {len(ours - want)}")
assert want == ours and len(want) > 100
PY

ALL=(--hard-words "$WL/ldnoobw.txt" --hard-words "$WL/refinedweb_banned_words_hard_reverse_engineered.txt"
     --hard-words "$WL/datatrove_banned_words.txt"
     --soft-words "$WL/refinedweb_banned_words_soft_reverse_engineered.txt"
     --soft-words "$WL/datatrove_soft_banned_words.txt" --soft-threshold 2)
"$H" "${ALL[@]}" --matcher ac "$T/all.jsonl" --rejects "$T/ac.jsonl" -o "$T/ac_kept.jsonl" -q
"$H" "${ALL[@]}" --matcher pcre2 "$T/all.jsonl" --rejects "$T/re.jsonl" -o "$T/re_kept.jsonl" -q
python3 - "$T/ac.jsonl" "$T/re.jsonl" "$T/ac_kept.jsonl" "$T/re_kept.jsonl" <<'PY' || fail "engines disagree"
import json, sys
def rej(p):
    return {json.loads(l)["id"]: json.loads(l)["refine"]["reject"]["reason"] for l in open(p, encoding="utf-8")}
def soft(p):
    return {json.loads(l)["id"]: json.loads(l)["refine"].get("harm_soft") for l in open(p, encoding="utf-8")}
a, r = rej(sys.argv[1]), rej(sys.argv[2])
sa, sr = soft(sys.argv[3]), soft(sys.argv[4])
banned_a = {k for k, v in a.items() if v == "banned_word"}
banned_r = {k for k, v in r.items() if v == "banned_word"}
diff_soft = sum(1 for k in sa if sa[k] != sr.get(k))
print(f"AC rejects {len(a)} ({len(banned_a)} banned_word), PCRE2 {len(r)} ({len(banned_r)}); "
      f"kept documents with other soft counts: {diff_soft}")
assert banned_a == banned_r
assert a == r, sorted(set(a.items()) ^ set(r.items()))[:10]
PY
echo ok
