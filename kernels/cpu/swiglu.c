/* swiglu.c — CPU SwiGLU gate (g = silu(g) * u, in place) and the residual
 * add, the two element-wise ops of the decoder block. */
#include <math.h>

#include "kernels/cpu/cpu.h"

void rf_cpu_swiglu(rf_kctx *c, float *g, const float *u, size_t n)
{
    (void)c;
    for (size_t i = 0; i < n; i++)
        g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

void rf_cpu_add(rf_kctx *c, float *x, const float *y, size_t n)
{
    (void)c;
    for (size_t i = 0; i < n; i++)
        x[i] += y[i];
}
