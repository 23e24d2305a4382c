/* minhash.c — shingling and MinHash signatures. A text is normalised with the
 * shared normaliser (stages/text.h: NFKC, case fold, punctuation → space,
 * digits → 0, whitespace collapsed) and cut into tokens: words (Korean eojeol
 * are words) with every Han/Kana character a token of its own, or single
 * characters. Each token gets a seeded XXH3-64 hash; a shingle (n consecutive
 * tokens) is the XXH3-64 of its n token hashes, so a shingle is the token
 * tuple, whatever separated the tokens in the text. The signature is, for
 * each of bands × rows seeded universal hash functions h_k(x) = a_k·x + b_k
 * (mod 2^64, a_k odd: a permutation of the 64-bit shingle hashes), the
 * minimum over the document's shingles; a band hash is the XXH3-64 of its
 * rows. Also here: exact Jaccard of sorted sets and the LSH S-curve. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dedup/dedup.h"
#include "stages/text.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int rf_minhasher_init(rf_minhasher *m, uint32_t ngram, int shingle, uint32_t bands,
                      uint32_t rows, uint64_t seed, rf_err *err)
{
    memset(m, 0, sizeof *m);
    if (ngram < 1 || ngram > 64)
        return rf_errf(err, RF_EUSAGE, "--ngram must be between 1 and 64");
    if (bands < 1 || rows < 1 || (uint64_t)bands * rows > RF_MINHASH_MAX_HASHES)
        return rf_errf(err, RF_EUSAGE, "--bands × --rows must be between 1 and %d",
                       RF_MINHASH_MAX_HASHES);
    m->ngram = ngram;
    m->shingle = shingle;
    m->bands = bands;
    m->rows = rows;
    m->nhash = bands * rows;
    m->seed = seed;
    m->a = rf_xmalloc(m->nhash * sizeof *m->a);
    m->b = rf_xmalloc(m->nhash * sizeof *m->b);
    uint64_t x = seed ^ 0x6D696E6861736831ull; /* "minhash1" */
    for (uint32_t k = 0; k < m->nhash; k++) {
        m->a[k] = splitmix64(&x) | 1;
        m->b[k] = splitmix64(&x);
    }
    return 0;
}

void rf_minhasher_release(rf_minhasher *m)
{
    if (!m)
        return;
    free(m->a);
    free(m->b);
    memset(m, 0, sizeof *m);
}

void rf_minhash_scratch_release(rf_minhash_scratch *s)
{
    if (!s)
        return;
    rf_buf_release(&s->norm);
    free(s->tok);
    free(s->sh);
    memset(s, 0, sizeof *s);
}

static void push_tok(rf_minhash_scratch *s, size_t *nt, uint64_t h)
{
    if (*nt == s->captok) {
        s->captok = s->captok ? s->captok * 2 : 1024;
        s->tok = rf_xrealloc(s->tok, s->captok * sizeof *s->tok);
    }
    s->tok[(*nt)++] = h;
}

int rf_minhash_shingles(const rf_minhasher *m, const char *p, size_t n, rf_minhash_scratch *s)
{
    rf_buf_reset(&s->norm);
    rf_text_normalize(p, n, RF_DEDUP_NORM_MINHASH, &s->norm);
    return rf_minhash_shingles_normalized(m, s->norm.p ? s->norm.p : "", s->norm.len, s);
}

int rf_minhash_shingles_normalized(const rf_minhasher *m, const char *t, size_t tn,
                                   rf_minhash_scratch *s)
{
    size_t nt = 0;
    uint64_t tseed = m->seed ^ 0x746F6B656E000000ull; /* "token" */
    if (m->shingle == RF_SHINGLE_CHAR) {
        size_t i = 0;
        while (i < tn) {
            size_t st = i;
            rf_next_cp(t, tn, &i);
            push_tok(s, &nt, XXH3_64bits_withSeed(t + st, i - st, tseed));
        }
    } else {
        rf_tok_iter it;
        rf_tok_init(&it, t, tn, RF_TOK_CJK_CHARS);
        const char *tok;
        size_t tl;
        while (rf_tok_next(&it, &tok, &tl))
            push_tok(s, &nt, XXH3_64bits_withSeed(tok, tl, tseed));
    }
    uint64_t sseed = m->seed ^ 0x7368696E676C6500ull; /* "shingle" */
    size_t k = m->ngram;
    size_t nsh = nt >= k ? nt - k + 1 : 1;
    if (nsh > s->capsh) {
        s->capsh = nsh + nsh / 2 + 16;
        free(s->sh);
        s->sh = rf_xmalloc(s->capsh * sizeof *s->sh);
    }
    if (nt >= k) {
        for (size_t i = 0; i + k <= nt; i++)
            s->sh[i] = XXH3_64bits_withSeed(s->tok + i, k * sizeof *s->tok, sseed);
        s->nsh = nsh;
        return RF_SHINGLES_NORMAL;
    }
    /* Too short for one shingle: the whole token sequence is the shingle. */
    s->sh[0] = XXH3_64bits_withSeed(nt ? s->tok : (const void *)"", nt * sizeof *s->tok, sseed);
    s->nsh = 1;
    return nt ? RF_SHINGLES_SHORT : RF_SHINGLES_EMPTY;
}

/* The hot loop: per shingle, bands × rows multiply-adds and minimums. It
 * vectorises (AVX-512 has 64-bit multiply and unsigned minimum); on x86-64
 * GCC builds clones for AVX-512, AVX2 and the baseline and picks one at load
 * time. Integer arithmetic: every clone gives the same signature. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define RF_HOT_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define RF_HOT_CLONES
#endif

RF_HOT_CLONES
static void minhash_update(uint64_t *restrict sig, const uint64_t *restrict a,
                           const uint64_t *restrict b, uint32_t K, const uint64_t *restrict sh,
                           size_t nsh)
{
    for (size_t i = 0; i < nsh; i++) {
        const uint64_t x = sh[i];
        for (uint32_t k = 0; k < K; k++) {
            uint64_t v = a[k] * x + b[k];
            sig[k] = v < sig[k] ? v : sig[k];
        }
    }
}

void rf_minhash_signature(const rf_minhasher *m, const rf_minhash_scratch *s, uint64_t *sig)
{
    for (uint32_t k = 0; k < m->nhash; k++)
        sig[k] = UINT64_MAX;
    minhash_update(sig, m->a, m->b, m->nhash, s->sh, s->nsh);
}

uint64_t rf_minhash_band(const rf_minhasher *m, const uint64_t *sig, uint32_t b)
{
    return XXH3_64bits_withSeed(sig + (size_t)b * m->rows, m->rows * sizeof *sig,
                                m->seed + 0x62616E64ull + b); /* "band" */
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

size_t rf_minhash_unique(rf_minhash_scratch *s)
{
    if (s->nsh < 2)
        return s->nsh;
    qsort(s->sh, s->nsh, sizeof *s->sh, cmp_u64);
    size_t w = 1;
    for (size_t i = 1; i < s->nsh; i++)
        if (s->sh[i] != s->sh[w - 1])
            s->sh[w++] = s->sh[i];
    s->nsh = w;
    return w;
}

double rf_jaccard_sorted(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    if (na == 0 && nb == 0)
        return 1.0;
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            inter++;
            i++;
            j++;
        }
    }
    return (double)inter / (double)(na + nb - inter);
}

double rf_lsh_probability(double j, uint32_t bands, uint32_t rows)
{
    return 1.0 - pow(1.0 - pow(j, (double)rows), (double)bands);
}

void rf_lsh_explain(uint32_t bands, uint32_t rows, rf_buf *out)
{
    double thr = pow(1.0 / (double)bands, 1.0 / (double)rows);
    rf_buf_addf(out,
                "MinHash LSH with %u bands x %u rows = %u hash functions.\n"
                "Two documents become a candidate pair when all %u rows of at least one band\n"
                "agree. For Jaccard similarity J of their shingle sets:\n"
                "  P(candidate) = 1 - (1 - J^%u)^%u\n"
                "The curve rises around the threshold (1/bands)^(1/rows) = %.3f.\n\n"
                "     J   P(candidate)\n",
                bands, rows, bands * rows, rows, rows, bands, thr);
    for (int i = 0; i <= 20; i++) {
        double j = i / 20.0;
        double pr = rf_lsh_probability(j, bands, rows);
        int bar = (int)(pr * 40.0 + 0.5);
        rf_buf_addf(out, "  %4.2f   %10.6f", j, pr);
        if (bar)
            rf_buf_adds(out, "  ");
        for (int k = 0; k < bar; k++)
            rf_buf_addc(out, '#');
        rf_buf_addc(out, '\n');
    }
    /* Where the curve crosses a few levels, by bisection on a monotone curve. */
    rf_buf_adds(out, "\nJaccard at which P(candidate) reaches:\n");
    const double levels[] = {0.01, 0.5, 0.9, 0.95, 0.99};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        double lo = 0, hi = 1;
        for (int it = 0; it < 60; it++) {
            double mid = (lo + hi) / 2;
            if (rf_lsh_probability(mid, bands, rows) < levels[l])
                lo = mid;
            else
                hi = mid;
        }
        rf_buf_addf(out, "  P = %.2f at J = %.3f\n", levels[l], hi);
    }
    rf_buf_adds(out, "\nWith --verify J0 every candidate pair is checked against the exact Jaccard\n"
                     "of the two shingle sets and dropped below J0 (removes LSH false positives;\n"
                     "cannot recover pairs that never became candidates).\n");
}
