/* jpath.c — the path language of jpath.h over validated JSON text, built on
 * the strict scanner of stages/json.h. Walking recurses once per path
 * segment only (paths are short); collecting the leaves of a value is a
 * linear scan without recursion, so deeply nested input cannot exhaust the
 * stack. */
#include "decontam/jpath.h"

#include <stdlib.h>
#include <string.h>

#include "stages/json.h"
#include "stages/utf8.h"

#define MAX_SEGS 64

void rf_jpath_release(rf_jpath *jp)
{
    if (!jp)
        return;
    for (size_t i = 0; i < jp->nseg; i++)
        free(jp->seg[i].name);
    free(jp->seg);
    jp->seg = NULL;
    jp->nseg = 0;
}

static rf_jpath_seg *add_seg(rf_jpath *jp, int kind)
{
    jp->seg = rf_xrealloc(jp->seg, (jp->nseg + 1) * sizeof *jp->seg);
    rf_jpath_seg *s = &jp->seg[jp->nseg++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    return s;
}

int rf_jpath_parse(rf_jpath *jp, const char *s, size_t n, rf_err *err)
{
    jp->seg = NULL;
    jp->nseg = 0;
    size_t i = 0;
    int need_name = 0;
    while (i < n) {
        if (jp->nseg >= MAX_SEGS) {
            rf_jpath_release(jp);
            return rf_errf(err, RF_EUSAGE, "path '%.*s' is too long", (int)n, s);
        }
        if (s[i] == '[') {
            size_t j = i + 1;
            uint64_t v = 0;
            int digits = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9' && digits < 18) {
                v = v * 10 + (uint64_t)(s[j] - '0');
                j++;
                digits++;
            }
            if (j >= n || s[j] != ']') {
                rf_jpath_release(jp);
                return rf_errf(err, RF_EUSAGE, "path '%.*s': expected [] or [N] at offset %zu",
                               (int)n, s, i);
            }
            rf_jpath_seg *g = add_seg(jp, digits ? RF_JP_INDEX : RF_JP_EACH);
            g->index = v;
            i = j + 1;
            need_name = 0;
            if (i < n && s[i] == '.') {
                i++;
                need_name = 1;
            }
            continue;
        }
        size_t j = i;
        while (j < n && s[j] != '.' && s[j] != '[' && s[j] != ']')
            j++;
        if (j == i || (j < n && s[j] == ']')) {
            rf_jpath_release(jp);
            return rf_errf(err, RF_EUSAGE, "path '%.*s': empty or bad member name at offset %zu",
                           (int)n, s, i);
        }
        rf_jpath_seg *g = add_seg(jp, RF_JP_MEMBER);
        g->name = rf_xstrndup(s + i, j - i);
        g->namelen = j - i;
        i = j;
        need_name = 0;
        if (i < n && s[i] == '.') {
            i++;
            need_name = 1;
        }
    }
    if (need_name) {
        rf_jpath_release(jp);
        return rf_errf(err, RF_EUSAGE, "path '%.*s' ends with '.'", (int)n, s);
    }
    return 0;
}

/* End of the value starting at p[i], or 0 when it does not scan. */
static size_t value_end(const char *p, size_t n, size_t i)
{
    rf_json_type t;
    rf_json_error e;
    size_t j = i;
    if (i >= n || rf_json_scan_value(p, n, &j, &t, NULL, &e) != 0)
        return 0;
    return j;
}

/* Position after the value at p[i] and its separating comma, or 0 when it
 * does not scan. */
static size_t next_member(const char *p, size_t n, size_t i)
{
    size_t ve = value_end(p, n, i);
    if (!ve)
        return 0;
    i = rf_json_skip_ws(p, n, ve);
    if (i < n && p[i] == ',')
        i = rf_json_skip_ws(p, n, i + 1);
    return i;
}

static int key_equals(const char *p, size_t ks, size_t ke, unsigned flags, const char *name,
                      size_t nl)
{
    /* ks..ke: between the quotes */
    if (!(flags & RF_JSTR_ESCAPE))
        return ke - ks == nl && memcmp(p + ks, name, nl) == 0;
    char *u = rf_xmalloc(ke - ks + 1);
    size_t ul = rf_json_unescape(p + ks, ke - ks, u);
    int eq = ul == nl && memcmp(u, name, nl) == 0;
    free(u);
    return eq;
}

static int walk(const rf_jpath *jp, size_t sg, const char *p, size_t n, size_t i, rf_jpath_fn fn,
                void *ctx)
{
    i = rf_json_skip_ws(p, n, i);
    if (i >= n)
        return 0;
    if (sg == jp->nseg) {
        size_t e = value_end(p, n, i);
        return e ? fn(ctx, p, i, e) : 0;
    }
    const rf_jpath_seg *g = &jp->seg[sg];
    if (g->kind == RF_JP_MEMBER) {
        if (p[i] != '{')
            return 0;
        i = rf_json_skip_ws(p, n, i + 1);
        while (i < n && p[i] == '"') {
            size_t ks = i + 1;
            unsigned fl = 0;
            rf_json_error e;
            if (rf_json_scan_string(p, n, &i, &fl, &e) != 0)
                return 0;
            size_t ke = i - 1;
            i = rf_json_skip_ws(p, n, i);
            if (i >= n || p[i] != ':')
                return 0;
            i = rf_json_skip_ws(p, n, i + 1);
            if (key_equals(p, ks, ke, fl, g->name, g->namelen))
                return walk(jp, sg + 1, p, n, i, fn, ctx);
            i = next_member(p, n, i);
            if (!i)
                return 0;
        }
        return 0;
    }
    if (p[i] != '[')
        return 0;
    i = rf_json_skip_ws(p, n, i + 1);
    uint64_t k = 0;
    while (i < n && p[i] != ']') {
        if (g->kind == RF_JP_EACH || k == g->index) {
            int rc = walk(jp, sg + 1, p, n, i, fn, ctx);
            if (rc || g->kind == RF_JP_INDEX)
                return rc;
        }
        i = next_member(p, n, i);
        if (!i)
            return 0;
        k++;
    }
    return 0;
}

int rf_jpath_walk(const rf_jpath *jp, const char *p, size_t n, size_t start, rf_jpath_fn fn,
                  void *ctx)
{
    return walk(jp, 0, p, n, start, fn, ctx);
}

void rf_jpath_texts_reset(rf_jpath_texts *t)
{
    rf_buf_reset(&t->buf);
    t->n = 0;
}

void rf_jpath_texts_release(rf_jpath_texts *t)
{
    if (!t)
        return;
    rf_buf_release(&t->buf);
    free(t->off);
    free(t->len);
    memset(t, 0, sizeof *t);
}

void rf_jpath_texts_add(rf_jpath_texts *t, const char *p, size_t n)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->off = rf_xrealloc(t->off, t->cap * sizeof *t->off);
        t->len = rf_xrealloc(t->len, t->cap * sizeof *t->len);
    }
    t->off[t->n] = t->buf.len;
    if (rf_utf8_check(p, n) == n) {
        rf_buf_add(&t->buf, p, n);
    } else {
        size_t rep = 0;
        rf_buf_grow(&t->buf, 3 * n);
        size_t m = rf_utf8_repair(p, n, t->buf.p + t->buf.len, &rep);
        rf_buf_setlen(&t->buf, t->buf.len + m);
        t->repaired += rep;
    }
    t->len[t->n] = t->buf.len - t->off[t->n];
    t->n++;
}

static void add_string(rf_jpath_texts *t, const char *p, size_t s, size_t e)
{
    /* s..e between the quotes */
    char *u = rf_xmalloc(e - s + 1);
    size_t ul = rf_json_unescape(p + s, e - s, u);
    rf_jpath_texts_add(t, u, ul);
    free(u);
}

void rf_jpath_leaves(const char *p, size_t vs, size_t ve, rf_jpath_texts *out)
{
    size_t i = vs;
    while (i < ve) {
        char c = p[i];
        if (c == '"') {
            size_t s = i + 1;
            unsigned fl = 0;
            rf_json_error e;
            if (rf_json_scan_string(p, ve, &i, &fl, &e) != 0)
                return;
            size_t k = rf_json_skip_ws(p, ve, i);
            if (k < ve && p[k] == ':') /* a key, not a value */
                continue;
            add_string(out, p, s, i - 1);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t s = i;
            while (i < ve && (p[i] == '-' || p[i] == '+' || p[i] == '.' || p[i] == 'e' ||
                              p[i] == 'E' || (p[i] >= '0' && p[i] <= '9')))
                i++;
            rf_jpath_texts_add(out, p + s, i - s);
        } else {
            i++;
        }
    }
}

static int collect_fn(void *ctx, const char *p, size_t vs, size_t ve)
{
    rf_jpath_leaves(p, vs, ve, ctx);
    return 0;
}

typedef struct count_ctx {
    rf_jpath_texts *out;
    size_t hits;
} count_ctx;

static int count_fn(void *ctx, const char *p, size_t vs, size_t ve)
{
    count_ctx *c = ctx;
    c->hits++;
    return collect_fn(c->out, p, vs, ve);
}

size_t rf_jpath_collect(const rf_jpath *jp, const char *p, size_t n, size_t start,
                        rf_jpath_texts *out)
{
    count_ctx c = {out, 0};
    rf_jpath_walk(jp, p, n, start, count_fn, &c);
    return c.hits;
}

int rf_jpath_members(const char *p, size_t vs, size_t ve, rf_jpath_member_fn fn, void *ctx)
{
    size_t i = rf_json_skip_ws(p, ve, vs);
    if (i >= ve || p[i] != '{')
        return 0;
    i = rf_json_skip_ws(p, ve, i + 1);
    rf_buf key = RF_BUF_INIT;
    int rc = 0;
    while (i < ve && p[i] == '"') {
        size_t ks = i + 1;
        unsigned fl = 0;
        rf_json_error e;
        if (rf_json_scan_string(p, ve, &i, &fl, &e) != 0)
            break;
        rf_buf_reset(&key);
        rf_buf_grow(&key, i - ks);
        size_t kl = rf_json_unescape(p + ks, i - 1 - ks, key.p);
        rf_buf_setlen(&key, kl);
        i = rf_json_skip_ws(p, ve, i);
        if (i >= ve || p[i] != ':')
            break;
        i = rf_json_skip_ws(p, ve, i + 1);
        size_t e2 = value_end(p, ve, i);
        if (!e2)
            break;
        rc = fn(ctx, key.p, key.len, p, i, e2);
        if (rc)
            break;
        i = rf_json_skip_ws(p, ve, e2);
        if (i < ve && p[i] == ',')
            i = rf_json_skip_ws(p, ve, i + 1);
    }
    rf_buf_release(&key);
    return rc;
}

int rf_jpath_scalar(const char *p, size_t vs, size_t ve, rf_buf *out)
{
    if (vs >= ve)
        return -1;
    if (p[vs] == '"' && ve - vs >= 2) {
        rf_buf_grow(out, ve - vs);
        size_t m = rf_json_unescape(p + vs + 1, ve - vs - 2, out->p + out->len);
        rf_buf_setlen(out, out->len + m);
        return 0;
    }
    if (p[vs] == '-' || (p[vs] >= '0' && p[vs] <= '9')) {
        rf_buf_add(out, p + vs, ve - vs);
        return 0;
    }
    return -1;
}
