/* test_minhash — the dedup library's pieces: shingling (words, Han/Kana
 * characters, short and empty texts, separators that must not matter),
 * signature determinism and seed dependence, the estimator's accuracy on
 * synthetic sets of known Jaccard, exact Jaccard, the S-curve formula, the
 * file header, and the whole-file validator on good and broken images. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup.h"
#include "stages/text.h"
#include "tests/unit/check.h"

static size_t shingles_of(const rf_minhasher *m, const char *t, rf_minhash_scratch *s, int *kind)
{
    *kind = rf_minhash_shingles(m, t, strlen(t), s);
    return rf_minhash_unique(s);
}

static int same_sets(const rf_minhasher *m, const char *a, const char *b)
{
    rf_minhash_scratch s1 = {0}, s2 = {0};
    int k;
    size_t n1 = shingles_of(m, a, &s1, &k), n2 = shingles_of(m, b, &s2, &k);
    int same = n1 == n2 && !memcmp(s1.sh, s2.sh, n1 * sizeof *s1.sh);
    rf_minhash_scratch_release(&s1);
    rf_minhash_scratch_release(&s2);
    return same;
}

/* SplitMix64: independent 64-bit values, reproducible across runs. */
static uint64_t rng_state = 42;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void check_shingles(void)
{
    rf_minhasher m;
    rf_err err;
    CHECK(rf_minhasher_init(&m, 5, RF_SHINGLE_WORD, 14, 8, 1, &err) == 0);
    rf_minhash_scratch s = {0};
    int kind;
    /* 7 words -> 3 shingles */
    CHECK(shingles_of(&m, "one two three four five six seven", &s, &kind) == 3);
    CHECK(kind == RF_SHINGLES_NORMAL);
    /* normalisation: case, punctuation, digits, spacing do not matter */
    CHECK(same_sets(&m, "One, two; THREE four five 2024 six!", "one two three four five 1999 six"));
    CHECK(!same_sets(&m, "one two three four five six", "one two three four five seven"));
    /* too short for one shingle: hashed whole, and counted as short */
    CHECK(shingles_of(&m, "just three words", &s, &kind) == 1 && kind == RF_SHINGLES_SHORT);
    CHECK(!same_sets(&m, "just three words", "just three word"));
    CHECK(shingles_of(&m, " ?! ... ", &s, &kind) == 1 && kind == RF_SHINGLES_EMPTY);
    CHECK(same_sets(&m, "", "!!!"));
    /* Korean eojeol are words */
    CHECK(shingles_of(&m, "오늘 날씨가 정말 좋아서 공원에 갔다", &s, &kind) == 2);
    /* Han characters are tokens of their own, with or without spaces */
    CHECK(shingles_of(&m, "東京都渋谷区", &s, &kind) == 2);
    CHECK(same_sets(&m, "東京都渋谷区", "東 京 都 渋 谷 区"));
    rf_minhash_scratch_release(&s);
    rf_minhasher_release(&m);

    /* character shingles: spaces are characters too */
    CHECK(rf_minhasher_init(&m, 3, RF_SHINGLE_CHAR, 14, 8, 1, &err) == 0);
    CHECK(shingles_of(&m, "abcde", &s, &kind) == 3);
    CHECK(shingles_of(&m, "ab", &s, &kind) == 1 && kind == RF_SHINGLES_SHORT);
    CHECK(!same_sets(&m, "ab cd", "abcd"));
    rf_minhash_scratch_release(&s);
    rf_minhasher_release(&m);

    CHECK(rf_minhasher_init(&m, 0, RF_SHINGLE_WORD, 14, 8, 1, &err) == RF_EUSAGE);
    CHECK(rf_minhasher_init(&m, 5, RF_SHINGLE_WORD, 100, 100, 1, &err) == RF_EUSAGE);
}

/* Signatures of sets with a known Jaccard: the fraction of equal values
 * estimates J (binomial: sd = sqrt(J(1-J)/K)); averaged over many pairs
 * the mean error must be tiny, and equal sets give equal signatures. */
static void check_estimator(void)
{
    rf_minhasher m, m2;
    rf_err err;
    CHECK(rf_minhasher_init(&m, 5, RF_SHINGLE_WORD, 16, 16, 7, &err) == 0);
    CHECK(rf_minhasher_init(&m2, 5, RF_SHINGLE_WORD, 16, 16, 8, &err) == 0);
    const uint32_t K = m.nhash;
    uint64_t *sa = malloc(K * 8), *sb = malloc(K * 8), *sc = malloc(K * 8);
    rf_minhash_scratch A = {0}, B = {0};
    A.sh = malloc(400 * 8);
    B.sh = malloc(400 * 8);
    const double targets[] = {0.2, 0.5, 0.8, 0.9};
    for (size_t t = 0; t < 4; t++) {
        double sum = 0;
        int trials = 200;
        for (int r = 0; r < trials; r++) {
            /* |A| = |B| = 200, |A ∩ B| = c: J = c / (400 - c) */
            size_t c = (size_t)lround(400 * targets[t] / (1 + targets[t]));
            for (size_t i = 0; i < 200; i++) {
                A.sh[i] = rnd();
                B.sh[i] = i < c ? A.sh[i] : rnd();
            }
            A.nsh = B.nsh = 200;
            rf_minhash_signature(&m, &A, sa);
            rf_minhash_signature(&m, &B, sb);
            size_t eq = 0;
            for (uint32_t k = 0; k < K; k++)
                eq += sa[k] == sb[k];
            sum += (double)eq / K;
            if (t == 0 && r == 0) {
                /* Another seed gives other values; the same seed the same. */
                rf_minhash_signature(&m2, &A, sc);
                CHECK(memcmp(sa, sc, K * 8) != 0);
                rf_minhash_signature(&m, &A, sc);
                CHECK(memcmp(sa, sc, K * 8) == 0);
            }
        }
        double truth = (double)lround(400 * targets[t] / (1 + targets[t]));
        truth = truth / (400 - truth);
        double mean = sum / trials;
        if (fabs(mean - truth) > 0.02)
            fprintf(stderr, "J=%.3f estimated %.3f\n", truth, mean);
        CHECK(fabs(mean - truth) <= 0.02);
    }
    /* order of shingles does not matter */
    for (size_t i = 0; i < 200; i++)
        B.sh[i] = A.sh[199 - i];
    rf_minhash_signature(&m, &A, sa);
    rf_minhash_signature(&m, &B, sb);
    CHECK(memcmp(sa, sb, K * 8) == 0);
    CHECK(rf_minhash_band(&m, sa, 0) == rf_minhash_band(&m, sb, 0));
    CHECK(rf_minhash_band(&m, sa, 0) != rf_minhash_band(&m, sa, 1));
    rf_minhash_scratch_release(&A);
    rf_minhash_scratch_release(&B);
    free(sa);
    free(sb);
    free(sc);
    rf_minhasher_release(&m);
    rf_minhasher_release(&m2);
}

static void check_jaccard(void)
{
    uint64_t a[] = {1, 2, 3, 4}, b[] = {3, 4, 5, 6, 7, 8};
    CHECK(fabs(rf_jaccard_sorted(a, 4, b, 6) - 2.0 / 8.0) < 1e-12);
    CHECK(rf_jaccard_sorted(a, 4, a, 4) == 1.0);
    CHECK(rf_jaccard_sorted(a, 0, b, 0) == 1.0);
    CHECK(rf_jaccard_sorted(a, 4, b, 0) == 0.0);
    /* S-curve: 1 - (1 - J^r)^b */
    CHECK(fabs(rf_lsh_probability(0.8, 14, 8) - (1 - pow(1 - pow(0.8, 8), 14))) < 1e-12);
    CHECK(rf_lsh_probability(0, 14, 8) == 0 && rf_lsh_probability(1, 14, 8) == 1);
    rf_buf b2 = RF_BUF_INIT;
    rf_lsh_explain(14, 8, &b2);
    CHECK(strstr(b2.p, "0.80") != NULL && strstr(b2.p, "0.923") != NULL);
    rf_buf_release(&b2);
}

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

static void check_files(void)
{
    rf_err err;
    unsigned char img[RF_DFILE_HDR + 3 * 16];
    rf_dfile_hdr h = {RF_DFILE_PAIRS, RF_DFILE_VERSION, 42, 3, 2, 0, 3, 0};
    rf_dfile_hdr_encode(&h, img);
    rf_dfile_hdr d;
    CHECK(rf_dfile_hdr_decode(img, RF_DFILE_HDR, RF_DFILE_PAIRS, &d, "x", &err) == 0);
    CHECK(d.params == 42 && d.unit == 3 && d.nshards == 2 && d.count == 3);
    CHECK(rf_dfile_hdr_decode(img, RF_DFILE_HDR - 1, RF_DFILE_PAIRS, &d, "x", &err) == RF_EFORMAT);
    CHECK(rf_dfile_hdr_decode(img, RF_DFILE_HDR, RF_DFILE_SIG, &d, "x", &err) == RF_EFORMAT);
    CHECK(strstr(err.msg, "pairs file where a signature file") != NULL);
    unsigned char *p = img + RF_DFILE_HDR;
    uint32_t pairs[3][4] = {{0, 1, 0, 5}, {0, 1, 1, 0}, {1, 2, 1, 3}};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++)
            put32(p + i * 16 + k * 4, pairs[i][k]);
    CHECK(rf_dfile_check(img, sizeof img, RF_DFILE_PAIRS, "x", &err) == 0);
    CHECK(rf_dfile_check(img, sizeof img - 1, RF_DFILE_PAIRS, "x", &err) == RF_EFORMAT);
    put32(p + 16 + 8, 2); /* shard 2 of 2 */
    CHECK(rf_dfile_check(img, sizeof img, RF_DFILE_PAIRS, "x", &err) == RF_EFORMAT);
    put32(p + 16 + 8, 0);
    put32(p + 16 + 12, 1); /* (0,1) with itself */
    CHECK(rf_dfile_check(img, sizeof img, RF_DFILE_PAIRS, "x", &err) == RF_EFORMAT);
    img[0] = 'X';
    CHECK(rf_dfile_check(img, sizeof img, RF_DFILE_PAIRS, "x", &err) == RF_EFORMAT);

    /* A removal file: 2 shards, entries 1 + 1, then a broken index. */
    unsigned char rm[RF_DFILE_HDR + 3 * 8 + 2 * 40];
    memset(rm, 0, sizeof rm);
    rf_dfile_hdr hr = {RF_DFILE_REMOVE, RF_DFILE_VERSION, 1, 0, 2, 0, 2, 2};
    rf_dfile_hdr_encode(&hr, rm);
    put64(rm + RF_DFILE_HDR + 8, 1);
    put64(rm + RF_DFILE_HDR + 16, 2);
    unsigned char *e = rm + RF_DFILE_HDR + 24;
    put32(e + 4, RF_RM_KEEP);
    put32(e + 40 + 4, RF_RM_REMOVE);
    CHECK(rf_dfile_check(rm, sizeof rm, RF_DFILE_REMOVE, "r", &err) == 0);
    put64(rm + RF_DFILE_HDR + 8, 3);
    CHECK(rf_dfile_check(rm, sizeof rm, RF_DFILE_REMOVE, "r", &err) == RF_EFORMAT);
    put64(rm + RF_DFILE_HDR + 8, 1);
    put32(e + 40 + 4, 7); /* unknown kind */
    CHECK(rf_dfile_check(rm, sizeof rm, RF_DFILE_REMOVE, "r", &err) == RF_EFORMAT);
}

/* The two-step normalisation of a combined scan gives the same shingles as
 * the one-step one, on random mixes of scripts, spaces and punctuation. */
static void check_two_step(void)
{
    static const char *const parts[] = {"Hello", "WORLD", " ", "  ", "\t", "\n", ",", "!!", "2024",
                                        "\xef\xbc\x91", "\xe3\x80\x80", "\xc2\xa0", "\xea\xb0\x80",
                                        "\xed\x95\x9c", "\xe6\x9d\xb1", "\xef\xac\x81", "-",
                                        "\xe2\x80\xa6", "e\xcc\x81", "\xc3\x9f", "$", "\xe2\x85\xa8"};
    rf_minhasher m;
    rf_err err;
    CHECK(rf_minhasher_init(&m, 3, RF_SHINGLE_WORD, 2, 2, 1, &err) == 0);
    rf_minhash_scratch a = {0}, b = {0};
    rf_buf text = RF_BUF_INIT, x = RF_BUF_INIT;
    int bad = 0;
    for (int r = 0; r < 3000; r++) {
        rf_buf_reset(&text);
        int k = (int)(rnd() % 30);
        for (int i = 0; i < k; i++)
            rf_buf_adds(&text, parts[rnd() % (sizeof parts / sizeof parts[0])]);
        rf_minhash_shingles(&m, text.p ? text.p : "", text.len, &a);
        rf_buf_reset(&x);
        rf_text_normalize(text.p ? text.p : "", text.len, RF_DEDUP_NORM_EXACT, &x);
        rf_buf_reset(&b.norm);
        rf_text_normalize(x.p ? x.p : "", x.len,
                          RF_NORM_PUNCT_TO_SPACE | RF_NORM_DIGITS_TO_0 | RF_NORM_COLLAPSE_SPACE, &b.norm);
        rf_minhash_shingles_normalized(&m, b.norm.p ? b.norm.p : "", b.norm.len, &b);
        if (a.norm.len != b.norm.len || (a.norm.len && memcmp(a.norm.p, b.norm.p, a.norm.len)) ||
            a.nsh != b.nsh || memcmp(a.sh, b.sh, a.nsh * 8))
            bad++;
    }
    CHECK(bad == 0);
    rf_buf_release(&text);
    rf_buf_release(&x);
    rf_minhash_scratch_release(&a);
    rf_minhash_scratch_release(&b);
    rf_minhasher_release(&m);
}

int main(void)
{
    check_two_step();
    check_shingles();
    check_estimator();
    check_jaccard();
    check_files();
    return CHECK_DONE();
}
