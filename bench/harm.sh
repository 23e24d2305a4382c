#!/usr/bin/env bash
# bench/harm.sh — refine-harm throughput per thread with every list loaded,
# against refine-cat (the same JSONL reading and writing, no harm checks) in
# the same run:
#   word lists  LDNOOBW, RefinedWeb hard and datatrove banned words (hard),
#               RefinedWeb and datatrove soft words (soft), the built-in
#               Korean lists;
#   URL lists   easylist's ||domain^ rules as a domain blocklist, datatrove's
#               banned / soft / sub-words and RefinedWeb's strict list on the
#               URL field (every document gets a URL for this);
# both word-list engines (Aho-Corasick, PCRE2 JIT), and with the kor_hate
# fastText toxicity classifier on top. For scale, Python's re running C4's
# bad-words rule (LDNOOBW only) over the same texts.
# MB/s are input bytes (decompressed JSONL) per CPU second (user + system:
# the per-thread rate, hardly moved by other jobs on the machine); each
# command runs REPEAT times and the run with the least CPU time is kept.
#
#   bash bench/harm.sh [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
DATA=${REFINE_TESTDATA:-$here/../shared/data}
REPEAT=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
WL=$DATA/harm/wordlists

for f in mixed_ko_en nsmc_reviews ko_news_wiki en_wikitext2_valid en_war_and_peace; do
    zstd -q -dc "$DATA/corpora/$f.jsonl.zst"
done | python3 -c '
import json, sys
with open(sys.argv[1], "wb") as j, open(sys.argv[2], "wb") as t:
    for i, l in enumerate(sys.stdin.buffer):
        d = json.loads(l)
        d["url"] = d.get("url") or f"https://www.site{i % 997}.com/articles/{i}.html"
        j.write(json.dumps(d, ensure_ascii=False).encode() + b"\n")
        t.write(json.dumps(d["text"], ensure_ascii=False).encode() + b"\n")
' "$tmp/docs.jsonl" "$tmp/texts.jsonl"
bytes=$(wc -c <"$tmp/docs.jsonl")
ndocs=$(wc -l <"$tmp/docs.jsonl")

LISTS=(--hard-words "$WL/ldnoobw.txt" --hard-words "$WL/refinedweb_banned_words_hard_reverse_engineered.txt"
       --hard-words "$WL/datatrove_banned_words.txt"
       --soft-words "$WL/refinedweb_banned_words_soft_reverse_engineered.txt"
       --soft-words "$WL/datatrove_soft_banned_words.txt"
       --domains "$DATA/harm/easylist.txt.gz"
       --url-words "$WL/datatrove_banned_words.txt" --url-soft-words "$WL/datatrove_soft_banned_words.txt"
       --url-subwords "$WL/datatrove_banned_subwords.txt"
       --url-subwords "$WL/refinedweb_banned_words_strict_reverse_engineered.txt")

. "$here/bench/cputime.sh"
cat1() { "$BIN/refine-cat" -q --threads 1 "$tmp/docs.jsonl" -o "$tmp/cat.jsonl"; }
harm() { "$BIN/refine-harm" -q --threads 1 "${LISTS[@]}" "$@" "$tmp/docs.jsonl" -o "$tmp/harm.jsonl" --stats "$tmp/st.json"; }
harm_ac() { harm --matcher ac; }
harm_re() { harm --matcher pcre2; }
harm_tox() { harm --matcher ac --toxic-model "$DATA/models/fasttext/kor_hate.bin" --toxic-label hate --toxic-threshold 0.9; }
harm2() { "$BIN/refine-harm" -q --threads 2 "${LISTS[@]}" "$tmp/docs.jsonl" -o "$tmp/harm2.jsonl"; }
pyc4() {
    python3 - "$WL/ldnoobw.txt" "$tmp/texts.jsonl" <<'PY'
import json, re, sys
words = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
rx = re.compile(r"(?:\W|^)({})(?:\W|$)".format("|".join(re.escape(w) for w in words)))
n = sum(1 for l in open(sys.argv[2], encoding="utf-8") if rx.search(json.loads(l).lower()))
PY
}

tc=$(best cat1)
ta=$(best harm_ac)
entries=$(python3 -c "import json; s = json.load(open('$tmp/st.json')); print(s['docs_rejected'], s['reasons'])")
tr=$(best harm_re)
tt=$(best harm_tox)
t2=$(best harm2)
tp=$(best pyc4)
echo "input: $ndocs documents, $(python3 -c "print(round($bytes / 1e6, 1))") MB JSONL; $(nproc) CPUs; best of $REPEAT; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "all lists: rejected $entries"
python3 - "$bytes" "$tc" "$ta" "$tr" "$tt" "$t2" "$tp" <<'PY'
import sys
mb = int(sys.argv[1]) / 1e6
runs = [tuple(map(float, a.split())) for a in sys.argv[2:]]
labels = ["refine-cat --threads 1 (baseline: read, parse, write)",
          "refine-harm, all lists, Aho-Corasick",
          "refine-harm, all lists, PCRE2 JIT",
          "refine-harm, all lists + kor_hate toxicity model",
          "refine-harm, all lists, 2 threads",
          "python3 re, C4 bad-words rule (LDNOOBW only)"]
print(f"{'':<52} {'CPU s':>7} {'wall s':>7} {'MB/CPU-s':>9} {'vs cat':>7}")
for label, (cpu, wall) in zip(labels, runs):
    print(f"{label:<52} {cpu:7.2f} {wall:7.2f} {mb / cpu:9.1f} {runs[0][0] / cpu:7.2f}")
PY
