#!/usr/bin/env bash
# refine-spam on its measurement set (real news/wiki/book/review text with
# generated boilerplate, generated spam, clean documents), enforced: >= 90%
# of added boilerplate lines removed with >= 99% of body lines byte-exact,
# >= 90% of spam rejected, >= 98% of clean documents unchanged.
. "$(dirname "$0")/../cli/lib.sh"
need_data
H=$(dirname "$0")
python3 "$H/build_set.py" "$DATA" "$T/set.jsonl" || fail "building the test set"
python3 "$H/eval.py" "$BIN/refine-spam" "$T/set.jsonl" "$T/report.json" --check || fail "targets missed"
echo ok
