/* test_lm_cuda — the CUDA backend against the CPU reference, op by op on
 * random inputs (matmul, embed, rmsnorm, rope both pairings, attention over
 * a packed batch of unequal sequences with grouped heads, swiglu, add, nll)
 * and end to end (stories260K per-token NLL). Skips (77) when the build has
 * no CUDA backend or the machine no GPU; written to run unchanged the day
 * one is there.
 *
 * Tolerances: F32 element-wise ops 1e-5 relative (+1e-6 absolute); the GEMM
 * runs on BF16 operands (8-bit mantissa) with FP32 accumulation, so matmul
 * is checked against the CPU product of the BF16-rounded operands within
 * 1e-3 relative to the row's magnitude; the end-to-end NLL within 2e-2
 * relative per token and 5e-3 on the mean. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/device.h"
#include "kernels/lm.h"
#include "tests/unit/check.h"

static const rf_kernels *G, *C = &rf_kernels_cpu;
static rf_kctx *gc, *cc;
static unsigned rng = 12345;

static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return ((float)(rng >> 8) / 16777216.0f) * 2.0f - 1.0f;
}

static float *rnd(size_t n)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}

static void *up(const void *h, size_t bytes)
{
    void *d = G->alloc(gc, bytes);
    G->upload(gc, d, h, bytes);
    return d;
}

static float *down(const void *d, size_t n)
{
    float *h = malloc(n * sizeof *h);
    G->download(gc, h, d, n * sizeof *h);
    return h;
}

static int close_enough(const char *op, const float *a, const float *b, size_t n, double rtol,
                        double atol)
{
    double worst = 0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]), lim = rtol * fabs((double)b[i]) + atol;
        if (!(e <= lim))
            bad++;
        if (e > worst)
            worst = e;
    }
    printf("%-10s n=%-8zu max abs error %.3g%s\n", op, n, worst, bad ? "  FAIL" : "");
    return bad == 0;
}

static void test_ops(void)
{
    rf_err err = {0, ""};
    int T = 37, D = 96, F = 160, nh = 6, nkv = 2, hd = 16, V = 1000;
    /* matmul: compare against the CPU on BF16-rounded operands. */
    float *x = rnd((size_t)T * D), *w = rnd((size_t)F * D), *b = rnd(F);
    for (size_t i = 0; i < (size_t)T * D; i++)
        x[i] = rf_bf16_to_f32(rf_f32_to_bf16(x[i]));
    for (size_t i = 0; i < (size_t)F * D; i++)
        w[i] = rf_bf16_to_f32(rf_f32_to_bf16(w[i]));
    rf_kweight *cw = C->weight_new(cc, w, F, D), *gw = G->weight_new(gc, w, F, D);
    float *yc = malloc((size_t)T * F * sizeof *yc);
    float *dx = up(x, (size_t)T * D * 4), *db = up(b, (size_t)F * 4);
    float *dy = G->alloc(gc, (size_t)T * F * 4);
    C->matmul(cc, yc, x, cw, b, T, D, F);
    G->matmul(gc, dy, dx, gw, db, T, D, F);
    float *yg = down(dy, (size_t)T * F);
    CHECK(close_enough("matmul", yg, yc, (size_t)T * F, 1e-3, 1e-3 * sqrt(D)));
    CHECK(G->sync(gc, &err) == 0);

    /* rmsnorm, swiglu, add */
    float *nw = rnd(D), *rc = malloc((size_t)T * D * 4), *dn = up(nw, (size_t)D * 4);
    float *dr = G->alloc(gc, (size_t)T * D * 4);
    C->rmsnorm(cc, rc, x, nw, T, D, 1e-5f);
    G->rmsnorm(gc, dr, dx, dn, T, D, 1e-5f);
    float *rg = down(dr, (size_t)T * D);
    CHECK(close_enough("rmsnorm", rg, rc, (size_t)T * D, 1e-5, 1e-6));
    float *u = rnd((size_t)T * F), *g = rnd((size_t)T * F);
    float *du = up(u, (size_t)T * F * 4), *dg = up(g, (size_t)T * F * 4);
    C->swiglu(cc, g, u, (size_t)T * F);
    G->swiglu(gc, dg, du, (size_t)T * F);
    float *sg = down(dg, (size_t)T * F);
    CHECK(close_enough("swiglu", sg, g, (size_t)T * F, 1e-5, 1e-6));
    C->add(cc, g, u, (size_t)T * F);
    G->add(gc, dg, du, (size_t)T * F);
    free(sg);
    sg = down(dg, (size_t)T * F);
    CHECK(close_enough("add", sg, g, (size_t)T * F, 1e-6, 1e-7));

    /* packed batch of 3 sequences: rope (both pairings) and attention */
    int32_t starts[4] = {0, 5, 30, T}, pos[64];
    for (int s = 0; s < 3; s++)
        for (int i = starts[s]; i < starts[s + 1]; i++)
            pos[i] = i - starts[s] + (s == 2 ? 1000 : 0); /* far positions too */
    float *q = rnd((size_t)T * nh * hd), *k = rnd((size_t)T * nkv * hd);
    float *v = rnd((size_t)T * nkv * hd);
    int32_t *dpos = up(pos, (size_t)T * 4), *dst = up(starts, sizeof starts);
    for (int neox = 0; neox < 2; neox++) {
        float *qc = malloc((size_t)T * nh * hd * 4);
        memcpy(qc, q, (size_t)T * nh * hd * 4);
        float *dq = up(q, (size_t)T * nh * hd * 4);
        C->rope(cc, qc, pos, T, nh, hd, 10000.0f, neox);
        G->rope(gc, dq, dpos, T, nh, hd, 10000.0f, neox);
        float *qg = down(dq, (size_t)T * nh * hd);
        CHECK(close_enough(neox ? "rope-neox" : "rope", qg, qc, (size_t)T * nh * hd, 1e-5, 1e-5));
        free(qc);
        free(qg);
        G->free(gc, dq);
    }
    float *ac = malloc((size_t)T * nh * hd * 4);
    float *dq = up(q, (size_t)T * nh * hd * 4), *dk = up(k, (size_t)T * nkv * hd * 4);
    float *dv = up(v, (size_t)T * nkv * hd * 4), *da = G->alloc(gc, (size_t)T * nh * hd * 4);
    C->attention(cc, ac, q, k, v, starts, starts, 3, 25, nh, nkv, hd);
    G->attention(gc, da, dq, dk, dv, dst, starts, 3, 25, nh, nkv, hd);
    float *ag = down(da, (size_t)T * nh * hd);
    CHECK(close_enough("attention", ag, ac, (size_t)T * nh * hd, 1e-4, 1e-5));

    /* nll over a vocabulary, some rows without target */
    float *lg = rnd((size_t)T * V);
    for (size_t i = 0; i < (size_t)T * V; i++)
        lg[i] *= 8.0f;
    int32_t tgt[64];
    for (int t = 0; t < T; t++)
        tgt[t] = t % 5 == 4 ? -1 : (t * 131) % V;
    float nc[64], *dl = up(lg, (size_t)T * V * 4), *dnll = G->alloc(gc, (size_t)T * 4);
    int32_t *dt = up(tgt, (size_t)T * 4);
    C->nll(cc, nc, lg, tgt, T, V);
    G->nll(gc, dnll, dl, dt, T, V);
    float *ng = down(dnll, (size_t)T);
    CHECK(close_enough("nll", ng, nc, (size_t)T, 1e-5, 1e-5));
    CHECK(G->sync(gc, &err) == 0);
    /* (device buffers are released with the process; the test is one-shot) */
    free(x); free(w); free(b); free(yc); free(yg); free(nw); free(rc); free(rg); free(u);
    free(g); free(sg); free(q); free(k); free(v); free(ac); free(ag); free(lg); free(ng);
    C->weight_free(cc, cw);
    G->weight_free(gc, gw);
}

static void test_end_to_end(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/models/stories260K/stories260K.gguf", testdata_dir());
    rf_err err = {0, ""};
    rf_lm_model m;
    if (rf_lm_model_load(&m, path, &err)) {
        printf("skip end to end: %s\n", err.msg);
        return;
    }
    rf_lm *lc, *lg;
    rf_lm_ctx *xc, *xg;
    CHECK(!rf_lm_new(&lc, &m, C, &err) && !rf_lm_new(&lg, &m, G, &err));
    rf_lm_model_release(&m);
    CHECK(!rf_lm_ctx_new(&xc, lc, 2048, &err) && !rf_lm_ctx_new(&xg, lg, 2048, &err));
    enum { N = 700 };
    int32_t ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = (int32_t)((i * 37 + 11) % 512);
    float a[N], b[N];
    rf_lm_seq sa[2] = {{ids, N, a}, {ids, 300, NULL}}, sb[2] = {{ids, N, b}, {ids, 300, NULL}};
    float a2[300], b2[300];
    sa[1].nll = a2;
    sb[1].nll = b2;
    CHECK(!rf_lm_score(xc, sa, 2, 512, 256, &err));
    CHECK(!rf_lm_score(xg, sb, 2, 512, 256, &err));
    double ma = 0, mb = 0;
    for (int i = 1; i < N; i++) {
        ma += a[i];
        mb += b[i];
    }
    CHECK(close_enough("e2e nll", b + 1, a + 1, N - 1, 2e-2, 1e-3));
    printf("e2e mean NLL cpu %.6f cuda %.6f\n", ma / (N - 1), mb / (N - 1));
    CHECK(fabs(ma - mb) / ma <= 5e-3);
    rf_lm_ctx_free(xc);
    rf_lm_ctx_free(xg);
    rf_lm_free(lc);
    rf_lm_free(lg);
}

int main(void)
{
    char desc[256] = "";
    int n = rf_cuda_device_count(desc, sizeof desc);
    G = rf_kernels_cuda();
    if (n <= 0 || !G) {
        printf("skip: %s\n", G ? desc : "built without the CUDA backend");
        return 77;
    }
    printf("CUDA device: %s\n", desc);
    rf_err err = {0, ""};
    if (G->ctx_new(&gc, &err) || C->ctx_new(&cc, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    test_ops();
    test_end_to_end();
    G->ctx_free(gc);
    C->ctx_free(cc);
    return CHECK_DONE();
}
