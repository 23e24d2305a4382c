#!/usr/bin/env bash
# Output regression check for refine-spam: speed work must not change a
# byte of what the stage writes. On every corpus of ../shared/data/corpora
# and on the example shards it runs the stage (one thread) and digests the
# kept documents, the rejects and the stats (timing fields dropped).
#
# Under ctest (cli.spam_regress) the digests must equal
# tests/spam/golden/corpora.sha256, recorded with the stage as merged
# before the speed-up (main at 9107e00). By hand:
#   bash tests/spam/regress.sh --compare OLD_BIN_DIR NEW_BIN_DIR
#       full byte comparison of two builds' outputs (diff on mismatch)
#   bash tests/spam/regress.sh --update
#       rewrite the golden digests (only for a deliberate output change)
. "$(dirname "$0")/../cli/lib.sh"
need_data
H=$(cd "$(dirname "$0")" && pwd)
GOLD=$H/golden/corpora.sha256
inputs=("$DATA"/corpora/*.jsonl.zst "$SRC"/examples/shard-0000*.jsonl.zst)

# run BIN_DIR INPUT PREFIX: writes PREFIX.{out,rej,stats}. The input is
# named relative to its folder: reject records of malformed lines carry the
# input's name, which must not depend on where the checkout lives.
run() {
    (cd "$(dirname "$2")" &&
        "$1/refine-spam" -q --threads 1 "$(basename "$2")" -o "$3.out" --rejects "$3.rej" \
            --stats "$3.st") || fail "refine-spam failed on $2"
    python3 - "$3.st" >"$3.stats" <<'PY' || fail "stats of $2"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("stage_seconds", "stage_cpu_seconds", "seconds", "threads", "version"):
    s.pop(k, None)
print(json.dumps(s, sort_keys=True))
PY
}

digest() { cat "$1.out" "$1.rej" "$1.stats" | sha256sum | cut -d' ' -f1; }

mode=${1:-check}
case $mode in
--compare)
    old=${2:?OLD_BIN_DIR}
    new=${3:?NEW_BIN_DIR}
    for f in "${inputs[@]}"; do
        b=$(basename "$f" .jsonl.zst)
        run "$old" "$f" "$T/old"
        run "$new" "$f" "$T/new"
        for x in out rej stats; do same "$T/old.$x" "$T/new.$x"; done
        echo "same: $b ($(count_lines "$T/new.out") kept, $(count_lines "$T/new.rej") rejected," \
            "$(wc -c <"$T/new.out") bytes out)"
    done
    ;;
--update | check)
    : >"$T/digests"
    for f in "${inputs[@]}"; do
        b=$(basename "$f" .jsonl.zst)
        run "$BIN" "$f" "$T/r"
        echo "$(digest "$T/r")  $b" >>"$T/digests"
    done
    if [ "$mode" = --update ]; then
        cp "$T/digests" "$GOLD"
        cat "$GOLD"
    else
        diff "$GOLD" "$T/digests" >&2 || fail "refine-spam output changed (see tests/spam/regress.sh)"
    fi
    ;;
*) fail "usage: regress.sh [--compare OLD_BIN NEW_BIN | --update]" ;;
esac
echo ok
