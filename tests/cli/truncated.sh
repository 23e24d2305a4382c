#!/usr/bin/env bash
# A truncated or corrupt compressed input stops the run with exit 1 and a
# clear message, and leaves no output under the target name (nor a
# temporary file).
. "$(dirname "$0")/lib.sh"
cd "$T"
"$BIN/refine" example -o ex --docs 6000 --shards 1 2>/dev/null || fail "example generation"
src=ex/shard-00000.jsonl.zst
size=$(stat -c %s $src)
head -c $((size * 2 / 3)) $src >trunc.jsonl.zst
expect_rc 1 "$BIN/refine-cat" --batch-docs 64 trunc.jsonl.zst -o out.jsonl.zst --rejects rej.jsonl
grep -q "truncated zstd" "$T/err" || fail "message does not say truncated: $(cat "$T/err")"
grep -q "trunc.jsonl.zst" "$T/err" || fail "message does not name the file"
[ ! -e out.jsonl.zst ] || fail "output exists after a failed run"
[ ! -e rej.jsonl ] || fail "rejects file exists after a failed run"
ls *.tmp.* 2>/dev/null && fail "temporary files left behind"

# gzip, truncated and corrupt.
zstd -q -dc $src | gzip -c >full.jsonl.gz
head -c 20000 full.jsonl.gz >trunc.jsonl.gz
expect_rc 1 "$BIN/refine-cat" trunc.jsonl.gz -o out2.jsonl
grep -qi "trunc" "$T/err" || fail "gzip truncation message unclear: $(cat "$T/err")"
[ ! -e out2.jsonl ] || fail "output exists after truncated gzip"
python3 - <<'PY'
data = bytearray(open("ex/shard-00000.jsonl.zst", "rb").read())
for i in range(200, len(data), 997):
    data[i] ^= 0x5A
open("corrupt.jsonl.zst", "wb").write(data)
PY
expect_rc 1 "$BIN/refine-cat" corrupt.jsonl.zst -o out3.jsonl
grep -q "zstd" "$T/err" || fail "corrupt zstd message unclear"
[ ! -e out3.jsonl ] || fail "output exists after corrupt zstd"

# An unwritable output is an error before anything is read.
expect_rc 1 "$BIN/refine-cat" $src -o /proc/no/such/dir/out.jsonl
# Output compression we cannot write is refused, not silently plain.
expect_rc 1 "$BIN/refine-cat" $src -o out.jsonl.gz
grep -q "plain or .zst" "$T/err" || fail "unsupported output compression message"
echo ok
