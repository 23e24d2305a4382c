"""check_pack.py — checks refine-pack output with the independent reader
(mmidx_reader.py) against the input documents.

  check_pack.py roundtrip PREFIX INPUT TOKENIZER_JSON DTYPE_CODE [--fim]
      needs HuggingFace `tokenizers` (the test venv). For every document:
      non-FIM: the tokens are exactly HF's encode(text) + EOD, and for
      byte-level tokenizers decode == text; FIM: the sentinel structure is
      exactly PSM or SPM v2, every part is HF's encoding of its own text, and
      the parts in original order decode to the text.
  check_pack.py packed PREFIX UNPACKED_PREFIX N [GROUP_FIELD INPUT]
      standard library only: every sequence has exactly N tokens; the side
      file's parts rebuild every document of the unpacked dataset exactly,
      in order, once; padding is the declared pad token count; a sequence
      never mixes groups.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mmidx_reader import Dataset  # noqa: E402


def read_jsonl(path):
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    else:
        data = open(path, "rb").read()
    return [json.loads(l) for l in data.decode("utf-8").split("\n") if l.strip()]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def roundtrip(prefix, inp, tok_path, dtype_code, fim):
    from tokenizers import Tokenizer
    tk = Tokenizer.from_file(tok_path)
    ds = Dataset(prefix)
    docs = read_jsonl(inp)
    if ds.dtype_code != int(dtype_code):
        fail("dtype code %d, expected %s" % (ds.dtype_code, dtype_code))
    if ds.documents != len(docs) or len(ds) != len(docs):
        fail("%d documents / %d sequences for %d inputs" % (ds.documents, len(ds), len(docs)))
    vocab = tk.get_vocab(with_added_tokens=True)
    eod = next(vocab[t] for t in ("<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>") if t in vocab)
    spec = json.load(open(tok_path))
    byte_level = "ByteLevel" in json.dumps(spec.get("decoder"))
    # Qwen's NFC normaliser: decode(encode(x)) is NFC(x).
    nfc = '"NFC"' in json.dumps(spec.get("normalizer"))
    sent = {}
    if fim:
        sent = {k: vocab["<|fim_%s|>" % k] for k in ("prefix", "middle", "suffix")}
    n_psm = n_spm = 0
    import unicodedata
    for i, d in enumerate(docs):
        text = d["text"]
        if nfc:
            text = unicodedata.normalize("NFC", text)
        toks = ds.document(i)
        if not toks or toks[-1] != eod:
            fail("doc %d: no EOD at the end" % i)
        toks = toks[:-1]
        if fim and toks and toks[0] == sent["prefix"]:
            pre, mid, suf = sent["prefix"], sent["middle"], sent["suffix"]
            for s in (pre, mid, suf):
                if toks.count(s) != 1:
                    fail("doc %d: sentinel %d appears %d times" % (i, s, toks.count(s)))
            ps, ms = toks.index(suf), toks.index(mid)
            if ps == 1:  # SPM v2: <PRE><SUF> suffix <MID> prefix middle
                n_spm += 1
                if not ms > ps:
                    fail("doc %d: SPM order" % i)
                suffix, premid = toks[2:ms], toks[ms + 1:]
                got = tk.decode(premid, skip_special_tokens=False) + \
                    tk.decode(suffix, skip_special_tokens=False)
                parts = [suffix]
            else:  # PSM: <PRE> prefix <SUF> suffix <MID> middle
                n_psm += 1
                if not (ps < ms):
                    fail("doc %d: PSM order" % i)
                prefix, suffix, middle = toks[1:ps], toks[ps + 1:ms], toks[ms + 1:]
                got = "".join(tk.decode(p, skip_special_tokens=False) for p in (prefix, middle, suffix))
                parts = [prefix, suffix, middle]
            if got != text:
                fail("doc %d (%s): FIM parts reassembled differ from the text" % (i, d.get("id")))
            for p in parts:  # each part is the exact encoding of its own text
                if tk.encode(tk.decode(p, skip_special_tokens=False), add_special_tokens=False).ids != p:
                    fail("doc %d: a FIM part is not HF's encoding of its text" % i)
        else:
            want = tk.encode(d["text"], add_special_tokens=False).ids
            if toks != want:
                fail("doc %d (%s): ids differ from HF's encode" % (i, d.get("id")))
            if byte_level and tk.decode(toks, skip_special_tokens=False) != text:
                fail("doc %d: decode(tokens) != text" % i)
    print("roundtrip ok: %d documents, %d PSM, %d SPM (dtype %d)" % (len(docs), n_psm, n_spm,
                                                                   ds.dtype_code))


def packed(prefix, unpacked, n, group_field=None, inp=None):
    n = int(n)
    ds, un = Dataset(prefix), Dataset(unpacked)
    bounds = [json.loads(l) for l in open(prefix + ".bounds.jsonl")]
    if len(bounds) != len(ds) or ds.documents != len(ds):
        fail("%d bounds lines, %d sequences, %d documents" % (len(bounds), len(ds), ds.documents))
    groups = None
    if group_field:
        groups = [json.dumps(d.get(group_field)) for d in read_jsonl(inp)]
    pieces = {}
    pad_total = 0
    for i, b in enumerate(bounds):
        seq = ds.sequence(i)
        if b["seq"] != i or len(seq) != n:
            fail("sequence %d: %d tokens, not %d" % (i, len(seq), n))
        pos = 0
        for doc, _id, off, start, length in b["docs"]:
            if start != pos:
                fail("sequence %d: part at %d, expected %d" % (i, start, pos))
            pieces.setdefault(doc, []).append((off, seq[start:start + length]))
            pos += length
            if groups is not None and json.dumps(b["group"]) != groups[doc]:
                fail("sequence %d: document %d of group %s in a %s sequence" %
                     (i, doc, groups[doc], b["group"]))
        if pos != b["tokens"] or b["pad"] != n - pos:
            fail("sequence %d: tokens/pad fields" % i)
        if len(set(seq[pos:])) > 1:
            fail("sequence %d: padding is not one token" % i)
        pad_total += n - pos
    for d in range(un.documents):
        want = un.document(d)
        got = [t for _, p in sorted(pieces.get(d, [])) for t in p]
        if got != want:
            fail("document %d is not rebuilt by its parts" % d)
        offs = sorted(o for o, _ in pieces.get(d, []))
        if len(offs) != len(set(offs)):
            fail("document %d placed twice" % d)
    print("packed ok: %d sequences of %d, padding %.2f%%, %d documents" %
          (len(ds), n, 100.0 * pad_total / max(1, len(ds) * n), un.documents))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "roundtrip":
        roundtrip(args[0], args[1], args[2], args[3], "--fim" in args[4:])
    elif cmd == "packed":
        packed(*args)
    else:
        fail("unknown command " + cmd)
