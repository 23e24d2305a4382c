#!/usr/bin/env python3
"""eval.py — measures refine-spam on the set of build_set.py.

  clean docs        share kept with the text unchanged (target >= 0.98)
  boilerplate docs  share of real body lines that survive byte-exact, share
                    of added boilerplate lines removed (target >= 0.90)
  spam docs         share rejected (target >= 0.90)

    eval.py REFINE_SPAM SET.jsonl OUT_JSON [--check]
With --check it exits 1 when a target is missed (body lines must survive at
>= 0.99).
"""
import collections
import json
import os
import subprocess
import sys
import tempfile


def main():
    binary, path, out_json = sys.argv[1:4]
    check = "--check" in sys.argv
    docs = [json.loads(l) for l in open(path, encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        rej = os.path.join(tmp, "rej.jsonl")
        inp = "".join(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n" for d in docs)
        res = subprocess.run([binary, "-q", "--threads", "2", "--rejects", rej], input=inp.encode(), check=True,
                             stdout=subprocess.PIPE).stdout.decode()
        kept = {}
        for l in res.splitlines():
            d = json.loads(l)
            kept[d["id"]] = d["text"]
        rejected = {}
        for l in open(rej, encoding="utf-8"):
            d = json.loads(l)
            rejected[d["id"]] = d["refine"]["reject"]["reason"]
    st = collections.defaultdict(lambda: collections.Counter())
    examples = []
    for d in docs:
        k, src = d["kind"], d["source"]
        s = st[k]
        sb = st[k + ":" + src]
        for c in (s, sb):
            c["docs"] += 1
        if k == "clean":
            same = d["id"] in kept and kept[d["id"]] == d["text"]
            for c in (s, sb):
                c["unchanged"] += same
            if not same:
                examples.append(("clean changed", d["id"], rejected.get(d["id"], "edited")))
        elif k == "spam":
            for c in (s, sb):
                c["rejected"] += d["id"] in rejected
            if d["id"] not in rejected:
                examples.append(("spam kept", d["id"], d["text"][:100]))
        else:
            outl = collections.Counter(kept.get(d["id"], "").split("\n")) if d["id"] in kept else collections.Counter()
            for c in (s, sb):
                c["rejected"] += d["id"] in rejected
            for line in d["body"]:
                if not line.strip():
                    continue
                ok = outl[line] > 0
                if ok:
                    outl[line] -= 1
                for c in (s, sb):
                    c["body"] += 1
                    c["body_kept"] += ok
                if not ok and d["id"] in kept:
                    examples.append(("body line lost", d["id"], line[:100]))
            if d["id"] in rejected:
                examples.append(("boilerplate doc rejected", d["id"], rejected[d["id"]]))
                continue
            for line in d["added"]:
                removed = outl[line] == 0
                if not removed:
                    outl[line] -= 1
                    examples.append(("boilerplate kept", d["id"], line))
                for c in (s, sb):
                    c["added"] += 1
                    c["added_removed"] += removed
    report = {}
    for k, c in sorted(st.items()):
        r = dict(c)
        if "unchanged" in c or k.startswith("clean"):
            r["unchanged_share"] = c["unchanged"] / c["docs"]
        if k.startswith("spam"):
            r["rejected_share"] = c["rejected"] / c["docs"]
        if k.startswith("boilerplate"):
            r["body_kept_share"] = c["body_kept"] / c["body"] if c["body"] else None
            r["added_removed_share"] = c["added_removed"] / c["added"] if c["added"] else None
        report[k] = r
        print("%-28s %s" % (k, ", ".join("%s=%s" % (a, ("%.4f" % b) if isinstance(b, float) else b)
                                           for a, b in sorted(r.items()))))
    reasons = collections.Counter(rejected.values())
    print("reject reasons:", dict(reasons))
    for e in examples[:25]:
        print("  %s %s: %r" % e)
    report["reject_reasons"] = dict(reasons)
    with open(out_json, "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    if check:
        ok = (report["clean"]["unchanged_share"] >= 0.98 and report["spam"]["rejected_share"] >= 0.90 and
              report["boilerplate"]["added_removed_share"] >= 0.90 and report["boilerplate"]["body_kept_share"] >= 0.99)
        if not ok:
            print("FAIL: a target was missed")
            sys.exit(1)


if __name__ == "__main__":
    main()
