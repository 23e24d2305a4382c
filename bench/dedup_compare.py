#!/usr/bin/env python3
"""dedup_compare — the same MinHash-LSH dedup (5-gram word shingles, 14 bands
x 8 rows, keep one document per cluster) done with other tools, for
bench/dedup.sh to time against refine-dedup on the same input:

  datatrove   datatrove's four MinHash stages (signature, buckets, cluster,
              filter) with its LocalPipelineExecutor, JsonlReader/JsonlWriter,
              64-bit hashes, --workers processes, English word tokenizer
  datasketch  one process: datasketch MinHash per document (update_batch over
              lower-cased whitespace 5-grams), MinHashLSH insert + query,
              union-find, survivors written as JSON Lines

  python3 bench/dedup_compare.py datatrove|datasketch OUT INPUT.jsonl... [--workers N]
Prints one line: documents in, documents kept, seconds.
"""
import argparse
import json
import os
import shutil
import sys
import time


def run_datatrove(out, inputs, workers):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (MinhashDedupBuckets, MinhashDedupCluster,
                                          MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    src = os.path.dirname(os.path.abspath(inputs[0]))
    names = [os.path.basename(p) for p in inputs]
    cfg = MinhashConfig(hash_config=HashConfig(precision=64), num_buckets=14,
                        hashes_per_bucket=8, n_grams=5)
    w = os.path.join(out, "work")
    list_file = os.path.join(out, "files.txt")
    os.makedirs(out, exist_ok=True)
    with open(list_file, "w") as f:
        f.write("\n".join(names) + "\n")
    reader = lambda: JsonlReader(src, paths_file=list_file, compression=None)  # noqa: E731
    n = len(inputs)
    s1 = LocalPipelineExecutor(pipeline=[reader(), MinhashDedupSignature(
        output_folder=w + "/sigs", config=cfg, language="en")], tasks=n, workers=workers,
        logging_dir=w + "/logs1")
    s2 = LocalPipelineExecutor(pipeline=[MinhashDedupBuckets(
        input_folder=w + "/sigs", output_folder=w + "/buckets", config=cfg)],
        tasks=cfg.num_buckets, workers=workers, logging_dir=w + "/logs2", depends=s1)
    s3 = LocalPipelineExecutor(pipeline=[MinhashDedupCluster(
        input_folder=w + "/buckets", output_folder=w + "/remove", config=cfg)],
        tasks=1, logging_dir=w + "/logs3", depends=s2)
    s4 = LocalPipelineExecutor(pipeline=[reader(), MinhashDedupFilter(input_folder=w + "/remove"),
                                         JsonlWriter(out + "/kept", compression=None)],
                               tasks=n, workers=workers, logging_dir=w + "/logs4", depends=s3)
    s4.run()
    kept = 0
    for root, _, files in os.walk(out + "/kept"):
        for f in files:
            kept += sum(1 for _ in open(os.path.join(root, f)))
    return kept


def run_datasketch(out, inputs):
    from datasketch import MinHash, MinHashLSH
    lsh = MinHashLSH(num_perm=112, params=(14, 8))
    docs = []
    mhs = []
    for p in inputs:
        with open(p) as f:
            for line in f:
                d = json.loads(line)
                w = d["text"].lower().split()
                sh = {" ".join(w[i:i + 5]).encode("utf-8") for i in range(max(1, len(w) - 4))}
                m = MinHash(num_perm=112, seed=1)
                m.update_batch(list(sh))
                lsh.insert(len(docs), m)
                docs.append(line)
                mhs.append(m)
    parent = list(range(len(docs)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    os.makedirs(out, exist_ok=True)
    kept = 0
    with open(os.path.join(out, "kept.jsonl"), "w") as f:
        for i, line in enumerate(docs):
            if find(i) == i:
                f.write(line)
                kept += 1
    return kept, len(docs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=["datatrove", "datasketch"])
    ap.add_argument("out")
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    n_in = sum(sum(1 for _ in open(p)) for p in a.inputs)
    t0 = time.time()
    if a.tool == "datatrove":
        kept = run_datatrove(a.out, a.inputs, a.workers)
    else:
        kept, _ = run_datasketch(a.out, a.inputs)
    print(f"{a.tool}: {n_in} documents in, {kept} kept, {time.time() - t0:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
