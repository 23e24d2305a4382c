/* gguf.c — reader for GGUF version 3 (and 2, which has the same layout):
 * a little-endian header (magic "GGUF", version, tensor count, key/value
 * count), the metadata key/values, the tensor infos (name, dims innermost
 * first, ggml type, offset into the data section) and the data section,
 * which starts at the next multiple of general.alignment (default 32).
 *
 * Every read goes through a cursor that knows how many bytes remain; counts
 * read from the file (strings, arrays, tensors, dims) are checked against
 * what the remaining bytes could possibly hold before anything is
 * allocated, and every tensor's byte range is checked against the data
 * section. Metadata arrays are skipped (their size is validated) except that
 * their element type and count are kept, which is all the engine needs. */
#include <stdlib.h>
#include <string.h>

#include "kernels/mfile.h"

typedef struct cursor {
    const unsigned char *p;
    size_t n, i;
} cursor;

enum {
    GT_U8 = 0, GT_I8, GT_U16, GT_I16, GT_U32, GT_I32, GT_F32, GT_BOOL, GT_STRING, GT_ARRAY,
    GT_U64, GT_I64, GT_F64, GT_COUNT
};

static size_t left(const cursor *c)
{
    return c->n - c->i;
}

static int rd_u32(cursor *c, uint32_t *v)
{
    if (left(c) < 4)
        return -1;
    const unsigned char *s = c->p + c->i;
    *v = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
    c->i += 4;
    return 0;
}

static int rd_u64(cursor *c, uint64_t *v)
{
    uint32_t lo, hi;
    if (left(c) < 8 || rd_u32(c, &lo) || rd_u32(c, &hi))
        return -1;
    *v = (uint64_t)hi << 32 | lo;
    return 0;
}

static int rd_str(cursor *c, const char **s, size_t *len)
{
    uint64_t n;
    if (rd_u64(c, &n) || n > left(c))
        return -1;
    *s = (const char *)c->p + c->i;
    *len = (size_t)n;
    c->i += (size_t)n;
    return 0;
}

static size_t scalar_size(uint32_t t)
{
    static const unsigned char sz[GT_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t < GT_COUNT ? sz[t] : 0;
}

/* Reads a scalar or string value of type t into *m. */
static int rd_value(cursor *c, uint32_t t, rf_meta *m)
{
    const unsigned char *s = c->p + c->i;
    size_t sz = scalar_size(t);
    if (t == GT_STRING) {
        m->kind = RF_META_STRING;
        return rd_str(c, &m->s, &m->slen);
    }
    if (!sz || left(c) < sz)
        return -1;
    uint64_t u = 0;
    for (size_t k = 0; k < sz; k++)
        u |= (uint64_t)s[k] << (8 * k);
    c->i += sz;
    m->kind = RF_META_INT;
    switch (t) {
    case GT_I8: m->i = (int8_t)u; break;
    case GT_I16: m->i = (int16_t)u; break;
    case GT_I32: m->i = (int32_t)u; break;
    case GT_I64: memcpy(&m->i, &u, 8); break;
    case GT_F32: {
        uint32_t b = (uint32_t)u;
        float f;
        memcpy(&f, &b, 4);
        m->kind = RF_META_FLOAT;
        m->f = f;
        return 0;
    }
    case GT_F64:
        m->kind = RF_META_FLOAT;
        memcpy(&m->f, &u, 8);
        return 0;
    case GT_BOOL:
        if (u > 1)
            return -1;
        m->kind = RF_META_BOOL;
        m->i = (int64_t)u;
        break;
    default: /* unsigned */
        if (u > INT64_MAX)
            return -1;
        m->i = (int64_t)u;
        break;
    }
    m->f = (double)m->i;
    return 0;
}

/* Skips an array's elements after checking they fit (nested arrays are
 * allowed by the format; depth is bounded to keep the stack small). */
static int skip_array(cursor *c, uint32_t et, uint64_t count, int depth)
{
    if (depth > 8)
        return -1;
    size_t sz = scalar_size(et);
    if (sz) {
        if (count > left(c) / sz)
            return -1;
        c->i += (size_t)count * sz;
        return 0;
    }
    if (et == GT_STRING) {
        if (count > left(c) / 8) /* each string has at least its length */
            return -1;
        for (uint64_t k = 0; k < count; k++) {
            const char *s;
            size_t n;
            if (rd_str(c, &s, &n))
                return -1;
        }
        return 0;
    }
    if (et == GT_ARRAY) {
        if (count > left(c) / 12)
            return -1;
        for (uint64_t k = 0; k < count; k++) {
            uint32_t t2;
            uint64_t n2;
            if (rd_u32(c, &t2) || rd_u64(c, &n2) || skip_array(c, t2, n2, depth + 1))
                return -1;
        }
        return 0;
    }
    return -1;
}

int rf_gguf_parse(rf_mfile *m, const void *data, size_t n, rf_err *err)
{
    cursor c = {data, n, 0};
    const char *path = m->path ? m->path : "gguf";
    uint32_t magic, version;
    uint64_t nt, nkv;
    m->format = RF_MFILE_GGUF;
    if (rd_u32(&c, &magic) || magic != 0x46554747u)
        return rf_errf(err, RF_EFORMAT, "%s: not a GGUF file (bad magic)", path);
    if (rd_u32(&c, &version) || rd_u64(&c, &nt) || rd_u64(&c, &nkv))
        return rf_errf(err, RF_EFORMAT, "%s: truncated GGUF header", path);
    if (version != 2 && version != 3)
        return rf_errf(err, RF_EUNSUP, "%s: GGUF version %u is not supported (2 or 3)", path,
                       version);
    m->gguf_version = version;
    /* A key/value needs at least 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8. */
    if (nkv > left(&c) / 13 || nt > left(&c) / 32)
        return rf_errf(err, RF_EFORMAT,
                       "%s: GGUF header claims %llu tensors and %llu keys, more than the file "
                       "can hold", path, (unsigned long long)nt, (unsigned long long)nkv);
    m->meta = rf_xcalloc(nkv ? (size_t)nkv : 1, sizeof *m->meta);
    uint64_t alignment = 32;
    for (uint64_t k = 0; k < nkv; k++) {
        const char *key;
        size_t klen;
        uint32_t t;
        rf_meta *mv = &m->meta[m->nmeta];
        if (rd_str(&c, &key, &klen) || rd_u32(&c, &t))
            return rf_errf(err, RF_EFORMAT, "%s: truncated GGUF metadata (key %llu)", path,
                           (unsigned long long)k);
        mv->key = rf_xstrndup(key, klen);
        m->nmeta++;
        if (t == GT_ARRAY) {
            uint32_t et;
            uint64_t cnt;
            if (rd_u32(&c, &et) || rd_u64(&c, &cnt) || skip_array(&c, et, cnt, 0))
                return rf_errf(err, RF_EFORMAT, "%s: GGUF array '%s' is malformed or truncated",
                               path, mv->key);
            mv->kind = RF_META_ARRAY;
            mv->elem_type = et;
            mv->count = cnt;
        } else if (rd_value(&c, t, mv)) {
            return rf_errf(err, RF_EFORMAT, "%s: GGUF value '%s' (type %u) is malformed or "
                           "truncated", path, mv->key, t);
        }
        if (!strcmp(mv->key, "general.alignment")) {
            if (mv->kind != RF_META_INT || mv->i < 1 || mv->i > 65536 || (mv->i & (mv->i - 1)))
                return rf_errf(err, RF_EFORMAT, "%s: general.alignment must be a power of two "
                               "up to 65536", path);
            alignment = (uint64_t)mv->i;
        }
    }
    m->tensors = rf_xcalloc(nt ? (size_t)nt : 1, sizeof *m->tensors);
    uint64_t *offs = rf_xcalloc(nt ? (size_t)nt : 1, sizeof *offs);
    int rc = 0;
    for (uint64_t k = 0; k < nt; k++) {
        const char *name;
        size_t nlen;
        uint32_t nd, type;
        rf_tensor_view *tv = &m->tensors[m->ntensors];
        if (rd_str(&c, &name, &nlen) || rd_u32(&c, &nd)) {
            rc = rf_errf(err, RF_EFORMAT, "%s: truncated GGUF tensor info %llu", path,
                         (unsigned long long)k);
            goto out;
        }
        tv->name = rf_xstrndup(name, nlen);
        m->ntensors++;
        if (nd < 1 || nd > RF_TENSOR_MAX_DIMS) {
            rc = rf_errf(err, RF_EFORMAT, "%s: tensor '%s' has %u dimensions (1 to %d allowed)",
                         path, tv->name, nd, RF_TENSOR_MAX_DIMS);
            goto out;
        }
        tv->ndim = (int)nd;
        tv->nelem = 1;
        for (uint32_t d = 0; d < nd; d++) {
            uint64_t v;
            if (rd_u64(&c, &v)) {
                rc = rf_errf(err, RF_EFORMAT, "%s: truncated dims of tensor '%s'", path, tv->name);
                goto out;
            }
            /* The product must stay far below 2^63 so byte sizes cannot wrap. */
            if (v == 0 || v > ((uint64_t)1 << 40) || tv->nelem > ((uint64_t)1 << 40) / v) {
                rc = rf_errf(err, RF_EFORMAT, "%s: tensor '%s' has an absurd shape", path,
                             tv->name);
                goto out;
            }
            tv->dims[nd - 1 - d] = v; /* ggml lists the innermost dimension first */
            tv->nelem *= v;
        }
        if (rd_u32(&c, &type) || rd_u64(&c, &offs[k])) {
            rc = rf_errf(err, RF_EFORMAT, "%s: truncated GGUF tensor info '%s'", path, tv->name);
            goto out;
        }
        if (!rf_dtype_name((int)type)) {
            rc = rf_errf(err, RF_EUNSUP, "%s: tensor '%s' has ggml type %u; supported: F32, "
                         "F16, BF16, Q8_0, Q4_0, Q4_1", path, tv->name, type);
            goto out;
        }
        tv->type = (rf_dtype)type;
        int ok;
        tv->nbytes = rf_dtype_bytes((int)type, tv->nelem, &ok);
        if (!ok || tv->dims[tv->ndim - 1] % (uint64_t)rf_dtype_block((int)type)) {
            rc = rf_errf(err, RF_EFORMAT, "%s: tensor '%s': row length %llu is not a whole "
                         "number of %s blocks", path, tv->name,
                         (unsigned long long)tv->dims[tv->ndim - 1], rf_dtype_name((int)type));
            goto out;
        }
        for (uint64_t j = 0; j < k; j++)
            if (!strcmp(m->tensors[j].name, tv->name)) {
                rc = rf_errf(err, RF_EFORMAT, "%s: tensor '%s' appears twice", path, tv->name);
                goto out;
            }
    }
    uint64_t data_start = ((uint64_t)c.i + alignment - 1) / alignment * alignment;
    if (data_start > n) {
        rc = rf_errf(err, RF_EFORMAT, "%s: truncated before the GGUF data section", path);
        goto out;
    }
    uint64_t data_len = n - data_start;
    for (size_t k = 0; k < m->ntensors; k++) {
        rf_tensor_view *tv = &m->tensors[k];
        if (offs[k] % alignment || offs[k] > data_len || tv->nbytes > data_len - offs[k]) {
            rc = rf_errf(err, RF_EFORMAT, "%s: tensor '%s' (%llu bytes at offset %llu) lies "
                         "outside the data section (%llu bytes): truncated or corrupt file",
                         path, tv->name, (unsigned long long)tv->nbytes,
                         (unsigned long long)offs[k], (unsigned long long)data_len);
            goto out;
        }
        tv->data = (const unsigned char *)data + data_start + offs[k];
    }
out:
    free(offs);
    return rc;
}
