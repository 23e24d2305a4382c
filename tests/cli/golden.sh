#!/usr/bin/env bash
# Golden CLI cases: each directory under golden/ holds a `cmd` script (run with
# the build's bin/ first on PATH, inside a copy of the directory), its input
# files, the exact expected stdout in `expected`, and optionally the expected
# exit status in `rc` (default 0). To add a case, write cmd and inputs, run it
# once, review the output by hand, and save it as `expected`.
. "$(dirname "$0")/lib.sh"
export PATH="$BIN:$PATH"
n=0
for dir in "$(dirname "$0")"/golden/*/; do
    name=$(basename "$dir")
    rm -rf "$T/case"
    cp -r "$dir" "$T/case"
    (cd "$T/case" && bash cmd >"$T/out" 2>"$T/err")
    rc=$?
    want_rc=0
    [ -f "$dir/rc" ] && want_rc=$(cat "$dir/rc")
    [ "$rc" = "$want_rc" ] || { cat "$T/err" >&2; fail "$name: exit $rc, expected $want_rc"; }
    if ! cmp -s "$dir/expected" "$T/out"; then
        diff "$dir/expected" "$T/out" | head -20 >&2
        fail "$name: output differs from expected"
    fi
    n=$((n + 1))
done
[ $n -gt 0 ] || fail "no golden cases found"
echo "ok ($n cases)"
