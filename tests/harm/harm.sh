#!/usr/bin/env bash
# refine-harm as a stage: every reject reason with its detail, the
# toxicity score equal to fastText's printed probabilities (stored
# references for kor_hate.bin), soft thresholds and ratios, documents
# without a URL, accounting, identical output for any thread count and in
# `refine run`, and clear errors for bad options and unreadable lists.
. "$(dirname "$0")/../cli/lib.sh"
H="$BIN/refine-harm"
cat >"$T/domains.txt" <<'EOF'
# blocked domains
badsite.com
0.0.0.0 tracker.example.net
||ads.example.org^
EOF
printf 'https://exact.example.com/page?x=1\n' >"$T/urls.txt"
printf 'porn\nxxx\n' >"$T/url_words.txt"
printf 'sexy\ngirls\nhot\n' >"$T/url_soft.txt"
printf 'camgirl\n' >"$T/url_sub.txt"
printf 'badword\n2 girls 1 cup\n' >"$T/hard.txt"
printf 'damn\nheck\n' >"$T/soft.txt"
cat >"$T/in.jsonl" <<'EOF'
{"id":"clean","text":"A perfectly fine text about lobsters.","url":"https://www.example.com/a"}
{"id":"domain","text":"fine","url":"http://news.BadSite.com:8080/x"}
{"id":"hosts","text":"fine","url":"https://tracker.example.net/"}
{"id":"adblock","text":"fine","url":"https://cdn.ads.example.org/banner.js"}
{"id":"notsub","text":"fine","url":"https://notbadsite.com/"}
{"id":"exact","text":"fine","url":"https://exact.example.com/page?x=1"}
{"id":"urlword","text":"fine","url":"https://example.com/free-PORN-videos"}
{"id":"urlsoft","text":"fine","url":"https://example.com/sexy/girls"}
{"id":"urlsoft1","text":"fine","url":"https://example.com/sexy/sexy"}
{"id":"urlsub","text":"fine","url":"https://mycamgirls.example.com/"}
{"id":"hard","text":"this has a BadWord in it","url":7}
{"id":"multi","text":"see 2 girls\n 1 cup here"}
{"id":"soft2","text":"damn it, heck"}
{"id":"soft3","text":"damn damn heck"}
{"id":"ko_hard","text":"김치녀들이 또 그런다"}
{"id":"ko_soft","text":"씨발 진짜 개새끼들 존나 싫다"}
{"id":"ko_ok","text":"시발점에서 출발했다"}
EOF
printf 'not json\n' >>"$T/in.jsonl"
ARGS=(--domains "$T/domains.txt" --urls "$T/urls.txt" --url-words "$T/url_words.txt"
      --url-soft-words "$T/url_soft.txt" --url-subwords "$T/url_sub.txt"
      --hard-words "$T/hard.txt" --soft-words "$T/soft.txt")
expect_rc 0 "$H" "${ARGS[@]}" "$T/in.jsonl" -o "$T/out.jsonl" --rejects "$T/rej.jsonl" \
    --stats "$T/st.json" --threads 2
stats_check "$T/st.json"
python3 - "$T/out.jsonl" "$T/rej.jsonl" "$T/st.json" <<'PY' || fail "verdicts"
import json, sys
kept = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1], encoding="utf-8")}
rej = {}
for l in open(sys.argv[2], encoding="utf-8"):
    d = json.loads(l)
    if "id" in d:
        rej[d["id"]] = d["refine"]["reject"]
want = {
    "domain": ("blocked_domain", "news.badsite.com (listed: badsite.com)"),
    "hosts": ("blocked_domain", "listed: tracker.example.net"),
    "adblock": ("blocked_domain", "listed: ads.example.org"),
    "exact": ("blocked_url", "exact.example.com"),
    "urlword": ("url_banned_word", "'porn'"),
    "urlsoft": ("url_soft_words", "2 soft words"),
    "urlsub": ("url_banned_subword", "'camgirl'"),
    "hard": ("banned_word", "'badword' (hard.txt)"),
    "multi": ("banned_word", "'2 girls 1 cup'"),
    "soft3": ("soft_words", "3 soft-list hits"),
    "ko_hard": ("banned_word", "(korean-hard)"),
    "ko_soft": ("soft_words", "'씨발'"),
}
for k, (reason, detail) in want.items():
    assert k in rej, (k, "not rejected")
    assert rej[k]["reason"] == reason and detail in rej[k]["detail"], (k, rej[k])
assert set(kept) == {"clean", "notsub", "urlsoft1", "soft2", "ko_ok"}, sorted(kept)
assert kept["soft2"]["refine"]["harm_soft"] == 2
assert kept["ko_ok"]["refine"]["harm_soft"] == 0
s = json.load(open(sys.argv[3]))
assert s["counters"]["no_url"] == 7, s["counters"]  # a number is not a URL
assert s["reasons"]["malformed_json"] == 1
PY

# Threads, batch sizes and refine run give the same bytes.
"$H" "${ARGS[@]}" "$T/in.jsonl" -o "$T/t1.jsonl" --threads 1 -q
"$H" "${ARGS[@]}" "$T/in.jsonl" -o "$T/t3.jsonl" --threads 3 --batch-docs 2 -q
same "$T/t1.jsonl" "$T/out.jsonl"
same "$T/t1.jsonl" "$T/t3.jsonl"
{
    echo "[harm]"
    for f in domains urls url_words url_soft url_sub hard soft; do
        case $f in
            url_words) k=url-words ;; url_soft) k=url-soft-words ;; url_sub) k=url-subwords ;;
            hard) k=hard-words ;; soft) k=soft-words ;; *) k=$f ;;
        esac
        echo "$k = $T/$f.txt"
    done
} >"$T/p.pipeline"
"$BIN/refine" run "$T/p.pipeline" "$T/in.jsonl" -o "$T/run.jsonl" -q
same "$T/t1.jsonl" "$T/run.jsonl"

# Soft ratio: 2 hits in 3 words pass a 0.5 share, not a 0.7 one.
printf '{"text":"damn heck ok"}\n' >"$T/r.jsonl"
expect_rc 0 "$H" --soft-words "$T/soft.txt" --soft-threshold 2 --soft-ratio 0.5 "$T/r.jsonl" -o "$T/r1.jsonl"
[ "$(count_lines "$T/r1.jsonl")" = 0 ] || fail "soft ratio 0.5 should reject"
expect_rc 0 "$H" --soft-words "$T/soft.txt" --soft-threshold 2 --soft-ratio 0.7 "$T/r.jsonl" -o "$T/r1.jsonl"
[ "$(count_lines "$T/r1.jsonl")" = 1 ] || fail "soft ratio 0.7 should keep"
# --no-korean: the Korean lists are off.
expect_rc 0 "$H" --no-korean "$T/in.jsonl" -o "$T/nk.jsonl" --stats "$T/nk.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["docs_rejected"] == 1, s' "$T/nk.json" ||
    fail "--no-korean still rejects"

# Toxicity classifier: the score is fastText's P(hate) + P(offensive).
if [ -n "$DATA" ] && [ -f "$DATA/models/fasttext/kor_hate.bin" ]; then
    F=$DATA/models/fasttext
    python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1], encoding="utf-8", newline="")):
    print(json.dumps({"id": i, "text": l.rstrip("\n")}, ensure_ascii=False))' "$F/kor_hate.dev.textonly" >"$T/dev.jsonl"
    expect_rc 0 "$H" --no-korean --toxic-model "$F/kor_hate.bin" --toxic-label hate \
        --toxic-label __label__offensive --toxic-threshold 0.6 "$T/dev.jsonl" -o "$T/tk.jsonl" \
        --rejects "$T/tr.jsonl"
    python3 - "$F/kor_hate.dev.pred.bin.txt" "$T/tk.jsonl" "$T/tr.jsonl" <<'PY' || fail "toxicity"
import json, sys
ref = []
for l in open(sys.argv[1]):
    t = l.split()
    p = dict(zip(t[0::2], map(float, t[1::2])))
    ref.append(min(1.0, p.get("__label__hate", 0) + p.get("__label__offensive", 0)))
n = 0
for path, rejected in ((sys.argv[2], False), (sys.argv[3], True)):
    for l in open(path, encoding="utf-8"):
        d = json.loads(l)
        s = d["refine"]["toxicity"]
        assert abs(s - ref[d["id"]]) <= 2e-4, (d["id"], s, ref[d["id"]])
        assert (s >= 0.6) == rejected, d
        if rejected:
            assert d["refine"]["reject"]["reason"] == "toxic"
            assert "P(__label__hate+__label__offensive)" in d["refine"]["reject"]["detail"]
        n += 1
assert n == len(ref)
PY
    expect_rc 2 "$H" --toxic-model "$F/kor_hate.bin" "$T/dev.jsonl"
    grep -q "needs --toxic-label" "$T/err" || fail "toxic model without label: unclear"
    expect_rc 2 "$H" --toxic-model "$F/kor_hate.bin" --toxic-label nope "$T/dev.jsonl"
    grep -q "has no label 'nope'" "$T/err" || fail "unknown toxic label: unclear"
fi

# Errors.
expect_rc 1 "$H" --hard-words "$T/missing.txt" "$T/in.jsonl"
grep -q "hard-words" "$T/err" || fail "missing list: message does not name the option"
expect_rc 2 "$H" --toxic-label hate "$T/in.jsonl"
expect_rc 2 "$H" --soft-threshold 0 "$T/in.jsonl"
expect_rc 2 "$H" --matcher grep "$T/in.jsonl"
expect_rc 0 "$H" --help >"$T/h.txt"
grep -q "blocked_domain" "$T/h.txt" || fail "--help does not list the reasons"
echo ok
