/* afile.h — a seekable atomic output for files whose header is known only at
 * the end (pairs, removal lists): written to "<path>.tmp.<pid>", the header
 * rewritten in place, then renamed. A killed writer leaves at most a
 * temporary file, never a complete-looking one. Internal to dedup/. */
#ifndef RF_DEDUP_AFILE_H
#define RF_DEDUP_AFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stages/err.h"

typedef struct rf_afile {
    char *path, *tmp;
    FILE *f;
} rf_afile;

int rf_afile_open(rf_afile *f, const char *path, rf_err *err);
int rf_afile_write(rf_afile *f, const void *p, size_t n, rf_err *err);
/* Overwrites bytes at offset 0 (the header) once everything is written. */
int rf_afile_commit(rf_afile *f, const void *head, size_t n, rf_err *err);
void rf_afile_abort(rf_afile *f);

/* Little-endian loads from file images (the formats are little-endian and
 * readers refuse other byte orders by the header's mark). */
static inline uint32_t rf_get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t rf_get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* A binary min-heap of pointers ordered by less(a, b): restores the heap
 * property below position i (k-way merges). */
void rf_heap_sift(void **h, size_t n, size_t i, int (*less)(const void *a, const void *b));

/* pread of exactly n bytes at off (error on a short file). */
int rf_pread_full(int fd, void *p, size_t n, uint64_t off, const char *path, rf_err *err);

/* Runs fn(ctx, i) for i in [0, n) on up to `threads` threads (units taken in
 * order from a shared counter); stops at the first error, whose message
 * goes to err. */
int rf_dedup_parallel(size_t n, int threads, int (*fn)(void *ctx, size_t i, rf_err *err),
                      void *ctx, rf_err *err);

/* A forward reader over a byte range of a file of fixed-size records that
 * are sorted by a u64 in their first 8 bytes: buffered preads, optionally
 * reopening the file per refill (many shards, few descriptors). */
typedef struct rf_rstream {
    const char *path;
    int fd;
    int keep_open;
    size_t recsize, bufrec;
    uint64_t pos, end;
    unsigned char *buf;
    size_t blen, bpos;
    const unsigned char *rec; /* current record after rf_rstream_next() == 1 */
} rf_rstream;

/* Opens path and positions the stream on the records of [base, base +
 * n*recsize) whose key is in [lo, hi] (binary search). */
int rf_rstream_open(rf_rstream *s, const char *path, size_t recsize, size_t bufrec,
                    int keep_open, uint64_t base, uint64_t n, uint64_t lo, uint64_t hi,
                    rf_err *err);
/* 1 with s->rec set, 0 at the end, negative on error. */
int rf_rstream_next(rf_rstream *s, rf_err *err);
void rf_rstream_close(rf_rstream *s);

/* Range r of R over the 64-bit key space, inclusive bounds. */
void rf_key_range(uint32_t r, uint32_t R, uint64_t *lo, uint64_t *hi);

#endif
