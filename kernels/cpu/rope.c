/* rope.c — CPU rotary position embedding, in place, for both pairings:
 * interleaved (x[2i], x[2i+1]) as GGUF llama weights expect, and rotate-half
 * (x[i], x[i + hd/2]) as HF checkpoints expect. Pair i turns by
 * pos × theta^(-2i/hd); the angle is computed in double so long positions
 * keep their precision. */
#include <math.h>

#include "kernels/cpu/cpu.h"

void rf_cpu_rope(rf_kctx *c, float *x, const int32_t *pos, int T, int nh, int hd, float theta,
                 int neox)
{
    (void)c;
    int half = hd / 2;
    double freq[512]; /* head size is at most 1024 (model.c) */
    for (int i = 0; i < half; i++)
        freq[i] = pow((double)theta, -2.0 * i / hd);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < half; i++) {
            double ang = (double)pos[t] * freq[i];
            float cs = (float)cos(ang), sn = (float)sin(ang);
            for (int h = 0; h < nh; h++) {
                float *xh = x + ((size_t)t * nh + h) * hd;
                int a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
                float x0 = xh[a], x1 = xh[b];
                xh[a] = x0 * cs - x1 * sn;
                xh[b] = x0 * sn + x1 * cs;
            }
        }
    }
}
