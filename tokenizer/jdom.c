/* jdom.c — builds a read-only JSON tree on top of the strict scanner.
 *
 * rf_json_validate() checks the whole text first, so the builder below only
 * has to walk a text that is known to be well formed; it still refuses what
 * the scanner lets through but a JSON library would not turn into a string
 * (ill-formed UTF-8, lone surrogate escapes). Recursion depth is bounded. */
#include "tokenizer/jdom.h"

#include <stdlib.h>
#include <string.h>

typedef struct builder {
    const char *p;
    size_t n;
    rf_arena *a;
    const char *what;
    rf_err *err;
} builder;

/* Decodes the string starting at p[*i] (the quote) into (*s, *len). */
static int build_string(builder *b, size_t *i, const char **s, uint32_t *len)
{
    size_t start = *i;
    unsigned flags = 0;
    rf_json_error e;
    if (rf_json_scan_string(b->p, b->n, i, &flags, &e))
        return rf_errf(b->err, RF_EFORMAT, "%s: byte %zu: %s", b->what, e.off, e.what);
    if (flags & (RF_JSTR_BADUTF8 | RF_JSTR_SURROGATE))
        return rf_errf(b->err, RF_EFORMAT, "%s: byte %zu: string is not valid UTF-8", b->what,
                       start);
    const char *raw = b->p + start + 1;
    size_t rn = *i - start - 2;
    if (rn > UINT32_MAX)
        return rf_errf(b->err, RF_EFORMAT, "%s: byte %zu: string too long", b->what, start);
    if (!(flags & RF_JSTR_ESCAPE)) {
        *s = raw;
        *len = (uint32_t)rn;
        return 0;
    }
    char *out = rf_arena_alloc(b->a, rn ? rn : 1);
    *len = (uint32_t)rf_json_unescape(raw, rn, out);
    *s = out;
    return 0;
}

/* A growable list of nodes on the heap while a container is being read;
 * copied into the arena when it is complete. */
typedef struct nodes {
    rf_jv *v;
    size_t n, cap;
} nodes;

static rf_jv *nodes_push(nodes *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = rf_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    rf_jv *v = &l->v[l->n++];
    memset(v, 0, sizeof *v);
    return v;
}

static int build_value(builder *b, size_t *i, rf_jv *out, int depth)
{
    const char *p = b->p;
    size_t n = b->n;
    *i = rf_json_skip_ws(p, n, *i);
    if (*i >= n)
        return rf_errf(b->err, RF_EFORMAT, "%s: unexpected end", b->what);
    char c = p[*i];
    if (c == '"') {
        out->type = RF_JSON_STRING;
        return build_string(b, i, &out->u.s, &out->n);
    }
    if (c == '{' || c == '[') {
        if (depth >= RF_JDOM_MAX_DEPTH)
            return rf_errf(b->err, RF_EFORMAT, "%s: byte %zu: nesting deeper than %d", b->what, *i,
                           RF_JDOM_MAX_DEPTH);
        int obj = c == '{';
        char close = obj ? '}' : ']';
        nodes l = {NULL, 0, 0};
        int rc = 0;
        (*i)++;
        *i = rf_json_skip_ws(p, n, *i);
        if (*i < n && p[*i] == close) {
            (*i)++;
        } else {
            for (;;) {
                rf_jv *v = nodes_push(&l);
                if (obj) {
                    *i = rf_json_skip_ws(p, n, *i);
                    if ((rc = build_string(b, i, &v->key, &v->klen)))
                        break;
                    *i = rf_json_skip_ws(p, n, *i);
                    (*i)++; /* ':' (validated) */
                }
                const char *key = v->key;
                uint32_t klen = v->klen;
                if ((rc = build_value(b, i, v, depth + 1)))
                    break;
                v->key = key;
                v->klen = klen;
                *i = rf_json_skip_ws(p, n, *i);
                if (*i < n && p[*i] == ',') {
                    (*i)++;
                    continue;
                }
                (*i)++; /* close (validated) */
                break;
            }
        }
        if (!rc) {
            if (l.n > UINT32_MAX)
                rc = rf_errf(b->err, RF_EFORMAT, "%s: container too large", b->what);
            out->type = obj ? RF_JSON_OBJECT : RF_JSON_ARRAY;
            out->n = (uint32_t)l.n;
            out->u.items = l.n ? rf_arena_memdup(b->a, l.v, l.n * sizeof *l.v) : NULL;
        }
        free(l.v);
        return rc;
    }
    size_t start = *i;
    rf_json_type t;
    rf_json_error e;
    if (rf_json_scan_value(p, n, i, &t, NULL, &e))
        return rf_errf(b->err, RF_EFORMAT, "%s: byte %zu: %s", b->what, e.off, e.what);
    out->type = (unsigned char)t;
    if (t == RF_JSON_NUMBER) {
        char tmp[64];
        size_t len = *i - start;
        if (len >= sizeof tmp)
            len = sizeof tmp - 1; /* only digits beyond double precision are lost */
        memcpy(tmp, p + start, len);
        tmp[len] = '\0';
        out->u.num = strtod(tmp, NULL);
    }
    return 0;
}

int rf_jdom_parse(rf_jdom *d, const char *p, size_t n, const char *what, rf_err *err)
{
    rf_arena_init(&d->arena, 1 << 20);
    d->root = NULL;
    rf_json_error e;
    if (rf_json_validate(p, n, &e)) {
        rf_arena_release(&d->arena);
        return rf_errf(err, RF_EFORMAT, "%s: not valid JSON: byte %zu: %s", what, e.off, e.what);
    }
    builder b = {p, n, &d->arena, what, err};
    rf_jv *root = rf_arena_alloc(&d->arena, sizeof *root);
    memset(root, 0, sizeof *root);
    size_t i = 0;
    int rc = build_value(&b, &i, root, 0);
    if (rc) {
        rf_arena_release(&d->arena);
        return rc;
    }
    d->root = root;
    return 0;
}

void rf_jdom_release(rf_jdom *d)
{
    if (!d)
        return;
    rf_arena_release(&d->arena);
    d->root = NULL;
}

const rf_jv *rf_jv_get(const rf_jv *o, const char *name)
{
    if (!o || o->type != RF_JSON_OBJECT)
        return NULL;
    size_t len = strlen(name);
    for (uint32_t k = o->n; k-- > 0;) {
        const rf_jv *m = &o->u.items[k];
        if (m->klen == len && memcmp(m->key, name, len) == 0)
            return m;
    }
    return NULL;
}

int rf_jv_is_str(const rf_jv *v, const char *s)
{
    return v && v->type == RF_JSON_STRING && v->n == strlen(s) && memcmp(v->u.s, s, v->n) == 0;
}

int rf_jv_is_null(const rf_jv *v)
{
    return !v || v->type == RF_JSON_NULL;
}

int64_t rf_jv_u32(const rf_jv *v)
{
    if (!v || v->type != RF_JSON_NUMBER)
        return -1;
    double x = v->u.num;
    if (!(x >= 0 && x <= 4294967295.0) || x != (double)(uint64_t)x)
        return -1;
    return (int64_t)x;
}
