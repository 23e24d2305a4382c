#!/usr/bin/env bash
# refine-quality as a stage: refine.<name> holds the probability fastText
# prints for --label (checked against the stored fastText outputs), or the
# top-k labels as an object; --min-score/--max-score reject with named
# reasons; several models run in one pass; accounting, rejects, thread
# independence, `refine run` and --config agree; bad options and bad model
# files are clear errors.
. "$(dirname "$0")/../cli/lib.sh"
need_data
Q="$BIN/refine-quality"
F=$DATA/models/fasttext
LID=$DATA/models/lid.176.ftz
[ -f "$F/kor_hate.bin" ] || { echo "skip: models/fasttext not in the shared data"; exit 77; }
python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1], encoding="utf-8", newline="")):
    print(json.dumps({"id": i, "text": l.rstrip("\n"), "meta": {"k": [1, 2]}}, ensure_ascii=False))
' "$F/kor_hate.dev.textonly" >"$T/dev.jsonl"
cp "$T/dev.jsonl" "$T/in.jsonl"
printf '{"id": "bad" "text"}\nnot json\n' >>"$T/in.jsonl"

# --label none --min-score 0.5, against fastText's printed P(none).
expect_rc 0 "$Q" --model "$F/kor_hate.bin" --label none --min-score 0.5 --threads 2 \
    --stats "$T/st.json" --rejects "$T/rej.jsonl" "$T/in.jsonl" -o "$T/out.jsonl"
stats_check "$T/st.json"
python3 - "$F/kor_hate.dev.pred.bin.txt" "$T/out.jsonl" "$T/rej.jsonl" "$T/st.json" <<'PY' || fail "annotations or verdicts differ from fastText"
import json, sys
ref = []
for l in open(sys.argv[1]):
    t = l.split()
    ref.append(dict(zip(t[0::2], map(float, t[1::2]))).get("__label__none", 0.0))
kept = [json.loads(l) for l in open(sys.argv[2])]
rej = [json.loads(l) for l in open(sys.argv[3])]
st = json.load(open(sys.argv[4]))
for d in kept:
    p = d["refine"]["quality"]
    assert abs(p - ref[d["id"]]) <= 1e-4 and p >= 0.5, d
    assert d["meta"] == {"k": [1, 2]}
docs = [d for d in rej if "id" in d and isinstance(d["id"], int)]
for d in docs:
    assert d["refine"]["reject"]["reason"] == "quality_below_min", d
    assert abs(d["refine"]["quality"] - ref[d["id"]]) <= 1e-4 and d["refine"]["quality"] < 0.5
    assert "P(__label__none)" in d["refine"]["reject"]["detail"], d
want_kept = sum(p >= 0.5 for p in ref)
assert len(kept) == want_kept, (len(kept), want_kept)
assert st["docs_in"] == len(ref) + 2 and st["docs_out"] == want_kept
assert st["reasons"]["quality_below_min"] == len(ref) - want_kept
assert st["reasons"]["malformed_json"] == 2
PY

# Several models in one pass, top-k objects (no --label).
expect_rc 0 "$Q" --model "$LID" --name lang --model "$F/kor_hate.ftz" --name hate -k 3 \
    "$T/dev.jsonl" -o "$T/multi.jsonl"
python3 - "$DATA/models/fasttext/lid176.kor_hate_dev.pred.txt" "$F/kor_hate.dev.pred.ftz.txt" "$T/multi.jsonl" <<'PY' || fail "multi-model annotations differ from fastText"
import json, sys
def top(path):
    out = []
    for l in open(path):
        t = l.split()
        out.append([(a[len("__label__"):], float(b)) for a, b in zip(t[0::2], t[1::2])])
    return out
lang, hate = top(sys.argv[1]), top(sys.argv[2])
for l in open(sys.argv[3]):
    d = json.loads(l)
    for key, ref in (("lang", lang), ("hate", hate)):
        got = list(d["refine"][key].items())
        want = ref[d["id"]]
        assert [a for a, _ in got] == [a for a, _ in want], (key, got, want)
        assert all(abs(x - y) <= 1e-4 for (_, x), (_, y) in zip(got, want)), (key, got, want)
PY

# --max-score; per-model lists with '-'.
expect_rc 0 "$Q" --model "$LID" --name lang --label ko --min-score 0.9 --max-score - \
    --model "$F/kor_hate.bin" --name tox --label hate --min-score - --max-score 0.5 \
    "$T/dev.jsonl" --stats "$T/st2.json" -o /dev/null
stats_check "$T/st2.json"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
r = s["reasons"]
assert set(r) <= {"lang_below_min", "tox_above_max"} and r.get("tox_above_max", 0) > 0, r
' "$T/st2.json" || fail "max-score reasons"
expect_rc 0 "$Q" --model "$LID" --label ko --label - --model "$F/kor_hate.bin" --name b \
    --min-score 0.5 --min-score - --name a "$T/dev.jsonl" -o /dev/null

# Output does not depend on threads or batch size; refine run and --config agree.
"$Q" --model "$F/kor_hate.ftz" --label offensive --threads 1 "$T/in.jsonl" -o "$T/t1.jsonl" -q
"$Q" --model "$F/kor_hate.ftz" --label offensive --threads 3 --batch-docs 7 "$T/in.jsonl" -o "$T/t3.jsonl" -q
same "$T/t1.jsonl" "$T/t3.jsonl"
printf '[quality]\nmodel = %s\nlabel = offensive\n' "$F/kor_hate.ftz" >"$T/p.pipeline"
"$BIN/refine" run "$T/p.pipeline" "$T/in.jsonl" -o "$T/run.jsonl" -q
same "$T/t1.jsonl" "$T/run.jsonl"
"$Q" --config "$T/p.pipeline" "$T/in.jsonl" -o "$T/cfg.jsonl" -q
same "$T/t1.jsonl" "$T/cfg.jsonl"

# Errors.
expect_rc 2 "$Q" "$T/dev.jsonl"
grep -q "model is required" "$T/err" || fail "no --model: unclear message"
expect_rc 2 "$Q" --model "$F/kor_hate.bin" --label nosuchlabel "$T/dev.jsonl"
grep -q "has no label 'nosuchlabel'" "$T/err" || fail "unknown label: unclear message"
expect_rc 2 "$Q" --model "$F/kor_hate.bin" --model "$LID" --label ko "$T/dev.jsonl"
grep -q "once per --model" "$T/err" || fail "list count: unclear message"
expect_rc 2 "$Q" --model "$F/kor_hate.bin" --min-score 0.5 "$T/dev.jsonl"
expect_rc 2 "$Q" --model "$F/kor_hate.bin" --label none --min-score 1.5 "$T/dev.jsonl"
expect_rc 2 "$Q" --model "$F/kor_hate.bin" --model "$F/kor_hate.ftz" "$T/dev.jsonl" \
    --name x --name x
head -c 5000 "$F/kor_hate.ftz" >"$T/cut.ftz"
expect_rc 1 "$Q" --model "$T/cut.ftz" "$T/dev.jsonl" -o "$T/never.jsonl"
grep -q "truncated model" "$T/err" || fail "truncated model: unclear message"
[ ! -e "$T/never.jsonl" ] || fail "output left behind"
printf 'not a model at all' >"$T/junk.bin"
expect_rc 1 "$Q" predict --model "$T/junk.bin" "$T/dev.jsonl"
grep -q "not a fastText model" "$T/err" || fail "junk model: unclear message"
expect_rc 1 "$Q" --model "$T/nothere.bin" "$T/dev.jsonl"
expect_rc 2 "$Q" predict --model "$LID" -k 0 "$T/dev.jsonl"
for sub in predict test train info; do
    expect_rc 0 "$Q" $sub --help >"$T/h.txt"
    grep -q "Usage:" "$T/h.txt" || fail "$sub --help"
done
echo ok
