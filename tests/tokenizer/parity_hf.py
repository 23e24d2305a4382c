"""parity_hf.py — refine's encoder against HuggingFace tokenizers on whole corpora.

Usage: parity_hf.py ENCODE_BIN DATA_DIR NAME[,NAME...] CORPUS...

For every tokenizer NAME (DATA_DIR/tokenizers/NAME/tokenizer.json, or a path
ending in .json) the corpora are encoded by refine (encode_bin: the library
through the runner, ids in binary) and by HF tokenizers (encode_batch), and
compared document by document. The corpora are read once, the way refine
reads them: UTF-8 with ill-formed bytes and lone surrogate escapes replaced
by U+FFFD. Any mismatch fails and prints the document and the first
differing position.

HF is the slow side (minutes for all shared tokenizers on all corpora), so
its output is remembered when REFINE_PARITY_CACHE names a directory: one
8-byte BLAKE2b digest per document, in a file keyed by the hashes of the
tokenizer file, the corpora, this script and the tokenizers version. Any
change to one of them is a miss and HF runs again; REFINE_PARITY_CACHE=
(empty) always runs HF. Exit 0 ok, 1 mismatch, 77 when tokenizers is
missing."""
import gzip
import hashlib
import json
import os
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
    if path.endswith(".gz"):
        raw = gzip.open(path).read()
    elif path.endswith(".zst"):
        raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    else:
        raw = open(path, "rb").read()
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


def file_hash(path, h):
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def digest(b):
    return hashlib.blake2b(b, digest_size=8).digest()


def split_ours(buf, ndocs):
    """refine's binary output -> list of per-document id bytes, or None."""
    out = []
    off = 0
    for _ in range(ndocs):
        if off + 4 > len(buf):
            return None
        (n,) = struct.unpack_from("=I", buf, off)
        out.append(buf[off + 4:off + 4 + 4 * n])
        off += 4 + 4 * n
    return out if off == len(buf) else None


def report(name, k, did, text, got_bytes, tok):
    enc = tok.encode(text, add_special_tokens=False)
    want = array("I", enc.ids)
    got = array("I")
    got.frombytes(got_bytes)
    i = next((j for j in range(min(len(got), len(want))) if got[j] != want[j]),
             min(len(got), len(want)))
    print("MISMATCH %s doc %d (id %r): first difference at token %d (HF %d ids, refine %d): "
          "HF %r, refine %r" % (name, k, did, i, len(want), len(got), list(want[i:i + 6]),
                                list(got[i:i + 6])))
    print("  HF tokens there: %r" % enc.tokens[max(0, i - 3):i + 4])
    print("  text: %r" % text[:300])


def main():
    encode_bin, data, names, corpora = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    cache_dir = os.environ.get("REFINE_PARITY_CACHE") or None
    docs = []
    for c in corpora:
        docs.extend(read_docs(c))
    texts = [t for _, t in docs]
    key_base = hashlib.sha256()
    key_base.update(tokenizers.__version__.encode())
    file_hash(os.path.abspath(__file__), key_base)
    for c in corpora:
        file_hash(c, key_base)
    print("tokenizers %s; %d documents, %.1f MB of text%s"
          % (tokenizers.__version__, len(docs), sum(len(t.encode()) for t in texts) / 1e6,
             "; HF results cached in " + cache_dir if cache_dir else ""))
    rc = 0
    for name in names.split(","):
        path = name if name.endswith(".json") else "%s/tokenizers/%s/tokenizer.json" % (data, name)
        label = os.path.basename(name)
        t0 = time.time()
        res = subprocess.run([encode_bin, path] + corpora, capture_output=True)
        t1 = time.time()
        if res.returncode != 0:
            print(res.stderr.decode()[-2000:])
            print("FAIL %s: encode_bin exited with %d" % (label, res.returncode))
            rc = 1
            continue
        ours = split_ours(res.stdout, len(docs))
        if ours is None:
            print("FAIL %s: refine's output does not hold %d documents" % (label, len(docs)))
            rc = 1
            continue
        key = key_base.copy()
        file_hash(path, key)
        cache = os.path.join(cache_dir, key.hexdigest() + ".dig") if cache_dir else None
        tok = None
        cached = ""
        if cache and os.path.exists(cache):
            want = open(cache, "rb").read()
            cached = " (cached)"
        else:
            tok = Tokenizer.from_file(path)
            ref = tok.encode_batch(texts, add_special_tokens=False)
            want = b"".join(digest(array("I", e.ids).tobytes()) for e in ref)
            if cache:
                os.makedirs(cache_dir, exist_ok=True)
                tmp = cache + ".tmp%d" % os.getpid()
                open(tmp, "wb").write(want)
                os.replace(tmp, cache)
        t2 = time.time()
        bad = 0
        total = 0
        for k, got in enumerate(ours):
            total += len(got) // 4
            if digest(got) == want[8 * k:8 * k + 8]:
                continue
            bad += 1
            if bad <= 5:
                tok = tok or Tokenizer.from_file(path)
                report(label, k, docs[k][0], docs[k][1], got, tok)
        print("%-9s %d documents, %d tokens, %d mismatching; refine %.1f s, HF %.1f s%s"
              % (label, len(docs), total, bad, t1 - t0, t2 - t1, cached))
        sys.stdout.flush()
        rc |= 1 if bad else 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
