#!/usr/bin/env bash
# Precision and recall of refine-pii per type, enforced: >= 0.95 for every
# structured type on NeMo Curator's inline-tagged English set and on the
# Korean and English sets that build_set.py plants into real corpus text.
. "$(dirname "$0")/../cli/lib.sh"
need_data
H=$(dirname "$0")
python3 "$H/build_set.py" "$DATA" "$T" --docs 800 || fail "building the test sets"
python3 "$H/eval.py" "$BIN/refine-pii" "$T/report.json" "$T/pii_ko.jsonl" "$T/pii_en.jsonl" \
    --nemo "$DATA/pii/nemo_curator_tagged" --min 0.95 || fail "precision/recall below 0.95"
# Hard negatives must survive (dates, versions, ISBNs, orders, prices, ...).
python3 - "$T/report.json" <<'PY' || fail "too many hard negatives detected"
import json, sys
r = json.load(open(sys.argv[1]))
for name in ("pii_ko.jsonl", "pii_en.jsonl"):
    neg = [v for k, v in r.items() if k.endswith(name)][0]["negatives"]
    planted = sum(v["planted"] for v in neg.values())
    hit = sum(v["detected"] for v in neg.values())
    print(name, "hard negatives detected: %d of %d" % (hit, planted))
    assert hit <= 0.01 * planted
PY
echo ok
