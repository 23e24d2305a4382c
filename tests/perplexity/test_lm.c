/* test_lm — the small-LM engine without a reference tool: model loading
 * (GGUF F32 and safetensors of stories260K agree per token within 1e-5
 * relative; the F16 llama-2-tiny-random GGUF loads and runs; every tensor
 * type re-quantised by make_models.py loads and stays close to F32),
 * dequantisation of hand-made blocks, the window scorer (each token scored
 * once, windows equal the full pass where the context allows, packing many
 * documents into one batch changes nothing), and malformed files:
 * truncation at every length and corrupted fields give errors, never
 * crashes. Needs ../shared/data (skips without it) and the directory of
 * models make_models.py wrote (argv[1] or $REFINE_PPL_MODELS). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu.h"
#include "kernels/lm.h"
#include "tests/unit/check.h"

static char path_buf[4096];
static const char *gen_dir; /* models written by make_models.py */

static const char *data_path(const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", testdata_dir(), rel);
    return path_buf;
}

static rf_lm *load(const char *path)
{
    rf_err err = {0, ""};
    rf_lm_model m;
    rf_lm *lm = NULL;
    if (rf_lm_model_load(&m, path, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    if (rf_lm_new(&lm, &m, &rf_kernels_cpu, &err))
        fprintf(stderr, "%s\n", err.msg);
    rf_lm_model_release(&m);
    return lm;
}

/* Per-token NLLs of ids (n floats, [0] = 0). */
static float *score(rf_lm *lm, const int32_t *ids, size_t n, int ctx, int stride, int budget)
{
    rf_err err = {0, ""};
    rf_lm_ctx *c;
    float *nll = calloc(n, sizeof *nll);
    if (rf_lm_ctx_new(&c, lm, budget, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return nll;
    }
    rf_lm_seq s = {ids, n, nll};
    if (rf_lm_score(c, &s, 1, ctx, stride, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK(0);
    }
    rf_lm_ctx_free(c);
    return nll;
}

static double rel(double a, double b)
{
    return fabs(a - b) / (fabs(b) > 1e-12 ? fabs(b) : 1e-12);
}

static void test_dequant(void)
{
    float out[32];
    unsigned char q8[34], q40[18], q41[20];
    uint16_t d = rf_f32_to_f16(0.5f), mn = rf_f32_to_f16(-1.0f);
    q8[0] = (unsigned char)(d & 0xff);
    q8[1] = (unsigned char)(d >> 8);
    for (int j = 0; j < 32; j++)
        q8[2 + j] = (unsigned char)(int8_t)(j - 16);
    rf_dequantize(RF_DT_Q8_0, q8, out, 32);
    CHECK(out[0] == -8.0f && out[16] == 0.0f && out[31] == 7.5f);
    memcpy(q40, q8, 2);
    for (int j = 0; j < 16; j++)
        q40[2 + j] = (unsigned char)(j | ((15 - j) << 4));
    rf_dequantize(RF_DT_Q4_0, q40, out, 32);
    CHECK(out[0] == -4.0f && out[15] == 3.5f && out[16] == 3.5f && out[31] == -4.0f);
    memcpy(q41, q8, 2);
    q41[2] = (unsigned char)(mn & 0xff);
    q41[3] = (unsigned char)(mn >> 8);
    memcpy(q41 + 4, q40 + 2, 16);
    rf_dequantize(RF_DT_Q4_1, q41, out, 32);
    CHECK(out[0] == -1.0f && out[15] == 6.5f && out[16] == 6.5f && out[31] == -1.0f);
    /* Half types: exact round trips of representable values, rounding. */
    float vals[] = {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604644775390625e-08f};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
        CHECK(rf_f16_to_f32(rf_f32_to_f16(vals[i])) == vals[i]);
    CHECK(rf_f16_to_f32(rf_f32_to_f16(1.0f + 1.0f / 4096)) == 1.0f); /* ties to even */
    CHECK(isinf(rf_f16_to_f32(rf_f32_to_f16(1e6f))));
    CHECK(rf_bf16_to_f32(rf_f32_to_bf16(3.140625f)) == 3.140625f);
    CHECK(rf_bf16_to_f32(rf_f32_to_bf16(1.00390625f)) == 1.0f); /* ties to even */
    int ok;
    CHECK(rf_dtype_bytes(RF_DT_Q4_0, 64, &ok) == 36 && ok);
    CHECK(rf_dtype_bytes(RF_DT_Q4_0, 33, &ok) == 0 && !ok);
}

static void test_stories(void)
{
    static const int32_t seq[] = {1, 403, 407, 261, 378, 285, 275, 412, 1, 50, 100, 200, 300,
                                  400, 500, 2, 1, 60, 61, 62, 63, 64, 65, 66, 67, 300, 301};
    size_t n = sizeof seq / sizeof *seq;
    rf_lm *g = load(data_path("models/stories260K/stories260K.gguf"));
    rf_lm *s = load(data_path("models/stories260K"));
    CHECK(g && s);
    if (!g || !s)
        return;
    const rf_lm_config *cg = rf_lm_cfg(g), *cs = rf_lm_cfg(s);
    CHECK(cg->dim == 64 && cg->n_layers == 5 && cg->n_heads == 8 && cg->n_kv_heads == 4);
    CHECK(cg->vocab == 512 && cg->ffn_dim == 172 && cg->tied && !cg->rope_neox);
    CHECK(cs->vocab == 512 && cs->tied && cs->rope_neox && cs->bos_id == 1);
    float *a = score(g, seq, n, 512, 256, 1024), *b = score(s, seq, n, 512, 256, 1024);
    double worst = 0;
    for (size_t i = 1; i < n; i++) {
        CHECK(a[i] > 0 && isfinite(a[i]));
        if (rel(a[i], b[i]) > worst)
            worst = rel(a[i], b[i]);
    }
    printf("stories260K GGUF vs safetensors: max relative difference %.3g\n", worst);
    CHECK(worst <= 1e-5);
    CHECK(a[0] == 0.0f);

    /* Windows: tokens with a full-context prefix equal the full pass; every
     * token is scored; several documents in one batch change nothing. */
    float *w = score(g, seq, n, 8, 3, 64);
    for (size_t i = 1; i < 8; i++)
        CHECK(w[i] == a[i]);
    for (size_t i = 1; i < n; i++)
        CHECK(w[i] > 0);
    rf_err err = {0, ""};
    rf_lm_ctx *c;
    CHECK(!rf_lm_ctx_new(&c, g, 40, &err));
    float *m[4];
    rf_lm_seq seqs[4];
    for (int k = 0; k < 4; k++) {
        m[k] = calloc(n, sizeof(float));
        seqs[k] = (rf_lm_seq){seq + k, n - (size_t)k, m[k]};
    }
    CHECK(!rf_lm_score(c, seqs, 4, 8, 3, &err));
    for (int k = 0; k < 4; k++) {
        float *one = score(g, seq + k, n - (size_t)k, 8, 3, 8);
        for (size_t i = 0; i < n - (size_t)k; i++)
            CHECK(one[i] == m[k][i]);
        free(one);
        free(m[k]);
    }
    CHECK(rf_lm_score(c, seqs, 1, 8, 8, &err) == RF_EUSAGE); /* stride must be < context */
    rf_lm_ctx_free(c);

    /* Dtypes: re-quantised copies stay close to the F32 original. */
    static const struct { const char *name; double tol; } types[] = {
        {"f16", 0.01}, {"bf16", 0.02}, {"q8_0", 0.03}, {"q4_1", 0.25}, {"q4_0", 0.25}};
    double mean_f32 = 0;
    for (size_t i = 1; i < n; i++)
        mean_f32 += a[i] / (double)(n - 1);
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/stories260K-%s.gguf", gen_dir, types[t].name);
        rf_lm *q = load(p);
        CHECK(q != NULL);
        if (!q)
            continue;
        float *x = score(q, seq, n, 512, 256, 1024);
        double mean = 0;
        for (size_t i = 1; i < n; i++)
            mean += x[i] / (double)(n - 1);
        printf("stories260K %-5s mean NLL %.5f (F32 %.5f, relative %.2g)\n", types[t].name, mean,
               mean_f32, rel(mean, mean_f32));
        CHECK(rel(mean, mean_f32) <= types[t].tol);
        free(x);
        rf_lm_free(q);
    }
    free(a);
    free(b);
    free(w);
    rf_lm_free(g);
    rf_lm_free(s);
}

static void test_tiny_random(void)
{
    rf_lm *lm = load(data_path("models/llama-2-tiny-random.gguf"));
    CHECK(lm != NULL);
    if (!lm)
        return;
    const rf_lm_config *c = rf_lm_cfg(lm);
    CHECK(c->vocab == 32000 && c->dim == 8 && !c->tied && !strcmp(c->weight_type, "F16"));
    CHECK(c->bos_id == 1);
    int32_t ids[] = {1, 15043, 3186, 29892, 445, 338, 263, 1243, 31999};
    float *x = score(lm, ids, 9, 512, 256, 512);
    for (int i = 1; i < 9; i++)
        CHECK(isfinite(x[i]) && fabs(x[i] - log(32000.0)) < 1.0); /* random weights */
    free(x);
    rf_lm_free(lm);
}

/* Parses bytes as the given container and builds the model; returns rc. */
static int try_parse(const unsigned char *p, size_t n, int gguf, const char *config, rf_err *err)
{
    rf_mfile f;
    memset(&f, 0, sizeof f);
    int rc = gguf ? rf_gguf_parse(&f, p, n, err) : rf_safetensors_parse(&f, p, n, err);
    if (!rc && config)
        rc = rf_hfconfig_parse(&f, config, strlen(config), err);
    if (!rc) {
        rf_lm_model m;
        rc = rf_lm_model_from_mfile(&m, &f, err);
        if (!rc)
            rf_lm_model_release(&m);
    }
    rf_mfile_release(&f);
    return rc;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_malformed(void)
{
    char p[4096];
    size_t n, sn, cn;
    rf_err err = {0, ""};
    snprintf(p, sizeof p, "%s/tiny.gguf", gen_dir);
    unsigned char *g = slurp(p, &n);
    snprintf(p, sizeof p, "%s/tiny/model.safetensors", gen_dir);
    unsigned char *s = slurp(p, &sn);
    snprintf(p, sizeof p, "%s/tiny/config.json", gen_dir);
    char *cfg = (char *)slurp(p, &cn);
    CHECK(g && s && cfg);
    if (!g || !s || !cfg)
        return;
    cfg[cn] = '\0';
    CHECK(try_parse(g, n, 1, NULL, &err) == 0);
    CHECK(try_parse(s, sn, 0, cfg, &err) == 0);
    /* Every truncation is an error (a copy of exactly len bytes, so ASan
     * catches any read past it). */
    int bad = 0;
    for (size_t len = 0; len < n; len++) {
        unsigned char *t = malloc(len ? len : 1);
        memcpy(t, g, len);
        if (try_parse(t, len, 1, NULL, &err) == 0)
            bad++;
        free(t);
    }
    for (size_t len = 0; len < sn; len += 7) {
        unsigned char *t = malloc(len ? len : 1);
        memcpy(t, s, len);
        if (try_parse(t, len, 0, cfg, &err) == 0)
            bad++;
        free(t);
    }
    CHECK(bad == 0);
    /* Absurd counts and shapes in the GGUF header and first tensor info. */
    unsigned char *t = malloc(n);
    memcpy(t, g, n);
    put_u64(t + 8, (uint64_t)1 << 60); /* tensor count */
    CHECK(try_parse(t, n, 1, NULL, &err) == RF_EFORMAT);
    memcpy(t, g, n);
    t[4] = 7; /* version */
    CHECK(try_parse(t, n, 1, NULL, &err) == RF_EUNSUP);
    free(t);
    /* Wrong lengths: a config that disagrees with the tensors. */
    char *cfg2 = malloc(cn + 16);
    const char *hs = strstr(cfg, "\"hidden_size\": 16");
    CHECK(hs != NULL);
    if (hs) {
        size_t at = (size_t)(hs - cfg);
        snprintf(cfg2, cn + 16, "%.*s\"hidden_size\": 32%s", (int)at, cfg, hs + 17);
        CHECK(try_parse(s, sn, 0, cfg2, &err) == RF_EFORMAT);
        CHECK(strstr(err.msg, "has shape") != NULL);
    }
    free(cfg2);
    /* A safetensors header whose offsets disagree with the dtype × shape. */
    char *h = malloc(sn);
    memcpy(h, s, sn);
    char *off = strstr(h + 8, "\"data_offsets\": [0, ");
    CHECK(off != NULL);
    if (off) {
        off[19] = '1';
        CHECK(try_parse((unsigned char *)h, sn, 0, cfg, &err) == RF_EFORMAT);
    }
    char *dt = strstr(h + 8, "\"F32\"");
    if (dt) {
        memcpy(dt, "\"I32\"", 5);
        CHECK(try_parse((unsigned char *)h, sn, 0, cfg, &err) == RF_EUNSUP);
    }
    free(h);
    free(g);
    free(s);
    free(cfg);
}

int main(int argc, char **argv)
{
    gen_dir = argc > 1 ? argv[1] : getenv("REFINE_PPL_MODELS");
    if (!gen_dir) {
        fprintf(stderr, "usage: test_lm GENERATED_MODELS_DIR (or REFINE_PPL_MODELS)\n");
        return 2;
    }
    test_dequant();
    FILE *f = fopen(data_path("models/stories260K/stories260K.gguf"), "rb");
    if (!f) {
        printf("skip: shared test data not found (%s)\n", path_buf);
        return check_failures ? 1 : 77;
    }
    fclose(f);
    test_stories();
    test_tiny_random();
    test_malformed();
    printf("CPU GEMM kernel: %s\n", rf_cpu_gemm_isa());
    return CHECK_DONE();
}
