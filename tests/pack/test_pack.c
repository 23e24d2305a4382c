/* test_pack.c — units of refine-pack: the MMIDIDX writer and reader (exact
 * header bytes, round trip, merge, every validation error), Megatron's dtype
 * rule, FIM split candidates (graphemes, lines), determinism of the FIM plan,
 * the code detector, and both packers on hand-checked inputs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "tokenizer/fim.h"
#include "tokenizer/mmidx.h"
#include "tokenizer/packseq.h"

static char dir[256];

static void test_dtype(void)
{
    CHECK(rf_mmidx_optimal_dtype(50257) == RF_MMIDX_UINT16);
    CHECK(rf_mmidx_optimal_dtype(65499) == RF_MMIDX_UINT16);
    CHECK(rf_mmidx_optimal_dtype(65500) == RF_MMIDX_INT32);
    CHECK(rf_mmidx_optimal_dtype(151669) == RF_MMIDX_INT32);
    CHECK(rf_mmidx_dtype_size(RF_MMIDX_UINT16) == 2 && rf_mmidx_dtype_size(RF_MMIDX_INT32) == 4);
    CHECK(rf_mmidx_dtype_size(9) == 0 && rf_mmidx_dtype_size(0) == 0);
}

static void test_writer_reader(void)
{
    char pfx[300];
    snprintf(pfx, sizeof pfx, "%s/a", dir);
    rf_err err = {0, ""};
    rf_mmidx_writer *w;
    CHECK(rf_mmidx_writer_open(&w, pfx, RF_MMIDX_UINT16, &err) == 0);
    uint32_t s0[] = {1, 2, 3}, s1[] = {65535}, s2[] = {7, 8};
    CHECK(rf_mmidx_add_ids(w, s0, 3, &err) == 0);
    rf_mmidx_end_document(w);
    CHECK(rf_mmidx_add_ids(w, s1, 1, &err) == 0);
    CHECK(rf_mmidx_add_ids(w, s2, 2, &err) == 0); /* a document of two sequences */
    rf_mmidx_end_document(w);
    CHECK(rf_mmidx_add_ids(w, NULL, 0, &err) == 0); /* an empty sequence */
    uint32_t too_big[] = {65536};
    CHECK(rf_mmidx_add_ids(w, too_big, 1, &err) == RF_EFORMAT);
    /* Nothing under the final names before commit. */
    char path[320];
    snprintf(path, sizeof path, "%s.bin", pfx);
    CHECK(access(path, F_OK) != 0);
    CHECK(rf_mmidx_writer_commit(w, &err) == 0); /* ends the open document */
    CHECK(access(path, F_OK) == 0);

    /* The exact bytes Megatron's _IndexWriter writes for this dataset. */
    snprintf(path, sizeof path, "%s.idx", pfx);
    size_t n;
    unsigned char *idx = slurp(path, &n);
    static const unsigned char want[] = {
        'M', 'M', 'I', 'D', 'I', 'D', 'X', 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 8, /* v1, uint16 */
        4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,                     /* 4 seqs, 4 docidx */
        3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,                     /* lengths */
        0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,                     /* pointers */
        8, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* document indices */
        3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0};
    CHECK(idx && n == sizeof want && memcmp(idx, want, n) == 0);
    snprintf(path, sizeof path, "%s.bin", pfx);
    size_t bn;
    unsigned char *bin = slurp(path, &bn);
    static const unsigned char wantbin[] = {1, 0, 2, 0, 3, 0, 0xff, 0xff, 7, 0, 8, 0};
    CHECK(bin && bn == sizeof wantbin && memcmp(bin, wantbin, bn) == 0);

    rf_mmidx m;
    CHECK(rf_mmidx_open(&m, pfx, &err) == 0);
    CHECK(m.dtype == RF_MMIDX_UINT16 && m.nseq == 4 && m.ndocidx == 4 && m.ntokens == 6);
    CHECK(rf_mmidx_length(&m, 1) == 1 && rf_mmidx_token(&m, 1, 0) == 65535);
    CHECK(rf_mmidx_token(&m, 2, 1) == 8 && rf_mmidx_docidx(&m, 2) == 3);
    rf_mmidx_close(&m);

    /* Every validation error, from a corrupted copy of the index. */
    unsigned char *c = malloc(n);
#define CORRUPT(off, val, code)                                                      \
    do {                                                                             \
        memcpy(c, idx, n);                                                           \
        c[off] = (unsigned char)(val);                                               \
        rf_err e2 = {0, ""};                                                         \
        int rc_ = rf_mmidx_parse(&m, c, n, bn, "x.idx", &e2);                        \
        if (rc_ != (code))                                                           \
            fprintf(stderr, "offset %d: rc %d (%s)\n", (int)(off), rc_, e2.msg);     \
        CHECK(rc_ == (code));                                                        \
    } while (0)
    CORRUPT(0, 'X', RF_EFORMAT);      /* magic */
    CORRUPT(9, 2, RF_EFORMAT);        /* version */
    CORRUPT(17, 9, RF_EFORMAT);       /* dtype */
    CORRUPT(18, 200, RF_EFORMAT);     /* sequence count past the file */
    CORRUPT(25, 0x80, RF_EFORMAT);    /* huge sequence count: no overflow */
    CORRUPT(26, 9, RF_EFORMAT);       /* document count past the file */
    CORRUPT(34, 100, RF_EFORMAT);     /* a length past the .bin */
    CORRUPT(37, 0x80, RF_EFORMAT);    /* negative length */
    CORRUPT(58, 2, RF_EFORMAT);       /* pointer not contiguous */
    CORRUPT(82, 1, RF_EFORMAT);       /* document indices not starting at 0 */
    CORRUPT(106, 3, RF_EFORMAT);      /* last document index != sequences */
    CORRUPT(90, 4, RF_EFORMAT);       /* decreasing */
    CORRUPT(0, 'M', 0);               /* unchanged copy parses */
    for (size_t cut = 0; cut < n; cut++) {
        rf_err e3 = {0, ""};
        CHECK(rf_mmidx_parse(&m, idx, cut, bn, "x.idx", &e3) == RF_EFORMAT);
    }
    /* A .bin shorter than the index says. */
    rf_err e4 = {0, ""};
    CHECK(rf_mmidx_parse(&m, idx, n, bn - 1, "x.idx", &e4) == RF_EFORMAT);
    free(c);

    /* Merge: a + a = both documents twice, same bytes twice. */
    char mp[300];
    snprintf(mp, sizeof mp, "%s/m", dir);
    CHECK(rf_mmidx_writer_open(&w, mp, RF_MMIDX_UINT16, &err) == 0);
    CHECK(rf_mmidx_append_dataset(w, pfx, &err) == 0);
    CHECK(rf_mmidx_append_dataset(w, pfx, &err) == 0);
    CHECK(rf_mmidx_writer_commit(w, &err) == 0);
    CHECK(rf_mmidx_open(&m, mp, &err) == 0);
    CHECK(m.nseq == 8 && m.ndocidx == 7 && m.ntokens == 12);
    CHECK(rf_mmidx_docidx(&m, 4) == 5 && rf_mmidx_docidx(&m, 5) == 7 && rf_mmidx_docidx(&m, 6) == 8);
    CHECK(rf_mmidx_token(&m, 5, 0) == 65535 && rf_mmidx_pointer(&m, 5) == 18);
    rf_mmidx_close(&m);
    /* dtype mismatch is an error, and the aborted output leaves nothing. */
    snprintf(mp, sizeof mp, "%s/m32", dir);
    CHECK(rf_mmidx_writer_open(&w, mp, RF_MMIDX_INT32, &err) == 0);
    CHECK(rf_mmidx_append_dataset(w, pfx, &err) == RF_EFORMAT);
    CHECK(strstr(err.msg, "dtype uint16") != NULL);
    rf_mmidx_writer_abort(w);
    snprintf(path, sizeof path, "%s/m32.bin", dir);
    CHECK(access(path, F_OK) != 0);
    free(idx);
    free(bin);
}

static void test_bounds(void)
{
    /* e + combining acute is one grapheme: 3 candidates in "ae\u0301" → 0, 1, 4. */
    const char *t = "ae\xcc\x81";
    CHECK(rf_fim_count_bounds(t, strlen(t), RF_FIM_SPLIT_CHAR) == 3);
    CHECK(rf_fim_bound_at(t, strlen(t), RF_FIM_SPLIT_CHAR, 1) == 1);
    CHECK(rf_fim_bound_at(t, strlen(t), RF_FIM_SPLIT_CHAR, 2) == 4);
    /* Conjoining jamo 한 (U+1112 U+1161 U+11AB) is one cluster; 가 another. */
    const char *j = "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab\xea\xb0\x80";
    CHECK(rf_fim_count_bounds(j, strlen(j), RF_FIM_SPLIT_CHAR) == 3);
    CHECK(rf_fim_bound_at(j, strlen(j), RF_FIM_SPLIT_CHAR, 1) == 9);
    /* CR LF stays together; emoji ZWJ sequence (man ZWJ woman) is one cluster. */
    CHECK(rf_fim_count_bounds("a\r\nb", 4, RF_FIM_SPLIT_CHAR) == 4);
    const char *z = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9";
    CHECK(rf_fim_count_bounds(z, strlen(z), RF_FIM_SPLIT_CHAR) == 2);
    /* Precomposed Hangul syllables are separate clusters. */
    CHECK(rf_fim_count_bounds("\xea\xb0\x80\xea\xb0\x80", 6, RF_FIM_SPLIT_CHAR) == 3);
    CHECK(rf_fim_count_bounds("", 0, RF_FIM_SPLIT_CHAR) == 1);
    CHECK(rf_fim_count_bounds("abc", 3, RF_FIM_SPLIT_CHAR) == 4);
    /* Lines: 0, each line start, the end; a final newline adds nothing. */
    const char *code = "def f():\n    return 1\n\nx = f()\n";
    size_t cn = strlen(code);
    CHECK(rf_fim_count_bounds(code, cn, RF_FIM_SPLIT_LINE) == 5);
    CHECK(rf_fim_bound_at(code, cn, RF_FIM_SPLIT_LINE, 1) == 9);
    CHECK(rf_fim_bound_at(code, cn, RF_FIM_SPLIT_LINE, 2) == 22);
    CHECK(rf_fim_bound_at(code, cn, RF_FIM_SPLIT_LINE, 4) == cn);
    CHECK(rf_fim_count_bounds("x", 1, RF_FIM_SPLIT_LINE) == 2);
}

static void test_plan(void)
{
    const char *t = "The quick brown fox jumps over the lazy dog.\n";
    size_t n = strlen(t);
    rf_fim_plan a, b;
    int fims = 0, spms = 0, differ = 0;
    for (int k = 0; k < 2000; k++) {
        char id[32];
        int m = snprintf(id, sizeof id, "doc-%d", k);
        uint64_t ds = rf_fim_doc_seed(id, (size_t)m, 42);
        rf_fim_plan_doc(ds, 0.5, 0.25, t, n, RF_FIM_SPLIT_CHAR, &a);
        rf_fim_plan_doc(ds, 0.5, 0.25, t, n, RF_FIM_SPLIT_CHAR, &b);
        CHECK(memcmp(&a, &b, sizeof a) == 0);
        if (a.fim) {
            fims++;
            spms += a.spm;
            CHECK(a.b0 <= a.b1 && a.b1 <= n);
        }
        rf_fim_plan_doc(rf_fim_doc_seed(id, (size_t)m, 43), 0.5, 0.25, t, n, RF_FIM_SPLIT_CHAR,
                        &b);
        differ += memcmp(&a, &b, sizeof a) != 0;
    }
    /* Rates hold (binomial, 5 sigma), and another seed changes choices. */
    CHECK(fims > 1000 - 112 && fims < 1000 + 112);
    CHECK(spms > fims / 4 - 70 && spms < fims / 4 + 70);
    CHECK(differ > 1000);
    rf_fim_plan_doc(1, 0.0, 0.5, t, n, RF_FIM_SPLIT_CHAR, &a);
    CHECK(!a.fim);
    rf_fim_plan_doc(1, 1.0, 1.0, t, n, RF_FIM_SPLIT_CHAR, &a);
    CHECK(a.fim && a.spm);
    /* Line mode splits only at line starts. */
    const char *code = "int main(void)\n{\n    return 0;\n}\n";
    for (uint64_t s = 0; s < 200; s++) {
        rf_fim_plan_doc(s, 1.0, 0.5, code, strlen(code), RF_FIM_SPLIT_LINE, &a);
        CHECK(a.b0 == 0 || code[a.b0 - 1] == '\n' || a.b0 == strlen(code));
        CHECK(a.b1 == 0 || code[a.b1 - 1] == '\n' || a.b1 == strlen(code));
    }
}

static void test_detector(void)
{
    const char *py = "import os\n\ndef main():\n    x = 1\n    return x\n";
    const char *c = "#include <stdio.h>\nint main(void) {\n  printf(\"hi\");\n  return 0;\n}\n";
    const char *prose = "It was a bright cold day in April.\nThe clocks were striking "
                        "thirteen.\nWinston Smith slipped quickly through the doors.\n";
    const char *ko = "오늘은 날씨가 좋다.\n내일은 비가 온다고 한다.\n우산을 챙기자.\n";
    const char *chat = "Q: 12시 땡!\nA: 하루가 또 가네요.\nQ: 1지망 학교 떨어졌어\nA: 위로해 드립니다.\n";
    CHECK(rf_fim_looks_like_code(py, strlen(py)));
    CHECK(rf_fim_looks_like_code(c, strlen(c)));
    CHECK(!rf_fim_looks_like_code(prose, strlen(prose)));
    CHECK(!rf_fim_looks_like_code(ko, strlen(ko)));
    CHECK(!rf_fim_looks_like_code(chat, strlen(chat)));
    CHECK(!rf_fim_looks_like_code("x = 1;", 6)); /* too short to tell */
}

/* ---- packers ---- */

typedef struct seqlog {
    char text[4096];
    size_t len;
    int nseq;
} seqlog;

static int log_sink(void *ctx, const rf_pack_seq *q, rf_err *err)
{
    (void)err;
    seqlog *L = ctx;
    L->nseq++;
    L->len += (size_t)snprintf(L->text + L->len, sizeof L->text - L->len, "[");
    for (size_t k = 0; k < q->nparts; k++)
        L->len += (size_t)snprintf(L->text + L->len, sizeof L->text - L->len, "%s%llu+%llu:%u",
                                   k ? " " : "", (unsigned long long)q->parts[k].doc,
                                   (unsigned long long)q->parts[k].offset, q->parts[k].len);
    L->len += (size_t)snprintf(L->text + L->len, sizeof L->text - L->len, "|%u]", q->ntok);
    /* Tokens are the document number (low byte) and position: check them. */
    for (size_t k = 0; k < q->nparts; k++)
        for (uint32_t i = 0; i < q->parts[k].len; i++) {
            const unsigned char *t = q->data + 2 * (q->parts[k].start + i);
            CHECK(t[0] == (unsigned char)q->parts[k].doc);
            CHECK(t[1] == (unsigned char)(q->parts[k].offset + i));
        }
    for (uint32_t i = q->ntok; i < 10; i++)
        CHECK(q->data[2 * i] == 0xEE && q->data[2 * i + 1] == 0xEE);
    return 0;
}

static void add_doc(rf_packer *p, int doc, size_t len, const char *group)
{
    unsigned char buf[256];
    for (size_t i = 0; i < len; i++) {
        buf[2 * i] = (unsigned char)doc;
        buf[2 * i + 1] = (unsigned char)i;
    }
    rf_err err = {0, ""};
    CHECK(rf_packer_add(p, buf, len, "\"x\"", 3, group, group ? strlen(group) : 0, &err) == 0);
}

static void test_packers(void)
{
    const unsigned char pad[2] = {0xEE, 0xEE};
    rf_err err = {0, ""};
    /* Best fit, N = 10: sizes 6 5 4 3 2 → [6+4] [5+3+2]; 23 → two full chunks + 3. */
    seqlog L = {"", 0, 0};
    rf_packer *p = rf_packer_new(RF_PACK_BEST_FIT, 10, 2, pad, 1000, log_sink, &L);
    add_doc(p, 0, 3, NULL);
    add_doc(p, 1, 6, NULL);
    add_doc(p, 2, 5, NULL);
    add_doc(p, 3, 4, NULL);
    add_doc(p, 4, 2, NULL);
    add_doc(p, 5, 23, NULL);
    add_doc(p, 6, 0, NULL);
    CHECK(rf_packer_finish(p, &err) == 0);
    const char *want = "[5+0:10|10][5+10:10|10][1+0:6 3+0:4|10][2+0:5 0+0:3 4+0:2|10][5+20:3|3]";
    if (strcmp(L.text, want))
        fprintf(stderr, "best fit: %s\n", L.text);
    CHECK(strcmp(L.text, want) == 0);
    const rf_pack_stats *st = rf_packer_stats(p);
    CHECK(st->docs == 7 && st->doc_tokens == 43 && st->sequences == 5);
    CHECK(st->pad_tokens == 7 && st->split_docs == 1 && st->empty_docs == 1);
    rf_packer_free(p);

    /* Concat: 3 6 5 → [0:3 1:6 2+0:1] [2+1:4 pad]. */
    seqlog C = {"", 0, 0};
    p = rf_packer_new(RF_PACK_CONCAT, 10, 2, pad, 0, log_sink, &C);
    add_doc(p, 0, 3, NULL);
    add_doc(p, 1, 6, NULL);
    add_doc(p, 2, 5, NULL);
    CHECK(rf_packer_finish(p, &err) == 0);
    CHECK(strcmp(C.text, "[0+0:3 1+0:6 2+0:1|10][2+1:4|4]") == 0);
    CHECK(rf_packer_stats(p)->split_docs == 1 && rf_packer_stats(p)->pad_tokens == 6);
    rf_packer_free(p);

    /* Groups never share a sequence; the window flushes at its size. */
    seqlog G = {"", 0, 0};
    p = rf_packer_new(RF_PACK_BEST_FIT, 10, 2, pad, 12, log_sink, &G);
    add_doc(p, 0, 4, "\"ko\"");
    add_doc(p, 1, 4, "\"en\"");
    add_doc(p, 2, 4, "\"ko\""); /* window: 12 tokens → flush */
    add_doc(p, 3, 4, "\"ko\"");
    CHECK(rf_packer_finish(p, &err) == 0);
    CHECK(strcmp(G.text, "[0+0:4 2+0:4|8][1+0:4|4][3+0:4|4]") == 0);
    if (strcmp(G.text, "[0+0:4 2+0:4|8][1+0:4|4][3+0:4|4]"))
        fprintf(stderr, "groups: %s\n", G.text);
    rf_packer_free(p);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/refine-pack-unit.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_dtype();
    test_writer_reader();
    test_bounds();
    test_plan();
    test_detector();
    test_packers();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return CHECK_DONE();
}
