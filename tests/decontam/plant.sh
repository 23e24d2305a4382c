#!/usr/bin/env bash
# Real evaluation items planted in real documents (tests/decontam/plant.py:
# exact copies, case, punctuation and whitespace changes, Korean items in
# Korean text, HumanEval functions in code files, short KorQuAD questions)
# are all found in drop mode; in excise mode the matched region +-200
# characters is cut out and the surrounding text is kept byte for byte; the
# excised output contains no leak any more; the report names the benchmarks.
. "$(dirname "$0")/../cli/lib.sh"
need_data
IDX=${DC_DIR:?}/bench.dcx
[ -f "$IDX" ] || { echo "skip: no index (cli.decontam_index did not run)"; exit 77; }
cd "$T"
python3 "$SRC/tests/decontam/plant.py" "$DATA" planted.jsonl || fail "planting"
n=$(count_lines planted.jsonl)
[ "$n" -ge 100 ] || fail "only $n planted documents"

"$BIN/refine-decontam" -q --index "$IDX" planted.jsonl -o kept.jsonl --rejects rej.jsonl \
    --stats drop.json --matches m.tsv || fail "drop run"
stats_check drop.json
[ "$(count_lines kept.jsonl)" = 0 ] || {
    python3 -c "import json,sys; [print('MISSED', d['kind'], d['bench'], d['text'][d['item_start']:d['item_end']][:200]) for d in map(json.loads, open('kept.jsonl'))]"
    fail "planted items missed"
}
[ "$(stats_get drop.json 's["reasons"]["decontam"]')" = "$n" ] || fail "reject count"
python3 - rej.jsonl <<'PY' || fail "reject details do not name the planted benchmark"
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    r = d["refine"]["reject"]
    assert r["stage"] == "decontam" and r["reason"] == "decontam", r
    want = "korquad" if d["bench"] == "korquad_question" else d["bench"]
    assert want in r["detail"].split(";")[0], (want, r["detail"])
    assert "; item " in r["detail"], r["detail"]
PY
echo "drop: $n of $n planted documents rejected"

# The report: a table per benchmark and the most frequent n-grams.
"$BIN/refine-decontam" report --index "$IDX" --matches m.tsv --top 5 drop.json >report.txt \
    || fail "report"
cat report.txt
grep -Eq "^gsm8k +1319 +[0-9]+ +24 +[0-9]+$" report.txt || fail "report: gsm8k row"
grep -Eq "^humaneval +164 +[0-9]+ +12 +[0-9]+$" report.txt || fail "report: humaneval row"
grep -q "^top 5 matched n-grams" report.txt || fail "report: n-gram list"
[ "$(grep -Ec '^ +[0-9]+ +[0-9]+ +[0-9]+  [a-z_]+ ' report.txt)" = 5 ] || fail "report: 5 n-gram rows"

# Excise: every planted document loses the item, the rest stays byte-exact.
"$BIN/refine-decontam" -q --index "$IDX" --mode excise planted.jsonl -o ex.jsonl \
    --rejects exrej.jsonl --stats ex.json || fail "excise run"
stats_check ex.json
python3 - planted.jsonl ex.jsonl <<'PY' || fail "excision is not byte-exact"
import json, sys
src = {d["id"]: d for d in map(json.loads, open(sys.argv[1]))}
exact = checked = 0
WS = " \t\n\r\x0b\x0c"
def chunk(text, i):
    """The whitespace-delimited chunk around index i."""
    a = i
    while a > 0 and text[a - 1] not in WS:
        a -= 1
    b = i
    while b < len(text) and text[b] not in WS:
        b += 1
    return a, b
def simple(c):
    return ord(c) < 128 or 0xAC00 <= ord(c) <= 0xD7A3
def bounds(text, s, e):
    """Where the stage's token spans start and end: at the letter itself in
    a chunk of ASCII and Hangul only, else at the chunk's edge (ngram.h)."""
    a, b = chunk(text, s)
    left = s if all(simple(c) for c in text[a:b]) else a
    a, b = chunk(text, e - 1)
    right = e if all(simple(c) for c in text[a:b]) else b
    return left, right
for d in map(json.loads, open(sys.argv[2])):
    o = src[d["id"]]
    t, out = o["text"], d["text"]
    ann = d["refine"]["decontam"]
    assert ann["regions"] >= 1 and ann["fragments"] >= 1, ann
    # Fragments are joined by "\n\n"; the first is a prefix, the last a suffix.
    s, e = bounds(t, o["item_start"], o["item_end"])
    if ann["regions"] == 1 and ann["fragments"] == 2:
        if out == t[:max(0, s - 200)] + "\n\n" + t[e + 200:]:
            exact += 1
        else:
            # the match did not reach the item's edges (an n-gram there is in
            # more than --max-item-freq items): still a prefix and a suffix
            ok = False
            for x in range(len(out) - 1):
                if out[x:x + 2] == "\n\n" and t.startswith(out[:x]) and t.endswith(out[x + 2:]):
                    ok = x <= s and len(t) - len(out[x + 2:]) >= e
                    if ok:
                        break
            assert ok, (d["id"], o["kind"], len(out))
    else:
        # the kept text is made of byte-exact pieces of the original
        for piece in out.split("\n\n"):
            assert piece == "" or piece in t, d["id"]
    leak = t[o["item_start"]:o["item_end"]]
    assert leak not in out, d["id"]
    checked += 1
assert checked >= 0.9 * len(src), (checked, len(src))
assert exact >= 0.8 * checked, (exact, checked)
print(f"excise: {checked} documents kept, {exact} equal to original[:start-200] + '\\n\\n' + original[end+200:]")
PY
"$BIN/refine-decontam" -q --index "$IDX" ex.jsonl -o again.jsonl --stats again.json || fail "re-run"
[ "$(stats_get again.json 's["docs_rejected"]')" = 0 ] || fail "excised output still leaks"
echo ok
