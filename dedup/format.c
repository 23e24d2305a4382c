/* format.c — the dedup work directory and its binary files: parameters and
 * their hash, the shard list, the common 64-byte file header, whole-file
 * validation of every file kind (sizes, ranges, ordering; also the fuzz
 * target's entry point) and loading one shard's section of a removal file.
 * Files are little-endian with a byte-order mark in the header; a file whose
 * header, size or contents do not add up is refused with a message naming
 * it, never half-used. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "stages/file.h"
#include "dedup/afile.h"
#include "dedup/dedup.h"
#include "stages/cli.h"
#include "stages/io.h"

static const char MAGIC[8] = {'R', 'F', 'D', 'E', 'D', 'U', 'P', 0};
#define BOM 0x01020304u

/* ---- parameters ---- */

void rf_dedup_params_default(rf_dedup_params *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->text_field, "text");
    p->exact_ranges = 16;
    p->ngram = 5;
    p->shingle = RF_SHINGLE_WORD;
    p->bands = 14;
    p->rows = 8;
    p->seed = 1;
    p->bucket_ranges = 1;
}

void rf_dedup_params_text(const rf_dedup_params *p, int minhash, rf_buf *out)
{
    rf_buf_addf(out, "method %s\nversion %d\ntext-field %s\nkeep-max %s\nutf8 %s\n",
                minhash ? "minhash" : "exact", RF_DFILE_VERSION, p->text_field,
                p->keep_max[0] ? p->keep_max : "-", p->utf8_reject ? "reject" : "repair");
    if (minhash)
        rf_buf_addf(out, "ngram %u\nshingle %s\nbands %u\nrows %u\nseed %llu\nshingles %d\n"
                         "bucket-ranges %u\n",
                    p->ngram, p->shingle == RF_SHINGLE_CHAR ? "char" : "word", p->bands, p->rows,
                    (unsigned long long)p->seed, p->shingles, p->bucket_ranges);
    else
        rf_buf_addf(out, "hash %s\nranges %u\n", p->exact_raw ? "raw" : "normalized",
                    p->exact_ranges);
}

uint64_t rf_dedup_params_hash(const rf_dedup_params *p, int minhash)
{
    rf_buf b = RF_BUF_INIT;
    rf_dedup_params_text(p, minhash, &b);
    uint64_t h = XXH3_64bits(b.p, b.len);
    rf_buf_release(&b);
    return h;
}

/* Parses a params file back (the inverse of rf_dedup_params_text). */
static int params_parse(rf_dedup_params *p, const char *text, size_t n, int minhash,
                        const char *path, rf_err *err)
{
    rf_dedup_params_default(p);
    size_t i = 0;
    int line = 0;
    while (i < n) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - text) : n;
        line++;
        char key[64], val[256];
        size_t len = e - i;
        const char *sp = memchr(text + i, ' ', len);
        if (!sp || (size_t)(sp - (text + i)) >= sizeof key || len - (size_t)(sp - (text + i)) > sizeof val)
            return rf_errf(err, RF_EFORMAT, "%s:%d: malformed line", path, line);
        size_t kl = (size_t)(sp - (text + i));
        memcpy(key, text + i, kl);
        key[kl] = 0;
        size_t vl = e - (size_t)(sp - text) - 1;
        memcpy(val, sp + 1, vl);
        val[vl] = 0;
        char *end;
        unsigned long long u = strtoull(val, &end, 10);
        int num = *val && !*end;
        if ((!strcmp(key, "text-field") || !strcmp(key, "keep-max")) && vl >= sizeof p->text_field)
            return rf_errf(err, RF_EFORMAT, "%s:%d: field name too long", path, line);
        if (!strcmp(key, "text-field"))
            memcpy(p->text_field, val, vl + 1);
        else if (!strcmp(key, "keep-max"))
            memcpy(p->keep_max, strcmp(val, "-") ? val : "", strcmp(val, "-") ? vl + 1 : 1);
        else if (!strcmp(key, "utf8"))
            p->utf8_reject = !strcmp(val, "reject");
        else if (!strcmp(key, "ngram") && num)
            p->ngram = (uint32_t)u;
        else if (!strcmp(key, "shingle"))
            p->shingle = !strcmp(val, "char") ? RF_SHINGLE_CHAR : RF_SHINGLE_WORD;
        else if (!strcmp(key, "bands") && num)
            p->bands = (uint32_t)u;
        else if (!strcmp(key, "rows") && num)
            p->rows = (uint32_t)u;
        else if (!strcmp(key, "seed") && num)
            p->seed = u;
        else if (!strcmp(key, "shingles") && num)
            p->shingles = (int)u;
        else if (!strcmp(key, "bucket-ranges") && num)
            p->bucket_ranges = (uint32_t)u;
        else if (!strcmp(key, "hash"))
            p->exact_raw = !strcmp(val, "raw");
        else if (!strcmp(key, "ranges") && num)
            p->exact_ranges = (uint32_t)u;
        else if (!strcmp(key, "method") || !strcmp(key, "version"))
            ;
        else
            return rf_errf(err, RF_EFORMAT, "%s:%d: unknown key '%s'", path, line, key);
        i = e + 1;
    }
    /* The file must be exactly what these parameters print. */
    rf_buf b = RF_BUF_INIT;
    rf_dedup_params_text(p, minhash, &b);
    int same = b.len == n && !memcmp(b.p, text, n);
    rf_buf_release(&b);
    if (!same)
        return rf_errf(err, RF_EFORMAT, "%s: not a %s parameter file of this version", path,
                       minhash ? "minhash" : "exact");
    if (p->bands < 1 || p->rows < 1 || (uint64_t)p->bands * p->rows > RF_MINHASH_MAX_HASHES ||
        p->ngram < 1 || p->ngram > 64 || p->bucket_ranges < 1 || p->bucket_ranges > 65536 ||
        p->exact_ranges < 1 || p->exact_ranges > 65536)
        return rf_errf(err, RF_EFORMAT, "%s: parameters out of range", path);
    return 0;
}

/* ---- small files ---- */

int rf_dedup_read_file(const char *path, unsigned char **data, size_t *n, rf_err *err)
{
    return rf_file_read(path, data, n, err);
}

int rf_dedup_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- header ---- */

static void put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

void rf_dfile_hdr_encode(const rf_dfile_hdr *h, unsigned char out[RF_DFILE_HDR])
{
    memset(out, 0, RF_DFILE_HDR);
    memcpy(out, MAGIC, 8);
    put32(out + 8, BOM);
    put32(out + 12, h->kind);
    put32(out + 16, h->version);
    put32(out + 20, h->unit);
    put64(out + 24, h->params);
    put32(out + 32, h->nshards);
    put64(out + 40, h->records);
    put64(out + 48, h->count);
    put64(out + 56, h->aux);
}

static const char *kind_name(uint32_t k)
{
    switch (k) {
    case RF_DFILE_SIG: return "signature";
    case RF_DFILE_XHASH: return "exact-hash";
    case RF_DFILE_PAIRS: return "pairs";
    case RF_DFILE_REMOVE: return "removal";
    case RF_DFILE_SHINGLES: return "shingle";
    default: return "unknown";
    }
}

int rf_dfile_hdr_decode(const unsigned char *p, size_t n, uint32_t want_kind, rf_dfile_hdr *h,
                        const char *path, rf_err *err)
{
    if (n < RF_DFILE_HDR)
        return rf_errf(err, RF_EFORMAT, "%s: truncated header (%zu bytes)", path, n);
    if (memcmp(p, MAGIC, 8) != 0)
        return rf_errf(err, RF_EFORMAT, "%s: not a refine-dedup file", path);
    if (rf_get32(p + 8) != BOM)
        return rf_errf(err, RF_EFORMAT, "%s: written on a machine of other byte order", path);
    h->kind = rf_get32(p + 12);
    h->version = rf_get32(p + 16);
    h->unit = rf_get32(p + 20);
    h->params = rf_get64(p + 24);
    h->nshards = rf_get32(p + 32);
    h->records = rf_get64(p + 40);
    h->count = rf_get64(p + 48);
    h->aux = rf_get64(p + 56);
    if (h->kind != want_kind)
        return rf_errf(err, RF_EFORMAT, "%s: a %s file where a %s file was expected", path,
                       kind_name(h->kind), kind_name(want_kind));
    if (h->version != RF_DFILE_VERSION)
        return rf_errf(err, RF_EFORMAT, "%s: format version %u, this refine reads %d", path,
                       h->version, RF_DFILE_VERSION);
    return 0;
}

/* ---- whole-file validation ---- */

/* The body after the header must be exactly `want` bytes. */
static int body_is(uint64_t left, uint64_t want, const char *path, rf_err *err)
{
    if (want == left)
        return 0;
    return rf_errf(err, RF_EFORMAT, "%s: %llu bytes after the header, %llu expected", path,
                   (unsigned long long)left, (unsigned long long)want);
}

/* a*b+c without overflow, or UINT64_MAX. */
static uint64_t mul_add(uint64_t a, uint64_t b, uint64_t c)
{
    if (b && a > (UINT64_MAX - c) / b)
        return UINT64_MAX;
    return a * b + c;
}

int rf_dfile_check(const unsigned char *p, size_t n, uint32_t kind, const char *path,
                   rf_err *err)
{
    rf_dfile_hdr h;
    int rc = rf_dfile_hdr_decode(p, n, kind, &h, path, err);
    if (rc)
        return rc;
    const unsigned char *d = p + RF_DFILE_HDR;
    uint64_t left = n - RF_DFILE_HDR;
    switch (kind) {
    case RF_DFILE_SIG: {
        if (h.aux < 1 || h.aux > RF_MINHASH_MAX_HASHES)
            return rf_errf(err, RF_EFORMAT, "%s: bad band count %llu", path,
                           (unsigned long long)h.aux);
        if ((rc = body_is(left, mul_add(h.count, 24 + h.aux * RF_BAND_REC, 0), path, err)))
            return rc;
        for (uint64_t i = 0; i < h.count; i++) {
            uint32_t ord = rf_get32(d + i * 24);
            if (ord >= h.records || (i && ord <= rf_get32(d + (i - 1) * 24)) ||
                rf_get32(d + i * 24 + 4) > RF_SHINGLES_EMPTY)
                return rf_errf(err, RF_EFORMAT, "%s: document table entry %llu is invalid", path,
                               (unsigned long long)i);
        }
        const unsigned char *s = d + h.count * 24;
        for (uint64_t b = 0; b < h.aux; b++)
            for (uint64_t i = 0; i < h.count; i++) {
                const unsigned char *r = s + (b * h.count + i) * RF_BAND_REC;
                uint32_t ord = rf_get32(r + 8);
                if (ord >= h.records)
                    return rf_errf(err, RF_EFORMAT, "%s: band %llu: record out of range", path,
                                   (unsigned long long)b);
                if (i) {
                    uint64_t ph = rf_get64(r - RF_BAND_REC), hh = rf_get64(r);
                    if (hh < ph || (hh == ph && ord <= rf_get32(r - RF_BAND_REC + 8)))
                        return rf_errf(err, RF_EFORMAT, "%s: band %llu is not sorted", path,
                                       (unsigned long long)b);
                }
            }
        return 0;
    }
    case RF_DFILE_XHASH: {
        if ((rc = body_is(left, mul_add(h.count, 40, 0), path, err)))
            return rc;
        for (uint64_t i = 0; i < h.count; i++) {
            const unsigned char *r = d + i * 40;
            if (rf_get32(r + 16) >= h.records)
                return rf_errf(err, RF_EFORMAT, "%s: record %llu out of range", path,
                               (unsigned long long)i);
            if (i) {
                const unsigned char *q = r - 40;
                uint64_t a0 = rf_get64(q), a1 = rf_get64(q + 8), b0 = rf_get64(r), b1 = rf_get64(r + 8);
                if (b0 < a0 || (b0 == a0 && (b1 < a1 || (b1 == a1 && rf_get32(r + 16) <= rf_get32(q + 16)))))
                    return rf_errf(err, RF_EFORMAT, "%s: records are not sorted", path);
            }
        }
        return 0;
    }
    case RF_DFILE_PAIRS: {
        if ((rc = body_is(left, mul_add(h.count, 16, 0), path, err)))
            return rc;
        for (uint64_t i = 0; i < h.count; i++) {
            const unsigned char *r = d + i * 16;
            uint32_t s1 = rf_get32(r), o1 = rf_get32(r + 4), s2 = rf_get32(r + 8), o2 = rf_get32(r + 12);
            if (s1 >= h.nshards || s2 >= h.nshards || s1 > s2 || (s1 == s2 && o1 >= o2))
                return rf_errf(err, RF_EFORMAT, "%s: pair %llu is invalid", path,
                               (unsigned long long)i);
        }
        return 0;
    }
    case RF_DFILE_REMOVE: {
        if (h.aux != 1 && h.aux != 2)
            return rf_errf(err, RF_EFORMAT, "%s: unknown method %llu", path,
                           (unsigned long long)h.aux);
        if ((rc = body_is(left, mul_add((uint64_t)h.nshards + 1, 8, mul_add(h.count, 40, 0)),
                          path, err)))
            return rc;
        const unsigned char *e = d + ((uint64_t)h.nshards + 1) * 8;
        if (rf_get64(d) != 0 || rf_get64(d + (uint64_t)h.nshards * 8) != h.count)
            return rf_errf(err, RF_EFORMAT, "%s: bad shard index", path);
        for (uint32_t s = 0; s < h.nshards; s++) {
            uint64_t a = rf_get64(d + (uint64_t)s * 8), b = rf_get64(d + ((uint64_t)s + 1) * 8);
            if (b < a || b > h.count)
                return rf_errf(err, RF_EFORMAT, "%s: bad shard index", path);
            for (uint64_t i = a; i < b; i++) {
                const unsigned char *r = e + i * 40;
                uint32_t k = rf_get32(r + 4);
                if ((k != RF_RM_KEEP && k != RF_RM_REMOVE) || rf_get32(r + 8) >= h.nshards ||
                    (i > a && rf_get32(r) <= rf_get32(r - 40)))
                    return rf_errf(err, RF_EFORMAT, "%s: entry %llu is invalid", path,
                                   (unsigned long long)i);
            }
        }
        return 0;
    }
    case RF_DFILE_SHINGLES: {
        uint64_t idx = mul_add(h.count, 16, 0);
        if (idx > left)
            return rf_errf(err, RF_EFORMAT, "%s: truncated index", path);
        uint64_t off = RF_DFILE_HDR + idx;
        for (uint64_t i = 0; i < h.count; i++) {
            const unsigned char *r = d + i * 16;
            uint32_t ord = rf_get32(r), cnt = rf_get32(r + 4);
            uint64_t o = rf_get64(r + 8);
            if (ord >= h.records || (i && ord <= rf_get32(r - 16)) || o != off ||
                mul_add(cnt, 8, o) > n)
                return rf_errf(err, RF_EFORMAT, "%s: index entry %llu is invalid", path,
                               (unsigned long long)i);
            for (uint32_t k = 1; k < cnt; k++)
                if (rf_get64(p + o + (uint64_t)k * 8) <= rf_get64(p + o + (uint64_t)(k - 1) * 8))
                    return rf_errf(err, RF_EFORMAT, "%s: set %llu is not sorted", path,
                                   (unsigned long long)i);
            off = o + (uint64_t)cnt * 8;
        }
        if (off != n)
            return rf_errf(err, RF_EFORMAT, "%s: %llu stray bytes at the end", path,
                           (unsigned long long)(n - off));
        return 0;
    }
    default:
        return rf_errf(err, RF_EINTERNAL, "%s: unknown file kind", path);
    }
}

/* ---- removal lists ---- */

int rf_rmlist_load(rf_rmlist *l, const char *path, uint64_t params, uint32_t nshards,
                   uint32_t shard, rf_err *err)
{
    /* Only the header, two index slots and this shard's section are read:
     * a filter task's memory and I/O follow its shard, not the corpus. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rf_errf(err, RF_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char hb[RF_DFILE_HDR], ix[16], *buf = NULL;
    struct stat st;
    rf_dfile_hdr h;
    int rc = fstat(fd, &st) ? rf_errf(err, RF_EIO, "%s: cannot stat", path)
                            : rf_pread_full(fd, hb, sizeof hb, 0, path, err);
    if (!rc)
        rc = rf_dfile_hdr_decode(hb, sizeof hb, RF_DFILE_REMOVE, &h, path, err);
    if (!rc && h.params != params)
        rc = rf_errf(err, RF_EFORMAT, "%s: made with other parameters than the work dir", path);
    if (!rc && h.nshards != nshards)
        rc = rf_errf(err, RF_EFORMAT, "%s: made for %u shards, the work dir has %u", path,
                     h.nshards, nshards);
    if (!rc && (h.aux != 1 && h.aux != 2))
        rc = rf_errf(err, RF_EFORMAT, "%s: unknown method %llu", path, (unsigned long long)h.aux);
    if (!rc && shard >= nshards)
        rc = rf_errf(err, RF_EINTERNAL, "%s: shard %u out of range", path, shard);
    uint64_t body = (uint64_t)st.st_size - RF_DFILE_HDR;
    if (!rc && (h.count > UINT64_MAX / 64 ||
                body != mul_add((uint64_t)nshards + 1, 8, mul_add(h.count, 40, 0))))
        rc = rf_errf(err, RF_EFORMAT, "%s: size does not match its header", path);
    uint64_t first = 0, last = 0, a = 0, b = 0;
    if (!rc)
        rc = rf_pread_full(fd, &first, 8, RF_DFILE_HDR, path, err);
    if (!rc)
        rc = rf_pread_full(fd, &last, 8, RF_DFILE_HDR + (uint64_t)nshards * 8, path, err);
    if (!rc)
        rc = rf_pread_full(fd, ix, 16, RF_DFILE_HDR + (uint64_t)shard * 8, path, err);
    if (!rc) {
        a = rf_get64(ix);
        b = rf_get64(ix + 8);
        if (first != 0 || last != h.count || a > b || b > h.count)
            rc = rf_errf(err, RF_EFORMAT, "%s: bad shard index", path);
    }
    uint64_t base = RF_DFILE_HDR + ((uint64_t)nshards + 1) * 8;
    if (!rc && b > a) {
        buf = rf_xmalloc((size_t)(b - a) * 40);
        rc = rf_pread_full(fd, buf, (size_t)(b - a) * 40, base + a * 40, path, err);
    }
    for (uint64_t i = 0; !rc && i < b - a; i++) {
        const unsigned char *r = buf + i * 40;
        rf_rm m = {rf_get32(r), rf_get32(r + 4), rf_get32(r + 8), rf_get32(r + 12),
                   rf_get64(r + 16), rf_get64(r + 24), rf_get64(r + 32)};
        if ((m.kind != RF_RM_KEEP && m.kind != RF_RM_REMOVE) || m.rep_shard >= nshards ||
            (l->n && i && m.ord <= l->e[l->n - 1].ord)) {
            rc = rf_errf(err, RF_EFORMAT, "%s: entry %llu is invalid", path,
                         (unsigned long long)(a + i));
            break;
        }
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 256;
            l->e = rf_xrealloc(l->e, l->cap * sizeof *l->e);
        }
        l->e[l->n++] = m;
    }
    free(buf);
    close(fd);
    return rc;
}

void rf_rmlist_release(rf_rmlist *l)
{
    if (!l)
        return;
    free(l->e);
    memset(l, 0, sizeof *l);
}

/* ---- work directory ---- */

char *rf_dedup_path(const rf_dedup_work *w, const char *fmt, ...)
{
    rf_buf b = RF_BUF_INIT;
    rf_buf_adds(&b, w->dir);
    rf_buf_addc(&b, '/');
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    rf_buf_adds(&b, tmp);
    return rf_buf_detach(&b, NULL);
}

static const char SHARDS_HEAD[] = "refine-dedup shards v1\n";

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Whether path is a tar archive (members have their own names). */
static int is_archive(const char *path, int *tar, rf_err *err)
{
    rf_input *in;
    int rc = rf_input_open(&in, path, err);
    if (rc)
        return rc;
    rf_src *src;
    const char *name;
    rc = rf_input_next(in, &src, &name, err);
    *tar = rc == 0 || (rc == 1 && strcmp(name, path) != 0);
    rf_input_close(in);
    return rc < 0 ? rc : 0;
}

static void free_list(char **l, uint32_t n)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

int rf_dedup_work_open(rf_dedup_work *w, const char *dir, char *const *inputs, size_t ninputs,
                       rf_err *err)
{
    memset(w, 0, sizeof *w);
    rf_dedup_params_default(&w->p);
    w->dir = rf_xstrdup(dir);
    char *list = rf_dedup_path(w, "shards.txt");
    unsigned char *data = NULL;
    size_t n = 0;
    int rc = 0;
    rf_buf want = RF_BUF_INIT;
    if (inputs) {
        if (ninputs == 0 || ninputs > UINT32_MAX / 2) {
            rc = rf_errf(err, RF_EUSAGE, "no input shards");
            goto out;
        }
        rf_buf_adds(&want, SHARDS_HEAD);
        for (size_t i = 0; i < ninputs; i++) {
            if (!strcmp(inputs[i], "-")) {
                rc = rf_errf(err, RF_EUSAGE, "dedup needs files: stdin cannot be read twice");
                goto out;
            }
            int tar = 0;
            rc = is_archive(inputs[i], &tar, err);
            if (rc)
                goto out;
            if (tar) {
                rc = rf_errf(err, RF_EUSAGE,
                             "%s: a tar archive; dedup shards are JSONL files (extract the "
                             "members, or refine-cat them into shards first)", inputs[i]);
                goto out;
            }
            char *real = realpath(inputs[i], NULL);
            if (!real) {
                rc = rf_errf(err, RF_EIO, "%s: cannot open: %s", inputs[i], strerror(errno));
                goto out;
            }
            if (strchr(real, '\n')) {
                free(real);
                rc = rf_errf(err, RF_EUSAGE, "%s: a file name with a newline", inputs[i]);
                goto out;
            }
            rf_buf_adds(&want, real);
            rf_buf_addc(&want, '\n');
            free(real);
        }
    }
    if (rf_dedup_exists(list)) {
        rc = rf_dedup_read_file(list, &data, &n, err);
        if (rc)
            goto out;
        if (inputs && (n != want.len || memcmp(data, want.p, n))) {
            rc = rf_errf(err, RF_EUSAGE,
                         "%s lists other input shards (or another order) than this command; "
                         "use a new --work-dir for other inputs", list);
            goto out;
        }
    } else if (inputs) {
        rc = rf_mkdir_parents(list, err);
        if (!rc)
            rc = rf_cli_write_json(list, want.p, want.len, err);
        if (rc)
            goto out;
        data = (unsigned char *)rf_buf_detach(&want, &n);
    } else {
        rc = rf_errf(err, RF_EUSAGE, "%s: no shard list: run the first step (hash or signatures) "
                                     "with the inputs first", list);
        goto out;
    }
    size_t hl = sizeof SHARDS_HEAD - 1;
    if (n < hl || memcmp(data, SHARDS_HEAD, hl) || data[n - 1] != '\n') {
        rc = rf_errf(err, RF_EFORMAT, "%s: not a shard list", list);
        goto out;
    }
    for (size_t i = hl; i < n;) {
        const char *nl = memchr(data + i, '\n', n - i);
        size_t e = (size_t)((const unsigned char *)nl - data);
        if (e == i) {
            rc = rf_errf(err, RF_EFORMAT, "%s: empty line", list);
            goto out;
        }
        w->shards = rf_xrealloc(w->shards, (w->nshards + 1) * sizeof *w->shards);
        w->names = rf_xrealloc(w->names, (w->nshards + 1) * sizeof *w->names);
        w->shards[w->nshards] = rf_xstrndup((const char *)data + i, e - i);
        w->names[w->nshards] = rf_xstrdup(base_name(w->shards[w->nshards]));
        w->nshards++;
        i = e + 1;
    }
    if (w->nshards == 0) {
        rc = rf_errf(err, RF_EFORMAT, "%s: no shards", list);
        goto out;
    }
    /* Outputs are OUT/<name>: two shards of one name would collide. */
    for (uint32_t i = 0; i < w->nshards && !rc; i++)
        for (uint32_t j = i + 1; j < w->nshards; j++)
            if (!strcmp(w->names[i], w->names[j])) {
                rc = rf_errf(err, RF_EUSAGE, "inputs %s and %s have the same file name",
                             w->shards[i], w->shards[j]);
                break;
            }
    if (!rc) {
        char *pe = rf_dedup_path(w, "exact/params"), *pm = rf_dedup_path(w, "minhash/params");
        w->has_exact = rf_dedup_exists(pe);
        w->has_minhash = rf_dedup_exists(pm);
        free(pe);
        free(pm);
    }
out:
    free(data);
    free(list);
    rf_buf_release(&want);
    if (rc)
        rf_dedup_work_release(w);
    return rc;
}

int rf_dedup_work_params(rf_dedup_work *w, const rf_dedup_params *p, int minhash, int explicit_,
                         rf_err *err)
{
    (void)explicit_;
    char *path = rf_dedup_path(w, "%s/params", minhash ? "minhash" : "exact");
    rf_buf want = RF_BUF_INIT;
    rf_dedup_params_text(p, minhash, &want);
    unsigned char *data = NULL;
    size_t n = 0;
    int rc = 0;
    if (rf_dedup_exists(path)) {
        rc = rf_dedup_read_file(path, &data, &n, err);
        if (!rc && (n != want.len || memcmp(data, want.p, n)))
            rc = rf_errf(err, RF_EUSAGE,
                         "%s was written with other options:\n%.*s-- this command has:\n%s"
                         "use the same options or a new --work-dir", path, (int)n, (char *)data,
                         want.p);
    } else {
        rc = rf_mkdir_parents(path, err);
        if (!rc)
            rc = rf_cli_write_json(path, want.p, want.len, err);
    }
    if (!rc) {
        /* Keep the fields of the other method that w->p may already hold. */
        if (minhash) {
            w->p.ngram = p->ngram;
            w->p.shingle = p->shingle;
            w->p.bands = p->bands;
            w->p.rows = p->rows;
            w->p.seed = p->seed;
            w->p.shingles = p->shingles;
            w->p.bucket_ranges = p->bucket_ranges;
            w->has_minhash = 1;
        } else {
            w->p.exact_raw = p->exact_raw;
            w->p.exact_ranges = p->exact_ranges;
            w->has_exact = 1;
        }
        memcpy(w->p.text_field, p->text_field, sizeof w->p.text_field);
        memcpy(w->p.keep_max, p->keep_max, sizeof w->p.keep_max);
        w->p.utf8_reject = p->utf8_reject;
    }
    free(data);
    free(path);
    rf_buf_release(&want);
    return rc;
}

int rf_dedup_work_load_params(rf_dedup_work *w, int minhash, rf_err *err)
{
    char *path = rf_dedup_path(w, "%s/params", minhash ? "minhash" : "exact");
    unsigned char *data = NULL;
    size_t n = 0;
    rf_dedup_params p;
    int rc = 0;
    if (!rf_dedup_exists(path)) {
        rc = rf_errf(err, RF_EUSAGE, "%s: not found: run `refine-dedup %s %s` first", path,
                     minhash ? "minhash" : "exact", minhash ? "signatures" : "hash");
        goto out;
    }
    rc = rf_dedup_read_file(path, &data, &n, err);
    if (!rc)
        rc = params_parse(&p, (const char *)data, n, minhash, path, err);
    if (!rc)
        rc = rf_dedup_work_params(w, &p, minhash, 0, err);
out:
    free(data);
    free(path);
    return rc;
}

void rf_dedup_work_release(rf_dedup_work *w)
{
    if (!w)
        return;
    free_list(w->shards, w->nshards);
    free_list(w->names, w->nshards);
    free(w->dir);
    memset(w, 0, sizeof *w);
}

/* ---- crash hook for restart tests ---- */

static _Atomic int committed_units;

int rf_dedup_unit_committed(void)
{
    return atomic_fetch_add(&committed_units, 1) + 1;
}

void rf_dedup_crash_point(void)
{
    const char *e = getenv("REFINE_DEDUP_CRASH_AFTER");
    if (e && *e && atomic_load(&committed_units) >= atoi(e)) {
        /* As a preempted job: no cleanup, no message. */
        kill(getpid(), SIGKILL);
    }
}
