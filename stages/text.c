/* text.c — script classes, NFKC + case-fold normalisation and tokenisation.
 *
 * Normalisation is exact (utf8proc does the Unicode work) but cheap for
 * ordinary text: a per-BMP-code-point "stable" bit says that NFKC and case
 * folding leave the character unchanged and that it cannot combine with a
 * neighbour. The text is cut before every character that starts a new
 * composition segment (a starter that can never compose with what precedes
 * it); a segment made of one stable character is copied, any other segment
 * is handed to utf8proc_map. Hangul syllables and CJK ideographs are stable,
 * so Korean text never reaches utf8proc. */
#define _POSIX_C_SOURCE 200809L
#include "stages/text.h"
#include "stages/bytemask.h"
#include "stages/utf8.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>


/* ---- classes ---- */

int rf_is_space(uint32_t cp)
{
    if (cp <= 0x20)
        return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
    if (cp < 0x85)
        return 0;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

rf_script rf_script_of(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
            return RF_SCRIPT_LATIN;
        if (cp >= '0' && cp <= '9')
            return RF_SCRIPT_DIGIT;
        if (rf_is_space(cp))
            return RF_SCRIPT_SPACE;
        if (cp < 0x20 || cp == 0x7F)
            return RF_SCRIPT_OTHER;
        /* ASCII punctuation vs symbols as Unicode categorises them. */
        return strchr("$+<=>^`|~", (int)cp) ? RF_SCRIPT_SYMBOL : RF_SCRIPT_PUNCT;
    }
    if ((cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
        (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0xA960 && cp <= 0xA97F) ||
        (cp >= 0xD7B0 && cp <= 0xD7FF) || (cp >= 0xFFA0 && cp <= 0xFFDC))
        return RF_SCRIPT_HANGUL;
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF) ||
        (cp >= 0x2E80 && cp <= 0x2FDF) || cp == 0x3005 || cp == 0x3007 ||
        (cp >= 0x3021 && cp <= 0x3029) || (cp >= 0x3038 && cp <= 0x303B))
        return RF_SCRIPT_HAN;
    if ((cp >= 0x3040 && cp <= 0x30FF && cp != 0x30FB) || (cp >= 0x31F0 && cp <= 0x31FF) ||
        (cp >= 0xFF66 && cp <= 0xFF9F) || (cp >= 0x1B000 && cp <= 0x1B16F))
        return RF_SCRIPT_KANA;
    if (rf_is_space(cp))
        return RF_SCRIPT_SPACE;
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    switch (c) {
    case UTF8PROC_CATEGORY_ND:
        return RF_SCRIPT_DIGIT;
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return RF_SCRIPT_PUNCT;
    case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC: case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
        return RF_SCRIPT_SYMBOL;
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        if ((cp >= 0x00C0 && cp <= 0x024F) || (cp >= 0x1E00 && cp <= 0x1EFF) ||
            (cp >= 0x2C60 && cp <= 0x2C7F) || (cp >= 0xA720 && cp <= 0xA7FF) ||
            (cp >= 0xFF21 && cp <= 0xFF5A) || (cp >= 0x0250 && cp <= 0x02AF) ||
            (cp >= 0xAB30 && cp <= 0xAB6F) || cp == 0xAA || cp == 0xBA)
            return RF_SCRIPT_LATIN;
        if ((cp >= 0x0400 && cp <= 0x052F) || (cp >= 0x1C80 && cp <= 0x1C8F) ||
            (cp >= 0x2DE0 && cp <= 0x2DFF) || (cp >= 0xA640 && cp <= 0xA69F))
            return RF_SCRIPT_CYRILLIC;
        return RF_SCRIPT_OTHER;
    default:
        return RF_SCRIPT_OTHER;
    }
}

const char *rf_script_name(rf_script s)
{
    static const char *const names[RF_SCRIPT_COUNT] = {
        "other", "latin", "hangul", "han", "kana", "cyrillic", "digit", "punct", "symbol", "space"};
    return (unsigned)s < RF_SCRIPT_COUNT ? names[s] : "other";
}

/* ---- normalisation ---- */

/* Starters with NFC_Quick_Check = Maybe (Unicode 15): they compose with a
 * preceding character even though their combining class is 0. */
static int composes_with_previous(uint32_t cp)
{
    static const uint32_t maybe[][2] = {
        {0x09BE, 0x09BE}, {0x09D7, 0x09D7}, {0x0B3E, 0x0B3E}, {0x0B56, 0x0B57},
        {0x0BBE, 0x0BBE}, {0x0BD7, 0x0BD7}, {0x0C56, 0x0C56}, {0x0CC2, 0x0CC2},
        {0x0CD5, 0x0CD6}, {0x0D3E, 0x0D3E}, {0x0D57, 0x0D57}, {0x0DCF, 0x0DCF},
        {0x0DDF, 0x0DDF}, {0x102E, 0x102E}, {0x1161, 0x1175}, {0x11A8, 0x11C2},
        {0x1B35, 0x1B35}, {0x1133E, 0x1133E}, {0x11357, 0x11357}, {0x114B0, 0x114B0},
        {0x114BA, 0x114BA}, {0x114BD, 0x114BD}, {0x115AF, 0x115AF}, {0x11930, 0x11930},
    };
    for (size_t i = 0; i < sizeof maybe / sizeof maybe[0]; i++)
        if (cp >= maybe[i][0] && cp <= maybe[i][1])
            return 1;
    return 0;
}

/* Bit 0: stable (NFKC + case fold map it to itself, it is a starter that
 * cannot compose with its predecessor). Bit 1: cut point (a starter that
 * cannot compose with its predecessor), stable or not. BMP only; other planes
 * are computed on the fly. */
static uint8_t bmp_class[0x10000];
static pthread_once_t bmp_once = PTHREAD_ONCE_INIT;

static uint8_t compute_class(uint32_t cp)
{
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    const utf8proc_property_t *pr = utf8proc_get_property((utf8proc_int32_t)cp);
    int cut = pr->combining_class == 0 && !composes_with_previous(cp);
    if (!cut)
        return 0;
    if (cp >= 0xAC00 && cp <= 0xD7A3) /* Hangul syllables: already composed */
        return 3;
    utf8proc_int32_t dst[8];
    int last = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char(
        (utf8proc_int32_t)cp, dst, 8,
        (utf8proc_option_t)(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STABLE),
        &last);
    int stable = k == 1 && (uint32_t)dst[0] == cp;
    return (uint8_t)(2 | (stable ? 1 : 0));
}

static void bmp_build(void)
{
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        bmp_class[cp] = compute_class(cp);
}

static inline uint8_t class_of(uint32_t cp)
{
    return cp < 0x10000 ? bmp_class[cp] : compute_class(cp);
}

static void nfkc_segment(const char *p, size_t n, unsigned flags, rf_buf *out)
{
    utf8proc_uint8_t *res = NULL;
    int opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (flags & RF_NORM_NFKC)
        opt |= UTF8PROC_COMPAT;
    if (flags & RF_NORM_CASEFOLD)
        opt |= UTF8PROC_CASEFOLD;
    utf8proc_ssize_t m =
        utf8proc_map((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, &res, (utf8proc_option_t)opt);
    if (m < 0) { /* cannot happen for valid UTF-8; keep the text */
        rf_buf_add(out, p, n);
        return;
    }
    rf_buf_add(out, res, (size_t)m);
    free(res);
}

/* NFKC and/or case folding of (p, n), appended to out. */
static void nfkc_casefold(const char *p, size_t n, unsigned flags, rf_buf *out)
{
    pthread_once(&bmp_once, bmp_build);
    int fold = (flags & RF_NORM_CASEFOLD) != 0;
    rf_buf_grow(out, n);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            /* ASCII is stable apart from case; a combining mark after it is
             * handled by starting the segment here. */
            if (i + 1 < n && (unsigned char)p[i + 1] >= 0x80) {
                size_t j = i + 1;
                uint32_t nx = rf_next_cp(p, n, &j);
                if (!(class_of(nx) & 2)) {
                    size_t end = j;
                    while (end < n) {
                        size_t k = end;
                        uint32_t cp = rf_next_cp(p, n, &k);
                        if (class_of(cp) & 2)
                            break;
                        end = k;
                    }
                    nfkc_segment(p + i, end - i, flags, out);
                    i = end;
                    continue;
                }
            }
            rf_buf_addc(out, (char)(fold && c >= 'A' && c <= 'Z' ? c + 32 : c));
            i++;
            continue;
        }
        size_t start = i;
        uint32_t cp = rf_next_cp(p, n, &i);
        uint8_t cl = class_of(cp);
        /* Extend to the next cut point. */
        size_t end = i;
        int simple = (cl & 1) != 0;
        while (end < n) {
            size_t k = end;
            uint32_t nx = rf_next_cp(p, n, &k);
            if (class_of(nx) & 2)
                break;
            simple = 0;
            end = k;
        }
        if (simple)
            rf_buf_add(out, p + start, i - start);
        else
            nfkc_segment(p + start, end - start, flags, out);
        i = end;
    }
}

static rf_script ascii_script[128];
static pthread_once_t ascii_once = PTHREAD_ONCE_INIT;

static void ascii_build(void)
{
    for (uint32_t c = 0; c < 128; c++)
        ascii_script[c] = rf_script_of(c);
}

void rf_text_normalize(const char *p, size_t n, unsigned flags, rf_buf *out)
{
    pthread_once(&ascii_once, ascii_build);
    rf_buf tmp = RF_BUF_INIT;
    if (flags & (RF_NORM_NFKC | RF_NORM_CASEFOLD)) {
        nfkc_casefold(p, n, flags, &tmp);
        p = tmp.p ? tmp.p : "";
        n = tmp.len;
    }
    unsigned map = flags & (RF_NORM_PUNCT_TO_SPACE | RF_NORM_DIGITS_TO_0 | RF_NORM_COLLAPSE_SPACE);
    if (!map) {
        rf_buf_add(out, p, n);
        rf_buf_release(&tmp);
        return;
    }
    /* Mapping never lengthens the text: write straight into out. */
    rf_buf_grow(out, n);
    char *o = out->p + out->len;
    int collapse = (flags & RF_NORM_COLLAPSE_SPACE) != 0;
    int punct = (flags & RF_NORM_PUNCT_TO_SPACE) != 0;
    int digits = (flags & RF_NORM_DIGITS_TO_0) != 0;
    int pending_space = 0, any = 0;
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        unsigned char c = (unsigned char)p[i];
        rf_script sc;
        if (c < 0x80) {
            sc = ascii_script[c];
            i++;
        } else {
            uint32_t cp = rf_next_cp(p, n, &i);
            sc = (cp >= 0xAC00 && cp <= 0xD7A3) ? RF_SCRIPT_HANGUL : rf_script_of(cp);
        }
        int space = sc == RF_SCRIPT_SPACE ||
                    (punct && (sc == RF_SCRIPT_PUNCT || sc == RF_SCRIPT_SYMBOL));
        if (space) {
            if (collapse)
                pending_space = 1;
            else if (sc == RF_SCRIPT_SPACE)
                while (start < i)
                    *o++ = p[start++];
            else
                *o++ = ' ';
            continue;
        }
        if (pending_space && any)
            *o++ = ' ';
        pending_space = 0;
        any = 1;
        if (digits && sc == RF_SCRIPT_DIGIT)
            *o++ = '0';
        else
            while (start < i)
                *o++ = p[start++];
    }
    rf_buf_setlen(out, (size_t)(o - out->p));
    rf_buf_release(&tmp);
}

/* ---- tokens ---- */

/* What a byte does to a token, as a table so that the loop over a word
 * costs one load and one branch per character: TOK_SPACE ends it (ASCII
 * White_Space), 1..4 step over a character of that many bytes that cannot
 * be a space, TOK_CHECK may start a non-ASCII White_Space character: only
 * U+0085 and U+00A0 (C2), U+1680 (E1), U+2000-U+205F (E2) and U+3000 (E3)
 * are. Stray continuation bytes step by 2 and 4-byte leads by 4, as the
 * decoder would (input is valid UTF-8, so neither is ever reached inside a
 * character). */
enum { TOK_SPACE = 0, TOK_CHECK = 8 };
static const uint8_t tok_step[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, /* \t..\r */
    R16(1),
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* ' ' */
    R16(1), R16(1), R16(1), R16(1), R16(1),
    R16(2), R16(2), R16(2), R16(2),                 /* 80..BF */
    2, 2, 8, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* C2 */
    R16(2),
    3, 8, 8, 8, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* E1 E2 E3 */
    R16(4),
#undef R16
};

/* Stop bytes: ASCII at most 0x20 (every ASCII White_Space, and controls
 * that are none) and the leads C2 and E0..E3 (every non-ASCII White_Space
 * starts with C2, E1, E2 or E3). */
static const uint8_t tok_stop[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(1), R16(1),                                 /* 00..1F */
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ' ' */
    R16(0), R16(0), R16(0), R16(0), R16(0),         /* 30..7F */
    R16(0), R16(0), R16(0), R16(0),                 /* 80..BF */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* C2 */
    R16(0),
    1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* E0..E3 */
    R16(0),
#undef R16
};

#define TOK_ONES 0x0101010101010101ull
#define TOK_HIGH 0x8080808080808080ull

/* Bit 7 set in the first stop byte of x (little-endian byte order); bytes
 * after it may be marked too (borrows), so only the lowest mark counts. */
static inline uint64_t tok_stop_mask(uint64_t x)
{
    uint64_t lo = (x - 0x21 * TOK_ONES) & ~x;           /* below 0x21 */
    uint64_t e = (x & 0xFC * TOK_ONES) ^ 0xE0 * TOK_ONES; /* 0 for E0..E3 */
    uint64_t c = x ^ 0xC2 * TOK_ONES;                   /* 0 for C2 */
    return (lo | ((e - TOK_ONES) & ~e) | ((c - TOK_ONES) & ~c)) & TOK_HIGH;
}

static inline size_t space_at(const unsigned char *q, size_t i, size_t n)
{
    return rf_space_at((const char *)q, n, i);
}

/* The next token of p[i, n): returns 0 at the end, else 1 with the token
 * in [*start, *end) and its code points in *cps. Shared by rf_tok_next and
 * rf_tok_spans, inlined into both. */
static inline int tok_scan(const unsigned char *p, size_t n, size_t i, int cjk, size_t *start,
                           size_t *end, size_t *cps_out)
{
    /* Skip spaces. */
    while (i < n) {
        uint8_t st = tok_step[p[i]];
        size_t sp;
        if (st == TOK_SPACE)
            sp = 1;
        else if (st == TOK_CHECK && (sp = space_at(p, i, n)) != 0)
            ;
        else
            break;
        i += sp;
    }
    if (i >= n)
        return 0;
    size_t st0 = i, cps = 0;
    if (!cjk) {
        /* Only stop bytes can end the token, and a stop byte is never
         * inside a character (continuation bytes are 80..BF): look for them
         * eight bytes at a time, counting continuation bytes on the way. */
        size_t cont = 0;
        for (;;) {
            while (n - i >= 8) {
                uint64_t x;
                memcpy(&x, p + i, 8);
                uint64_t m = tok_stop_mask(x), c = (x & ~(x << 1)) & TOK_HIGH;
                if (m) {
                    size_t k = (size_t)__builtin_ctzll(m) >> 3; /* bytes before it */
                    c &= ((uint64_t)1 << (8 * k)) - 1;
                    cont += (size_t)(((c >> 7) * TOK_ONES) >> 56);
                    i += k;
                    goto stop;
                }
                cont += (size_t)(((c >> 7) * TOK_ONES) >> 56);
                i += 8;
            }
            while (i < n && !tok_stop[p[i]])
                cont += (p[i++] & 0xC0) == 0x80;
            if (i >= n)
                break;
        stop:
            if (tok_step[p[i]] == TOK_SPACE || (p[i] >= 0x80 && space_at(p, i, n)))
                break;
            i++; /* a stop byte is never a continuation byte */
        }
        if (i > n)
            i = n;
        cps = i - st0 - cont;
    } else {
        /* Han and Kana start at U+2E80: lead byte E2 and above, decoded. */
        while (i < n) {
            unsigned char c = p[i];
            uint8_t st = tok_step[c];
            if (st == TOK_SPACE || (st == TOK_CHECK && space_at(p, i, n)))
                break;
            if (c >= 0xE2) {
                size_t k = i;
                uint32_t cp = rf_next_cp((const char *)p, n, &k);
                if (cp >= 0x2E80) {
                    rf_script sc = rf_script_of(cp);
                    if (sc == RF_SCRIPT_HAN || sc == RF_SCRIPT_KANA) {
                        if (i == st0) { /* the character alone */
                            i = k;
                            cps = 1;
                        }
                        break;
                    }
                }
                i = k;
            } else {
                i += st == TOK_CHECK ? 2 + (c >= 0xE0) : st;
            }
            cps++;
        }
    }
    *start = st0;
    *end = i > n ? n : i;
    *cps_out = cps;
    return 1;
}

int rf_tok_next(rf_tok_iter *it, const char **tok, size_t *len)
{
    size_t a, b, cps;
    if (!tok_scan((const unsigned char *)it->p, it->n, it->i, (it->flags & RF_TOK_CJK_CHARS) != 0,
                  &a, &b, &cps)) {
        it->i = it->n;
        it->cps = 0;
        return 0;
    }
    *tok = it->p + a;
    *len = b - a;
    it->i = b;
    it->cps = cps;
    return 1;
}

/* ---- bulk tokens: 64-byte windows as bit masks ----
 *
 * rf_tok_spans cuts whitespace tokens without a branch per token boundary:
 * for a window of 64 bytes it builds three masks (bytemask.h; bit j for
 * byte j): S the
 * bytes of White_Space characters, L the leads C2 and E0..E3 (only they can
 * start a non-ASCII space, checked one by one with rf_space_at), C the
 * continuation bytes. Tokens are then the runs of zero bits of S: each start
 * is one ctz, its end the next set bit of S, its code points its length
 * minus the continuation bytes in it. */

static inline void tok_masks(const unsigned char *q, uint64_t *sp, uint64_t *ld, uint64_t *ct)
{
    *sp = rf_bytemask_eq(q, 0x20) | rf_bytemask_range(q, 0x09, 0x0D);
    *ld = rf_bytemask_range(q, 0xE0, 0xE3) | rf_bytemask_eq(q, 0xC2);
    *ct = rf_bytemask_range(q, 0x80, 0xBF);
}

static size_t tok_spans_space(rf_tok_iter *it, rf_tok_span *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)it->p;
    size_t n = it->n, i = it->i, k = 0;
    unsigned char pad[64];
    while (k < cap && i < n) {
        uint64_t S, L, C;
        size_t avail = n - i;
        if (avail >= 64) {
            tok_masks(p + i, &S, &L, &C);
        } else {
            /* The last window: what lies past the text is space. */
            memset(pad, ' ', sizeof pad);
            memcpy(pad, p + i, avail);
            tok_masks(pad, &S, &L, &C);
        }
        size_t next = i + 64;
        while (L) { /* possible non-ASCII spaces, each checked */
            unsigned j = (unsigned)__builtin_ctzll(L);
            L &= L - 1;
            size_t sl = i + j < n ? rf_space_at((const char *)p, n, i + j) : 0;
            if (!sl)
                continue;
            if (j + sl > 64) /* crosses the window: the next one starts after it */
                next = i + j + sl;
            S |= (j + sl >= 64 ? ~0ull : ((uint64_t)1 << (j + sl)) - 1) & ~(((uint64_t)1 << j) - 1);
        }
        uint64_t starts = ~S & ((S << 1) | 1); /* a window starts at a boundary */
        while (starts) {
            unsigned st = (unsigned)__builtin_ctzll(starts);
            uint64_t after = S & (~0ull << st);
            if (!after) {
                /* The token runs past the window: look again from its start,
                 * or, when it fills the whole window, cut it the slow way. */
                if (st) {
                    next = i + st;
                    break;
                }
                size_t a, b, cps;
                tok_scan(p, n, i, 0, &a, &b, &cps);
                out[k].off = (uint32_t)a;
                out[k].len = (uint32_t)(b - a);
                out[k].cps = (uint32_t)cps;
                k++;
                next = b;
                break;
            }
            unsigned e = (unsigned)__builtin_ctzll(after);
            uint64_t in = (((uint64_t)1 << e) - 1) & ~(((uint64_t)1 << st) - 1);
            out[k].off = (uint32_t)(i + st);
            out[k].len = e - st;
            out[k].cps = e - st - rf_popcount64(C & in);
            if (++k == cap) {
                next = i + e;
                break;
            }
            starts &= starts - 1;
        }
        i = next;
    }
    it->i = i < n ? i : n;
    return k;
}

size_t rf_tok_spans(rf_tok_iter *it, rf_tok_span *out, size_t cap)
{
    if (!(it->flags & RF_TOK_CJK_CHARS))
        return tok_spans_space(it, out, cap);
    const unsigned char *p = (const unsigned char *)it->p;
    size_t n = it->n, i = it->i, k = 0;
    while (k < cap) {
        size_t a, b, cps;
        if (!tok_scan(p, n, i, 1, &a, &b, &cps)) {
            i = n;
            break;
        }
        out[k].off = (uint32_t)a;
        out[k].len = (uint32_t)(b - a);
        out[k].cps = (uint32_t)cps;
        k++;
        i = b;
    }
    it->i = i;
    return k;
}
