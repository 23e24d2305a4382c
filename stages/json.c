/* json.c — the strict JSON scanner: strings (escape and UTF-8 checks with an
 * eight-bytes-at-a-time fast path), numbers by the RFC 8259 grammar, literals,
 * and containers with an explicit bit stack instead of recursion so that
 * hostile nesting cannot overflow the C stack. Also string unescaping. */
#include "stages/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stages/err.h"
#include "stages/utf8.h"

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

static int fail(rf_json_error *e, size_t off, const char *what)
{
    if (e) {
        e->off = off;
        e->what = what;
    }
    return -1;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_hex4(const unsigned char *p, size_t n, size_t i, unsigned *v)
{
    if (i + 4 > n)
        return -1;
    unsigned x = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p[i + k]);
        if (h < 0)
            return -1;
        x = (x << 4) | (unsigned)h;
    }
    *v = x;
    return 0;
}

/* Is \uXXXX (already decoded to v, raw hex at p) what rf_buf_json_str would
 * write? It writes \u00xx in lower case for controls without a short form. */
static int canonical_u(unsigned v, const unsigned char *hex)
{
    if (v >= 0x20 || v == '\b' || v == '\t' || v == '\n' || v == '\f' || v == '\r')
        return 0;
    for (int k = 0; k < 4; k++)
        if (hex[k] >= 'A' && hex[k] <= 'F')
            return 0;
    return 1;
}

/* String scanning runs a shift-based DFA (one table load and one shift per
 * byte, no data-dependent branches) that validates UTF-8 and stops at '"',
 * '\\' and control bytes. A state is its own shift amount: row dfa[b] packs
 * the next state for every current state in 6-bit fields. STOP and ERR are
 * absorbing, so eight bytes can be stepped before looking at the state. */
enum {
    S_ACC = 0 * 6,  /* between characters */
    S_C1 = 1 * 6,   /* one continuation byte expected */
    S_C2 = 2 * 6,
    S_C3 = 3 * 6,
    S_E0 = 4 * 6,   /* after E0: A0..BF, then one more */
    S_ED = 5 * 6,   /* after ED: 80..9F (no surrogates), then one more */
    S_F0 = 6 * 6,   /* after F0: 90..BF, then two more */
    S_F4 = 7 * 6,   /* after F4: 80..8F, then two more */
    S_ERR = 8 * 6,  /* ill-formed */
    S_STOP = 9 * 6  /* '"', '\\' or a control byte between characters */
};

static uint64_t dfa[256];
static pthread_once_t dfa_once = PTHREAD_ONCE_INIT;

static void set_next(unsigned b, unsigned from, unsigned to)
{
    dfa[b] = (dfa[b] & ~((uint64_t)63 << from)) | ((uint64_t)to << from);
}

static void dfa_build(void)
{
    for (unsigned b = 0; b < 256; b++) {
        for (unsigned st = 0; st <= S_STOP; st += 6)
            set_next(b, st, S_ERR);
        set_next(b, S_STOP, S_STOP);
        unsigned acc;
        if (b < 0x20 || b == '"' || b == '\\')
            acc = S_STOP;
        else if (b < 0x80)
            acc = S_ACC;
        else if (b >= 0xC2 && b <= 0xDF)
            acc = S_C1;
        else if (b == 0xE0)
            acc = S_E0;
        else if (b == 0xED)
            acc = S_ED;
        else if (b >= 0xE1 && b <= 0xEF)
            acc = S_C2;
        else if (b == 0xF0)
            acc = S_F0;
        else if (b >= 0xF1 && b <= 0xF3)
            acc = S_C3;
        else if (b == 0xF4)
            acc = S_F4;
        else
            acc = S_ERR;
        set_next(b, S_ACC, acc);
        if (b >= 0x80 && b <= 0xBF) {
            set_next(b, S_C1, S_ACC);
            set_next(b, S_C2, S_C1);
            set_next(b, S_C3, S_C2);
            if (b >= 0xA0)
                set_next(b, S_E0, S_C1);
            if (b <= 0x9F)
                set_next(b, S_ED, S_C1);
            if (b >= 0x90)
                set_next(b, S_F0, S_C2);
            if (b <= 0x8F)
                set_next(b, S_F4, S_C2);
        }
    }
}

static inline unsigned step(unsigned st, unsigned char b)
{
    return (unsigned)(dfa[b] >> st) & 63;
}

int rf_json_scan_string(const char *s, size_t n, size_t *pi, unsigned *flags, rf_json_error *e)
{
    pthread_once(&dfa_once, dfa_build);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = *pi + 1; /* past the opening quote */
    unsigned f = 0;
    unsigned st = S_ACC; /* carried across blocks: characters may straddle them */
    for (;;) {
        /* Fast path, eight bytes at a time. */
        while (i + 8 <= n) {
            if (st == S_ACC) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                uint64_t q = w ^ (ONES * '"');
                uint64_t b = w ^ (ONES * '\\');
                uint64_t special = (w & HIGH) | ((w - ONES * 0x20) & ~w & HIGH) |
                                   ((q - ONES) & ~q & HIGH) | ((b - ONES) & ~b & HIGH);
                if (!special) {
                    i += 8;
                    continue;
                }
            }
            const unsigned char *c = p + i;
            unsigned s2 = st;
            s2 = step(s2, c[0]); s2 = step(s2, c[1]); s2 = step(s2, c[2]); s2 = step(s2, c[3]);
            s2 = step(s2, c[4]); s2 = step(s2, c[5]); s2 = step(s2, c[6]); s2 = step(s2, c[7]);
            if (s2 == S_STOP || s2 == S_ERR)
                break; /* redo this block byte by byte */
            st = s2;
            i += 8;
        }
        /* Slow path: byte by byte past the special byte. cstart is where the
         * current character began (needed to resynchronise after an error). */
        size_t cstart = i;
        if (st != S_ACC) {
            cstart = i - 1;
            while ((p[cstart] & 0xC0) == 0x80)
                cstart--;
        }
        while (i < n) {
            if (st == S_ACC)
                cstart = i;
            unsigned nx = step(st, p[i]);
            if (nx == S_STOP || nx == S_ERR) {
                st = nx;
                break;
            }
            st = nx;
            i++;
            if (st == S_ACC && i + 8 <= n)
                break; /* back to the fast path */
        }
        if (i >= n)
            return fail(e, *pi, "unterminated string");
        if (st == S_ACC)
            continue;
        if (st == S_ERR) {
            f |= RF_JSTR_BADUTF8;
            i = cstart + rf_utf8_bad_len(p + cstart, n - cstart);
            st = S_ACC;
            continue;
        }
        /* S_STOP at p[i], between characters. */
        unsigned char c = p[i];
        st = S_ACC;
        if (c == '"') {
            *pi = i + 1;
            *flags = f;
            return 0;
        }
        if (c != '\\')
            return fail(e, i, "unescaped control character in string");
        f |= RF_JSTR_ESCAPE;
        if (i + 1 >= n)
            return fail(e, i, "unterminated escape");
        unsigned char x = p[i + 1];
        switch (x) {
        case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
            i += 2;
            continue;
        case '/':
            f |= RF_JSTR_NONCANON;
            i += 2;
            continue;
        case 'u': {
            unsigned v;
            if (read_hex4(p, n, i + 2, &v))
                return fail(e, i, "bad \\u escape");
            if (!canonical_u(v, p + i + 2))
                f |= RF_JSTR_NONCANON;
            i += 6;
            if (v >= 0xD800 && v <= 0xDBFF) {
                unsigned w2;
                if (i + 1 < n && p[i] == '\\' && p[i + 1] == 'u' && !read_hex4(p, n, i + 2, &w2) &&
                    w2 >= 0xDC00 && w2 <= 0xDFFF)
                    i += 6;
                else
                    f |= RF_JSTR_SURROGATE;
            } else if (v >= 0xDC00 && v <= 0xDFFF) {
                f |= RF_JSTR_SURROGATE;
            }
            continue;
        }
        default:
            return fail(e, i, "invalid escape");
        }
    }
}

static int scan_number(const unsigned char *p, size_t n, size_t *pi, rf_json_error *e)
{
    size_t i = *pi, start = i;
    if (i < n && p[i] == '-')
        i++;
    if (i >= n)
        return fail(e, start, "bad number");
    if (p[i] == '0') {
        i++;
    } else if (p[i] >= '1' && p[i] <= '9') {
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    } else {
        return fail(e, start, "bad number");
    }
    if (i < n && p[i] == '.') {
        i++;
        if (i >= n || p[i] < '0' || p[i] > '9')
            return fail(e, start, "bad number: digit expected after '.'");
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= n || p[i] < '0' || p[i] > '9')
            return fail(e, start, "bad number: digit expected in exponent");
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    }
    *pi = i;
    return 0;
}

static int scan_literal(const unsigned char *p, size_t n, size_t *pi, const char *lit, size_t len,
                        rf_json_error *e)
{
    if (n - *pi < len || memcmp(p + *pi, lit, len) != 0)
        return fail(e, *pi, "invalid literal");
    *pi += len;
    return 0;
}

/* Bit stack of open containers: 1 = object, 0 = array. */
typedef struct {
    uint64_t local[16];
    uint64_t *bits;
    size_t cap_words;
    size_t depth;
} nest;

static void nest_push(nest *s, int is_obj)
{
    size_t w = s->depth >> 6;
    if (w >= s->cap_words) {
        size_t cap = s->cap_words * 2;
        if (s->bits == s->local) {
            s->bits = rf_xmalloc(cap * sizeof *s->bits);
            memcpy(s->bits, s->local, sizeof s->local);
        } else {
            s->bits = rf_xrealloc(s->bits, cap * sizeof *s->bits);
        }
        s->cap_words = cap;
    }
    uint64_t m = (uint64_t)1 << (s->depth & 63);
    if (is_obj)
        s->bits[w] |= m;
    else
        s->bits[w] &= ~m;
    s->depth++;
}

static int nest_top_is_obj(const nest *s)
{
    size_t d = s->depth - 1;
    return (int)((s->bits[d >> 6] >> (d & 63)) & 1);
}

/* An object key and its ':' at p[*i] (after whitespace); *i ends past ':'. */
static int scan_key(const char *s, size_t n, size_t *pi, unsigned *f, rf_json_error *e,
                    const char *what)
{
    unsigned sf = 0;
    size_t i = *pi;
    if (i >= n || s[i] != '"')
        return fail(e, i, what);
    if (rf_json_scan_string(s, n, &i, &sf, e))
        return -1;
    *f |= sf;
    i = rf_json_skip_ws(s, n, i);
    if (i >= n || s[i] != ':')
        return fail(e, i, "':' expected after object key");
    *pi = i + 1;
    return 0;
}

int rf_json_scan_value(const char *s, size_t n, size_t *pi, rf_json_type *type, unsigned *flags,
                       rf_json_error *e)
{
    const unsigned char *p = (const unsigned char *)s;
    nest st;
    st.bits = st.local;
    st.cap_words = sizeof st.local / sizeof st.local[0];
    st.depth = 0;
    size_t i = *pi;
    unsigned f = 0, sf;
    rf_json_type first = RF_JSON_NONE;
    int rc = -1;

    for (;;) {
        /* Expecting a value at p[i]. */
        i = rf_json_skip_ws(s, n, i);
        if (i >= n) {
            fail(e, i, "value expected");
            goto out;
        }
        rf_json_type t;
        switch (p[i]) {
        case '"':
            if (rf_json_scan_string(s, n, &i, &sf, e))
                goto out;
            f |= sf;
            t = RF_JSON_STRING;
            break;
        case '{':
            if (first == RF_JSON_NONE)
                first = RF_JSON_OBJECT;
            i = rf_json_skip_ws(s, n, i + 1);
            if (i < n && p[i] == '}') {
                i++;
                t = RF_JSON_OBJECT;
                break;
            }
            nest_push(&st, 1);
            if (scan_key(s, n, &i, &f, e, "object key expected"))
                goto out;
            continue;
        case '[':
            if (first == RF_JSON_NONE)
                first = RF_JSON_ARRAY;
            i = rf_json_skip_ws(s, n, i + 1);
            if (i < n && p[i] == ']') {
                i++;
                t = RF_JSON_ARRAY;
                break;
            }
            nest_push(&st, 0);
            continue;
        case 't':
            if (scan_literal(p, n, &i, "true", 4, e))
                goto out;
            t = RF_JSON_TRUE;
            break;
        case 'f':
            if (scan_literal(p, n, &i, "false", 5, e))
                goto out;
            t = RF_JSON_FALSE;
            break;
        case 'n':
            if (scan_literal(p, n, &i, "null", 4, e))
                goto out;
            t = RF_JSON_NULL;
            break;
        default:
            if (p[i] == '-' || (p[i] >= '0' && p[i] <= '9')) {
                if (scan_number(p, n, &i, e))
                    goto out;
                t = RF_JSON_NUMBER;
                break;
            }
            fail(e, i, "value expected");
            goto out;
        }
        if (first == RF_JSON_NONE)
            first = t;
        /* After a complete value: close containers or move to the next
         * element. */
        for (;;) {
            if (st.depth == 0) {
                *pi = i;
                *type = first;
                if (flags)
                    *flags |= f;
                rc = 0;
                goto out;
            }
            i = rf_json_skip_ws(s, n, i);
            if (i >= n) {
                fail(e, i, "unterminated container");
                goto out;
            }
            int obj = nest_top_is_obj(&st);
            if (p[i] == ',') {
                i = rf_json_skip_ws(s, n, i + 1);
                if (obj && scan_key(s, n, &i, &f, e, "object key expected after ','"))
                    goto out;
                break; /* next value */
            }
            if (p[i] == (obj ? '}' : ']')) {
                i++;
                st.depth--;
                continue;
            }
            fail(e, i, obj ? "',' or '}' expected" : "',' or ']' expected");
            goto out;
        }
    }
out:
    if (st.bits != st.local)
        free(st.bits);
    return rc;
}

int rf_json_validate(const char *p, size_t n, rf_json_error *e)
{
    size_t i = rf_json_skip_ws(p, n, 0);
    rf_json_type t;
    if (rf_json_scan_value(p, n, &i, &t, NULL, e))
        return -1;
    i = rf_json_skip_ws(p, n, i);
    if (i != n)
        return fail(e, i, "trailing bytes after value");
    return 0;
}

size_t rf_json_unescape(const char *raw, size_t n, char *out)
{
    const unsigned char *p = (const unsigned char *)raw;
    size_t i = 0, o = 0;
    while (i < n) {
        const unsigned char *bs = memchr(p + i, '\\', n - i);
        size_t run = bs ? (size_t)(bs - p) - i : n - i;
        memmove(out + o, p + i, run);
        o += run;
        i += run;
        if (i >= n)
            break;
        unsigned char x = p[i + 1];
        i += 2;
        switch (x) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            unsigned v = 0, w2 = 0;
            read_hex4(p, n, i, &v);
            i += 4;
            uint32_t cp = v;
            if (v >= 0xD800 && v <= 0xDBFF) {
                if (i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u' && !read_hex4(p, n, i + 2, &w2) &&
                    w2 >= 0xDC00 && w2 <= 0xDFFF) {
                    cp = 0x10000 + ((v - 0xD800) << 10) + (w2 - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (v >= 0xDC00 && v <= 0xDFFF) {
                cp = 0xFFFD;
            }
            o += rf_utf8_encode(cp, out + o);
            break;
        }
        default: out[o++] = (char)x; /* " \ / */
        }
    }
    return o;
}
