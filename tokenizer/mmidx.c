/* mmidx.c — the Megatron MMIDIDX indexed-dataset writer and reader. The
 * writer streams tokens into a temporary .bin through a 1 MiB buffer and
 * keeps the per-sequence lengths and per-document boundaries in growable
 * arrays; commit writes the .idx (header, i32 lengths, i64 byte pointers
 * computed from the lengths, i64 document indices) and renames both files.
 * The reader maps both files and validates every count and offset against
 * the bytes present before anything is read through it, because datasets
 * come from other tools and other machines. */
#define _POSIX_C_SOURCE 200809L
#include "tokenizer/mmidx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/buf.h"
#include "stages/io.h"

static const unsigned char magic[9] = {'M', 'M', 'I', 'D', 'I', 'D', 'X', 0, 0};

int rf_mmidx_optimal_dtype(uint64_t vocab)
{
    return vocab < 65500 ? RF_MMIDX_UINT16 : RF_MMIDX_INT32;
}

size_t rf_mmidx_dtype_size(int code)
{
    switch (code) {
    case RF_MMIDX_UINT8:
    case RF_MMIDX_INT8:
        return 1;
    case RF_MMIDX_INT16:
    case RF_MMIDX_UINT16:
        return 2;
    case RF_MMIDX_INT32:
    case RF_MMIDX_FLOAT32:
        return 4;
    case RF_MMIDX_INT64:
    case RF_MMIDX_FLOAT64:
        return 8;
    default:
        return 0;
    }
}

const char *rf_mmidx_dtype_name(int code)
{
    static const char *const names[] = {NULL,      "uint8",   "int8",    "int16",  "int32",
                                        "int64",   "float64", "float32", "uint16"};
    return code >= 1 && code <= 8 ? names[code] : NULL;
}

/* ---- writer ---- */

#define WBUF_SIZE (1u << 20)

struct rf_mmidx_writer {
    char *prefix;
    int dtype;
    size_t itemsize;
    rf_out *bin;
    unsigned char *buf;
    size_t blen;
    int32_t *len;
    size_t nseq, capseq;
    int64_t *doc;
    size_t ndoc, capdoc;
    uint64_t ntokens;
};

static char *with_ext(const char *prefix, const char *ext)
{
    size_t a = strlen(prefix), b = strlen(ext);
    char *s = rf_xmalloc(a + b + 1);
    memcpy(s, prefix, a);
    memcpy(s + a, ext, b + 1);
    return s;
}

int rf_mmidx_writer_open(rf_mmidx_writer **wp, const char *prefix, int dtype, rf_err *err)
{
    *wp = NULL;
    if (dtype != RF_MMIDX_UINT16 && dtype != RF_MMIDX_INT32)
        return rf_errf(err, RF_EUSAGE, "token binaries are uint16 or int32, not dtype code %d",
                       dtype);
    char *bin = with_ext(prefix, ".bin");
    int rc = rf_mkdir_parents(bin, err);
    rf_outopts oo = {RF_COMPRESS_NONE, 0, 0};
    rf_out *o = NULL;
    if (!rc)
        rc = rf_out_open(&o, bin, &oo, err);
    free(bin);
    if (rc)
        return rc;
    rf_mmidx_writer *w = rf_xcalloc(1, sizeof *w);
    w->prefix = rf_xstrdup(prefix);
    w->dtype = dtype;
    w->itemsize = rf_mmidx_dtype_size(dtype);
    w->bin = o;
    w->buf = rf_xmalloc(WBUF_SIZE);
    w->capdoc = 1024;
    w->doc = rf_xmalloc(w->capdoc * sizeof *w->doc);
    w->doc[w->ndoc++] = 0;
    *wp = w;
    return 0;
}

static int flush(rf_mmidx_writer *w, rf_err *err)
{
    if (!w->blen)
        return 0;
    int rc = rf_out_write(w->bin, w->buf, w->blen, err);
    w->blen = 0;
    return rc;
}

static int push_len(rf_mmidx_writer *w, size_t n, rf_err *err)
{
    if (n > INT32_MAX)
        return rf_errf(err, RF_EFORMAT, "a sequence of %zu tokens does not fit the index (int32 "
                                        "lengths)", n);
    if (w->nseq == w->capseq) {
        w->capseq = w->capseq ? w->capseq * 2 : 4096;
        w->len = rf_xrealloc(w->len, w->capseq * sizeof *w->len);
    }
    w->len[w->nseq++] = (int32_t)n;
    w->ntokens += n;
    return 0;
}

int rf_mmidx_add_raw(rf_mmidx_writer *w, const void *p, size_t n, rf_err *err)
{
    int rc = push_len(w, n, err);
    if (rc)
        return rc;
    const unsigned char *q = p;
    size_t bytes = n * w->itemsize;
    while (bytes) {
        if (w->blen == WBUF_SIZE && (rc = flush(w, err)))
            return rc;
        size_t k = WBUF_SIZE - w->blen;
        if (k > bytes)
            k = bytes;
        memcpy(w->buf + w->blen, q, k);
        w->blen += k;
        q += k;
        bytes -= k;
    }
    return 0;
}

int rf_mmidx_add_ids(rf_mmidx_writer *w, const uint32_t *ids, size_t n, rf_err *err)
{
    uint32_t lim = w->itemsize == 2 ? 0xFFFFu : (uint32_t)INT32_MAX;
    for (size_t i = 0; i < n; i++)
        if (ids[i] > lim)
            return rf_errf(err, RF_EFORMAT, "token id %u does not fit %s", ids[i],
                           rf_mmidx_dtype_name(w->dtype));
    int rc = push_len(w, n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (w->blen + 4 > WBUF_SIZE && (rc = flush(w, err)))
            return rc;
        unsigned char *q = w->buf + w->blen;
        uint32_t v = ids[i];
        q[0] = (unsigned char)v;
        q[1] = (unsigned char)(v >> 8);
        if (w->itemsize == 4) {
            q[2] = (unsigned char)(v >> 16);
            q[3] = (unsigned char)(v >> 24);
        }
        w->blen += w->itemsize;
    }
    return 0;
}

void rf_mmidx_end_document(rf_mmidx_writer *w)
{
    if (w->ndoc == w->capdoc) {
        w->capdoc *= 2;
        w->doc = rf_xrealloc(w->doc, w->capdoc * sizeof *w->doc);
    }
    w->doc[w->ndoc++] = (int64_t)w->nseq;
}

uint64_t rf_mmidx_writer_sequences(const rf_mmidx_writer *w)
{
    return w->nseq;
}

uint64_t rf_mmidx_writer_documents(const rf_mmidx_writer *w)
{
    return w->ndoc - 1;
}

uint64_t rf_mmidx_writer_tokens(const rf_mmidx_writer *w)
{
    return w->ntokens;
}

int rf_mmidx_append_dataset(rf_mmidx_writer *w, const char *prefix, rf_err *err)
{
    rf_mmidx m;
    int rc = rf_mmidx_open(&m, prefix, err);
    if (rc)
        return rc;
    if (m.dtype != w->dtype) {
        rc = rf_errf(err, RF_EFORMAT, "%s: dtype %s, but the merged dataset is %s", prefix,
                     rf_mmidx_dtype_name(m.dtype), rf_mmidx_dtype_name(w->dtype));
        goto out;
    }
    if (w->ndoc && (uint64_t)w->doc[w->ndoc - 1] != w->nseq) {
        rc = rf_errf(err, RF_EINTERNAL, "append_dataset with a document still open");
        goto out;
    }
    if ((rc = flush(w, err)))
        goto out;
    for (uint64_t i = 0; i < m.nseq && !rc; i++)
        rc = push_len(w, rf_mmidx_length(&m, i), err);
    /* The first document index is 0 = where this dataset starts. */
    uint64_t base = w->nseq - m.nseq;
    for (uint64_t i = 1; i < m.ndocidx && !rc; i++) {
        if (w->ndoc == w->capdoc) {
            w->capdoc *= 2;
            w->doc = rf_xrealloc(w->doc, w->capdoc * sizeof *w->doc);
        }
        w->doc[w->ndoc++] = (int64_t)(base + rf_mmidx_docidx(&m, i));
    }
    /* Exactly the bytes the index covers: trailing bytes in a .bin would
     * shift every later sequence. */
    if (!rc && m.ntokens)
        rc = rf_out_write(w->bin, m.bin, m.ntokens * m.itemsize, err);
out:
    rf_mmidx_close(&m);
    return rc;
}

static void le_put(unsigned char *q, uint64_t v, size_t n)
{
    for (size_t k = 0; k < n; k++, v >>= 8)
        q[k] = (unsigned char)v;
}

int rf_mmidx_writer_commit(rf_mmidx_writer *w, rf_err *err)
{
    rf_out *idx = NULL;
    char *path = NULL;
    int rc = flush(w, err);
    if (rc)
        goto out;
    if ((uint64_t)w->doc[w->ndoc - 1] != w->nseq)
        rf_mmidx_end_document(w);
    path = with_ext(w->prefix, ".idx");
    rf_outopts oo = {RF_COMPRESS_NONE, 0, 0};
    if ((rc = rf_out_open(&idx, path, &oo, err)))
        goto out;
    unsigned char h[RF_MMIDX_HEADER_SIZE];
    memcpy(h, magic, 9);
    le_put(h + 9, 1, 8);
    h[17] = (unsigned char)w->dtype;
    le_put(h + 18, w->nseq, 8);
    le_put(h + 26, w->ndoc, 8);
    if ((rc = rf_out_write(idx, h, sizeof h, err)))
        goto out;
    /* The three arrays through the writer's buffer. */
    for (int part = 0; part < 3 && !rc; part++) {
        size_t n = part == 2 ? w->ndoc : w->nseq;
        size_t sz = part == 0 ? 4 : 8;
        uint64_t ptr = 0;
        for (size_t i = 0; i < n; i++) {
            if (w->blen + 8 > WBUF_SIZE) {
                rc = rf_out_write(idx, w->buf, w->blen, err);
                w->blen = 0;
                if (rc)
                    break;
            }
            uint64_t v = part == 0   ? (uint64_t)(uint32_t)w->len[i]
                         : part == 1 ? ptr
                                     : (uint64_t)w->doc[i];
            if (part == 1)
                ptr += (uint64_t)w->len[i] * w->itemsize;
            le_put(w->buf + w->blen, v, sz);
            w->blen += sz;
        }
    }
    if (!rc && w->blen)
        rc = rf_out_write(idx, w->buf, w->blen, err);
    w->blen = 0;
    if (rc)
        goto out;
    /* .bin first: an .idx under its final name means the .bin is complete. */
    rc = rf_out_commit(w->bin, err);
    w->bin = NULL;
    if (rc)
        goto out;
    rc = rf_out_commit(idx, err);
    idx = NULL;
out:
    rf_out_abort(idx);
    free(path);
    rf_mmidx_writer_abort(w);
    return rc;
}

void rf_mmidx_writer_abort(rf_mmidx_writer *w)
{
    if (!w)
        return;
    rf_out_abort(w->bin);
    free(w->prefix);
    free(w->buf);
    free(w->len);
    free(w->doc);
    free(w);
}

/* ---- reader ---- */

int rf_mmidx_parse(rf_mmidx *m, const unsigned char *p, size_t n, uint64_t bin_size,
                   const char *name, rf_err *err)
{
    memset(m, 0, sizeof *m);
    if (n < RF_MMIDX_HEADER_SIZE)
        return rf_errf(err, RF_EFORMAT, "%s: %zu bytes, shorter than the 34-byte MMIDIDX header",
                       name, n);
    if (memcmp(p, magic, 9) != 0)
        return rf_errf(err, RF_EFORMAT, "%s: not a Megatron MMIDIDX index (bad magic)", name);
    uint64_t version = rf_mmidx_le(p + 9, 8);
    if (version != 1)
        return rf_errf(err, RF_EFORMAT, "%s: MMIDIDX version %llu, only 1 is known", name,
                       (unsigned long long)version);
    m->dtype = p[17];
    m->itemsize = rf_mmidx_dtype_size(m->dtype);
    if (!m->itemsize)
        return rf_errf(err, RF_EFORMAT, "%s: unknown dtype code %d", name, m->dtype);
    m->nseq = rf_mmidx_le(p + 18, 8);
    m->ndocidx = rf_mmidx_le(p + 26, 8);
    uint64_t left = n - RF_MMIDX_HEADER_SIZE;
    /* Checked one array at a time, so no product can overflow: each count
     * is first bounded by the bytes left divided by its item size. */
    if (m->nseq > left / 12)
        return rf_errf(err, RF_EFORMAT, "%s: %llu sequences need more than the %llu index bytes "
                       "left", name, (unsigned long long)m->nseq, (unsigned long long)left);
    left -= m->nseq * 12;
    if (m->ndocidx > left / 8)
        return rf_errf(err, RF_EFORMAT, "%s: %llu document indices need more than the %llu "
                       "index bytes left", name, (unsigned long long)m->ndocidx,
                       (unsigned long long)left);
    if (m->ndocidx < 1)
        return rf_errf(err, RF_EFORMAT, "%s: no document indices (at least the leading 0)",
                       name);
    m->lengths_raw = p + RF_MMIDX_HEADER_SIZE;
    m->pointers_raw = m->lengths_raw + 4 * m->nseq;
    m->docidx_raw = m->pointers_raw + 8 * m->nseq;
    uint64_t pos = 0;
    for (uint64_t i = 0; i < m->nseq; i++) {
        uint32_t len = rf_mmidx_length(m, i);
        if (len > INT32_MAX)
            return rf_errf(err, RF_EFORMAT, "%s: sequence %llu has a negative length", name,
                           (unsigned long long)i);
        if (rf_mmidx_pointer(m, i) != pos)
            return rf_errf(err, RF_EFORMAT, "%s: sequence %llu starts at byte %llu, expected "
                           "%llu (sequences must be contiguous)", name, (unsigned long long)i,
                           (unsigned long long)rf_mmidx_pointer(m, i), (unsigned long long)pos);
        uint64_t bytes = (uint64_t)len * m->itemsize;
        if (bytes > bin_size - pos)
            return rf_errf(err, RF_EFORMAT, "%s: sequence %llu ends past the %llu-byte .bin",
                           name, (unsigned long long)i, (unsigned long long)bin_size);
        pos += bytes;
        m->ntokens += len;
    }
    uint64_t prev = 0;
    for (uint64_t i = 0; i < m->ndocidx; i++) {
        uint64_t d = rf_mmidx_docidx(m, i);
        if ((i == 0 && d != 0) || d < prev || d > m->nseq)
            return rf_errf(err, RF_EFORMAT, "%s: document index %llu is %lld (must start at 0, "
                           "not decrease, stay <= %llu sequences)", name, (unsigned long long)i,
                           (long long)d, (unsigned long long)m->nseq);
        prev = d;
    }
    if (prev != m->nseq)
        return rf_errf(err, RF_EFORMAT, "%s: the last document index is %llu, not the %llu "
                       "sequences", name, (unsigned long long)prev, (unsigned long long)m->nseq);
    m->bin_size = bin_size;
    return 0;
}

static int map_file(const char *path, void **map, size_t *size, rf_err *err)
{
    *map = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return rf_errf(err, RF_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = rf_errf(err, RF_EIO, "%s: not a regular file", path);
    } else if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            rc = rf_errf(err, RF_EIO, "%s: mmap failed: %s", path, strerror(errno));
        else {
            *map = p;
            *size = (size_t)st.st_size;
        }
    }
    close(fd);
    return rc;
}

int rf_mmidx_open(rf_mmidx *m, const char *prefix, rf_err *err)
{
    memset(m, 0, sizeof *m);
    char *ip = with_ext(prefix, ".idx"), *bp = with_ext(prefix, ".bin");
    void *im = NULL, *bm = NULL;
    size_t in = 0, bn = 0;
    int rc = map_file(ip, &im, &in, err);
    if (!rc)
        rc = map_file(bp, &bm, &bn, err);
    if (!rc)
        rc = rf_mmidx_parse(m, im, in, bn, ip, err);
    if (rc) {
        if (im)
            munmap(im, in);
        if (bm)
            munmap(bm, bn);
        memset(m, 0, sizeof *m);
    } else {
        m->idx_map = im;
        m->idx_map_size = in;
        m->bin_map = bm;
        m->bin_map_size = bn;
        m->bin = bm;
    }
    free(ip);
    free(bp);
    return rc;
}

void rf_mmidx_close(rf_mmidx *m)
{
    if (!m)
        return;
    if (m->idx_map)
        munmap(m->idx_map, m->idx_map_size);
    if (m->bin_map)
        munmap(m->bin_map, m->bin_map_size);
    memset(m, 0, sizeof *m);
}
