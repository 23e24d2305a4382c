/* perplexity_gemm — benchmark helper for bench/perplexity.sh: GFLOP/s of the
 * CPU backend's matmul (packed panels, run-time ISA choice) against
 * OpenBLAS cblas_sgemm (single thread: OPENBLAS_NUM_THREADS=1) on the
 * SmolLM-135M projection shapes at 512 tokens, same inputs, same outputs
 * (checked). Decides whether OpenBLAS would be worth linking. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernels/ops.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    static const int shapes[][2] = {{576, 576}, {576, 192}, {576, 1536}, {1536, 576}, {576, 49152}};
    const int T = 512;
    const rf_kernels *k = &rf_kernels_cpu;
    rf_kctx *c;
    rf_err err;
    k->ctx_new(&c, &err);
    double tot_own = 0, tot_blas = 0, flops_all = 0;
    printf("%-14s %12s %12s %8s\n", "in x out", "own GFLOP/s", "OpenBLAS", "own/blas");
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int K = shapes[s][0], N = shapes[s][1];
        float *x = malloc((size_t)T * K * 4), *w = malloc((size_t)N * K * 4);
        float *y1 = malloc((size_t)T * N * 4), *y2 = malloc((size_t)T * N * 4);
        for (size_t i = 0; i < (size_t)T * K; i++)
            x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
        for (size_t i = 0; i < (size_t)N * K; i++)
            w[i] = (float)((i * 40503u) % 1000) / 1000.0f - 0.5f;
        rf_kweight *kw = k->weight_new(c, w, N, K);
        double flops = 2.0 * T * K * N, best_own = 1e9, best_blas = 1e9;
        for (int r = 0; r < 10; r++) {
            double t0 = now();
            k->matmul(c, y1, x, kw, NULL, T, K, N);
            double t1 = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, N, K, 1.0f, x, K, w, K, 0.0f,
                        y2, N);
            double t2 = now();
            if (t1 - t0 < best_own)
                best_own = t1 - t0;
            if (t2 - t1 < best_blas)
                best_blas = t2 - t1;
        }
        double maxd = 0;
        for (size_t i = 0; i < (size_t)T * N; i++)
            maxd = fmax(maxd, fabs(y1[i] - y2[i]));
        printf("%5d x %-6d %12.1f %12.1f %8.2f   (max |diff| %.2g)\n", K, N, flops / best_own / 1e9,
               flops / best_blas / 1e9, best_blas / best_own, maxd);
        tot_own += best_own;
        tot_blas += best_blas;
        flops_all += flops;
        k->weight_free(c, kw);
        free(x);
        free(w);
        free(y1);
        free(y2);
    }
    printf("%-14s %12.1f %12.1f %8.2f\n", "all", flops_all / tot_own / 1e9,
           flops_all / tot_blas / 1e9, tot_blas / tot_own);
    k->ctx_free(c);
    return 0;
}
