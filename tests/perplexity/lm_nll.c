/* lm_nll — test helper: loads a model and prints the per-token negative
 * log-likelihoods (nats, %.9g) of id sequences read from stdin, one
 * whitespace-separated sequence per line; output line i holds n-1 values for
 * tokens 1..n-1 of input line i. Options: --device cpu|cuda, --max-context N,
 * --stride N, --batch-tokens N. Used by the parity tests and benchmarks. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/lm.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lm_nll MODEL [--device cpu|cuda] [--max-context N] [--stride N] "
                        "[--batch-tokens N] < ids\n");
        return 2;
    }
    const char *dev = "cpu";
    int max_ctx = 512, stride = 256, budget = 4096;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--device"))
            dev = argv[i + 1];
        else if (!strcmp(argv[i], "--max-context"))
            max_ctx = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--stride"))
            stride = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch-tokens"))
            budget = atoi(argv[i + 1]);
    }
    rf_err err = {0, ""};
    rf_lm_model m;
    rf_lm *lm = NULL;
    rf_lm_ctx *c = NULL;
    const rf_kernels *k = !strcmp(dev, "cuda") ? rf_kernels_cuda() : &rf_kernels_cpu;
    if (!k) {
        fprintf(stderr, "lm_nll: no CUDA backend in this build\n");
        return 77;
    }
    if (rf_lm_model_load(&m, argv[1], &err) || rf_lm_new(&lm, &m, k, &err) ||
        rf_lm_ctx_new(&c, lm, budget, &err)) {
        fprintf(stderr, "lm_nll: %s\n", err.msg);
        return 1;
    }
    rf_lm_model_release(&m);
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (getline(&line, &cap, stdin) > 0) {
        size_t n = 0, ncap = 64;
        int32_t *ids = malloc(ncap * sizeof *ids);
        for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
            if (n == ncap)
                ids = realloc(ids, (ncap *= 2) * sizeof *ids);
            ids[n++] = (int32_t)atoi(tok);
        }
        float *nll = calloc(n + 1, sizeof *nll);
        rf_lm_seq s = {ids, n, nll};
        if (rf_lm_score(c, &s, 1, max_ctx, stride, &err)) {
            fprintf(stderr, "lm_nll: %s\n", err.msg);
            rc = 1;
        }
        for (size_t i = 1; i < n; i++)
            printf("%s%.9g", i > 1 ? " " : "", nll[i]);
        printf("\n");
        free(ids);
        free(nll);
    }
    free(line);
    rf_lm_ctx_free(c);
    rf_lm_free(lm);
    return rc;
}
