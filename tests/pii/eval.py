#!/usr/bin/env python3
"""eval.py — precision and recall of refine-pii per type.

Runs refine-pii --spans over a labelled set and compares the detected spans
with the labels: a detection is a true positive when it overlaps a label of
the same type, a false positive otherwise (a detection inside a planted hard
negative is also counted per negative kind); a label nothing of its type
overlaps is a miss. Inputs: the sets of build_set.py (labels in byte
offsets) and NeMo Curator's inline-tagged English files
(<email>..</email>, ...), converted here.

    eval.py REFINE_PII OUT_JSON SET [SET...] [--min P] [--nemo DIR]
Exits 1 when a structured type with labels falls below --min in precision
or recall.
"""
import argparse
import json
import re
import subprocess
import sys

NEMO_MAP = {"email": "email", "phone_number": "phone", "ssn": "ssn", "credit_card_number": "card",
            "ip_address": "ip", "address": None, "name": None, "birth_date": None}
STRUCTURED = ["email", "phone", "rrn", "frn", "passport", "driver", "brn", "card", "account", "ip", "ssn",
              "secret"]


def nemo_docs(d):
    import glob
    import os
    docs = []
    tag = re.compile(r"<([a-z_]+)>(.*?)</\1>")
    for path in sorted(glob.glob(os.path.join(d, "*.txt"))):
        for i, line in enumerate(open(path, encoding="utf-8").read().splitlines()):
            if not line.strip():
                continue
            text, labels, unsupported, pos = "", [], [], 0
            for m in tag.finditer(line):
                text += line[pos:m.start()]
                a = len(text.encode())
                text += m.group(2)
                b = len(text.encode())
                t = NEMO_MAP.get(m.group(1))
                (labels if t else unsupported).append([t or m.group(1), a, b])
                pos = m.end()
            text += line[pos:]
            docs.append({"id": "%s:%d" % (os.path.basename(path), i + 1), "text": text, "labels": labels,
                         "negatives": [], "unsupported": unsupported})
    return docs


def run(binary, docs):
    inp = "".join(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n" for d in docs)
    out = subprocess.run([binary, "--spans", "-q", "--threads", "2"], input=inp.encode(), check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    spans = {}
    for line in out.splitlines():
        d = json.loads(line)
        spans[d["id"]] = d.get("refine", {}).get("pii_spans", [])
    return spans


def score(docs, spans):
    st = {}
    negs = {}

    def s(t):
        return st.setdefault(t, {"tp": 0, "fp": 0, "fn": 0, "gold": 0})

    examples = []
    for d in docs:
        pred = spans.get(d["id"], [])
        used = [False] * len(pred)
        for t, a, b in d["labels"]:
            s(t)["gold"] += 1
            hit = False
            for k, (pt, pa, pb) in enumerate(pred):
                if pt == t and pa < b and a < pb:
                    used[k] = True
                    hit = True
            if hit:
                s(t)["tp"] += 1
            else:
                s(t)["fn"] += 1
                examples.append(("miss", t, d["text"].encode()[a:b].decode(errors="replace")))
        for k, (pt, pa, pb) in enumerate(pred):
            if used[k]:
                continue
            s(pt)["fp"] += 1
            frag = d["text"].encode()[pa:pb].decode(errors="replace")
            examples.append(("false", pt, frag))
            for kind, a, b in d["negatives"]:
                if pa < b and a < pb:
                    negs[kind] = negs.get(kind, 0) + 1
    for t, v in st.items():
        v["precision"] = v["tp"] / (v["tp"] + v["fp"]) if v["tp"] + v["fp"] else None
        v["recall"] = v["tp"] / v["gold"] if v["gold"] else None
    neg_total = {}
    for d in docs:
        for kind, _, _ in d["negatives"]:
            neg_total[kind] = neg_total.get(kind, 0) + 1
    return st, {k: {"planted": n, "detected": negs.get(k, 0)} for k, n in neg_total.items()}, examples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("out")
    ap.add_argument("sets", nargs="*")
    ap.add_argument("--nemo")
    ap.add_argument("--min", type=float, default=0.95)
    a = ap.parse_args()
    inputs = [(p, [json.loads(l) for l in open(p, encoding="utf-8")]) for p in a.sets]
    if a.nemo:
        inputs.append(("nemo_curator_tagged", nemo_docs(a.nemo)))
    report, ok = {}, True
    for name, docs in inputs:
        st, negs, ex = score(docs, run(a.binary, docs))
        unsupported = {}
        for d in docs:
            for t, _, _ in d.get("unsupported", []):
                unsupported[t] = unsupported.get(t, 0) + 1
        report[name] = {"docs": len(docs), "types": st, "negatives": negs, "unsupported": unsupported}
        print("%s: %d documents" % (name, len(docs)))
        print("  %-9s %6s %6s %6s %6s  %9s %7s" % ("type", "gold", "tp", "fp", "fn", "precision", "recall"))
        for t in sorted(st, key=lambda x: STRUCTURED.index(x) if x in STRUCTURED else 99):
            v = st[t]
            p = "-" if v["precision"] is None else "%.3f" % v["precision"]
            r = "-" if v["recall"] is None else "%.3f" % v["recall"]
            print("  %-9s %6d %6d %6d %6d  %9s %7s" % (t, v["gold"], v["tp"], v["fp"], v["fn"], p, r))
            if t in STRUCTURED and v["gold"]:
                if (v["precision"] or 0) < a.min or (v["recall"] or 0) < a.min:
                    ok = False
                    print("  FAIL: %s below %.2f" % (t, a.min))
        if negs:
            print("  hard negatives (planted / detected): " +
                  ", ".join("%s %d/%d" % (k, v["planted"], v["detected"]) for k, v in sorted(negs.items())))
        if unsupported:
            print("  not in scope (free-text PII): " + ", ".join("%s %d" % kv for kv in sorted(unsupported.items())))
        for kind, t, frag in ex[:12]:
            print("  %s %s: %r" % (kind, t, frag[:80]))
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
