/* attention.c — CPU causal self-attention over packed variable-length
 * sequences, with grouped-query heads.
 *
 * Per sequence and kv head, the keys are packed as GEMM panels (hd × 32 keys
 * each) and the values as panels of 32 head columns (L × 32), so both
 * products run on the GEMM micro-kernel: for a block of 12 queries the
 * scores against all keys up to the block's last position are one row of
 * tiles, then masked, softmaxed (max-subtracted; AVX-512 exp where available), and
 * multiplied by the value panels. Only a 12 × L score block is
 * ever held, never L × L. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu.h"


float *rf_cpu_scratch(rf_kctx *c, size_t n)
{
    if (c->scratch_cap < n) {
        free(c->scratch);
        c->scratch = rf_xmalloc(n * sizeof(float));
        c->scratch_cap = n;
    }
    return c->scratch;
}

/* row[0..vis) = softmax(row * scale), row[vis..nk) = 0 (the causal mask). */
static void softmax_scalar(float *row, int vis, int nk, float scale)
{
    float mx = -INFINITY;
    for (int j = 0; j < vis; j++) {
        row[j] *= scale;
        if (row[j] > mx)
            mx = row[j];
    }
    double sum = 0;
    for (int j = 0; j < vis; j++) {
        row[j] = expf(row[j] - mx);
        sum += row[j];
    }
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < vis; j++)
        row[j] *= inv;
    for (int j = vis; j < nk; j++)
        row[j] = 0.0f;
}

#ifdef RF_X86
__attribute__((target("avx512f"))) static void softmax_avx512(float *row, int vis, int nk,
                                                              float scale)
{
    __m512 vs = _mm512_set1_ps(scale), vmax = _mm512_set1_ps(-INFINITY);
    int j = 0;
    for (; j + 16 <= vis; j += 16) {
        __m512 v = _mm512_mul_ps(_mm512_loadu_ps(row + j), vs);
        _mm512_storeu_ps(row + j, v);
        vmax = _mm512_max_ps(vmax, v);
    }
    float mx = _mm512_reduce_max_ps(vmax);
    for (; j < vis; j++) {
        row[j] *= scale;
        if (row[j] > mx)
            mx = row[j];
    }
    __m512 vm = _mm512_set1_ps(mx), acc = _mm512_setzero_ps();
    for (j = 0; j + 16 <= vis; j += 16) {
        __m512 e = rf_cpu_exp512(_mm512_sub_ps(_mm512_loadu_ps(row + j), vm));
        _mm512_storeu_ps(row + j, e);
        acc = _mm512_add_ps(acc, e);
    }
    if (j < vis) {
        __mmask16 k = (__mmask16)((1u << (vis - j)) - 1);
        __m512 e = rf_cpu_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + j), vm));
        e = _mm512_maskz_mov_ps(k, e);
        _mm512_mask_storeu_ps(row + j, k, e);
        acc = _mm512_add_ps(acc, e);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(acc));
    for (j = 0; j < vis; j += 16) {
        __mmask16 k = vis - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (vis - j)) - 1);
        _mm512_mask_storeu_ps(row + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + j), inv));
    }
    for (j = vis; j < nk; j++)
        row[j] = 0.0f;
}
#endif

static void softmax(float *row, int vis, int nk, float scale)
{
#ifdef RF_X86
    if (!strcmp(rf_cpu_gemm_isa(), "avx512")) {
        softmax_avx512(row, vis, nk, scale);
        return;
    }
#endif
    softmax_scalar(row, vis, nk, scale);
}

void rf_cpu_attention(rf_kctx *c, float *out, const float *q, const float *k, const float *v,
                      const int32_t *seq_start, const int32_t *seq_start_host, int nseq,
                      int max_len, int nh, int nkv, int hd)
{
    (void)seq_start;
    const int NR = RF_CPU_NR, MR = RF_CPU_MR;
    size_t qs = (size_t)nh * hd, ks = (size_t)nkv * hd;
    int Lp = (max_len + NR - 1) / NR * NR;  /* keys padded to whole panels */
    int hp = (hd + NR - 1) / NR;            /* value panels */
    size_t kpack_n = (size_t)Lp * hd, vpack_n = (size_t)hp * Lp * NR, s_n = (size_t)MR * Lp;
    float *kpack = rf_cpu_scratch(c, kpack_n + vpack_n + s_n);
    float *vpack = kpack + kpack_n, *S = vpack + vpack_n;
    float scale = 1.0f / sqrtf((float)hd);
    int group = nh / nkv;
    for (int s = 0; s < nseq; s++) {
        int s0 = seq_start_host[s], L = seq_start_host[s + 1] - s0;
        int np = (L + NR - 1) / NR;
        for (int g = 0; g < nkv; g++) {
            /* K panels: panel p, row d, column j = key p*32+j, dim d. */
            for (int p = 0; p < np; p++)
                for (int d = 0; d < hd; d++)
                    for (int j = 0; j < NR; j++) {
                        int key = p * NR + j;
                        kpack[((size_t)p * hd + d) * NR + j] =
                            key < L ? k[(size_t)(s0 + key) * ks + (size_t)g * hd + d] : 0.0f;
                    }
            /* V panels: panel p, row key, column j = head dim p*32+j. */
            for (int p = 0; p < hp; p++)
                for (int key = 0; key < L; key++)
                    for (int j = 0; j < NR; j++) {
                        int d = p * NR + j;
                        vpack[((size_t)p * Lp + key) * NR + j] =
                            d < hd ? v[(size_t)(s0 + key) * ks + (size_t)g * hd + d] : 0.0f;
                    }
            for (int h = g * group; h < (g + 1) * group; h++) {
                for (int i0 = 0; i0 < L; i0 += MR) {
                    int m = L - i0 < MR ? L - i0 : MR;
                    int nk = i0 + m; /* keys visible to the block's last query */
                    const float *qb = q + (size_t)(s0 + i0) * qs + (size_t)h * hd;
                    for (int p = 0; p * NR < nk; p++)
                        rf_cpu_tile(c, m, NR, hd, qb, qs, kpack + (size_t)p * hd * NR,
                                    S + (size_t)p * NR, (size_t)Lp);
                    for (int r = 0; r < m; r++)
                        softmax(S + (size_t)r * Lp, i0 + r + 1, nk, scale);
                    float *ob = out + (size_t)(s0 + i0) * qs + (size_t)h * hd;
                    for (int p = 0; p < hp; p++) {
                        int nc = hd - p * NR < NR ? hd - p * NR : NR;
                        rf_cpu_tile(c, m, nc, nk, S, (size_t)Lp, vpack + (size_t)p * Lp * NR,
                                    ob + (size_t)p * NR, qs);
                    }
                }
            }
        }
    }
}
