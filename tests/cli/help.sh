#!/usr/bin/env bash
# Every executable answers --help and --version with exit 0; usage errors
# exit 2 with a hint.
. "$(dirname "$0")/lib.sh"
for exe in "$BIN"/refine*; do
    name=$(basename "$exe")
    expect_rc 0 "$exe" --help >"$T/out"
    grep -q "Usage:" "$T/out" || fail "$name --help prints no usage"
    expect_rc 0 "$exe" --version >"$T/out"
    grep -q "[0-9]\.[0-9]" "$T/out" || fail "$name --version prints no version"
done
expect_rc 2 "$BIN/refine-cat" --no-such-option
grep -q "refine-cat: error: unknown option" "$T/err" || fail "no clear usage error"
grep -q -- "--help" "$T/err" || fail "no --help hint"
expect_rc 2 "$BIN/refine-cat" --threads abc
expect_rc 2 "$BIN/refine-cat" --utf8 maybe
expect_rc 2 "$BIN/refine"
expect_rc 2 "$BIN/refine" frobnicate
expect_rc 0 "$BIN/refine" list >"$T/out"
for s in cat shard sample; do grep -q "^$s " "$T/out" || fail "refine list misses $s"; done
expect_rc 0 "$BIN/refine" run --help >"$T/out"
expect_rc 0 "$BIN/refine" example --help >"$T/out"
expect_rc 0 "$BIN/refine" cat --help >"$T/out"
expect_rc 1 "$BIN/refine-cat" "$T/does-not-exist.jsonl"
grep -q "cannot open" "$T/err" || fail "missing input: unclear message"
echo ok
