/* fasttext_train.c — supervised fastText training and the .bin writer.
 *
 * The dictionary is built as fastText's Dictionary::readFromFile builds it
 * (every whitespace-separated token and one "</s>" per line counted; tokens
 * starting with "__label__" are labels; words below min-count and labels
 * below min-count-label dropped; words first, then labels, each by
 * descending count), so a model written here loads in fastText and yields
 * the same features there as in rf_ft_predict. Training is fastText's
 * supervised loop: the hidden vector is the mean of the input rows of a
 * line's features, one randomly chosen label is the target (all labels for
 * one-vs-all), the loss is softmax, one-vs-all, hierarchical softmax or
 * negative sampling, the gradient is averaged over the features, and the
 * learning rate decays linearly with the share of tokens processed. Threads
 * start at evenly spaced lines and update the shared matrices without locks
 * (Hogwild, as fastText does); under ThreadSanitizer (RF_HOGWILD_ATOMIC)
 * the matrix accesses become relaxed atomics so that the intended races are
 * not reported and every other access is still checked.
 *
 * Lines are turned into feature lists once, before training: in supervised
 * mode fastText discards nothing, so every epoch sees the same features. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filters/fasttext.h"
#include "filters/fasttext_impl.h"
#include "stages/io.h"

/* ---- Hogwild matrix access ---- */

#ifdef RF_HOGWILD_ATOMIC
static inline float hw_ld(const float *p)
{
    float v;
    __atomic_load(p, &v, __ATOMIC_RELAXED);
    return v;
}
static inline void hw_st(float *p, float v)
{
    __atomic_store(p, &v, __ATOMIC_RELAXED);
}
#else
#define hw_ld(p) (*(p))
#define hw_st(p, v) (*(p) = (v))
#endif

/* ---- corpus ---- */

struct rf_ft_corpus {
    rf_buf text;   /* all lines back to back */
    size_t *off;   /* line i is text[off[i] .. off[i+1]) */
    size_t n, cap;
};

rf_ft_corpus *rf_ft_corpus_new(void)
{
    rf_ft_corpus *c = rf_xcalloc(1, sizeof *c);
    c->cap = 1024;
    c->off = rf_xmalloc(c->cap * sizeof *c->off);
    c->off[0] = 0;
    return c;
}

void rf_ft_corpus_free(rf_ft_corpus *c)
{
    if (!c)
        return;
    rf_buf_release(&c->text);
    free(c->off);
    free(c);
}

static void corpus_end_line(rf_ft_corpus *c)
{
    if (c->n + 2 > c->cap) {
        c->cap *= 2;
        c->off = rf_xrealloc(c->off, c->cap * sizeof *c->off);
    }
    c->off[++c->n] = c->text.len;
}

void rf_ft_corpus_add(rf_ft_corpus *c, const char *line, size_t n)
{
    rf_buf_add(&c->text, line, n);
    corpus_end_line(c);
}

void rf_ft_corpus_add_labeled(rf_ft_corpus *c, const char *label, size_t llen, const char *text,
                              size_t n)
{
    rf_buf_add(&c->text, label, llen);
    rf_buf_addc(&c->text, ' ');
    rf_buf_add(&c->text, text, n);
    corpus_end_line(c);
}

size_t rf_ft_corpus_lines(const rf_ft_corpus *c)
{
    return c->n;
}

/* ---- options ---- */

void rf_ft_train_defaults(rf_ft_train_opts *o)
{
    memset(o, 0, sizeof *o);
    rf_ft_args *a = &o->args;
    a->dim = 100;
    a->ws = 5;
    a->epoch = 5;
    a->min_count = 1;
    a->neg = 5;
    a->word_ngrams = 1;
    a->loss = RF_FT_LOSS_SOFTMAX;
    a->model = RF_FT_MODEL_SUP;
    a->bucket = 2000000;
    a->minn = 0;
    a->maxn = 0;
    a->lr_update_rate = 100;
    a->t = 1e-4;
    o->lr = 0.1;
    o->min_count_label = 0;
    o->threads = 1;
    o->seed = 0;
}

/* ---- random numbers (splitmix64; fastText's exact stream is not needed:
 * its own runs differ with thread timing) ---- */

static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* ---- dictionary building ---- */

typedef struct dent {
    size_t off;    /* into the counting pool */
    uint32_t len;
    uint32_t first; /* order of first appearance: a stable tie-break */
    int64_t count;
    uint8_t type;
} dent;

typedef struct dcount {
    rf_buf pool;
    dent *e;
    size_t n, cap;
    uint32_t *tab; /* index + 1 */
    uint32_t mask;
    int64_t ntokens;
} dcount;

static void dcount_rehash(dcount *d)
{
    uint32_t nm = d->mask ? d->mask * 2 + 1 : 1023;
    uint32_t *nt = rf_xcalloc((size_t)nm + 1, sizeof *nt);
    for (size_t i = 0; i < d->n; i++) {
        uint32_t s = ft_hash(d->pool.p + d->e[i].off, d->e[i].len) & nm;
        while (nt[s])
            s = (s + 1) & nm;
        nt[s] = (uint32_t)i + 1;
    }
    free(d->tab);
    d->tab = nt;
    d->mask = nm;
}

static void dcount_add(dcount *d, const char *w, size_t n)
{
    d->ntokens++;
    if ((d->n + 1) * 2 > (size_t)d->mask)
        dcount_rehash(d);
    uint32_t s = ft_hash(w, n) & d->mask;
    uint32_t e;
    while ((e = d->tab[s]) != 0) {
        dent *x = &d->e[e - 1];
        if (x->len == n && !memcmp(d->pool.p + x->off, w, n)) {
            x->count++;
            return;
        }
        s = (s + 1) & d->mask;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->e = rf_xrealloc(d->e, d->cap * sizeof *d->e);
    }
    dent *x = &d->e[d->n];
    x->off = d->pool.len;
    x->len = (uint32_t)n;
    x->first = (uint32_t)d->n;
    x->count = 1;
    x->type = n >= 9 && !memcmp(w, "__label__", 9) ? FT_LABEL : FT_WORD;
    rf_buf_add(&d->pool, w, n);
    d->tab[s] = (uint32_t)++d->n;
}

static int dent_cmp(const void *a, const void *b)
{
    const dent *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int build_dict(rf_ft_model *m, const rf_ft_corpus *c, const rf_ft_train_opts *o,
                      rf_err *err)
{
    dcount d;
    memset(&d, 0, sizeof d);
    for (size_t l = 0; l < c->n; l++) {
        const char *p = c->text.p + c->off[l];
        size_t n = c->off[l + 1] - c->off[l], i = 0, len;
        const char *tok;
        while (ft_next_token(p, n, &i, &tok, &len))
            dcount_add(&d, tok, len);
        dcount_add(&d, "</s>", 4);
    }
    size_t keep = 0;
    for (size_t i = 0; i < d.n; i++) {
        const dent *x = &d.e[i];
        if ((x->type == FT_WORD && x->count < o->args.min_count) ||
            (x->type == FT_LABEL && x->count < o->min_count_label))
            continue;
        d.e[keep++] = *x;
    }
    qsort(d.e, keep, sizeof *d.e, dent_cmp);
    int32_t nw = 0, nl = 0;
    size_t pool = 0;
    for (size_t i = 0; i < keep; i++) {
        if (d.e[i].type == FT_WORD)
            nw++;
        else
            nl++;
        pool += d.e[i].len + 1;
    }
    int rc = 0;
    if (keep > INT32_MAX / 2) {
        rc = rf_errf(err, RF_EUNSUP, "vocabulary of %zu entries is too large", keep);
        goto out;
    }
    if (nl == 0) {
        rc = rf_errf(err, RF_EUSAGE,
                     "no labels in the training data (labels are tokens starting with "
                     "__label__, counted at least --min-count-label times)");
        goto out;
    }
    m->size = (int32_t)keep;
    m->nwords = nw;
    m->nlabels = nl;
    m->ntokens = d.ntokens;
    m->pruneidx_size = -1;
    m->pool = rf_xmalloc(pool + 1);
    m->woff = rf_xmalloc((keep + 1) * sizeof *m->woff);
    m->wlen = rf_xmalloc((keep + 1) * sizeof *m->wlen);
    m->counts = rf_xmalloc((keep + 1) * sizeof *m->counts);
    m->types = rf_xmalloc(keep + 1);
    size_t po = 0;
    for (size_t i = 0; i < keep; i++) {
        memcpy(m->pool + po, d.pool.p + d.e[i].off, d.e[i].len);
        m->pool[po + d.e[i].len] = '\0';
        m->woff[i] = po;
        m->wlen[i] = d.e[i].len;
        m->counts[i] = d.e[i].count;
        m->types[i] = d.e[i].type;
        po += d.e[i].len + 1;
    }
out:
    rf_buf_release(&d.pool);
    free(d.e);
    free(d.tab);
    return rc;
}

/* ---- training ---- */

typedef struct examples {
    int32_t *feat;
    size_t *foff; /* line i: feat[foff[i] .. foff[i+1]) */
    int32_t *lab;
    size_t *loff;
    int32_t *ntok;
    size_t n;
} examples;

typedef struct trainer {
    rf_ft_model *m;
    const rf_ft_train_opts *o;
    examples ex;
    int64_t total;            /* epoch * ntokens */
    _Atomic int64_t tokens;   /* processed so far, all threads */
    _Atomic int64_t loss0_bits; /* thread 0's mean loss (double bits), for progress */
    int32_t *negatives;       /* negative-sampling table */
    size_t nneg;
    int32_t **paths;          /* hierarchical softmax: per label, nodes to the root */
    uint8_t **codes;
    int32_t *plen;
} trainer;

typedef struct worker {
    trainer *tr;
    int id;
    uint64_t rng;
    float *hidden, *grad, *output;
    double loss;
    int64_t nexamples;
} worker;

static float binary_logistic(worker *w, int32_t target, int positive, float lr)
{
    const rf_ft_model *m = w->tr->m;
    const int dim = m->args.dim;
    float *wo = m->out.data + (size_t)target * (size_t)dim;
    float d = 0.0f;
    for (int j = 0; j < dim; j++)
        d += hw_ld(&wo[j]) * w->hidden[j];
    float score = ft_sigmoid(m, d);
    float alpha = lr * ((float)positive - score);
    for (int j = 0; j < dim; j++)
        w->grad[j] += alpha * hw_ld(&wo[j]);
    for (int j = 0; j < dim; j++)
        hw_st(&wo[j], hw_ld(&wo[j]) + alpha * w->hidden[j]);
    return positive ? -ft_log(m, score) : -ft_log(m, 1.0f - score);
}

static float softmax_forward(worker *w, int32_t target, float lr)
{
    const rf_ft_model *m = w->tr->m;
    const int dim = m->args.dim;
    const int32_t osz = m->nlabels;
    float *o = w->output;
    for (int32_t i = 0; i < osz; i++) {
        const float *wo = m->out.data + (size_t)i * (size_t)dim;
        float d = 0.0f;
        for (int j = 0; j < dim; j++)
            d += hw_ld(&wo[j]) * w->hidden[j];
        o[i] = d;
    }
    ft_softmax(o, osz);
    for (int32_t i = 0; i < osz; i++) {
        float *wo = m->out.data + (size_t)i * (size_t)dim;
        float alpha = lr * ((i == target ? 1.0f : 0.0f) - o[i]);
        for (int j = 0; j < dim; j++)
            w->grad[j] += alpha * hw_ld(&wo[j]);
        for (int j = 0; j < dim; j++)
            hw_st(&wo[j], hw_ld(&wo[j]) + alpha * w->hidden[j]);
    }
    return -ft_log(m, o[target]);
}

static void update(worker *w, const int32_t *feat, size_t nf, const int32_t *lab, size_t nl,
                   float lr)
{
    trainer *tr = w->tr;
    const rf_ft_model *m = tr->m;
    const int dim = m->args.dim;
    float *hid = w->hidden;
    memset(hid, 0, (size_t)dim * sizeof *hid);
    for (size_t i = 0; i < nf; i++) {
        const float *r = m->in.data + (size_t)feat[i] * (size_t)dim;
        for (int j = 0; j < dim; j++)
            hid[j] += hw_ld(&r[j]);
    }
    const float inv = (float)(1.0 / (double)nf);
    for (int j = 0; j < dim; j++)
        hid[j] *= inv;
    memset(w->grad, 0, (size_t)dim * sizeof *w->grad);

    float loss = 0.0f;
    switch (m->args.loss) {
    case RF_FT_LOSS_OVA:
        for (int32_t i = 0; i < m->nlabels; i++) {
            int match = 0;
            for (size_t k = 0; k < nl && !match; k++)
                match = lab[k] == i;
            loss += binary_logistic(w, i, match, lr);
        }
        break;
    case RF_FT_LOSS_SOFTMAX: {
        int32_t target = lab[nl > 1 ? rng_next(&w->rng) % nl : 0];
        loss = softmax_forward(w, target, lr);
        break;
    }
    case RF_FT_LOSS_HS: {
        int32_t target = lab[nl > 1 ? rng_next(&w->rng) % nl : 0];
        for (int32_t i = 0; i < tr->plen[target]; i++)
            loss += binary_logistic(w, tr->paths[target][i], tr->codes[target][i], lr);
        break;
    }
    case RF_FT_LOSS_NS: {
        int32_t target = lab[nl > 1 ? rng_next(&w->rng) % nl : 0];
        loss = binary_logistic(w, target, 1, lr);
        for (int32_t n = 0; n < m->args.neg; n++) {
            int32_t neg;
            do
                neg = tr->negatives[rng_next(&w->rng) % tr->nneg];
            while (neg == target && m->nlabels > 1);
            loss += binary_logistic(w, neg, 0, lr);
        }
        break;
    }
    }
    w->loss += loss;
    w->nexamples++;
    for (int j = 0; j < dim; j++)
        w->grad[j] *= inv; /* fastText normalises the gradient in supervised mode */
    for (size_t i = 0; i < nf; i++) {
        float *r = m->in.data + (size_t)feat[i] * (size_t)dim;
        for (int j = 0; j < dim; j++)
            hw_st(&r[j], hw_ld(&r[j]) + w->grad[j]);
    }
}

static void *train_thread(void *arg)
{
    worker *w = arg;
    trainer *tr = w->tr;
    const examples *ex = &tr->ex;
    const rf_ft_train_opts *o = tr->o;
    size_t i = (size_t)((uint64_t)w->id * ex->n / (uint64_t)o->threads);
    int64_t local = 0;
    while (atomic_load_explicit(&tr->tokens, memory_order_relaxed) < tr->total) {
        double progress =
            (double)atomic_load_explicit(&tr->tokens, memory_order_relaxed) / (double)tr->total;
        float lr = (float)(o->lr * (1.0 - progress));
        size_t nf = ex->foff[i + 1] - ex->foff[i], nl = ex->loff[i + 1] - ex->loff[i];
        if (nf && nl)
            update(w, ex->feat + ex->foff[i], nf, ex->lab + ex->loff[i], nl, lr);
        local += ex->ntok[i];
        if (++i == ex->n)
            i = 0;
        if (local > tr->m->args.lr_update_rate) {
            atomic_fetch_add_explicit(&tr->tokens, local, memory_order_relaxed);
            local = 0;
            if (w->id == 0 && w->nexamples) {
                double l = w->loss / (double)w->nexamples;
                int64_t bits;
                memcpy(&bits, &l, sizeof bits);
                atomic_store_explicit(&tr->loss0_bits, bits, memory_order_relaxed);
            }
        }
    }
    return NULL;
}

/* Paths and codes of every label in the tree (HierarchicalSoftmaxLoss). */
static void build_paths(trainer *tr)
{
    const rf_ft_model *m = tr->m;
    int32_t osz = m->nlabels;
    tr->paths = rf_xcalloc((size_t)osz, sizeof *tr->paths);
    tr->codes = rf_xcalloc((size_t)osz, sizeof *tr->codes);
    tr->plen = rf_xcalloc((size_t)osz, sizeof *tr->plen);
    for (int32_t i = 0; i < osz; i++) {
        int32_t len = 0;
        for (int32_t j = i; m->tree[j].parent != -1; j = m->tree[j].parent)
            len++;
        tr->paths[i] = rf_xmalloc(((size_t)len + 1) * sizeof **tr->paths);
        tr->codes[i] = rf_xmalloc((size_t)len + 1);
        tr->plen[i] = len;
        int32_t k = 0;
        for (int32_t j = i; m->tree[j].parent != -1; j = m->tree[j].parent) {
            tr->paths[i][k] = m->tree[j].parent - osz;
            tr->codes[i][k] = (uint8_t)m->tree[j].binary;
            k++;
        }
    }
}

/* NegativeSamplingLoss's table: label i appears in proportion to
 * sqrt(count). */
static void build_negatives(trainer *tr)
{
    const rf_ft_model *m = tr->m;
    const double table = 10000000.0;
    double z = 0.0;
    for (int32_t i = 0; i < m->nlabels; i++)
        z += sqrt((double)m->counts[m->nwords + i]);
    size_t cap = 1024, n = 0;
    int32_t *neg = rf_xmalloc(cap * sizeof *neg);
    for (int32_t i = 0; i < m->nlabels; i++) {
        double c = sqrt((double)m->counts[m->nwords + i]);
        for (size_t j = 0; (double)j < c * table / z; j++) {
            if (n == cap) {
                cap *= 2;
                neg = rf_xrealloc(neg, cap * sizeof *neg);
            }
            neg[n++] = i;
        }
    }
    /* Shuffle so that a modulo draw is uniform over the table. */
    uint64_t s = 12345;
    for (size_t i = n; i > 1; i--) {
        size_t j = rng_next(&s) % i;
        int32_t t = neg[i - 1];
        neg[i - 1] = neg[j];
        neg[j] = t;
    }
    tr->negatives = neg;
    tr->nneg = n;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int rf_ft_train(rf_ft_model **out, const rf_ft_corpus *c, const rf_ft_train_opts *o,
                rf_err *err)
{
    *out = NULL;
    const rf_ft_args *a = &o->args;
    if (a->dim < 1 || a->dim > 65536)
        return rf_errf(err, RF_EUSAGE, "--dim must be between 1 and 65536");
    if (a->epoch < 1)
        return rf_errf(err, RF_EUSAGE, "--epoch must be at least 1");
    if (a->minn < 0 || a->maxn < 0 || a->minn > a->maxn)
        return rf_errf(err, RF_EUSAGE, "need 0 <= --minn <= --maxn");
    if (a->word_ngrams < 1)
        return rf_errf(err, RF_EUSAGE, "--word-ngrams must be at least 1");
    if (a->bucket < 0)
        return rf_errf(err, RF_EUSAGE, "--bucket must not be negative");
    if (!(o->lr > 0.0))
        return rf_errf(err, RF_EUSAGE, "--lr must be positive");
    if (o->threads < 1)
        return rf_errf(err, RF_EUSAGE, "need at least one training thread");
    if (a->loss < RF_FT_LOSS_HS || a->loss > RF_FT_LOSS_OVA)
        return rf_errf(err, RF_EUSAGE, "unknown loss");
    if (a->lr_update_rate < 1)
        return rf_errf(err, RF_EUSAGE, "--lr-update-rate must be at least 1");
    if (c->n == 0)
        return rf_errf(err, RF_EUSAGE, "no training lines");

    rf_ft_model *m = rf_xcalloc(1, sizeof *m);
    trainer tr;
    memset(&tr, 0, sizeof tr);
    worker *ws = NULL;
    pthread_t *th = NULL;
    int rc;
    m->version = FT_VERSION;
    m->args = *a;
    m->args.model = RF_FT_MODEL_SUP;
    /* As fastText's argument parser: no n-grams, no buckets. */
    if (m->args.word_ngrams <= 1 && m->args.maxn == 0)
        m->args.bucket = 0;
    if ((rc = build_dict(m, c, o, err)))
        goto out;
    if ((int64_t)m->nwords + m->args.bucket > INT32_MAX) {
        rc = rf_errf(err, RF_EUSAGE, "%d words + %d buckets do not fit fastText's int32 ids",
                     m->nwords, m->args.bucket);
        goto out;
    }
    if ((rc = ft_model_finish(m, err)))
        goto out;

    const int dim = m->args.dim;
    m->in.m = (int64_t)m->nwords + m->args.bucket;
    m->in.n = dim;
    m->in.data = rf_xmalloc((size_t)m->in.m * (size_t)dim * sizeof(float) + sizeof(float));
    uint64_t s = o->seed ^ 0x5DEECE66Dull;
    const double bound = 1.0 / dim;
    for (size_t i = 0; i < (size_t)m->in.m * (size_t)dim; i++)
        m->in.data[i] = (float)((rng_unit(&s) * 2.0 - 1.0) * bound);
    m->out.m = m->nlabels;
    m->out.n = dim;
    m->out.data = rf_xcalloc((size_t)m->nlabels * (size_t)dim + 1, sizeof(float));

    /* Features of every line, once. */
    examples *ex = &tr.ex;
    ex->n = c->n;
    ex->foff = rf_xmalloc((c->n + 1) * sizeof *ex->foff);
    ex->loff = rf_xmalloc((c->n + 1) * sizeof *ex->loff);
    ex->ntok = rf_xmalloc((c->n + 1) * sizeof *ex->ntok);
    ft_ivec feat = {0}, lab = {0}, allf = {0}, alll = {0};
    ft_linebuf lb;
    memset(&lb, 0, sizeof lb);
    int64_t usable = 0;
    for (size_t l = 0; l < c->n; l++) {
        size_t nt = ft_line_features(m, c->text.p + c->off[l], c->off[l + 1] - c->off[l], 1, &lb,
                                     &feat, &lab);
        ex->foff[l] = allf.n;
        ex->loff[l] = alll.n;
        ex->ntok[l] = nt > INT32_MAX ? INT32_MAX : (int32_t)nt;
        for (size_t i = 0; i < feat.n; i++)
            ft_ivec_push(&allf, feat.v[i]);
        for (size_t i = 0; i < lab.n; i++)
            ft_ivec_push(&alll, lab.v[i]);
        usable += feat.n && lab.n;
    }
    ex->foff[c->n] = allf.n;
    ex->loff[c->n] = alll.n;
    ex->feat = allf.v;
    ex->lab = alll.v;
    ft_ivec_release(&feat);
    ft_ivec_release(&lab);
    ft_linebuf_release(&lb);
    if (!usable) {
        rc = rf_errf(err, RF_EUSAGE, "no training line has both a label and a known word");
        goto out;
    }

    tr.m = m;
    tr.o = o;
    tr.total = (int64_t)m->args.epoch * m->ntokens;
    atomic_init(&tr.tokens, 0);
    atomic_init(&tr.loss0_bits, 0);
    if (m->args.loss == RF_FT_LOSS_HS)
        build_paths(&tr);
    if (m->args.loss == RF_FT_LOSS_NS)
        build_negatives(&tr);

    ws = rf_xcalloc((size_t)o->threads, sizeof *ws);
    th = rf_xcalloc((size_t)o->threads, sizeof *th);
    for (int t = 0; t < o->threads; t++) {
        ws[t].tr = &tr;
        ws[t].id = t;
        ws[t].rng = o->seed * 0x9E3779B97F4A7C15ull + (uint64_t)t + 1;
        ws[t].hidden = rf_xcalloc((size_t)dim, sizeof(float));
        ws[t].grad = rf_xcalloc((size_t)dim, sizeof(float));
        ws[t].output = rf_xcalloc((size_t)m->nlabels + 1, sizeof(float));
    }
    double t0 = now_seconds();
    int started = 0;
    for (int t = 0; t < o->threads; t++) {
        if (pthread_create(&th[t], NULL, train_thread, &ws[t]) != 0) {
            /* Stop the threads already running, then fail. */
            atomic_store(&tr.tokens, tr.total);
            rc = rf_errf(err, RF_EINTERNAL, "cannot start training thread %d", t);
            break;
        }
        started++;
    }
    if (o->verbose && !rc) {
        struct timespec nap = {0, 100 * 1000 * 1000};
        while (atomic_load(&tr.tokens) < tr.total) {
            nanosleep(&nap, NULL);
            int64_t done = atomic_load(&tr.tokens), bits = atomic_load(&tr.loss0_bits);
            double loss, el = now_seconds() - t0;
            memcpy(&loss, &bits, sizeof loss);
            double prog = done > tr.total ? 1.0 : (double)done / (double)tr.total;
            fprintf(stderr,
                    "\rProgress: %5.1f%%  words/sec/thread: %9.0f  lr: %.6f  loss: %.6f  ",
                    prog * 100.0, el > 0 ? (double)done / el / o->threads : 0.0,
                    o->lr * (1.0 - prog), loss);
            fflush(stderr);
        }
    }
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    if (o->verbose && !rc) {
        double el = now_seconds() - t0;
        fprintf(stderr, "\rProgress: 100.0%%  words/sec/thread: %9.0f  lr: 0.000000  loss: %.6f\n",
                el > 0 ? (double)tr.total / el / o->threads : 0.0,
                ws[0].nexamples ? ws[0].loss / (double)ws[0].nexamples : 0.0);
    }
out:
    if (ws)
        for (int t = 0; t < o->threads; t++) {
            free(ws[t].hidden);
            free(ws[t].grad);
            free(ws[t].output);
        }
    free(ws);
    free(th);
    free(tr.ex.feat);
    free(tr.ex.foff);
    free(tr.ex.lab);
    free(tr.ex.loff);
    free(tr.ex.ntok);
    free(tr.negatives);
    if (tr.paths)
        for (int32_t i = 0; i < m->nlabels; i++) {
            free(tr.paths[i]);
            free(tr.codes[i]);
        }
    free(tr.paths);
    free(tr.codes);
    free(tr.plen);
    if (rc) {
        rf_ft_free(m);
        return rc;
    }
    ft_model_precompute(m);
    *out = m;
    return 0;
}

/* ---- writer ---- */

static void put(rf_buf *b, const void *p, size_t n)
{
    rf_buf_add(b, p, n);
}

int rf_ft_save(const rf_ft_model *m, const char *path, rf_err *err)
{
    if (m->quant || m->qout)
        return rf_errf(err, RF_EUNSUP, "%s: writing quantised models is not supported", path);
    rf_outopts oo = {RF_COMPRESS_NONE, 3, 0};
    rf_out *o = NULL;
    rf_buf b = RF_BUF_INIT;
    int rc = rf_mkdir_parents(path, err);
    if (rc)
        return rc;
    if ((rc = rf_out_open(&o, path, &oo, err)))
        return rc;
    const int32_t magic = FT_MAGIC, version = FT_VERSION;
    put(&b, &magic, 4);
    put(&b, &version, 4);
    const rf_ft_args *a = &m->args;
    const int32_t ints[] = {a->dim, a->ws, a->epoch, a->min_count, a->neg, a->word_ngrams,
                            a->loss, a->model, a->bucket, a->minn, a->maxn, a->lr_update_rate};
    put(&b, ints, sizeof ints);
    put(&b, &a->t, 8);
    put(&b, &m->size, 4);
    put(&b, &m->nwords, 4);
    put(&b, &m->nlabels, 4);
    put(&b, &m->ntokens, 8);
    put(&b, &m->pruneidx_size, 8);
    for (int32_t i = 0; i < m->size; i++) {
        put(&b, m->pool + m->woff[i], m->wlen[i] + 1); /* with its NUL */
        put(&b, &m->counts[i], 8);
        int8_t t = (int8_t)m->types[i];
        put(&b, &t, 1);
        if (b.len > (1u << 20)) {
            if ((rc = rf_out_write(o, b.p, b.len, err)))
                goto out;
            rf_buf_reset(&b);
        }
    }
    if (m->pruneidx_size > 0)
        for (size_t i = 0; i <= m->pmask; i++)
            if (m->pval[i] >= 0) {
                put(&b, &m->pkey[i], 4);
                put(&b, &m->pval[i], 4);
            }
    const ft_matrix *mats[2] = {&m->in, &m->out};
    for (int k = 0; k < 2; k++) {
        const unsigned char quant = 0;
        put(&b, &quant, 1);
        put(&b, &mats[k]->m, 8);
        put(&b, &mats[k]->n, 8);
        if ((rc = rf_out_write(o, b.p, b.len, err)))
            goto out;
        rf_buf_reset(&b);
        if ((rc = rf_out_write(o, mats[k]->data,
                               (size_t)mats[k]->m * (size_t)mats[k]->n * sizeof(float), err)))
            goto out;
    }
    rc = rf_out_commit(o, err);
    o = NULL;
out:
    if (o)
        rf_out_abort(o);
    rf_buf_release(&b);
    return rc;
}
