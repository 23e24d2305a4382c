#!/usr/bin/env python3
"""compare_pred.py REF OUT [TOL] — checks `fasttext predict-prob` output
against refine's: same number of lines, the same labels in the same order
on every line, every probability within TOL (default 1e-4). Prints how many
lines are byte-identical. Exit 1 on the first difference (shown)."""
import sys

ref = open(sys.argv[1], "rb").read().split(b"\n")
out = open(sys.argv[2], "rb").read().split(b"\n")
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
if len(ref) != len(out):
    sys.exit(f"{sys.argv[2]}: {len(out) - 1} lines, reference has {len(ref) - 1}")
same = maxdiff = 0
for i, (a, b) in enumerate(zip(ref, out), 1):
    if a == b:
        same += 1
        continue
    ta, tb = a.split(), b.split()
    ok = len(ta) == len(tb) and ta[0::2] == tb[0::2]
    if ok:
        for x, y in zip(ta[1::2], tb[1::2]):
            d = abs(float(x) - float(y))
            maxdiff = max(maxdiff, d)
            ok = ok and d <= tol
    if not ok:
        sys.exit(f"line {i} differs:\n  fasttext: {a[:300]!r}\n  refine:   {b[:300]!r}")
print(f"{len(ref) - 1} lines: labels equal, {same - 1} byte-identical, max |dp| {maxdiff:.3g}")
