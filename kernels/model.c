/* model.c — builds a Llama/Qwen2 decoder from an opened model file: reads
 * the hyper-parameters (GGUF "<arch>.*" keys or HF config.json members),
 * checks them against sane ranges, checks every tensor's presence and exact
 * shape against them, and dequantises each tensor to an F32 host array (an
 * aligned F32 tensor of a mapped file is used in place: copying half a
 * gigabyte only to pack it into GEMM panels and free it doubled load time).
 * Nothing here trusts the file: a wrong shape, a missing tensor or an
 * unsupported architecture is an error that names the culprit. */
#define _POSIX_C_SOURCE 200809L
#include "kernels/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int meta_int(const rf_mfile *f, const char *key, int64_t def, int64_t *out)
{
    const rf_meta *m = rf_mfile_meta(f, key);
    if (!m) {
        *out = def;
        return def == INT64_MIN ? -1 : 0;
    }
    if (m->kind != RF_META_INT && m->kind != RF_META_BOOL)
        return -1;
    *out = m->i;
    return 0;
}

static int meta_float(const rf_mfile *f, const char *key, double def, double *out)
{
    const rf_meta *m = rf_mfile_meta(f, key);
    if (!m) {
        *out = def;
        return 0;
    }
    if (m->kind != RF_META_INT && m->kind != RF_META_FLOAT)
        return -1;
    *out = m->f;
    return 0;
}

static int meta_is(const rf_mfile *f, const char *key, const char *want)
{
    const rf_meta *m = rf_mfile_meta(f, key);
    return m && m->kind == RF_META_STRING && m->slen == strlen(want) &&
           !memcmp(m->s, want, m->slen);
}

typedef struct keys {
    const char *dim, *layers, *ffn, *heads, *kv, *hd, *vocab, *theta, *eps, *ctx;
} keys;

/* Reads the hyper-parameters into c; names the first bad key. */
static int read_config(const rf_mfile *f, rf_lm_config *c, rf_err *err)
{
    const char *path = f->path ? f->path : "model";
    char k[10][96];
    keys K;
    if (f->format == RF_MFILE_GGUF) {
        const char *arch = NULL;
        if (meta_is(f, "general.architecture", "llama")) {
            arch = "llama";
            c->arch = RF_ARCH_LLAMA;
            c->rope_neox = 0;
        } else if (meta_is(f, "general.architecture", "qwen2")) {
            arch = "qwen2";
            c->arch = RF_ARCH_QWEN2;
            c->rope_neox = 1;
            c->qkv_bias = 1;
        } else {
            const rf_meta *a = rf_mfile_meta(f, "general.architecture");
            return rf_errf(err, RF_EUNSUP, "%s: architecture '%.*s' is not supported (llama, "
                           "qwen2)", path, a && a->kind == RF_META_STRING ? (int)(a->slen > 40 ? 40 : a->slen) : 7,
                           a && a->kind == RF_META_STRING ? a->s : "missing");
        }
        static const char *const suffix[10] = {
            "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
            "attention.head_count_kv", "attention.key_length", "vocab_size", "rope.freq_base",
            "attention.layer_norm_rms_epsilon", "context_length"};
        for (int i = 0; i < 10; i++)
            snprintf(k[i], sizeof k[i], "%s.%s", arch, suffix[i]);
        snprintf(c->source, sizeof c->source, "gguf");
        int64_t v;
        c->bos_id = meta_int(f, "tokenizer.ggml.bos_token_id", -1, &v) ? -1 : (int)v;
        c->add_bos = meta_int(f, "tokenizer.ggml.add_bos_token", -1, &v) ? -1 : (int)v;
        char rk[96];
        snprintf(rk, sizeof rk, "%s.rope.dimension_count", arch);
        int64_t rd;
        if (!meta_int(f, rk, -1, &rd) && rd != -1)
            c->head_dim = (int)rd; /* checked against the real head size below */
    } else {
        if (meta_is(f, "model_type", "llama")) {
            c->arch = RF_ARCH_LLAMA;
        } else if (meta_is(f, "model_type", "qwen2")) {
            c->arch = RF_ARCH_QWEN2;
            c->qkv_bias = 1;
        } else {
            const rf_meta *a = rf_mfile_meta(f, "model_type");
            return rf_errf(err, RF_EUNSUP, "%s: config.json model_type '%.*s' is not supported "
                           "(llama, qwen2)", path, a && a->kind == RF_META_STRING ? (int)(a->slen > 40 ? 40 : a->slen) : 7,
                           a && a->kind == RF_META_STRING ? a->s : "missing");
        }
        if (rf_mfile_meta(f, "hidden_act") && !meta_is(f, "hidden_act", "silu"))
            return rf_errf(err, RF_EUNSUP, "%s: hidden_act must be silu (SwiGLU)", path);
        c->rope_neox = 1;
        static const char *const names[10] = {
            "hidden_size", "num_hidden_layers", "intermediate_size", "num_attention_heads",
            "num_key_value_heads", "head_dim", "vocab_size", "rope_theta", "rms_norm_eps",
            "max_position_embeddings"};
        for (int i = 0; i < 10; i++)
            snprintf(k[i], sizeof k[i], "%s", names[i]);
        snprintf(c->source, sizeof c->source, "safetensors");
        int64_t v;
        c->bos_id = meta_int(f, "bos_token_id", -1, &v) ? -1 : (int)v;
        c->add_bos = -1;
    }
    K = (keys){k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9]};
    int64_t dim, layers, ffn, heads, kv, hd, vocab, ctx;
    double theta, eps;
    const char *bad = NULL;
    if (meta_int(f, K.dim, INT64_MIN, &dim) || dim < 1 || dim > 65536)
        bad = K.dim;
    else if (meta_int(f, K.layers, INT64_MIN, &layers) || layers < 1 || layers > 1024)
        bad = K.layers;
    else if (meta_int(f, K.ffn, INT64_MIN, &ffn) || ffn < 1 || ffn > (1 << 20))
        bad = K.ffn;
    else if (meta_int(f, K.heads, INT64_MIN, &heads) || heads < 1 || heads > 1024)
        bad = K.heads;
    else if (meta_int(f, K.kv, heads, &kv) || kv < 1 || kv > heads || heads % kv)
        bad = K.kv;
    else if (meta_int(f, K.hd, dim / heads, &hd) || hd < 2 || hd > 1024 || hd % 2)
        bad = K.hd;
    else if (meta_int(f, K.vocab, 0, &vocab) || vocab < 0 || vocab > (1 << 24))
        bad = K.vocab;
    else if (meta_float(f, K.theta, 10000.0, &theta) || !(theta > 0 && theta < 1e12))
        bad = K.theta;
    else if (meta_float(f, K.eps, 1e-5, &eps) || !(eps > 0 && eps < 1))
        bad = K.eps;
    else if (meta_int(f, K.ctx, 0, &ctx) || ctx < 0 || ctx > (1 << 30))
        bad = K.ctx;
    if (bad)
        return rf_errf(err, RF_EFORMAT, "%s: hyper-parameter '%s' is missing or out of range",
                       path, bad);
    if (c->head_dim && c->head_dim != (int)hd)
        return rf_errf(err, RF_EUNSUP, "%s: partial rotary embeddings (rope dimension %d of "
                       "head size %d) are not supported", path, c->head_dim, (int)hd);
    c->dim = (int)dim;
    c->n_layers = (int)layers;
    c->ffn_dim = (int)ffn;
    c->n_heads = (int)heads;
    c->n_kv_heads = (int)kv;
    c->head_dim = (int)hd;
    c->vocab = (int)vocab; /* 0: taken from the embedding below */
    c->rope_theta = (float)theta;
    c->norm_eps = (float)eps;
    c->ctx_len = (int)ctx;
    return 0;
}

/* Looks up a tensor, checks its exact shape, dequantises it. */
static int load(rf_lm_model *m, const rf_mfile *f, const char *name, uint64_t d0, uint64_t d1,
                float **out, rf_err *err)
{
    const char *path = f->path ? f->path : "model";
    const rf_tensor_view *t = rf_mfile_tensor(f, name);
    if (!t)
        return rf_errf(err, RF_EFORMAT, "%s: tensor '%s' is missing", path, name);
    int nd = d1 ? 2 : 1;
    if (t->ndim != nd || t->dims[0] != d0 || (nd == 2 && t->dims[1] != d1))
        return rf_errf(err, RF_EFORMAT, "%s: tensor '%s' has shape [%llu%s%llu] but the "
                       "hyper-parameters need [%llu%s%llu]", path, name,
                       (unsigned long long)t->dims[0], t->ndim > 1 ? ", " : "",
                       t->ndim > 1 ? (unsigned long long)t->dims[1] : 0ULL,
                       (unsigned long long)d0, nd > 1 ? ", " : "", (unsigned long long)d1);
    const char *d = t->data;
    if (t->type == RF_DT_F32 && d >= m->borrow_lo && d + t->nbytes <= m->borrow_hi &&
        (uintptr_t)d % _Alignof(float) == 0) {
        *out = (float *)(uintptr_t)d; /* read-only mapping; never written */
        return 0;
    }
    float *w = malloc((size_t)t->nelem * sizeof *w);
    if (!w)
        return rf_errf(err, RF_ENOMEM, "%s: no memory for tensor '%s'", path, name);
    rf_dequantize(t->type, t->data, w, t->nelem);
    *out = w;
    return 0;
}

int rf_lm_model_from_mfile(rf_lm_model *m, const rf_mfile *f, rf_err *err)
{
    memset(m, 0, sizeof *m);
    if (f->map) {
        m->borrow_lo = f->map;
        m->borrow_hi = (const char *)f->map + f->map_len;
    }
    rf_lm_config *c = &m->cfg;
    int rc = read_config(f, c, err);
    if (rc)
        return rc;
    int gguf = f->format == RF_MFILE_GGUF;
    const char *emb_name = gguf ? "token_embd.weight" : "model.embed_tokens.weight";
    const rf_tensor_view *emb = rf_mfile_tensor(f, emb_name);
    if (!emb || emb->ndim != 2)
        return rf_errf(err, RF_EFORMAT, "%s: token embedding '%s' is missing or not a matrix",
                       f->path ? f->path : "model", emb_name);
    if (!c->vocab) {
        if (emb->dims[0] > (1 << 24))
            return rf_errf(err, RF_EFORMAT, "%s: vocabulary of %llu entries is absurd",
                           f->path ? f->path : "model", (unsigned long long)emb->dims[0]);
        c->vocab = (int)emb->dims[0];
    }
    const char *out_name = gguf ? "output.weight" : "lm_head.weight";
    const rf_meta *tie = gguf ? NULL : rf_mfile_meta(f, "tie_word_embeddings");
    c->tied = !rf_mfile_tensor(f, out_name) || (tie && tie->kind == RF_META_BOOL && tie->i);
    const rf_tensor_view *q0 = rf_mfile_tensor(f, gguf ? "blk.0.attn_q.weight"
                                                      : "model.layers.0.self_attn.q_proj.weight");
    snprintf(c->weight_type, sizeof c->weight_type, "%s",
             q0 ? rf_dtype_name(q0->type) : rf_dtype_name(emb->type));

    uint64_t D = (uint64_t)c->dim, V = (uint64_t)c->vocab, F = (uint64_t)c->ffn_dim;
    uint64_t QD = (uint64_t)c->n_heads * (uint64_t)c->head_dim;
    uint64_t KD = (uint64_t)c->n_kv_heads * (uint64_t)c->head_dim;
    if ((rc = load(m, f, emb_name, V, D, &m->tok_emb, err)))
        goto fail;
    if ((rc = load(m, f, gguf ? "output_norm.weight" : "model.norm.weight", D, 0, &m->out_norm,
                   err)))
        goto fail;
    if (c->tied)
        m->output = m->tok_emb;
    else if ((rc = load(m, f, out_name, V, D, &m->output, err)))
        goto fail;
    m->layers = rf_xcalloc((size_t)c->n_layers, sizeof *m->layers);
    for (int l = 0; l < c->n_layers; l++) {
        rf_lm_layer *L = &m->layers[l];
        char n[12][96];
        if (gguf) {
            static const char *const s[12] = {"attn_norm.weight", "attn_q.weight",
                "attn_k.weight", "attn_v.weight", "attn_output.weight", "ffn_norm.weight",
                "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight", "attn_q.bias",
                "attn_k.bias", "attn_v.bias"};
            for (int i = 0; i < 12; i++)
                snprintf(n[i], sizeof n[i], "blk.%d.%s", l, s[i]);
        } else {
            static const char *const s[12] = {"input_layernorm.weight",
                "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight",
                "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"};
            for (int i = 0; i < 12; i++)
                snprintf(n[i], sizeof n[i], "model.layers.%d.%s", l, s[i]);
        }
        if ((rc = load(m, f, n[0], D, 0, &L->attn_norm, err)) ||
            (rc = load(m, f, n[1], QD, D, &L->wq, err)) || (rc = load(m, f, n[2], KD, D, &L->wk, err)) ||
            (rc = load(m, f, n[3], KD, D, &L->wv, err)) || (rc = load(m, f, n[4], D, QD, &L->wo, err)) ||
            (rc = load(m, f, n[5], D, 0, &L->ffn_norm, err)) ||
            (rc = load(m, f, n[6], F, D, &L->w_gate, err)) ||
            (rc = load(m, f, n[7], F, D, &L->w_up, err)) ||
            (rc = load(m, f, n[8], D, F, &L->w_down, err)))
            goto fail;
        if (c->qkv_bias && ((rc = load(m, f, n[9], QD, 0, &L->bq, err)) ||
                            (rc = load(m, f, n[10], KD, 0, &L->bk, err)) ||
                            (rc = load(m, f, n[11], KD, 0, &L->bv, err))))
            goto fail;
    }
    return 0;
fail:
    rf_lm_model_release(m);
    return rc;
}

int rf_lm_model_load(rf_lm_model *m, const char *path, rf_err *err)
{
    rf_mfile f;
    memset(m, 0, sizeof *m);
    int rc = rf_mfile_open(&f, path, err);
    if (!rc)
        rc = rf_lm_model_from_mfile(m, &f, err);
    if (rc) {
        rf_mfile_release(&f);
        return rc;
    }
    m->file = f; /* borrowed tensors point into its mapping */
    m->own_file = 1;
    return 0;
}

/* Frees an array unless it lives in the mapped file. */
static void drop(const rf_lm_model *m, float *p)
{
    if (!((const char *)p >= m->borrow_lo && (const char *)p < m->borrow_hi))
        free(p);
}

void rf_lm_model_release(rf_lm_model *m)
{
    if (!m)
        return;
    if (m->layers) {
        for (int l = 0; l < m->cfg.n_layers; l++) {
            rf_lm_layer *L = &m->layers[l];
            float *p[12] = {L->attn_norm, L->wq, L->wk, L->wv, L->wo, L->bq, L->bk, L->bv,
                            L->ffn_norm, L->w_gate, L->w_up, L->w_down};
            for (int i = 0; i < 12; i++)
                drop(m, p[i]);
        }
        free(m->layers);
    }
    if (m->output != m->tok_emb)
        drop(m, m->output);
    drop(m, m->tok_emb);
    drop(m, m->out_norm);
    if (m->own_file)
        rf_mfile_release(&m->file);
    memset(m, 0, sizeof *m);
}

uint64_t rf_lm_model_params(const rf_lm_config *c)
{
    uint64_t D = (uint64_t)c->dim, QD = (uint64_t)c->n_heads * (uint64_t)c->head_dim;
    uint64_t KD = (uint64_t)c->n_kv_heads * (uint64_t)c->head_dim, F = (uint64_t)c->ffn_dim;
    uint64_t per = 2 * D + D * QD * 2 + 2 * KD * D + 3 * D * F;
    if (c->qkv_bias)
        per += QD + 2 * KD;
    return (uint64_t)c->n_layers * per + (uint64_t)c->vocab * D * (c->tied ? 1 : 2) + D;
}
