/* quant.c — the weight element types of the model files and their
 * conversion to float: IEEE half, bfloat16 and ggml's block-quantised
 * Q8_0 / Q4_0 / Q4_1 (32 weights per block sharing an F16 scale, and for
 * Q4_1 an F16 minimum). Quantised weights are dequantised once at load time;
 * the forward pass then runs in F32 (CPU) or BF16 (CUDA), so every backend
 * sees the same numbers. Block layouts follow the GGUF specification:
 *   Q8_0: f16 d, int8 q[32]            x = d * q
 *   Q4_0: f16 d, u8 q[16]              x = d * (nibble - 8)
 *   Q4_1: f16 d, f16 m, u8 q[16]       x = d * nibble + m
 * with the low nibbles holding elements 0..15 and the high ones 16..31. */
#include <string.h>

#include "kernels/tensor.h"

float rf_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            man &= 0x3ff;
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | (man << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t rf_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t man = x & 0x7fffff;
    if (((x >> 23) & 0xff) == 0xff) /* inf / nan */
        return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    if (exp >= 0x1f)
        return (uint16_t)(sign | 0x7c00);
    if (exp <= 0) {
        if (exp < -10)
            return (uint16_t)sign;
        man |= 0x800000;
        uint32_t shift = (uint32_t)(14 - exp);
        uint32_t h = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1)))
            h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)exp << 10) | (man >> 13);
    uint32_t rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
        h++; /* may carry into the exponent, which is the correct rounding */
    return (uint16_t)(sign | h);
}

float rf_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t rf_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffff) > 0x7f800000) /* nan stays nan */
        return (uint16_t)((x >> 16) | 0x40);
    x += 0x7fff + ((x >> 16) & 1); /* round to nearest even */
    return (uint16_t)(x >> 16);
}

const char *rf_dtype_name(int type)
{
    switch (type) {
    case RF_DT_F32: return "F32";
    case RF_DT_F16: return "F16";
    case RF_DT_BF16: return "BF16";
    case RF_DT_Q8_0: return "Q8_0";
    case RF_DT_Q4_0: return "Q4_0";
    case RF_DT_Q4_1: return "Q4_1";
    default: return NULL;
    }
}

int rf_dtype_block(int t)
{
    return t == RF_DT_Q8_0 || t == RF_DT_Q4_0 || t == RF_DT_Q4_1 ? 32 : 1;
}

uint64_t rf_dtype_bytes(int t, uint64_t n, int *ok)
{
    uint64_t per, blk = (uint64_t)rf_dtype_block(t);
    *ok = 0;
    switch (t) {
    case RF_DT_F32: per = 4; break;
    case RF_DT_F16:
    case RF_DT_BF16: per = 2; break;
    case RF_DT_Q8_0: per = 34; break;
    case RF_DT_Q4_0: per = 18; break;
    case RF_DT_Q4_1: per = 20; break;
    default: return 0;
    }
    if (n % blk)
        return 0;
    uint64_t nb = n / blk;
    if (nb > UINT64_MAX / per)
        return 0;
    *ok = 1;
    return nb * per;
}

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

void rf_dequantize(int t, const void *src, float *dst, uint64_t n)
{
    const unsigned char *s = src;
    switch (t) {
    case RF_DT_F32:
        memcpy(dst, src, n * 4);
        break;
    case RF_DT_F16:
        for (uint64_t i = 0; i < n; i++)
            dst[i] = rf_f16_to_f32(rd16(s + 2 * i));
        break;
    case RF_DT_BF16:
        for (uint64_t i = 0; i < n; i++)
            dst[i] = rf_bf16_to_f32(rd16(s + 2 * i));
        break;
    case RF_DT_Q8_0:
        for (uint64_t b = 0; b < n / 32; b++, s += 34) {
            float d = rf_f16_to_f32(rd16(s));
            for (int j = 0; j < 32; j++)
                dst[b * 32 + j] = d * (float)(int8_t)s[2 + j];
        }
        break;
    case RF_DT_Q4_0:
        for (uint64_t b = 0; b < n / 32; b++, s += 18) {
            float d = rf_f16_to_f32(rd16(s));
            for (int j = 0; j < 16; j++) {
                dst[b * 32 + j] = d * (float)((s[2 + j] & 0x0f) - 8);
                dst[b * 32 + 16 + j] = d * (float)((s[2 + j] >> 4) - 8);
            }
        }
        break;
    case RF_DT_Q4_1:
        for (uint64_t b = 0; b < n / 32; b++, s += 20) {
            float d = rf_f16_to_f32(rd16(s)), m = rf_f16_to_f32(rd16(s + 2));
            for (int j = 0; j < 16; j++) {
                dst[b * 32 + j] = d * (float)(s[4 + j] & 0x0f) + m;
                dst[b * 32 + 16 + j] = d * (float)(s[4 + j] >> 4) + m;
            }
        }
        break;
    default:
        memset(dst, 0, n * 4);
        break;
    }
}
