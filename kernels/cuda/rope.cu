/* rope.cu — CUDA rotary position embedding, in place: one thread per
 * (token, head, pair), interleaved or rotate-half pairing as in cpu/rope.c.
 * The angle is computed in double (sincos) like the CPU reference, so long
 * positions agree. */
#include "kernels/cuda/common.cuh"

__global__ void rope_kernel(float *x, const int32_t *pos, int T, int nh, int hd, float theta,
                            int neox)
{
    int half = hd / 2;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)T * nh * half)
        return;
    int p = (int)(i % half);
    size_t th = i / half; /* token * nh + head */
    int t = (int)(th / nh);
    double ang = (double)pos[t] * pow((double)theta, -2.0 * p / hd);
    double sn, cs;
    sincos(ang, &sn, &cs);
    float *xh = x + th * hd;
    int a = neox ? p : 2 * p, b = neox ? p + half : 2 * p + 1;
    float x0 = xh[a], x1 = xh[b];
    xh[a] = x0 * (float)cs - x1 * (float)sn;
    xh[b] = x0 * (float)sn + x1 * (float)cs;
}

extern "C" void rf_cuda_rope(rf_kctx *c, float *x, const int32_t *pos, int T, int nh, int hd,
                             float theta, int neox)
{
    size_t n = (size_t)T * nh * (hd / 2);
    rope_kernel<<<(unsigned)((n + 255) / 256), 256, 0, c->stream>>>(x, pos, T, nh, hd, theta,
                                                                    neox);
    rf_cuda_launched(c, "rope");
}
