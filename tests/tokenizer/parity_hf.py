"""parity_hf.py — refine's encoder against HuggingFace tokenizers on whole corpora.

Usage: parity_hf.py ENCODE_BIN DATA_DIR NAME[,NAME...] CORPUS...

For every tokenizer NAME (DATA_DIR/tokenizers/NAME/tokenizer.json, or a path
ending in .json) the
corpora are encoded by refine (encode_bin: the library through the runner,
ids in binary) and by HF tokenizers (encode_batch), and compared document by
document. The corpora are read once, the way refine reads them: UTF-8 with
ill-formed bytes and lone surrogate escapes replaced by U+FFFD. Any mismatch
fails and prints the document and the first differing position.
Exit 0 ok, 1 mismatch, 77 when the tokenizers package is missing."""
import json
import re
import struct
import subprocess
import sys
import time
from array import array

try:
    import tokenizers
    from tokenizers import Tokenizer
except ImportError:
    print("skip: python package 'tokenizers' not installed (./test.sh installs it)")
    sys.exit(77)

SURR = re.compile("[\ud800-\udfff]")


def read_docs(path):
    cmd = ["zstd", "-dcf", path] if path.endswith(".zst") else ["cat", path]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    docs = []
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            d = json.loads(line.decode("utf-8", "replace"))
        except ValueError:
            continue
        if not isinstance(d, dict) or not isinstance(d.get("text"), str):
            continue
        docs.append((d.get("id"), SURR.sub("\ufffd", d["text"])))
    return docs


def compare(name, ours, docs, ref):
    off = 0
    bad = 0
    total = 0
    for k, ((did, text), enc) in enumerate(zip(docs, ref)):
        if off + 4 > len(ours):
            print("FAIL %s: refine wrote fewer documents (%d) than the corpus has (%d)"
                  % (name, k, len(docs)))
            return 1
        (n,) = struct.unpack_from("=I", ours, off)
        got = ours[off + 4:off + 4 + 4 * n]
        off += 4 + 4 * n
        want = array("I", enc.ids)
        total += len(want)
        if got == want.tobytes():
            continue
        bad += 1
        if bad <= 5:
            g = array("I")
            g.frombytes(got)
            i = next((j for j in range(min(len(g), len(want))) if g[j] != want[j]),
                     min(len(g), len(want)))
            print("MISMATCH %s doc %d (id %r): first difference at token %d of %d/%d: "
                  "HF %r, refine %r" % (name, k, did, i, len(want), len(g),
                                        list(want[i:i + 6]), list(g[i:i + 6])))
            print("  HF tokens there: %r" % enc.tokens[max(0, i - 3):i + 4])
            print("  text: %r" % text[:300])
    if off != len(ours):
        print("FAIL %s: refine wrote more documents than the corpus has" % name)
        return 1
    print("%-9s %d documents, %d tokens, %d mismatching" % (name, len(docs), total, bad))
    return 1 if bad else 0


def main():
    encode_bin, data, names, corpora = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    docs = []
    for c in corpora:
        docs.extend(read_docs(c))
    texts = [t for _, t in docs]
    print("tokenizers %s; %d documents, %.1f MB of text"
          % (tokenizers.__version__, len(docs), sum(len(t.encode()) for t in texts) / 1e6))
    rc = 0
    for name in names.split(","):
        path = name if name.endswith(".json") else "%s/tokenizers/%s/tokenizer.json" % (data, name)
        t0 = time.time()
        ours = subprocess.run([encode_bin, path] + corpora, capture_output=True)
        t1 = time.time()
        if ours.returncode != 0:
            print(ours.stderr.decode()[-2000:])
            print("FAIL %s: encode_bin exited with %d" % (name, ours.returncode))
            rc = 1
            continue
        ref = Tokenizer.from_file(path).encode_batch(texts, add_special_tokens=False)
        t2 = time.time()
        rc |= compare(name, ours.stdout, docs, ref)
        print("          refine %.1f s, HF %.1f s" % (t1 - t0, t2 - t1))
        sys.stdout.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
