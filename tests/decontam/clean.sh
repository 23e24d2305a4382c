#!/usr/bin/env bash
# False positives: every clean corpus of ../shared/data/corpora through drop
# mode against the full index. Documents that really are benchmark text
# (sources humaneval_code and korquad_wiki in mixed_ko_en, ko-wiki = KorQuAD
# paragraphs in ko_news_wiki) must all be found; of the others, fewer than
# 0.1% may be rejected. Prints the measured numbers.
. "$(dirname "$0")/../cli/lib.sh"
need_data
IDX=${DC_DIR:?}/bench.dcx
[ -f "$IDX" ] || { echo "skip: no index (cli.decontam_index did not run)"; exit 77; }
cd "$T"
for c in mixed_ko_en ko_news_wiki nsmc_reviews en_wikitext2_valid en_war_and_peace code_files; do
    f=$DATA/corpora/$c.jsonl.zst
    [ -f "$f" ] || fail "missing $f"
    "$BIN/refine-decontam" -q --index "$IDX" "$f" -o /dev/null --rejects "rej_$c.jsonl" \
        --stats "st_$c.json" || fail "run on $c"
    stats_check "st_$c.json"
done
python3 - <<'PY' || fail "false-positive check"
import json
genuine = {"humaneval_code", "korquad_wiki", "ko-wiki"}
tot_docs = tot_clean = fp = 0
for c in ["mixed_ko_en", "ko_news_wiki", "nsmc_reviews", "en_wikitext2_valid",
          "en_war_and_peace", "code_files"]:
    s = json.load(open(f"st_{c}.json"))
    rej = [json.loads(l) for l in open(f"rej_{c}.jsonl")]
    g = sum(1 for d in rej if d.get("source") in genuine)
    f = len(rej) - g
    # every genuine benchmark document of the corpus is rejected
    tot_docs += s["docs_in"]
    print(f"{c:22s} docs {s['docs_in']:6d}  rejected {len(rej):5d}  benchmark copies {g:5d}"
          f"  false positives {f:3d}")
    tot_clean += s["docs_in"] - g
    fp += f
rate = fp / tot_clean
print(f"false positives: {fp} of {tot_clean} non-benchmark documents = {100 * rate:.4f}%"
      f" (target < 0.1%)")
assert rate < 0.001
PY
# All real benchmark copies are found.
for pair in "mixed_ko_en humaneval_code 164" "mixed_ko_en korquad_wiki 140" "ko_news_wiki ko-wiki 964"; do
    set -- $pair
    got=$(python3 -c "import json,sys; print(sum(1 for l in open('rej_$1.jsonl') if json.loads(l).get('source') == '$2'))")
    [ "$got" = "$3" ] || fail "$1: $got of $3 $2 documents found"
done
echo ok
