/* index.h — the decontamination index: n-gram hashes of evaluation sets in
 * one sorted, mmap-able file, plus SQLite provenance next to it.
 *
 * File layout (little-endian, every section 8-byte aligned; the reader
 * checks each offset and length against the file size):
 *
 *   header (RF_DCX_HEADER_SIZE bytes):
 *     magic "RFDCXIDX", u32 version (1), u32 header size,
 *     u32 n (tokens per n-gram), u32 min_tokens (shortest item indexed whole),
 *     u32 norm flags, u32 tok flags (stages/text.h flags used),
 *     u64 n_hashes, u32 n_items, u32 n_bench, u32 n_bsets, u32 dir_bits,
 *     u32 bloom_bits (log2 of bloom words), u32 pbloom_bits, u64 n_prefix,
 *     u64 short_lengths (bit m: some item of m < n tokens is indexed whole),
 *     u64 strings size, u64 bset_ids count, u64 file size,
 *     then RF_DCX_NSECT section descriptors {u64 offset, u64 size}.
 *   sections:
 *     HASHES  u64[n_hashes], sorted ascending, unique
 *     INFO    {u32 first_item, u32 n_items, u32 bset}[n_hashes]
 *     DIR     u32[2^dir_bits + 1]: first hash index whose top dir_bits bits
 *             are >= b
 *     BLOOM   u64[2^bloom_bits]: blocked Bloom filter over the gates
 *             (rf_ngram_gate, ngram.h) of every indexed n-token window
 *     PREFIX  u64[n_prefix], sorted: hashes of the first min_tokens tokens
 *             of every short item (gates the whole-item lookups)
 *     PBLOOM  u64[2^pbloom_bits]: Bloom filter over the gates of those
 *             prefixes
 *     BSETS   u32[n_bsets + 1] offsets into BSETIDS
 *     BSETIDS u32[]: benchmark ids of each set (sorted)
 *     ITEMS   {u32 bench, u32 id_off, u32 id_len, u32 reserved}[n_items]
 *     BENCH   {u32 name_off, u32 name_len, u32 n_items, u32 n_ngrams}[n_bench]
 *     STRINGS bytes (benchmark names and item ids)
 *
 * An n-gram hash is rf_ngram_hash() of decontam/ngram.h. Provenance lives in
 * INDEX.sqlite (rf_dcx_sqlite_path): tables benchmarks, items (with the
 * normalised text) and ngrams (every hash with every item it occurs in). */
#ifndef RF_DCX_INDEX_H
#define RF_DCX_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

#define RF_DCX_MAGIC "RFDCXIDX"
#define RF_DCX_VERSION 1
#define RF_DCX_MAX_N 64

enum {
    RF_DCX_S_HASHES,
    RF_DCX_S_INFO,
    RF_DCX_S_DIR,
    RF_DCX_S_BLOOM,
    RF_DCX_S_PREFIX,
    RF_DCX_S_PBLOOM,
    RF_DCX_S_BSETS,
    RF_DCX_S_BSETIDS,
    RF_DCX_S_ITEMS,
    RF_DCX_S_BENCH,
    RF_DCX_S_STRINGS,
    RF_DCX_NSECT
};
#define RF_DCX_HEADER_SIZE (104 + 16 * RF_DCX_NSECT)

typedef struct rf_dcx_info {
    uint32_t first_item; /* lowest item ordinal the n-gram occurs in */
    uint32_t n_items;    /* distinct items it occurs in */
    uint32_t bset;       /* set of benchmarks it occurs in */
} rf_dcx_info;

typedef struct rf_dcx_item {
    uint32_t bench, id_off, id_len, reserved;
} rf_dcx_item;

typedef struct rf_dcx_bench {
    uint32_t name_off, name_len, n_items, n_ngrams;
} rf_dcx_bench;

/* An opened index (read-only, shared by threads). */
typedef struct rf_dcx {
    unsigned n, min_tokens;
    unsigned norm_flags, tok_flags;
    uint64_t n_hashes, n_prefix, short_lengths;
    uint32_t n_items, n_bench, n_bsets;
    unsigned dir_shift;   /* 64 - dir_bits */
    uint64_t bloom_mask, pbloom_mask;
    const uint64_t *hashes;
    const rf_dcx_info *info;
    const uint32_t *dir;
    const uint64_t *bloom, *pbloom, *prefix;
    const uint32_t *bsets, *bset_ids;
    uint64_t n_bset_ids;
    const rf_dcx_item *items;
    const rf_dcx_bench *bench;
    const char *strings;
    uint64_t strings_size;
    /* the mapping */
    void *map;
    size_t map_size;
    int owns_map; /* 1: munmap, 2: free */
    uint64_t file_size;
} rf_dcx;

/* Opens and validates an index file (mmap). */
int rf_dcx_open(rf_dcx **x, const char *path, rf_err *err);
/* Validates an index held in memory (copied; for tests and fuzzing). */
int rf_dcx_open_mem(rf_dcx **x, const void *p, size_t n, rf_err *err);
void rf_dcx_close(rf_dcx *x);

/* "INDEX.sqlite" (malloc'd). */
char *rf_dcx_sqlite_path(const char *index_path);

/* Blocked Bloom filter: one 64-bit word per key, four bits in it. */
static inline uint64_t rf_dcx_bloom_bits(uint64_t h)
{
    return (1ull << ((h >> 40) & 63)) | (1ull << ((h >> 46) & 63)) | (1ull << ((h >> 52) & 63)) |
           (1ull << (h >> 58));
}

static inline int rf_dcx_maybe(const uint64_t *bloom, uint64_t mask, uint64_t h)
{
    uint64_t m = rf_dcx_bloom_bits(h);
    return (bloom[h & mask] & m) == m;
}

/* Index of hash h in HASHES, or -1 (no Bloom check: callers test the
 * window's gate first). */
static inline int64_t rf_dcx_find(const rf_dcx *x, uint64_t h)
{
    uint64_t b = h >> x->dir_shift;
    uint64_t lo = x->dir[b], hi = x->dir[b + 1];
    if (hi > x->n_hashes || lo > hi)
        return -1; /* a corrupt directory finds nothing, never reads past the end */
    while (lo < hi) { /* buckets hold about one hash */
        uint64_t mid = lo + (hi - lo) / 2;
        uint64_t v = x->hashes[mid];
        if (v == h)
            return (int64_t)mid;
        if (v < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Whether h is the prefix hash of some short item. */
int rf_dcx_has_prefix(const rf_dcx *x, uint64_t h);

/* Benchmark ids of set s (NULL, 0 when s is out of range). */
const uint32_t *rf_dcx_bset(const rf_dcx *x, uint32_t s, size_t *n);
/* Name of benchmark b ("?" when out of range). */
const char *rf_dcx_bench_name(const rf_dcx *x, uint32_t b, size_t *len);
/* Item i: its benchmark and id ("?" when out of range). */
const char *rf_dcx_item_id(const rf_dcx *x, uint32_t i, uint32_t *bench, size_t *len);

/* ---- building ---- */

typedef struct rf_dcx_builder rf_dcx_builder;

typedef struct rf_dcx_build_stats {
    uint64_t items, items_short, items_too_short, tokens, ngrams_total, n_hashes, n_prefix;
    uint64_t index_bytes, sqlite_bytes;
    uint64_t frequent; /* n-grams in more than 10 items (ignored by default) */
} rf_dcx_build_stats;

rf_dcx_builder *rf_dcx_builder_new(unsigned n, unsigned min_tokens);
void rf_dcx_builder_free(rf_dcx_builder *b);
/* Id of benchmark name (added on first use). */
uint32_t rf_dcx_builder_bench(rf_dcx_builder *b, const char *name);
/* Adds one item: its fields (valid UTF-8) are tokenised in order as one
 * token stream. source/record say where it came from (provenance). */
void rf_dcx_builder_add(rf_dcx_builder *b, uint32_t bench, const char *item_id,
                        const char *source, uint64_t record, const char *const *texts,
                        const size_t *lens, size_t ntexts);
/* Writes INDEX and INDEX.sqlite (each to a temporary name, then renamed). */
int rf_dcx_builder_write(rf_dcx_builder *b, const char *path, rf_dcx_build_stats *st, rf_err *err);

#endif
