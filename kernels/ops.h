/* ops.h — the dispatch table of the small-LM engine: one rf_kernels per
 * device, one function per op (ggml/llm.c style). kernels/cpu/ is the
 * reference; kernels/cuda/ must match it within the tolerances stated in
 * tests/perplexity/test_lm_cuda.c.
 *
 * Pointers named "device" point into memory from the table's alloc (host
 * memory for the CPU, GPU global memory for CUDA). Shapes use T for the
 * number of packed tokens of a batch; activations are row-major (T, C).
 * A batch holds several sequences packed back to back; seq_start[0..nseq]
 * (device ints) gives their token offsets and pos[t] the position of token t
 * inside its own sequence, so attention never crosses sequence borders. */
#ifndef RF_KERNELS_OPS_H
#define RF_KERNELS_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "stages/err.h"

typedef struct rf_kctx rf_kctx; /* per-thread backend state (stream, scratch) */
typedef struct rf_kweight rf_kweight; /* a weight matrix in the backend's layout */

typedef struct rf_kernels {
    const char *name; /* "cpu", "cuda" */

    /* Context and memory. */
    int (*ctx_new)(rf_kctx **c, rf_err *err);
    void (*ctx_free)(rf_kctx *c);
    void *(*alloc)(rf_kctx *c, size_t bytes);              /* NULL on failure */
    void (*free)(rf_kctx *c, void *p);
    void (*upload)(rf_kctx *c, void *dst, const void *src, size_t bytes);
    void (*download)(rf_kctx *c, void *dst, const void *src, size_t bytes);
    int (*sync)(rf_kctx *c, rf_err *err);                  /* waits; reports device errors */

    /* w is rows × cols row-major F32 (a Linear weight: out × in). */
    rf_kweight *(*weight_new)(rf_kctx *c, const float *w, int rows, int cols);
    void (*weight_free)(rf_kctx *c, rf_kweight *w);

    /* y (T, out) = x (T, in) · Wᵀ (+ bias (out), may be NULL). */
    void (*matmul)(rf_kctx *c, float *y, const float *x, const rf_kweight *w, const float *bias,
                   int T, int in, int out);
    /* x (T, dim) = table[ids[t]] — table is a device copy of vocab × dim. */
    void (*embed)(rf_kctx *c, float *x, const float *table, const int32_t *ids, int T, int dim);
    /* y (T, dim) = x / sqrt(mean(x²) + eps) * w. */
    void (*rmsnorm)(rf_kctx *c, float *y, const float *x, const float *w, int T, int dim,
                    float eps);
    /* In place on x (T, nh * hd): rotary embedding by pos[t]; neox selects
     * rotate-half pairs (i, i + hd/2), else interleaved pairs (2i, 2i+1). */
    void (*rope)(rf_kctx *c, float *x, const int32_t *pos, int T, int nh, int hd, float theta,
                 int neox);
    /* out (T, nh*hd) = causal softmax(q kᵀ / sqrt(hd)) v per sequence, with
     * q (T, nh*hd), k and v (T, nkv*hd); query head h reads kv head
     * h / (nh / nkv). seq_start is device memory; nseq sequences; max_len is
     * the longest sequence (scratch sizing). */
    void (*attention)(rf_kctx *c, float *out, const float *q, const float *k, const float *v,
                      const int32_t *seq_start, const int32_t *seq_start_host, int nseq,
                      int max_len, int nh, int nkv, int hd);
    /* g (n) = silu(g) * u, in place. */
    void (*swiglu)(rf_kctx *c, float *g, const float *u, size_t n);
    /* x (n) += y (n). */
    void (*add)(rf_kctx *c, float *x, const float *y, size_t n);
    /* nll[t] = logsumexp(logits[t, :]) - logits[t, target[t]] for rows with
     * target >= 0, else 0; logits (T, V). Never writes probabilities. */
    void (*nll)(rf_kctx *c, float *nll, const float *logits, const int32_t *target, int T,
                int V);
} rf_kernels;

/* The CPU backend (always available). */
extern const rf_kernels rf_kernels_cpu;
/* The CUDA backend, or NULL when this build has none. */
const rf_kernels *rf_kernels_cuda(void);

#endif
