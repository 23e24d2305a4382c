/* text.h — Unicode text utilities shared by the stages: script classes of
 * code points, normalisation (NFKC, case folding, punctuation and digit
 * mapping, whitespace collapsing) and word/character tokenisation.
 *
 * One implementation for everyone, so dedup, decontamination and the
 * heuristics agree on what a "word" and a "normalised text" are. Unicode data
 * comes from utf8proc; common text (ASCII, Hangul, CJK) takes fast paths that
 * skip utf8proc entirely. All functions take (p, n) UTF-8 input, which must be
 * valid (documents are, after parsing). */
#ifndef RF_TEXT_H
#define RF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"

typedef enum rf_script {
    RF_SCRIPT_OTHER = 0, /* letters of other scripts, marks, controls, unassigned */
    RF_SCRIPT_LATIN,
    RF_SCRIPT_HANGUL,    /* syllables, jamo, compatibility jamo */
    RF_SCRIPT_HAN,       /* CJK ideographs (Chinese characters, Hanja, Kanji) */
    RF_SCRIPT_KANA,      /* Hiragana, Katakana */
    RF_SCRIPT_CYRILLIC,
    RF_SCRIPT_DIGIT,     /* decimal digits of any script */
    RF_SCRIPT_PUNCT,     /* general category P* */
    RF_SCRIPT_SYMBOL,    /* general category S* */
    RF_SCRIPT_SPACE,     /* White_Space */
    RF_SCRIPT_COUNT
} rf_script;

rf_script rf_script_of(uint32_t cp);
/* "latin", "hangul", ... (lower case, stable: used in annotations). */
const char *rf_script_name(rf_script s);

/* Unicode White_Space. */
int rf_is_space(uint32_t cp);

/* Decodes the code point at p[*i] and advances *i (input must be valid). */
static inline uint32_t rf_next_cp(const char *p, size_t n, size_t *i)
{
    const unsigned char *s = (const unsigned char *)p + *i;
    uint32_t c = s[0];
    if (c < 0x80 || *i + 1 >= n) {
        *i += 1;
        return c;
    }
    if (c < 0xE0) {
        *i += 2;
        return ((c & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if (c < 0xF0) {
        *i += 3;
        return ((c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    *i += 4;
    return ((c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
           (s[3] & 0x3F);
}

/* Bytes of the White_Space character starting at p[i] (i < n), 0 when p[i]
 * starts anything else. Byte patterns, no decoding: outside ASCII only
 * U+0085, U+00A0 (C2 ..), U+1680 (E1 ..), U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F (E2 ..) and U+3000 (E3 ..) are White_Space. */
static inline size_t rf_space_at(const char *p, size_t n, size_t i)
{
    const unsigned char *q = (const unsigned char *)p;
    unsigned char c = q[i];
    if (c < 0x80)
        return c == ' ' || (c >= 0x09 && c <= 0x0D);
    if (c == 0xC2)
        return i + 1 < n && (q[i + 1] == 0x85 || q[i + 1] == 0xA0) ? 2 : 0;
    if (c < 0xE1 || c > 0xE3 || i + 2 >= n)
        return 0;
    unsigned char b = q[i + 1], d = q[i + 2];
    if (c == 0xE1)
        return b == 0x9A && d == 0x80 ? 3 : 0;
    if (c == 0xE3)
        return b == 0x80 && d == 0x80 ? 3 : 0;
    if (b == 0x80) /* E2 80 xx */
        return d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF ? 3 : 0;
    return b == 0x81 && d == 0x9F ? 3 : 0;
}

enum {
    RF_NORM_NFKC = 1,           /* Unicode NFKC */
    RF_NORM_CASEFOLD = 2,       /* full case folding (lower case for ASCII) */
    RF_NORM_PUNCT_TO_SPACE = 4, /* punctuation and symbols (P*, S*) become spaces */
    RF_NORM_DIGITS_TO_0 = 8,    /* every decimal digit becomes '0' */
    RF_NORM_COLLAPSE_SPACE = 16 /* whitespace runs become one ' ', ends trimmed */
};

/* Appends the normalised form of (p, n) to out. Steps run in the order of
 * the flags above. */
void rf_text_normalize(const char *p, size_t n, unsigned flags, rf_buf *out);

/* Tokens: maximal runs of non-space characters ("words"; Korean eojeol are
 * words). With RF_TOK_CJK_CHARS every Han or Kana character is a token of its
 * own, for scripts written without spaces. */
enum { RF_TOK_CJK_CHARS = 1 };

typedef struct rf_tok_iter {
    const char *p;
    size_t n, i;
    unsigned flags;
    size_t cps; /* code points of the token rf_tok_next returned last */
} rf_tok_iter;

static inline void rf_tok_init(rf_tok_iter *it, const char *p, size_t n, unsigned flags)
{
    it->p = p;
    it->n = n;
    it->i = 0;
    it->flags = flags;
    it->cps = 0;
}

/* Returns 1 with the next token in (*tok, *len), 0 at the end. */
int rf_tok_next(rf_tok_iter *it, const char **tok, size_t *len);

/* The same tokens in bulk, for callers that want all of them: fills out[]
 * with up to cap tokens (byte offset into it->p, byte length, code points)
 * and returns how many; 0 at the end. Texts must be shorter than 4 GiB. */
typedef struct rf_tok_span {
    uint32_t off, len, cps;
} rf_tok_span;
size_t rf_tok_spans(rf_tok_iter *it, rf_tok_span *out, size_t cap);

#endif
