/* mmidx.h — Megatron-LM indexed datasets (the MMIDIDX .idx + .bin pair of
 * megatron/core/datasets/indexed_dataset.py): a streaming, atomic writer and
 * a validating reader.
 *
 * Layout of PREFIX.idx (little endian):
 *
 *   9 bytes   magic "MMIDIDX\0\0"
 *   u64       version = 1
 *   u8        dtype code (RF_MMIDX_UINT16 = 8, RF_MMIDX_INT32 = 4, ...)
 *   u64       S = sequence count
 *   u64       D = document-index count (documents + 1)
 *   i32[S]    sequence lengths in tokens
 *   i64[S]    sequence byte offsets into .bin
 *   i64[D]    document indices: sequence index where each document starts,
 *             0 first, S last
 *
 * PREFIX.bin holds the tokens of all sequences back to back in the dtype.
 * The writer appends sequences to PREFIX.bin.tmp.PID, keeps the lengths in
 * memory (12 bytes per sequence, as Megatron's builder does) and on commit
 * writes the index, then renames .bin and .idx into place: an .idx under its
 * final name always belongs to a complete .bin. */
#ifndef RF_MMIDX_H
#define RF_MMIDX_H

#include <stddef.h>
#include <stdint.h>

#include "stages/err.h"

enum {
    RF_MMIDX_UINT8 = 1,
    RF_MMIDX_INT8 = 2,
    RF_MMIDX_INT16 = 3,
    RF_MMIDX_INT32 = 4,
    RF_MMIDX_INT64 = 5,
    RF_MMIDX_FLOAT64 = 6,
    RF_MMIDX_FLOAT32 = 7,
    RF_MMIDX_UINT16 = 8,
};

#define RF_MMIDX_HEADER_SIZE 34

/* Megatron's DType.optimal_dtype: uint16 when the vocabulary (one more than
 * the largest id) is below 65,500, int32 otherwise. */
int rf_mmidx_optimal_dtype(uint64_t vocab);
/* Bytes per item of a dtype code, 0 for an unknown code. */
size_t rf_mmidx_dtype_size(int code);
/* "uint16", "int32", ... or NULL. */
const char *rf_mmidx_dtype_name(int code);

/* ---- writer ---- */

typedef struct rf_mmidx_writer rf_mmidx_writer;

/* Opens PREFIX.bin (temporary name) for tokens of dtype code (uint16 or
 * int32); creates parent directories. */
int rf_mmidx_writer_open(rf_mmidx_writer **w, const char *prefix, int dtype, rf_err *err);
/* Appends one sequence given as ids (each must fit the dtype: RF_EFORMAT
 * otherwise). */
int rf_mmidx_add_ids(rf_mmidx_writer *w, const uint32_t *ids, size_t n, rf_err *err);
/* Appends one sequence already encoded in the dtype (n tokens, n × size
 * bytes, little endian). */
int rf_mmidx_add_raw(rf_mmidx_writer *w, const void *p, size_t n, rf_err *err);
/* Ends the current document (Megatron's end_document): the sequences added
 * since the previous call form one document. */
void rf_mmidx_end_document(rf_mmidx_writer *w);
/* Appends every sequence and document of an existing dataset (same dtype),
 * copying its .bin. */
int rf_mmidx_append_dataset(rf_mmidx_writer *w, const char *prefix, rf_err *err);
uint64_t rf_mmidx_writer_sequences(const rf_mmidx_writer *w);
uint64_t rf_mmidx_writer_documents(const rf_mmidx_writer *w);
uint64_t rf_mmidx_writer_tokens(const rf_mmidx_writer *w);
/* Writes PREFIX.idx and renames both files into place; frees w. A document
 * left open (sequences after the last end_document) is ended first. */
int rf_mmidx_writer_commit(rf_mmidx_writer *w, rf_err *err);
/* Removes the temporary files; frees w (NULL allowed). */
void rf_mmidx_writer_abort(rf_mmidx_writer *w);

/* ---- reader ---- */

/* A dataset mapped read-only. Every count and offset has been checked
 * against the file sizes, so the accessors below cannot read out of bounds.
 * The arrays sit at odd offsets (the header is 34 bytes), so they are read
 * through the accessors, never as C arrays. */
typedef struct rf_mmidx {
    int dtype;
    size_t itemsize;
    uint64_t nseq;    /* sequences */
    uint64_t ndocidx; /* document indices (documents + 1) */
    const unsigned char *lengths_raw;  /* i32[nseq] */
    const unsigned char *pointers_raw; /* i64[nseq] */
    const unsigned char *docidx_raw;   /* i64[ndocidx] */
    const unsigned char *bin;          /* the .bin mapping (NULL after rf_mmidx_parse) */
    uint64_t bin_size;
    uint64_t ntokens;
    /* private */
    void *idx_map, *bin_map;
    size_t idx_map_size, bin_map_size;
} rf_mmidx;

/* Opens PREFIX.idx and PREFIX.bin. */
int rf_mmidx_open(rf_mmidx *m, const char *prefix, rf_err *err);
/* Validates an index held in memory (p, n) against a .bin of bin_size
 * bytes: magic, version, dtype, counts against the bytes left, lengths
 * non-negative, pointers contiguous from 0 (as Megatron writes them) and
 * inside the .bin, document indices from 0 to nseq, non-decreasing. On
 * success m's arrays point into p; m->bin stays NULL. rf_mmidx_open uses it
 * too; so does the fuzz target. */
int rf_mmidx_parse(rf_mmidx *m, const unsigned char *p, size_t n, uint64_t bin_size,
                   const char *name, rf_err *err);
void rf_mmidx_close(rf_mmidx *m);

static inline uint64_t rf_mmidx_le(const unsigned char *q, size_t n)
{
    uint64_t v = 0;
    for (size_t k = n; k-- > 0;)
        v = v << 8 | q[k];
    return v;
}
static inline uint32_t rf_mmidx_length(const rf_mmidx *m, uint64_t i)
{
    return (uint32_t)rf_mmidx_le(m->lengths_raw + 4 * i, 4);
}
static inline uint64_t rf_mmidx_pointer(const rf_mmidx *m, uint64_t i)
{
    return rf_mmidx_le(m->pointers_raw + 8 * i, 8);
}
static inline uint64_t rf_mmidx_docidx(const rf_mmidx *m, uint64_t i)
{
    return rf_mmidx_le(m->docidx_raw + 8 * i, 8);
}
/* Token k of sequence i (i < nseq, k < its length; the caller's bounds). */
static inline uint32_t rf_mmidx_token(const rf_mmidx *m, uint64_t i, uint64_t k)
{
    return (uint32_t)rf_mmidx_le(m->bin + rf_mmidx_pointer(m, i) + k * m->itemsize,
                                 m->itemsize > 4 ? 4 : m->itemsize);
}

#endif
