/* ngram.c — tokenisation and n-gram hashing for decontamination (see
 * ngram.h for the definition). The fast path copies ASCII letters and digits
 * (upper case folded), ASCII controls and precomposed Hangul syllables
 * straight into the token stream and ends tokens at ASCII punctuation and
 * symbols; those characters are exactly the ones that stages/text.h leaves
 * unchanged (or only lower-cases) and that never compose with a neighbour.
 * A whitespace-delimited chunk holding any other character is rolled back
 * and normalised by rf_text_normalize instead, so the definition stays the
 * shared one. */
#define _POSIX_C_SOURCE 200809L
#include "decontam/ngram.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
/* The header-only (inlined) XXH3: the same function as libxxhash, without
 * a library call per window. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "stages/err.h"

enum { C_TOK, C_WS, C_PUNCT, C_HIGH };

static unsigned char ascii_class[256];
static unsigned char ascii_lower[256];
/* ascii_word[c]: the lower-case byte for ASCII word characters, 0 for every
 * other byte (NUL, a word character too, takes the general branch). */
static unsigned char ascii_word[256];
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

static void class_build(void)
{
    for (unsigned c = 0; c < 256; c++) {
        unsigned char k;
        if (c >= 0x80)
            k = C_HIGH;
        else if (c == ' ' || (c >= 0x09 && c <= 0x0D))
            k = C_WS;
        else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c < 0x20 || c == 0x7F)
            k = C_TOK; /* controls are "other" characters to text.h: part of words */
        else
            k = C_PUNCT;
        ascii_class[c] = k;
        ascii_lower[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        ascii_word[c] = k == C_TOK ? ascii_lower[c] : 0;
    }
}

void rf_ngram_toks_init(rf_ngram_toks *t)
{
    memset(t, 0, sizeof *t);
    pthread_once(&class_once, class_build);
}

void rf_ngram_toks_release(rf_ngram_toks *t)
{
    if (!t)
        return;
    rf_buf_release(&t->norm);
    rf_buf_release(&t->scratch);
    free(t->off);
    free(t->len);
    free(t->raw_start);
    free(t->raw_end);
    free(t->key);
    memset(t, 0, sizeof *t);
}

void rf_ngram_toks_reset(rf_ngram_toks *t)
{
    rf_buf_reset(&t->norm);
    t->n = 0;
}

static void grow_toks(rf_ngram_toks *t)
{
    size_t cap = t->cap ? t->cap * 2 : 256;
    t->off = rf_xrealloc(t->off, cap * sizeof *t->off);
    t->len = rf_xrealloc(t->len, cap * sizeof *t->len);
    t->raw_start = rf_xrealloc(t->raw_start, cap * sizeof *t->raw_start);
    t->raw_end = rf_xrealloc(t->raw_end, cap * sizeof *t->raw_end);
    t->key = rf_xrealloc(t->key, cap * sizeof *t->key);
    t->cap = cap;
}

/* Appends one token (bytes already normalised). */
static void add_token(rf_ngram_toks *t, const char *p, size_t n, size_t rs, size_t re)
{
    if (t->n == t->cap)
        grow_toks(t);
    if (t->norm.len)
        rf_buf_addc(&t->norm, ' ');
    t->off[t->n] = t->norm.len;
    t->len[t->n] = n;
    t->raw_start[t->n] = rs;
    t->raw_end[t->n] = re;
    t->key[t->n] = rf_ngram_tok_key(p, n);
    t->n++;
    rf_buf_add(&t->norm, p, n);
}

/* The slow path for one chunk: the shared normaliser and tokeniser. */
static void slow_chunk(rf_ngram_toks *t, const char *p, size_t n, size_t rs, size_t re)
{
    rf_buf_reset(&t->scratch);
    rf_text_normalize(p, n, RF_NGRAM_NORM_FLAGS, &t->scratch);
    rf_tok_iter it;
    rf_tok_init(&it, t->scratch.p ? t->scratch.p : "", t->scratch.len, RF_NGRAM_TOK_FLAGS);
    const char *tok;
    size_t tl;
    while (rf_tok_next(&it, &tok, &tl))
        add_token(t, tok, tl, rs, re);
}

static inline int hangul_syllable(const unsigned char *s, size_t left)
{
    if (left < 3 || s[0] < 0xEA || s[0] > 0xED)
        return 0;
    uint32_t cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return cp >= 0xAC00 && cp <= 0xD7A3;
}

/* Ends the fast-path token in progress: its bytes end at o, its source at
 * raw_end. */
static inline void close_token(rf_ngram_toks *t, const char *o, size_t raw_end)
{
    size_t tl = (size_t)(o - t->norm.p) - t->off[t->n];
    t->len[t->n] = tl;
    t->raw_end[t->n] = raw_end;
    t->key[t->n] = rf_ngram_tok_key(o - tl, tl);
    t->n++;
}

void rf_ngram_tokenize(rf_ngram_toks *t, const char *text, size_t n, size_t base)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    /* The fast path writes at most one byte per input byte plus one
     * separator, so room for the rest of the text suffices (renewed after
     * every slow chunk, which may expand). */
    rf_buf_grow(&t->norm, n + 1);
    while (i < n) {
        while (i < n && ascii_class[p[i]] == C_WS)
            i++;
        if (i >= n)
            break;
        /* One chunk: bytes up to the next ASCII whitespace. */
        size_t cs = i, ntok0 = t->n, nlen0 = t->norm.len;
        char *o = t->norm.p + t->norm.len;
        int in_tok = 0, slow = 0;
        while (i < n) {
            unsigned char c = p[i];
            unsigned k = ascii_class[c];
            if (k == C_TOK || hangul_syllable(p + i, n - i)) {
                if (!in_tok) {
                    if (t->n == t->cap)
                        grow_toks(t);
                    if (o != t->norm.p)
                        *o++ = ' ';
                    t->off[t->n] = (size_t)(o - t->norm.p);
                    t->raw_start[t->n] = base + i;
                    in_tok = 1;
                }
                /* The rest of the token: runs of ASCII word characters and
                 * Hangul syllables. */
                for (;;) {
                    unsigned char l;
                    while ((l = ascii_word[c]) != 0) {
                        *o++ = (char)l;
                        if (++i >= n)
                            break;
                        c = p[i];
                    }
                    if (i >= n)
                        break;
                    if (ascii_class[c] == C_TOK) {
                        *o++ = (char)ascii_lower[c];
                        i++;
                    } else if (hangul_syllable(p + i, n - i)) {
                        o[0] = (char)p[i];
                        o[1] = (char)p[i + 1];
                        o[2] = (char)p[i + 2];
                        o += 3;
                        i += 3;
                    } else {
                        break;
                    }
                    if (i >= n)
                        break;
                    c = p[i];
                }
                continue;
            }
            if (k == C_PUNCT || k == C_WS) {
                if (in_tok) {
                    close_token(t, o, base + i);
                    in_tok = 0;
                }
                if (k == C_WS)
                    break;
                i++;
                continue;
            }
            slow = 1;
            break;
        }
        if (!slow) {
            if (in_tok)
                close_token(t, o, base + i);
            rf_buf_setlen(&t->norm, (size_t)(o - t->norm.p));
            continue;
        }
        /* Roll back what the fast path wrote for this chunk. */
        t->n = ntok0;
        rf_buf_setlen(&t->norm, nlen0);
        while (i < n && ascii_class[p[i]] != C_WS)
            i++;
        slow_chunk(t, text + cs, i - cs, base + cs, base + i);
        rf_buf_grow(&t->norm, (n - i) + 1);
    }
}

void rf_ngram_tokenize_ref(rf_ngram_toks *t, const char *p, size_t n)
{
    rf_buf_reset(&t->scratch);
    rf_text_normalize(p, n, RF_NGRAM_NORM_FLAGS, &t->scratch);
    rf_buf copy = RF_BUF_INIT;
    rf_buf_add(&copy, t->scratch.p ? t->scratch.p : "", t->scratch.len);
    rf_tok_iter it;
    rf_tok_init(&it, copy.p, copy.len, RF_NGRAM_TOK_FLAGS);
    const char *tok;
    size_t tl;
    while (rf_tok_next(&it, &tok, &tl))
        add_token(t, tok, tl, 0, n);
    rf_buf_release(&copy);
}

uint64_t rf_ngram_hash(const rf_ngram_toks *t, size_t i, size_t m)
{
    return XXH3_64bits(t->norm.p + t->off[i], rf_ngram_span(t, i, m));
}

void rf_ngram_hash_windows(const rf_ngram_toks *t, size_t m, uint64_t *out)
{
    const char *p = t->norm.p;
    for (size_t i = 0; i + m <= t->n; i++)
        out[i] = XXH3_64bits(p + t->off[i], t->off[i + m - 1] + t->len[i + m - 1] - t->off[i]);
}

void rf_ngram_tok_keys(const rf_ngram_toks *t, uint64_t *keys)
{
    if (t->n)
        memcpy(keys, t->key, t->n * sizeof *keys);
}
