/* nll.c — CPU log-softmax + target gather: for each row of logits the
 * negative log-likelihood of its target, logsumexp(row) - row[target],
 * computed with the row maximum subtracted, exponentials in float and
 * their sum in double. Rows
 * without a target (-1) give 0. */
#include <math.h>

#include "kernels/cpu/cpu.h"

void rf_cpu_nll(rf_kctx *c, float *nll, const float *logits, const int32_t *target, int T, int V)
{
    (void)c;
    for (int t = 0; t < T; t++) {
        const float *r = logits + (size_t)t * V;
        if (target[t] < 0 || target[t] >= V) {
            nll[t] = 0.0f;
            continue;
        }
        float mx = r[0];
        for (int j = 1; j < V; j++)
            if (r[j] > mx)
                mx = r[j];
        double s = 0;
        for (int j = 0; j < V; j++)
            s += expf(r[j] - mx); /* each term in float, the sum in double */
        nll[t] = (float)(log(s) + (double)mx - (double)r[target[t]]);
    }
}
