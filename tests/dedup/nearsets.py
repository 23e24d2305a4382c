"""nearsets — an independent Python reference for refine-dedup's shingling and
a generator of near-duplicate benchmarks.

Reference (written from the definitions in docs/dedup.md, not from the C
code): text → NFKC, full case folding, punctuation and symbols (Unicode P*,
S*) → space, decimal digits → '0', whitespace collapsed; tokens = whitespace-
separated words with every Han/Kana character a token of its own; shingles =
tuples of n consecutive tokens (a text with fewer tokens is one shingle of
all of them); Jaccard = |A ∩ B| / |A ∪ B| of the shingle sets.

Benchmark: families of an original document from ../shared/data/corpora and
derived copies with controlled word-level edits (substitution, deletion,
insertion), inserted boilerplate and truncation, plus unrelated documents.
Ground truth for every pair is the exact Jaccard above.
"""
import json
import random
import subprocess
import unicodedata


def _cat(ch):
    return unicodedata.category(ch)


def normalize(text):
    t = unicodedata.normalize("NFKC", text)
    t = unicodedata.normalize("NFKC", t.casefold())
    out = []
    for ch in t:
        c = _cat(ch)
        if c[0] in "PS":
            out.append(" ")
        elif c == "Nd":
            out.append("0")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _is_cjk(ch):
    cp = ord(ch)
    han = (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF
           or 0x20000 <= cp <= 0x3FFFF or 0x2E80 <= cp <= 0x2FDF or cp in (0x3005, 0x3007)
           or 0x3021 <= cp <= 0x3029 or 0x3038 <= cp <= 0x303B)
    kana = ((0x3040 <= cp <= 0x30FF and cp != 0x30FB) or 0x31F0 <= cp <= 0x31FF
            or 0xFF66 <= cp <= 0xFF9F or 0x1B000 <= cp <= 0x1B16F)
    return han or kana


def tokens(norm):
    toks = []
    for w in norm.split():
        cur = ""
        for ch in w:
            if _is_cjk(ch):
                if cur:
                    toks.append(cur)
                    cur = ""
                toks.append(ch)
            else:
                cur += ch
        if cur:
            toks.append(cur)
    return toks


def shingles(text, n=5):
    t = tokens(normalize(text))
    if len(t) < n:
        return {tuple(t)}
    return {tuple(t[i:i + n]) for i in range(len(t) - n + 1)}


def jaccard(a, b):
    if not a and not b:
        return 1.0
    i = len(a & b)
    return i / (len(a) + len(b) - i)


# ---- benchmark generation ----

BOILERPLATE = [
    "Subscribe to our newsletter for the latest updates. All rights reserved. "
    "Privacy policy | Terms of use | Contact us",
    "이 기사는 저작권법의 보호를 받습니다. 무단 전재 및 재배포 금지. 구독하기 | 로그인 | 회원가입",
    "Click here to read more stories like this one. Share on Facebook, Twitter and email.",
]


def read_corpus(path, limit=None):
    data = subprocess.run(["zstd", "-q", "-dc", path], capture_output=True, check=True).stdout
    docs = []
    for line in data.decode("utf-8").split("\n"):
        if not line:
            continue
        d = json.loads(line)
        docs.append(d["text"])
        if limit and len(docs) >= limit:
            break
    return docs


def derive(text, rng, vocab):
    """One derived copy of text and a label of how it was made."""
    words = text.split(" ")
    kind = rng.choice(["substitute", "delete", "insert", "boilerplate", "truncate", "mixed"])
    rate = rng.choice([0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.35])
    if kind == "substitute":
        for i in range(len(words)):
            if rng.random() < rate:
                words[i] = rng.choice(vocab)
    elif kind == "delete":
        words = [w for w in words if rng.random() >= rate]
    elif kind == "insert":
        out = []
        for w in words:
            out.append(w)
            if rng.random() < rate:
                out.append(rng.choice(vocab))
        words = out
    elif kind == "boilerplate":
        bp = rng.choice(BOILERPLATE)
        reps = 1 + int(rate * 20)
        extra = " ".join([bp] * reps).split(" ")
        words = extra + words if rng.random() < 0.5 else words + extra
    elif kind == "truncate":
        keep = max(1, int(len(words) * (1 - rate * 2.5)))
        words = words[:keep]
    else:
        for i in range(len(words)):
            if rng.random() < rate / 2:
                words[i] = rng.choice(vocab)
        words = words + rng.choice(BOILERPLATE).split(" ")
        words = words[: max(1, int(len(words) * (1 - rate)))]
    return " ".join(words), f"{kind}:{rate}"


def make_benchmark(texts, families, copies, unrelated, seed=1, min_words=40):
    """Returns (docs, pairs): docs = [{"id", "text", "family", "how"}],
    pairs = [(i, j, jaccard)] for every pair inside a family and `unrelated`
    random pairs across families."""
    rng = random.Random(seed)
    pool = [t for t in texts if len(t.split()) >= min_words]
    rng.shuffle(pool)
    vocab = [w for t in pool[:500] for w in t.split()[:50]]
    docs = []
    fam_members = []
    for f in range(min(families, len(pool))):
        orig = pool[f]
        members = [len(docs)]
        docs.append({"id": f"f{f}-orig", "text": orig, "family": f, "how": "original"})
        for c in range(copies):
            t, how = derive(orig, rng, vocab)
            members.append(len(docs))
            docs.append({"id": f"f{f}-c{c}", "text": t, "family": f, "how": how})
        fam_members.append(members)
    # singletons: unrelated documents that are in no family
    for k, t in enumerate(pool[families:families + families]):
        docs.append({"id": f"u{k}", "text": t, "family": -1 - k, "how": "unrelated"})
    sh = [shingles(d["text"]) for d in docs]
    pairs = []
    for members in fam_members:
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                i, j = members[a], members[b]
                pairs.append((i, j, jaccard(sh[i], sh[j])))
    n = len(docs)
    seen = set()
    while len(seen) < unrelated:
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j or docs[i]["family"] == docs[j]["family"]:
            continue
        i, j = min(i, j), max(i, j)
        if (i, j) in seen:
            continue
        seen.add((i, j))
        pairs.append((i, j, jaccard(sh[i], sh[j])))
    # shuffle documents so families spread over the shards
    order = list(range(n))
    rng.shuffle(order)
    pos = {old: new for new, old in enumerate(order)}
    docs = [docs[o] for o in order]
    pairs = [(min(pos[i], pos[j]), max(pos[i], pos[j]), jac) for i, j, jac in pairs]
    return docs, pairs
