/* rng.h — splitmix64, the small deterministic generator used wherever refine
 * needs reproducible pseudo-randomness (example data, fake PII values, FIM
 * split points): same seed, same sequence, on every machine. */
#ifndef RF_RNG_H
#define RF_RNG_H

#include <stdint.h>

typedef struct rf_rng {
    uint64_t s;
} rf_rng;

static inline uint64_t rf_rng_next(rf_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
