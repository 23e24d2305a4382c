"""parity_components.py — every supported tokenizer.json component against HF.

Usage: parity_components.py ENCODE_BIN DATA_DIR WORK_DIR

The six shared tokenizers exercise the common paths; this test builds small
tokenizers with HF's own Python API for the other components refine
implements (normalizers NFD/NFKC/NFKD/Lowercase/Strip/StripAccents/Nmt/
Replace(regex)/Prepend, pre-tokenizers Whitespace/WhitespaceSplit/Digits/
Punctuation/BertPreTokenizer/CharDelimiterSplit/Metaspace/Split with every
behaviour and invert, ByteLevel with add_prefix_space, models with
continuing_subword_prefix/end_of_word_suffix/unk fusing/ignore_merges, added
tokens with lstrip/rstrip/single_word/normalized, Roberta/Bert/Template/
Sequence post-processors, and the decoders), saves them as tokenizer.json,
and compares refine's ids (with and without special tokens) and
decode(encode(text)) with HF's on edge-case texts plus the golden inputs.
Exit 0 ok, 1 mismatch, 77 without tokenizers."""
import json
import os
import struct
import subprocess
import sys

try:
    from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,
                            pre_tokenizers, processors, trainers)
except ImportError:
    print("skip: python package 'tokenizers' not installed (./test.sh installs it)")
    sys.exit(77)

EDGE = [
    "", " ", "  leading and trailing  ", "Hello WORLD, hello world!", "tabs\tand\nnew\r\nlines\n\n",
    "Café naïve résumé Ａｂｃ ｶﾀｶﾅ ﬁ ² ½", "한국어 텍스트와 English 혼합 123,456.78", "NFD 한국어",
    "emoji 😀👍🏽 🇰🇷 ❤️", "x--y -- z - w", "<x> yes yesno noyes <r>   after <x>", "AB ab Ab aB",
    "   <x>   ", "yes", "a<r>\t\nb", "1234567890 12 3", "don't I'll we've THEY'RE", "   ",
    "\u00a0\u2009\u3000 spaces", "zero\u200bwidth", "İstanbul ΣΑΣ", "def f(x):\n    return x**2\n",
    "ab" * 60, "a" * 300, "[CLS] <s> </s> <unk>", "ümlaut\u0308 combining e\u0301",
]


def read_golden(data):
    raw = subprocess.run(["zstd", "-dc", data + "/tokenizers/golden/inputs.jsonl.zst"],
                         check=True, capture_output=True).stdout
    return [json.loads(l)["text"] for l in raw.decode().split("\n") if l]


def train(tok, texts, vocab=600, **kw):
    tr = trainers.BpeTrainer(vocab_size=vocab, show_progress=False, **kw)
    tok.train_from_iterator(texts, tr)
    return tok


def configs(texts):
    out = {}
    # 1. BERT-ish: NFD + Lowercase + StripAccents, Whitespace, suffix, BertProcessing.
    t = Tokenizer(models.BPE(unk_token="[UNK]", end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(),
                                         normalizers.StripAccents()])
    t.pre_tokenizer = pre_tokenizers.Whitespace()
    train(t, texts, special_tokens=["[UNK]", "[CLS]", "[SEP]"], end_of_word_suffix="</w>")
    t.post_processor = processors.BertProcessing(("[SEP]", t.token_to_id("[SEP]")),
                                                 ("[CLS]", t.token_to_id("[CLS]")))
    t.decoder = decoders.BPEDecoder(suffix="</w>")
    out["bert_like"] = t
    # 2. Metaspace prepend first, NFKC, Metaspace decoder, unk not fused.
    for scheme, split in (("first", True), ("always", False), ("never", True)):
        t = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=False))
        t.normalizer = normalizers.NFKC()
        t.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme=scheme, split=split)
        train(t, texts, special_tokens=["<unk>", "<s>"], limit_alphabet=120)
        t.decoder = decoders.Metaspace(prepend_scheme=scheme, split=split)
        t.add_special_tokens([AddedToken("<s>", normalized=False, special=True)])
        out["metaspace_%s_%s" % (scheme, split)] = t
    # 3. Digits/Punctuation/WhitespaceSplit, NFKD + Strip + Replace(regex), fused unk.
    t = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    t.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Strip(),
                                         normalizers.Replace(Regex(r"\s+"), " ")])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                               pre_tokenizers.Punctuation("contiguous"),
                                               pre_tokenizers.Digits(individual_digits=True)])
    train(t, texts, special_tokens=["<unk>"], limit_alphabet=90)
    out["digits_punct"] = t
    # 4. BertPreTokenizer + CharDelimiterSplit, Lowercase, continuing prefix.
    t = Tokenizer(models.BPE(unk_token="<unk>", continuing_subword_prefix="##"))
    t.normalizer = normalizers.Sequence([normalizers.Lowercase(), normalizers.Nmt()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.CharDelimiterSplit("-"),
                                               pre_tokenizers.BertPreTokenizer()])
    train(t, texts, special_tokens=["<unk>"], continuing_subword_prefix="##")
    out["bert_pre_prefix"] = t
    # 5. Added tokens with every flag, on a lower-casing normaliser.
    t = Tokenizer(models.BPE(unk_token="<unk>"))
    t.normalizer = normalizers.Sequence([normalizers.Lowercase(),
                                         normalizers.Prepend("\u2581"),
                                         normalizers.Replace(" ", "\u2581")])
    train(t, texts, special_tokens=["<unk>"])
    t.add_tokens([AddedToken("<x>", lstrip=True, normalized=False),
                  AddedToken("yes", single_word=True),
                  AddedToken("<r>", rstrip=True, normalized=False),
                  AddedToken("AB", normalized=True)])
    t.add_special_tokens([AddedToken("[CLS]", lstrip=True, rstrip=True)])
    t.post_processor = processors.TemplateProcessing(
        single="[CLS] $A <x>", special_tokens=[("[CLS]", t.token_to_id("[CLS]")),
                                                 ("<x>", t.token_to_id("<x>"))])
    t.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.Strip(" ", 1, 0)])
    out["added_flags"] = t
    # 6. ByteLevel with prefix space, Roberta post-processor; ByteLevel without regex.
    for prefix, regex in ((True, True), (False, False)):
        t = Tokenizer(models.BPE())
        t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix, use_regex=regex)
        train(t, texts, special_tokens=["<s>", "</s>"],
              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        t.post_processor = processors.RobertaProcessing(("</s>", t.token_to_id("</s>")),
                                                        ("<s>", t.token_to_id("<s>")))
        t.decoder = decoders.ByteLevel()
        out["bytelevel_%s_%s" % (prefix, regex)] = t
    # 7. Split behaviours and invert, ignore_merges on a character model.
    for i, (beh, inv, pat) in enumerate([
            ("removed", False, Regex(r"\s+")), ("merged_with_previous", False, Regex(r"[,.!?]")),
            ("merged_with_next", False, " "), ("contiguous", False, Regex(r"\p{N}")),
            ("isolated", True, Regex(r"\p{L}+")), ("removed", True, Regex(r"[\p{L}\p{N}]+")),
            ("isolated", False, Regex(r"\s+(?!\S)|\s+|[^\s]+"))]):
        t = Tokenizer(models.BPE(unk_token="<unk>", ignore_merges=(i % 2 == 0)))
        t.pre_tokenizer = pre_tokenizers.Split(pat, behavior=beh, invert=inv)
        train(t, texts, special_tokens=["<unk>", "<b>", "<e>"])
        t.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<b> $A <e>", special_tokens=[
                ("<b>", t.token_to_id("<b>")), ("<e>", t.token_to_id("<e>"))])])
        t.decoder = decoders.Fuse()
        out["split_%d_%s_%s" % (i, beh, inv)] = t
    return out


def run_ours(encode_bin, path, inputs, special, decode):
    cmd = [encode_bin, path, inputs] + (["--special"] if special else []) + \
          (["--decode"] if decode else [])
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode:
        raise RuntimeError(r.stderr.decode())
    res, off, b = [], 0, r.stdout
    while off < len(b):
        (n,) = struct.unpack_from("=I", b, off)
        if decode:
            res.append(b[off + 4:off + 4 + n].decode("utf-8", "surrogateescape"))
            off += 4 + n
        else:
            res.append(list(struct.unpack_from("=%dI" % n, b, off + 4)))
            off += 4 + 4 * n
    return res


def main():
    encode_bin, data, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    golden = read_golden(data)
    texts = EDGE + golden
    inputs = os.path.join(work, "inputs.jsonl")
    with open(inputs, "w") as f:
        for k, t in enumerate(texts):
            f.write(json.dumps({"id": k, "text": t}) + "\n")
    bad = 0
    cfgs = configs(golden[:150])
    for name, tok in cfgs.items():
        before = bad
        path = os.path.join(work, name + ".json")
        tok.save(path)
        for special in (False, True):
            ours = run_ours(encode_bin, path, inputs, special, False)
            for k, t in enumerate(texts):
                want = tok.encode(t, add_special_tokens=special).ids
                if ours[k] != want:
                    bad += 1
                    i = next((j for j in range(min(len(want), len(ours[k])))
                              if want[j] != ours[k][j]), min(len(want), len(ours[k])))
                    print("MISMATCH %s special=%s text %d %r: first difference at token %d: "
                          "HF %r refine %r" % (name, special, k, t[:60], i, want[i:i + 5],
                                               ours[k][i:i + 5]))
                    break
        dec = run_ours(encode_bin, path, inputs, False, True)
        for k, t in enumerate(texts):
            want = tok.decode(tok.encode(t, add_special_tokens=False).ids,
                              skip_special_tokens=False)
            if dec[k] != want:
                bad += 1
                print("DECODE MISMATCH %s text %d %r: HF %r refine %r"
                      % (name, k, t[:60], want[:80], dec[k][:80]))
                break
        print("%-36s %s" % (name, "ok" if bad == before else "MISMATCH"))
    print("%d component configurations x %d texts (ids with and without special tokens, "
          "decode): %s" % (len(cfgs), len(texts), "FAIL" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
