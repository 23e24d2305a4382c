/* ngram.h — the token stream that decontamination hashes, for benchmark
 * items and documents alike.
 *
 * Definition (the same on both sides, so a leak is found whatever its case,
 * punctuation or spacing): the text is normalised with stages/text.h
 * (NFKC, case folding, punctuation and symbols become spaces, whitespace
 * collapsed) and cut into tokens with rf_tok_next(RF_TOK_CJK_CHARS): words
 * separated by whitespace (Korean eojeol are words), every Han or Kana
 * character a token of its own. The tokens are joined with single spaces in
 * `norm`; the hash of the m-gram starting at token i is XXH3-64 (seed 0) of
 * the bytes of tokens i..i+m-1 joined by single spaces, i.e. a slice of norm.
 *
 * rf_ngram_tokenize produces exactly the tokens of
 * rf_text_normalize(whole text) + rf_tok_next, but takes a fast path for the
 * common characters (ASCII and precomposed Hangul syllables) and hands every
 * whitespace-delimited chunk that contains anything else to
 * rf_text_normalize. ASCII whitespace never composes with a neighbour, so
 * normalising chunk by chunk is the same as normalising the whole text; the
 * unit test compares both paths on the shared corpora. Each token also
 * records the byte span of the source text it came from (the whole chunk for
 * chunks that took the slow path), which excision needs. */
#ifndef RF_NGRAM_H
#define RF_NGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stages/buf.h"
#include "stages/text.h"

/* The normalisation and tokenisation flags of the definition above. */
#define RF_NGRAM_NORM_FLAGS \
    (RF_NORM_NFKC | RF_NORM_CASEFOLD | RF_NORM_PUNCT_TO_SPACE | RF_NORM_COLLAPSE_SPACE)
#define RF_NGRAM_TOK_FLAGS RF_TOK_CJK_CHARS

typedef struct rf_ngram_toks {
    rf_buf norm;       /* tokens joined by single spaces */
    size_t *off;       /* token i starts at norm.p + off[i] */
    size_t *len;       /* and has len[i] bytes */
    size_t *raw_start; /* source byte span of token i: [raw_start, raw_end) */
    size_t *raw_end;
    uint64_t *key;     /* rf_ngram_tok_key of token i (computed as tokens end) */
    size_t n, cap;
    rf_buf scratch; /* normaliser output for slow chunks */
} rf_ngram_toks;

void rf_ngram_toks_init(rf_ngram_toks *t);
void rf_ngram_toks_release(rf_ngram_toks *t);
void rf_ngram_toks_reset(rf_ngram_toks *t);

/* Appends the tokens of (p, n), which must be valid UTF-8. Raw spans are
 * offsets into p plus base (so several fields can share one stream). */
void rf_ngram_tokenize(rf_ngram_toks *t, const char *p, size_t n, size_t base);

/* The reference path (rf_text_normalize over the whole text, then
 * rf_tok_next), without raw spans: for tests. */
void rf_ngram_tokenize_ref(rf_ngram_toks *t, const char *p, size_t n);

/* Hash of the m tokens starting at token i (i + m <= t->n, m >= 1). */
uint64_t rf_ngram_hash(const rf_ngram_toks *t, size_t i, size_t m);

/* Hashes of every window of m tokens: out[i] = rf_ngram_hash(t, i, m) for
 * i + m <= t->n. */
void rf_ngram_hash_windows(const rf_ngram_toks *t, size_t m, uint64_t *out);

/* Gate keys: a cheap stand-in for the window hash that only decides
 * whether the exact XXH3 lookup is worth doing. A token's key mixes its
 * first and last 8 bytes and its length; a window's gate is the sum of its
 * token keys (so it rolls in O(1) per position). Different
 * windows may share a gate; equal windows always do. Part of the index
 * format (the Bloom filters are built over gates). */
static inline uint64_t rf_ngram_mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0x7FB5D329728EA185ull;
    h ^= h >> 27;
    h *= 0x81DADEF4BC2DD44Dull;
    h ^= h >> 33;
    return h;
}

static inline uint64_t rf_ngram_tok_key(const char *p, size_t n)
{
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, p, 4);
        memcpy(&y, p + n - 4, 4);
        a = x;
        b = y;
    } else if (n > 0) {
        a = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
            (uint64_t)(unsigned char)p[n - 1] << 16;
    }
    return rf_ngram_mix(a ^ rf_ngram_mix(b + n));
}

/* keys[i] = rf_ngram_tok_key of token i (a copy of t->key). */
void rf_ngram_tok_keys(const rf_ngram_toks *t, uint64_t *keys);

/* Gate of the window of m tokens starting at i: the sum of its token keys
 * (already mixed, so the sum's bits are uniform). */
static inline uint64_t rf_ngram_gate(const uint64_t *keys, size_t i, size_t m)
{
    uint64_t s = 0;
    for (size_t k = 0; k < m; k++)
        s += keys[i + k];
    return s;
}

/* Number of characters (code points) of valid UTF-8 (p, n). */
static inline size_t rf_ngram_chars(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

/* Byte span of those tokens in norm. */
static inline size_t rf_ngram_span(const rf_ngram_toks *t, size_t i, size_t m)
{
    return t->off[i + m - 1] + t->len[i + m - 1] - t->off[i];
}

#endif
