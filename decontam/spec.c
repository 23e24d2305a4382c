/* spec.c — parsing evaluation-set specifications and reading the files they
 * name (spec.h): glob expansion, decompression through stages/io.h, JSON
 * Lines / JSON / CSV / TSV records, field extraction and item ids. Errors
 * name the file and line. */
#define _POSIX_C_SOURCE 200809L
#include "decontam/spec.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decontam/csv.h"
#include "decontam/jpath.h"
#include "stages/buf.h"
#include "stages/io.h"
#include "stages/json.h"
#include "stages/utf8.h"

#define MAX_BENCH_FILE ((size_t)1 << 32)

void rf_dcspec_release(rf_dcspec *s)
{
    if (!s)
        return;
    free(s->text);
    free(s->name);
    free(s->pattern);
    free(s->record);
    for (size_t i = 0; i < s->nfields; i++)
        free(s->fields[i]);
    free(s->fields);
    free(s->id);
    memset(s, 0, sizeof *s);
}

static int valid_name(const char *p, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

int rf_dcspec_parse(rf_dcspec *s, const char *text, rf_err *err)
{
    memset(s, 0, sizeof *s);
    s->text = rf_xstrdup(text);
    s->header = 1;
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text) {
        rf_dcspec_release(s);
        return rf_errf(err, RF_EUSAGE, "spec '%s': expected FILES:FIELDS", text);
    }
    /* NAME= prefix */
    const char *files = text;
    const char *eq = memchr(text, '=', (size_t)(colon - text));
    if (eq && valid_name(text, (size_t)(eq - text))) {
        s->name = rf_xstrndup(text, (size_t)(eq - text));
        files = eq + 1;
    }
    if (files == colon) {
        rf_dcspec_release(s);
        return rf_errf(err, RF_EUSAGE, "spec '%s': no file name", text);
    }
    s->pattern = rf_xstrndup(files, (size_t)(colon - files));
    const char *f = colon + 1;
    const char *q = strchr(f, '?');
    size_t flen = q ? (size_t)(q - f) : strlen(f);
    const char *slash = memchr(f, '/', flen);
    if (slash) {
        s->record = rf_xstrndup(f, (size_t)(slash - f));
        flen -= (size_t)(slash + 1 - f);
        f = slash + 1;
    }
    /* fields */
    size_t i = 0;
    while (i <= flen) {
        size_t j = i;
        while (j < flen && f[j] != ',')
            j++;
        if (j == i) {
            rf_dcspec_release(s);
            return rf_errf(err, RF_EUSAGE, "spec '%s': empty field name", text);
        }
        s->fields = rf_xrealloc(s->fields, (s->nfields + 1) * sizeof *s->fields);
        s->fields[s->nfields++] = rf_xstrndup(f + i, j - i);
        i = j + 1;
    }
    /* options */
    if (q) {
        const char *o = q + 1;
        while (*o) {
            size_t j = strcspn(o, ",");
            const char *e = memchr(o, '=', j);
            if (!e) {
                rf_dcspec_release(s);
                return rf_errf(err, RF_EUSAGE, "spec '%s': option '%.*s' is not KEY=VALUE", text,
                               (int)j, o);
            }
            size_t kl = (size_t)(e - o), vl = j - kl - 1;
            const char *v = e + 1;
            if (kl == 6 && !memcmp(o, "header", 6)) {
                if (vl == 3 && !memcmp(v, "yes", 3))
                    s->header = 1;
                else if (vl == 2 && !memcmp(v, "no", 2))
                    s->header = 0;
                else {
                    rf_dcspec_release(s);
                    return rf_errf(err, RF_EUSAGE, "spec '%s': header=yes or header=no", text);
                }
            } else if (kl == 2 && !memcmp(o, "id", 2) && vl) {
                free(s->id);
                s->id = rf_xstrndup(v, vl);
            } else if (kl == 6 && !memcmp(o, "format", 6)) {
                static const char *const names[] = {"jsonl", "json", "csv", "tsv"};
                static const int codes[] = {RF_DCSPEC_JSONL, RF_DCSPEC_JSON, RF_DCSPEC_CSV,
                                            RF_DCSPEC_TSV};
                s->format = -1;
                for (size_t k = 0; k < 4; k++)
                    if (vl == strlen(names[k]) && !memcmp(v, names[k], vl))
                        s->format = codes[k];
                if (s->format < 0) {
                    rf_dcspec_release(s);
                    return rf_errf(err, RF_EUSAGE, "spec '%s': format=jsonl|json|csv|tsv", text);
                }
            } else {
                rf_dcspec_release(s);
                return rf_errf(err, RF_EUSAGE,
                               "spec '%s': unknown option '%.*s' (header, id, format)", text,
                               (int)kl, o);
            }
            o += j;
            if (*o == ',')
                o++;
        }
    }
    return 0;
}

static const char *const compress_suffixes[] = {".gz", ".zst", ".zstd", ".xz", ".bz2", ".lz4"};

/* Length of name without a compression suffix. */
static size_t strip_compression(const char *name, size_t n)
{
    for (size_t k = 0; k < sizeof compress_suffixes / sizeof compress_suffixes[0]; k++) {
        size_t sl = strlen(compress_suffixes[k]);
        if (n > sl && !strcmp(name + n - sl, compress_suffixes[k]))
            return n - sl;
    }
    return n;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
    size_t sl = strlen(suf);
    return n >= sl && !memcmp(s + n - sl, suf, sl);
}

static int detect_format(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strip_compression(base, strlen(base));
    if (ends_with(base, n, ".jsonl") || ends_with(base, n, ".ndjson"))
        return RF_DCSPEC_JSONL;
    if (ends_with(base, n, ".json"))
        return RF_DCSPEC_JSON;
    if (ends_with(base, n, ".csv"))
        return RF_DCSPEC_CSV;
    if (ends_with(base, n, ".tsv"))
        return RF_DCSPEC_TSV;
    return RF_DCSPEC_AUTO;
}

char *rf_dcspec_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strip_compression(base, strlen(base));
    static const char *const exts[] = {".jsonl", ".ndjson", ".json", ".csv", ".tsv"};
    for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++)
        if (ends_with(base, n, exts[k]) && n > strlen(exts[k])) {
            n -= strlen(exts[k]);
            break;
        }
    /* Names end up in JSON (stats, annotations): valid UTF-8 only. */
    char *out = rf_xmalloc(3 * n + 1);
    size_t rep;
    size_t m = rf_utf8_repair(base, n, out, &rep);
    out[m] = '\0';
    return out;
}

int rf_dcspec_read_file(const char *path, char **data, size_t *n, rf_err *err)
{
    *data = NULL;
    *n = 0;
    rf_input *in = NULL;
    rf_buf b = RF_BUF_INIT;
    int rc = rf_input_open(&in, path, err);
    if (rc)
        return rc;
    rf_src *src;
    const char *name;
    int members = 0;
    for (;;) {
        rc = rf_input_next(in, &src, &name, err);
        if (rc <= 0)
            break;
        if (++members > 1) {
            rc = rf_errf(err, RF_EUNSUP, "%s: archives with several files are not supported here",
                         path);
            break;
        }
        for (;;) {
            rf_buf_grow(&b, 1 << 16);
            ssize_t r = rf_src_read(src, b.p + b.len, b.cap - b.len - 1, err);
            if (r < 0) {
                rc = (int)r;
                break;
            }
            if (r == 0)
                break;
            rf_buf_setlen(&b, b.len + (size_t)r);
            if (b.len > MAX_BENCH_FILE) {
                rc = rf_errf(err, RF_EUNSUP, "%s: larger than 4 GiB", path);
                break;
            }
        }
        if (rc < 0)
            break;
    }
    rf_input_close(in);
    if (rc < 0) {
        rf_buf_release(&b);
        return rc;
    }
    *n = b.len;
    *data = b.p ? rf_buf_detach(&b, NULL) : rf_xstrdup("");
    return 0;
}

/* ---- items ---- */

typedef struct loader {
    const rf_dcspec *s;
    rf_dcspec_fn fn;
    void *ctx;
    rf_dcspec_stats *st;
    const char *path;
    const char *bench;
    char *stem;
    rf_jpath record;
    int has_record;
    rf_jpath *fields;
    rf_jpath idpath;
    int has_id;
    rf_jpath autoid[4];
    uint64_t *hits; /* per field: records where the field reached a value */
    rf_jpath_texts texts;
    rf_buf id;
    const char **tp;
    size_t *tl;
    size_t cap;
    uint64_t recno;
} loader;

static const char *const auto_ids[4] = {"id", "task_id", "ID", "qid"};

static void emit(loader *L, uint64_t record, const char *idtext)
{
    L->st->records++;
    rf_jpath_texts *t = &L->texts;
    if (t->n > L->cap) {
        L->cap = t->n;
        L->tp = rf_xrealloc(L->tp, L->cap * sizeof *L->tp);
        L->tl = rf_xrealloc(L->tl, L->cap * sizeof *L->tl);
    }
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->len[i])
            continue;
        L->tp[k] = t->buf.p + t->off[i];
        L->tl[k] = t->len[i];
        k++;
    }
    if (!k) {
        L->st->empty++;
        return;
    }
    rf_dcspec_item it = {L->bench, idtext, L->path, record, L->tp, L->tl, k};
    L->st->items++;
    L->fn(L->ctx, &it);
}

/* Sets L->id from the id path or the automatic names; empty when none. */
static void json_id(loader *L, const char *p, size_t n, size_t vs)
{
    rf_buf_reset(&L->id);
    rf_jpath_texts tmp = {0};
    if (L->has_id) {
        rf_jpath_collect(&L->idpath, p, n, vs, &tmp);
    } else {
        for (size_t k = 0; k < 4 && !tmp.n; k++)
            rf_jpath_collect(&L->autoid[k], p, n, vs, &tmp);
    }
    if (tmp.n)
        rf_buf_add(&L->id, tmp.buf.p + tmp.off[0], tmp.len[0]);
    rf_jpath_texts_release(&tmp);
}

static void json_record(loader *L, const char *p, size_t n, size_t vs, uint64_t record,
                        uint64_t sub)
{
    rf_jpath_texts_reset(&L->texts);
    for (size_t f = 0; f < L->s->nfields; f++)
        if (rf_jpath_collect(&L->fields[f], p, n, vs, &L->texts))
            L->hits[f]++;
    json_id(L, p, n, vs);
    if (!L->id.len) {
        if (sub)
            rf_buf_addf(&L->id, "%s:%llu:%llu", L->stem, (unsigned long long)record,
                        (unsigned long long)sub);
        else
            rf_buf_addf(&L->id, "%s:%llu", L->stem, (unsigned long long)record);
    }
    emit(L, record, L->id.p);
}

typedef struct rec_ctx {
    loader *L;
    uint64_t line; /* JSONL line, 0 for JSON files */
    uint64_t k;
} rec_ctx;

static int record_fn(void *ctx, const char *p, size_t vs, size_t ve)
{
    rec_ctx *r = ctx;
    r->k++;
    if (r->line)
        json_record(r->L, p, ve, vs, r->line, r->k);
    else
        json_record(r->L, p, ve, vs, ++r->L->recno, 0);
    return 0;
}

static int load_jsonl(loader *L, const char *data, size_t n, rf_err *err)
{
    size_t i = 0;
    uint64_t line = 0;
    while (i < n) {
        const char *nl = memchr(data + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - data) : n;
        line++;
        size_t le = e;
        if (le > i && data[le - 1] == '\r')
            le--;
        size_t s = rf_json_skip_ws(data, le, i);
        if (s < le) {
            rf_json_error je;
            if (rf_json_validate(data + s, le - s, &je) != 0)
                return rf_errf(err, RF_EFORMAT, "%s:%llu: invalid JSON at column %zu: %s", L->path,
                               (unsigned long long)line, je.off + 1 + (s - i), je.what);
            if (L->has_record) {
                rec_ctx r = {L, line, 0};
                rf_jpath_walk(&L->record, data + s, le - s, 0, record_fn, &r);
            } else {
                json_record(L, data + s, le - s, 0, line, 0);
            }
        }
        i = e + 1;
    }
    return 0;
}

static int load_json(loader *L, const char *data, size_t n, rf_err *err)
{
    rf_json_error je;
    if (rf_json_validate(data, n, &je) != 0) {
        size_t line = 1;
        for (size_t k = 0; k < je.off && k < n; k++)
            line += data[k] == '\n';
        return rf_errf(err, RF_EFORMAT, "%s:%zu: invalid JSON: %s", L->path, line, je.what);
    }
    size_t s = rf_json_skip_ws(data, n, 0);
    rec_ctx r = {L, 0, 0};
    L->recno = 0;
    if (L->has_record) {
        rf_jpath_walk(&L->record, data, n, s, record_fn, &r);
    } else if (s < n && data[s] == '[') {
        rf_jpath each;
        rf_jpath_parse(&each, "[]", 2, NULL);
        rf_jpath_walk(&each, data, n, s, record_fn, &r);
        rf_jpath_release(&each);
    } else {
        record_fn(&r, data, s, n);
    }
    return 0;
}

static int column_of(const rf_csv *hdr, int header, const char *name, const char *path,
                     size_t *col, rf_err *err)
{
    if (name[0] == '#' && name[1]) {
        char *end;
        unsigned long v = strtoul(name + 1, &end, 10);
        if (*end || v < 1 || v > 100000)
            return rf_errf(err, RF_EUSAGE, "%s: bad column number '%s' (#1 is the first)", path,
                           name);
        *col = v - 1;
        return 0;
    }
    if (!header)
        return rf_errf(err, RF_EUSAGE, "%s: header=no: name columns as #1, #2, ... (not '%s')",
                       path, name);
    size_t nl = strlen(name);
    for (size_t k = 0; k < hdr->nfields; k++) {
        size_t l;
        const char *f = rf_csv_field(hdr, k, &l);
        if (l == nl && !memcmp(f, name, nl)) {
            *col = k;
            return 0;
        }
    }
    rf_buf cols = RF_BUF_INIT;
    for (size_t k = 0; k < hdr->nfields && k < 20; k++) {
        size_t l;
        const char *f = rf_csv_field(hdr, k, &l);
        rf_buf_addf(&cols, "%s%.*s", k ? ", " : "", (int)(l > 40 ? 40 : l), f);
    }
    int rc = rf_errf(err, RF_EUSAGE, "%s: no column '%s' in the header (columns: %s)", path, name,
                     cols.p ? cols.p : "");
    rf_buf_release(&cols);
    return rc;
}

static int load_csv(loader *L, const char *data, size_t n, char delim, rf_err *err)
{
    rf_csv c, hdr;
    rf_csv_init(&c, data, n, delim);
    rf_csv_init(&hdr, "", 0, delim);
    size_t *cols = rf_xcalloc(L->s->nfields, sizeof *cols);
    size_t idcol = 0;
    int has_id = 0;
    int rc = 0;
    if (L->s->header) {
        rc = rf_csv_next(&c, L->path, err);
        if (rc < 0)
            goto out;
        if (rc == 0) {
            rc = rf_errf(err, RF_EFORMAT, "%s: empty file (no header row)", L->path);
            goto out;
        }
        /* Keep the header: swap the parsed record into hdr. */
        rf_csv tmp = hdr;
        hdr = c;
        c = tmp;
        c.p = hdr.p;
        c.n = hdr.n;
        c.i = hdr.i;
        c.line = hdr.line;
        c.delim = delim;
    }
    for (size_t f = 0; f < L->s->nfields; f++) {
        rc = column_of(&hdr, L->s->header, L->s->fields[f], L->path, &cols[f], err);
        if (rc)
            goto out;
    }
    if (L->s->id) {
        rc = column_of(&hdr, L->s->header, L->s->id, L->path, &idcol, err);
        if (rc)
            goto out;
        has_id = 1;
    } else if (L->s->header) {
        for (size_t k = 0; k < 4 && !has_id; k++)
            if (column_of(&hdr, 1, auto_ids[k], L->path, &idcol, NULL) == 0)
                has_id = 1;
    }
    for (;;) {
        rc = rf_csv_next(&c, L->path, err);
        if (rc <= 0)
            break;
        rf_jpath_texts_reset(&L->texts);
        for (size_t f = 0; f < L->s->nfields; f++) {
            if (cols[f] < c.nfields) {
                size_t l;
                const char *v = rf_csv_field(&c, cols[f], &l);
                rf_jpath_texts_add(&L->texts, v, l);
                L->hits[f]++;
            }
        }
        rf_buf_reset(&L->id);
        if (has_id && idcol < c.nfields) {
            size_t l;
            const char *v = rf_csv_field(&c, idcol, &l);
            rf_jpath_texts tmp = {0};
            rf_jpath_texts_add(&tmp, v, l); /* repairs ill-formed UTF-8 */
            rf_buf_add(&L->id, tmp.buf.p ? tmp.buf.p : "", tmp.buf.len);
            rf_jpath_texts_release(&tmp);
        }
        if (!L->id.len)
            rf_buf_addf(&L->id, "%s:%llu", L->stem, (unsigned long long)c.row_line);
        emit(L, c.row_line, L->id.p);
    }
out:
    free(cols);
    rf_csv_release(&c);
    rf_csv_release(&hdr);
    return rc < 0 ? rc : 0;
}

static int load_file(loader *L, const char *path, rf_err *err)
{
    int fmt = L->s->format ? L->s->format : detect_format(path);
    if (fmt == RF_DCSPEC_AUTO)
        return rf_errf(err, RF_EUSAGE,
                       "%s: cannot tell the format from the name; add ?format=jsonl|json|csv|tsv",
                       path);
    if (L->has_record && (fmt == RF_DCSPEC_CSV || fmt == RF_DCSPEC_TSV))
        return rf_errf(err, RF_EUSAGE, "spec '%s': a RECORD/ path needs JSON input", L->s->text);
    char *data = NULL;
    size_t n = 0;
    int rc = rf_dcspec_read_file(path, &data, &n, err);
    if (rc)
        return rc;
    L->path = path;
    free(L->stem);
    L->stem = rf_dcspec_stem(path);
    L->bench = L->s->name ? L->s->name : L->stem;
    L->st->files++;
    L->st->bytes += n;
    uint64_t repaired0 = L->texts.repaired;
    memset(L->hits, 0, L->s->nfields * sizeof *L->hits);
    uint64_t records0 = L->st->records;
    if (fmt == RF_DCSPEC_JSONL)
        rc = load_jsonl(L, data, n, err);
    else if (fmt == RF_DCSPEC_JSON)
        rc = load_json(L, data, n, err);
    else
        rc = load_csv(L, data, n, fmt == RF_DCSPEC_CSV ? ',' : '\t', err);
    free(data);
    L->st->utf8_repaired += L->texts.repaired - repaired0;
    if (rc)
        return rc;
    /* A field that no record has is almost always a typo. */
    if (L->st->records > records0)
        for (size_t f = 0; f < L->s->nfields; f++)
            if (!L->hits[f])
                return rf_errf(err, RF_EUSAGE, "%s: field '%s' found in no record", path,
                               L->s->fields[f]);
    if (L->st->records == records0)
        return rf_errf(err, RF_EFORMAT, "%s: no records%s", path,
                       L->has_record ? " (does the RECORD/ path match?)" : "");
    return 0;
}

int rf_dcspec_load(const rf_dcspec *s, const char *base, rf_dcspec_fn fn, void *ctx,
                   rf_dcspec_stats *st, rf_err *err)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.s = s;
    L.fn = fn;
    L.ctx = ctx;
    L.st = st;
    glob_t g;
    memset(&g, 0, sizeof g);
    int globbed = 0;
    rf_buf pat = RF_BUF_INIT;
    int rc = 0;
    L.fields = rf_xcalloc(s->nfields, sizeof *L.fields);
    L.hits = rf_xcalloc(s->nfields, sizeof *L.hits);
    size_t nparsed = 0;
    for (; nparsed < s->nfields; nparsed++) {
        const char *fl = s->fields[nparsed];
        rc = rf_jpath_parse(&L.fields[nparsed], fl, strlen(fl), err);
        if (rc)
            goto out;
    }
    if (s->record) {
        rc = rf_jpath_parse(&L.record, s->record, strlen(s->record), err);
        if (rc)
            goto out;
        L.has_record = 1;
    }
    if (s->id) {
        rc = rf_jpath_parse(&L.idpath, s->id, strlen(s->id), err);
        if (rc)
            goto out;
        L.has_id = 1;
    }
    for (size_t k = 0; k < 4; k++)
        rf_jpath_parse(&L.autoid[k], auto_ids[k], strlen(auto_ids[k]), NULL);
    if (base && base[0] && s->pattern[0] != '/')
        rf_buf_addf(&pat, "%s/%s", base, s->pattern);
    else
        rf_buf_adds(&pat, s->pattern);
    int grc = glob(pat.p, 0, NULL, &g);
    globbed = 1;
    if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0)) {
        rc = rf_errf(err, RF_EIO, "spec '%s': no file matches %s", s->text, pat.p);
        goto out;
    }
    if (grc != 0) {
        rc = rf_errf(err, RF_EIO, "spec '%s': cannot expand %s", s->text, pat.p);
        goto out;
    }
    for (size_t i = 0; i < g.gl_pathc && !rc; i++)
        rc = load_file(&L, g.gl_pathv[i], err);
out:
    if (globbed)
        globfree(&g);
    rf_buf_release(&pat);
    for (size_t i = 0; i < nparsed; i++)
        rf_jpath_release(&L.fields[i]);
    free(L.fields);
    free(L.hits);
    rf_jpath_release(&L.record);
    rf_jpath_release(&L.idpath);
    for (size_t k = 0; k < 4; k++)
        rf_jpath_release(&L.autoid[k]);
    rf_jpath_texts_release(&L.texts);
    rf_buf_release(&L.id);
    free(L.stem);
    free(L.tp);
    free(L.tl);
    return rc;
}
