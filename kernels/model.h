/* model.h — a Llama-architecture decoder's hyper-parameters and its weights
 * as F32 host arrays, built from a GGUF or safetensors file.
 *
 * Supported: Llama (RMSNorm, RoPE, grouped-query attention, SwiGLU; tied or
 * separate output embedding) and Qwen2 (the same plus q/k/v biases). The two
 * q/k layouts are handled by remembering which rotation the weights expect:
 * GGUF llama files store q/k rows for llama.cpp's interleaved rotation
 * (pairs 2i, 2i+1), HF checkpoints (and GGUF qwen2) for rotate-half (pairs
 * i, i + d/2). Quantised and half-precision tensors are dequantised here. */
#ifndef RF_KERNELS_MODEL_H
#define RF_KERNELS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/mfile.h"
#include "stages/err.h"

enum { RF_ARCH_LLAMA = 1, RF_ARCH_QWEN2 = 2 };

typedef struct rf_lm_config {
    int arch;
    int dim, n_layers, n_heads, n_kv_heads, head_dim, ffn_dim, vocab;
    int ctx_len;        /* trained context (informational; windows may differ) */
    float rope_theta, norm_eps;
    int rope_neox;      /* 1: rotate-half pairs (i, i+d/2); 0: interleaved (2i, 2i+1) */
    int tied;           /* output projection is the token embedding */
    int qkv_bias;
    int bos_id;         /* -1 unknown */
    int add_bos;        /* -1 unknown, else whether text input gets BOS prepended */
    char source[16];    /* "gguf" or "safetensors" */
    char weight_type[8];/* dominant tensor type in the file ("F32", "Q4_0", ...) */
} rf_lm_config;

typedef struct rf_lm_layer {
    float *attn_norm, *wq, *wk, *wv, *wo, *bq, *bk, *bv;
    float *ffn_norm, *w_gate, *w_up, *w_down;
} rf_lm_layer;

typedef struct rf_lm_model {
    rf_lm_config cfg;
    float *tok_emb;  /* vocab × dim */
    float *out_norm; /* dim */
    float *output;   /* vocab × dim; == tok_emb when tied */
    rf_lm_layer *layers;
    /* F32 tensors of a mapped file are used in place (no copy): arrays
     * inside [borrow_lo, borrow_hi) belong to the mapping, not to us. */
    const char *borrow_lo, *borrow_hi;
    rf_mfile file;   /* the file rf_lm_model_load opened (kept while borrowed) */
    int own_file;
} rf_lm_model;

/* Loads a model (see rf_mfile_open for the accepted paths). */
int rf_lm_model_load(rf_lm_model *m, const char *path, rf_err *err);
/* Builds the model from an opened file (used by the fuzz target too). When
 * f is a mapped file (f->map), aligned F32 tensors point into the mapping,
 * so f must stay open until m is released. */
int rf_lm_model_from_mfile(rf_lm_model *m, const rf_mfile *f, rf_err *err);
void rf_lm_model_release(rf_lm_model *m);

/* Parameter count (weights only). */
uint64_t rf_lm_model_params(const rf_lm_config *c);

#endif
