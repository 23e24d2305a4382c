#!/usr/bin/env bash
# quality-ko-en.sh — recipe: train a Korean + English quality classifier
# with refine-quality from the shared corpora, then measure how often it
# agrees with human quality labels.
#
#   pipelines/quality-ko-en.sh [OUTDIR]          (default: out/quality-ko-en)
#
# 1. Training data (../shared/data/corpora), cut into passages of about 600
#    characters on line boundaries so that both classes look alike in size:
#      positives (__label__hq): news, encyclopedia and books —
#        ko_news_wiki (Korean news + KorQuAD Wikipedia), mixed_ko_en's
#        korquad_wiki and jhe_ko, WikiText-2, War and Peace, CCNet-head web
#        pages (mixed_ko_en's dolma_cc);
#      negatives (__label__lq): comments, chat and boilerplate-heavy web —
#        Naver movie reviews (nsmc), Korean news comments (kor_hate, ten per
#        passage), chatbot Q/A, and NLTK's webtext (bug reports, overheard
#        snippets, a film script, wine reviews, personal ads).
#    DCLM's labelled pages are left out of training: they are the test.
#    Each language's classes are sampled to the same size (fixed seed).
# 2. refine-quality train: word bigrams and character 2-4-grams (Korean
#    eojeol carry particles, so subwords matter), dim 32, 10 epochs.
# 3. refine-quality annotates ../shared/data/quality/dclm_majority_labelled
#    .jsonl (499 English pages, human majority labels 0/1) with P(hq), and
#    the report gives the agreement (hq <=> label 1) at 0.5, at the best
#    threshold (chosen on these same pages, so optimistic), ROC AUC and the
#    majority-class baseline. When the fastText CLI is installed, a model
#    `fasttext supervised` trains on the same passages with the same
#    settings is scored the same way, for comparison.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REFINE_BIN:-$here/build/bin}
DATA=${REFINE_TESTDATA:-$here/../shared/data}
OUT=${1:-$here/out/quality-ko-en}
THREADS=${THREADS:-1} # one thread: the same model, bit for bit, on every run
mkdir -p "$OUT"

echo "1/3 building training passages in $OUT" >&2
for f in ko_news_wiki nsmc_reviews en_wikitext2_valid en_war_and_peace mixed_ko_en; do
    zstd -q -dc "$DATA/corpora/$f.jsonl.zst" | python3 -c '
import json, sys
name = sys.argv[1]
for l in sys.stdin.buffer:
    d = json.loads(l)
    d["_set"] = name + ":" + d.get("source", "") if name == "mixed_ko_en" else name
    sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")' "$f"
done | python3 -c '
import json, random, sys
out = sys.argv[1]
POS = {"ko_news_wiki", "mixed_ko_en:korquad_wiki", "mixed_ko_en:jhe_ko",
       "en_wikitext2_valid", "en_war_and_peace", "mixed_ko_en:dolma_cc"}
NEG = {"nsmc_reviews", "mixed_ko_en:kor_hate", "mixed_ko_en:chatbot", "mixed_ko_en:nltk_webtext"}
EN = {"en_wikitext2_valid", "en_war_and_peace", "mixed_ko_en:dolma_cc", "mixed_ko_en:nltk_webtext"}

def passages(text, size=600):
    cur = []
    n = 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        cur.append(line)
        n += len(line)
        if n >= size:
            yield "\n".join(cur)
            cur, n = [], 0
    if cur and n >= size // 4:
        yield "\n".join(cur)

pools = {(lang, cls): [] for lang in ("ko", "en") for cls in ("pos", "neg")}
hate = []
for l in sys.stdin:
    d = json.loads(l)
    s = d["_set"]
    if s == "mixed_ko_en:kor_hate":
        hate.append(d["text"].replace("\n", " "))
        continue
    if s not in POS and s not in NEG:
        continue
    key = ("en" if s in EN else "ko", "pos" if s in POS else "neg")
    pools[key].extend(passages(d["text"]))
for i in range(0, len(hate), 10):
    pools[("ko", "neg")].append("\n".join(hate[i:i + 10]))
rng = random.Random(20240611)
for lang in ("ko", "en"):
    n = min(len(pools[(lang, "pos")]), len(pools[(lang, "neg")]), 3000)
    for cls in ("pos", "neg"):
        rng.shuffle(pools[(lang, cls)])
        pools[(lang, cls)] = pools[(lang, cls)][:n]
for cls in ("pos", "neg"):
    with open(f"{out}/{cls}.jsonl", "w", encoding="utf-8") as f:
        for lang in ("ko", "en"):
            for i, t in enumerate(pools[(lang, cls)]):
                f.write(json.dumps({"id": f"{lang}-{cls}-{i}", "text": t}, ensure_ascii=False) + "\n")
    print(cls, {lang: len(pools[(lang, cls)]) for lang in ("ko", "en")}, file=sys.stderr)
' "$OUT"

echo "2/3 training $OUT/quality-ko-en.bin" >&2
"$BIN/refine-quality" train --positive "$OUT/pos.jsonl" --negative "$OUT/neg.jsonl" \
    --positive-label hq --negative-label lq -o "$OUT/quality-ko-en.bin" \
    --dim 32 --epoch 10 --lr 0.2 --word-ngrams 2 --minn 2 --maxn 4 --bucket 200000 \
    --threads "$THREADS" --seed 1

echo "3/3 agreement with DCLM's human labels" >&2
"$BIN/refine-quality" -q --model "$OUT/quality-ko-en.bin" --name quality --label hq \
    "$DATA/quality/dclm_majority_labelled.jsonl" -o "$OUT/dclm_scored.jsonl"
report() {
python3 - "$1" "$2" <<'PY'
import json, sys
print(f"== {sys.argv[2]}")
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
y = [int(r["label"]) for r in rows]
p = [r["refine"]["quality"] for r in rows]
n = len(y)
acc = lambda t: sum((s >= t) == bool(l) for s, l in zip(p, y)) / n
best_t = max(sorted(set(p)), key=acc)
pos = [s for s, l in zip(p, y) if l]
neg = [s for s, l in zip(p, y) if not l]
auc = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))
print(f"dclm_majority_labelled: {n} pages, {sum(y)} labelled good")
print(f"agreement at P(hq) >= 0.5: {acc(0.5):.3f}")
print(f"agreement at the best threshold ({best_t:.3g}): {acc(best_t):.3f}")
print(f"ROC AUC: {auc:.3f}")
print(f"majority-class baseline: {max(sum(y), n - sum(y)) / n:.3f}")
PY
}
report "$OUT/dclm_scored.jsonl" "refine-quality train" | tee "$OUT/report.txt"
if command -v fasttext >/dev/null; then
    python3 -c '
import json, sys
for cls, label in (("pos", "__label__hq"), ("neg", "__label__lq")):
    for l in open(f"{sys.argv[1]}/{cls}.jsonl", encoding="utf-8"):
        print(label, json.loads(l)["text"].replace("\n", " "))' "$OUT" >"$OUT/train.txt"
    fasttext supervised -input "$OUT/train.txt" -output "$OUT/fasttext-ko-en" -dim 32 -epoch 10 \
        -lr 0.2 -wordNgrams 2 -minn 2 -maxn 4 -bucket 200000 -thread "$THREADS" -verbose 0
    "$BIN/refine-quality" -q --model "$OUT/fasttext-ko-en.bin" --name quality --label hq \
        "$DATA/quality/dclm_majority_labelled.jsonl" -o "$OUT/dclm_scored_fasttext.jsonl"
    report "$OUT/dclm_scored_fasttext.jsonl" "fasttext supervised, same data and settings" |
        tee -a "$OUT/report.txt"
fi
