#!/usr/bin/env bash
# Keep rates on the shared corpora with the default profiles. Asserted: at
# least 90% of ko_news_wiki (Korean news and Wikipedia paragraphs) is kept.
# Printed for the record: the per-source rates of every corpus (see
# docs/heuristic-calibration.md for what they mean).
. "$(dirname "$0")/../cli/lib.sh"
need_data
C="$DATA/corpora"
for f in ko_news_wiki en_wikitext2_valid en_war_and_peace mixed_ko_en; do
    [ -f "$C/$f.jsonl.zst" ] || { echo "skip: $f missing"; exit 77; }
done
"$BIN/refine-heuristic" -q --threads 2 "$C/ko_news_wiki.jsonl.zst" "$C/en_wikitext2_valid.jsonl.zst" \
    "$C/en_war_and_peace.jsonl.zst" "$C/mixed_ko_en.jsonl.zst" \
    -o "$T/kept.jsonl" --rejects "$T/rej.jsonl" --stats "$T/st.json" || fail "refine-heuristic"
stats_check "$T/st.json"
python3 "$(dirname "$0")/keep_rates.py" "$T/kept.jsonl" "$T/rej.jsonl" --require ko-news,ko-wiki:0.90
