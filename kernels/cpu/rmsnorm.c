/* rmsnorm.c — CPU RMSNorm: y = x / sqrt(mean(x²) + eps) * w per row, the
 * mean of squares accumulated in double so long rows lose nothing. */
#include <math.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

#ifdef RF_X86
/* y = (x * r) * w, 16 lanes at a time: the same two float roundings per
 * element as the scalar loop. */
__attribute__((target("avx512f"))) static int scale_avx512(float *y, const float *x,
                                                            const float *w, float r, int n)
{
    __m512 vr = _mm512_set1_ps(r);
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), vr),
                                              _mm512_loadu_ps(w + i)));
    return i;
}
#endif

void rf_cpu_rmsnorm(rf_kctx *c, float *y, const float *x, const float *w, int T, int dim,
                    float eps)
{
    (void)c;
#ifdef RF_X86
    int avx512 = !strcmp(rf_cpu_gemm_isa(), "avx512");
#endif
    for (int t0 = 0; t0 < T; t0 += 4) {
        /* Four rows at a time: four independent chains of double additions
         * instead of one latency-bound chain, each row still summed in
         * ascending i (the same bits as one row at a time). */
        int nr = T - t0 < 4 ? T - t0 : 4;
        double ss[4] = {0, 0, 0, 0};
        const float *x0 = x + (size_t)t0 * dim;
        if (nr == 4) {
            const float *x1 = x0 + dim, *x2 = x1 + dim, *x3 = x2 + dim;
            for (int i = 0; i < dim; i++) {
                ss[0] += (double)x0[i] * x0[i];
                ss[1] += (double)x1[i] * x1[i];
                ss[2] += (double)x2[i] * x2[i];
                ss[3] += (double)x3[i] * x3[i];
            }
        } else {
            for (int r = 0; r < nr; r++)
                for (int i = 0; i < dim; i++)
                    ss[r] += (double)x0[(size_t)r * dim + i] * x0[(size_t)r * dim + i];
        }
        for (int r = 0; r < nr; r++) {
            const float *xr = x0 + (size_t)r * dim;
            float *yr = y + (size_t)(t0 + r) * dim;
            float rs = (float)(1.0 / sqrt(ss[r] / dim + (double)eps));
            int i = 0;
#ifdef RF_X86
            if (avx512)
                i = scale_avx512(yr, xr, w, rs, dim);
#endif
            for (; i < dim; i++)
                yr[i] = xr[i] * rs * w[i];
        }
    }
}
