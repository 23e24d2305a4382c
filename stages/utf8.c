/* utf8.c — strict UTF-8 (RFC 3629: no surrogates, no overlongs, ≤ U+10FFFF)
 * validation, decoding and U+FFFD repair by maximal subparts. The ASCII fast
 * path checks eight bytes at a time. */
#include "stages/utf8.h"

#include <string.h>

/* Valid range of the second byte for each lead byte (Unicode table 3-7). */
static int second_ok(unsigned char lead, unsigned char b)
{
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return b >= 0x80 && b <= 0xBF;
    }
}

static size_t seq_len(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 0;
}

size_t rf_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len = seq_len(c);
    if (len == 1) {
        *cp = c;
        return 1;
    }
    if (len == 0 || n < len || !second_ok(c, p[1]))
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    switch (len) {
    case 2: *cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F); break;
    case 3: *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F); break;
    default:
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
              ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    }
    return len;
}

size_t rf_utf8_bad_len(const unsigned char *p, size_t n)
{
    size_t len = seq_len(p[0]);
    if (len <= 1 || n < 2 || !second_ok(p[0], p[1]))
        return 1;
    size_t i = 2;
    while (i < len && i < n && (p[i] & 0xC0) == 0x80)
        i++;
    return i; /* a truncated but otherwise valid prefix counts as one */
}

size_t rf_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#define HIGH_BITS 0x8080808080808080ull

size_t rf_utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & HIGH_BITS)) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = rf_utf8_decode(p + i, n - i, &cp);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

size_t rf_utf8_count(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, cont = 0;
    /* A continuation byte is 10xxxxxx: bit 7 set and bit 6 clear. The 0/1
     * flags add up in the eight bytes of acc, which is folded before a byte
     * could overflow (at most 255 rounds). */
    while (n - i >= 8) {
        uint64_t acc = 0;
        size_t rounds = (n - i) / 8 < 255 ? (n - i) / 8 : 255;
        for (size_t r = 0; r < rounds; r++, i += 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            acc += ((w & ~(w << 1)) & HIGH_BITS) >> 7;
        }
        /* Bytes to 16-bit lanes (each <= 510), then the four lanes into
         * the top one (<= 2040). */
        acc = (acc & 0x00FF00FF00FF00FFull) + ((acc >> 8) & 0x00FF00FF00FF00FFull);
        cont += (size_t)((acc * 0x0001000100010001ull) >> 48);
    }
    for (; i < n; i++)
        cont += (p[i] & 0xC0) == 0x80;
    return n - cont;
}

size_t rf_utf8_repair(const char *s, size_t n, char *out, size_t *replaced)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0, r = 0;
    while (i < n) {
        size_t good = rf_utf8_check(s + i, n - i);
        memcpy(out + o, s + i, good);
        o += good;
        i += good;
        if (i >= n)
            break;
        i += rf_utf8_bad_len(p + i, n - i);
        memcpy(out + o, "\xEF\xBF\xBD", 3);
        o += 3;
        r++;
    }
    if (replaced)
        *replaced = r;
    return o;
}
