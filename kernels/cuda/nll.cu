/* nll.cu — CUDA fused log-softmax + target gather: one block per row of
 * logits; each thread keeps an online (max, sum of exp) pair over its
 * strided slice of the vocabulary, the pairs are merged across the block,
 * and thread 0 writes logsumexp - logit[target]. Only one float per row
 * leaves the kernel: no probabilities are ever written to global memory. */
#include "kernels/cuda/common.cuh"

__device__ static void merge(float &m, float &s, float m2, float s2)
{
    if (m2 > m) {
        s = s * expf(m - m2) + s2;
        m = m2;
    } else if (m2 > -INFINITY) {
        s += s2 * expf(m2 - m);
    }
}

__global__ void nll_kernel(float *nll, const float *logits, const int32_t *target, int V)
{
    int row = blockIdx.x, tgt = target[row];
    const float *r = logits + (size_t)row * V;
    if (tgt < 0 || tgt >= V) {
        if (threadIdx.x == 0)
            nll[row] = 0.0f;
        return;
    }
    float m = -INFINITY, s = 0.0f;
    for (int j = threadIdx.x; j < V; j += blockDim.x) {
        float v = r[j];
        if (v > m) {
            s = s * expf(m - v) + 1.0f;
            m = v;
        } else {
            s += expf(v - m);
        }
    }
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
        merge(m, s, m2, s2);
    }
    __shared__ float pm[32], ps[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) {
        pm[warp] = m;
        ps[warp] = s;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float M = pm[0], S = ps[0];
        for (int w = 1; w < (int)(blockDim.x >> 5); w++)
            merge(M, S, pm[w], ps[w]);
        nll[row] = logf(S) + M - r[tgt];
    }
}

extern "C" void rf_cuda_nll(rf_kctx *c, float *nll, const float *logits, const int32_t *target,
                            int T, int V)
{
    nll_kernel<<<T, 256, 0, c->stream>>>(nll, logits, target, V);
    rf_cuda_launched(c, "nll");
}
