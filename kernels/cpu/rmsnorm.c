/* rmsnorm.c — CPU RMSNorm: y = x / sqrt(mean(x²) + eps) * w per row, the
 * mean of squares accumulated in double so long rows lose nothing. */
#include <math.h>

#include "kernels/cpu/cpu.h"

void rf_cpu_rmsnorm(rf_kctx *c, float *y, const float *x, const float *w, int T, int dim,
                    float eps)
{
    (void)c;
    for (int t = 0; t < T; t++) {
        const float *xr = x + (size_t)t * dim;
        float *yr = y + (size_t)t * dim;
        double ss = 0;
        for (int i = 0; i < dim; i++)
            ss += (double)xr[i] * xr[i];
        float r = (float)(1.0 / sqrt(ss / dim + (double)eps));
        for (int i = 0; i < dim; i++)
            yr[i] = xr[i] * r * w[i];
    }
}
