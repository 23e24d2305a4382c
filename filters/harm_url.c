/* harm_url.c — string sets, blocklist readers, URL host extraction and
 * subdomain matching for refine-harm (see harm_url.h). Lookups walk the
 * host's parent domains ("a.b.c" -> "b.c" -> "c"), one hash probe each, so
 * a list of millions of domains costs one probe per label of the host. */
#define _POSIX_C_SOURCE 200809L
#include "filters/harm_url.h"

#include <stdlib.h>
#include <string.h>

#include "filters/lines.h"

struct rf_strset {
    rf_buf pool;
    size_t *off;
    uint32_t *len;
    size_t n, cap;
    uint32_t *tab; /* index + 1 */
    uint32_t mask;
};

static uint32_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return (uint32_t)(h ^ (h >> 32));
}

rf_strset *rf_strset_new(void)
{
    rf_strset *s = rf_xcalloc(1, sizeof *s);
    s->mask = 255;
    s->tab = rf_xcalloc((size_t)s->mask + 1, sizeof *s->tab);
    return s;
}

void rf_strset_free(rf_strset *s)
{
    if (!s)
        return;
    rf_buf_release(&s->pool);
    free(s->off);
    free(s->len);
    free(s->tab);
    free(s);
}

size_t rf_strset_size(const rf_strset *s)
{
    return s->n;
}

static uint32_t *slot_of(const rf_strset *s, const char *p, size_t n)
{
    uint32_t i = hash_bytes(p, n) & s->mask;
    while (s->tab[i]) {
        uint32_t e = s->tab[i] - 1;
        if (s->len[e] == n && !memcmp(s->pool.p + s->off[e], p, n))
            break;
        i = (i + 1) & s->mask;
    }
    return &s->tab[i];
}

static void grow(rf_strset *s)
{
    uint32_t nm = s->mask * 2 + 1;
    uint32_t *nt = rf_xcalloc((size_t)nm + 1, sizeof *nt);
    for (size_t e = 0; e < s->n; e++) {
        uint32_t i = hash_bytes(s->pool.p + s->off[e], s->len[e]) & nm;
        while (nt[i])
            i = (i + 1) & nm;
        nt[i] = (uint32_t)e + 1;
    }
    free(s->tab);
    s->tab = nt;
    s->mask = nm;
}

int rf_strset_add(rf_strset *s, const char *p, size_t n)
{
    uint32_t *slot = slot_of(s, p, n);
    if (*slot)
        return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->off = rf_xrealloc(s->off, s->cap * sizeof *s->off);
        s->len = rf_xrealloc(s->len, s->cap * sizeof *s->len);
    }
    s->off[s->n] = s->pool.len;
    s->len[s->n] = (uint32_t)n;
    rf_buf_add(&s->pool, p, n);
    *slot = (uint32_t)++s->n;
    if (s->n * 2 > s->mask)
        grow(s);
    return 1;
}

int rf_strset_has(const rf_strset *s, const char *p, size_t n)
{
    return *slot_of(s, p, n) != 0;
}

/* ---- list files ---- */

static int domain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

static void add_domain(void *set, const char *p, size_t n)
{
    rf_strset *s = set;
    /* A trailing " # comment". */
    for (size_t k = 1; k < n; k++)
        if (p[k] == '#' && (p[k - 1] == ' ' || p[k - 1] == '\t')) {
            n = k;
            while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
                n--;
            break;
        }
    /* "||example.com^" (ad-block): the domain between || and ^ or /. */
    if (n > 2 && p[0] == '|' && p[1] == '|') {
        p += 2, n -= 2;
        size_t k = 0;
        while (k < n && p[k] != '^' && p[k] != '/' && p[k] != '$' && p[k] != '*')
            k++;
        if (k < n && p[k] == '*')
            return; /* wildcards are not domains */
        n = k;
    } else {
        /* "0.0.0.0 example.com" (hosts file): the last field. */
        size_t k = n;
        while (k && p[k - 1] != ' ' && p[k - 1] != '\t')
            k--;
        p += k, n -= k;
    }
    while (n && (*p == '.' || *p == '*'))
        p++, n--;
    while (n && p[n - 1] == '.')
        n--;
    if (!n || n > 253)
        return;
    for (size_t i = 0; i < n; i++)
        if (!domain_char(p[i]))
            return; /* an ad-block path rule or other non-domain line */
    char buf[256];
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] | 0x20 : p[i]);
    rf_strset_add(s, buf, n);
}

static void add_line(void *s, const char *p, size_t n)
{
    rf_strset_add(s, p, n);
}

static void add_urlword(void *s, const char *p, size_t n)
{
    char buf[512];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof buf; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'A' && c <= 'Z')
            buf[k++] = (char)(c | 0x20);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            buf[k++] = (char)c;
    }
    if (k)
        rf_strset_add(s, buf, k);
}

int rf_domains_load(rf_strset *s, const char *path, rf_err *err)
{
    return rf_each_list_entry(path, "#!", add_domain, s, err);
}

int rf_lines_load(rf_strset *s, const char *path, rf_err *err)
{
    return rf_each_list_entry(path, "#", add_line, s, err);
}

int rf_urlwords_load(rf_strset *s, const char *path, rf_err *err)
{
    return rf_each_list_entry(path, "#", add_urlword, s, err);
}

/* ---- URLs ---- */

size_t rf_url_host(const char *u, size_t n, rf_buf *out)
{
    rf_buf_reset(out);
    size_t i = 0;
    /* scheme: letters, digits, + - . before "://" */
    size_t k = 0;
    while (k < n && ((u[k] >= 'a' && u[k] <= 'z') || (u[k] >= 'A' && u[k] <= 'Z') ||
                     (u[k] >= '0' && u[k] <= '9') || u[k] == '+' || u[k] == '-' || u[k] == '.'))
        k++;
    if (k + 2 < n && u[k] == ':' && u[k + 1] == '/' && u[k + 2] == '/')
        i = k + 3;
    else if (n >= 2 && u[0] == '/' && u[1] == '/')
        i = 2;
    size_t end = i;
    while (end < n && u[end] != '/' && u[end] != '?' && u[end] != '#' && u[end] != '\\')
        end++;
    /* user:pass@ */
    for (size_t j = end; j > i; j--)
        if (u[j - 1] == '@') {
            i = j;
            break;
        }
    size_t hend = end;
    if (i < end && u[i] == '[') { /* IPv6 literal: up to ']' */
        const char *rb = memchr(u + i, ']', end - i);
        hend = rb ? (size_t)(rb - u) + 1 : end;
    } else {
        for (size_t j = i; j < end; j++)
            if (u[j] == ':') {
                hend = j;
                break;
            }
    }
    while (hend > i && u[hend - 1] == '.')
        hend--;
    for (size_t j = i; j < hend; j++) {
        char c = u[j];
        rf_buf_addc(out, (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c));
    }
    return out->len;
}

int rf_domain_blocked(const rf_strset *s, const char *host, size_t n, const char **match,
                      size_t *mlen)
{
    size_t i = 0;
    for (;;) {
        if (rf_strset_has(s, host + i, n - i)) {
            if (match) {
                *match = host + i;
                *mlen = n - i;
            }
            return 1;
        }
        const char *dot = memchr(host + i, '.', n - i);
        if (!dot)
            return 0;
        i = (size_t)(dot - host) + 1;
    }
}

int rf_url_words(const char *u, size_t n, rf_buf *scratch,
                 int (*fn)(void *ctx, const char *w, size_t len), void *ctx)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !(((u[i] | 0x20) >= 'a' && (u[i] | 0x20) <= 'z') || (u[i] >= '0' && u[i] <= '9')))
            i++;
        size_t s = i;
        while (i < n && (((u[i] | 0x20) >= 'a' && (u[i] | 0x20) <= 'z') || (u[i] >= '0' && u[i] <= '9')))
            i++;
        if (i == s)
            break;
        rf_buf_reset(scratch);
        for (size_t j = s; j < i; j++)
            rf_buf_addc(scratch, (char)(u[j] >= 'A' && u[j] <= 'Z' ? u[j] | 0x20 : u[j]));
        int rc = fn(ctx, scratch->p, scratch->len);
        if (rc)
            return rc;
    }
    return 0;
}
