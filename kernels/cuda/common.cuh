/* common.cuh — shared by the CUDA ops: the per-thread context (stream,
 * cuBLAS handle, scratch, the first error seen), the weight layout (BF16 or
 * FP16 copies of the F32 weights for cuBLAS), launch checking, and the
 * C-linkage declarations of each op's entry point. Ops never return
 * errors: the first failure is kept in the context and reported by sync(). */
#ifndef RF_KERNELS_CUDA_COMMON_CUH
#define RF_KERNELS_CUDA_COMMON_CUH

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdio.h>

extern "C" {
#include "kernels/ops.h"
}

struct rf_kctx {
    cudaStream_t stream;
    cublasHandle_t blas;
    int half_fp16;      /* 1: FP16 GEMM operands (REFINE_CUDA_GEMM=fp16), else BF16 */
    void *act;          /* half-precision copy of a GEMM's activations */
    size_t act_cap;
    int32_t *tiles;     /* attention: query-tile → sequence map */
    size_t tiles_cap;
    char err[256];      /* first error, "" when none */
};

struct rf_kweight {
    int rows, cols;
    void *w;            /* rows × cols, BF16 or FP16 */
};

static inline void rf_cuda_note(rf_kctx *c, const char *what, cudaError_t e)
{
    if (e != cudaSuccess && !c->err[0])
        snprintf(c->err, sizeof c->err, "%s: %s", what, cudaGetErrorString(e));
}

static inline void rf_cuda_launched(rf_kctx *c, const char *what)
{
    rf_cuda_note(c, what, cudaGetLastError());
}

/* Scratch that grows (synchronising first: an older buffer may be in use). */
void *rf_cuda_grow(rf_kctx *c, void **buf, size_t *cap, size_t need);

extern "C" {
void rf_cuda_matmul(rf_kctx *c, float *y, const float *x, const rf_kweight *w, const float *bias,
                    int T, int in, int out);
rf_kweight *rf_cuda_weight_new(rf_kctx *c, const float *w, int rows, int cols);
void rf_cuda_weight_free(rf_kctx *c, rf_kweight *w);
void rf_cuda_rmsnorm(rf_kctx *c, float *y, const float *x, const float *w, int T, int dim,
                     float eps);
void rf_cuda_rope(rf_kctx *c, float *x, const int32_t *pos, int T, int nh, int hd, float theta,
                  int neox);
void rf_cuda_attention(rf_kctx *c, float *out, const float *q, const float *k, const float *v,
                       const int32_t *seq_start, const int32_t *seq_start_host, int nseq,
                       int max_len, int nh, int nkv, int hd);
void rf_cuda_swiglu(rf_kctx *c, float *g, const float *u, size_t n);
void rf_cuda_add(rf_kctx *c, float *x, const float *y, size_t n);
void rf_cuda_nll(rf_kctx *c, float *nll, const float *logits, const int32_t *target, int T,
                 int V);
void rf_cuda_embed(rf_kctx *c, float *x, const float *table, const int32_t *ids, int T, int dim);
}

#endif
