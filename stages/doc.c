/* doc.c — parsing one JSON Lines record into an rf_doc (fields as raw slices,
 * the text/id/refine fields located, UTF-8 policy applied), the annotation
 * list, and writing documents and reject records back as JSONL. */
#include "stages/doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stages/json.h"
#include "stages/utf8.h"

static void pe_set(rf_parse_error *pe, rf_arena *a, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void pe_set(rf_parse_error *pe, rf_arena *a, const char *reason, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    pe->reason = reason;
    pe->detail = rf_arena_strndup(a, tmp, strlen(tmp));
}

/* Does the raw quoted key equal name? Keys with escapes are decoded first. */
static int key_is(const char *key, size_t klen, unsigned kflags, const char *name)
{
    size_t nlen = strlen(name);
    const char *k = key + 1;
    size_t kl = klen - 2;
    if (!(kflags & RF_JSTR_ESCAPE))
        return kl == nlen && memcmp(k, name, nlen) == 0;
    if (kl > 256)
        return 0;
    char tmp[256];
    size_t m = rf_json_unescape(k, kl, tmp);
    return m == nlen && memcmp(tmp, name, nlen) == 0;
}

static rf_field *push_field(rf_doc *d, rf_arena *a, uint32_t *cap)
{
    if (d->nfields == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        rf_field *nf = rf_arena_alloc(a, nc * sizeof *nf);
        if (d->nfields)
            memcpy(nf, d->fields, d->nfields * sizeof *nf);
        d->fields = nf;
        *cap = nc;
    }
    return &d->fields[d->nfields++];
}

static void push_annot(rf_doc *d, const char *k, size_t kl, const char *v, size_t vl)
{
    if (d->nannots == d->cap_annots) {
        uint32_t nc = d->cap_annots ? d->cap_annots * 2 : 8;
        rf_annot *na = rf_arena_alloc(d->arena, nc * sizeof *na);
        if (d->nannots)
            memcpy(na, d->annots, d->nannots * sizeof *na);
        d->annots = na;
        d->cap_annots = nc;
    }
    rf_annot *an = &d->annots[d->nannots++];
    an->key = k;
    an->klen = (uint32_t)kl;
    an->val = v;
    an->vlen = (uint32_t)vl;
}

/* Loads the members of an input "refine" object as annotations. */
static int load_refine(rf_doc *d, const char *v, size_t n)
{
    size_t i = rf_json_skip_ws(v, n, 1);
    if (i < n && v[i] == '}')
        return 0;
    for (;;) {
        unsigned f = 0;
        size_t k0 = i;
        if (i >= n || v[i] != '"' || rf_json_scan_string(v, n, &i, &f, NULL))
            return -1;
        size_t k1 = i;
        i = rf_json_skip_ws(v, n, i);
        if (i >= n || v[i] != ':')
            return -1;
        i = rf_json_skip_ws(v, n, i + 1);
        size_t v0 = i;
        rf_json_type t;
        if (rf_json_scan_value(v, n, &i, &t, NULL, NULL))
            return -1;
        push_annot(d, v + k0, k1 - k0, v + v0, i - v0);
        i = rf_json_skip_ws(v, n, i);
        if (i < n && v[i] == ',') {
            i = rf_json_skip_ws(v, n, i + 1);
            continue;
        }
        return (i < n && v[i] == '}') ? 0 : -1;
    }
}

int rf_doc_parse(rf_doc *d, const char *line, size_t n, const rf_docfmt *fmt, rf_arena *a,
                 rf_parse_error *pe)
{
    return rf_doc_parse_flags(d, line, n, fmt, 0, a, pe);
}

int rf_doc_parse_flags(rf_doc *d, const char *line, size_t n, const rf_docfmt *fmt,
                       unsigned flags, rf_arena *a, rf_parse_error *pe)
{
    d->line = line;
    d->line_len = n;
    d->fields = NULL;
    d->nfields = 0;
    d->text_idx = d->id_idx = d->refine_idx = -1;
    d->text = NULL;
    d->text_len = 0;
    d->text_flags = 0;
    d->text_ready = d->text_edited = d->utf8_repaired = 0;
    d->id = NULL;
    d->id_len = 0;
    d->annots = NULL;
    d->nannots = d->cap_annots = 0;
    d->reject_stage = d->reject_reason = d->reject_detail = NULL;
    d->no_reject_detail = 0;
    d->payload = NULL;
    d->arena = a;
    d->out_index = 0;

    rf_json_error je = {0, NULL};
    uint32_t cap = 0;
    unsigned text_flags = 0;
    size_t i = rf_json_skip_ws(line, n, 0);
    if (i >= n) {
        pe_set(pe, a, "empty_line", "blank line");
        return -1;
    }
    if (line[i] != '{') {
        rf_json_type t;
        size_t j = i;
        if (rf_json_scan_value(line, n, &j, &t, NULL, &je) == 0 &&
            rf_json_skip_ws(line, n, j) == n) {
            pe_set(pe, a, "not_object", "line is a JSON value but not an object");
            return -1;
        }
        goto malformed;
    }
    i = rf_json_skip_ws(line, n, i + 1);
    if (i < n && line[i] == '}') {
        i++;
    } else {
        for (;;) {
            if (i >= n || line[i] != '"') {
                je.off = i;
                je.what = "object key expected";
                goto malformed;
            }
            size_t k0 = i;
            unsigned kf = 0, vf = 0;
            if (rf_json_scan_string(line, n, &i, &kf, &je))
                goto malformed;
            size_t k1 = i;
            i = rf_json_skip_ws(line, n, i);
            if (i >= n || line[i] != ':') {
                je.off = i;
                je.what = "':' expected after object key";
                goto malformed;
            }
            i = rf_json_skip_ws(line, n, i + 1);
            size_t v0 = i;
            rf_json_type t;
            if (rf_json_scan_value(line, n, &i, &t, &vf, &je))
                goto malformed;
            rf_field *fl = push_field(d, a, &cap);
            fl->key = line + k0;
            fl->klen = (uint32_t)(k1 - k0);
            fl->val = line + v0;
            fl->vlen = (uint32_t)(i - v0);
            fl->type = (unsigned char)t;
            int32_t idx = (int32_t)d->nfields - 1;
            int which = 0;
            if (key_is(fl->key, fl->klen, kf, fmt->text_field))
                which = 1;
            else if (key_is(fl->key, fl->klen, kf, fmt->id_field))
                which = 2;
            else if (key_is(fl->key, fl->klen, kf, "refine"))
                which = 3;
            int32_t *slot = which == 1 ? &d->text_idx : which == 2 ? &d->id_idx
                          : which == 3 ? &d->refine_idx : NULL;
            if (slot) {
                if (*slot >= 0) {
                    pe_set(pe, a, "duplicate_field", "field %.*s appears twice", (int)fl->klen,
                           fl->key);
                    return -1;
                }
                *slot = idx;
            }
            if (which == 1) {
                text_flags = vf;
            } else if ((kf | vf) & RF_JSTR_BADUTF8) {
                /* Ill-formed bytes in a pass-through field: repairing them
                 * inside the raw JSON keeps it valid JSON. */
                if (fmt->utf8 == RF_UTF8_REJECT) {
                    pe_set(pe, a, "invalid_utf8", "ill-formed UTF-8 in field %.*s",
                           (int)fl->klen, fl->key);
                    return -1;
                }
                char *kb = rf_arena_alloc(a, 3 * (size_t)fl->klen);
                fl->klen = (uint32_t)rf_utf8_repair(fl->key, fl->klen, kb, NULL);
                fl->key = kb;
                char *vb = rf_arena_alloc(a, 3 * (size_t)fl->vlen);
                fl->vlen = (uint32_t)rf_utf8_repair(fl->val, fl->vlen, vb, NULL);
                fl->val = vb;
                d->utf8_repaired = 1;
            }
            i = rf_json_skip_ws(line, n, i);
            if (i < n && line[i] == ',') {
                i = rf_json_skip_ws(line, n, i + 1);
                continue;
            }
            if (i < n && line[i] == '}') {
                i++;
                break;
            }
            je.off = i;
            je.what = "',' or '}' expected";
            goto malformed;
        }
    }
    i = rf_json_skip_ws(line, n, i);
    if (i != n) {
        je.off = i;
        je.what = "trailing bytes after the object";
        goto malformed;
    }

    if (d->text_idx < 0 && !(flags & RF_PARSE_TEXT_OPTIONAL)) {
        pe_set(pe, a, "no_text", "no \"%s\" field", fmt->text_field);
        return -1;
    }
    const rf_field *tf = d->text_idx >= 0 ? &d->fields[d->text_idx] : NULL;
    if (tf && tf->type != RF_JSON_STRING) {
        pe_set(pe, a, "text_not_string", "\"%s\" is not a string", fmt->text_field);
        return -1;
    }
    if (d->refine_idx >= 0) {
        const rf_field *rfl = &d->fields[d->refine_idx];
        if (rfl->type != RF_JSON_OBJECT || load_refine(d, rfl->val, rfl->vlen)) {
            pe_set(pe, a, "bad_refine_field", "\"refine\" is not an object");
            return -1;
        }
    }
    if (d->id_idx >= 0) {
        const rf_field *idf = &d->fields[d->id_idx];
        if (idf->type == RF_JSON_STRING) {
            /* Decode the id; ids with escapes are rare. */
            size_t m = idf->vlen - 2;
            if (memchr(idf->val + 1, '\\', m)) {
                char *b = rf_arena_alloc(a, m + 1);
                d->id_len = rf_json_unescape(idf->val + 1, m, b);
                d->id = b;
            } else {
                d->id = idf->val + 1;
                d->id_len = m;
            }
        } else if (idf->type == RF_JSON_NUMBER) {
            d->id = idf->val;
            d->id_len = idf->vlen;
        }
    }

    d->text_flags = text_flags;
    if (!tf) {
        d->text = "";
        d->text_len = 0;
        d->text_ready = 1;
        return 0;
    }
    const char *raw = tf->val + 1;
    size_t rawlen = tf->vlen - 2;
    if (text_flags & (RF_JSTR_BADUTF8 | RF_JSTR_SURROGATE)) {
        if (fmt->utf8 == RF_UTF8_REJECT) {
            pe_set(pe, a, "invalid_utf8", "ill-formed UTF-8 in the text");
            return -1;
        }
        char *u = rf_arena_alloc(a, rawlen + 1);
        size_t ul = rf_json_unescape(raw, rawlen, u);
        char *r = rf_arena_alloc(a, 3 * ul + 1);
        d->text_len = rf_utf8_repair(u, ul, r, NULL);
        d->text = r;
        d->text_ready = 1;
        d->text_edited = 1;
        d->utf8_repaired = 1;
    } else if (!(text_flags & RF_JSTR_ESCAPE)) {
        d->text = raw;
        d->text_len = rawlen;
        d->text_ready = 1;
    }
    return 0;

malformed:
    pe_set(pe, a, "malformed_json", "column %zu: %s", je.off + 1, je.what ? je.what : "bad JSON");
    return -1;
}

const char *rf_doc_text(rf_doc *d, size_t *len)
{
    if (!d->text_ready) {
        const rf_field *tf = &d->fields[d->text_idx];
        size_t rawlen = tf->vlen - 2;
        char *u = rf_arena_alloc(d->arena, rawlen + 1);
        d->text_len = rf_json_unescape(tf->val + 1, rawlen, u);
        u[d->text_len] = '\0';
        d->text = u;
        d->text_ready = 1;
    }
    *len = d->text_len;
    return d->text;
}

void rf_doc_set_text(rf_doc *d, const char *p, size_t n)
{
    d->text = p;
    d->text_len = n;
    d->text_ready = 1;
    d->text_edited = 1;
}

/* Nothing in (s, n) to escape in a JSON string? */
static int json_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\')
            return 0;
    }
    return 1;
}

/* Sets the annotation whose key is the JSON string (qk, qkl) to the raw
 * value (val, vlen), already in the arena. */
static void annotate_set(rf_doc *d, const char *qk, size_t qkl, const char *val, size_t vlen)
{
    for (uint32_t i = 0; i < d->nannots; i++) {
        rf_annot *an = &d->annots[i];
        if (an->klen == qkl && memcmp(an->key, qk, qkl) == 0) {
            an->val = val;
            an->vlen = (uint32_t)vlen;
            return;
        }
    }
    push_annot(d, rf_arena_memdup(d->arena, qk, qkl), qkl, val, vlen);
}

/* Annotates with the key's JSON string: a plain key (the usual ASCII name)
 * is quoted on the stack, so that an annotation costs no malloc. */
static void annotate_key(rf_doc *d, const char *key, const char *val, size_t vlen)
{
    size_t kl = strlen(key);
    char q[128];
    if (kl + 2 <= sizeof q && json_plain(key, kl)) {
        q[0] = '"';
        memcpy(q + 1, key, kl);
        q[kl + 1] = '"';
        annotate_set(d, q, kl + 2, val, vlen);
        return;
    }
    rf_buf kb = RF_BUF_INIT;
    rf_buf_json_str(&kb, key, kl);
    annotate_set(d, kb.p, kb.len, val, vlen);
    rf_buf_release(&kb);
}

void rf_doc_annotate_raw(rf_doc *d, const char *key, const char *json, size_t n)
{
    annotate_key(d, key, rf_arena_memdup(d->arena, json, n), n);
}

void rf_doc_annotate_str(rf_doc *d, const char *key, const char *s, size_t n)
{
    if (json_plain(s, n)) { /* quoted straight into the arena */
        char *v = rf_arena_alloc(d->arena, n + 2);
        v[0] = '"';
        memcpy(v + 1, s, n);
        v[n + 1] = '"';
        annotate_key(d, key, v, n + 2);
        return;
    }
    rf_buf b = RF_BUF_INIT;
    rf_buf_json_str(&b, s, n);
    rf_doc_annotate_raw(d, key, b.p, b.len);
    rf_buf_release(&b);
}

void rf_doc_annotate_num(rf_doc *d, const char *key, double v, int digits)
{
    rf_buf b = RF_BUF_INIT;
    rf_buf_json_num(&b, v, digits);
    rf_doc_annotate_raw(d, key, b.p, b.len);
    rf_buf_release(&b);
}

void rf_doc_annotate_int(rf_doc *d, const char *key, int64_t v)
{
    rf_buf b = RF_BUF_INIT;
    rf_buf_json_int(&b, v);
    rf_doc_annotate_raw(d, key, b.p, b.len);
    rf_buf_release(&b);
}

const char *rf_doc_annotation(const rf_doc *d, const char *key, size_t *n)
{
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < d->nannots; i++) {
        const rf_annot *an = &d->annots[i];
        if (an->klen == kl + 2 && memcmp(an->key + 1, key, kl) == 0) {
            *n = an->vlen;
            return an->val;
        }
    }
    return NULL;
}

void rf_doc_reject(rf_doc *d, const char *reason, const char *detail_fmt, ...)
{
    d->reject_reason = reason;
    if (detail_fmt && !d->no_reject_detail) {
        va_list ap;
        va_start(ap, detail_fmt);
        char tmp[512];
        vsnprintf(tmp, sizeof tmp, detail_fmt, ap);
        va_end(ap);
        d->reject_detail = rf_arena_strndup(d->arena, tmp, strlen(tmp));
    } else {
        d->reject_detail = NULL;
    }
}

const char *rf_doc_field(const rf_doc *d, const char *name, size_t *n, int *type)
{
    for (uint32_t i = 0; i < d->nfields; i++) {
        const rf_field *f = &d->fields[i];
        if (key_is(f->key, f->klen, memchr(f->key, '\\', f->klen) ? RF_JSTR_ESCAPE : 0, name)) {
            *n = f->vlen;
            if (type)
                *type = f->type;
            return f->val;
        }
    }
    return NULL;
}

/* Writes the fields and opens/fills the refine object; returns whether a
 * refine object was opened (the caller closes it). */
static int write_body(rf_doc *d, rf_buf *out, int force_refine)
{
    /* One grow for the common case; escaping may still grow it. */
    rf_buf_grow(out, d->line_len + 64);
    rf_buf_addc(out, '{');
    int first = 1;
    for (uint32_t i = 0; i < d->nfields; i++) {
        if ((int32_t)i == d->refine_idx)
            continue;
        const rf_field *f = &d->fields[i];
        if (!first)
            rf_buf_addc(out, ',');
        first = 0;
        rf_buf_add(out, f->key, f->klen);
        rf_buf_addc(out, ':');
        if ((int32_t)i == d->text_idx && (d->text_edited || (d->text_flags & RF_JSTR_NONCANON))) {
            size_t tl;
            const char *t = rf_doc_text(d, &tl);
            rf_buf_json_str(out, t, tl);
        } else {
            rf_buf_add(out, f->val, f->vlen);
        }
    }
    if (!force_refine && d->nannots == 0 && d->refine_idx < 0)
        return 0;
    if (!first)
        rf_buf_addc(out, ',');
    rf_buf_add(out, "\"refine\":{", 10);
    for (uint32_t i = 0; i < d->nannots; i++) {
        if (i)
            rf_buf_addc(out, ',');
        rf_buf_add(out, d->annots[i].key, d->annots[i].klen);
        rf_buf_addc(out, ':');
        rf_buf_add(out, d->annots[i].val, d->annots[i].vlen);
    }
    return 1;
}

void rf_doc_write(rf_doc *d, rf_buf *out)
{
    if (write_body(d, out, 0))
        rf_buf_addc(out, '}');
    rf_buf_add(out, "}\n", 2);
}

/* Names and details can hold bytes from file names or cut-off text: they are
 * repaired so the record stays valid JSON. */
static void add_kv_str(rf_buf *out, const char *k, const char *v)
{
    rf_buf_addc(out, '"');
    rf_buf_adds(out, k);
    rf_buf_add(out, "\":", 2);
    size_t n = strlen(v);
    if (rf_utf8_check(v, n) == n) {
        rf_buf_json_str(out, v, n);
        return;
    }
    rf_buf tmp = RF_BUF_INIT;
    rf_buf_grow(&tmp, 3 * n);
    rf_buf_setlen(&tmp, rf_utf8_repair(v, n, tmp.p, NULL));
    rf_buf_json_str(out, tmp.p, tmp.len);
    rf_buf_release(&tmp);
}

void rf_doc_write_reject(rf_doc *d, rf_buf *out)
{
    write_body(d, out, 1);
    if (d->nannots)
        rf_buf_addc(out, ',');
    rf_buf_add(out, "\"reject\":{", 10);
    add_kv_str(out, "stage", d->reject_stage ? d->reject_stage : "");
    rf_buf_addc(out, ',');
    add_kv_str(out, "reason", d->reject_reason ? d->reject_reason : "");
    if (d->reject_detail) {
        rf_buf_addc(out, ',');
        add_kv_str(out, "detail", d->reject_detail);
    }
    rf_buf_add(out, "}}}\n", 4);
}

static void base64(rf_buf *out, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    rf_buf_addc(out, '"');
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63]};
        rf_buf_add(out, q, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], '=', '='};
        rf_buf_add(out, q, 4);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], '='};
        rf_buf_add(out, q, 4);
    }
    rf_buf_addc(out, '"');
}

void rf_write_malformed(rf_buf *out, const char *stage, const char *reason, const char *detail,
                        const char *input, uint64_t line_no, const char *raw, size_t n)
{
    rf_buf_adds(out, "{\"refine\":{\"reject\":{");
    add_kv_str(out, "stage", stage);
    rf_buf_addc(out, ',');
    add_kv_str(out, "reason", reason);
    if (detail) {
        rf_buf_addc(out, ',');
        add_kv_str(out, "detail", detail);
    }
    rf_buf_addc(out, ',');
    add_kv_str(out, "input", input ? input : "-");
    rf_buf_adds(out, ",\"line\":");
    rf_buf_json_uint(out, line_no);
    if (rf_utf8_check(raw, n) == n) {
        rf_buf_adds(out, ",\"raw\":");
        rf_buf_json_str(out, raw, n);
    } else {
        rf_buf_adds(out, ",\"raw_base64\":");
        base64(out, (const unsigned char *)raw, n);
    }
    rf_buf_add(out, "}}}\n", 4);
}
