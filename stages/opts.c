/* opts.c — option tables, validation, argv parsing, INI-style config files
 * and help text. Values are stored as validated strings keyed by long name;
 * typed accessors parse them again (cheap, and only at start-up). */
#define _POSIX_C_SOURCE 200809L
#include "stages/opts.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/buf.h"

typedef struct opt_val {
    const rf_optspec *spec;
    char *value;      /* current value (scalar types) */
    char **list;      /* RF_OPT_LIST values */
    size_t nlist;
    int set;          /* explicitly set */
} opt_val;

struct rf_opts {
    opt_val *v;
    size_t n;
};

rf_opts *rf_opts_new(const rf_optspec *const *tables, size_t ntables)
{
    rf_opts *o = rf_xcalloc(1, sizeof *o);
    size_t total = 0;
    for (size_t t = 0; t < ntables; t++)
        for (const rf_optspec *s = tables[t]; s && s->name; s++)
            total++;
    o->v = rf_xcalloc(total ? total : 1, sizeof *o->v);
    for (size_t t = 0; t < ntables; t++) {
        for (const rf_optspec *s = tables[t]; s && s->name; s++) {
            int dup = 0;
            for (size_t k = 0; k < o->n; k++)
                if (!strcmp(o->v[k].spec->name, s->name))
                    dup = 1; /* a later table may not redefine; the first wins */
            if (dup)
                continue;
            opt_val *ov = &o->v[o->n++];
            ov->spec = s;
            if (s->def && s->type != RF_OPT_LIST)
                ov->value = rf_xstrdup(s->def);
        }
    }
    return o;
}

void rf_opts_free(rf_opts *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        free(o->v[i].value);
        for (size_t k = 0; k < o->v[i].nlist; k++)
            free(o->v[i].list[k]);
        free(o->v[i].list);
    }
    free(o->v);
    free(o);
}

static opt_val *find(const rf_opts *o, const char *name)
{
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->v[i].spec->name, name))
            return &o->v[i];
    return NULL;
}

const rf_optspec *rf_opts_find(const rf_opts *o, const char *name)
{
    opt_val *v = find(o, name);
    return v ? v->spec : NULL;
}

int rf_opts_is_set(const rf_opts *o, const char *name)
{
    opt_val *v = find(o, name);
    return v && v->set;
}

int rf_parse_size(const char *s, uint64_t *out)
{
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || !isfinite(v))
        return -1;
    double mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mul = 1024.0; end++; break;
    case 'M': mul = 1024.0 * 1024; end++; break;
    case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B')
        end++;
    if (*end == 'B')
        end++;
    if (*end)
        return -1;
    double r = v * mul;
    if (r > 1.8e19)
        return -1;
    *out = (uint64_t)r;
    return 0;
}

static int parse_bool(const char *s, int *b)
{
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
        *b = 1;
        return 0;
    }
    if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
        *b = 0;
        return 0;
    }
    return -1;
}

static int check_value(const rf_optspec *s, const char *value, const char *where, rf_err *err)
{
    char *end;
    switch (s->type) {
    case RF_OPT_FLAG: {
        int b;
        if (parse_bool(value, &b))
            return rf_errf(err, RF_EUSAGE, "%s: %s takes true or false, not '%s'", where, s->name,
                           value);
        return 0;
    }
    case RF_OPT_INT:
        errno = 0;
        (void)strtoll(value, &end, 10);
        if (!*value || *end || errno)
            return rf_errf(err, RF_EUSAGE, "%s: %s expects an integer, not '%s'", where, s->name,
                           value);
        return 0;
    case RF_OPT_FLOAT: {
        errno = 0;
        double d = strtod(value, &end);
        if (!*value || *end || errno || !isfinite(d))
            return rf_errf(err, RF_EUSAGE, "%s: %s expects a number, not '%s'", where, s->name,
                           value);
        return 0;
    }
    case RF_OPT_SIZE: {
        uint64_t x;
        if (rf_parse_size(value, &x))
            return rf_errf(err, RF_EUSAGE, "%s: %s expects a size like 64M, not '%s'", where,
                           s->name, value);
        return 0;
    }
    case RF_OPT_ENUM: {
        size_t vl = strlen(value);
        const char *c = s->choices;
        while (c && *c) {
            const char *bar = strchr(c, '|');
            size_t l = bar ? (size_t)(bar - c) : strlen(c);
            if (l == vl && !memcmp(c, value, l))
                return 0;
            c = bar ? bar + 1 : NULL;
        }
        return rf_errf(err, RF_EUSAGE, "%s: %s must be one of %s, not '%s'", where, s->name,
                       s->choices, value);
    }
    default:
        return 0;
    }
}

int rf_opts_set(rf_opts *o, const char *name, const char *value, const char *where, rf_err *err)
{
    opt_val *v = find(o, name);
    if (!v)
        return rf_errf(err, RF_EUSAGE, "%s: unknown option '%s'", where, name);
    int rc = check_value(v->spec, value, where, err);
    if (rc)
        return rc;
    if (v->spec->type == RF_OPT_LIST) {
        v->list = rf_xrealloc(v->list, (v->nlist + 1) * sizeof *v->list);
        v->list[v->nlist++] = rf_xstrdup(value);
    } else {
        free(v->value);
        v->value = rf_xstrdup(value);
    }
    v->set = 1;
    return 0;
}

int rf_opts_parse_argv(rf_opts *o, int argc, char **argv, char ***ppos, size_t *npos, rf_err *err)
{
    char **pos = rf_xcalloc((size_t)argc + 1, sizeof *pos);
    size_t np = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (++i < argc)
                pos[np++] = argv[i];
            break;
        }
        if (a[0] != '-' || !a[1]) { /* "-" alone is stdin */
            pos[np++] = a;
            continue;
        }
        const rf_optspec *s = NULL;
        const char *val = NULL;
        char name[128];
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t l = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            if (l >= sizeof name) {
                rc = rf_errf(err, RF_EUSAGE, "unknown option '%s'", a);
                goto out;
            }
            memcpy(name, a + 2, l);
            name[l] = '\0';
            s = rf_opts_find(o, name);
            if (!s && !strncmp(name, "no-", 3)) {
                const rf_optspec *neg = rf_opts_find(o, name + 3);
                if (neg && neg->type == RF_OPT_FLAG && !eq) {
                    rc = rf_opts_set(o, neg->name, "false", a, err);
                    if (rc)
                        goto out;
                    continue;
                }
            }
            if (!s) {
                rc = rf_errf(err, RF_EUSAGE, "unknown option '--%s' (see --help)", name);
                goto out;
            }
            if (eq)
                val = eq + 1;
        } else {
            for (size_t k = 0; k < o->n; k++)
                if (o->v[k].spec->shortname == a[1])
                    s = o->v[k].spec;
            if (!s) {
                rc = rf_errf(err, RF_EUSAGE, "unknown option '-%c' (see --help)", a[1]);
                goto out;
            }
            if (a[2])
                val = a + 2;
        }
        if (s->type == RF_OPT_FLAG) {
            if (val && a[1] != '-') {
                rc = rf_errf(err, RF_EUSAGE, "option '-%c' takes no value", s->shortname);
                goto out;
            }
            rc = rf_opts_set(o, s->name, val ? val : "true", a, err);
        } else {
            if (!val) {
                if (i + 1 >= argc) {
                    rc = rf_errf(err, RF_EUSAGE, "option '--%s' needs a value (%s)", s->name,
                                 s->meta ? s->meta : "VALUE");
                    goto out;
                }
                val = argv[++i];
            }
            char where[160];
            snprintf(where, sizeof where, "--%s", s->name);
            rc = rf_opts_set(o, s->name, val, where, err);
        }
        if (rc)
            goto out;
    }
out:
    if (rc) {
        free(pos);
        return rc;
    }
    *ppos = pos;
    *npos = np;
    return 0;
}

static opt_val *must(const rf_opts *o, const char *name)
{
    opt_val *v = find(o, name);
    if (!v) {
        fprintf(stderr, "refine: internal error: undeclared option '%s'\n", name);
        abort();
    }
    return v;
}

const char *rf_opt_str(const rf_opts *o, const char *name)
{
    return must(o, name)->value;
}

int64_t rf_opt_int(const rf_opts *o, const char *name)
{
    const char *v = must(o, name)->value;
    return v ? strtoll(v, NULL, 10) : 0;
}

double rf_opt_float(const rf_opts *o, const char *name)
{
    const char *v = must(o, name)->value;
    return v ? strtod(v, NULL) : 0.0;
}

int rf_opt_flag(const rf_opts *o, const char *name)
{
    const char *v = must(o, name)->value;
    int b = 0;
    if (v)
        parse_bool(v, &b);
    return b;
}

uint64_t rf_opt_size(const rf_opts *o, const char *name)
{
    const char *v = must(o, name)->value;
    uint64_t x = 0;
    if (v)
        rf_parse_size(v, &x);
    return x;
}

size_t rf_opt_list(const rf_opts *o, const char *name, const char *const **vals)
{
    opt_val *v = must(o, name);
    *vals = (const char *const *)v->list;
    return v->nlist;
}

void rf_opts_help(const rf_optspec *specs, char *out, size_t cap, size_t *len)
{
    rf_buf b = RF_BUF_INIT;
    for (const rf_optspec *s = specs; s && s->name; s++) {
        char head[96];
        const char *meta = s->type == RF_OPT_FLAG ? "" : (s->meta ? s->meta : "VALUE");
        if (s->shortname)
            snprintf(head, sizeof head, "  -%c, --%s%s%s", s->shortname, s->name, *meta ? " " : "",
                     meta);
        else
            snprintf(head, sizeof head, "      --%s%s%s", s->name, *meta ? " " : "", meta);
        rf_buf_adds(&b, head);
        size_t hl = strlen(head);
        if (hl < 30)
            rf_buf_addf(&b, "%*s", (int)(30 - hl), "");
        else
            rf_buf_adds(&b, "\n                              ");
        rf_buf_adds(&b, s->help ? s->help : "");
        if (s->type == RF_OPT_ENUM && s->choices)
            rf_buf_addf(&b, " (%s)", s->choices);
        if (s->def && s->type != RF_OPT_FLAG && *s->def)
            rf_buf_addf(&b, " [default: %s]", s->def);
        if (s->type == RF_OPT_FLAG && s->def && !strcmp(s->def, "true"))
            rf_buf_addf(&b, " [on; --no-%s turns it off]", s->name);
        if (s->type == RF_OPT_LIST)
            rf_buf_adds(&b, " [repeatable]");
        rf_buf_addc(&b, '\n');
    }
    size_t n = b.len < cap ? b.len : (cap ? cap - 1 : 0);
    if (cap) {
        memcpy(out, b.p ? b.p : "", n);
        out[n] = '\0';
    }
    if (len)
        *len = b.len;
    rf_buf_release(&b);
}

/* ---- config files ---- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static rf_conf_section *add_section(rf_conf *c, const char *name, int line)
{
    c->sec = rf_xrealloc(c->sec, (c->nsec + 1) * sizeof *c->sec);
    rf_conf_section *s = &c->sec[c->nsec++];
    s->name = rf_xstrdup(name);
    s->line = line;
    s->kv = NULL;
    s->nkv = 0;
    return s;
}

int rf_conf_parse(rf_conf *c, const char *name, const char *text, size_t n, rf_err *err)
{
    memset(c, 0, sizeof *c);
    c->path = rf_xstrdup(name);
    rf_conf_section *cur = add_section(c, "", 0);
    size_t i = 0;
    int line = 0;
    while (i < n) {
        size_t start = i, j = i;
        while (j < n && text[j] != '\n')
            j++;
        line++;
        i = j + 1;
        if (memchr(text + start, '\0', j - start)) {
            rf_conf_release(c);
            return rf_errf(err, RF_EUSAGE, "%s:%d: NUL byte in configuration", name, line);
        }
        char *l = rf_xstrndup(text + start, j - start);
        char *t = trim(l);
        if (!*t || *t == '#' || *t == ';') {
            free(l);
            continue;
        }
        if (*t == '[') {
            char *close = strchr(t, ']');
            if (!close || trim(close + 1)[0]) {
                free(l);
                rf_conf_release(c);
                return rf_errf(err, RF_EUSAGE, "%s:%d: bad section header", name, line);
            }
            *close = '\0';
            char *sn = trim(t + 1);
            if (!*sn) {
                free(l);
                rf_conf_release(c);
                return rf_errf(err, RF_EUSAGE, "%s:%d: empty section name", name, line);
            }
            cur = add_section(c, sn, line);
            free(l);
            continue;
        }
        char *eq = strchr(t, '=');
        if (!eq) {
            free(l);
            rf_conf_release(c);
            return rf_errf(err, RF_EUSAGE, "%s:%d: expected 'key = value'", name, line);
        }
        *eq = '\0';
        char *k = trim(t), *v = trim(eq + 1);
        size_t vl = strlen(v);
        if (vl >= 2 && ((v[0] == '"' && v[vl - 1] == '"') || (v[0] == '\'' && v[vl - 1] == '\''))) {
            v[vl - 1] = '\0';
            v++;
        }
        if (!*k) {
            free(l);
            rf_conf_release(c);
            return rf_errf(err, RF_EUSAGE, "%s:%d: missing key", name, line);
        }
        cur->kv = rf_xrealloc(cur->kv, (cur->nkv + 1) * sizeof *cur->kv);
        rf_conf_kv *kv = &cur->kv[cur->nkv++];
        kv->key = rf_xstrdup(k);
        kv->value = rf_xstrdup(v);
        kv->line = line;
        free(l);
    }
    return 0;
}

int rf_conf_load(rf_conf *c, const char *path, rf_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rf_errf(err, RF_EIO, "%s: cannot open: %s", path, strerror(errno));
    rf_buf b = RF_BUF_INIT;
    char tmp[8192];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        rf_buf_add(&b, tmp, r);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        rf_buf_release(&b);
        return rf_errf(err, RF_EIO, "%s: read failed", path);
    }
    int rc = rf_conf_parse(c, path, b.p ? b.p : "", b.len, err);
    rf_buf_release(&b);
    return rc;
}

void rf_conf_release(rf_conf *c)
{
    if (!c)
        return;
    for (size_t s = 0; s < c->nsec; s++) {
        for (size_t k = 0; k < c->sec[s].nkv; k++) {
            free(c->sec[s].kv[k].key);
            free(c->sec[s].kv[k].value);
        }
        free(c->sec[s].kv);
        free(c->sec[s].name);
    }
    free(c->sec);
    free(c->path);
    memset(c, 0, sizeof *c);
}

int rf_conf_apply(const rf_conf *c, const rf_conf_section *s, rf_opts *o, int skip_unknown,
                  rf_err *err)
{
    for (size_t k = 0; k < s->nkv; k++) {
        const rf_conf_kv *kv = &s->kv[k];
        char where[512];
        snprintf(where, sizeof where, "%s:%d", c->path, kv->line);
        if (!rf_opts_find(o, kv->key)) {
            if (skip_unknown)
                continue;
            return rf_errf(err, RF_EUSAGE, "%s: unknown key '%s'%s%s", where, kv->key,
                           s->name[0] ? " in section " : "", s->name);
        }
        int rc = rf_opts_set(o, kv->key, kv->value, where, err);
        if (rc)
            return rc;
    }
    return 0;
}
