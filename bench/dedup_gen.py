#!/usr/bin/env python3
"""dedup_gen — the speed benchmark's input: every document of
../shared/data/corpora replicated REPLICAS times (default 10, about 0.8 GB of
JSON Lines), written as zstd shards of about --shard-mb MB into OUT.
Replica 0 is the corpus itself; in the others each document is an exact
copy (40%), a near copy with 1-5% of its words substituted, deleted or
inserted, or boilerplate added (40%), or a heavy rewrite with 30% of its words
replaced (20%), so the run has exact duplicates, near duplicates and
distinct documents. Deterministic for a given --seed.

  python3 bench/dedup_gen.py OUT [--replicas 10] [--shard-mb 64]
"""
import argparse
import glob
import json
import os
import random
import subprocess

BOILER = " Subscribe to our newsletter. All rights reserved. 무단 전재 및 재배포 금지."


def corpus_lines(data):
    for p in sorted(glob.glob(os.path.join(data, "corpora", "*.jsonl.zst"))):
        out = subprocess.run(["zstd", "-q", "-dc", p], capture_output=True, check=True).stdout
        for line in out.decode("utf-8").split("\n"):
            if line:
                yield json.loads(line)


def edit(text, rng, rate, vocab):
    w = text.split(" ")
    out = []
    for x in w:
        r = rng.random()
        if r < rate / 3:
            out.append(rng.choice(vocab))
        elif r < 2 * rate / 3:
            continue
        elif r < rate:
            out += [x, rng.choice(vocab)]
        else:
            out.append(x)
    return " ".join(out)


class Shards:
    def __init__(self, out, mb):
        self.out, self.limit, self.k, self.p, self.n = out, mb << 20, 0, None, 0

    def write(self, line):
        if self.p is None or self.n >= self.limit:
            self.close()
            f = open(os.path.join(self.out, f"part-{self.k:05d}.jsonl.zst"), "wb")
            self.p = subprocess.Popen(["zstd", "-q", "-3", "-T1", "-c"], stdin=subprocess.PIPE, stdout=f)
            f.close()
            self.k += 1
            self.n = 0
        b = line.encode("utf-8")
        self.p.stdin.write(b)
        self.n += len(b)

    def close(self):
        if self.p:
            self.p.stdin.close()
            self.p.wait()
            self.p = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--replicas", type=int, default=10)
    ap.add_argument("--shard-mb", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    docs = list(corpus_lines(a.data))
    rng = random.Random(a.seed)
    vocab = [w for d in docs[:2000] for w in d["text"].split(" ")[:30] if w]
    sh = Shards(a.out, a.shard_mb)
    total = 0
    for r in range(a.replicas):
        for i, d in enumerate(docs):
            t = d["text"]
            if r:
                x = rng.random()
                if x < 0.4:
                    pass
                elif x < 0.8:
                    t = edit(t, rng, rng.choice([0.01, 0.02, 0.05]), vocab) if rng.random() < 0.8 else t + BOILER
                else:
                    t = edit(t, rng, 0.3, vocab)
            line = json.dumps({"id": f"r{r}-{d.get('id', i)}", "text": t}, ensure_ascii=False) + "\n"
            total += len(line.encode("utf-8"))
            sh.write(line)
    sh.close()
    print(f"{a.out}: {sh.k} shards, {total / 1e6:.1f} MB of JSON Lines, "
          f"{len(docs) * a.replicas} documents")


if __name__ == "__main__":
    main()
