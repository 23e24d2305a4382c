#!/usr/bin/env bash
# Exactness of the shingling: on a near-duplicate set built from real Korean
# and English documents (../shared/data/corpora), every candidate pair's
# Jaccard that refine-dedup computes (--verify, --pairs-out) must equal the
# Jaccard of an independent Python implementation of the same definition
# (tests/dedup/nearsets.py: unicodedata NFKC + casefold, Unicode categories)
# to 1e-6 (the TSV has six decimals), and so must the verification decisions.
. "$(dirname "$0")/../cli/lib.sh"
need_data
PY=${REFINE_PYTHON:-python3}
cd "$T" || exit 1
export PYTHONPATH=$SRC/tests/dedup
"$PY" - "$DATA" <<'PY' || fail "benchmark generation"
import json, sys, nearsets
texts = nearsets.read_corpus(sys.argv[1] + "/corpora/mixed_ko_en.jsonl.zst", 4000)
texts += nearsets.read_corpus(sys.argv[1] + "/corpora/ko_news_wiki.jsonl.zst", 600)
docs, pairs = nearsets.make_benchmark(texts, families=60, copies=5, unrelated=200, seed=11)
shards = [open(f"b{k}.jsonl", "w") for k in range(3)]
for i, d in enumerate(docs):
    shards[i % 3].write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
for f in shards: f.close()
PY
expect_rc 0 "$BIN/refine-dedup" --minhash b0.jsonl b1.jsonl b2.jsonl --out-dir out --verify 0.5 \
    --pairs-out pairs.tsv
"$PY" - <<'PY' || fail "Jaccard differs from the Python reference"
import json, nearsets
shards = [[json.loads(l)["text"] for l in open(f"b{k}.jsonl")] for k in range(3)]
rows = [l.rstrip("\n").split("\t") for l in open("pairs.tsv")][1:]
assert len(rows) > 200, f"only {len(rows)} candidate pairs"
bad = 0
for s1, o1, s2, o2, jac, acc in rows:
    a = nearsets.shingles(shards[int(s1)][int(o1)])
    b = nearsets.shingles(shards[int(s2)][int(o2)])
    want = nearsets.jaccard(a, b)
    if abs(want - float(jac)) > 1e-6 or (want >= 0.5) != (acc == "1"):
        bad += 1
        if bad <= 5:
            print("pair", s1, o1, s2, o2, "refine", jac, "python", want)
print(f"{len(rows)} candidate pairs, {bad} differ")
assert bad == 0
PY
stats_check out/stats.json
echo ok
