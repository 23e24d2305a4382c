/* cpu.h — internals shared by the CPU ops: the per-thread context (scratch
 * for attention) and the packed-panel GEMM tile every matrix product of the
 * CPU backend is built on.
 *
 * Packed panel: a B operand of K × 32 floats, row k holding 32 consecutive
 * output columns (zero-padded past the last real column). A Linear weight
 * (out × in) becomes ceil(out/32) such panels with K = in; attention packs
 * keys and values the same way, so one micro-kernel serves all three. */
#ifndef RF_KERNELS_CPU_H
#define RF_KERNELS_CPU_H

#include <stddef.h>

#include "kernels/ops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RF_X86 1
#endif

#define RF_CPU_NR 32 /* panel width */
#define RF_CPU_MR 12 /* rows per tile (the AVX-512 kernel's register budget) */

struct rf_kctx {
    float *scratch; /* attention: packed K, packed V, score rows */
    size_t scratch_cap;
    float *apad; /* MR × K zero-padded A rows for ragged tiles */
    size_t apad_cap;
    float *rope_cs; /* RoPE cos, sin per position and pair: [pos][2][hd/2] */
    int rope_npos, rope_hd;
    float rope_theta;
};

struct rf_kweight {
    int rows, cols, npanels;
    float *panels; /* npanels × cols × 32 */
};

/* C (m × ncols, leading dimension ldc) = A (m × K, lda) · panel (K × 32),
 * m <= RF_CPU_MR, ncols <= 32. */
void rf_cpu_tile(rf_kctx *c, int m, int ncols, int K, const float *A, size_t lda,
                 const float *panel, float *C, size_t ldc);

/* Scratch of at least n floats, 64-byte aligned, kept in the context. */
float *rf_cpu_scratch(rf_kctx *c, size_t n);

/* Name of the GEMM micro-kernel chosen for this CPU ("avx512", "avx2",
 * "scalar"). */
const char *rf_cpu_gemm_isa(void);

#ifdef RF_X86
/* Vector exp, Cephes-style: n = round(x log2 e),
 * r = x - n ln 2 in two parts, a degree-6 polynomial, times 2^n. Relative
 * error about 1e-7, like expf; inputs below -87 give exp(-87), large ones
 * overflow to infinity as expf does. */
__attribute__((target("avx512f"))) static inline __m512 rf_cpu_exp512(__m512 x)
{
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), x);
    __m512 z = _mm512_mul_ps(x, x);
    __m512 y = _mm512_set1_ps(1.9875691500e-4f);
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.3981999507e-3f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(8.3334519073e-3f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(4.1665795894e-2f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.6666665459e-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(5.0000001201e-1f));
    y = _mm512_fmadd_ps(y, z, _mm512_add_ps(x, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(y, n);
}

#endif

/* The ops, one per file. */
rf_kweight *rf_cpu_weight_new(rf_kctx *c, const float *w, int rows, int cols);
void rf_cpu_weight_free(rf_kctx *c, rf_kweight *w);
void rf_cpu_matmul(rf_kctx *c, float *y, const float *x, const rf_kweight *w, const float *bias,
                   int T, int in, int out);
void rf_cpu_rmsnorm(rf_kctx *c, float *y, const float *x, const float *w, int T, int dim,
                    float eps);
void rf_cpu_rope(rf_kctx *c, float *x, const int32_t *pos, int T, int nh, int hd, float theta,
                 int neox);
void rf_cpu_attention(rf_kctx *c, float *out, const float *q, const float *k, const float *v,
                      const int32_t *seq_start, const int32_t *seq_start_host, int nseq,
                      int max_len, int nh, int nkv, int hd);
void rf_cpu_swiglu(rf_kctx *c, float *g, const float *u, size_t n);
void rf_cpu_add(rf_kctx *c, float *x, const float *y, size_t n);
void rf_cpu_nll(rf_kctx *c, float *nll, const float *logits, const int32_t *target, int T, int V);
void rf_cpu_embed(rf_kctx *c, float *x, const float *table, const int32_t *ids, int T, int dim);

#endif
