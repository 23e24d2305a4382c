/* packbounds.c — the PREFIX.bounds.jsonl side file of packed datasets
 * (format in packbounds.h): the one formatter pack and merge write lines
 * with, and a strict line-by-line reader for merge and inspect.
 *
 * The reader is strict because merge re-emits what it reads: a line must
 * have exactly the five keys, integers must be plain non-negative decimals,
 * and the invariants the packers guarantee (seq = line number, one N for
 * every line, parts back to back covering `tokens`, dense document
 * numbers) are checked, so a side file that does not belong to its dataset,
 * was cut short or edited by hand is an error naming the line, not a
 * silently wrong merged file. Group and id values are kept as raw spans of
 * the input (any JSON value), never decoded, so formatting a line that was
 * read gives back its bytes. Document numbers are checked against the file
 * size (a dense numbering cannot exceed the number of parts, each of which
 * takes more than one byte), which bounds the two bitmaps over them. */
#define _POSIX_C_SOURCE 200809L
#include "tokenizer/packbounds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/json.h"

/* Decimal without printf: merge formats a few numbers per part, and
 * snprintf dominated its time. */
static void put_uint(rf_buf *b, uint64_t v)
{
    char tmp[20];
    size_t k = sizeof tmp;
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    rf_buf_add(b, tmp + k, sizeof tmp - k);
}

static void put_raw(rf_buf *b, const char *v, size_t n)
{
    if (v)
        rf_buf_add(b, v, n);
    else
        rf_buf_adds(b, "null");
}

void rf_bounds_format(rf_buf *b, const rf_bounds_line *l, uint64_t seq_base,
                      uint64_t doc_base)
{
    rf_buf_adds(b, "{\"seq\": ");
    put_uint(b, seq_base + l->seq);
    rf_buf_adds(b, ", \"group\": ");
    put_raw(b, l->group, l->group_len);
    rf_buf_adds(b, ", \"tokens\": ");
    put_uint(b, l->tokens);
    rf_buf_adds(b, ", \"pad\": ");
    put_uint(b, l->pad);
    rf_buf_adds(b, ", \"docs\": [");
    for (size_t k = 0; k < l->nparts; k++) {
        const rf_pack_part *p = &l->parts[k];
        const uint64_t tail[3] = {p->offset, p->start, p->len};
        rf_buf_adds(b, k ? ", [" : "[");
        put_uint(b, doc_base + p->doc);
        rf_buf_adds(b, ", ");
        put_raw(b, p->id, p->id_len);
        for (int j = 0; j < 3; j++) {
            rf_buf_adds(b, ", ");
            put_uint(b, tail[j]);
        }
        rf_buf_addc(b, ']');
    }
    rf_buf_adds(b, "]}\n");
}

void rf_bounds_scan_init(rf_bounds_scan *s, const char *p, size_t n, const char *name,
                         uint32_t seq_len)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->n = n;
    s->name = name;
    s->seq_len = seq_len;
}

void rf_bounds_scan_release(rf_bounds_scan *s)
{
    free(s->pv);
    free(s->seen);
    free(s->split);
    rf_file_map_close(&s->map);
    free(s->path);
    memset(s, 0, sizeof *s);
}

/* ---- one line ---- */

typedef struct lexer {
    const char *p;
    size_t n, i;
    const char *why; /* static message of the first problem */
} lexer;

static int expect(lexer *x, char c)
{
    x->i = rf_json_skip_ws(x->p, x->n, x->i);
    if (x->i < x->n && x->p[x->i] == c) {
        x->i++;
        return 0;
    }
    if (!x->why) {
        static const char *const msg[] = {"expected '{'", "expected ':'", "expected ','",
                                          "expected '['", "expected ']'", "expected '}'",
                                          "unexpected character"};
        static const char chars[] = "{:,[]}";
        const char *q = strchr(chars, c);
        x->why = msg[q ? q - chars : 6];
    }
    return -1;
}

/* A plain non-negative decimal integer (what rf_buf_json_uint writes). */
static int uint_val(lexer *x, uint64_t max, uint64_t *v)
{
    x->i = rf_json_skip_ws(x->p, x->n, x->i);
    size_t d0 = x->i;
    uint64_t r = 0;
    while (x->i < x->n && x->p[x->i] >= '0' && x->p[x->i] <= '9') {
        unsigned dg = (unsigned)(x->p[x->i] - '0');
        if (r > (max - dg) / 10) {
            x->why = "a number out of range";
            return -1;
        }
        r = r * 10 + dg;
        x->i++;
    }
    if (x->i == d0 || (x->i - d0 > 1 && x->p[d0] == '0') ||
        (x->i < x->n && (x->p[x->i] == '.' || x->p[x->i] == 'e' || x->p[x->i] == 'E'))) {
        x->why = "a value that is not a non-negative integer";
        return -1;
    }
    *v = r;
    return 0;
}

/* Any JSON value as a raw span; NULL for null. */
static int raw_val(lexer *x, const char **v, size_t *vn)
{
    x->i = rf_json_skip_ws(x->p, x->n, x->i);
    size_t v0 = x->i;
    rf_json_type t;
    rf_json_error e;
    if (rf_json_scan_value(x->p, x->n, &x->i, &t, NULL, &e)) {
        x->why = e.what;
        return -1;
    }
    *v = t == RF_JSON_NULL ? NULL : x->p + v0;
    *vn = t == RF_JSON_NULL ? 0 : x->i - v0;
    return 0;
}

static int part_val(lexer *x, rf_pack_part *pt)
{
    uint64_t doc, off, start, len;
    if (expect(x, '[') || uint_val(x, UINT64_MAX, &doc) || expect(x, ',') ||
        raw_val(x, &pt->id, &pt->id_len) || expect(x, ',') ||
        uint_val(x, UINT64_MAX, &off) || expect(x, ',') ||
        uint_val(x, UINT32_MAX, &start) || expect(x, ',') ||
        uint_val(x, UINT32_MAX, &len) || expect(x, ']'))
        return -1;
    pt->doc = doc;
    pt->offset = off;
    pt->start = (uint32_t)start;
    pt->len = (uint32_t)len;
    return 0;
}

static int parts_val(rf_bounds_scan *s, lexer *x, size_t *np)
{
    *np = 0;
    if (expect(x, '['))
        return -1;
    x->i = rf_json_skip_ws(x->p, x->n, x->i);
    if (x->i < x->n && x->p[x->i] == ']') {
        x->i++;
        return 0;
    }
    for (;;) {
        if (*np == s->pcap) {
            s->pcap = s->pcap ? 2 * s->pcap : 16;
            s->pv = rf_xrealloc(s->pv, s->pcap * sizeof *s->pv);
        }
        if (part_val(x, &s->pv[*np]))
            return -1;
        (*np)++;
        x->i = rf_json_skip_ws(x->p, x->n, x->i);
        if (x->i < x->n && x->p[x->i] == ',') {
            x->i++;
            continue;
        }
        return expect(x, ']');
    }
}

enum { K_SEQ = 1, K_GROUP = 2, K_TOKENS = 4, K_PAD = 8, K_DOCS = 16, K_ALL = 31 };

/* Parses the object of one line into l (parts into s->pv). */
static int parse_line(rf_bounds_scan *s, lexer *x, rf_bounds_line *l)
{
    unsigned have = 0;
    uint64_t v;
    if (expect(x, '{'))
        return -1;
    for (;;) {
        x->i = rf_json_skip_ws(x->p, x->n, x->i);
        size_t k0 = x->i + 1;
        unsigned fl = 0;
        rf_json_error e;
        if (x->i >= x->n || x->p[x->i] != '"') {
            x->why = "expected a key";
            return -1;
        }
        if (rf_json_scan_string(x->p, x->n, &x->i, &fl, &e)) {
            x->why = e.what;
            return -1;
        }
        size_t kn = x->i - 1 - k0;
        const char *k = x->p + k0;
        unsigned key = kn == 3 && !memcmp(k, "seq", 3)      ? K_SEQ
                       : kn == 5 && !memcmp(k, "group", 5)  ? K_GROUP
                       : kn == 6 && !memcmp(k, "tokens", 6) ? K_TOKENS
                       : kn == 3 && !memcmp(k, "pad", 3)    ? K_PAD
                       : kn == 4 && !memcmp(k, "docs", 4)   ? K_DOCS
                                                            : 0;
        if (!key) {
            x->why = "an unknown key";
            return -1;
        }
        if (have & key) {
            x->why = "a repeated key";
            return -1;
        }
        have |= key;
        if (expect(x, ':'))
            return -1;
        int rc = 0;
        switch (key) {
        case K_SEQ:
            rc = uint_val(x, UINT64_MAX, &l->seq);
            break;
        case K_GROUP:
            rc = raw_val(x, &l->group, &l->group_len);
            break;
        case K_TOKENS:
        case K_PAD:
            if (!(rc = uint_val(x, UINT32_MAX, &v)))
                *(key == K_TOKENS ? &l->tokens : &l->pad) = (uint32_t)v;
            break;
        default:
            rc = parts_val(s, x, &l->nparts);
            break;
        }
        if (rc)
            return -1;
        x->i = rf_json_skip_ws(x->p, x->n, x->i);
        if (x->i < x->n && x->p[x->i] == ',') {
            x->i++;
            continue;
        }
        if (expect(x, '}'))
            return -1;
        break;
    }
    if (have != K_ALL) {
        x->why = "a missing key (seq, group, tokens, pad and docs are required)";
        return -1;
    }
    if (rf_json_skip_ws(x->p, x->n, x->i) != x->n) {
        x->why = "text after the object";
        return -1;
    }
    l->parts = s->pv;
    return 0;
}

static void mark(rf_bounds_scan *s, uint64_t **bits, uint64_t doc)
{
    size_t w = (size_t)(doc >> 6);
    if (w >= s->words) {
        size_t nw = s->words ? s->words : 16;
        while (nw <= w)
            nw *= 2;
        s->seen = rf_xrealloc(s->seen, nw * sizeof *s->seen);
        s->split = rf_xrealloc(s->split, nw * sizeof *s->split);
        memset(s->seen + s->words, 0, (nw - s->words) * sizeof *s->seen);
        memset(s->split + s->words, 0, (nw - s->words) * sizeof *s->split);
        s->words = nw;
    }
    (*bits)[w] |= 1ull << (doc & 63);
}

int rf_bounds_scan_next(rf_bounds_scan *s, rf_bounds_line *l, rf_err *err)
{
    if (s->pos >= s->n)
        return 0;
    const char *q = s->p + s->pos;
    const char *nl = memchr(q, '\n', s->n - s->pos);
    size_t len = nl ? (size_t)(nl - q) : s->n - s->pos;
    s->pos += len + (nl ? 1 : 0);
    unsigned long long ln = (unsigned long long)s->lines + 1;
    lexer x = {q, len, 0, NULL};
    memset(l, 0, sizeof *l);
    if (parse_line(s, &x, l))
        return rf_errf(err, RF_EFORMAT, "%s:%llu: not a side-file line: %s (at byte %zu)",
                       s->name, ln, x.why ? x.why : "malformed", x.i);
    if (l->seq != s->lines)
        return rf_errf(err, RF_EFORMAT, "%s:%llu: \"seq\" is %llu, expected %llu (one line per "
                       "sequence, in order)", s->name, ln, (unsigned long long)l->seq,
                       (unsigned long long)s->lines);
    uint64_t slen = (uint64_t)l->tokens + l->pad;
    if (slen == 0 || slen > UINT32_MAX)
        return rf_errf(err, RF_EFORMAT, "%s:%llu: tokens + pad = %llu is not a sequence length",
                       s->name, ln, (unsigned long long)slen);
    if (!s->seq_len)
        s->seq_len = (uint32_t)slen;
    else if (slen != s->seq_len)
        return rf_errf(err, RF_EFORMAT, "%s:%llu: a sequence of %llu tokens (tokens + pad), "
                       "expected %u", s->name, ln, (unsigned long long)slen, s->seq_len);
    if (!l->nparts)
        return rf_errf(err, RF_EFORMAT, "%s:%llu: a sequence without documents", s->name, ln);
    uint64_t at = 0;
    for (size_t k = 0; k < l->nparts; k++) {
        const rf_pack_part *p = &l->parts[k];
        if (p->start != at || p->len == 0 || (uint64_t)p->len > l->tokens - at)
            return rf_errf(err, RF_EFORMAT, "%s:%llu: part %zu at %u of length %u: parts must "
                           "follow each other from position 0 within the %u tokens", s->name,
                           ln, k, p->start, p->len, l->tokens);
        at += p->len;
        /* Dense numbering never exceeds the parts, and every part takes
         * more than one byte: this bounds the bitmaps by the file size. */
        if (p->doc >= s->n)
            return rf_errf(err, RF_EFORMAT, "%s:%llu: document number %llu is beyond any dense "
                           "numbering a file of %zu bytes can hold", s->name, ln,
                           (unsigned long long)p->doc, s->n);
        mark(s, &s->seen, p->doc);
        if (p->offset)
            mark(s, &s->split, p->doc);
        if (p->doc >= s->docs)
            s->docs = p->doc + 1;
    }
    if (at != l->tokens)
        return rf_errf(err, RF_EFORMAT, "%s:%llu: the parts hold %llu tokens, \"tokens\" says %u",
                       s->name, ln, (unsigned long long)at, l->tokens);
    s->lines++;
    s->parts += l->nparts;
    s->tokens += l->tokens;
    s->pad_tokens += l->pad;
    return 1;
}

int rf_bounds_scan_end(rf_bounds_scan *s, rf_err *err)
{
    uint64_t split = 0;
    for (uint64_t d = 0; d < s->docs; d += 64) {
        uint64_t want = s->docs - d >= 64 ? ~0ull : (1ull << (s->docs - d)) - 1;
        uint64_t got = s->seen[d >> 6] & want;
        if (got != want) {
            uint64_t miss = d + (uint64_t)__builtin_ctzll(~got & want);
            return rf_errf(err, RF_EFORMAT, "%s: document %llu appears in no sequence, but "
                           "document %llu does: the documents of a packed dataset are numbered "
                           "0..D-1 without gaps (side file written by an older refine-pack, "
                           "or edited?)", s->name, (unsigned long long)miss,
                           (unsigned long long)(s->docs - 1));
        }
        split += (uint64_t)__builtin_popcountll(s->split[d >> 6] & want);
    }
    s->split_docs = split;
    return 0;
}

char *rf_bounds_path(const char *prefix)
{
    size_t n = strlen(prefix);
    char *p = rf_xmalloc(n + sizeof ".bounds.jsonl");
    memcpy(p, prefix, n);
    memcpy(p + n, ".bounds.jsonl", sizeof ".bounds.jsonl");
    return p;
}

int rf_bounds_open(rf_bounds_scan *s, const char *prefix, uint32_t seq_len, rf_err *err)
{
    char *path = rf_bounds_path(prefix);
    rf_file_map map;
    int rc = rf_file_map_open(&map, path, err);
    if (rc) {
        free(path);
        rf_bounds_scan_init(s, NULL, 0, NULL, seq_len);
        return rc;
    }
    rf_bounds_scan_init(s, map.p, map.n, path, seq_len);
    s->map = map;
    s->path = path;
    return 0;
}

int rf_bounds_exists(const char *prefix)
{
    char *path = rf_bounds_path(prefix);
    struct stat st;
    int r = stat(path, &st) == 0;
    free(path);
    return r;
}

int rf_bounds_remove_stale(const char *prefix, rf_err *err)
{
    char *path = rf_bounds_path(prefix);
    int rc = 0;
    if (unlink(path) != 0 && errno != ENOENT)
        rc = rf_errf(err, RF_EIO, "%s: cannot remove the stale side file: %s", path,
                     strerror(errno));
    free(path);
    return rc;
}

int rf_bounds_dataset_seq_len(const rf_mmidx *m, const char *prefix, uint32_t *seq_len,
                              rf_err *err)
{
    *seq_len = m->nseq ? rf_mmidx_length(m, 0) : 0;
    for (uint64_t i = 0; i < m->nseq; i++) {
        uint32_t len = rf_mmidx_length(m, i);
        if (len != *seq_len)
            return rf_errf(err, RF_EFORMAT, "%s.idx: sequence %llu has %u tokens, sequence 0 "
                           "%u: not a dataset packed with --seq-len", prefix,
                           (unsigned long long)i, len, *seq_len);
        if (rf_mmidx_docidx(m, i) != i)
            return rf_errf(err, RF_EFORMAT, "%s.idx: document %llu does not start at sequence "
                           "%llu: not a dataset packed with --seq-len (one document per "
                           "sequence)", prefix, (unsigned long long)i, (unsigned long long)i);
    }
    if (m->ndocidx != m->nseq + 1)
        return rf_errf(err, RF_EFORMAT, "%s.idx: %llu documents in %llu sequences: not a "
                       "dataset packed with --seq-len (one document per sequence)", prefix,
                       (unsigned long long)(m->ndocidx - 1), (unsigned long long)m->nseq);
    if (*seq_len == 0 && m->nseq)
        return rf_errf(err, RF_EFORMAT, "%s.idx: empty sequences: not a dataset packed with "
                       "--seq-len", prefix);
    return 0;
}
