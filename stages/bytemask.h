/* bytemask.h — byte classes of a 64-byte window as a 64-bit mask (bit j for
 * byte j), for scanners that want to find class boundaries with ctz and
 * count classes with a popcount instead of a branch per byte.
 *
 * On x86-64 the masks come from SSE2 (part of the base instruction set):
 * sixteen byte compares and one movemask per 16 bytes. Elsewhere, or with
 * RF_NO_SIMD (to test the portable path), eight bytes are compared at once
 * inside a 64-bit word with carry-free arithmetic, exact per byte. */
#ifndef RF_BYTEMASK_H
#define RF_BYTEMASK_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && !defined(RF_NO_SIMD)
#define RF_BYTEMASK_SSE2 1
#include <emmintrin.h>
#endif

/* Number of set bits. */
static inline unsigned rf_popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

#if defined(RF_BYTEMASK_SSE2)

/* Bytes of p[0, 64) with lo <= byte <= hi (unsigned; lo <= hi). */
static inline uint64_t rf_bytemask_range(const unsigned char *p, unsigned char lo, unsigned char hi)
{
    const __m128i l = _mm_set1_epi8((char)lo), h = _mm_set1_epi8((char)hi);
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        /* v is in [lo, hi] exactly when clamping it there changes nothing */
        __m128i in = _mm_cmpeq_epi8(_mm_min_epu8(_mm_max_epu8(v, l), h), v);
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(in) << (16 * k);
    }
    return m;
}

/* Bytes of p[0, 64) equal to c. */
static inline uint64_t rf_bytemask_eq(const unsigned char *p, unsigned char c)
{
    const __m128i cc = _mm_set1_epi8((char)c);
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cc)) << (16 * k);
    }
    return m;
}

#else

#define RF_BYTEMASK_ONES 0x0101010101010101ull
#define RF_BYTEMASK_HIGH 0x8080808080808080ull

/* Bit 7 of each byte of the result: the byte of y is zero (exact). */
static inline uint64_t rf_bytemask_zero8_(uint64_t y)
{
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full;
    return ~(((y & lo7) + lo7) | y | lo7);
}

/* Bit 7 of each byte: the byte is >= c (exact, any c). */
static inline uint64_t rf_bytemask_ge8_(uint64_t x, unsigned char c)
{
    if (c == 0)
        return RF_BYTEMASK_HIGH;
    /* high half: bytes >= 0x80 compare on their low 7 bits against c's */
    uint64_t x7 = x & 0x7F7F7F7F7F7F7F7Full, hi = x & RF_BYTEMASK_HIGH;
    if (c >= 0x80) {
        uint64_t ge = (x7 + (0x80 - (c & 0x7F)) * RF_BYTEMASK_ONES) & RF_BYTEMASK_HIGH;
        return ge & hi;
    }
    uint64_t ge = (x7 + (0x80 - c) * RF_BYTEMASK_ONES) & RF_BYTEMASK_HIGH;
    return ge | hi;
}

/* Bit 7 of each byte to bit k of a byte. */
static inline unsigned rf_bytemask_gather8_(uint64_t m)
{
    return (unsigned)(((m >> 7) * 0x0102040810204080ull) >> 56);
}

static inline uint64_t rf_bytemask_range(const unsigned char *p, unsigned char lo, unsigned char hi)
{
    uint64_t m = 0;
    for (int k = 0; k < 8; k++) {
        uint64_t x;
        memcpy(&x, p + 8 * k, 8);
        uint64_t in = rf_bytemask_ge8_(x, lo) &
                      (hi == 0xFF ? RF_BYTEMASK_HIGH : ~rf_bytemask_ge8_(x, (unsigned char)(hi + 1))) &
                      RF_BYTEMASK_HIGH;
        m |= (uint64_t)rf_bytemask_gather8_(in) << (8 * k);
    }
    return m;
}

static inline uint64_t rf_bytemask_eq(const unsigned char *p, unsigned char c)
{
    uint64_t m = 0;
    for (int k = 0; k < 8; k++) {
        uint64_t x;
        memcpy(&x, p + 8 * k, 8);
        m |= (uint64_t)rf_bytemask_gather8_(rf_bytemask_zero8_(x ^ (c * RF_BYTEMASK_ONES)))
             << (8 * k);
    }
    return m;
}

#endif

#endif
