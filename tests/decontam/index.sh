#!/usr/bin/env bash
# Builds the index over every evaluation set in ../shared/data/benchmarks
# with the shipped spec list (the fixture the other decontam tests use):
# it must build in < 60 s (optimised builds; DC_TIME_LIMIT), print sizes and counts for all eight benchmarks,
# and its SQLite provenance must agree with the printed counts.
. "$(dirname "$0")/../cli/lib.sh"
need_data
[ -d "$DATA/benchmarks" ] || { echo "skip: no benchmarks in shared data"; exit 77; }
DC=${DC_DIR:?DC_DIR not set}
mkdir -p "$DC"
t0=$(date +%s.%N)
"$BIN/refine-decontam" index -o "$DC/bench.dcx" --base "$DATA/benchmarks" \
    --specs "$SRC/pipelines/decontam-benchmarks.txt" 2>"$T/summary" || { cat "$T/summary"; fail "index build"; }
t1=$(date +%s.%N)
cat "$T/summary"
secs=$(python3 -c "print(round($t1 - $t0, 2))")
echo "built in $secs s"
limit=${DC_TIME_LIMIT:-60}
python3 -c "import sys; sys.exit(0 if $t1 - $t0 < $limit else 1)" || fail "index build took $secs s (limit $limit s)"
for b in gsm8k kor_gsm8k humaneval mmlu kmmlu kobest click korquad; do
    grep -Eq "^  $b +[0-9]+ +[0-9]+$" "$T/summary" || fail "no counts for $b"
done
grep -q "bench.dcx: [0-9.]* MB" "$T/summary" || fail "index size not printed"
python3 - "$DC/bench.dcx.sqlite" "$T/summary" <<'PY' || fail "provenance disagrees with the summary"
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
summary = open(sys.argv[2]).read()
for name, items, ngrams in db.execute("SELECT name, items, ngrams FROM benchmarks"):
    m = re.search(r"^  %s +(\d+) +(\d+)$" % re.escape(name), summary, re.M)
    assert m and int(m.group(1)) == items and int(m.group(2)) == ngrams, name
    n_items = db.execute("SELECT count(*) FROM items i JOIN benchmarks b ON b.id = i.benchmark"
                         " WHERE b.name = ?", (name,)).fetchone()[0]
    assert n_items == items, (name, n_items, items)
# expected item counts of the evaluation sets
want = {"gsm8k": 1319, "kor_gsm8k": 1319, "humaneval": 164, "mmlu": 14042, "click": 1995,
        "korquad": 964 + 5774}
for name, n in want.items():
    got = db.execute("SELECT items FROM benchmarks WHERE name = ?", (name,)).fetchone()[0]
    assert got == n, (name, got, n)
distinct = db.execute("SELECT count(DISTINCT hash) FROM ngrams").fetchone()[0]
m = re.search(r"(\d+) distinct", summary)
assert int(m.group(1)) == distinct, (m.group(1), distinct)
PY
echo ok
