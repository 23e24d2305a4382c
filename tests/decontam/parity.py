"""parity.py INDEX SPECLIST BASE — checks an index built by
`refine-decontam index` against an independent Python implementation.

Items are read with Python's own json and csv modules (the CSV/TSV reader and
the JSON paths of the C code are not used), normalised the way
stages/text.h specifies (NFKC and case folding from Python's unicodedata,
punctuation and symbols to spaces, whitespace tokens, Han and Kana
characters as single tokens) and hashed with the xxhash package
(XXH3-64 of the tokens joined by single spaces). The result must equal the
items and n-gram hashes in the index's SQLite provenance. Python's Unicode
database may be older than utf8proc's, so an item whose normalised text
differs is reported and allowed only while such items stay below 0.1%;
for every other item the set of n-gram hashes must be identical."""
import csv
import glob
import gzip
import io
import json
import os
import sqlite3
import subprocess
import sys
import unicodedata

import xxhash

INDEX, SPECS, BASE = sys.argv[1:4]
N, MIN_TOKENS = 12, 8


def is_space(cp):
    if cp <= 0x20:
        return cp == 0x20 or 0x09 <= cp <= 0x0D
    return cp in (0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000) or \
        0x2000 <= cp <= 0x200A


def is_hangul(cp):
    return (0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F or
            0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF or 0xFFA0 <= cp <= 0xFFDC)


def is_han(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or
            0x20000 <= cp <= 0x3FFFF or 0x2E80 <= cp <= 0x2FDF or cp in (0x3005, 0x3007) or
            0x3021 <= cp <= 0x3029 or 0x3038 <= cp <= 0x303B)


def is_kana(cp):
    return ((0x3040 <= cp <= 0x30FF and cp != 0x30FB) or 0x31F0 <= cp <= 0x31FF or
            0xFF66 <= cp <= 0xFF9F or 0x1B000 <= cp <= 0x1B16F)


def punct_or_symbol(ch):
    cp = ord(ch)
    if cp < 0x80:
        return not ch.isalnum() and not is_space(cp) and 0x20 < cp < 0x7F
    if is_hangul(cp) or is_han(cp) or is_kana(cp) or is_space(cp):
        return False
    return unicodedata.category(ch)[0] in "PS"


def tokens(text):
    s = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    s = "".join(" " if punct_or_symbol(c) else c for c in s)
    out = []
    for w in "".join(" " if is_space(ord(c)) else c for c in s).split(" "):
        cur = ""
        for c in w:
            if ord(c) >= 0x2E80 and (is_han(ord(c)) or is_kana(ord(c))):
                if cur:
                    out.append(cur)
                out.append(c)
                cur = ""
            else:
                cur += c
        if cur:
            out.append(cur)
    return out


def as_texts(v):
    """Strings and numbers of a JSON value, in order (the jpath leaves)."""
    if isinstance(v, str):
        return [v]
    if isinstance(v, bool) or v is None:
        return []
    if isinstance(v, (int, float)):
        return [json.dumps(v)]
    if isinstance(v, list):
        return [t for x in v for t in as_texts(x)]
    if isinstance(v, dict):
        return [t for x in v.values() for t in as_texts(x)]
    return []


def walk(v, path):
    """Values reached by a path like data[].paragraphs[].qas[]."""
    vals = [v]
    for seg in path.split("."):
        each = seg.endswith("[]")
        name = seg[:-2] if each else seg
        nxt = []
        for x in vals:
            if name:
                if not isinstance(x, dict) or name not in x:
                    continue
                x = x[name]
            if each:
                nxt.extend(x if isinstance(x, list) else [])
            else:
                nxt.append(x)
        vals = nxt
    return vals


def read(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def items_of(spec):
    name, rest = spec.split("=", 1)
    files, fields = rest.rsplit(":", 1)
    record = None
    if "/" in fields:
        record, fields = fields.split("/", 1)
    fields = fields.split(",")
    for path in sorted(glob.glob(os.path.join(BASE, files))):
        text = read(path)
        if ".jsonl" in path:
            recs = [json.loads(l) for l in text.splitlines() if l.strip()]
            for r in recs:
                yield name, [t for f in fields for t in as_texts(walk(r, f)[0] if walk(r, f) else [])]
        elif ".json" in path:
            for r in walk(json.loads(text), record):
                yield name, [t for f in fields for v in walk(r, f) for t in as_texts(v)]
        else:
            delim = "\t" if path.endswith(".tsv") else ","
            rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delim)
            for r in rows:
                yield name, [r[f] for f in fields if r.get(f)]


db = sqlite3.connect(INDEX + ".sqlite")
rows = db.execute("SELECT i.id, b.name, i.text FROM items i JOIN benchmarks b"
                  " ON b.id = i.benchmark ORDER BY i.id").fetchall()
specs = [l.strip() for l in open(SPECS) if l.strip() and not l.lstrip().startswith("#")]
ours = [(name, texts) for s in specs for name, texts in items_of(s) if any(texts)]
assert len(ours) == len(rows), f"item count: python {len(ours)}, index {len(rows)}"

hashes = {}
for item, h in db.execute("SELECT item, hash FROM ngrams"):
    hashes.setdefault(item, set()).add(h & 0xFFFFFFFFFFFFFFFF)

text_diff = hash_diff = compared = 0
for (iid, bname, itext), (name, texts) in zip(rows, ours):
    assert bname == name, (iid, bname, name)
    toks = [t for x in texts for t in tokens(x)]
    if " ".join(toks) != itext:
        text_diff += 1
        if text_diff <= 5:
            print(f"item {iid} ({name}): normalised text differs\n  python: {' '.join(toks)[:160]}"
                  f"\n  index:  {itext[:160]}")
        continue
    want = set()
    if len(toks) >= N:
        for i in range(len(toks) - N + 1):
            want.add(xxhash.xxh3_64_intdigest(" ".join(toks[i:i + N]).encode()))
    elif len(toks) >= MIN_TOKENS:
        want.add(xxhash.xxh3_64_intdigest(" ".join(toks).encode()))
    compared += 1
    if want != hashes.get(iid, set()):
        hash_diff += 1
        if hash_diff <= 5:
            print(f"item {iid} ({name}): n-gram hashes differ")
print(f"{len(rows)} items: {len(rows) - text_diff} with identical normalised text, "
      f"{compared - hash_diff} of those with identical n-gram hash sets "
      f"({sum(len(v) for v in hashes.values())} (hash, item) pairs)")
assert hash_diff == 0, "n-gram hashes differ from the Python reference"
assert text_diff <= 0.001 * len(rows), "too many items normalise differently"
