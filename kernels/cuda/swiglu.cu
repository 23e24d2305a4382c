/* swiglu.cu — CUDA element-wise ops of the decoder block: the SwiGLU gate
 * g = silu(g) * u (in place) and the residual add x += y. */
#include "kernels/cuda/common.cuh"

__global__ void swiglu_kernel(float *g, const float *u, size_t n)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

__global__ void add_kernel(float *x, const float *y, size_t n)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] += y[i];
}

extern "C" void rf_cuda_swiglu(rf_kctx *c, float *g, const float *u, size_t n)
{
    swiglu_kernel<<<(unsigned)((n + 255) / 256), 256, 0, c->stream>>>(g, u, n);
    rf_cuda_launched(c, "swiglu");
}

extern "C" void rf_cuda_add(rf_kctx *c, float *x, const float *y, size_t n)
{
    add_kernel<<<(unsigned)((n + 255) / 256), 256, 0, c->stream>>>(x, y, n);
    rf_cuda_launched(c, "add");
}
