#!/usr/bin/env python3
"""keep_rates.py KEPT REJECTS [--require SRC[,SRC...]:RATE] — per-source keep
rates and the main reject reasons of a refine-heuristic run. The source is the
document's "source" field, else derived from its id. --require fails (exit 1)
when the listed sources together keep less than RATE."""
import collections
import json
import sys


def source(d):
    if "source" in d:
        return d["source"]
    i = str(d.get("id", ""))
    for prefix, name in (("ko-news", "ko-news"), ("ko-jhe", "ko-news"), ("korquad", "ko-wiki"),
                         ("nsmc", "nsmc"), ("wt2", "en-wiki"), ("wp", "en-book")):
        if i.startswith(prefix):
            return name
    return "other"


def main():
    args = sys.argv[1:]
    req = None
    if "--require" in args:
        k = args.index("--require")
        srcs, rate = args[k + 1].rsplit(":", 1)
        req = (srcs.split(","), float(rate))
        del args[k:k + 2]
    kept, rej = args
    tot = collections.Counter(); keep = collections.Counter()
    why = collections.defaultdict(collections.Counter)
    for path, is_kept in ((kept, True), (rej, False)):
        for line in open(path, encoding="utf-8"):
            d = json.loads(line)
            s = source(d)
            tot[s] += 1
            if is_kept:
                keep[s] += 1
            else:
                why[s][d["refine"]["reject"]["reason"]] += 1
    for s in sorted(tot):
        top = ", ".join(f"{r} {n}" for r, n in why[s].most_common(4))
        print(f"{s:16s} {tot[s]:7d} docs  kept {keep[s] / tot[s]:7.2%}  {top}")
    if req:
        n = sum(tot[s] for s in req[0])
        k = sum(keep[s] for s in req[0])
        if n == 0:
            print("no documents of", req[0]); sys.exit(1)
        print(f"{'+'.join(req[0])}: kept {k}/{n} = {k / n:.2%} (required {req[1]:.0%})")
        sys.exit(0 if k / n >= req[1] else 1)


if __name__ == "__main__":
    main()
