#!/usr/bin/env bash
# Parity with datatrove 0.10: the decisions of GopherQualityFilter,
# GopherRepetitionFilter, C4QualityFilter and FineWebQualityFilter (their
# defaults) against refine-heuristic's English profile, group by group and as
# FineWeb's pipeline, on the English documents of the shared corpora: the
# English sources of mixed_ko_en (dclm_labeled, nltk_webtext, dolma_cc,
# humaneval_code), WikiText-2 and War and Peace. Required: >= 95% agreement
# per filter with refine's defaults, and with C4's document checks set to
# datatrove's line scope, >= 99.5% everywhere plus identical C4-edited texts.
# datatrove's results are cached under the build tree (keyed by the input
# and the requirement pins): the first run takes about a minute.
. "$(dirname "$0")/../cli/lib.sh"
need_data
[ -n "${REFINE_PYTHON:-}" ] || { echo "skip: REFINE_PYTHON not set (run ./test.sh)"; exit 77; }
"$REFINE_PYTHON" -c "import datatrove, spacy" 2>/dev/null ||
    { echo "skip: datatrove/spacy not importable by $REFINE_PYTHON"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
C="$DATA/corpora"
for f in mixed_ko_en en_wikitext2_valid en_war_and_peace; do
    [ -f "$C/$f.jsonl.zst" ] || { echo "skip: $f missing"; exit 77; }
done
python3 - "$C" "$T/en.jsonl" <<'PY'
import json, subprocess, sys
c, out = sys.argv[1], sys.argv[2]
english = {"dclm_labeled", "nltk_webtext", "dolma_cc", "humaneval_code"}
with open(out, "w", encoding="utf-8") as f:
    for name in ("mixed_ko_en", "en_wikitext2_valid", "en_war_and_peace"):
        data = subprocess.run(["zstd", "-dc", f"{c}/{name}.jsonl.zst"], capture_output=True,
                              check=True).stdout.decode("utf-8")
        for line in data.split("\n"):  # not splitlines(): U+2028 may sit inside a string
            if not line:
                continue
            d = json.loads(line)
            if name != "mixed_ko_en" or d.get("source") in english:
                f.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
PY
[ $? -eq 0 ] || fail "could not collect the English documents"
[ "$(count_lines "$T/en.jsonl")" -eq 2138 ] || fail "expected 2138 English documents, got $(count_lines "$T/en.jsonl")"
key=$(cat "$T/en.jsonl" "$SRC/tests/requirements/heuristic.txt" "$HERE/parity_datatrove.py" | sha1sum | cut -c1-16)
cache="$BIN/../heuristic-parity"
mkdir -p "$cache"
ref="$cache/datatrove-$key.jsonl"
if [ ! -s "$ref" ]; then
    "$REFINE_PYTHON" "$HERE/parity_datatrove.py" reference "$T/en.jsonl" "$ref.tmp.$$" || fail "datatrove run"
    mv "$ref.tmp.$$" "$ref"
fi
H="$BIN/refine-heuristic"
run() { # NAME GROUP-OPTIONS...
    local name=$1
    shift
    "$H" -q --profile en --no-annotate-scripts "$@" "$T/en.jsonl" -o "$T/$name.out" --rejects "$T/$name.rej" ||
        fail "refine-heuristic $name"
}
only() { # the group switches for one group
    for g in gopher-quality gopher-repetition c4 fineweb; do
        if [ "$g" = "$1" ]; then echo "--$g on"; else echo "--$g off"; fi
    done
}
run gq $(only gopher-quality)
run gr $(only gopher-repetition)
run c4 $(only c4)
run fw $(only fineweb)
run pipe
LINE="--c4-curly-bracket line --c4-lorem-ipsum line"
run c4-line $(only c4) $LINE
run pipe-line $LINE
"$REFINE_PYTHON" "$HERE/parity_datatrove.py" compare "$ref" \
    gq="$T/gq.rej" gr="$T/gr.rej" c4="$T/c4.rej:$T/c4.out" fw="$T/fw.rej" pipe="$T/pipe.rej" \
    c4-line="$T/c4-line.rej:$T/c4-line.out" pipe-line="$T/pipe-line.rej" \
    --min gq=0.95 --min gr=0.95 --min c4=0.95 --min fw=0.95 --min pipe=0.95 \
    --min c4-line=0.995 --min pipe-line=0.995 || fail "agreement with datatrove below the bar"
