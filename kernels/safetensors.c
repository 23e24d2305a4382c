/* safetensors.c — reader for the safetensors container and the HuggingFace
 * config.json that describes the model in it.
 *
 * safetensors: an unsigned 64-bit little-endian header length N, N bytes of
 * JSON ({"tensor": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * optional "__metadata__"}), then the data; offsets are relative to the end
 * of the header. The header is validated with the project's strict JSON
 * scanner (stages/json.h) and walked member by member; every tensor's byte
 * range must lie inside the data and match dtype × shape exactly. Only F32,
 * F16 and BF16 tensors are accepted (the dtypes HF checkpoints of small
 * Llama models use). config.json's top-level members become metadata. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "kernels/mfile.h"
#include "stages/json.h"

/* Iterates the members of the JSON object at p[*i]. Returns 1 with the
 * member's (unescaped, NUL-terminated, heap) key and its value span, 0 after
 * the closing brace, -1 on malformed input. */
typedef struct obj_iter {
    const char *p;
    size_t n, i;
    int first;
} obj_iter;

static int obj_begin(obj_iter *it, const char *p, size_t n, size_t i)
{
    it->p = p;
    it->n = n;
    it->i = rf_json_skip_ws(p, n, i);
    it->first = 1;
    if (it->i >= n || p[it->i] != '{')
        return -1;
    it->i++;
    return 0;
}

static int obj_next(obj_iter *it, char **key, size_t *vb, size_t *ve, rf_json_type *vt)
{
    const char *p = it->p;
    size_t n = it->n;
    it->i = rf_json_skip_ws(p, n, it->i);
    if (it->i >= n)
        return -1;
    if (p[it->i] == '}') {
        it->i++;
        return 0;
    }
    if (!it->first) {
        if (p[it->i] != ',')
            return -1;
        it->i = rf_json_skip_ws(p, n, it->i + 1);
    }
    it->first = 0;
    if (it->i >= n || p[it->i] != '"')
        return -1;
    size_t ks = it->i;
    unsigned fl = 0;
    rf_json_error e;
    if (rf_json_scan_string(p, n, &it->i, &fl, &e))
        return -1;
    size_t klen = it->i - ks - 2;
    char *k = rf_xmalloc(klen + 1);
    k[rf_json_unescape(p + ks + 1, klen, k)] = '\0';
    it->i = rf_json_skip_ws(p, n, it->i);
    if (it->i >= n || p[it->i] != ':') {
        free(k);
        return -1;
    }
    it->i = rf_json_skip_ws(p, n, it->i + 1);
    *vb = it->i;
    if (rf_json_scan_value(p, n, &it->i, vt, NULL, &e)) {
        free(k);
        return -1;
    }
    *ve = it->i;
    *key = k;
    return 1;
}

/* Number of members of the (validated) JSON text's top-level object, or -1
 * when it is not an object. */
static long count_members(const char *p, size_t n)
{
    obj_iter it;
    char *key;
    size_t vb, ve;
    rf_json_type vt;
    long count = 0;
    if (obj_begin(&it, p, n, 0) < 0)
        return -1;
    while (obj_next(&it, &key, &vb, &ve, &vt) == 1) {
        count++;
        free(key);
    }
    return count;
}

/* Parses a JSON array of non-negative integers (already validated JSON). */
static int int_array(const char *p, size_t b, size_t e, uint64_t *out, int cap, int *count)
{
    size_t i = b + 1;
    int k = 0;
    while (i < e) {
        i = rf_json_skip_ws(p, e, i);
        if (p[i] == ']')
            break;
        if (p[i] == ',') {
            i++;
            continue;
        }
        if (p[i] < '0' || p[i] > '9' || k >= cap)
            return -1;
        uint64_t v = 0;
        while (i < e && p[i] >= '0' && p[i] <= '9') {
            if (v > (UINT64_MAX - 9) / 10)
                return -1;
            v = v * 10 + (uint64_t)(p[i] - '0');
            i++;
        }
        if (i < e && (p[i] == '.' || p[i] == 'e' || p[i] == 'E'))
            return -1;
        out[k++] = v;
    }
    *count = k;
    return 0;
}

static int st_dtype(const char *p, size_t n)
{
    if (n == 5 && !memcmp(p, "\"F32\"", 5))
        return RF_DT_F32;
    if (n == 5 && !memcmp(p, "\"F16\"", 5))
        return RF_DT_F16;
    if (n == 6 && !memcmp(p, "\"BF16\"", 6))
        return RF_DT_BF16;
    return -1;
}

/* One tensor descriptor: {"dtype": .., "shape": [..], "data_offsets": [b, e]}. */
static int parse_tensor(rf_mfile *m, rf_tensor_view *tv, const char *p, size_t n, size_t b,
                        const unsigned char *data, uint64_t data_len, rf_err *err)
{
    const char *path = m->path ? m->path : "safetensors";
    obj_iter it;
    char *key;
    size_t vb, ve;
    rf_json_type vt;
    int r, dtype = -1, nd = -1, no = 0;
    uint64_t off[2] = {0, 0};
    vt = RF_JSON_NONE;
    if (obj_begin(&it, p, n, b) < 0)
        return rf_errf(err, RF_EFORMAT, "%s: tensor '%s' is not described by an object", path,
                       tv->name);
    while ((r = obj_next(&it, &key, &vb, &ve, &vt)) == 1) {
        if (!strcmp(key, "dtype")) {
            dtype = st_dtype(p + vb, ve - vb);
            if (dtype < 0) {
                free(key);
                return rf_errf(err, RF_EUNSUP, "%s: tensor '%s' has dtype %.*s; supported: F32, "
                               "F16, BF16", path, tv->name, (int)(ve - vb > 20 ? 20 : ve - vb),
                               p + vb);
            }
        } else if (!strcmp(key, "shape")) {
            if (vt != RF_JSON_ARRAY || int_array(p, vb, ve, tv->dims, RF_TENSOR_MAX_DIMS, &nd)) {
                free(key);
                return rf_errf(err, RF_EFORMAT, "%s: tensor '%s': shape must be up to %d "
                               "non-negative integers", path, tv->name, RF_TENSOR_MAX_DIMS);
            }
        } else if (!strcmp(key, "data_offsets")) {
            if (vt != RF_JSON_ARRAY || int_array(p, vb, ve, off, 2, &no) || no != 2) {
                free(key);
                return rf_errf(err, RF_EFORMAT, "%s: tensor '%s': data_offsets must be two "
                               "integers", path, tv->name);
            }
        }
        free(key);
    }
    if (r < 0)
        return rf_errf(err, RF_EFORMAT, "%s: malformed descriptor of tensor '%s'", path,
                       tv->name);
    if (dtype < 0 || nd < 1 || no != 2)
        return rf_errf(err, RF_EFORMAT, "%s: tensor '%s' lacks dtype, shape or data_offsets "
                       "(scalars are not weights)", path, tv->name);
    tv->type = (rf_dtype)dtype;
    tv->ndim = nd;
    tv->nelem = 1;
    for (int d = 0; d < nd; d++) {
        uint64_t v = tv->dims[d];
        if (v == 0 || v > ((uint64_t)1 << 40) || tv->nelem > ((uint64_t)1 << 40) / v)
            return rf_errf(err, RF_EFORMAT, "%s: tensor '%s' has an absurd shape", path,
                           tv->name);
        tv->nelem *= v;
    }
    int ok;
    tv->nbytes = rf_dtype_bytes(dtype, tv->nelem, &ok);
    if (!ok || off[0] > off[1] || off[1] > data_len || off[1] - off[0] != tv->nbytes)
        return rf_errf(err, RF_EFORMAT, "%s: tensor '%s': byte range [%llu, %llu) does not "
                       "match its shape and dtype or lies outside the %llu data bytes", path,
                       tv->name, (unsigned long long)off[0], (unsigned long long)off[1],
                       (unsigned long long)data_len);
    tv->data = data + off[0];
    return 0;
}

int rf_safetensors_parse(rf_mfile *m, const void *bytes, size_t n, rf_err *err)
{
    const char *path = m->path ? m->path : "safetensors";
    const unsigned char *u = bytes;
    m->format = RF_MFILE_SAFETENSORS;
    if (n < 8)
        return rf_errf(err, RF_EFORMAT, "%s: truncated safetensors file", path);
    uint64_t hl = 0;
    for (int k = 0; k < 8; k++)
        hl |= (uint64_t)u[k] << (8 * k);
    if (hl < 2 || hl > n - 8 || hl > ((uint64_t)100 << 20))
        return rf_errf(err, RF_EFORMAT, "%s: safetensors header length %llu does not fit the "
                       "%zu-byte file", path, (unsigned long long)hl, n);
    const char *h = (const char *)u + 8;
    size_t hn = (size_t)hl;
    rf_json_error je;
    if (rf_json_validate(h, hn, &je))
        return rf_errf(err, RF_EFORMAT, "%s: safetensors header is not JSON (byte %zu: %s)",
                       path, je.off, je.what);
    const unsigned char *data = u + 8 + hn;
    uint64_t data_len = n - 8 - hn;
    /* Count members first: the array is sized once. */
    long count = count_members(h, hn);
    if (count < 0)
        return rf_errf(err, RF_EFORMAT, "%s: safetensors header is not a JSON object", path);
    obj_iter it;
    char *key;
    size_t vb, ve;
    rf_json_type vt;
    int r;
    m->tensors = rf_xcalloc(count ? (size_t)count : 1, sizeof *m->tensors);
    obj_begin(&it, h, hn, 0);
    while ((r = obj_next(&it, &key, &vb, &ve, &vt)) == 1) {
        if (!strcmp(key, "__metadata__")) {
            free(key);
            continue;
        }
        if (rf_mfile_tensor(m, key)) {
            int rc = rf_errf(err, RF_EFORMAT, "%s: tensor '%s' appears twice", path, key);
            free(key);
            return rc;
        }
        rf_tensor_view *tv = &m->tensors[m->ntensors++];
        tv->name = key;
        int rc = parse_tensor(m, tv, h, hn, vb, data, data_len, err);
        if (rc)
            return rc;
    }
    return 0;
}

int rf_hfconfig_parse(rf_mfile *m, const char *json, size_t n, rf_err *err)
{
    rf_json_error je;
    if (rf_json_validate(json, n, &je))
        return rf_errf(err, RF_EFORMAT, "config.json: not JSON (byte %zu: %s)", je.off, je.what);
    long count = count_members(json, n);
    if (count < 0)
        return rf_errf(err, RF_EFORMAT, "config.json: not a JSON object");
    obj_iter it;
    char *key;
    size_t vb, ve;
    rf_json_type vt;
    int r;
    m->meta = rf_xrealloc(m->meta, (m->nmeta + (size_t)count + 1) * sizeof *m->meta);
    obj_begin(&it, json, n, 0);
    while ((r = obj_next(&it, &key, &vb, &ve, &vt)) == 1) {
        rf_meta *mv = &m->meta[m->nmeta++];
        memset(mv, 0, sizeof *mv);
        mv->key = key;
        const char *v = json + vb;
        size_t vl = ve - vb;
        switch (vt) {
        case RF_JSON_NUMBER: {
            char tmp[64];
            size_t l = vl < sizeof tmp - 1 ? vl : sizeof tmp - 1;
            memcpy(tmp, v, l);
            tmp[l] = '\0';
            mv->f = strtod(tmp, NULL);
            int integral = !memchr(v, '.', vl) && !memchr(v, 'e', vl) && !memchr(v, 'E', vl);
            if (integral && mv->f >= -9.0e18 && mv->f <= 9.0e18) {
                mv->kind = RF_META_INT;
                mv->i = strtoll(tmp, NULL, 10);
            } else {
                mv->kind = RF_META_FLOAT;
            }
            break;
        }
        case RF_JSON_STRING:
            mv->kind = RF_META_STRING;
            mv->s = v + 1;
            mv->slen = vl - 2;
            break;
        case RF_JSON_TRUE:
        case RF_JSON_FALSE:
            mv->kind = RF_META_BOOL;
            mv->i = vt == RF_JSON_TRUE;
            mv->f = (double)mv->i;
            break;
        case RF_JSON_ARRAY:
            mv->kind = RF_META_ARRAY;
            mv->s = v;
            mv->slen = vl;
            break;
        default:
            mv->kind = RF_META_OTHER;
            break;
        }
    }
    return 0;
}
