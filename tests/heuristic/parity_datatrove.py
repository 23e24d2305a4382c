#!/usr/bin/env python3
"""parity_datatrove.py — datatrove's decisions, and their agreement with
refine-heuristic's, on the same documents.

  parity_datatrove.py reference DOCS.jsonl OUT.jsonl
      runs datatrove 0.10's GopherQualityFilter, GopherRepetitionFilter,
      C4QualityFilter and FineWebQualityFilter (default arguments, English)
      on every document, each filter on the original text, and the four in
      FineWeb's order as one pipeline (C4 edits the text FineWeb sees); writes
      one line per document: {"id", "gq", "gr", "c4", "fw", "pipe",
      "c4_text_sha1"} (value: "keep" or datatrove's reason).

  parity_datatrove.py compare REFERENCE.jsonl NAME=REJECTS.jsonl[:C4OUT] ...
      NAME is gq, gr, c4, fw or pipe (optionally suffixed, e.g. c4-line);
      REJECTS are refine-heuristic's rejects for a run with only that group
      (or all groups for pipe); C4OUT, for c4 runs, the kept output, whose
      texts must equal datatrove's edited texts. Prints agreement on keep /
      reject, on the reason, and the disagreeing ids; --min NAME=RATE fails
      the run (exit 1) when a decision agreement is lower.
"""
import hashlib
import json
import sys

REASONS = {  # datatrove reason -> refine reason
    "gopher_short_doc": "gopher_short_doc", "gopher_long_doc": "gopher_long_doc",
    "gopher_below_avg_threshold": "gopher_below_avg_word_len",
    "gopher_above_avg_threshold": "gopher_above_avg_word_len",
    "gopher_too_many_hashes": "gopher_too_many_hashes",
    "gopher_too_many_ellipsis": "gopher_too_many_ellipsis",
    "gopher_too_many_bullets": "gopher_too_many_bullets",
    "gopher_too_many_end_ellipsis": "gopher_too_many_end_ellipsis",
    "gopher_below_alpha_threshold": "gopher_below_alpha_ratio",
    "gopher_enough_stop_words": "gopher_few_stop_words",
    "dup_para_frac": "gopher_rep_dup_para_frac", "dup_para_char_frac": "gopher_rep_dup_para_char_frac",
    "dup_line_frac": "gopher_rep_dup_line_frac", "dup_line_char_frac": "gopher_rep_dup_line_char_frac",
    "top_2_gram": "gopher_rep_top_2_gram", "top_3_gram": "gopher_rep_top_3_gram",
    "top_4_gram": "gopher_rep_top_4_gram",
    "lorem_ipsum": "c4_lorem_ipsum", "curly_bracket": "c4_curly_bracket",
    "too_few_sentences": "c4_too_few_sentences",
    "line_punct_ratio": "fineweb_line_punct_ratio", "short_line_ratio": "fineweb_short_line_ratio",
    "char_dup_ratio": "fineweb_char_dup_ratio", "list_ratio": "fineweb_list_ratio",
}
for n in range(5, 11):
    REASONS[f"duplicated_{n}_n_grams"] = f"gopher_rep_dup_{n}_gram"


def sha1(s):
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


_FILTERS = None


def _judge(line):
    """datatrove's verdicts for one JSONL document (runs in a worker)."""
    global _FILTERS
    from datatrove.data import Document
    if _FILTERS is None:
        from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter,
                                                GopherQualityFilter, GopherRepetitionFilter)
        _FILTERS = {"gr": GopherRepetitionFilter(), "gq": GopherQualityFilter(),
                    "c4": C4QualityFilter(), "fw": FineWebQualityFilter()}

    def run(f, doc):
        r = f.filter(doc)
        if r is True:
            return "keep"
        return r[1] if isinstance(r, tuple) else "reject"

    d = json.loads(line)
    rec = {"id": str(d["id"])}
    edited = None
    for name, f in _FILTERS.items():
        doc = Document(text=d["text"], id=str(d["id"]))
        rec[name] = run(f, doc)
        if name == "c4" and rec[name] == "keep":
            rec["c4_text_sha1"] = sha1(doc.text)
            edited = doc.text
    # FineWeb's order (GopherRepetition, GopherQuality, C4, FineWeb): the
    # first three see the original text, so their verdicts above are the
    # pipeline's; only FineWeb must run again, on the text C4 left.
    rec["pipe"] = "keep"
    for name in ("gr", "gq", "c4"):
        if rec[name] != "keep":
            rec["pipe"] = rec[name]
            break
    else:
        rec["pipe"] = run(_FILTERS["fw"], Document(text=edited, id=str(d["id"])))
    return json.dumps(rec)


def reference(docs, out, jobs=2):
    import multiprocessing
    with open(docs, encoding="utf-8") as fi:
        lines = [l for l in fi if l.strip()]
    with multiprocessing.Pool(jobs) as pool, open(out, "w", encoding="utf-8") as fo:
        for rec in pool.imap(_judge, lines, chunksize=8):
            fo.write(rec + "\n")


def compare(ref_path, runs, mins):
    ref = [json.loads(l) for l in open(ref_path, encoding="utf-8")]
    ok = True
    for spec in runs:
        name, rest = spec.split("=", 1)
        rej_path, _, out_path = rest.partition(":")
        group = name.split("-")[0]
        rej = {}
        for l in open(rej_path, encoding="utf-8"):
            d = json.loads(l)
            rej[str(d["id"])] = d["refine"]["reject"]["reason"]
        texts = {}
        if out_path:
            for l in open(out_path, encoding="utf-8"):
                d = json.loads(l)
                texts[str(d["id"])] = sha1(d["text"])
        agree = same_reason = both_rej = 0
        text_same = text_total = 0
        diff = []
        for r in ref:
            want = r[group]
            got = rej.get(r["id"], "keep")
            if (want == "keep") == (got == "keep"):
                agree += 1
                if want != "keep":
                    both_rej += 1
                    same_reason += REASONS.get(want, want) == got
            else:
                diff.append(f'{r["id"]}: datatrove {want}, refine {got}')
            if out_path and want == "keep" and got == "keep":
                text_total += 1
                text_same += texts.get(r["id"]) == r.get("c4_text_sha1")
        n = len(ref)
        line = (f"{name:10s} {n} docs: same decision {agree} ({agree / n:.2%}), same reason "
                f"{same_reason}/{both_rej}")
        if out_path:
            line += f", same edited text {text_same}/{text_total}"
        print(line)
        for d in diff[:20]:
            print("   ", d)
        if name in mins and agree / n < mins[name]:
            print(f"FAIL: {name} agreement {agree / n:.2%} < {mins[name]:.0%}")
            ok = False
        if out_path and text_same != text_total and name in mins:
            print(f"FAIL: {name}: edited texts differ")
            ok = False
    return ok


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "reference":
        reference(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) >= 3 and sys.argv[1] == "compare":
        args = sys.argv[2:]
        mins = {}
        while "--min" in args:
            k = args.index("--min")
            name, rate = args[k + 1].split("=")
            mins[name] = float(rate)
            del args[k:k + 2]
        sys.exit(0 if compare(args[0], args[1:], mins) else 1)
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
