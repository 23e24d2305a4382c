#!/usr/bin/env bash
# Nothing is lost: valid, malformed, invalid-UTF-8, oversized, blank and
# text-less lines are each either written or rejected with a reason and a line
# number, and docs_in == docs_out + docs_rejected in the stats.
. "$(dirname "$0")/lib.sh"
cd "$T"
python3 - <<'PY'
with open("mixed.jsonl", "wb") as f:
    f.write(b'{"id":"ok1","text":"fine"}\n')                         # 1 ok
    f.write(b'{"id":"bad1","text":"cut\n')                           # 2 malformed
    f.write(b'{"id":"u1","text":"bad \xff byte"}\n')                 # 3 invalid utf8 (repaired)
    f.write(b'{"id":"big","text":"' + b"x" * 5000 + b'"}\n')         # 4 oversized
    f.write(b'\n')                                                   # 5 blank
    f.write(b'{"id":"nt","body":"no text"}\n')                       # 6 no text
    f.write(b'{"id":"ok2","text":"\\ud800 lone"}\n')                 # 7 lone surrogate (repaired)
    f.write(b'[1,2,3]\n')                                            # 8 not an object
    f.write(b'{"id":"big2","text":"' + b"y" * 300000 + b'"}\n')      # 9 oversized, > one read
    f.write(b'{"id":"ok3","text":"last, no newline"}')               # 10 ok
PY
"$BIN/refine-cat" --max-doc-bytes 4K --rejects rej.jsonl --stats st.json mixed.jsonl >out.jsonl \
    2>err.txt || fail "run failed"
stats_check st.json
[ "$(stats_get st.json 's["docs_in"]')" = 10 ] || fail "docs_in"
[ "$(stats_get st.json 's["docs_out"]')" = 4 ] || fail "docs_out"
[ "$(stats_get st.json 's["docs_rejected"]')" = 6 ] || fail "docs_rejected"
[ "$(stats_get st.json 's["counters"]["utf8_repaired"]')" = 2 ] || fail "utf8_repaired"
[ "$(stats_get st.json 's["reasons"]["oversized"]')" = 2 ] || fail "oversized"
[ "$(count_lines out.jsonl)" = 4 ] || fail "output lines"
[ "$(count_lines rej.jsonl)" = 6 ] || fail "reject lines"
python3 - <<'PY' || fail "reject records"
import json
rej = [json.loads(l) for l in open("rej.jsonl")]
got = [(r["refine"]["reject"]["reason"], r["refine"]["reject"]["line"]) for r in rej]
want = [("malformed_json", 2), ("oversized", 4), ("empty_line", 5), ("no_text", 6),
        ("not_object", 8), ("oversized", 9)]
assert got == want, got
assert rej[0]["refine"]["reject"]["raw"] == '{"id":"bad1","text":"cut'
out = [json.loads(l) for l in open("out.jsonl")]
assert [d["id"] for d in out] == ["ok1", "u1", "ok2", "ok3"]
assert out[1]["text"] == "bad \ufffd byte" and out[2]["text"] == "\ufffd lone"
PY
grep -q "refine-cat: warning: mixed.jsonl:2: malformed_json" err.txt || fail "no warning line"

# --utf8 reject turns the repairs into rejects.
"$BIN/refine-cat" --utf8 reject --max-doc-bytes 4K --stats st2.json mixed.jsonl >out2.jsonl 2>/dev/null
stats_check st2.json
[ "$(stats_get st2.json 's["reasons"]["invalid_utf8"]')" = 2 ] || fail "invalid_utf8 rejects"
[ "$(count_lines out2.jsonl)" = 2 ] || fail "utf8 reject output"

# A line of exactly --max-doc-bytes (100 bytes here) is kept; one byte over is rejected.
python3 -c 'import sys; sys.stdout.write("{\"text\":\"" + "z"*89 + "\"}\n")' >edge.jsonl
"$BIN/refine-cat" --max-doc-bytes 100 edge.jsonl >o 2>/dev/null
[ "$(count_lines o)" = 1 ] || fail "line of exactly max-doc-bytes rejected"
"$BIN/refine-cat" --max-doc-bytes 99 edge.jsonl >o 2>/dev/null
[ "$(count_lines o)" = 0 ] || fail "line over max-doc-bytes kept"

# --max-bad: exit 3 when exceeded, and no output file under the target name.
expect_rc 3 "$BIN/refine-cat" --max-bad 2 --max-doc-bytes 4K -o capped.jsonl mixed.jsonl
grep -q "more than --max-bad 2" "$T/err" || fail "max-bad message"
[ ! -e capped.jsonl ] || fail "output left behind after exit 3"
ls capped.jsonl.tmp.* 2>/dev/null && fail "temporary left behind"
expect_rc 0 "$BIN/refine-cat" --max-bad 6 --max-doc-bytes 4K -o capped.jsonl mixed.jsonl
[ -s capped.jsonl ] || fail "no output with enough --max-bad"
echo ok
