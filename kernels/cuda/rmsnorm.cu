/* rmsnorm.cu — CUDA RMSNorm: one block per row, the sum of squares reduced
 * across the block (warp shuffles, then shared memory), then each thread
 * scales its strided elements. Matches cpu/rmsnorm.c within float rounding. */
#include "kernels/cuda/common.cuh"

__global__ void rmsnorm_kernel(float *y, const float *x, const float *w, int dim, float eps)
{
    const float *xr = x + (size_t)blockIdx.x * dim;
    float *yr = y + (size_t)blockIdx.x * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x)
        ss += xr[i] * xr[i];
    for (int o = 16; o > 0; o >>= 1)
        ss += __shfl_xor_sync(0xffffffffu, ss, o);
    __shared__ float part[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0)
        part[warp] = ss;
    __syncthreads();
    if (warp == 0) {
        ss = lane < (int)(blockDim.x >> 5) ? part[lane] : 0.0f;
        for (int o = 16; o > 0; o >>= 1)
            ss += __shfl_xor_sync(0xffffffffu, ss, o);
        if (lane == 0)
            part[0] = ss;
    }
    __syncthreads();
    float r = rsqrtf(part[0] / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x)
        yr[i] = xr[i] * r * w[i];
}

extern "C" void rf_cuda_rmsnorm(rf_kctx *c, float *y, const float *x, const float *w, int T,
                                int dim, float eps)
{
    rmsnorm_kernel<<<T, 256, 0, c->stream>>>(y, x, w, dim, eps);
    rf_cuda_launched(c, "rmsnorm");
}
