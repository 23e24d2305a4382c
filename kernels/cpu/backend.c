/* backend.c — the CPU rf_kernels table: host memory, the per-thread context
 * and the embedding lookup; the ops themselves live one per file. This is
 * the reference backend the CUDA one is tested against. */
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

static int cpu_ctx_new(rf_kctx **c, rf_err *err)
{
    (void)err;
    *c = rf_xcalloc(1, sizeof **c);
    return 0;
}

static void cpu_ctx_free(rf_kctx *c)
{
    if (!c)
        return;
    free(c->scratch);
    free(c->apad);
    free(c->rope_cs);
    free(c);
}

static void *cpu_alloc(rf_kctx *c, size_t bytes)
{
    (void)c;
    return aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
}

static void cpu_free(rf_kctx *c, void *p)
{
    (void)c;
    free(p);
}

static void cpu_copy(rf_kctx *c, void *dst, const void *src, size_t bytes)
{
    (void)c;
    if (bytes)
        memcpy(dst, src, bytes);
}

static int cpu_sync(rf_kctx *c, rf_err *err)
{
    (void)c;
    (void)err;
    return 0;
}

void rf_cpu_embed(rf_kctx *c, float *x, const float *table, const int32_t *ids, int T, int dim)
{
    (void)c;
    for (int t = 0; t < T; t++)
        memcpy(x + (size_t)t * dim, table + (size_t)ids[t] * dim, (size_t)dim * sizeof *x);
}

const rf_kernels rf_kernels_cpu = {
    .name = "cpu",
    .ctx_new = cpu_ctx_new,
    .ctx_free = cpu_ctx_free,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_copy,
    .download = cpu_copy,
    .sync = cpu_sync,
    .weight_new = rf_cpu_weight_new,
    .weight_free = rf_cpu_weight_free,
    .matmul = rf_cpu_matmul,
    .embed = rf_cpu_embed,
    .rmsnorm = rf_cpu_rmsnorm,
    .rope = rf_cpu_rope,
    .attention = rf_cpu_attention,
    .swiglu = rf_cpu_swiglu,
    .add = rf_cpu_add,
    .nll = rf_cpu_nll,
};
