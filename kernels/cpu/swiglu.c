/* swiglu.c — CPU SwiGLU gate (g = silu(g) * u, in place) and the residual
 * add, the two element-wise ops of the decoder block. */
#include <math.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

#ifdef RF_X86
__attribute__((target("avx512f"))) static size_t swiglu_avx512(float *g, const float *u, size_t n)
{
    size_t i = 0;
    __m512 one = _mm512_set1_ps(1.0f);
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(g + i);
        __m512 e = rf_cpu_exp512(_mm512_sub_ps(_mm512_setzero_ps(), x));
        __m512 y = _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(one, e)), _mm512_loadu_ps(u + i));
        _mm512_storeu_ps(g + i, y);
    }
    return i;
}
#endif

void rf_cpu_swiglu(rf_kctx *c, float *g, const float *u, size_t n)
{
    (void)c;
    size_t i = 0;
#ifdef RF_X86
    if (!strcmp(rf_cpu_gemm_isa(), "avx512"))
        i = swiglu_avx512(g, u, n);
#endif
    for (; i < n; i++)
        g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

#ifdef RF_X86
__attribute__((target("avx512f"))) static size_t add_avx512(float *x, const float *y, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(x + i, _mm512_add_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    return i;
}
#endif

void rf_cpu_add(rf_kctx *c, float *x, const float *y, size_t n)
{
    (void)c;
    size_t i = 0;
#ifdef RF_X86
    if (!strcmp(rf_cpu_gemm_isa(), "avx512"))
        i = add_avx512(x, y, n);
#endif
    for (; i < n; i++)
        x[i] += y[i];
}
