/* fasttext.c — reads fastText 0.9.2 supervised models (.bin and quantised
 * .ftz) and predicts exactly as `fasttext predict-prob` does.
 *
 * File layout (native little-endian, no padding): magic and version (int32),
 * the arguments (12 int32 and a double), the dictionary (size, nwords,
 * nlabels as int32, ntokens and the pruned-index size as int64, then each
 * entry as NUL-terminated bytes + int64 count + int8 type, then the pruned
 * index as int32 pairs), a bool saying whether the input matrix is
 * quantised, the input matrix, a bool for a quantised output, the output
 * matrix. A dense matrix is int64 rows, int64 columns and the floats; a
 * quantised one is a bool (norms quantised), int64 rows and columns, an
 * int32 code size, the codes, the product quantiser (int32 dim, nsubq, dsub,
 * lastdsub and dim × 256 centroids) and, with quantised norms, one byte per
 * row plus a second quantiser. Every count is checked against the bytes left
 * before anything is allocated, and every index the predictor can form from
 * the file (rows, codes, centroids, tree nodes) is validated at load time,
 * so prediction needs no checks and a malformed file is an error message.
 *
 * Prediction repeats fastText's arithmetic in the same order and precision
 * (float accumulation, the double/float conversions of its std_log, its
 * sigmoid lookup table, its libstdc++ heap for the top k), so labels and
 * printed probabilities match, ties included. */
#define _POSIX_C_SOURCE 200809L
#include "filters/fasttext.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filters/fasttext_impl.h"
#include "stages/file.h"

#define FT_MAX_DIM 65536
static const char EOS[] = "</s>";
static const char LABEL_PREFIX[] = "__label__";

/* ---- small vectors ---- */

void ft_ivec_grow(ft_ivec *a)
{
    a->cap = a->cap ? a->cap * 2 : 64;
    a->v = rf_xrealloc(a->v, a->cap * sizeof *a->v);
}

void ft_ivec_release(ft_ivec *a)
{
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

void ft_linebuf_release(ft_linebuf *b)
{
    ft_ivec_release(&b->hashes);
    free(b->w);
    b->w = NULL;
    b->wcap = 0;
}

/* ---- reading ---- */

typedef struct rd {
    const unsigned char *p;
    size_t n, off;
    const char *name;
    rf_err *err;
} rd;

static int rd_fail(rd *r, const char *what, size_t need)
{
    return rf_errf(r->err, RF_EFORMAT,
                   "%s: truncated model: reading %s at offset %zu needs %zu bytes, %zu left",
                   r->name, what, r->off, need, r->n - r->off);
}

static int rd_bytes(rd *r, void *dst, size_t k, const char *what)
{
    if (r->n - r->off < k)
        return rd_fail(r, what, k);
    memcpy(dst, r->p + r->off, k);
    r->off += k;
    return 0;
}

static int rd_i32(rd *r, int32_t *v, const char *what)
{
    return rd_bytes(r, v, 4, what);
}

static int rd_i64(rd *r, int64_t *v, const char *what)
{
    return rd_bytes(r, v, 8, what);
}

static int rd_bool(rd *r, int *v, const char *what)
{
    unsigned char c = 0;
    int rc = rd_bytes(r, &c, 1, what);
    *v = c != 0; /* C++ reads a bool byte: anything but 0 is true */
    return rc;
}

/* Reads count floats into a fresh array (count already checked to fit). */
static int rd_floats(rd *r, float **out, size_t count, const char *what)
{
    if ((r->n - r->off) / 4 < count)
        return rd_fail(r, what, count * 4);
    *out = rf_xmalloc(count ? count * sizeof(float) : 1);
    memcpy(*out, r->p + r->off, count * 4);
    r->off += count * 4;
    return 0;
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ---- matrices ---- */

void ft_matrix_release(ft_matrix *a)
{
    free(a->data);
    free(a->codes);
    free(a->pq.centroids);
    free(a->norm_codes);
    free(a->npq.centroids);
    memset(a, 0, sizeof *a);
}

static int load_pq(rd *r, ft_pq *pq, const char *what)
{
    int rc;
    if ((rc = rd_i32(r, &pq->dim, what)) || (rc = rd_i32(r, &pq->nsubq, what)) ||
        (rc = rd_i32(r, &pq->dsub, what)) || (rc = rd_i32(r, &pq->lastdsub, what)))
        return rc;
    /* The centroid addressing of ProductQuantizer::get_centroids stays
     * inside dim * 256 floats exactly when the sub-spaces tile the vector. */
    if (pq->dim < 1 || pq->dim > FT_MAX_DIM || pq->nsubq < 1 || pq->dsub < 1 ||
        pq->lastdsub < 1 || pq->lastdsub > pq->dsub ||
        (int64_t)(pq->nsubq - 1) * pq->dsub + pq->lastdsub != pq->dim)
        return rf_errf(r->err, RF_EFORMAT,
                       "%s: %s: inconsistent product quantiser (dim %d, nsubq %d, dsub %d, "
                       "lastdsub %d)",
                       r->name, what, pq->dim, pq->nsubq, pq->dsub, pq->lastdsub);
    return rd_floats(r, &pq->centroids, (size_t)pq->dim * FT_KSUB, what);
}

static int load_matrix(rd *r, ft_matrix *a, int quant, int dim, const char *what)
{
    int rc;
    memset(a, 0, sizeof *a);
    a->quant = quant;
    if (quant && (rc = rd_bool(r, &a->qnorm, what)))
        return rc;
    if ((rc = rd_i64(r, &a->m, what)) || (rc = rd_i64(r, &a->n, what)))
        return rc;
    if (a->m < 0 || a->n != dim)
        return rf_errf(r->err, RF_EFORMAT,
                       "%s: %s matrix is %lld x %lld, the model dimension is %d", r->name, what,
                       (long long)a->m, (long long)a->n, dim);
    if (!quant) {
        if ((uint64_t)a->m > (r->n - r->off) / 4 / (uint64_t)dim)
            return rf_errf(r->err, RF_EFORMAT,
                           "%s: truncated model: %s matrix of %lld x %d floats needs more than "
                           "the %zu bytes left",
                           r->name, what, (long long)a->m, dim, r->n - r->off);
        return rd_floats(r, &a->data, (size_t)a->m * (size_t)dim, what);
    }
    if ((rc = rd_i32(r, &a->codesize, what)))
        return rc;
    if (a->codesize < 0)
        return rf_errf(r->err, RF_EFORMAT, "%s: %s: negative code size", r->name, what);
    if (r->n - r->off < (size_t)a->codesize)
        return rd_fail(r, what, (size_t)a->codesize);
    a->codes = rf_xmalloc((size_t)a->codesize + 1);
    memcpy(a->codes, r->p + r->off, (size_t)a->codesize);
    r->off += (size_t)a->codesize;
    if ((rc = load_pq(r, &a->pq, what)))
        return rc;
    if (a->pq.dim != dim)
        return rf_errf(r->err, RF_EFORMAT, "%s: %s: quantiser dimension %d, model dimension %d",
                       r->name, what, a->pq.dim, dim);
    if ((uint64_t)a->m * (uint64_t)a->pq.nsubq > (uint64_t)a->codesize)
        return rf_errf(r->err, RF_EFORMAT, "%s: %s: %d code bytes for %lld rows of %d codes",
                       r->name, what, a->codesize, (long long)a->m, a->pq.nsubq);
    if (a->qnorm) {
        if (r->n - r->off < (uint64_t)a->m)
            return rd_fail(r, what, (size_t)a->m);
        a->norm_codes = rf_xmalloc((size_t)a->m + 1);
        memcpy(a->norm_codes, r->p + r->off, (size_t)a->m);
        r->off += (size_t)a->m;
        if ((rc = load_pq(r, &a->npq, what)))
            return rc;
    }
    return 0;
}

/* ---- dictionary ---- */

static uint32_t pow2_at_least(uint64_t n)
{
    uint64_t p = 16;
    while (p < n)
        p <<= 1;
    return (uint32_t)p;
}

int32_t ft_dict_find(const rf_ft_model *m, const char *w, size_t n, uint32_t h)
{
    uint32_t i = h & m->wmask;
    uint32_t e;
    while ((e = m->wtab[i]) != 0) {
        e--;
        if (m->wlen[e] == n && memcmp(m->pool + m->woff[e], w, n) == 0)
            return (int32_t)e;
        i = (i + 1) & m->wmask;
    }
    return -1;
}

static int32_t prune_find(const rf_ft_model *m, int32_t key)
{
    uint32_t i = ((uint32_t)key * 2654435761u) & m->pmask;
    while (m->pval[i] >= 0) {
        if (m->pkey[i] == key)
            return m->pval[i];
        i = (i + 1) & m->pmask;
    }
    return -1;
}

static void prune_put(rf_ft_model *m, int32_t key, int32_t val)
{
    uint32_t i = ((uint32_t)key * 2654435761u) & m->pmask;
    while (m->pval[i] >= 0 && m->pkey[i] != key)
        i = (i + 1) & m->pmask;
    m->pkey[i] = key; /* a repeated key keeps the last value, as fastText's map */
    m->pval[i] = val;
}

static int load_dict(rd *r, rf_ft_model *m)
{
    int rc;
    if ((rc = rd_i32(r, &m->size, "dictionary size")) ||
        (rc = rd_i32(r, &m->nwords, "dictionary nwords")) ||
        (rc = rd_i32(r, &m->nlabels, "dictionary nlabels")) ||
        (rc = rd_i64(r, &m->ntokens, "dictionary ntokens")) ||
        (rc = rd_i64(r, &m->pruneidx_size, "dictionary pruneidx_size")))
        return rc;
    if (m->size < 0 || m->nwords < 0 || m->nlabels < 0 ||
        (int64_t)m->nwords + m->nlabels != m->size)
        return rf_errf(r->err, RF_EFORMAT,
                       "%s: dictionary: size %d is not nwords %d + nlabels %d", r->name, m->size,
                       m->nwords, m->nlabels);
    /* An entry takes at least 10 bytes (NUL, count, type). */
    if ((uint64_t)m->size > (r->n - r->off) / 10)
        return rd_fail(r, "dictionary entries", (size_t)m->size * 10);
    /* First pass: validate and measure; second: copy. */
    size_t start = r->off, pool = 0;
    for (int32_t i = 0; i < m->size; i++) {
        const unsigned char *s = r->p + r->off;
        const unsigned char *z = memchr(s, 0, r->n - r->off);
        if (!z)
            return rd_fail(r, "dictionary word", r->n - r->off + 1);
        size_t len = (size_t)(z - s);
        if (len > UINT32_MAX)
            return rf_errf(r->err, RF_EFORMAT, "%s: dictionary word %d too long", r->name, i);
        r->off += len + 1;
        if (r->n - r->off < 9)
            return rd_fail(r, "dictionary entry count and type", 9);
        unsigned char type = r->p[r->off + 8];
        r->off += 9;
        int want = i < m->nwords ? FT_WORD : FT_LABEL;
        if (type != want)
            return rf_errf(r->err, RF_EFORMAT,
                           "%s: dictionary entry %d has type %u; words (%d) must come before "
                           "labels (%d)",
                           r->name, i, type, m->nwords, m->nlabels);
        pool += len + 1;
    }
    m->pool = rf_xmalloc(pool + 1);
    m->woff = rf_xmalloc(((size_t)m->size + 1) * sizeof *m->woff);
    m->wlen = rf_xmalloc(((size_t)m->size + 1) * sizeof *m->wlen);
    m->counts = rf_xmalloc(((size_t)m->size + 1) * sizeof *m->counts);
    m->types = rf_xmalloc((size_t)m->size + 1);
    r->off = start;
    size_t po = 0;
    for (int32_t i = 0; i < m->size; i++) {
        const unsigned char *s = r->p + r->off;
        size_t len = strlen((const char *)s); /* NUL found in the first pass */
        memcpy(m->pool + po, s, len + 1);
        m->woff[i] = po;
        m->wlen[i] = (uint32_t)len;
        po += len + 1;
        r->off += len + 1;
        memcpy(&m->counts[i], r->p + r->off, 8);
        m->types[i] = r->p[r->off + 8];
        r->off += 9;
    }
    if (m->pruneidx_size > 0) {
        if ((uint64_t)m->pruneidx_size > (r->n - r->off) / 8)
            return rd_fail(r, "pruned index", (size_t)m->pruneidx_size * 8);
        m->pmask = pow2_at_least((uint64_t)m->pruneidx_size * 2) - 1;
        m->pkey = rf_xmalloc(((size_t)m->pmask + 1) * sizeof *m->pkey);
        m->pval = rf_xmalloc(((size_t)m->pmask + 1) * sizeof *m->pval);
        for (size_t i = 0; i <= m->pmask; i++)
            m->pval[i] = -1;
        for (int64_t i = 0; i < m->pruneidx_size; i++) {
            int32_t k = 0, v = 0;
            rd_i32(r, &k, "pruned index"); /* the size was checked above */
            rd_i32(r, &v, "pruned index");
            if (v < 0)
                return rf_errf(r->err, RF_EFORMAT, "%s: pruned index entry %lld is negative",
                               r->name, (long long)i);
            prune_put(m, k, v);
        }
    }
    return 0;
}

/* ---- tables, tree, checks ---- */

float ft_sigmoid(const rf_ft_model *m, float x)
{
    if (x < -FT_MAX_SIGMOID)
        return 0.0f;
    if (x > FT_MAX_SIGMOID)
        return 1.0f;
    if (x != x) /* NaN from a broken model: fastText's cast would be undefined */
        return 0.0f;
    int64_t i = (int64_t)((x + FT_MAX_SIGMOID) * FT_SIGMOID_TABLE / FT_MAX_SIGMOID / 2);
    return m->t_sigmoid[i];
}

float ft_log(const rf_ft_model *m, float x)
{
    if (x > 1.0f)
        return 0.0f;
    if (!(x >= 0.0f))
        return m->t_log[0];
    int64_t i = (int64_t)(x * FT_LOG_TABLE);
    return m->t_log[i];
}

static void build_tables(rf_ft_model *m)
{
    for (int i = 0; i <= FT_SIGMOID_TABLE; i++) {
        float x = (float)(i * 2 * FT_MAX_SIGMOID) / FT_SIGMOID_TABLE - FT_MAX_SIGMOID;
        m->t_sigmoid[i] = (float)(1.0 / (1.0 + (double)expf(-x)));
    }
    for (int i = 0; i <= FT_LOG_TABLE; i++) {
        float x = (float)(((double)(float)i + 1e-5) / FT_LOG_TABLE);
        m->t_log[i] = logf(x);
    }
}

/* The Huffman tree of HierarchicalSoftmaxLoss::buildTree over the label
 * counts in dictionary order. fastText's counts are sorted descending, and
 * then the two-queue merge only ever takes nodes it has built; counts in
 * another order (a damaged file) could make it take a node not built yet,
 * which fastText would read past its array for: that is an error here.
 * Sums wrap like fastText's int64 instead of being undefined. */
static int build_tree(rf_ft_model *m, rf_err *err)
{
    int32_t osz = m->nlabels;
    size_t nn = 2 * (size_t)osz - 1;
    ft_node *t = rf_xmalloc(nn * sizeof *t);
    for (size_t i = 0; i < nn; i++) {
        t[i].parent = t[i].left = t[i].right = -1;
        t[i].count = (int64_t)1e15;
        t[i].binary = 0;
    }
    for (int32_t i = 0; i < osz; i++)
        t[i].count = m->counts[m->nwords + i];
    int32_t leaf = osz - 1, node = osz;
    for (int32_t i = osz; i < 2 * osz - 1; i++) {
        int32_t mini[2] = {0, 0};
        for (int j = 0; j < 2; j++) {
            if (leaf >= 0 && t[leaf].count < t[node].count) {
                mini[j] = leaf--;
            } else {
                if (node >= i) {
                    free(t);
                    return rf_errf(err, RF_EFORMAT,
                                   "label counts do not form a hierarchical-softmax tree (fastText "
                                   "writes them in descending order)");
                }
                mini[j] = node++;
            }
        }
        t[i].left = mini[0];
        t[i].right = mini[1];
        t[i].count = (int64_t)((uint64_t)t[mini[0]].count + (uint64_t)t[mini[1]].count);
        t[mini[0]].parent = i;
        t[mini[1]].parent = i;
        t[mini[1]].binary = 1;
    }
    m->tree = t;
    return 0;
}

int ft_model_finish(rf_ft_model *m, rf_err *err)
{
    m->bucket_inv = m->args.bucket > 0 ? 1.0 / (double)m->args.bucket : 0.0;
    if (m->pruneidx_size > 0 && m->args.bucket > 0 && m->args.bucket <= (1 << 27)) {
        m->pbits = rf_xcalloc(((size_t)m->args.bucket + 63) / 64, sizeof *m->pbits);
        for (size_t i = 0; i <= m->pmask; i++)
            if (m->pval[i] >= 0 && m->pkey[i] >= 0 && m->pkey[i] < m->args.bucket)
                m->pbits[(uint32_t)m->pkey[i] >> 6] |= (uint64_t)1 << ((uint32_t)m->pkey[i] & 63);
    }
    m->wmask = pow2_at_least((uint64_t)m->size * 2) - 1;
    m->wtab = rf_xcalloc((size_t)m->wmask + 1, sizeof *m->wtab);
    for (int32_t i = 0; i < m->size; i++) {
        const char *w = m->pool + m->woff[i];
        uint32_t h = ft_hash(w, m->wlen[i]);
        uint32_t s = h & m->wmask;
        for (;;) {
            uint32_t e = m->wtab[s];
            if (!e || (m->wlen[e - 1] == m->wlen[i] && !memcmp(m->pool + m->woff[e - 1], w, m->wlen[i])))
                break;
            s = (s + 1) & m->wmask;
        }
        m->wtab[s] = (uint32_t)i + 1; /* a repeated word: the last one wins, as in fastText */
    }
    build_tables(m);
    if (m->args.loss == RF_FT_LOSS_HS && m->nlabels > 0)
        return build_tree(m, err);
    return 0;
}

static int uses_ngrams(const rf_ft_model *m)
{
    return m->args.maxn > 0 || m->args.word_ngrams > 1;
}

/* Everything prediction will index, checked once. */
static int check_model(const rf_ft_model *m, const char *name, rf_err *err)
{
    const rf_ft_args *a = &m->args;
    if (a->model != RF_FT_MODEL_SUP)
        return rf_errf(err, RF_EUNSUP,
                       "%s: not a supervised classifier (model type %d; cbow and skipgram "
                       "word-vector models cannot predict labels)",
                       name, a->model);
    if (a->loss < RF_FT_LOSS_HS || a->loss > RF_FT_LOSS_OVA)
        return rf_errf(err, RF_EFORMAT, "%s: unknown loss %d", name, a->loss);
    if (a->dim < 1 || a->dim > FT_MAX_DIM)
        return rf_errf(err, RF_EFORMAT, "%s: dimension %d out of range 1..%d", name, a->dim,
                       FT_MAX_DIM);
    if (a->minn < 0 || a->maxn < 0 || a->bucket < 0)
        return rf_errf(err, RF_EFORMAT, "%s: negative minn/maxn/bucket (%d/%d/%d)", name,
                       a->minn, a->maxn, a->bucket);
    if (uses_ngrams(m) && a->bucket == 0)
        return rf_errf(err, RF_EFORMAT, "%s: bucket is 0 but the model uses n-grams", name);
    if ((int64_t)m->nwords + a->bucket > INT32_MAX)
        return rf_errf(err, RF_EFORMAT, "%s: %d words + %d buckets overflow fastText's ids",
                       name, m->nwords, a->bucket);
    if (m->nlabels < 1)
        return rf_errf(err, RF_EFORMAT, "%s: the dictionary has no labels", name);
    if (m->in.m < m->nwords)
        return rf_errf(err, RF_EFORMAT, "%s: input matrix has %lld rows for %d words", name,
                       (long long)m->in.m, m->nwords);
    if (m->pruneidx_size > 0) {
        for (size_t i = 0; i <= m->pmask; i++)
            if (m->pval[i] >= 0 && (int64_t)m->nwords + m->pval[i] >= m->in.m)
                return rf_errf(err, RF_EFORMAT,
                               "%s: pruned index points at row %lld of %lld", name,
                               (long long)m->nwords + m->pval[i], (long long)m->in.m);
    } else if (m->pruneidx_size < 0 && uses_ngrams(m) && m->in.m < (int64_t)m->nwords + a->bucket) {
        return rf_errf(err, RF_EFORMAT, "%s: input matrix has %lld rows for %d words + %d buckets",
                       name, (long long)m->in.m, m->nwords, a->bucket);
    }
    if (m->out.m < m->nlabels)
        return rf_errf(err, RF_EFORMAT, "%s: output matrix has %lld rows for %d labels", name,
                       (long long)m->out.m, m->nlabels);
    return 0;
}

int rf_ft_load_mem(rf_ft_model **out, const void *data, size_t n, const char *name, rf_err *err)
{
    *out = NULL;
    if (!host_is_little_endian())
        return rf_errf(err, RF_EUNSUP, "%s: fastText models are read on little-endian hosts only",
                       name);
    rd r = {data, n, 0, name, err};
    rf_ft_model *m = rf_xcalloc(1, sizeof *m);
    int32_t magic = 0;
    int rc;
    if ((rc = rd_i32(&r, &magic, "magic number")))
        goto out;
    if (magic != FT_MAGIC) {
        rc = rf_errf(err, RF_EFORMAT, "%s: not a fastText model (bad magic number)", name);
        goto out;
    }
    if ((rc = rd_i32(&r, &m->version, "version")))
        goto out;
    if (m->version > FT_VERSION) {
        rc = rf_errf(err, RF_EUNSUP, "%s: fastText model version %d is newer than %d", name,
                     m->version, FT_VERSION);
        goto out;
    }
    rf_ft_args *a = &m->args;
    int32_t *ints[] = {&a->dim, &a->ws, &a->epoch, &a->min_count, &a->neg, &a->word_ngrams,
                       &a->loss, &a->model, &a->bucket, &a->minn, &a->maxn, &a->lr_update_rate};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        if ((rc = rd_i32(&r, ints[i], "arguments")))
            goto out;
    if ((rc = rd_bytes(&r, &a->t, 8, "arguments")))
        goto out;
    /* Version 11 supervised models did not use character n-grams. */
    if (m->version == 11 && a->model == RF_FT_MODEL_SUP)
        a->maxn = 0;
    if (a->dim < 1 || a->dim > FT_MAX_DIM) {
        rc = rf_errf(err, RF_EFORMAT, "%s: dimension %d out of range 1..%d", name, a->dim,
                     FT_MAX_DIM);
        goto out;
    }
    if ((rc = load_dict(&r, m)))
        goto out;
    if ((rc = rd_bool(&r, &m->quant, "quantisation flag")))
        goto out;
    if ((rc = load_matrix(&r, &m->in, m->quant, a->dim, "input")))
        goto out;
    if (!m->quant && m->pruneidx_size >= 0) {
        rc = rf_errf(err, RF_EFORMAT,
                     "%s: a pruned dictionary with a dense input matrix (fastText refuses this "
                     "file too; see its issue #332)",
                     name);
        goto out;
    }
    if ((rc = rd_bool(&r, &m->qout, "output quantisation flag")))
        goto out;
    if (!m->quant)
        m->qout = 0; /* fastText reads the flag but keeps a dense output */
    if ((rc = load_matrix(&r, &m->out, m->qout, a->dim, "output")))
        goto out;
    if ((rc = check_model(m, name, err)))
        goto out;
    if ((rc = ft_model_finish(m, err)))
        goto out;
    ft_model_precompute(m);
out:
    if (rc) {
        rf_ft_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int rf_ft_load(rf_ft_model **out, const char *path, rf_err *err)
{
    *out = NULL;
    rf_file_map fm;
    int rc = rf_file_map_open(&fm, path, err);
    if (rc)
        return rc;
    if (fm.n == 0)
        return rf_errf(err, RF_EFORMAT, "%s: empty file, not a fastText model", path);
    rc = rf_ft_load_mem(out, fm.p, fm.n, path, err);
    rf_file_map_close(&fm);
    return rc;
}

void rf_ft_free(rf_ft_model *m)
{
    if (!m)
        return;
    free(m->pool);
    free(m->woff);
    free(m->wlen);
    free(m->counts);
    free(m->types);
    free(m->wtab);
    free(m->pkey);
    free(m->pval);
    free(m->pbits);
    ft_matrix_release(&m->in);
    ft_matrix_release(&m->out);
    free(m->tree);
    free(m->sub);
    free(m->sub_off);
    free(m);
}

const rf_ft_args *rf_ft_get_args(const rf_ft_model *m)
{
    return &m->args;
}

int32_t rf_ft_nwords(const rf_ft_model *m)
{
    return m->nwords;
}

int32_t rf_ft_nlabels(const rf_ft_model *m)
{
    return m->nlabels;
}

int rf_ft_is_quantized(const rf_ft_model *m)
{
    return m->quant;
}

const char *rf_ft_label(const rf_ft_model *m, int32_t i, size_t *len)
{
    if (i < 0 || i >= m->nlabels)
        return NULL;
    int32_t e = m->nwords + i;
    if (len)
        *len = m->wlen[e];
    return m->pool + m->woff[e];
}

int32_t rf_ft_label_id(const rf_ft_model *m, const char *label, size_t n)
{
    const size_t pl = sizeof LABEL_PREFIX - 1;
    char *tmp = NULL;
    const char *w = label;
    if (n < pl || memcmp(label, LABEL_PREFIX, pl) != 0) {
        tmp = rf_xmalloc(n + pl + 1);
        memcpy(tmp, LABEL_PREFIX, pl);
        memcpy(tmp + pl, label, n);
        w = tmp;
        n += pl;
    }
    int32_t e = ft_dict_find(m, w, n, ft_hash(w, n));
    free(tmp);
    return e >= m->nwords ? e - m->nwords : -1;
}

/* ---- features (Dictionary::getLine) ---- */

/* Dictionary::pushHash: an n-gram bucket becomes an input row, through the
 * pruned index when there is one. */
static inline void push_hash(const rf_ft_model *m, ft_ivec *feat, int32_t id)
{
    if (m->pruneidx_size == 0 || id < 0)
        return;
    if (m->pruneidx_size > 0) {
        if (m->pbits && !((m->pbits[(uint32_t)id >> 6] >> ((uint32_t)id & 63)) & 1))
            return;
        id = prune_find(m, id);
        if (id < 0)
            return;
    }
    ft_ivec_push(feat, m->nwords + id);
}

/* Dictionary::computeSubwords on "<token>": every run of 1..maxn UTF-8
 * characters, except the lone "<" and ">", hashed into a bucket. */
static void char_ngrams(const rf_ft_model *m, ft_linebuf *lb, const char *w, size_t n,
                        ft_ivec *feat)
{
    size_t L = n + 2;
    if (lb->wcap < L) {
        lb->wcap = L + 64;
        lb->w = rf_xrealloc(lb->w, lb->wcap);
    }
    unsigned char *s = (unsigned char *)lb->w;
    s[0] = '<';
    memcpy(s + 1, w, n);
    s[L - 1] = '>';
    const size_t minn = (size_t)m->args.minn, maxn = (size_t)m->args.maxn;
    for (size_t i = 0; i < L; i++) {
        if ((s[i] & 0xC0) == 0x80)
            continue;
        uint32_t h = 2166136261u;
        size_t j = i;
        for (size_t k = 1; j < L && k <= maxn; k++) {
            h = (h ^ (uint32_t)(int32_t)(int8_t)s[j++]) * 16777619u;
            while (j < L && (s[j] & 0xC0) == 0x80)
                h = (h ^ (uint32_t)(int32_t)(int8_t)s[j++]) * 16777619u;
            if (k >= minn && !(k == 1 && (i == 0 || j == L)))
                push_hash(m, feat, (int32_t)ft_mod_bucket(m, h));
        }
    }
}

static void token(const rf_ft_model *m, ft_linebuf *lb, const char *w, size_t n, ft_ivec *feat,
                  ft_ivec *labels)
{
    uint32_t h = ft_hash(w, n);
    int32_t wid = ft_dict_find(m, w, n, h);
    int type;
    if (wid >= 0)
        type = m->types[wid];
    else
        type = n >= sizeof LABEL_PREFIX - 1 && !memcmp(w, LABEL_PREFIX, sizeof LABEL_PREFIX - 1)
                   ? FT_LABEL
                   : FT_WORD;
    if (type == FT_WORD) {
        int eos = n == 4 && !memcmp(w, EOS, 4);
        if (wid >= 0)
            ft_ivec_push(feat, wid);
        if (wid >= 0 && m->sub) {
            const int32_t *r = m->sub + m->sub_off[wid];
            size_t k = m->sub_off[wid + 1] - m->sub_off[wid];
            while (feat->n + k > feat->cap)
                ft_ivec_grow(feat);
            memcpy(feat->v + feat->n, r, k * sizeof *r);
            feat->n += k;
        } else if (!eos && m->args.maxn > 0) {
            char_ngrams(m, lb, w, n, feat);
        }
        ft_ivec_push(&lb->hashes, (int32_t)h);
    } else if (wid >= 0 && labels) {
        ft_ivec_push(labels, wid - m->nwords);
    }
}

void ft_model_precompute(rf_ft_model *m)
{
    const size_t cap_rows = (size_t)64 << 20; /* 256 MB of row ids at most */
    if (m->args.maxn <= 0 || m->nwords == 0 || m->sub)
        return;
    ft_ivec all = {0};
    ft_linebuf lb;
    memset(&lb, 0, sizeof lb);
    size_t *off = rf_xmalloc(((size_t)m->nwords + 1) * sizeof *off);
    for (int32_t i = 0; i < m->nwords; i++) {
        off[i] = all.n;
        const char *w = m->pool + m->woff[i];
        size_t n = m->wlen[i];
        if (!(n == 4 && !memcmp(w, EOS, 4)))
            char_ngrams(m, &lb, w, n, &all);
        if (all.n > cap_rows) {
            ft_ivec_release(&all);
            ft_linebuf_release(&lb);
            free(off);
            return;
        }
    }
    off[m->nwords] = all.n;
    ft_linebuf_release(&lb);
    m->sub = all.v ? all.v : rf_xmalloc(sizeof *m->sub);
    m->sub_off = off;
}

size_t ft_line_features(const rf_ft_model *m, const char *p, size_t n, int eol, ft_linebuf *lb,
                        ft_ivec *feat, ft_ivec *labels)
{
    size_t ntok = 0, i = 0;
    feat->n = 0;
    lb->hashes.n = 0;
    if (labels)
        labels->n = 0;
    const char *tok;
    size_t len;
    while (ft_next_token(p, n, &i, &tok, &len)) {
        token(m, lb, tok, len, feat, labels);
        ntok++;
    }
    if (eol) {
        token(m, lb, EOS, 4, feat, labels);
        ntok++;
    }
    /* Dictionary::addWordNgrams: the int32 hashes sign-extend into the
     * 64-bit rolling hash. */
    const int64_t wn = m->args.word_ngrams;
    const uint64_t bucket = (uint64_t)m->args.bucket;
    const int32_t *hs = lb->hashes.v;
    const int64_t nh = (int64_t)lb->hashes.n;
    if (wn > 1) {
        for (int64_t a = 0; a < nh; a++) {
            uint64_t h = (uint64_t)(int64_t)hs[a];
            for (int64_t b = a + 1; b < nh && b < a + wn; b++) {
                h = h * 116049371u + (uint64_t)(int64_t)hs[b];
                push_hash(m, feat, (int32_t)(h % bucket));
            }
        }
    }
    return ntok;
}

/* ---- prediction ---- */

typedef struct hp {
    float s;
    int32_t l;
} hp;

typedef struct hs_item {
    int32_t node;
    float score;
} hs_item;

struct rf_ft_scratch {
    ft_linebuf lb;
    ft_ivec feat;
    ft_ivec labels;
    float *hidden;
    float *output;
    hp *heap;
    hs_item *stack;
};

rf_ft_scratch *rf_ft_scratch_new(const rf_ft_model *m)
{
    rf_ft_scratch *s = rf_xcalloc(1, sizeof *s);
    s->hidden = rf_xmalloc((size_t)m->args.dim * sizeof *s->hidden);
    s->output = rf_xmalloc((size_t)m->nlabels * sizeof *s->output);
    s->heap = rf_xmalloc(((size_t)m->nlabels + 2) * sizeof *s->heap);
    s->stack = rf_xmalloc(((size_t)m->nlabels * 2 + 2) * sizeof *s->stack);
    return s;
}

void rf_ft_scratch_free(rf_ft_scratch *s)
{
    if (!s)
        return;
    ft_linebuf_release(&s->lb);
    ft_ivec_release(&s->feat);
    ft_ivec_release(&s->labels);
    free(s->hidden);
    free(s->output);
    free(s->heap);
    free(s->stack);
    free(s);
}

/* fastText's std_log: log(x + 1e-5) in double, kept as float. */
static inline float std_log(float x)
{
    return (float)log((double)x + 1e-5);
}

/* libstdc++'s heap algorithms with fastText's comparePairs (a > b): the
 * same element moves give the same order among equal scores. */
static inline int hp_less(hp a, hp b)
{
    return a.s > b.s;
}

static void hp_push_hole(hp *h, ptrdiff_t hole, ptrdiff_t top, hp v)
{
    ptrdiff_t parent = (hole - 1) / 2;
    while (hole > top && hp_less(h[parent], v)) {
        h[hole] = h[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    h[hole] = v;
}

static void hp_adjust(hp *h, ptrdiff_t hole, ptrdiff_t len, hp v)
{
    const ptrdiff_t top = hole;
    ptrdiff_t second = hole;
    while (second < (len - 1) / 2) {
        second = 2 * (second + 1);
        if (hp_less(h[second], h[second - 1]))
            second--;
        h[hole] = h[second];
        hole = second;
    }
    if ((len & 1) == 0 && second == (len - 2) / 2) {
        second = 2 * (second + 1);
        h[hole] = h[second - 1];
        hole = second - 1;
    }
    hp_push_hole(h, hole, top, v);
}

static void hp_push(hp *h, ptrdiff_t len)
{
    hp_push_hole(h, len - 1, 0, h[len - 1]);
}

static void hp_pop(hp *h, ptrdiff_t len)
{
    if (len > 1) {
        hp v = h[len - 1];
        h[len - 1] = h[0];
        hp_adjust(h, 0, len - 1, v);
    }
}

static void hp_sort(hp *h, ptrdiff_t len)
{
    while (len > 1) {
        len--;
        hp v = h[len];
        h[len] = h[0];
        hp_adjust(h, 0, len, v);
    }
}

/* The norm of a row of a quantised matrix (1 unless norms are quantised). */
static inline float pq_norm(const ft_matrix *a, int32_t row)
{
    if (!a->qnorm)
        return 1.0f;
    const ft_pq *q = &a->npq;
    size_t c = a->norm_codes[row];
    return q->nsubq == 1 ? q->centroids[c * (size_t)q->lastdsub] : q->centroids[c * (size_t)q->dsub];
}

/* ProductQuantizer::get_centroids: sub-space s, centroid code; *d floats. */
static inline const float *pq_centroid(const ft_pq *pq, int32_t s, uint8_t code, int32_t *d)
{
    if (s == pq->nsubq - 1) {
        *d = pq->lastdsub;
        return pq->centroids + (size_t)s * FT_KSUB * (size_t)pq->dsub + (size_t)code * (size_t)pq->lastdsub;
    }
    *d = pq->dsub;
    return pq->centroids + ((size_t)s * FT_KSUB + code) * (size_t)pq->dsub;
}

static inline void add_row(const ft_matrix *a, int32_t row, float *x, int dim)
{
    if (!a->quant) {
        const float *r = a->data + (size_t)row * (size_t)dim;
        for (int j = 0; j < dim; j++)
            x[j] += r[j];
        return;
    }
    const ft_pq *pq = &a->pq;
    const uint8_t *code = a->codes + (size_t)pq->nsubq * (size_t)row;
    const float norm = pq_norm(a, row);
    for (int32_t s = 0; s < pq->nsubq; s++) {
        int32_t d;
        const float *c = pq_centroid(pq, s, code[s], &d);
        float *xs = x + (size_t)s * (size_t)pq->dsub;
        for (int32_t k = 0; k < d; k++)
            xs[k] += norm * c[k];
    }
}

static inline float dot_row(const ft_matrix *a, int32_t row, const float *x, int dim)
{
    if (!a->quant) {
        const float *r = a->data + (size_t)row * (size_t)dim;
        float d = 0.0f;
        for (int j = 0; j < dim; j++)
            d += r[j] * x[j];
        return d;
    }
    const ft_pq *pq = &a->pq;
    const uint8_t *code = a->codes + (size_t)pq->nsubq * (size_t)row;
    float res = 0.0f;
    for (int32_t s = 0; s < pq->nsubq; s++) {
        int32_t d;
        const float *c = pq_centroid(pq, s, code[s], &d);
        const float *xs = x + (size_t)s * (size_t)pq->dsub;
        for (int32_t k = 0; k < d; k++)
            res += xs[k] * c[k];
    }
    return res * pq_norm(a, row);
}

void ft_softmax(float *o, int32_t n)
{
    float mx = o[0], z = 0.0f;
    for (int32_t i = 0; i < n; i++)
        mx = o[i] < mx ? mx : o[i];
    for (int32_t i = 0; i < n; i++) {
        o[i] = (float)exp((double)(o[i] - mx)); /* fastText calls ::exp(double) */
        z += o[i];
    }
    for (int32_t i = 0; i < n; i++)
        o[i] /= z;
}

/* Loss::findKBest over the output vector. */
static ptrdiff_t find_k_best(const float *out, int32_t osz, ptrdiff_t k, float threshold, hp *h)
{
    ptrdiff_t n = 0;
    for (int32_t i = 0; i < osz; i++) {
        if (out[i] < threshold)
            continue;
        float s = std_log(out[i]);
        if (n == k && s < h[0].s)
            continue;
        h[n].s = s;
        h[n].l = i;
        n++;
        hp_push(h, n);
        if (n > k) {
            hp_pop(h, n);
            n--;
        }
    }
    return n;
}

/* HierarchicalSoftmaxLoss::dfs without recursion (the tree may be as deep
 * as the number of labels); children are visited left first, and each visit
 * checks the heap as it is at that moment, as the recursive version does. */
static ptrdiff_t hs_predict(const rf_ft_model *m, rf_ft_scratch *sc, ptrdiff_t k,
                            float threshold)
{
    const int32_t osz = m->nlabels;
    const ft_node *t = m->tree;
    const float lt = std_log(threshold);
    hp *h = sc->heap;
    hs_item *st = sc->stack;
    ptrdiff_t n = 0;
    size_t sp = 0;
    st[sp++] = (hs_item){2 * osz - 2, 0.0f};
    while (sp) {
        hs_item it = st[--sp];
        if (it.score < lt)
            continue;
        if (n == k && it.score < h[0].s)
            continue;
        const ft_node *nd = &t[it.node];
        if (nd->left == -1 && nd->right == -1) {
            h[n].s = it.score;
            h[n].l = it.node;
            n++;
            hp_push(h, n);
            if (n > k) {
                hp_pop(h, n);
                n--;
            }
            continue;
        }
        float f = dot_row(&m->out, it.node - osz, sc->hidden, m->args.dim);
        f = (float)(1. / (1.0f + expf(-f)));
        st[sp++] = (hs_item){nd->right, it.score + std_log(f)};
        st[sp++] = (hs_item){nd->left, it.score + std_log((float)(1.0 - (double)f))};
    }
    return n;
}

static int predict_features(const rf_ft_model *m, rf_ft_scratch *sc, int k, float threshold,
                            rf_ft_pred *out)
{
    const ft_ivec *feat = &sc->feat;
    if (feat->n == 0)
        return 0;
    const int dim = m->args.dim;
    float *hid = sc->hidden;
    memset(hid, 0, (size_t)dim * sizeof *hid);
    if (!m->in.quant) {
        /* Rows are gathered from all over a matrix far larger than the
         * cache: ask for them a few features ahead. */
        const float *base = m->in.data;
        const size_t pf = 8;
        for (size_t i = 0; i < feat->n; i++) {
            if (i + pf < feat->n)
                __builtin_prefetch(base + (size_t)feat->v[i + pf] * (size_t)dim);
            const float *r = base + (size_t)feat->v[i] * (size_t)dim;
            for (int j = 0; j < dim; j++)
                hid[j] += r[j];
        }
    } else {
        for (size_t i = 0; i < feat->n; i++)
            add_row(&m->in, feat->v[i], hid, dim);
    }
    const float scale = (float)(1.0 / (double)feat->n);
    for (int j = 0; j < dim; j++)
        hid[j] *= scale;

    const int32_t osz = m->nlabels;
    ptrdiff_t kk = k < 0 || k > osz ? osz : k;
    ptrdiff_t n;
    if (m->args.loss == RF_FT_LOSS_HS) {
        n = hs_predict(m, sc, kk, threshold);
    } else {
        float *o = sc->output;
        for (int32_t i = 0; i < osz; i++)
            o[i] = dot_row(&m->out, i, hid, dim);
        if (m->args.loss == RF_FT_LOSS_SOFTMAX) {
            ft_softmax(o, osz);
        } else {
            for (int32_t i = 0; i < osz; i++)
                o[i] = ft_sigmoid(m, o[i]);
        }
        n = find_k_best(o, osz, kk, threshold, sc->heap);
    }
    hp_sort(sc->heap, n);
    for (ptrdiff_t i = 0; i < n; i++) {
        out[i].score = sc->heap[i].s;
        out[i].prob = expf(sc->heap[i].s);
        out[i].label = sc->heap[i].l;
    }
    return (int)n;
}

int rf_ft_predict_line(const rf_ft_model *m, rf_ft_scratch *s, const char *text, size_t n,
                       int eol, int k, float threshold, rf_ft_pred *out)
{
    ft_line_features(m, text, n, eol, &s->lb, &s->feat, NULL);
    if (k == 0)
        return 0;
    return predict_features(m, s, k, threshold, out);
}

int rf_ft_predict(const rf_ft_model *m, rf_ft_scratch *s, const char *text, size_t n, int k,
                  float threshold, rf_ft_pred *out)
{
    return rf_ft_predict_line(m, s, text, n, 1, k, threshold, out);
}

int rf_ft_predict_labeled(const rf_ft_model *m, rf_ft_scratch *s, const char *text, size_t n,
                          int eol, int k, float threshold, rf_ft_pred *out, int32_t *gold,
                          int maxgold, int *ngold)
{
    ft_line_features(m, text, n, eol, &s->lb, &s->feat, &s->labels);
    int ng = 0;
    for (size_t i = 0; i < s->labels.n && ng < maxgold; i++)
        gold[ng++] = s->labels.v[i];
    *ngold = ng;
    if (k == 0)
        return 0;
    return predict_features(m, s, k, threshold, out);
}

size_t rf_ft_last_nfeatures(const rf_ft_scratch *s)
{
    return s->feat.n;
}

void rf_ft_format_line(const rf_ft_model *m, const rf_ft_pred *p, int npred, int with_prob,
                       rf_buf *out)
{
    for (int i = 0; i < npred; i++) {
        size_t len = 0;
        const char *l = rf_ft_label(m, p[i].label, &len);
        if (i)
            rf_buf_addc(out, ' ');
        rf_buf_add(out, l, len);
        if (with_prob) {
            /* std::ostream's default for a float: %g with 6 digits. */
            char num[48];
            int k = snprintf(num, sizeof num, " %g", (double)p[i].prob);
            rf_buf_add(out, num, (size_t)k);
        }
    }
    rf_buf_addc(out, '\n');
}
