/* rope.c — CPU rotary position embedding, in place, for both pairings:
 * interleaved (x[2i], x[2i+1]) as GGUF llama weights expect, and rotate-half
 * (x[i], x[i + hd/2]) as HF checkpoints expect. Pair i turns by
 * pos × theta^(-2i/hd); the angle is computed in double so long positions
 * keep their precision; cos and sin are tabulated per position once per
 * context. */
#include <math.h>

#include "kernels/cpu/cpu.h"

/* The cos/sin table of the context for positions < npos: every layer rotates
 * q and k at the same positions, so the 2 × 30 calls of a 135M forward share
 * one set of cos/sin evaluations instead of repeating them (same formula,
 * same bits). */
static const float *rope_table(rf_kctx *c, int npos, int hd, float theta)
{
    int half = hd / 2;
    if (c->rope_cs && c->rope_hd == hd && c->rope_theta == theta && c->rope_npos >= npos)
        return c->rope_cs;
    if (npos < 64)
        npos = 64; /* grow in steps, not one position at a time */
    if (c->rope_cs && c->rope_hd == hd && c->rope_theta == theta && npos < 2 * c->rope_npos)
        npos = 2 * c->rope_npos;
    free(c->rope_cs);
    c->rope_cs = rf_xmalloc((size_t)npos * (size_t)hd * sizeof *c->rope_cs);
    c->rope_npos = npos;
    c->rope_hd = hd;
    c->rope_theta = theta;
    double freq[512]; /* head size is at most 1024 (model.c) */
    for (int i = 0; i < half; i++)
        freq[i] = pow((double)theta, -2.0 * i / hd);
    for (int p = 0; p < npos; p++) {
        float *cs = c->rope_cs + (size_t)p * hd;
        for (int i = 0; i < half; i++) {
            double ang = (double)p * freq[i];
            cs[i] = (float)cos(ang);
            cs[half + i] = (float)sin(ang);
        }
    }
    return c->rope_cs;
}

void rf_cpu_rope(rf_kctx *c, float *x, const int32_t *pos, int T, int nh, int hd, float theta,
                 int neox)
{
    int half = hd / 2, maxpos = 0;
    for (int t = 0; t < T; t++)
        if (pos[t] > maxpos)
            maxpos = pos[t];
    const float *tab = rope_table(c, maxpos + 1, hd, theta);
    for (int t = 0; t < T; t++) {
        const float *cs = tab + (size_t)pos[t] * hd, *sn = cs + half;
        for (int h = 0; h < nh; h++) {
            float *xh = x + ((size_t)t * nh + h) * hd;
            if (neox) {
                for (int i = 0; i < half; i++) {
                    float x0 = xh[i], x1 = xh[i + half];
                    xh[i] = x0 * cs[i] - x1 * sn[i];
                    xh[i + half] = x0 * sn[i] + x1 * cs[i];
                }
            } else {
                for (int i = 0; i < half; i++) {
                    float x0 = xh[2 * i], x1 = xh[2 * i + 1];
                    xh[2 * i] = x0 * cs[i] - x1 * sn[i];
                    xh[2 * i + 1] = x0 * sn[i] + x1 * cs[i];
                }
            }
        }
    }
}
