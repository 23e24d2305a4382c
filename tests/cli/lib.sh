# lib.sh — helpers sourced by the CLI tests. Each test is a bash script run by
# ctest with REFINE_BIN (the build's bin/), REFINE_TESTDATA (../shared/data)
# and REFINE_SRC (the source tree). Exit 0 pass, 1 fail, 77 skip.
set -u
BIN=${REFINE_BIN:?REFINE_BIN not set}
DATA=${REFINE_TESTDATA:-}
SRC=${REFINE_SRC:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/refine-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_rc N cmd...: runs cmd, stderr to $T/err, fails unless it exits N.
expect_rc() {
    local want=$1
    shift
    "$@" 2>"$T/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        cat "$T/err" >&2
        fail "expected exit $want, got $rc: $*"
    fi
}

need_data() {
    [ -n "$DATA" ] && [ -d "$DATA/corpora" ] || { echo "skip: shared test data not found"; exit 77; }
}

same() { cmp -s "$1" "$2" || { diff <(head -c 2000 "$1") <(head -c 2000 "$2") | head -20 >&2; fail "$1 and $2 differ"; }; }

# stats_check FILE: the accounting invariant holds for the stage object(s).
stats_check() {
    python3 - "$1" <<'PY' || fail "stats invariant broken in $1"
import json, sys
s = json.load(open(sys.argv[1]))
stages = s.get("stages", [s])
for st in stages:
    assert st["docs_in"] == st["docs_out"] + st["docs_rejected"], st
    assert sum(st["reasons"].values()) == st["docs_rejected"], st
for a, b in zip(stages, stages[1:]):
    assert a["docs_out"] == b["docs_in"], (a, b)
PY
}

# stats_untimed IN OUT: the stats object without what changes from run to
# run (timings, thread count, version), keys sorted, for byte comparisons
# of two runs' outputs.
stats_untimed() {
    python3 - "$1" >"$2" <<'PY' || fail "stats of $1"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("stage_seconds", "stage_cpu_seconds", "seconds", "threads", "version"):
    s.pop(k, None)
print(json.dumps(s, sort_keys=True))
PY
}

# stats_get FILE EXPR: evaluates a Python expression over the stats object s.
stats_get() {
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

count_lines() { if [ -s "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
