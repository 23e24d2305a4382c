#!/usr/bin/env bash
# refine-heuristic --lid-model: refine.lang / refine.lang_score must be the
# top label and probability `fasttext predict-prob lid.176.ftz FILE 1`
# prints for the same text (one line, newlines as spaces), --lang filters by
# the model's labels, rule profiles follow the label, and errors are clear.
# Skips without the shared data or the Debian fasttext binary.
. "$(dirname "$0")/../cli/lib.sh"
need_data
command -v fasttext >/dev/null || { echo "skip: Debian package fasttext not installed"; exit 77; }
H="$BIN/refine-heuristic"
LID=$DATA/models/lid.176.ftz

# Korean, English, code and chat documents, plus a few other languages and
# a text fastText knows no feature of.
python3 - "$DATA" "$T" <<'PY' || fail "cannot build inputs"
import json, subprocess, sys
data, t = sys.argv[1], sys.argv[2]
def docs(name, step):
    out = subprocess.run(["zstd", "-dc", f"{data}/corpora/{name}"], capture_output=True, check=True).stdout
    return [json.loads(l)["text"] for i, l in enumerate(out.split(b"\n")) if l and i % step == 0]
texts = docs("mixed_ko_en.jsonl.zst", 23) + docs("ko_news_wiki.jsonl.zst", 9) \
      + docs("en_wikitext2_valid.jsonl.zst", 11) + docs("code_files.jsonl.zst", 4)
texts += ["Der schnelle braune Fuchs springt über den faulen Hund, und die Katze schläft.",
          "Le renard brun rapide saute par-dessus le chien paresseux.\nIl fait beau.",
          "今日はとても良い天気ですね。散歩に行きましょう。",
          "Быстрая коричневая лиса перепрыгивает через ленивую собаку.", ""]
with open(f"{t}/in.jsonl", "w") as j, open(f"{t}/in.txt", "w") as p:
    for i, x in enumerate(texts):
        j.write(json.dumps({"id": i, "text": x}, ensure_ascii=False) + "\n")
        p.write(x.replace("\n", " ") + "\n")
PY
fasttext predict-prob "$LID" "$T/in.txt" 1 >"$T/ft.txt" || fail "fasttext predict-prob failed"
"$H" --lid-model "$LID" "$T/in.jsonl" -o "$T/out.jsonl" \
    --rejects "$T/rej.jsonl" --stats "$T/stats.json" || fail "refine-heuristic --lid-model failed"
stats_check "$T/stats.json"
python3 - "$T" <<'PY' || fail "refine.lang differs from fastText"
import json, sys
t = sys.argv[1]
ft = [l.split() for l in open(f"{t}/ft.txt")]
got = {}
for f in ("out.jsonl", "rej.jsonl"):
    for l in open(f"{t}/{f}"):
        d = json.loads(l)
        r = d["refine"]
        got[d["id"]] = (r["lang"], r["lang_score"])
assert len(got) == len(ft), (len(got), len(ft))
n = 0
for i, f in enumerate(ft):
    lang, score = got[i]
    if not f:                      # fastText printed an empty line: no known feature
        assert (lang, score) == ("other", 0), (i, lang, score)
        continue
    want = f[0][len("__label__"):]
    p = min(float(f[1]), 1.0)
    assert lang == want, f"doc {i}: refine {lang}, fastText {want}"
    assert abs(score - p) <= 6e-5, f"doc {i}: refine score {score}, fastText {p}"
    n += 1
langs = sorted(set(v[0] for v in got.values()))
for must in ("ko", "en", "de", "fr", "ja", "ru"):
    assert must in langs, (must, langs)
print(f"lid: {n} documents, labels {langs}, equal to fastText")
PY

# --lang keeps only the listed labels; the others are rejected with reason lang.
"$H" --lid-model "$LID" --lang ko,__label__de "$T/in.jsonl" -o "$T/ko.jsonl" \
    --rejects "$T/ko.rej" --stats "$T/ko.json" || fail "--lang ko,de failed"
stats_check "$T/ko.json"
python3 - "$T" <<'PY' || fail "--lang with --lid-model"
import json, sys
t = sys.argv[1]
for l in open(f"{t}/ko.jsonl"):
    assert json.loads(l)["refine"]["lang"] in ("ko", "de"), l[:200]
lang_rej = [json.loads(l) for l in open(f"{t}/ko.rej")]
lang_rej = [r["refine"] for r in lang_rej if r["refine"]["reject"]["reason"] == "lang"]
assert lang_rej and all(r["lang"] not in ("ko", "de") for r in lang_rej)
PY
# Rule profiles follow the label: the reject detail names the profile used.
printf '%s\n' '{"id":1,"text":"This is a short English sentence with some words in it."}' \
    '{"id":2,"text":"오늘은 날씨가 매우 좋아서 공원에 산책을 나갔습니다. 친구들과 함께 점심을 먹었어요."}' \
    '{"id":3,"text":"Der schnelle braune Fuchs springt über den faulen Hund."}' >"$T/p.jsonl"
"$H" --lid-model "$LID" "$T/p.jsonl" -o /dev/null --rejects "$T/p.rej" || fail "profile run failed"
grep '"id":1' "$T/p.rej" | grep -q 'profile=en' || fail "English document not under the en profile"
grep '"id":2' "$T/p.rej" | grep -q 'profile=ko' || fail "Korean document not under the ko profile"
grep '"id":3' "$T/p.rej" | grep -q 'profile=other' || fail "German document not under the other profile"

# Errors: an unknown label in --lang, a file that is not a model, a missing file.
expect_rc 2 "$H" --lid-model "$LID" --lang ko,xx "$T/p.jsonl" -o /dev/null
grep -q "'xx' is not a label" "$T/err" || fail "unknown label message"
expect_rc 1 "$H" --lid-model "$T/p.jsonl" "$T/p.jsonl" -o /dev/null
grep -q "not a fastText model" "$T/err" || fail "bad model message"
expect_rc 1 "$H" --lid-model "$T/nope.ftz" "$T/p.jsonl" -o /dev/null
echo ok
