/* attention.cu — CUDA causal attention over variable-length packed
 * sequences, FlashAttention-style: each block owns a tile of 64 queries of
 * one sequence and one head (one query per thread), streams that
 * sequence's keys and values through shared memory in tiles of BK, and
 * keeps an online softmax (running max, running sum, rescaled accumulator),
 * so no score matrix is ever stored. The tile list (sequence, first query)
 * is built on the host from seq_start, so packed batches of any lengths
 * launch one grid. Grouped-query heads read kv head h / (nh / nkv). */
#include <stdlib.h>

#include "kernels/cuda/common.cuh"

#define BQ 64

template <int HD, int BK>
__global__ void attn_kernel(float *out, const float *q, const float *k, const float *v,
                            const int32_t *seq_start, const int2 *tiles, int nh, int nkv, int hd,
                            float scale)
{
    int2 tile = tiles[blockIdx.x];
    int h = blockIdx.y, g = h / (nh / nkv);
    int s0 = seq_start[tile.x], L = seq_start[tile.x + 1] - s0;
    int i = tile.y + (int)threadIdx.x;
    bool active = i < L;
    size_t qs = (size_t)nh * hd, ks = (size_t)nkv * hd;
    float qr[HD], o[HD];
    float m = -INFINITY, l = 0.0f;
#pragma unroll
    for (int d = 0; d < HD; d++) {
        qr[d] = active && d < hd ? q[(size_t)(s0 + i) * qs + (size_t)h * hd + d] * scale : 0.0f;
        o[d] = 0.0f;
    }
    __shared__ float Ks[BK][HD], Vs[BK][HD];
    int kmax = min(L, tile.y + BQ);
    for (int kb = 0; kb < kmax; kb += BK) {
        for (int idx = threadIdx.x; idx < BK * HD; idx += blockDim.x) {
            int j = idx / HD, d = idx % HD, key = kb + j;
            bool ok = key < L && d < hd;
            size_t off = (size_t)(s0 + key) * ks + (size_t)g * hd + d;
            Ks[j][d] = ok ? k[off] : 0.0f;
            Vs[j][d] = ok ? v[off] : 0.0f;
        }
        __syncthreads();
        if (active) {
            for (int j = 0; j < BK && kb + j <= i; j++) {
                float sc = 0.0f;
#pragma unroll
                for (int d = 0; d < HD; d++)
                    sc += qr[d] * Ks[j][d];
                float mn = fmaxf(m, sc), corr = expf(m - mn), p = expf(sc - mn);
                l = l * corr + p;
#pragma unroll
                for (int d = 0; d < HD; d++)
                    o[d] = o[d] * corr + p * Vs[j][d];
                m = mn;
            }
        }
        __syncthreads();
    }
    if (active) {
        float inv = 1.0f / l;
#pragma unroll
        for (int d = 0; d < HD; d++)
            if (d < hd)
                out[(size_t)(s0 + i) * qs + (size_t)h * hd + d] = o[d] * inv;
    }
}

extern "C" void rf_cuda_attention(rf_kctx *c, float *out, const float *q, const float *k,
                                  const float *v, const int32_t *seq_start,
                                  const int32_t *seq_start_host, int nseq, int max_len, int nh,
                                  int nkv, int hd)
{
    (void)max_len;
    size_t ntiles = 0;
    for (int s = 0; s < nseq; s++)
        ntiles += (size_t)(seq_start_host[s + 1] - seq_start_host[s] + BQ - 1) / BQ;
    if (!ntiles)
        return;
    int2 *host = (int2 *)rf_xmalloc(ntiles * sizeof *host);
    size_t t = 0;
    for (int s = 0; s < nseq; s++)
        for (int q0 = 0; q0 < seq_start_host[s + 1] - seq_start_host[s]; q0 += BQ)
            host[t++] = make_int2(s, q0);
    int2 *dev = (int2 *)rf_cuda_grow(c, (void **)&c->tiles, &c->tiles_cap, ntiles * sizeof *host);
    if (!dev) {
        free(host);
        return;
    }
    rf_cuda_note(c, "attention tiles", cudaMemcpyAsync(dev, host, ntiles * sizeof *host,
                                                       cudaMemcpyHostToDevice, c->stream));
    rf_cuda_note(c, "attention tiles", cudaStreamSynchronize(c->stream));
    free(host);
    dim3 grid((unsigned)ntiles, (unsigned)nh);
    float scale = 1.0f / sqrtf((float)hd);
    if (hd <= 16)
        attn_kernel<16, 32><<<grid, BQ, 0, c->stream>>>(out, q, k, v, seq_start, dev, nh, nkv, hd, scale);
    else if (hd <= 32)
        attn_kernel<32, 32><<<grid, BQ, 0, c->stream>>>(out, q, k, v, seq_start, dev, nh, nkv, hd, scale);
    else if (hd <= 64)
        attn_kernel<64, 32><<<grid, BQ, 0, c->stream>>>(out, q, k, v, seq_start, dev, nh, nkv, hd, scale);
    else if (hd <= 128)
        attn_kernel<128, 32><<<grid, BQ, 0, c->stream>>>(out, q, k, v, seq_start, dev, nh, nkv, hd, scale);
    else if (hd <= 256)
        attn_kernel<256, 16><<<grid, BQ, 0, c->stream>>>(out, q, k, v, seq_start, dev, nh, nkv, hd, scale);
    else if (!c->err[0])
        snprintf(c->err, sizeof c->err, "attention: head size %d > 256 is not supported", hd);
    rf_cuda_launched(c, "attention");
}
