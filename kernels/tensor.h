/* tensor.h — a read-only view of one named weight tensor inside a mapped
 * model file, the common currency of the GGUF and safetensors readers.
 *
 * Shapes are given outermost first (PyTorch order): a Linear weight of
 * out × in has dims {out, in}. The GGUF reader reverses ggml's innermost-first
 * ne[] into this order, so the model builder sees one convention. The data
 * pointer points into the mapping; nbytes has been checked against the file
 * and against the element count for the type. */
#ifndef RF_KERNELS_TENSOR_H
#define RF_KERNELS_TENSOR_H

#include <stddef.h>
#include <stdint.h>

/* Element types the engine reads; values are ggml's type ids, so a GGUF
 * type maps onto them directly. */
typedef enum rf_dtype {
    RF_DT_F32 = 0,
    RF_DT_F16 = 1,
    RF_DT_Q4_0 = 2,
    RF_DT_Q4_1 = 3,
    RF_DT_Q8_0 = 8,
    RF_DT_BF16 = 30,
} rf_dtype;

#define RF_TENSOR_MAX_DIMS 4

typedef struct rf_tensor_view {
    const char *name; /* NUL-terminated copy owned by the reader */
    rf_dtype type;
    int ndim;
    uint64_t dims[RF_TENSOR_MAX_DIMS]; /* outermost first */
    uint64_t nelem;
    const void *data;
    uint64_t nbytes;
} rf_tensor_view;

/* Name of a dtype ("F32", "Q4_0", ...) or NULL when the id is not one the
 * engine supports. */
const char *rf_dtype_name(int type);
/* Bytes of n elements of type t (n must be a whole number of blocks for the
 * block-quantised types); 0 when t is unsupported or the size overflows. */
uint64_t rf_dtype_bytes(int t, uint64_t n, int *ok);
/* Block length of a type: 32 for the Q types, 1 otherwise. */
int rf_dtype_block(int t);

/* Converts n elements starting at src (of type t) to float. n and the
 * starting element must be multiples of the block length. */
void rf_dequantize(int t, const void *src, float *dst, uint64_t n);

float rf_f16_to_f32(uint16_t h);
uint16_t rf_f32_to_f16(float f);
float rf_bf16_to_f32(uint16_t h);
uint16_t rf_f32_to_bf16(float f);

#endif
