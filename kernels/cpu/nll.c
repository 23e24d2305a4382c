/* nll.c — CPU log-softmax + target gather: for each row of logits the
 * negative log-likelihood of its target, logsumexp(row) - row[target],
 * computed with the row maximum subtracted, exponentials in float (AVX-512
 * where available) and their sum in double. Rows
 * without a target (-1) give 0. */
#include <math.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

#ifdef RF_X86
/* Sum of exp(r[j] - mx) over a row: 16 float lanes, added up in double. */
__attribute__((target("avx512f"))) static double sumexp_avx512(const float *r, int V, float mx)
{
    __m512 vm = _mm512_set1_ps(mx), acc = _mm512_setzero_ps();
    int j = 0;
    for (; j + 16 <= V; j += 16)
        acc = _mm512_add_ps(acc, rf_cpu_exp512(_mm512_sub_ps(_mm512_loadu_ps(r + j), vm)));
    float lanes[16];
    _mm512_storeu_ps(lanes, acc);
    double s = 0;
    for (int k = 0; k < 16; k++)
        s += lanes[k];
    for (; j < V; j++)
        s += expf(r[j] - mx);
    return s;
}

/* Row maximum, 16 lanes at a time (max is exact, so the lane order does not
 * matter). */
__attribute__((target("avx512f"))) static float max_avx512(const float *r, int V)
{
    int j = 0;
    float mx = r[0];
    if (V >= 16) {
        __m512 m = _mm512_loadu_ps(r);
        for (j = 16; j + 16 <= V; j += 16)
            m = _mm512_max_ps(m, _mm512_loadu_ps(r + j));
        mx = _mm512_reduce_max_ps(m);
    }
    for (; j < V; j++)
        if (r[j] > mx)
            mx = r[j];
    return mx;
}
#endif

void rf_cpu_nll(rf_kctx *c, float *nll, const float *logits, const int32_t *target, int T, int V)
{
    (void)c;
    int avx512 = !strcmp(rf_cpu_gemm_isa(), "avx512");
    (void)avx512;
    for (int t = 0; t < T; t++) {
        const float *r = logits + (size_t)t * V;
        if (target[t] < 0 || target[t] >= V) {
            nll[t] = 0.0f;
            continue;
        }
        float mx = r[0];
        double s = 0;
#ifdef RF_X86
        if (avx512) {
            mx = max_avx512(r, V);
            s = sumexp_avx512(r, V, mx);
        } else
#endif
        {
            for (int j = 1; j < V; j++)
                if (r[j] > mx)
                    mx = r[j];
            for (int j = 0; j < V; j++)
                s += expf(r[j] - mx);
        }
        nll[t] = (float)(log(s) + (double)mx - (double)r[target[t]]);
    }
}
