#!/usr/bin/env python3
"""dedup_quality — near-duplicate detection quality of refine-dedup (MinHash
LSH) against datasketch's MinHashLSH, measured in the same run on the same
benchmark.

The benchmark (tests/dedup/nearsets.py) is built from ../shared/data/corpora:
Korean (NSMC reviews, news + Wikipedia, mixed) and English (WikiText,
War and Peace, mixed) originals, each with derived copies made by
controlled word-level substitutions, deletions, insertions, inserted
boilerplate and truncation, plus unrelated documents. Ground truth for
every labelled pair (all pairs inside a family, and random pairs across
families) is the exact Jaccard of the 5-gram shingle sets.

Both methods use the same LSH parameters (14 bands x 8 rows, 5-gram word
shingles, the same tokens). Reported per method:
  recall@0.8   labelled pairs with J >= 0.8 that end in one cluster
  flag<0.5     labelled pairs with J < 0.5 that end in one cluster
               (split into derived-copy pairs and unrelated pairs)
  precision    of the pairs the method asserts (its candidate pairs; with
               verification, those that passed), share with true J >= 0.8
  and the detection rate per Jaccard bin next to the S-curve.

  python3 bench/dedup_quality.py [--families N] [--copies K] [--unrelated M]
(needs datasketch: bench/dedup.sh creates .venv-bench with it)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "dedup"))
import nearsets  # noqa: E402

BANDS, ROWS, NGRAM = 14, 8, 5


class UF:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, x):
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.p[max(a, b)] = min(a, b)


def run_refine(bindir, tmp, shards, verify, threads):
    out = os.path.join(tmp, "out-v" if verify else "out")
    tsv = os.path.join(tmp, "pairs-v.tsv" if verify else "pairs.tsv")
    cmd = [os.path.join(bindir, "refine-dedup"), "--minhash", *shards, "--out-dir", out,
           "--annotate", "--pairs-out", tsv, "-t", str(threads), "-q"]
    if verify:
        cmd += ["--verify", str(verify)]
    t0 = time.time()
    subprocess.run(cmd, check=True)
    secs = time.time() - t0
    return out, tsv, secs


def refine_clusters(out, names, index_of):
    """doc index -> cluster label, from outputs (dup_cluster annotations) and
    rejects (cluster S:R in the detail)."""
    lab = {}
    for k, name in enumerate(names):
        for r, line in enumerate(open(os.path.join(out, name))):
            d = json.loads(line)
            i = int(d["id"])
            c = d.get("refine", {}).get("dup_cluster")
            lab[i] = c if c else f"self{i}"
        for line in open(os.path.join(out, "rejects", name)):
            d = json.loads(line)
            det = d["refine"]["reject"]["detail"]
            m = re.match(r"cluster (\d+:\d+)", det)
            lab[int(d["id"])] = m.group(1)
    return lab


def refine_pairs(tsv, index_of, verified):
    pairs = set()
    with open(tsv) as f:
        next(f)
        for line in f:
            s1, o1, s2, o2, jac, acc = line.split("\t")
            if verified and acc.strip() != "1":
                continue
            a, b = index_of[(int(s1), int(o1))], index_of[(int(s2), int(o2))]
            pairs.add((min(a, b), max(a, b)))
    return pairs


def run_datasketch(sh, verify):
    from datasketch import MinHash, MinHashLSH
    t0 = time.time()
    lsh = MinHashLSH(num_perm=BANDS * ROWS, params=(BANDS, ROWS))
    mhs = []
    for i, s in enumerate(sh):
        m = MinHash(num_perm=BANDS * ROWS, seed=1)
        m.update_batch([("\x1f".join(t)).encode("utf-8") for t in s])
        mhs.append(m)
        lsh.insert(i, m)
    pairs = set()
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    if verify:
        pairs = {(a, b) for a, b in pairs if nearsets.jaccard(sh[a], sh[b]) >= verify}
    secs = time.time() - t0
    uf = UF(len(sh))
    for a, b in pairs:
        uf.union(a, b)
    lab = {i: uf.find(i) for i in range(len(sh))}
    return lab, pairs, secs


def metrics(lab, asserted, labelled, sh, docs):
    same = lambda i, j: lab[i] == lab[j]  # noqa: E731
    hi = [(i, j) for i, j, jac in labelled if jac >= 0.8]
    lo_fam = [(i, j) for i, j, jac in labelled if jac < 0.5 and docs[i]["family"] == docs[j]["family"]]
    lo_unrel = [(i, j) for i, j, jac in labelled if jac < 0.5 and docs[i]["family"] != docs[j]["family"]]
    lo = lo_fam + lo_unrel
    r = {
        "recall@0.8": sum(same(i, j) for i, j in hi) / max(1, len(hi)),
        "flag<0.5": sum(same(i, j) for i, j in lo) / max(1, len(lo)),
        "flag<0.5 copies": sum(same(i, j) for i, j in lo_fam) / max(1, len(lo_fam)),
        "flag<0.5 unrelated": sum(same(i, j) for i, j in lo_unrel) / max(1, len(lo_unrel)),
        "asserted pairs": len(asserted),
    }
    good = sum(1 for a, b in asserted if nearsets.jaccard(sh[a], sh[b]) >= 0.8)
    r["precision"] = good / max(1, len(asserted))
    bins = []
    for b in range(10):
        lo_, hi_ = b / 10, (b + 1) / 10
        sel = [(i, j) for i, j, jac in labelled if lo_ <= jac < hi_ or (b == 9 and jac == 1.0)]
        bins.append((len(sel), sum(same(i, j) for i, j in sel) / max(1, len(sel))))
    r["bins"] = bins
    r["n_hi"], r["n_lo"], r["n_lo_fam"] = len(hi), len(lo), len(lo_fam)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--families", type=int, default=500)
    ap.add_argument("--copies", type=int, default=6)
    ap.add_argument("--unrelated", type=int, default=30000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    c = os.path.join(a.data, "corpora")
    ko = (nearsets.read_corpus(c + "/nsmc_reviews.jsonl.zst", 4000)
          + nearsets.read_corpus(c + "/ko_news_wiki.jsonl.zst"))
    mixed = nearsets.read_corpus(c + "/mixed_ko_en.jsonl.zst")
    en = (nearsets.read_corpus(c + "/en_wikitext2_valid.jsonl.zst")
          + nearsets.read_corpus(c + "/en_war_and_peace.jsonl.zst")
          + [t for t in mixed if not re.search("[\uac00-\ud7a3]", t)])
    ko += [t for t in mixed if re.search("[\uac00-\ud7a3]", t)]
    # balance: half Korean, half English originals
    import random
    rng = random.Random(a.seed)
    rng.shuffle(ko)
    rng.shuffle(en)
    texts = []
    for x, y in zip(ko, en):
        texts += [x, y]
    t0 = time.time()
    docs, labelled = nearsets.make_benchmark(texts, a.families, a.copies, a.unrelated, seed=a.seed)
    sh = [nearsets.shingles(d["text"], NGRAM) for d in docs]
    gen = time.time() - t0
    nko = sum(1 for d in docs if re.search("[\uac00-\ud7a3]", d["text"]))
    print(f"benchmark: {len(docs)} documents ({nko} Korean), {a.families} families x "
          f"(1 + {a.copies} copies), {len(labelled)} labelled pairs; built in {gen:.1f} s")

    with tempfile.TemporaryDirectory() as tmp:
        nshards = 4
        names = [f"bench-{k}.jsonl" for k in range(nshards)]
        files = [open(os.path.join(tmp, n), "w") for n in names]
        index_of = {}
        counts = [0] * nshards
        for i, d in enumerate(docs):
            k = i % nshards
            files[k].write(json.dumps({"id": str(i), "text": d["text"]}, ensure_ascii=False) + "\n")
            index_of[(k, counts[k])] = i
            counts[k] += 1
        for f in files:
            f.close()
        shards = [os.path.join(tmp, n) for n in names]
        res = {}
        out, tsv, secs = run_refine(a.bin, tmp, shards, 0, a.threads)
        res["refine-dedup"] = (metrics(refine_clusters(out, names, index_of),
                                       refine_pairs(tsv, index_of, False), labelled, sh, docs), secs)
        out, tsv, secs = run_refine(a.bin, tmp, shards, 0.8, a.threads)
        res["refine-dedup --verify 0.8"] = (metrics(refine_clusters(out, names, index_of),
                                                    refine_pairs(tsv, index_of, True), labelled, sh, docs),
                                            secs)
    lab, pairs, secs = run_datasketch(sh, 0)
    res["datasketch MinHashLSH"] = (metrics(lab, pairs, labelled, sh, docs), secs)
    lab, pairs, secs = run_datasketch(sh, 0.8)
    res["datasketch + exact J >= 0.8"] = (metrics(lab, pairs, labelled, sh, docs), secs)

    any_m = next(iter(res.values()))[0]
    print(f"labelled pairs: {any_m['n_hi']} with J >= 0.8, {any_m['n_lo']} with J < 0.5 "
          f"({any_m['n_lo_fam']} derived copies, {any_m['n_lo'] - any_m['n_lo_fam']} unrelated)\n")
    print("| method | recall@0.8 | flagged J<0.5 (copies / unrelated) | precision of asserted pairs "
          "| asserted pairs | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, (m, secs) in res.items():
        print(f"| {name} | {m['recall@0.8']:.4f} | {m['flag<0.5']:.4f} ({m['flag<0.5 copies']:.4f} / "
              f"{m['flag<0.5 unrelated']:.4f}) | {m['precision']:.4f} | {m['asserted pairs']} | {secs:.2f} |")
    print("\nshare of labelled pairs that end in one cluster, by true Jaccard:\n")
    print("| J | pairs | P(candidate) 14x8 | " + " | ".join(res) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in res) + " |")
    for b in range(10):
        mid = b / 10 + 0.05
        p = 1 - (1 - mid ** ROWS) ** BANDS
        n = any_m["bins"][b][0]
        print(f"| {b/10:.1f}-{(b+1)/10:.1f} | {n} | {p:.3f} | "
              + " | ".join(f"{m['bins'][b][1]:.3f}" for m, _ in res.values()) + " |")
    r0 = res["refine-dedup"][0]
    rv = res["refine-dedup --verify 0.8"][0]
    ok = r0["recall@0.8"] >= 0.95 and r0["flag<0.5"] <= 0.01 and rv["precision"] >= 0.99
    print(f"\ntargets (recall@0.8 >= 0.95, flagged J<0.5 <= 1%, precision with --verify 0.8 >= 0.99): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
