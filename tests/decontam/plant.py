"""plant.py DATA OUT.jsonl — plants real evaluation items into real documents.

Every output document is a real document of DATA/corpora with one real item
of DATA/benchmarks inserted between two long runs of its own text (at a
line boundary for code). Variants: exact copy; upper case; sentence
punctuation removed or changed and the item quoted; whitespace changed
(line breaks, tabs, double spaces); Korean items in Korean text; HumanEval
functions inside real code files; short KorQuAD questions (indexed whole).
Each line: {id, kind, bench, item_start, item_end, text} where item_start and
item_end are the character offsets of the first and one past the last letter
or digit of the planted item. Deterministic (fixed seed)."""
import csv
import glob
import gzip
import json
import random
import re
import subprocess
import sys
import unicodedata

DATA, OUT = sys.argv[1], sys.argv[2]
rng = random.Random(20240611)


def zst_jsonl(name):
    out = subprocess.run(["zstd", "-q", "-dc", f"{DATA}/corpora/{name}"], check=True,
                         capture_output=True).stdout.decode()
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def words(s):
    return re.findall(r"\w+", s)


def longish(t, k=20):
    return len(words(t)) >= k


B = f"{DATA}/benchmarks"
gsm = [json.loads(l) for l in open(f"{B}/gsm8k_test.jsonl")]
kgsm = [json.loads(l) for l in open(f"{B}/kor_gsm8k_test.jsonl")]
click = [json.loads(l) for l in open(f"{B}/click.jsonl")]
heval = [json.loads(l) for l in gzip.open(f"{B}/humaneval.jsonl.gz", "rt")]
squad = json.load(open(f"{B}/korquad_v1_dev.json"))
mmlu, kmmlu = [], []
for f in sorted(glob.glob(f"{B}/mmlu_test/*.csv")):
    mmlu += [" ".join([r["question"], r["choice0"], r["choice1"], r["choice2"], r["choice3"]])
             for r in csv.DictReader(open(f, newline=""))]
for f in sorted(glob.glob(f"{B}/kmmlu_test/*.csv"))[:10]:
    kmmlu += [" ".join([r["question"], r["A"], r["B"], r["C"], r["D"]])
              for r in csv.DictReader(open(f, newline=""))]
boolq = [r["Text"] for r in csv.DictReader(open(f"{B}/kobest_test/BoolQ.tsv", newline=""),
                                            delimiter="\t")]
contexts = [p["context"] for a in squad["data"] for p in a["paragraphs"]]
questions = [q["question"] for a in squad["data"] for p in a["paragraphs"] for q in p["qas"]]
# Short questions: 8..11 tokens, matched as whole items.
short_q = [q for q in questions if 8 <= len(q.split()) <= 11 and not re.search(r"[^\w\s?]", q)]

en_items = {
    "gsm8k": [d["question"] + "\n" + d["answer"] for d in gsm],
    "mmlu": [t for t in mmlu if longish(t, 24)],
}
ko_items = {
    "kor_gsm8k": [d["kor_question"] for d in kgsm if longish(d["kor_question"], 15)],
    "kmmlu": [t for t in kmmlu if longish(t, 20)],
    "click": [d["question"] + " " + " ".join(d["choices"]) for d in click
              if longish(d["question"], 15)],
    "kobest": [t for t in boolq if longish(t, 20)],
    "korquad": [c for c in contexts if longish(c, 30)],
}

en_hosts = [d["text"] for d in zst_jsonl("en_wikitext2_valid.jsonl.zst") if len(d["text"]) > 3000]
en_hosts += [d["text"] for d in zst_jsonl("en_war_and_peace.jsonl.zst") if len(d["text"]) > 3000]
ko_hosts = [d["text"] for d in zst_jsonl("ko_news_wiki.jsonl.zst")
            if d.get("source") == "ko-news" and len(d["text"]) > 1500]
ko_hosts += [d["text"] for d in zst_jsonl("nsmc_reviews.jsonl.zst")[:3000] if len(d["text"]) > 1500]
code_hosts = [d["text"] for d in zst_jsonl("code_files.jsonl.zst")
              if d.get("lang") == "py" and len(d["text"]) > 3000]
assert en_hosts and ko_hosts and code_hosts, "corpora missing"


def upper(t):
    return t.upper()


def punct(t):
    t = re.sub(r"(?<=\w)[,.?!;:]+(?=\s|$)", lambda m: rng.choice(["", "!", " -", ";", "..."]), t)
    return "\u201c" + t + "\u201d"


def space(t):
    return re.sub(r"[ \n]+", lambda m: rng.choice(["\n", "  ", "\t", " \n ", "   "]), t)


def exact(t):
    return t


def split_point(host, lo, hi):
    """A whitespace position in [lo, hi) of host (characters)."""
    for _ in range(50):
        k = rng.randrange(lo, hi)
        if host[k].isspace():
            return k
    return lo


def letter_span(text, a, b):
    """First and one-past-last letter/digit of text[a:b]."""
    s = a
    while s < b and unicodedata.category(text[s])[0] not in "LN":
        s += 1
    e = b
    while e > s and unicodedata.category(text[e - 1])[0] not in "LN":
        e -= 1
    return s, e


docs = []


def plant(kind, bench, host, item, line_break=False):
    if line_break:
        lines = host.split("\n")
        k = rng.randrange(len(lines) // 3, 2 * len(lines) // 3)
        left, right = "\n".join(lines[:k]) + "\n", "\n" + "\n".join(lines[k:])
    else:
        k = split_point(host, len(host) // 3, 2 * len(host) // 3)
        left, right = host[:k] + "\n\n", "\n\n" + host[k:]
    text = left + item + right
    s, e = letter_span(text, len(left), len(left) + len(item))
    docs.append({"id": f"plant-{len(docs)}", "kind": kind, "bench": bench, "item_start": s,
                 "item_end": e, "text": text})


for bench, items in en_items.items():
    for f in (exact, upper, punct, space):
        for _ in range(6):
            plant(f.__name__, bench, rng.choice(en_hosts), f(rng.choice(items)))
for bench, items in ko_items.items():
    for f in (exact, punct, space):
        for _ in range(4):
            plant(f.__name__, bench, rng.choice(ko_hosts), f(rng.choice(items)))
for f in (exact, space):
    for _ in range(8):
        plant(f.__name__, "korquad_question", rng.choice(ko_hosts), f(rng.choice(short_q)))
for _ in range(12):
    h = rng.choice(heval)
    plant("code", "humaneval", rng.choice(code_hosts), h["prompt"] + h["canonical_solution"],
          line_break=True)
with open(OUT, "w") as o:
    for d in docs:
        o.write(json.dumps(d, ensure_ascii=False) + "\n")
print(f"planted {len(docs)} documents")
