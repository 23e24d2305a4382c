#!/usr/bin/env bash
# Garbage the project generates (tests/heuristic/garbage.py: word salads,
# repeated lines, menus and link lists, symbol spam, lorem ipsum, code dumped
# into prose; Korean and English): at least 90% of each kind is rejected, and
# every rejection names a rule that detects that kind of garbage.
. "$(dirname "$0")/../cli/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
python3 "$HERE/garbage.py" 100 1 >"$T/g.jsonl" || fail "generator"
"$BIN/refine-heuristic" -q "$T/g.jsonl" -o "$T/kept.jsonl" --rejects "$T/rej.jsonl" --stats "$T/st.json" ||
    fail "refine-heuristic"
stats_check "$T/st.json"
python3 - "$T/kept.jsonl" "$T/rej.jsonl" <<'PY' || fail "garbage not rejected as it should be"
import collections, json, sys
right = {
    "word_salad": {"c4_too_few_sentences", "gopher_few_stop_words", "fineweb_line_punct_ratio"},
    "repeated_lines": {"fineweb_char_dup_ratio"},
    "menu": {"gopher_short_doc", "gopher_below_alpha_ratio", "gopher_too_many_bullets",
             "gopher_few_stop_words", "c4_too_few_sentences", "fineweb_short_line_ratio",
             "fineweb_line_punct_ratio", "fineweb_list_ratio"},
    "symbol_spam": {"gopher_too_many_hashes", "gopher_too_many_ellipsis",
                    "gopher_below_alpha_ratio", "gopher_short_doc"},
    "lorem_ipsum": {"c4_lorem_ipsum"},
    "code_in_prose": {"c4_curly_bracket", "gopher_below_alpha_ratio"},
}
def ok(kind, reason):
    if kind in ("repeated_lines", "menu") and reason.startswith("gopher_rep_"):
        return True
    return reason in right[kind]
total = collections.Counter(); rejected = collections.Counter(); wrong = collections.Counter()
for path, is_rej in ((sys.argv[1], False), (sys.argv[2], True)):
    for line in open(path):
        d = json.loads(line)
        k = (d["lang"], d["kind"])
        total[k] += 1
        if is_rej:
            reason = d["refine"]["reject"]["reason"]
            if ok(d["kind"], reason):
                rejected[k] += 1
            else:
                wrong[(k, reason)] += 1
bad = False
for k in sorted(total):
    rate = rejected[k] / total[k]
    print(f"{k[0]} {k[1]:15s} {total[k]:4d} docs, rejected with the right reason: {rate:.2%}")
    bad |= rate < 0.90
all_rate = sum(rejected.values()) / sum(total.values())
print(f"all: {all_rate:.2%}; other reasons: {dict(wrong)}")
sys.exit(1 if bad or all_rate < 0.90 else 0)
PY
