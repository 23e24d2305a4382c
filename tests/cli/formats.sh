#!/usr/bin/env bash
# Every input format is read correctly: plain, .gz, .zst, .xz, .bz2 (and .lz4
# when the tool is installed), tar archives of those (themselves compressed
# or not), stdin, several inputs in order; also the shared data's
# corpora/formats/ files.
. "$(dirname "$0")/lib.sh"
cd "$T"
printf '{"id":"a1","text":"첫 번째 문서"}\n{"id":"a2","text":"second"}\n{"id":"a3","text":"세 번째"}\n' >a.jsonl
printf '{"id":"b1","text":"bee"}\n{"id":"b2","text":"no newline at the end"}' >b.jsonl
printf '{"id":"c1","text":"sea"}\n' >c.jsonl
"$BIN/refine-cat" a.jsonl >want_a || fail "plain read"
[ "$(count_lines want_a)" = 3 ] || fail "plain: wrong line count"

gzip -k a.jsonl; xz -k a.jsonl; bzip2 -k a.jsonl; zstd -q -k a.jsonl
for ext in gz xz bz2 zst; do
    "$BIN/refine-cat" a.jsonl.$ext >got || fail "$ext read"
    same want_a got
    # The name does not matter: formats are sniffed by magic bytes.
    cp a.jsonl.$ext renamed.data
    "$BIN/refine-cat" renamed.data >got || fail "$ext sniff"
    same want_a got
done
if command -v lz4 >/dev/null; then
    lz4 -q a.jsonl a.jsonl.lz4
    "$BIN/refine-cat" a.jsonl.lz4 >got || fail "lz4 read"
    same want_a got
fi

# Several inputs, in order; a last line without '\n' is still a document.
"$BIN/refine-cat" a.jsonl b.jsonl c.jsonl >want_abc || fail "several inputs"
[ "$(count_lines want_abc)" = 6 ] || fail "several inputs: wrong count"
tail -n 1 want_abc | grep -q '"c1"' || fail "inputs out of order"

# stdin, explicitly and implicitly.
"$BIN/refine-cat" - <a.jsonl >got && same want_a got
"$BIN/refine-cat" <a.jsonl >got && same want_a got
cat a.jsonl.zst | "$BIN/refine-cat" >got && same want_a got

# tar archives of compressed members, and compressed tar archives.
gzip -k b.jsonl; zstd -q -k c.jsonl
tar -cf plain.tar a.jsonl b.jsonl.gz c.jsonl.zst
"$BIN/refine-cat" plain.tar >got || fail "tar read"
same want_abc got
tar -czf t.tar.gz a.jsonl b.jsonl.gz c.jsonl.zst
tar -cJf t.tar.xz a.jsonl b.jsonl.gz c.jsonl.zst
zstd -q -c plain.tar >t.tar.zst
for f in t.tar.gz t.tar.xz t.tar.zst; do
    "$BIN/refine-cat" $f >got || fail "$f read"
    same want_abc got
done
# Malformed lines inside a member are reported with the member name and
# the line number inside that member.
printf '{"id":"d1","text":"ok"}\nnot json\n' >d.jsonl
tar -cf bad.tar a.jsonl d.jsonl
"$BIN/refine-cat" --rejects rej.jsonl bad.tar >got 2>/dev/null || fail "tar with a bad line"
grep -q '"input":"bad.tar:d.jsonl","line":2' rej.jsonl || fail "member name/line not in reject: $(cat rej.jsonl)"

# Empty input: no documents, exit 0.
: >empty.jsonl
"$BIN/refine-cat" empty.jsonl >got || fail "empty input"
[ ! -s got ] || fail "empty input produced output"

# The shared data's format samples (the field is "message", not "text").
if [ -n "$DATA" ] && [ -d "$DATA/corpora/formats" ]; then
    for f in "$DATA"/corpora/formats/test.jsonl*; do
        "$BIN/refine-cat" --text-field message "$f" >got || fail "$f"
        [ "$(cat got)" = '{"message":"this is a test"}' ] || fail "$f: got $(cat got)"
    done
fi
echo ok
