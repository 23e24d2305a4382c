#!/usr/bin/env bash
# refine-heuristic from the command line: annotations, the accounting
# invariant, --lang, --profile, per-profile option values from --config and
# pipeline sections, C4 edits in the output, identical output for any thread
# count, refine run == the standalone tool, and clear errors for bad options
# and for --lid-model (its behaviour is in lid.sh).
. "$(dirname "$0")/../cli/lib.sh"
H="$BIN/refine-heuristic"
HERE=$(cd "$(dirname "$0")" && pwd)

# Documents of every language, clean and not.
python3 - "$T/in.jsonl" <<'PY'
import json, sys
docs = [
  ("ko", "서울시는 올해 여름부터 한강 주변에 새로운 자전거 도로를 만들기로 했다.\n시는 이번 사업으로 출퇴근 시간의 교통 혼잡이 줄어들 것으로 기대하고 있다.\n자전거 도로는 여의도에서 시작해 잠실까지 이어지며 총 길이는 약 이십 킬로미터이다.\n공사 기간에는 일부 산책로가 임시로 막히기 때문에 시민들의 주의가 필요하다.\n시 관계자는 안전 시설을 충분히 갖춘 뒤에 도로를 개방하겠다고 밝혔다.\n주민들은 대체로 환영하는 분위기지만 소음 문제를 걱정하는 목소리도 있다.\n전문가들은 자전거 이용이 늘어나면 대기 오염도 함께 줄어들 것이라고 설명했다.\n시는 내년 봄까지 모든 구간의 공사를 마칠 계획이다.\n홈 | 로그인 | 회원가입"),
  ("en", "The river runs through the middle of the old town and divides it into two parts.\nPeople have lived on both banks of the river for more than a thousand years.\nIn the spring the water rises and the lower streets are sometimes covered with mud.\nThe town council built a new wall along the river to protect the houses.\nPlease enable JavaScript to see the map.\nMany visitors come in the summer to walk along the wall and look at the boats.\nA small museum near the bridge tells the story of the floods and the people who lived through them.\nThe museum is open every day except Monday and entry is free for children.\nLocal families still meet on the bridge in the evening to talk about the day."),
  ("menu", "Home\nAbout\nContact\nLogin"),
  ("zh", "北京市政府今天宣布，将在明年春天之前完成城市东部的新地铁线路建设。这条线路全长约三十公里，共设二十个车站。市民们普遍欢迎这个消息，因为上下班的时间会大大缩短。专家认为，新线路还可以减少道路上的汽车数量，从而改善空气质量。施工期间，部分道路将暂时关闭，政府提醒市民提前安排出行路线。"),
  ("fr", "Le conseil municipal a voté pour prolonger les pistes cyclables le long de la rivière."),
]
with open(sys.argv[1], "w") as f:
    for i, (k, t) in enumerate(docs):
        f.write(json.dumps({"id": f"d{i}-{k}", "text": t}, ensure_ascii=False) + "\n")
PY

expect_rc 0 "$H" -q "$T/in.jsonl" -o "$T/out.jsonl" --rejects "$T/rej.jsonl" --stats "$T/st.json"
stats_check "$T/st.json"
[ "$(stats_get "$T/st.json" 's["docs_in"]')" = 5 ] || fail "docs_in"
python3 - "$T/out.jsonl" "$T/rej.jsonl" <<'PY' || fail "annotations / verdicts"
import json, sys
out = {d["id"]: d for d in map(json.loads, open(sys.argv[1]))}
rej = {d["id"]: d for d in map(json.loads, open(sys.argv[2]))}
assert set(out) == {"d0-ko", "d1-en", "d3-zh"}, sorted(out)
assert out["d0-ko"]["refine"]["lang"] == "ko"
assert out["d1-en"]["refine"]["lang"] == "en"
assert out["d3-zh"]["refine"]["lang"] == "zh"
assert 0 < out["d0-ko"]["refine"]["lang_score"] <= 1
assert set(out["d0-ko"]["refine"]["scripts"]) >= {"hangul", "punct"}
# C4 removed the JavaScript line and the menu line, and says so.
en = out["d1-en"]
assert "JavaScript" not in en["text"] and en["text"].startswith("The river")
assert en["refine"]["c4_removed"] == {"lines": 1, "chars": 40, "javascript": 1}, en["refine"]
assert "로그인" not in out["d0-ko"]["text"]
assert out["d0-ko"]["refine"]["c4_removed"]["no_terminal_punct"] == 1
r = rej["d2-menu"]["refine"]["reject"]
assert r["stage"] == "heuristic" and r["reason"].startswith(("gopher_", "fineweb_", "c4_")), r
assert rej["d4-fr"]["refine"]["lang"] == "latin-other"
PY

# --lang keeps only the listed languages; the others are rejects "lang".
expect_rc 0 "$H" -q --lang ko,zh "$T/in.jsonl" -o "$T/o2.jsonl" --stats "$T/st2.json"
stats_check "$T/st2.json"
[ "$(stats_get "$T/st2.json" 's["reasons"]["lang"]')" = 3 ] || fail "--lang rejects"
[ "$(count_lines "$T/o2.jsonl")" = 2 ] || fail "--lang output"

# Per-profile values from a config file, a pipeline section and --set.
cat >"$T/h.conf" <<'C'
[heuristic]
gopher-min-words = ko:200; en:50
C
expect_rc 0 "$H" -q --config "$T/h.conf" "$T/in.jsonl" -o "$T/o3.jsonl" --stats "$T/st3.json"
[ "$(stats_get "$T/st3.json" 's["reasons"].get("gopher_short_doc", 0)')" -ge 1 ] || fail "config ko:200"
grep -q '"d0-ko"' "$T/o3.jsonl" && fail "ko doc kept despite ko:200"
grep -q '"d1-en"' "$T/o3.jsonl" || fail "en doc lost"
printf '[heuristic]\ngopher-min-words = ko:200\n' >"$T/p.pipeline"
expect_rc 0 "$BIN/refine" run -q "$T/p.pipeline" "$T/in.jsonl" -o "$T/o4.jsonl"
same "$T/o3.jsonl" "$T/o4.jsonl"
printf '[heuristic]\n' >"$T/p2.pipeline"
expect_rc 0 "$BIN/refine" run -q "$T/p2.pipeline" --set heuristic.gopher-min-words=ko:200 "$T/in.jsonl" -o "$T/o5.jsonl"
same "$T/o3.jsonl" "$T/o5.jsonl"
# The command line wins over the config file.
expect_rc 0 "$H" -q --config "$T/h.conf" --gopher-min-words 50 "$T/in.jsonl" -o "$T/o6.jsonl"
same "$T/out.jsonl" "$T/o6.jsonl"

# --profile forces one profile; --c4 off leaves the text alone.
expect_rc 0 "$H" -q --profile other --c4 off --no-annotate-scripts "$T/in.jsonl" -o "$T/o7.jsonl"
grep -q JavaScript "$T/o7.jsonl" || fail "--c4 off still edited"
grep -q '"scripts"' "$T/o7.jsonl" && fail "--no-annotate-scripts"
expect_rc 0 "$H" -q --annotate-metrics "$T/in.jsonl" -o "$T/o8.jsonl"
grep -q '"heuristic_metrics":{"gq_words"' "$T/o8.jsonl" || fail "--annotate-metrics"

# Same bytes for any thread count and batch size, on real data if present.
IN="$T/in.jsonl"
if [ -n "$DATA" ] && [ -f "$DATA/corpora/mixed_ko_en.jsonl.zst" ]; then IN="$DATA/corpora/mixed_ko_en.jsonl.zst"; fi
expect_rc 0 "$H" -q --threads 1 "$IN" -o "$T/t1.jsonl" --rejects "$T/r1.jsonl"
expect_rc 0 "$H" -q --threads 2 --batch-docs 7 "$IN" -o "$T/t2.jsonl" --rejects "$T/r2.jsonl"
same "$T/t1.jsonl" "$T/t2.jsonl"
same "$T/r1.jsonl" "$T/r2.jsonl"
# refine run with [heuristic] == the standalone tool.
printf '[heuristic]\n' >"$T/p3.pipeline"
expect_rc 0 "$BIN/refine" run -q "$T/p3.pipeline" "$IN" -o "$T/t3.jsonl"
same "$T/t1.jsonl" "$T/t3.jsonl"

# Errors: usage (2) for bad values, 1 for a --lid-model that cannot be read.
expect_rc 2 "$H" --gopher-min-words lots "$T/in.jsonl" -o /dev/null
grep -q "gopher-min-words" "$T/err" || fail "no option name in the message"
expect_rc 2 "$H" --lang klingon "$T/in.jsonl" -o /dev/null
expect_rc 2 "$H" --c4-curly-bracket sometimes "$T/in.jsonl" -o /dev/null
expect_rc 2 "$H" --rep-top-2-gram fr:0.3 "$T/in.jsonl" -o /dev/null
expect_rc 1 "$H" --lid-model "$T/lid.176.ftz" "$T/in.jsonl" -o "$T/never.jsonl"
grep -q "lid.176.ftz" "$T/err" || fail "--lid-model message"
[ -e "$T/never.jsonl" ] && fail "output written after an init error"
expect_rc 0 "$H" --help >"$T/help"
for o in lang profile lid-model gopher-min-words rep-dup-10-gram c4-min-sentences fineweb-max-newline-ratio; do
    grep -q -- "--$o" "$T/help" || fail "--help lacks --$o"
done
echo ok
