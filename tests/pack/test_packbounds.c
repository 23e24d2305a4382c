/* test_packbounds.c — units of the PREFIX.bounds.jsonl side file
 * (tokenizer/packbounds.c): lines read and formatted again give the same
 * bytes (raw group and id values of any JSON type, escapes kept), the
 * merge re-numbering, the summary counts (documents, split documents,
 * padding), every rejection of the strict reader with its line number,
 * and the packed-dataset check of an .idx. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "tokenizer/mmidx.h"
#include "tokenizer/packbounds.h"

static char dir[256];

/* Reads every line of (p, n) and formats it again with the bases. */
static int reformat(const char *p, uint64_t seq_base, uint64_t doc_base, rf_buf *out,
                    rf_bounds_scan *s, rf_err *err)
{
    rf_bounds_line l;
    int rc;
    rf_bounds_scan_init(s, p, strlen(p), "b.jsonl", 0);
    while ((rc = rf_bounds_scan_next(s, &l, err)) == 1)
        rf_bounds_format(out, &l, seq_base, doc_base);
    return rc ? rc : rf_bounds_scan_end(s, err);
}

static void test_roundtrip(void)
{
    /* Escapes (one non-canonical), a number id, an object id, null. */
    const char *in =
        "{\"seq\": 0, \"group\": \"k\\u00e9 \\\"x\\\"\", \"tokens\": 8, \"pad\": 2, \"docs\": "
        "[[1, \"d-1\", 0, 0, 5], [0, 17, 4, 5, 3]]}\n"
        "{\"seq\": 1, \"group\": null, \"tokens\": 10, \"pad\": 0, \"docs\": [[0, null, 0, 0, 4], "
        "[2, {\"a\": [1, \"]\"]}, 0, 4, 6]]}\n";
    rf_buf b = RF_BUF_INIT;
    rf_err err = {0, ""};
    rf_bounds_scan s;
    CHECK(reformat(in, 0, 0, &b, &s, &err) == 0);
    CHECK_MEM(b.p, b.len, in);
    CHECK(s.lines == 2 && s.seq_len == 10 && s.docs == 3 && s.parts == 4);
    CHECK(s.tokens == 18 && s.pad_tokens == 2 && s.split_docs == 1); /* doc 0 from token 4 on */
    rf_bounds_scan_release(&s);

    /* Merge's re-numbering touches seq and document numbers only. */
    rf_buf_reset(&b);
    CHECK(reformat(in, 7, 100, &b, &s, &err) == 0);
    CHECK_MEM(b.p, b.len,
              "{\"seq\": 7, \"group\": \"k\\u00e9 \\\"x\\\"\", \"tokens\": 8, \"pad\": 2, \"docs\": "
              "[[101, \"d-1\", 0, 0, 5], [100, 17, 4, 5, 3]]}\n"
              "{\"seq\": 8, \"group\": null, \"tokens\": 10, \"pad\": 0, \"docs\": [[100, null, 0, "
              "0, 4], [102, {\"a\": [1, \"]\"]}, 0, 4, 6]]}\n");
    rf_bounds_scan_release(&s);

    /* Other key order and spacing, no final newline: read, written canonically. */
    rf_buf_reset(&b);
    CHECK(reformat("{\"docs\":[[0,null,0,0,3]] ,\"pad\":1,\"tokens\":3,\"group\":\"g\",\"seq\":0}",
                   0, 0, &b, &s, &err) == 0);
    CHECK_MEM(b.p, b.len,
              "{\"seq\": 0, \"group\": \"g\", \"tokens\": 3, \"pad\": 1, \"docs\": [[0, null, 0, 0, "
              "3]]}\n");
    rf_bounds_scan_release(&s);

    /* An empty file: no sequences, no documents. */
    rf_buf_reset(&b);
    CHECK(reformat("", 0, 0, &b, &s, &err) == 0 && b.len == 0 && s.docs == 0 && s.lines == 0);
    rf_bounds_scan_release(&s);
    rf_buf_release(&b);
}

/* The reader rejects text (one or more lines) with a message naming the
 * line and containing want. */
static void reject(const char *text, uint32_t seq_len, const char *want)
{
    rf_bounds_scan s;
    rf_bounds_line l;
    rf_err err = {0, ""};
    int rc;
    rf_bounds_scan_init(&s, text, strlen(text), "b.jsonl", seq_len);
    while ((rc = rf_bounds_scan_next(&s, &l, &err)) == 1)
        ;
    if (!rc)
        rc = rf_bounds_scan_end(&s, &err);
    if (rc != RF_EFORMAT || !strstr(err.msg, want) || strncmp(err.msg, "b.jsonl:", 8)) {
        fprintf(stderr, "for %s: rc %d, message '%s', expected '%s'\n", text, rc, err.msg,
                want);
        check_failures++;
    }
    rf_bounds_scan_release(&s);
}

#define LINE(seq, tok, pad, docs)                                                           \
    "{\"seq\": " #seq ", \"group\": null, \"tokens\": " #tok ", \"pad\": " #pad ", \"docs\": " \
    docs "}\n"

static void test_rejects(void)
{
    static const struct {
        const char *text;
        uint32_t seq_len;
        const char *want;
    } cases[] = {
        {"not json\n", 0, "b.jsonl:1: not a side-file line: expected '{'"},
        {"\n", 0, "expected '{'"},
        {"{\"seq\": 0, \"group\": null, \"tokens\": 3, \"pad\": 0, \"docs\": [[0, null, 0, 0, 3]], "
         "\"x\": 1}\n", 0, "unknown key"},
        {"{\"seq\": 0, \"seq\": 0, \"group\": null, \"tokens\": 3, \"pad\": 0, \"docs\": []}\n", 0,
         "repeated key"},
        {"{\"seq\": 0, \"group\": null, \"tokens\": 3, \"pad\": 0}\n", 0, "missing key"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 3]]") "x\n", 0, "b.jsonl:2:"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 3]]") LINE(2, 3, 0, "[[1, null, 0, 0, 3]]"), 0,
         "b.jsonl:2: \"seq\" is 2, expected 1"},
        {LINE(-1, 3, 0, "[[0, null, 0, 0, 3]]"), 0, "not a non-negative integer"},
        {LINE(00, 3, 0, "[[0, null, 0, 0, 3]]"), 0, "not a non-negative integer"},
        {LINE(0, 3.0, 0, "[[0, null, 0, 0, 3]]"), 0, "not a non-negative integer"},
        {LINE(0, 3e0, 0, "[[0, null, 0, 0, 3]]"), 0, "not a non-negative integer"},
        {LINE(0, "3", 0, "[[0, null, 0, 0, 3]]"), 0, "not a non-negative integer"},
        {LINE(0, 4294967296, 0, "[[0, null, 0, 0, 3]]"), 0, "out of range"},
        {LINE(18446744073709551616, 3, 0, "[[0, null, 0, 0, 3]]"), 0, "out of range"},
        {LINE(0, 4294967295, 1, "[[0, null, 0, 0, 3]]"), 0, "is not a sequence length"},
        {LINE(0, 0, 0, "[]"), 0, "is not a sequence length"},
        {LINE(0, 0, 4, "[]"), 0, "a sequence without documents"},
        {LINE(0, 3, 0, "[[0, null, 0, 1, 2]]"), 0, "parts must follow each other"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 0], [1, null, 0, 0, 3]]"), 0, "parts must follow"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 4]]"), 0, "parts must follow"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 2]]"), 0, "the parts hold 2 tokens, \"tokens\" says 3"},
        {LINE(0, 3, 0, "[[0, null, 0, 0]]"), 0, "expected ','"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 3, 4]]"), 0, "expected ']'"},
        {LINE(0, 3, 0, "[[0, nul, 0, 0, 3]]"), 0, "not a side-file line"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 3]]") "{\"seq\": 1}} \n", 0, "b.jsonl:2:"},
        {"{\"seq\": 0, \"group\": null, \"tokens\": 3, \"pad\": 0, \"docs\": [[0, null, 0, 0, 3]]} "
         "x\n", 0, "text after the object"},
        /* Every line has the same N, and the dataset's when one is expected. */
        {LINE(0, 3, 1, "[[0, null, 0, 0, 3]]") LINE(1, 3, 0, "[[1, null, 0, 0, 3]]"), 0,
         "b.jsonl:2: a sequence of 3 tokens (tokens + pad), expected 4"},
        {LINE(0, 3, 1, "[[0, null, 0, 0, 3]]"), 8, "expected 8"},
        /* Dense document numbers: bounded by the file size, no gaps. */
        {LINE(0, 3, 0, "[[99999, null, 0, 0, 3]]"), 0, "document number 99999 is beyond"},
        {LINE(0, 3, 0, "[[0, null, 0, 0, 3]]") LINE(1, 3, 0, "[[2, null, 0, 0, 3]]"), 0,
         "document 1 appears in no sequence, but document 2 does"},
        {LINE(0, 3, 0, "[[1, null, 0, 0, 3]]"), 0, "document 0 appears in no sequence"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        reject(cases[k].text, cases[k].seq_len, cases[k].want);
}

/* Writes dataset `name` (sequences of lens[k] tokens; a document ends after
 * each sequence whose ends[k] is set) and checks rf_bounds_dataset_seq_len:
 * want_rc, and want_n or a message containing want_msg. Returns the prefix. */
static const char *seq_len_case(const char *name, const uint32_t *lens, const int *ends,
                                size_t n, int want_rc, uint32_t want_n, const char *want_msg)
{
    static char pfx[300];
    static const uint32_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    rf_err err = {0, ""};
    rf_mmidx_writer *w;
    rf_mmidx m;
    uint32_t got = 99;
    snprintf(pfx, sizeof pfx, "%s/%s", dir, name);
    CHECK(rf_mmidx_writer_open(&w, pfx, RF_MMIDX_UINT16, &err) == 0);
    for (size_t k = 0; k < n; k++) {
        CHECK(rf_mmidx_add_ids(w, ids, lens[k], &err) == 0);
        if (ends[k])
            rf_mmidx_end_document(w);
    }
    CHECK(rf_mmidx_writer_commit(w, &err) == 0);
    CHECK(rf_mmidx_open(&m, pfx, &err) == 0);
    int rc = rf_bounds_dataset_seq_len(&m, pfx, &got, &err);
    if (rc != want_rc || (!rc && got != want_n) || (rc && !strstr(err.msg, want_msg))) {
        fprintf(stderr, "%s: rc %d, N %u, '%s'\n", name, rc, got, err.msg);
        check_failures++;
    }
    rf_mmidx_close(&m);
    return pfx;
}

static void test_dataset_seq_len(void)
{
    rf_err err = {0, ""};
    const uint32_t four[3] = {4, 4, 4}, ragged[2] = {4, 3};
    const int each[3] = {1, 1, 1}, joined[2] = {0, 1};
    /* Packed: each sequence its own document, all of length 4. */
    seq_len_case("packed", four, each, 3, 0, 4, NULL);
    seq_len_case("twoseq", four, joined, 2, RF_EFORMAT, 0, "one document per sequence");
    seq_len_case("ragged", ragged, each, 2, RF_EFORMAT, 0, "sequence 1 has 3 tokens, sequence 0 4");
    /* No sequences: fits any N. */
    const char *pfx = seq_len_case("empty", NULL, NULL, 0, 0, 0, NULL);

    /* Files: exists / open / remove_stale. */
    CHECK(!rf_bounds_exists(pfx));
    CHECK(rf_bounds_remove_stale(pfx, &err) == 0); /* nothing there is fine */
    char *path = rf_bounds_path(pfx);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(LINE(0, 2, 2, "[[0, null, 0, 0, 2]]"), f);
        fclose(f);
    }
    CHECK(rf_bounds_exists(pfx));
    rf_bounds_scan s;
    rf_bounds_line l;
    CHECK(rf_bounds_open(&s, pfx, 4, &err) == 0);
    CHECK(rf_bounds_scan_next(&s, &l, &err) == 1 && l.nparts == 1 && l.parts[0].len == 2);
    CHECK(rf_bounds_scan_next(&s, &l, &err) == 0 && rf_bounds_scan_end(&s, &err) == 0);
    CHECK(s.docs == 1 && strcmp(s.name, path) == 0);
    rf_bounds_scan_release(&s);
    CHECK(rf_bounds_remove_stale(pfx, &err) == 0 && !rf_bounds_exists(pfx));
    CHECK(rf_bounds_open(&s, pfx, 4, &err) == RF_EIO && strstr(err.msg, path));
    rf_bounds_scan_release(&s);
    free(path);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/refine-packbounds-unit.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_roundtrip();
    test_rejects();
    test_dataset_seq_len();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return CHECK_DONE();
}
