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
    for (int t = 0; t < T; t++) {
        const float *xr = x + (size_t)t * dim;
        float *yr = y + (size_t)t * dim;
        double ss = 0;
        for (int i = 0; i < dim; i++)
            ss += (double)xr[i] * xr[i];
        float r = (float)(1.0 / sqrt(ss / dim + (double)eps));
        int i = 0;
#ifdef RF_X86
        if (avx512)
            i = scale_avx512(yr, xr, w, r, dim);
#endif
        for (; i < dim; i++)
            yr[i] = xr[i] * r * w[i];
    }
}
