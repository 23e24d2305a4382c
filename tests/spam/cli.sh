#!/usr/bin/env bash
# refine-spam on the command line: a golden case, rejects keep the input
# text, the accounting invariant, the same bytes for any --threads, options,
# and what the stage does with the planted defects of the example shards.
. "$(dirname "$0")/../cli/lib.sh"
S=$BIN/refine-spam
H=$(dirname "$0")
expect_rc 0 "$S" "$H/golden/input.jsonl" -o "$T/out.jsonl" --rejects "$T/rej.jsonl" --stats "$T/st.json"
same "$H/golden/expected.jsonl" "$T/out.jsonl"
same "$H/golden/expected_rejects.jsonl" "$T/rej.jsonl"
stats_check "$T/st.json"
expect_rc 0 "$S" "$H/golden/input.jsonl" --threads 3 --batch-docs 1 -o "$T/out3.jsonl"
same "$T/out.jsonl" "$T/out3.jsonl"
expect_rc 2 "$S" "$H/golden/input.jsonl" --max-removed 2
# Switching the line rules off leaves boilerplate in place.
expect_rc 0 "$S" "$H/golden/input.jsonl" --no-boilerplate -o "$T/nob.jsonl"
grep -q '무단전재 및 재배포 금지' "$T/nob.jsonl" || fail "--no-boilerplate"

# The example shards: boilerplate documents edited (no known tail left),
# spam documents rejected, clean ones untouched.
zstd -q -dc "$SRC"/examples/shard-0000*.jsonl.zst >"$T/ex.jsonl"
expect_rc 0 "$S" "$T/ex.jsonl" -o "$T/exo.jsonl" --rejects "$T/exr.jsonl" --stats "$T/exs.json"
stats_check "$T/exs.json"
python3 - "$T/ex.jsonl" "$T/exo.jsonl" "$T/exr.jsonl" <<'PY' || fail "example shards"
import json, sys
def load(p):
    out = {}
    for l in open(p, encoding="utf-8", errors="replace"):  # the examples hold invalid UTF-8
        try:
            d = json.loads(l)
        except ValueError:
            continue
        if isinstance(d, dict) and "id" in d:
            out[d["id"]] = d
    return out
src, kept, rej = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
by = {}
for i, d in src.items():
    if "text" not in d:
        continue
    v = "rejected" if i in rej else ("edited" if kept[i]["text"] != d["text"] else "same")
    by.setdefault(d.get("defect"), {}).setdefault(v, 0)
    by[d.get("defect")][v] += 1
for k in sorted(by, key=str):
    print("%-15s %s" % (k, by[k]))
assert by["boilerplate"].get("edited", 0) == sum(by["boilerplate"].values())
assert by["spam"].get("rejected", 0) == sum(by["spam"].values())
assert by["none"].get("same", 0) == sum(by["none"].values())
tails = ["무단전재", "All rights reserved", "이전글", "Subscribe to our newsletter", "We use cookies"]
for i, d in kept.items():
    if src[i].get("defect") == "boilerplate":
        assert not any(t in d["text"] for t in tails), d["text"][-200:]
PY
echo ok
