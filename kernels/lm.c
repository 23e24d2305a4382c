/* lm.c — the decoder forward pass over the rf_kernels table, and the window
 * scorer. The forward pass is the same code for every backend: it only calls
 * table ops on device buffers, so the CPU reference and the CUDA path differ
 * in the ops alone.
 *
 *   x = embed(ids)                                   (T, D)
 *   per layer:  h = rmsnorm(x); q,k,v = h·Wq,k,vᵀ (+b); rope(q, k)
 *               x += attention(q, k, v)·Woᵀ
 *               h = rmsnorm(x); x += (silu(h·Wgᵀ) * h·Wuᵀ)·Wdᵀ
 *   h = rmsnorm(x); per chunk of rows: logits = h·Woutᵀ; nll = lse - target
 *
 * The vocabulary projection runs in row chunks so at most ~16 MB of logits
 * exist at a time, whatever the batch size. */
#include "kernels/lm.h"

#include <stdlib.h>
#include <string.h>

typedef struct lm_layer {
    rf_kweight *wq, *wk, *wv, *wo, *gate, *up, *down;
    float *attn_norm, *ffn_norm, *bq, *bk, *bv; /* device */
} lm_layer;

struct rf_lm {
    const rf_kernels *k;
    rf_kctx *kc; /* used for uploads and freeing */
    rf_lm_config cfg;
    float *tok_emb, *out_norm; /* device */
    rf_kweight *output;
    lm_layer *layers;
};

struct rf_lm_ctx {
    const rf_lm *lm;
    rf_kctx *kc;
    int max_tokens, chunk;
    float *x, *h, *q, *kk, *v, *att, *tmp, *g, *u, *logits, *nll; /* device */
    int32_t *ids, *target, *pos, *seq_start;                      /* device */
    int32_t *pos_host;
};

static float *dev_copy(rf_lm *lm, const float *src, size_t n)
{
    if (!src)
        return NULL;
    float *d = lm->k->alloc(lm->kc, n * sizeof *d);
    if (d)
        lm->k->upload(lm->kc, d, src, n * sizeof *d);
    return d;
}

int rf_lm_new(rf_lm **out, const rf_lm_model *m, const rf_kernels *k, rf_err *err)
{
    rf_lm *lm = rf_xcalloc(1, sizeof *lm);
    const rf_lm_config *c = &m->cfg;
    int rc = k->ctx_new(&lm->kc, err);
    if (rc) {
        free(lm);
        return rc;
    }
    lm->k = k;
    lm->cfg = *c;
    size_t D = (size_t)c->dim, QD = (size_t)c->n_heads * c->head_dim;
    size_t KD = (size_t)c->n_kv_heads * c->head_dim;
    int ok = 1;
    lm->tok_emb = dev_copy(lm, m->tok_emb, (size_t)c->vocab * D);
    lm->out_norm = dev_copy(lm, m->out_norm, D);
    lm->output = k->weight_new(lm->kc, m->output, c->vocab, c->dim);
    ok = lm->tok_emb && lm->out_norm && lm->output;
    lm->layers = rf_xcalloc((size_t)c->n_layers, sizeof *lm->layers);
    for (int l = 0; l < c->n_layers && ok; l++) {
        const rf_lm_layer *L = &m->layers[l];
        lm_layer *Y = &lm->layers[l];
        Y->wq = k->weight_new(lm->kc, L->wq, (int)QD, c->dim);
        Y->wk = k->weight_new(lm->kc, L->wk, (int)KD, c->dim);
        Y->wv = k->weight_new(lm->kc, L->wv, (int)KD, c->dim);
        Y->wo = k->weight_new(lm->kc, L->wo, c->dim, (int)QD);
        Y->gate = k->weight_new(lm->kc, L->w_gate, c->ffn_dim, c->dim);
        Y->up = k->weight_new(lm->kc, L->w_up, c->ffn_dim, c->dim);
        Y->down = k->weight_new(lm->kc, L->w_down, c->dim, c->ffn_dim);
        Y->attn_norm = dev_copy(lm, L->attn_norm, D);
        Y->ffn_norm = dev_copy(lm, L->ffn_norm, D);
        Y->bq = dev_copy(lm, L->bq, QD);
        Y->bk = dev_copy(lm, L->bk, KD);
        Y->bv = dev_copy(lm, L->bv, KD);
        ok = Y->wq && Y->wk && Y->wv && Y->wo && Y->gate && Y->up && Y->down && Y->attn_norm &&
             Y->ffn_norm && (!L->bq || (Y->bq && Y->bk && Y->bv));
    }
    if (ok)
        rc = k->sync(lm->kc, err);
    else
        rc = rf_errf(err, RF_ENOMEM, "%s: not enough memory for the model weights", k->name);
    if (rc) {
        rf_lm_free(lm);
        return rc;
    }
    *out = lm;
    return 0;
}

void rf_lm_free(rf_lm *lm)
{
    if (!lm)
        return;
    const rf_kernels *k = lm->k;
    if (lm->layers)
        for (int l = 0; l < lm->cfg.n_layers; l++) {
            lm_layer *Y = &lm->layers[l];
            rf_kweight *w[7] = {Y->wq, Y->wk, Y->wv, Y->wo, Y->gate, Y->up, Y->down};
            for (int i = 0; i < 7; i++)
                if (w[i])
                    k->weight_free(lm->kc, w[i]);
            float *p[5] = {Y->attn_norm, Y->ffn_norm, Y->bq, Y->bk, Y->bv};
            for (int i = 0; i < 5; i++)
                if (p[i])
                    k->free(lm->kc, p[i]);
        }
    free(lm->layers);
    if (lm->output)
        k->weight_free(lm->kc, lm->output);
    if (lm->tok_emb)
        k->free(lm->kc, lm->tok_emb);
    if (lm->out_norm)
        k->free(lm->kc, lm->out_norm);
    k->ctx_free(lm->kc);
    free(lm);
}

const rf_lm_config *rf_lm_cfg(const rf_lm *lm)
{
    return &lm->cfg;
}

const rf_kernels *rf_lm_kernels(const rf_lm *lm)
{
    return lm->k;
}

void rf_lm_ctx_free(rf_lm_ctx *c)
{
    if (!c)
        return;
    const rf_kernels *k = c->lm->k;
    void *p[15] = {c->x, c->h, c->q, c->kk, c->v, c->att, c->tmp, c->g, c->u, c->logits, c->nll,
                   c->ids, c->target, c->pos, c->seq_start};
    for (int i = 0; i < 15; i++)
        if (p[i])
            k->free(c->kc, p[i]);
    if (c->kc)
        k->ctx_free(c->kc);
    free(c->pos_host);
    free(c);
}

int rf_lm_ctx_new(rf_lm_ctx **out, const rf_lm *lm, int max_tokens, rf_err *err)
{
    const rf_kernels *k = lm->k;
    const rf_lm_config *cf = &lm->cfg;
    if (max_tokens < 1)
        return rf_errf(err, RF_EUSAGE, "batch of %d tokens", max_tokens);
    rf_lm_ctx *c = rf_xcalloc(1, sizeof *c);
    c->lm = lm;
    c->max_tokens = max_tokens;
    int rc = k->ctx_new(&c->kc, err);
    if (rc) {
        free(c);
        return rc;
    }
    size_t T = (size_t)max_tokens, D = (size_t)cf->dim, F = (size_t)cf->ffn_dim;
    size_t QD = (size_t)cf->n_heads * cf->head_dim, KD = (size_t)cf->n_kv_heads * cf->head_dim;
    size_t chunk = ((size_t)16 << 20) / sizeof(float) / (size_t)cf->vocab;
    /* A multiple of 12 rows, the CPU GEMM's tile height: 85 rows (vocab
     * 49152) left a 1-row tile per chunk that cost a full 12-row tile on
     * every one of the 1536 weight panels (13 % of the vocabulary product). */
    if (chunk >= 12)
        chunk -= chunk % 12;
    if (chunk < 1)
        chunk = 1;
    if (chunk > T)
        chunk = T;
    c->chunk = (int)chunk;
    size_t fs = sizeof(float);
    c->x = k->alloc(c->kc, T * D * fs);
    c->h = k->alloc(c->kc, T * D * fs);
    c->tmp = k->alloc(c->kc, T * D * fs);
    c->q = k->alloc(c->kc, T * QD * fs);
    c->att = k->alloc(c->kc, T * QD * fs);
    c->kk = k->alloc(c->kc, T * KD * fs);
    c->v = k->alloc(c->kc, T * KD * fs);
    c->g = k->alloc(c->kc, T * F * fs);
    c->u = k->alloc(c->kc, T * F * fs);
    c->logits = k->alloc(c->kc, chunk * (size_t)cf->vocab * fs);
    c->nll = k->alloc(c->kc, T * fs);
    c->ids = k->alloc(c->kc, T * sizeof(int32_t));
    c->target = k->alloc(c->kc, T * sizeof(int32_t));
    c->pos = k->alloc(c->kc, T * sizeof(int32_t));
    c->seq_start = k->alloc(c->kc, (T + 1) * sizeof(int32_t));
    c->pos_host = rf_xmalloc(T * sizeof(int32_t));
    if (!c->x || !c->h || !c->tmp || !c->q || !c->att || !c->kk || !c->v || !c->g || !c->u ||
        !c->logits || !c->nll || !c->ids || !c->target || !c->pos || !c->seq_start) {
        rf_lm_ctx_free(c);
        return rf_errf(err, RF_ENOMEM, "%s: not enough memory for a batch of %d tokens",
                       k->name, max_tokens);
    }
    *out = c;
    return 0;
}

int rf_lm_forward(rf_lm_ctx *c, const int32_t *ids, const int32_t *target,
                  const int32_t *seq_start, int nseq, float *nll, rf_err *err)
{
    const rf_lm *lm = c->lm;
    const rf_kernels *k = lm->k;
    const rf_lm_config *cf = &lm->cfg;
    rf_kctx *kc = c->kc;
    int T = seq_start[nseq], max_len = 0;
    if (T < 1 || T > c->max_tokens)
        return rf_errf(err, RF_EINTERNAL, "batch of %d tokens (capacity %d)", T, c->max_tokens);
    for (int s = 0; s < nseq; s++) {
        int len = seq_start[s + 1] - seq_start[s];
        if (len > max_len)
            max_len = len;
        for (int i = 0; i < len; i++)
            c->pos_host[seq_start[s] + i] = i;
    }
    int D = cf->dim, F = cf->ffn_dim, nh = cf->n_heads, nkv = cf->n_kv_heads, hd = cf->head_dim;
    int QD = nh * hd, KD = nkv * hd;
    size_t TD = (size_t)T * D;
    k->upload(kc, c->ids, ids, (size_t)T * sizeof *ids);
    k->upload(kc, c->target, target, (size_t)T * sizeof *target);
    k->upload(kc, c->pos, c->pos_host, (size_t)T * sizeof *c->pos_host);
    k->upload(kc, c->seq_start, seq_start, (size_t)(nseq + 1) * sizeof *seq_start);
    k->embed(kc, c->x, lm->tok_emb, c->ids, T, D);
    for (int l = 0; l < cf->n_layers; l++) {
        const lm_layer *Y = &lm->layers[l];
        k->rmsnorm(kc, c->h, c->x, Y->attn_norm, T, D, cf->norm_eps);
        k->matmul(kc, c->q, c->h, Y->wq, Y->bq, T, D, QD);
        k->matmul(kc, c->kk, c->h, Y->wk, Y->bk, T, D, KD);
        k->matmul(kc, c->v, c->h, Y->wv, Y->bv, T, D, KD);
        k->rope(kc, c->q, c->pos, T, nh, hd, cf->rope_theta, cf->rope_neox);
        k->rope(kc, c->kk, c->pos, T, nkv, hd, cf->rope_theta, cf->rope_neox);
        k->attention(kc, c->att, c->q, c->kk, c->v, c->seq_start, seq_start, nseq, max_len, nh,
                     nkv, hd);
        k->matmul(kc, c->tmp, c->att, Y->wo, NULL, T, QD, D);
        k->add(kc, c->x, c->tmp, TD);
        k->rmsnorm(kc, c->h, c->x, Y->ffn_norm, T, D, cf->norm_eps);
        k->matmul(kc, c->g, c->h, Y->gate, NULL, T, D, F);
        k->matmul(kc, c->u, c->h, Y->up, NULL, T, D, F);
        k->swiglu(kc, c->g, c->u, (size_t)T * F);
        k->matmul(kc, c->tmp, c->g, Y->down, NULL, T, F, D);
        k->add(kc, c->x, c->tmp, TD);
    }
    k->rmsnorm(kc, c->h, c->x, lm->out_norm, T, D, cf->norm_eps);
    for (int t0 = 0; t0 < T; t0 += c->chunk) {
        int n = T - t0 < c->chunk ? T - t0 : c->chunk;
        /* Rows without any target skip the vocabulary projection. */
        int any = 0;
        for (int t = t0; t < t0 + n && !any; t++)
            any = target[t] >= 0;
        if (!any) {
            memset(nll + t0, 0, (size_t)n * sizeof *nll);
            continue;
        }
        k->matmul(kc, c->logits, c->h + (size_t)t0 * D, lm->output, NULL, n, D, cf->vocab);
        k->nll(kc, c->nll + t0, c->logits, c->target + t0, n, cf->vocab);
        k->download(kc, nll + t0, c->nll + t0, (size_t)n * sizeof *nll);
    }
    return k->sync(kc, err);
}

typedef struct window {
    size_t seq, begin, end, score_from;
} window;

static int run_batch(rf_lm_ctx *c, rf_lm_seq *seqs, const window *w, int nw, int32_t *ids,
                     int32_t *tgt, int32_t *starts, float *nll, rf_err *err)
{
    int T = 0;
    for (int i = 0; i < nw; i++) {
        const rf_lm_seq *s = &seqs[w[i].seq];
        starts[i] = T;
        for (size_t j = w[i].begin; j < w[i].end; j++, T++) {
            ids[T] = s->ids[j];
            /* Row j predicts token j+1, scored here when j+1 >= score_from. */
            tgt[T] = j + 1 < w[i].end && j + 1 >= w[i].score_from ? s->ids[j + 1] : -1;
        }
    }
    starts[nw] = T;
    int rc = rf_lm_forward(c, ids, tgt, starts, nw, nll, err);
    if (rc)
        return rc;
    for (int i = 0; i < nw; i++) {
        rf_lm_seq *s = &seqs[w[i].seq];
        for (size_t j = w[i].begin; j + 1 < w[i].end; j++)
            if (j + 1 >= w[i].score_from)
                s->nll[j + 1] = nll[starts[i] + (int)(j - w[i].begin)];
    }
    return 0;
}

int rf_lm_score(rf_lm_ctx *c, rf_lm_seq *seqs, size_t nseq, int max_ctx, int stride, rf_err *err)
{
    int budget = c->max_tokens;
    if (max_ctx < 2 || max_ctx > budget || stride < 1 || stride >= max_ctx)
        return rf_errf(err, RF_EUSAGE, "windows need 2 <= max-context <= batch tokens (%d) and "
                       "1 <= stride < max-context (got %d, %d)", budget, max_ctx, stride);
    int32_t *ids = rf_xmalloc((size_t)budget * sizeof *ids);
    int32_t *tgt = rf_xmalloc((size_t)budget * sizeof *tgt);
    int32_t *starts = rf_xmalloc(((size_t)budget + 1) * sizeof *starts);
    float *nll = rf_xmalloc((size_t)budget * sizeof *nll);
    window *w = rf_xmalloc((size_t)budget * sizeof *w);
    int nw = 0, used = 0, rc = 0;
    for (size_t s = 0; s < nseq && !rc; s++) {
        rf_lm_seq *sq = &seqs[s];
        if (sq->n)
            sq->nll[0] = 0.0f;
        if (sq->n < 2)
            continue;
        size_t prev_end = 0;
        for (size_t begin = 0;; begin += (size_t)stride) {
            size_t end = begin + (size_t)max_ctx < sq->n ? begin + (size_t)max_ctx : sq->n;
            window win = {s, begin, end, prev_end > begin + 1 ? prev_end : begin + 1};
            int len = (int)(end - begin);
            if (used + len > budget) {
                rc = run_batch(c, seqs, w, nw, ids, tgt, starts, nll, err);
                nw = used = 0;
                if (rc)
                    break;
            }
            w[nw++] = win;
            used += len;
            prev_end = end;
            if (end == sq->n)
                break;
        }
    }
    if (!rc && nw)
        rc = run_batch(c, seqs, w, nw, ids, tgt, starts, nll, err);
    free(ids);
    free(tgt);
    free(starts);
    free(nll);
    free(w);
    return rc;
}
