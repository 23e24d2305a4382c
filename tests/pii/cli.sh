#!/usr/bin/env bash
# refine-pii on the command line: replacement policies, keyed hash against
# Python's hmac, --max-pii rejects, tag checks (and the default tags against
# the special tokens of real tokenizers), the accounting invariant, the same
# bytes for any --threads, and a golden case.
. "$(dirname "$0")/../cli/lib.sh"
P=$BIN/refine-pii
H=$(dirname "$0")
cat >"$T/in.jsonl" <<'JS'
{"id":"1","text":"mail john.doe@example.com or call 010-1234-5678; 주민등록번호 900101-1234568."}
{"id":"2","text":"nothing here but 2023-10-15 and v1.2.3.4"}
{"id":"3","text":"a@example.com b@example.com c@example.com d@example.com"}
{"id":"4","text":"card 4929-3813-3266-4295, ip 10.41.21.72, ssn 284-89-3485, 사업자 124-81-00998, 외국인 850315-5123456, 면허 11-23-456789-01, 국민은행 계좌 123456-78-901234, 여권번호 M12345678, key AKIAIOSFODNN7EXAMPLE, +1-212-456-7890"}
JS
# Golden: tags.
expect_rc 0 "$P" "$T/in.jsonl" -o "$T/out.jsonl" --stats "$T/st.json"
same "$H/golden/expected_tag.jsonl" "$T/out.jsonl"
stats_check "$T/st.json"
[ "$(stats_get "$T/st.json" 's["counters"]["pii_email"]')" = 5 ] || fail "pii_email counter"
[ "$(stats_get "$T/st.json" 's["counters"]["pii_docs_edited"]')" = 3 ] || fail "pii_docs_edited counter"

# --max-pii: document 3 (4 e-mails) and 4 (10 identifiers) go to rejects.
expect_rc 0 "$P" "$T/in.jsonl" --max-pii 3 --rejects "$T/rej.jsonl" --stats "$T/st.json" -o "$T/out.jsonl"
stats_check "$T/st.json"
[ "$(stats_get "$T/st.json" 's["reasons"].get("too_much_pii")')" = 2 ] || fail "too_much_pii"
grep -q '"reason":"too_much_pii"' "$T/rej.jsonl" || fail "reject record"
grep -q 'a@example.com' "$T/rej.jsonl" || fail "reject keeps the input text"

# Remove and fake keep every other byte.
expect_rc 0 "$P" "$T/in.jsonl" --replace remove -o "$T/rm.jsonl"
grep -q '"text":"mail  or call ; 주민등록번호 ."' "$T/rm.jsonl" || fail "remove policy"
expect_rc 0 "$P" "$T/in.jsonl" --replace fake -o "$T/f1.jsonl"
expect_rc 0 "$P" "$T/in.jsonl" --replace fake --threads 3 --batch-docs 1 -o "$T/f2.jsonl"
same "$T/f1.jsonl" "$T/f2.jsonl"
grep -q 'call 010-' "$T/f1.jsonl" || fail "fake phone keeps its prefix"
! grep -q '010-1234-5678\|john.doe' "$T/f1.jsonl" || fail "fake left the original"

# Keyed hash: the same digest as Python's hmac/hashlib.
expect_rc 2 "$P" "$T/in.jsonl" --replace hash
printf 'sekrit\n' >"$T/key"
expect_rc 0 "$P" "$T/in.jsonl" --replace hash --hash-key-file "$T/key" -o "$T/h.jsonl"
want=$(python3 -c 'import hmac,hashlib; print(hmac.new(b"sekrit", b"email\0john.doe@example.com", hashlib.sha256).hexdigest()[:16])')
grep -q "<EMAIL:$want>" "$T/h.jsonl" || fail "hash differs from Python hmac ($want)"
expect_rc 0 "$P" "$T/in.jsonl" --replace hash --hash-key sekrit -o "$T/h2.jsonl"
same "$T/h.jsonl" "$T/h2.jsonl"

# Tags: configurable, special-token markup refused.
expect_rc 0 "$P" "$T/in.jsonl" --tag 'email=[MAIL]' -o "$T/t.jsonl"
grep -q 'mail \[MAIL\] or' "$T/t.jsonl" || fail "--tag"
expect_rc 2 "$P" "$T/in.jsonl" --tag 'email=<|endoftext|>'
expect_rc 2 "$P" "$T/in.jsonl" --tag 'bogus=X'
expect_rc 2 "$P" "$T/in.jsonl" --types email,bogus
expect_rc 0 "$P" "$T/in.jsonl" --types email -o "$T/e.jsonl"
grep -q '010-1234-5678' "$T/e.jsonl" || fail "--types email keeps phones"

# Threads and batches: the same bytes.
zstd -q -dc "$SRC/examples/shard-00000.jsonl.zst" >"$T/ex.jsonl"
expect_rc 0 "$P" "$T/ex.jsonl" --threads 1 -o "$T/x1.jsonl" --stats "$T/sx.json"
expect_rc 0 "$P" "$T/ex.jsonl" --threads 3 --batch-docs 7 -o "$T/x3.jsonl"
same "$T/x1.jsonl" "$T/x3.jsonl"
stats_check "$T/sx.json"

# The example shards: every document with a planted identifier is edited,
# no clean document is.
zstd -q -dc "$SRC"/examples/shard-0000*.jsonl.zst >"$T/exall.jsonl"
expect_rc 0 "$P" "$T/exall.jsonl" -o "$T/exo.jsonl" --stats "$T/exs.json"
stats_check "$T/exs.json"
python3 - "$T/exall.jsonl" "$T/exo.jsonl" <<'PY' || fail "example shards"
import json, sys
src = {}
for l in open(sys.argv[1], encoding="utf-8", errors="replace"):  # the examples hold a record with invalid UTF-8
    try:
        d = json.loads(l)
    except ValueError:
        continue
    if isinstance(d, dict) and "id" in d:
        src[d["id"]] = d
edited = {}
for l in open(sys.argv[2], encoding="utf-8"):
    d = json.loads(l)
    edited.setdefault(src[d["id"]].get("defect"), []).append(d["text"] != src[d["id"]]["text"])
print({k: "%d/%d edited" % (sum(v), len(v)) for k, v in sorted(edited.items(), key=str)})
assert all(edited["pii"]) and not any(edited["none"])
PY

# The default tags against the special tokens of real tokenizers: no added
# token may occur inside a tag (HF tokenizers would split it out of the text).
if [ -n "$DATA" ] && [ -d "$DATA/tokenizers" ]; then
    grep -o '<[A-Z_]*>' "$H/golden/expected_tag.jsonl" | sort -u >"$T/tags"
    [ "$(wc -l <"$T/tags")" -ge 12 ] || fail "expected 12 distinct tags in the golden output"
    python3 - "$T/tags" "$DATA"/tokenizers/*/tokenizer.json <<'PY' || fail "a tag contains a special token"
import json, sys
tags = [l.strip() for l in open(sys.argv[1]) if l.strip()]
bad, n = [], 0
for path in sys.argv[2:]:
    tok = json.load(open(path, encoding="utf-8"))
    for t in tok.get("added_tokens", []):
        n += 1
        c = t["content"]
        for tag in tags:
            if c and c in tag:
                bad.append((path, c, tag))
if bad:
    print(bad[:10])
    sys.exit(1)
print("tags checked against %d added tokens of %d tokenizers" % (n, len(sys.argv) - 2))
PY
fi
echo ok
