#!/usr/bin/env python3
"""make_models.py — writes synthetic fastText supervised models (random
weights) in fastText 0.9.2's binary format, covering what real models rarely
combine: quantised input with and without quantised norms, a quantised
output (needs >= 256 labels), a pruned n-gram index, every loss, word and
character n-grams, and the old version-11 header. The parity test has the
Debian `fasttext` binary predict with them, so the format variants are
checked against fastText itself, not against this writer.

    make_models.py OUTDIR VOCAB_TEXT [--small]

VOCAB_TEXT is any text: its most frequent tokens become the vocabulary.
--small writes tiny models (a few KB) for the fuzz corpus."""
import collections
import os
import random
import struct
import sys

MAGIC, VERSION = 793712314, 12
HS, NS, SOFTMAX, OVA = 1, 2, 3, 4


def vocab(path, n):
    c = collections.Counter()
    with open(path, "rb") as f:
        for line in f:
            c.update(w for w in line.split() if not w.startswith(b"__label__"))
    words = [w for w, _ in c.most_common(n)]
    counts = [c[w] for w in words]
    return words, counts


def floats(rng, n, scale):
    return struct.pack("<%df" % n, *[rng.gauss(0.0, scale) for _ in range(n)])


def pq(rng, dim, dsub, scale):
    nsubq = dim // dsub
    last = dim % dsub
    if last == 0:
        last = dsub
    else:
        nsubq += 1
    return struct.pack("<iiii", dim, nsubq, dsub, last) + floats(rng, dim * 256, scale), nsubq


def dense(rng, m, n, scale):
    return struct.pack("<qq", m, n) + floats(rng, m * n, scale)


def quant(rng, m, n, dsub, qnorm, scale):
    pqb, nsubq = pq(rng, n, dsub, scale)
    codes = bytes(rng.randrange(256) for _ in range(m * nsubq))
    out = struct.pack("<?qqi", qnorm, m, n, len(codes)) + codes + pqb
    if qnorm:
        npq = struct.pack("<iiii", 1, 1, 1, 1) + struct.pack(
            "<256f", *[rng.uniform(0.2, 2.0) for _ in range(256)])
        out += bytes(rng.randrange(256) for _ in range(m)) + npq
    return out


def model(path, words, wcounts, *, dim=8, nlabels=3, bucket=1000, minn=0, maxn=0, ngrams=1,
          loss=SOFTMAX, quant_in=False, dsub=2, qnorm=False, qout=False, prune=None,
          version=VERSION, seed=1, scale=0.5, out_scale=None, eos=True):
    rng = random.Random(seed)
    words = list(words)
    counts = list(wcounts)
    if eos:
        words.insert(0, b"</s>")
        counts.insert(0, max(counts) + 1 if counts else 1)
    labels = [b"__label__%d" % i for i in range(nlabels)]
    lcounts = sorted((rng.randrange(1, 1000) for _ in labels), reverse=True)
    nwords = len(words)
    b = struct.pack("<ii", MAGIC, version)
    b += struct.pack("<12i", dim, 5, 5, 1, 5, ngrams, loss, 3, bucket, minn, maxn, 100)
    b += struct.pack("<d", 1e-4)
    pidx = []
    if prune is not None:
        pidx = rng.sample(range(bucket), prune)
    b += struct.pack("<iiiqq", nwords + nlabels, nwords, nlabels, sum(counts) + sum(lcounts),
                     len(pidx) if prune is not None else -1)
    for w, c in zip(words, counts):
        b += w + b"\0" + struct.pack("<qb", c, 0)
    for w, c in zip(labels, lcounts):
        b += w + b"\0" + struct.pack("<qb", c, 1)
    for j, k in enumerate(pidx):
        b += struct.pack("<ii", k, j)
    rows = nwords + (len(pidx) if prune is not None else bucket)
    b += struct.pack("<?", quant_in)
    b += quant(rng, rows, dim, dsub, qnorm, scale) if quant_in else dense(rng, rows, dim, scale)
    b += struct.pack("<?", qout)
    osc = scale if out_scale is None else out_scale
    if quant_in and qout:
        b += quant(rng, nlabels, dim, 2, qnorm, osc)
    else:
        b += dense(rng, nlabels, dim, osc)
    with open(path, "wb") as f:
        f.write(b)


def main():
    out, text = sys.argv[1], sys.argv[2]
    small = "--small" in sys.argv
    os.makedirs(out, exist_ok=True)
    if small:
        words, counts = vocab(text, 12)
        common = dict(dim=4, bucket=64)
        specs = {
            "softmax.bin": dict(),
            "hs.bin": dict(loss=HS, nlabels=5),
            "ova.bin": dict(loss=OVA),
            "ngrams.bin": dict(minn=1, maxn=3, ngrams=2),
            "quant.ftz": dict(quant_in=True, minn=2, maxn=4, bucket=300, prune=40),
            "qnorm.ftz": dict(quant_in=True, qnorm=True, dsub=3, prune=10, ngrams=3),
            "v11.bin": dict(version=11, minn=1, maxn=2),
        }
        for name, kw in specs.items():
            model(os.path.join(out, name), words, counts, **{**common, **kw})
        return
    words, counts = vocab(text, 3000)
    specs = {
        "softmax.bin": dict(dim=16),
        "softmax_ngrams.bin": dict(dim=10, minn=2, maxn=5, ngrams=3, bucket=20000),
        "hs.bin": dict(loss=HS, nlabels=40, dim=12, minn=1, maxn=3, bucket=5000),
        "ova.bin": dict(loss=OVA, nlabels=7, ngrams=2, bucket=5000),
        "ns.bin": dict(loss=NS, nlabels=5, minn=3, maxn=3, bucket=5000),
        "quant.ftz": dict(quant_in=True, dim=16, minn=1, maxn=4, bucket=20000, prune=3000),
        "quant_qnorm.ftz": dict(quant_in=True, qnorm=True, dim=10, dsub=4, ngrams=2,
                                bucket=20000, prune=2000),
        "quant_qout.ftz": dict(quant_in=True, qout=True, nlabels=300, dim=8, minn=2, maxn=3,
                               bucket=8000, prune=1000),
        "quant_qout_qnorm_hs.ftz": dict(quant_in=True, qout=True, qnorm=True, loss=HS,
                                        nlabels=260, dim=6, dsub=4, bucket=4000, prune=500),
        "pruned_empty.ftz": dict(quant_in=True, minn=1, maxn=3, prune=0, bucket=500),
        "v11.bin": dict(version=11, minn=1, maxn=3, ngrams=2, bucket=3000),
        "no_eos.bin": dict(eos=False, nlabels=4),
        "one_label_hs.bin": dict(loss=HS, nlabels=1),
        # All outputs equal: the order of tied labels is fastText's heap order.
        "ties_softmax.bin": dict(nlabels=9, out_scale=0.0),
        "ties_ova.bin": dict(loss=OVA, nlabels=6, out_scale=0.0),
        "ties_hs.bin": dict(loss=HS, nlabels=11, out_scale=0.0),
    }
    for name, kw in specs.items():
        model(os.path.join(out, name), words, counts, **kw)


if __name__ == "__main__":
    main()
