/* buf.c — growable byte buffer and the JSON value encoders built on it
 * (string escaping in the canonical form the document writer emits, number
 * formatting that never produces invalid JSON). */
#include "stages/buf.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/err.h"

void rf_buf_init(rf_buf *b)
{
    b->p = NULL;
    b->len = b->cap = 0;
}

void rf_buf_release(rf_buf *b)
{
    if (!b)
        return;
    free(b->p);
    rf_buf_init(b);
}

void rf_buf_grow(rf_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap < ((size_t)1 << 30) ? cap * 2 : cap + (cap >> 1);
    b->p = rf_xrealloc(b->p, cap);
    b->cap = cap;
}

void rf_buf_add(rf_buf *b, const void *p, size_t n)
{
    rf_buf_grow(b, n);
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void rf_buf_adds(rf_buf *b, const char *s)
{
    rf_buf_add(b, s, strlen(s));
}

void rf_buf_addf(rf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        rf_buf_add(b, tmp, (size_t)n);
        return;
    }
    rf_buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *rf_buf_detach(rf_buf *b, size_t *len)
{
    if (!b->p)
        rf_buf_grow(b, 0);
    char *p = b->p;
    if (len)
        *len = b->len;
    rf_buf_init(b);
    return p;
}

/* 0: copy as is; otherwise the escape letter, or 'u' for \u00XX. */
static const char esc_table[256] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u',
    [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
    [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

void rf_buf_json_str(rf_buf *b, const char *p, size_t n)
{
    /* Worst case every byte becomes \u00XX (6 bytes). */
    rf_buf_grow(b, n + 2);
    char *o = b->p + b->len;
    char *end = b->p + b->cap - 1;
    *o++ = '"';
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        /* Plain bytes eight at a time: the first byte below 0x20, '"' or
         * '\\' ends the run (only the lowest mark of the mask is exact,
         * which is the one used). */
        while (n - run >= 8) {
            uint64_t x;
            memcpy(&x, p + run, 8);
            const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
            uint64_t qu = x ^ (0x22 * ones), bs = x ^ (0x5C * ones);
            uint64_t m = (((x - 0x20 * ones) & ~x) | ((qu - ones) & ~qu) | ((bs - ones) & ~bs)) & high;
            if (m) {
                run += (size_t)__builtin_ctzll(m) >> 3;
                break;
            }
            run += 8;
        }
        while (run < n && !esc_table[(unsigned char)p[run]])
            run++;
        size_t k = run - i;
        if ((size_t)(end - o) < k + 8) {
            size_t off = (size_t)(o - b->p);
            b->len = off;
            rf_buf_grow(b, k + 8 + (n - run) + 1);
            o = b->p + off;
            end = b->p + b->cap - 1;
        }
        memcpy(o, p + i, k);
        o += k;
        i = run;
        if (i >= n)
            break;
        unsigned char c = (unsigned char)p[i++];
        char e = esc_table[c];
        *o++ = '\\';
        if (e == 'u') {
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = e;
        }
    }
    if (o >= end) {
        size_t off = (size_t)(o - b->p);
        b->len = off;
        rf_buf_grow(b, 2);
        o = b->p + off;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

void rf_buf_json_num(rf_buf *b, double v, int digits)
{
    if (!isfinite(v)) {
        rf_buf_add(b, "null", 4);
        return;
    }
    if (v == floor(v) && fabs(v) < 9.0e15) {
        rf_buf_json_int(b, (int64_t)v);
        return;
    }
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.*g", digits > 0 ? digits : 17, v);
    rf_buf_add(b, tmp, (size_t)n);
}

/* Decimal digits by hand: snprintf costs hundreds of instructions a call,
 * and stages write several integers per document. */
void rf_buf_json_uint(rf_buf *b, uint64_t v)
{
    char tmp[20]; /* 2^64 - 1 has 20 digits */
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    rf_buf_add(b, tmp + i, sizeof tmp - i);
}

void rf_buf_json_int(rf_buf *b, int64_t v)
{
    if (v < 0) {
        rf_buf_addc(b, '-');
        rf_buf_json_uint(b, (uint64_t)0 - (uint64_t)v); /* INT64_MIN too */
        return;
    }
    rf_buf_json_uint(b, (uint64_t)v);
}
