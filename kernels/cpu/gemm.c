/* gemm.c — the CPU matrix product: weight packing into 32-column panels and
 * a register-blocked micro-kernel computing a 12 × 32 tile of C = A · panel
 * (AVX-512: 24 accumulators, two panel loads and twelve broadcast FMAs per
 * k; AVX2+FMA: 3 rows × 32 columns; a plain C fallback elsewhere). The ISA
 * is chosen at run time, so one binary runs on any x86-64 (and the plain C
 * path builds on other architectures). Each output element is one dot
 * product in ascending k, so results do not depend on the tile position.
 *
 * Blocking: rows of A in chunks of 96 (a chunk of a 1536-wide A is 590 KB and
 * stays in L2), the 32-column panels inner, so each panel is streamed once
 * per chunk and its K × 128 bytes are reused by 8 tiles. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RF_X86 1
#endif

typedef void (*tile_fn)(int K, const float *A, size_t lda, const float *P, float *C,
                        size_t ldc);

/* The portable kernel: any m rows of a full 32-wide tile. */
static void tile_scalar_m(int m, int K, const float *A, size_t lda, const float *P, float *C,
                          size_t ldc)
{
    for (int r = 0; r < m; r++) {
        float acc[RF_CPU_NR] = {0};
        const float *a = A + (size_t)r * lda;
        for (int k = 0; k < K; k++) {
            float av = a[k];
            const float *p = P + (size_t)k * RF_CPU_NR;
            for (int j = 0; j < RF_CPU_NR; j++)
                acc[j] += av * p[j];
        }
        memcpy(C + (size_t)r * ldc, acc, sizeof acc);
    }
}

static void tile_scalar(int K, const float *A, size_t lda, const float *P, float *C, size_t ldc)
{
    tile_scalar_m(RF_CPU_MR, K, A, lda, P, C, ldc);
}

#ifdef RF_X86
__attribute__((target("avx512f"))) static void tile_avx512(int K, const float *A, size_t lda,
                                                           const float *P, float *C, size_t ldc)
{
    __m512 c0[RF_CPU_MR], c1[RF_CPU_MR];
#pragma GCC unroll 12
    for (int r = 0; r < RF_CPU_MR; r++) {
        c0[r] = _mm512_setzero_ps();
        c1[r] = _mm512_setzero_ps();
    }
    for (int k = 0; k < K; k++) {
        __m512 b0 = _mm512_loadu_ps(P + (size_t)k * RF_CPU_NR);
        __m512 b1 = _mm512_loadu_ps(P + (size_t)k * RF_CPU_NR + 16);
#pragma GCC unroll 12
        for (int r = 0; r < RF_CPU_MR; r++) {
            __m512 a = _mm512_set1_ps(A[(size_t)r * lda + (size_t)k]);
            c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
            c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < RF_CPU_MR; r++) {
        _mm512_storeu_ps(C + (size_t)r * ldc, c0[r]);
        _mm512_storeu_ps(C + (size_t)r * ldc + 16, c1[r]);
    }
}

/* 3 rows per pass (12 accumulators + 4 panel registers of 16). */
__attribute__((target("avx2,fma"))) static void tile_avx2(int K, const float *A, size_t lda,
                                                         const float *P, float *C, size_t ldc)
{
    for (int r0 = 0; r0 < RF_CPU_MR; r0 += 3) {
        __m256 c[3][4];
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < 4; j++)
                c[r][j] = _mm256_setzero_ps();
        const float *a0 = A + (size_t)r0 * lda;
        for (int k = 0; k < K; k++) {
            const float *p = P + (size_t)k * RF_CPU_NR;
            __m256 b[4] = {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), _mm256_loadu_ps(p + 16),
                           _mm256_loadu_ps(p + 24)};
            for (int r = 0; r < 3; r++) {
                __m256 a = _mm256_set1_ps(a0[(size_t)r * lda + (size_t)k]);
                for (int j = 0; j < 4; j++)
                    c[r][j] = _mm256_fmadd_ps(a, b[j], c[r][j]);
            }
        }
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < 4; j++)
                _mm256_storeu_ps(C + (size_t)(r0 + r) * ldc + 8 * j, c[r][j]);
    }
}
#endif

static tile_fn kernel = tile_scalar;
static const char *kernel_name = "scalar";
static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;

static void choose_kernel(void)
{
#ifdef RF_X86
    const char *force = getenv("REFINE_CPU_ISA"); /* for tests and benchmarks */
    __builtin_cpu_init();
    if ((!force || !strcmp(force, "avx512")) && __builtin_cpu_supports("avx512f")) {
        kernel = tile_avx512;
        kernel_name = "avx512";
    } else if ((!force || !strcmp(force, "avx2")) && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma")) {
        kernel = tile_avx2;
        kernel_name = "avx2";
    }
#endif
}

const char *rf_cpu_gemm_isa(void)
{
    pthread_once(&kernel_once, choose_kernel);
    return kernel_name;
}

void rf_cpu_tile(rf_kctx *c, int m, int ncols, int K, const float *A, size_t lda,
                 const float *panel, float *C, size_t ldc)
{
    pthread_once(&kernel_once, choose_kernel);
    if (m == RF_CPU_MR && ncols == RF_CPU_NR) {
        kernel(K, A, lda, panel, C, ldc);
        return;
    }
    /* Ragged tile: pad A to MR rows, compute into a local tile, copy out. */
    float tile[RF_CPU_MR * RF_CPU_NR];
    const float *a = A;
    if (m < RF_CPU_MR) {
        size_t need = (size_t)RF_CPU_MR * (size_t)K;
        if (c->apad_cap < need) {
            free(c->apad);
            c->apad = rf_xmalloc(need * sizeof *c->apad);
            c->apad_cap = need;
        }
        for (int r = 0; r < RF_CPU_MR; r++) {
            if (r < m)
                memcpy(c->apad + (size_t)r * K, A + (size_t)r * lda, (size_t)K * sizeof *A);
            else
                memset(c->apad + (size_t)r * K, 0, (size_t)K * sizeof *A);
        }
        a = c->apad;
        lda = (size_t)K;
    }
    kernel(K, a, lda, panel, tile, RF_CPU_NR);
    for (int r = 0; r < m; r++)
        memcpy(C + (size_t)r * ldc, tile + r * RF_CPU_NR, (size_t)ncols * sizeof *C);
}

rf_kweight *rf_cpu_weight_new(rf_kctx *c, const float *w, int rows, int cols)
{
    (void)c;
    rf_kweight *kw = rf_xcalloc(1, sizeof *kw);
    kw->rows = rows;
    kw->cols = cols;
    kw->npanels = (rows + RF_CPU_NR - 1) / RF_CPU_NR;
    size_t n = (size_t)kw->npanels * (size_t)cols * RF_CPU_NR;
    kw->panels = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    if (!kw->panels) {
        free(kw);
        return NULL;
    }
    for (int p = 0; p < kw->npanels; p++) {
        float *P = kw->panels + (size_t)p * (size_t)cols * RF_CPU_NR;
        for (int k = 0; k < cols; k++)
            for (int j = 0; j < RF_CPU_NR; j++) {
                int r = p * RF_CPU_NR + j;
                P[(size_t)k * RF_CPU_NR + j] = r < rows ? w[(size_t)r * cols + k] : 0.0f;
            }
    }
    return kw;
}

void rf_cpu_weight_free(rf_kctx *c, rf_kweight *w)
{
    (void)c;
    if (w)
        free(w->panels);
    free(w);
}

#ifndef ROW_CHUNK
#define ROW_CHUNK 96
#endif

void rf_cpu_matmul(rf_kctx *c, float *y, const float *x, const rf_kweight *w, const float *bias,
                   int T, int in, int out)
{
    (void)out;
    size_t K = (size_t)in, N = (size_t)w->rows;
    for (int t0 = 0; t0 < T; t0 += ROW_CHUNK) {
        int t1 = t0 + ROW_CHUNK < T ? t0 + ROW_CHUNK : T;
        for (int p = 0; p < w->npanels; p++) {
            const float *P = w->panels + (size_t)p * K * RF_CPU_NR;
            int nc = (int)N - p * RF_CPU_NR;
            if (nc > RF_CPU_NR)
                nc = RF_CPU_NR;
            for (int t = t0; t < t1; t += RF_CPU_MR) {
                int m = t1 - t < RF_CPU_MR ? t1 - t : RF_CPU_MR;
                rf_cpu_tile(c, m, nc, in, x + (size_t)t * K, K, P,
                            y + (size_t)t * N + (size_t)p * RF_CPU_NR, N);
            }
        }
    }
    if (bias)
        for (int t = 0; t < T; t++)
            for (size_t j = 0; j < N; j++)
                y[(size_t)t * N + j] += bias[j];
}
