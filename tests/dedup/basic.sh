#!/usr/bin/env bash
# refine-dedup all-in-one on hand-made shards: exact duplicates (after
# normalisation) are dup_exact, near duplicates dup_minhash, with the cluster
# and kept document in the detail; outputs keep their input's name and
# compression; an empty shard and a one-document shard pass; malformed lines
# are rejects; the accounting invariant holds; --exact / --minhash alone,
# --keep-max, --annotate, --explain and the usage errors.
. "$(dirname "$0")/../cli/lib.sh"
cd "$T" || exit 1
D=$BIN/refine-dedup
mkdir in
python3 - <<'PY'
import gzip, json, subprocess
A = ("The committee met on Tuesday to discuss the new budget for the city library, "
     "which has been closed for repairs since the storm damaged its roof last winter.")
B = ("Researchers found that the migratory birds changed their routes after the "
     "wetlands dried out, flying hundreds of kilometres further east than before.")
K = "오늘 아침 시장은 새로운 도서관 예산안을 발표했으며 시민들은 대체로 환영하는 분위기였다 2024년"
L = "서울 지하철 노선이 연장되면서 출퇴근 시간이 크게 줄어들 것으로 보인다고 관계자가 말했다"
def line(i, t, **kw):
    d = {"id": i, "text": t}
    d.update(kw)
    return json.dumps(d, ensure_ascii=False) + "\n"
with open("in/a.jsonl", "w") as f:
    f.write(line("a1", A, score=1))
    f.write(line("a2", B))
    f.write(line("a3", "  " + A.upper().replace(" ", "   ") + " ", score=5))   # exact (normalised)
    f.write("this is not json\n")
    f.write(line("a5", "hi"))
with open("in/b.jsonl", "w") as f:
    f.write(line("b1", A.replace("last winter", "last year"), score=3))       # near duplicate
    f.write(line("b2", K))
    f.write(line("b3", K.replace("2024년", "1999년!")))                        # punct/digits only
    f.write(line("b4", "hi"))
subprocess.run(["zstd", "-q", "--rm", "in/b.jsonl"], check=True)
with gzip.open("in/c.jsonl.gz", "wt") as f:
    f.write(line("c1", B))
    f.write(line("c2", L))
open("in/e.jsonl", "w").close()
with open("in/o.jsonl", "w") as f:
    f.write(line("o1", "a single document in its own shard, unlike any other one here"))
PY
IN="in/a.jsonl in/b.jsonl.zst in/c.jsonl.gz in/e.jsonl in/o.jsonl"

expect_rc 0 "$D" $IN --out-dir out --annotate
for f in a.jsonl b.jsonl.zst c.jsonl.gz e.jsonl o.jsonl; do
    [ -f out/$f ] || fail "no output out/$f"
    [ -f out/rejects/$f ] || fail "no rejects out/rejects/$f"
done
[ ! -e out/.dedup-work ] || fail "work dir left behind after success"
[ "$(head -c4 out/b.jsonl.zst | od -An -tx1 | tr -d ' ')" = "28b52ffd" ] || fail "b is not zstd"
[ "$(head -c2 out/c.jsonl.gz | od -An -tx1 | tr -d ' ')" = "1f8b" ] || fail "c is not gzip"
[ ! -s out/e.jsonl ] || fail "empty shard gave output"
"$BIN/refine-cat" -q in/o.jsonl -o o.cat.jsonl && same out/o.jsonl o.cat.jsonl
stats_check out/stats.json
[ "$(stats_get out/stats.json 's["docs_in"]')" = 12 ] || fail "docs_in"
[ "$(stats_get out/stats.json 's["reasons"]')" = "{'dup_exact': 3, 'dup_minhash': 2, 'malformed_json': 1}" ] ||
    fail "reasons: $(stats_get out/stats.json 's["reasons"]')"
[ "$(stats_get out/stats.json 's["counters"]["minhash_short_docs"]')" = 2 ] || fail "short docs not counted"

python3 - <<'PY' || fail "kept/removed documents or details are wrong"
import gzip, json, subprocess
def read(p):
    if p.endswith(".zst"):
        data = subprocess.run(["zstd", "-q", "-dc", p], capture_output=True, check=True).stdout.decode()
    elif p.endswith(".gz"):
        data = gzip.open(p, "rt").read()
    else:
        data = open(p).read()
    return [json.loads(l) for l in data.splitlines()]
kept = {d["id"]: d for f in ["a.jsonl", "b.jsonl.zst", "c.jsonl.gz", "o.jsonl"] for d in read("out/" + f)}
rej = {d.get("id", "?"): d["refine"]["reject"] for f in ["a.jsonl", "b.jsonl.zst", "c.jsonl.gz"]
       for d in read("out/rejects/" + f)}
assert sorted(kept) == ["a1", "a2", "a5", "b2", "c2", "o1"], sorted(kept)
assert rej["a3"]["reason"] == "dup_exact" and rej["a3"]["detail"].endswith("size 2, kept a.jsonl:1"), rej["a3"]
assert rej["b1"]["reason"] == "dup_minhash" and rej["b1"]["detail"] == "cluster 0:1, size 3, kept a.jsonl:1", rej["b1"]
assert rej["b3"]["reason"] == "dup_minhash" and rej["b3"]["detail"].endswith("kept b.jsonl.zst:2"), rej["b3"]
assert rej["b4"]["reason"] == "dup_exact" and "kept a.jsonl:5" in rej["b4"]["detail"], rej["b4"]
assert rej["c1"]["reason"] == "dup_exact" and "kept a.jsonl:2" in rej["c1"]["detail"], rej["c1"]
assert rej["?"]["reason"] == "malformed_json" and rej["?"]["line"] == 4
assert kept["a1"]["refine"] == {"dup_cluster": "0:1", "dup_cluster_size": 3}, kept["a1"]
assert "refine" not in kept["o1"]
PY

# One method at a time: without minhash the near duplicates stay; without
# exact the exact ones are near duplicates too.
expect_rc 0 "$D" --exact $IN --out-dir ox
[ "$(stats_get ox/stats.json 's["reasons"]')" = "{'dup_exact': 3, 'malformed_json': 1}" ] || fail "--exact"
expect_rc 0 "$D" --minhash $IN --out-dir om
[ "$(stats_get om/stats.json 's["reasons"]')" = "{'dup_minhash': 5, 'malformed_json': 1}" ] || fail "--minhash"

# Character shingles find the Korean near duplicate too.
expect_rc 0 "$D" --minhash $IN --out-dir oc --shingle char --ngram 7
grep -q '"b3".*dup_minhash' oc/rejects/b.jsonl.zst 2>/dev/null ||
    zstd -q -dc oc/rejects/b.jsonl.zst | grep -q '"b3".*dup_minhash' || fail "--shingle char"

# --keep-max: the highest score is kept (a3 has 5, b1 has 3, a1 has 1).
expect_rc 0 "$D" $IN --out-dir ok --keep-max score
grep -q '"a3"' ok/a.jsonl || fail "--keep-max did not keep the highest score"
grep -q '"a1".*dup_exact.*kept a.jsonl:3' ok/rejects/a.jsonl || fail "--keep-max detail"

# Threads and batch sizes do not change anything.
expect_rc 0 "$D" $IN --out-dir o3 --annotate -t 3 --batch-docs 1
for f in a.jsonl b.jsonl.zst c.jsonl.gz e.jsonl o.jsonl rejects/a.jsonl rejects/b.jsonl.zst; do
    same out/$f o3/$f
done

# An exact copy of a near duplicate names the document that is kept in the
# end (its MinHash cluster's), not the removed near duplicate.
python3 - <<'PY'
import json
X = ("the river flooded the lower town after three days of rain and the mayor "
     "ordered the schools to close until the water went down again next week")
Y = X.replace("next week", "next month")
with open("x.jsonl", "w") as f:
    for i, t in [("x", X), ("y", Y), ("y2", Y.upper())]:
        f.write(json.dumps({"id": i, "text": t}) + "\n")
PY
expect_rc 0 "$D" x.jsonl --out-dir ox2
grep -q '"y2".*dup_exact.*kept x.jsonl:1"' ox2/rejects/x.jsonl || fail "exact copy detail does not name the kept document"
grep -q '"y".*dup_minhash.*kept x.jsonl:1"' ox2/rejects/x.jsonl || fail "near duplicate detail"

# --explain prints the S-curve.
expect_rc 0 "$D" minhash --explain >explain.txt
grep -q "1 - (1 - J^8)^14" explain.txt || fail "--explain formula"
grep -q "^  0.80     0.923" explain.txt || fail "--explain P(0.8)"
expect_rc 0 "$D" minhash --explain --bands 20 --rows 5 >explain2.txt
grep -q "20 bands x 5 rows" explain2.txt || fail "--explain options"

# Help and usage errors.
for s in "" "minhash" "exact" "minhash signatures" "exact resolve" "minhash filter"; do
    expect_rc 0 "$D" $s --help >h.txt
    grep -q "Usage:" h.txt || fail "refine-dedup $s --help"
done
expect_rc 0 "$BIN/refine" dedup --help >h.txt
expect_rc 2 "$D" $IN
grep -q "missing --out-dir" "$T/err" || fail "missing --out-dir message"
expect_rc 2 "$D" --out-dir x
expect_rc 2 "$D" - --out-dir x
expect_rc 2 "$D" minhash frobnicate --work-dir w
expect_rc 2 "$D" minhash --work-dir w
expect_rc 2 "$D" $IN --out-dir x -o y
mkdir -p in2 && cp in/a.jsonl in2/a.jsonl
expect_rc 2 "$D" in/a.jsonl in2/a.jsonl --out-dir x
grep -q "same file name" "$T/err" || fail "name clash message"
tar -cf in/t.tar -C in a.jsonl
expect_rc 2 "$D" in/t.tar --out-dir x
grep -q "tar archive" "$T/err" || fail "tar message"
expect_rc 2 "$D" $IN --out-dir x --verify 1.5
expect_rc 2 "$D" --exact $IN --out-dir x --verify 0.8
expect_rc 1 "$D" in/missing.jsonl --out-dir x
echo ok
