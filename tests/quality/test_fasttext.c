/* test_fasttext — unit tests of the fastText library: the hash, the features
 * of a line (words, char n-grams of "<word>", word n-grams, "</s>", labels),
 * the dictionary order of a trained model, save/load round trips, the top-k
 * order of tied scores (libstdc++'s heap, as fastText prints it), the
 * printed format, and the reader's answers to truncated and corrupted files. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filters/fasttext.h"
#include "filters/fasttext_impl.h"
#include "tests/unit/check.h"

static rf_ft_model *train_tiny(int threads, int loss, uint64_t seed)
{
    static const char *const lines[] = {
        "__label__a x ab cd x", "__label__a x ab ef", "__label__a x gh ab",
        "__label__b x zz yy __label__a", "__label__c qq rr",
    };
    rf_ft_corpus *c = rf_ft_corpus_new();
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        rf_ft_corpus_add(c, lines[i], strlen(lines[i]));
    rf_ft_train_opts o;
    rf_ft_train_defaults(&o);
    o.args.dim = 4;
    o.args.epoch = 20;
    o.args.minn = 1;
    o.args.maxn = 2;
    o.args.word_ngrams = 2;
    o.args.bucket = 50;
    o.args.loss = loss;
    o.threads = threads;
    o.seed = seed;
    rf_ft_model *m = NULL;
    rf_err err = {0, ""};
    int rc = rf_ft_train(&m, c, &o, &err);
    if (rc)
        fprintf(stderr, "train: %s\n", err.msg);
    CHECK(rc == 0);
    rf_ft_corpus_free(c);
    return m;
}

static void test_hash(void)
{
    /* fastText hashes bytes as signed chars: differs from FNV-1a on UTF-8. */
    CHECK(ft_hash("</s>", 4) == 3617362777u);
    CHECK(ft_hash("\xea\xb0\x80", 3) == 3016172053u); /* "가"; unsigned FNV: 3452996373 */
    CHECK(ft_hash("__label__ko", 11) == 3424810651u);
}

/* The division-free h % bucket is exact for every bucket and hash. */
static void test_mod_bucket(void)
{
    static const int32_t buckets[] = {1, 2, 3, 7, 1000, 100000, 2000000, 10000019,
                                      0x40000000, 0x7fffffff};
    rf_ft_model m;
    memset(&m, 0, sizeof m);
    uint64_t x = 88172645463325252ull;
    int ok = 1;
    for (size_t b = 0; b < sizeof buckets / sizeof *buckets; b++) {
        m.args.bucket = buckets[b];
        m.bucket_inv = 1.0 / (double)buckets[b];
        uint32_t d = (uint32_t)buckets[b];
        const uint32_t edge[] = {0, 1, d - 1, d, d + 1, UINT32_MAX, UINT32_MAX - 1,
                                 (UINT32_MAX / d) * d, (UINT32_MAX / d) * d - 1};
        for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
            ok &= ft_mod_bucket(&m, edge[i]) == edge[i] % d;
        for (int i = 0; i < 200000; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint32_t h = (uint32_t)x;
            ok &= ft_mod_bucket(&m, h) == h % d;
            /* near multiples of d, where the quotient is most fragile */
            uint64_t k = (x >> 32) % ((uint64_t)UINT32_MAX / d + 1);
            uint64_t near = k * d;
            for (int dd = -1; dd <= 1; dd++)
                if ((int64_t)near + dd >= 0 && near + (uint64_t)(dd + 1) <= (uint64_t)UINT32_MAX + 1)
                    ok &= ft_mod_bucket(&m, (uint32_t)(near + (uint64_t)(int64_t)dd)) ==
                          (uint32_t)(near + (uint64_t)(int64_t)dd) % d;
        }
    }
    CHECK(ok);
}

static void test_dictionary_and_features(rf_ft_model *m)
{
    /* Words by count: x (5), </s> (5 lines) ...; labels a (4), b, c. */
    CHECK(rf_ft_nlabels(m) == 3);
    size_t len;
    const char *l = rf_ft_label(m, 0, &len);
    CHECK_MEM(l, len, "__label__a");
    CHECK(rf_ft_label_id(m, "a", 1) == 0);
    CHECK(rf_ft_label_id(m, "__label__c", 10) == 2);
    CHECK(rf_ft_label_id(m, "zz", 2) == -1); /* a word, not a label */
    CHECK(rf_ft_label(m, 3, &len) == NULL);
    CHECK(m->counts[0] == 5 && m->counts[1] == 5);
    CHECK(m->ntokens == 21 + 5); /* tokens + one </s> per line */

    ft_linebuf lb;
    memset(&lb, 0, sizeof lb);
    ft_ivec feat = {0}, labels = {0};
    int32_t ab = ft_dict_find(m, "ab", 2, ft_hash("ab", 2));
    CHECK(ab >= 0);
    /* "ab": its id + "<a" "a" "ab" "b" "b>" (lone "<" and ">" are skipped). */
    size_t nt = ft_line_features(m, "ab", 2, 0, &lb, &feat, &labels);
    CHECK(nt == 1 && feat.n == 6 && feat.v[0] == ab);
    for (size_t i = 1; i < feat.n; i++)
        CHECK(feat.v[i] >= m->nwords && feat.v[i] < m->nwords + m->args.bucket);
    /* With "</s>": + its id (no n-grams) + the bigram (ab, </s>). */
    nt = ft_line_features(m, "ab", 2, 1, &lb, &feat, &labels);
    CHECK(nt == 2 && feat.n == 8);
    /* Unknown word: only n-grams; known label: a label, not a feature;
     * unknown label: ignored entirely; tabs and CR separate tokens. */
    const char *mixed = "zq\t__label__b\r__label__nope";
    nt = ft_line_features(m, mixed, strlen(mixed), 0, &lb, &feat, &labels);
    CHECK(nt == 3 && feat.n == 5 && labels.n == 1 && labels.v[0] == 1);
    /* Multi-byte characters are one character of an n-gram. */
    nt = ft_line_features(m, "\xea\xb0\x80", 3, 0, &lb, &feat, &labels);
    CHECK(feat.n == 3); /* "<가" "가" "가>" */
    nt = ft_line_features(m, "   ", 3, 0, &lb, &feat, &labels);
    CHECK(nt == 0 && feat.n == 0);
    ft_ivec_release(&feat);
    ft_ivec_release(&labels);
    ft_linebuf_release(&lb);
}

static void test_format(rf_ft_model *m)
{
    rf_ft_pred p[2] = {{0.0f, 1.00006f, 0}, {0.0f, 1.43208e-05f, 2}};
    rf_buf b = RF_BUF_INIT;
    rf_ft_format_line(m, p, 2, 1, &b);
    CHECK_MEM(b.p, b.len, "__label__a 1.00006 __label__c 1.43208e-05\n");
    rf_buf_reset(&b);
    rf_ft_format_line(m, p, 2, 0, &b);
    CHECK_MEM(b.p, b.len, "__label__a __label__c\n");
    rf_buf_reset(&b);
    rf_ft_format_line(m, p, 0, 1, &b);
    CHECK_MEM(b.p, b.len, "\n");
    rf_buf_release(&b);
}

static int same_predictions(const rf_ft_model *a, const rf_ft_model *b)
{
    static const char *const lines[] = {"x ab", "zz yy", "qq", "", "gh ab cd ef unknown"};
    rf_ft_scratch *sa = rf_ft_scratch_new(a), *sb = rf_ft_scratch_new(b);
    rf_ft_pred pa[3], pb[3];
    int ok = 1;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        int na = rf_ft_predict(a, sa, lines[i], strlen(lines[i]), -1, 0.0f, pa);
        int nb = rf_ft_predict(b, sb, lines[i], strlen(lines[i]), -1, 0.0f, pb);
        ok &= na == nb && na > 0;
        for (int j = 0; j < na && j < nb; j++)
            ok &= pa[j].label == pb[j].label && pa[j].prob == pb[j].prob;
    }
    rf_ft_scratch_free(sa);
    rf_ft_scratch_free(sb);
    return ok;
}

static void put32(unsigned char *p, int32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(unsigned char *p, int64_t v)
{
    memcpy(p, &v, 8);
}

static int load_err(const unsigned char *p, size_t n, const char *want, int code)
{
    rf_ft_model *m = NULL;
    rf_err err = {0, ""};
    int rc = rf_ft_load_mem(&m, p, n, "t.bin", &err);
    rf_ft_free(m);
    if (rc != code || !strstr(err.msg, want)) {
        fprintf(stderr, "  expected %d '%s', got %d '%s'\n", code, want, rc, err.msg);
        return 0;
    }
    return 1;
}

static void test_save_load_and_corruption(rf_ft_model *m)
{
    char path[] = "/tmp/refine-ft-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    rf_err err = {0, ""};
    CHECK(rf_ft_save(m, path, &err) == 0);
    rf_ft_model *back = NULL;
    CHECK(rf_ft_load(&back, path, &err) == 0);
    CHECK(back && same_predictions(m, back));
    rf_ft_free(back);

    size_t n = 0;
    unsigned char *file = slurp(path, &n);
    unlink(path);
    CHECK(file && n > 200);
    if (!file)
        return;
    /* Every proper prefix is an error that says "truncated", never a crash. */
    int prefixes_ok = 1;
    for (size_t k = 0; k < n; k++) {
        rf_ft_model *t = NULL;
        rf_err e = {0, ""};
        int rc = rf_ft_load_mem(&t, file, k, "t.bin", &e);
        prefixes_ok &= rc == RF_EFORMAT && t == NULL && strstr(e.msg, "truncated") != NULL;
    }
    CHECK(prefixes_ok);

    unsigned char *c = malloc(n);
    const int32_t dim = m->args.dim;
    /* Layout: magic, version, 12 args + t (offsets 8..63), the dictionary
     * header at 64 (size, nwords, nlabels, ntokens, pruneidx_size), the
     * first entry at 92. */
    memcpy(c, file, n);
    c[0] ^= 1;
    CHECK(load_err(c, n, "bad magic", RF_EFORMAT));
    memcpy(c, file, n);
    put32(c + 4, 13);
    CHECK(load_err(c, n, "version 13", RF_EUNSUP));
    memcpy(c, file, n);
    put32(c + 8, 0);
    CHECK(load_err(c, n, "dimension 0", RF_EFORMAT));
    memcpy(c, file, n);
    put32(c + 8 + 7 * 4, RF_FT_MODEL_CBOW);
    CHECK(load_err(c, n, "not a supervised classifier", RF_EUNSUP));
    memcpy(c, file, n);
    put32(c + 8 + 6 * 4, 9);
    CHECK(load_err(c, n, "unknown loss", RF_EFORMAT));
    memcpy(c, file, n);
    put32(c + 64, 1000000);
    CHECK(load_err(c, n, "is not nwords", RF_EFORMAT));
    memcpy(c, file, n);
    put32(c + 64, 0x7fffffff);
    put32(c + 68, 0x7fffffff - m->nlabels);
    CHECK(load_err(c, n, "truncated", RF_EFORMAT));
    memcpy(c, file, n);
    c[92 + m->wlen[0] + 1 + 8] = 1; /* first word typed as a label */
    CHECK(load_err(c, n, "must come before labels", RF_EFORMAT));
    memcpy(c, file, n);
    put64(c + 84, 0); /* pruned index, but a dense input matrix */
    CHECK(load_err(c, n, "pruned dictionary with a dense input", RF_EFORMAT));
    /* The output matrix's row count sits just before its floats. */
    size_t out_m = n - (size_t)m->nlabels * (size_t)dim * 4 - 16;
    memcpy(c, file, n);
    put64(c + out_m, 1);
    CHECK(load_err(c, n, "output matrix has 1 rows for 3 labels", RF_EFORMAT));
    memcpy(c, file, n);
    put64(c + out_m + 8, dim + 1);
    CHECK(load_err(c, n, "dimension is 4", RF_EFORMAT));
    memcpy(c, file, n);
    put64(c + out_m, -5);
    CHECK(load_err(c, n, "-5 x", RF_EFORMAT));
    /* Input rows fewer than words + buckets. */
    size_t in_m = out_m - 1 - ((size_t)m->in.m * (size_t)dim * 4) - 16;
    memcpy(c, file, n);
    put64(c + in_m, m->in.m - 1);
    CHECK(load_err(c, n, "", RF_EFORMAT));
    memcpy(c, file, n);
    CHECK(load_err(c, n, "", 0));
    free(c);
    free(file);
    CHECK(load_err((const unsigned char *)"", 0, "truncated", RF_EFORMAT));
    rf_ft_model *none = NULL;
    CHECK(rf_ft_load(&none, "/nonexistent/model.bin", &err) == RF_EIO && none == NULL);
}

/* Equal scores come out in the order libstdc++'s heap leaves them, which is
 * what fastText prints (checked against fasttext 0.9.2 by the parity test's
 * ties_*.bin models). */
static void test_tie_order(void)
{
    static const char *const lines[] = {
        "__label__0 w", "__label__1 w", "__label__2 w", "__label__3 w", "__label__4 w",
        "__label__5 w", "__label__6 w", "__label__7 w", "__label__8 w",
    };
    rf_ft_corpus *c = rf_ft_corpus_new();
    for (size_t i = 0; i < 9; i++)
        rf_ft_corpus_add(c, lines[i], strlen(lines[i]));
    rf_ft_train_opts o;
    rf_ft_train_defaults(&o);
    o.args.dim = 3;
    o.args.epoch = 1;
    rf_ft_model *m = NULL;
    rf_err err = {0, ""};
    CHECK(rf_ft_train(&m, c, &o, &err) == 0);
    rf_ft_corpus_free(c);
    if (!m)
        return;
    memset(m->out.data, 0, (size_t)m->out.m * (size_t)m->out.n * sizeof(float));
    /* Labels all have count 1: dictionary order is first appearance. */
    static const int want[9] = {3, 1, 4, 7, 5, 8, 6, 2, 0};
    rf_ft_scratch *s = rf_ft_scratch_new(m);
    rf_ft_pred p[9];
    int np = rf_ft_predict(m, s, "w", 1, -1, 0.0f, p);
    CHECK(np == 9);
    int ok = np == 9;
    for (int i = 0; i < np; i++) {
        size_t len;
        const char *l = rf_ft_label(m, p[i].label, &len);
        ok &= l[len - 1] - '0' == want[i];
        ok &= p[i].prob == p[0].prob;
    }
    CHECK(ok);
    /* k = 1 keeps the first of the full order. */
    CHECK(rf_ft_predict(m, s, "w", 1, 1, 0.0f, p) == 1);
    rf_ft_scratch_free(s);
    rf_ft_free(m);
}

static void test_training(void)
{
    /* One thread and a seed: reproducible, byte for byte. */
    rf_ft_model *a = train_tiny(1, RF_FT_LOSS_SOFTMAX, 7), *b = train_tiny(1, RF_FT_LOSS_SOFTMAX, 7);
    CHECK(a && b && same_predictions(a, b));
    CHECK(memcmp(a->in.data, b->in.data, (size_t)a->in.m * (size_t)a->in.n * 4) == 0);
    rf_ft_free(b);
    /* The training lines are learnt. */
    rf_ft_scratch *s = rf_ft_scratch_new(a);
    rf_ft_pred p[3];
    CHECK(rf_ft_predict(a, s, "qq rr", 5, 1, 0.0f, p) == 1 && p[0].label == 2);
    CHECK(rf_ft_predict(a, s, "x ab cd x", 9, 1, 0.0f, p) == 1 && p[0].label == 0);
    rf_ft_scratch_free(s);
    rf_ft_free(a);
    for (int loss = RF_FT_LOSS_HS; loss <= RF_FT_LOSS_OVA; loss++) {
        rf_ft_model *m = train_tiny(2, loss, 1);
        CHECK(m != NULL);
        if (m) {
            rf_ft_scratch *t = rf_ft_scratch_new(m);
            CHECK(rf_ft_predict(m, t, "qq rr", 5, -1, 0.0f, p) >= 1);
            rf_ft_scratch_free(t);
        }
        rf_ft_free(m);
    }
    /* No labels: a usage error, not an empty model. */
    rf_ft_corpus *c = rf_ft_corpus_new();
    rf_ft_corpus_add(c, "just words", 10);
    rf_ft_train_opts o;
    rf_ft_train_defaults(&o);
    rf_ft_model *m = NULL;
    rf_err err = {0, ""};
    CHECK(rf_ft_train(&m, c, &o, &err) == RF_EUSAGE && m == NULL && strstr(err.msg, "no labels"));
    rf_ft_corpus_free(c);
}

int main(void)
{
    test_hash();
    test_mod_bucket();
    rf_ft_model *m = train_tiny(1, RF_FT_LOSS_SOFTMAX, 0);
    if (m) {
        test_dictionary_and_features(m);
        test_format(m);
        test_save_load_and_corruption(m);
    }
    rf_ft_free(m);
    test_tie_order();
    test_training();
    return CHECK_DONE();
}
