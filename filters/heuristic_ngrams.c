/* heuristic_ngrams.c — the n-gram levels of Gopher's repetition rules (see
 * heuristic_ngrams.h), with hashes that roll from one level to the next.
 *
 * Two hashes per position: a word-sequence hash (the n-gram as a list of
 * words: the top n-grams, and which positions repeat) and, for the
 * duplicate n-grams only, a hash of the concatenated bytes (datatrove joins
 * the words with "" before comparing, so "ab c" and "a bc" are the same
 * 2-gram there). The sequence hash of a word is a hash of its bytes
 * (word_hash), and an n-gram's is its (n-1)-gram's mixed with the next
 * word's. The concatenation
 * hash is polynomial in the bytes (mod 2^64, odd base), so the hash of a
 * concatenation follows from the parts: h(ab) = h(a) * B^len(b) + h(b).
 *
 * An n-gram at i can occur twice only if the (n-1)-grams at i and i+1 both
 * do. So after the full pass for n = 2 each level looks only at the
 * positions whose two (n-1)-grams repeat (`cand`, ascending). For the top
 * n-gram that changes nothing when some n-gram repeats (the most frequent
 * one is among them; ties go to the first seen, and the candidates are in
 * text order), and when none does the answer is the first n-gram, once. The
 * duplicate scan restricted to the candidates is datatrove's greedy scan: an
 * n-gram that occurs once is never found again, so adding it to the set or
 * not changes nothing. Candidates follow word sequences while duplicates are
 * keyed by the concatenation; the two differ only for equal text cut into
 * different words, which whitespace and spaCy tokenisation never do within
 * a document's repeated passages. The concatenation hashes are computed only
 * for the candidates of the duplicate levels, which are few in real text. */
#define XXH_INLINE_ALL
#include "filters/heuristic_ngrams.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "stages/htab.h"
#include "stages/err.h"

/* Base of the polynomial concatenation hashes (odd, so powers never vanish
 * mod 2^64). */
#define HASH_BASE 0x9E3779B97F4A7C15ull

struct rf_ngrams {
    const char *text;
    const rf_hword *w;
    size_t nw, n;       /* words; the level last measured */
    uint64_t *h;        /* per word: word_hash of its bytes */
    uint64_t *hp, *pw;  /* per word: polynomial hash and B^len (valid where hp_ok) */
    unsigned char *hp_ok;
    uint64_t *sq, *g;   /* per position: sequence hash, concatenation hash */
    size_t g_level;     /* the n that g holds (0: none) */
    uint32_t *cand, *next, *slot;
    size_t ncand, cap;
    rf_htab t1, t2;
    uint64_t powtab[64];
};

rf_ngrams *rf_ngrams_new(void)
{
    rf_ngrams *g = rf_xcalloc(1, sizeof *g);
    g->powtab[0] = 1;
    for (int i = 1; i < 64; i++)
        g->powtab[i] = g->powtab[i - 1] * HASH_BASE;
    return g;
}

void rf_ngrams_free(rf_ngrams *g)
{
    if (!g)
        return;
    free(g->h);
    free(g->hp);
    free(g->pw);
    free(g->hp_ok);
    free(g->sq);
    free(g->g);
    free(g->cand);
    free(g->next);
    free(g->slot);
    rf_htab_release(&g->t1);
    rf_htab_release(&g->t2);
    free(g);
}

static inline uint64_t mix64(uint64_t a, uint64_t b)
{
    uint64_t x = (a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2))) * 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 31);
}

/* Bytes 0..len-1 of a 16-byte load (len <= 16), as masks of its halves. */
static const uint64_t lo_mask[17] = {
    0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFF, 0xFFFFFFFFFFFF, 0xFFFFFFFFFFFFFF,
    ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull};
static const uint64_t hi_mask[17] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFF,
    0xFFFFFFFFFFFF, 0xFFFFFFFFFFFFFF, ~0ull};

/* A 64-bit hash of a word (len bytes at p, avail bytes readable from p).
 * Words of up to 16 bytes, nearly all of them, take one masked 16-byte read
 * and two multiplies, without the branches on length that XXH3's short
 * paths take (word lengths alternate unpredictably); longer words take
 * XXH3. Same bytes, same hash, wherever the word sits. */
static inline uint64_t word_hash(const unsigned char *p, size_t len, size_t avail)
{
    if (len > 16)
        return XXH3_64bits(p, len);
    uint64_t lo, hi;
    if (avail >= 16) {
        memcpy(&lo, p, 8);
        memcpy(&hi, p + 8, 8);
    } else { /* near the end of the text: no read past it */
        unsigned char b[16] = {0};
        memcpy(b, p, len);
        memcpy(&lo, b, 8);
        memcpy(&hi, b + 8, 8);
    }
    lo &= lo_mask[len];
    hi &= hi_mask[len];
    uint64_t h = (lo ^ 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    h ^= (hi ^ (len * 0xC2B2AE3D27D4EB4Full)) * 0x94D049BB133111EBull;
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

void rf_ngrams_start(rf_ngrams *g, const char *text, size_t n, const rf_hword *w, size_t nw)
{
    g->text = text;
    g->w = w;
    g->nw = nw;
    g->n = 1;
    g->g_level = 0;
    if (nw > g->cap) {
        g->cap = nw + nw / 2;
        g->h = rf_xrealloc(g->h, g->cap * sizeof *g->h);
        g->hp = rf_xrealloc(g->hp, g->cap * sizeof *g->hp);
        g->pw = rf_xrealloc(g->pw, g->cap * sizeof *g->pw);
        g->hp_ok = rf_xrealloc(g->hp_ok, g->cap);
        g->sq = rf_xrealloc(g->sq, g->cap * sizeof *g->sq);
        g->g = rf_xrealloc(g->g, g->cap * sizeof *g->g);
        g->cand = rf_xrealloc(g->cand, g->cap * sizeof *g->cand);
        g->next = rf_xrealloc(g->next, g->cap * sizeof *g->next);
        g->slot = rf_xrealloc(g->slot, g->cap * sizeof *g->slot);
    }
    if (nw)
        memset(g->hp_ok, 0, nw);
    for (size_t i = 0; i < nw; i++)
        g->h[i] = g->sq[i] = word_hash((const unsigned char *)text + w[i].off, w[i].len,
                                       n - w[i].off);
    /* Level 2 looks at every position. */
    g->ncand = nw >= 2 ? nw - 1 : 0;
    for (size_t i = 0; i < g->ncand; i++)
        g->cand[i] = (uint32_t)i;
}

/* The polynomial hash of word j (computed on first use). */
static void poly_word(rf_ngrams *g, size_t j)
{
    if (g->hp_ok[j])
        return;
    const unsigned char *q = (const unsigned char *)g->text + g->w[j].off;
    size_t l = g->w[j].len, k = 0;
    const uint64_t B = HASH_BASE, B2 = B * B, B3 = B2 * B, B4 = B3 * B;
    uint64_t h = 0;
    /* Horner four bytes at a time: the products inside a step are
     * independent, so the chain is one multiply per four bytes. */
    for (; k + 4 <= l; k += 4)
        h = h * B4 + ((uint64_t)q[k] + 1) * B3 + ((uint64_t)q[k + 1] + 1) * B2 +
            ((uint64_t)q[k + 2] + 1) * B + ((uint64_t)q[k + 3] + 1);
    for (; k < l; k++)
        h = h * B + (uint64_t)q[k] + 1;
    uint64_t pw = 1;
    size_t e = l;
    for (; e >= 63; e -= 63)
        pw *= g->powtab[63];
    pw *= g->powtab[e];
    g->hp[j] = h;
    g->pw[j] = pw;
    g->hp_ok[j] = 1;
}

/* g[i] for the candidates at level nn: extended by one word when it holds
 * level nn-1, else computed from the words. */
static void concat_hashes(rf_ngrams *g, size_t nn)
{
    if (g->g_level == nn - 1) {
        for (size_t c = 0; c < g->ncand; c++) {
            size_t i = g->cand[c], j = i + nn - 1;
            poly_word(g, j);
            g->g[i] = g->g[i] * g->pw[j] + g->hp[j];
        }
    } else {
        for (size_t c = 0; c < g->ncand; c++) {
            size_t i = g->cand[c];
            uint64_t h = 0;
            for (size_t j = i; j < i + nn; j++) {
                poly_word(g, j);
                h = h * g->pw[j] + g->hp[j];
            }
            g->g[i] = h;
        }
    }
    g->g_level = nn;
}

/* Characters of the n-gram at i, words joined by one space. */
static size_t joined_chars(const rf_ngrams *g, size_t i, size_t nn)
{
    size_t chars = nn - 1;
    for (size_t k = 0; k < nn; k++)
        chars += g->w[i + k].cps;
    return chars;
}

int rf_ngrams_next(rf_ngrams *g, int want_dup, size_t *chars)
{
    size_t nn = ++g->n, nw = g->nw;
    const rf_hword *w = g->w;
    *chars = 0;
    if (nw < nn)
        return RF_NGRAMS_END;
    int top = nn <= 4;
    if (g->ncand == 0) {
        /* Nothing repeats: the top n-gram is the first one, once. */
        if (!top)
            return RF_NGRAMS_NONE;
        *chars = joined_chars(g, 0, nn);
        return RF_NGRAMS_DONE;
    }
    uint32_t *cand = g->cand, *slot = g->slot;
    size_t ncand = g->ncand;
    /* Extend the (nn-1)-gram sequence hashes at the candidates by a word. */
    for (size_t c = 0; c < ncand; c++) {
        size_t i = cand[c];
        g->sq[i] = mix64(g->sq[i], g->h[i + nn - 1]);
    }
    /* Count the sequences (Counter.most_common(1) for the top n-gram:
     * highest count, ties to the first seen). */
    rf_htab_reset(&g->t2, ncand);
    uint32_t best_cnt = 0, best_first = 0;
    for (size_t c = 0; c < ncand; c++) {
        int fresh;
        rf_hslot *sl = rf_htab_get(&g->t2, g->sq[cand[c]], &fresh);
        if (fresh) {
            sl->cnt = 1;
            sl->first = cand[c];
        } else {
            sl->cnt++;
        }
        slot[c] = (uint32_t)(sl - g->t2.s);
        if (sl->cnt > best_cnt || (sl->cnt == best_cnt && sl->first < best_first)) {
            best_cnt = sl->cnt;
            best_first = sl->first;
        }
    }
    if (best_cnt < 2) { /* no repeat among the candidates */
        best_cnt = 1;
        best_first = 0;
    }
    if (top) {
        *chars = joined_chars(g, best_first, nn) * best_cnt;
    } else if (want_dup) {
        /* find_all_duplicate: greedy, a repeat skips the whole n-gram. */
        concat_hashes(g, nn);
        rf_htab_reset(&g->t1, ncand);
        size_t repeated = 0, from = 0;
        for (size_t c = 0; c < ncand; c++) {
            size_t i = cand[c];
            if (i < from)
                continue;
            int fresh;
            rf_htab_get(&g->t1, g->g[i], &fresh);
            if (!fresh) {
                for (size_t k = 0; k < nn; k++)
                    repeated += w[i + k].cps;
                from = i + nn;
            }
        }
        *chars = repeated;
    }
    /* Candidates of the next level: i and i+1 both repeated here. */
    uint32_t *next = g->next;
    size_t nr = 0;
    for (size_t c = 0; c < ncand; c++)
        if (g->t2.s[slot[c]].cnt >= 2)
            next[nr++] = cand[c];
    size_t nc = 0;
    for (size_t r = 0; r + 1 < nr; r++)
        if (next[r + 1] == next[r] + 1 && next[r] + nn + 1 <= nw)
            next[nc++] = next[r];
    g->next = cand;
    g->cand = next;
    g->ncand = nc;
    return RF_NGRAMS_DONE;
}
