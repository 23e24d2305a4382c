/* test_bytemask — the 64-byte window masks against a byte-by-byte loop, for
 * random windows and every kind of bound (below and above 0x80, 0 and 0xFF).
 * Built twice: with the SSE2 path where the compiler has it, and with
 * RF_NO_SIMD (test_bytemask_portable) for the eight-bytes-in-a-word path. */
#include "stages/bytemask.h"
#include "stages/rng.h"
#include "tests/unit/check.h"

static rf_rng rng = {1};
static uint32_t rnd(void)
{
    return (uint32_t)rf_rng_next(&rng);
}

int main(void)
{
    int bad = 0;
    unsigned char w[64];
    for (int t = 0; t < 20000; t++) {
        /* Bytes near the bounds are the interesting ones. */
        unsigned lo = rnd() % 256, hi = rnd() % 256;
        if (t % 7 == 0)
            lo = 0;
        if (t % 11 == 0)
            hi = 255;
        if (lo > hi) {
            unsigned x = lo;
            lo = hi;
            hi = x;
        }
        for (int j = 0; j < 64; j++) {
            unsigned r = rnd() % 4;
            w[j] = (unsigned char)(r == 0 ? lo + rnd() % 3 - 1 : r == 1 ? hi + rnd() % 3 - 1 : rnd());
        }
        uint64_t want_r = 0, want_e = 0;
        for (int j = 0; j < 64; j++) {
            want_r |= (uint64_t)(w[j] >= lo && w[j] <= hi) << j;
            want_e |= (uint64_t)(w[j] == lo) << j;
        }
        bad += rf_bytemask_range(w, (unsigned char)lo, (unsigned char)hi) != want_r;
        bad += rf_bytemask_eq(w, (unsigned char)lo) != want_e;
        unsigned pc = 0;
        for (int j = 0; j < 64; j++)
            pc += (unsigned)(want_r >> j & 1);
        bad += rf_popcount64(want_r) != pc;
    }
    CHECK(bad == 0);
    return CHECK_DONE();
}
