/* dedup.h — the dedup module: exact (XXH3-128) and MinHash-LSH near-duplicate
 * removal as steps whose inputs and outputs are files in a work directory.
 *
 *   exact:   hash (per shard) → resolve (per hash range) → filter (per shard)
 *   minhash: signatures (per shard) → buckets (per band × hash range)
 *            → cluster (one task) → filter (per shard)
 *
 * A document is named by (shard, ord): the index of its input in the shard
 * list and its 0-based record number in that input (every line counts,
 * malformed ones too). Every file a step writes is committed atomically and
 * is its own completion marker; a step skips units whose file already exists
 * and validates, so a requeued task is harmless. The binary formats are
 * described in docs/dedup.md; every reader checks every length against the
 * bytes left. */
#ifndef RF_DEDUP_H
#define RF_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"
#include "stages/opts.h"
#include "stages/runner.h"
#include "stages/stage.h"

/* ---- parameters ---- */

enum { RF_SHINGLE_WORD = 0, RF_SHINGLE_CHAR = 1 };

#define RF_MINHASH_MAX_HASHES 1024

/* Options that define a method's results; recorded in WORK/<method>/params
 * and hashed into every file header, so files made with other options are
 * refused instead of mixed. */
typedef struct rf_dedup_params {
    /* shared */
    char text_field[128];
    char keep_max[128];  /* priority field, "" = keep the first occurrence */
    int utf8_reject;
    /* exact */
    int exact_raw;       /* hash the raw text, not the normalised one */
    uint32_t exact_ranges;
    /* minhash */
    uint32_t ngram;
    int shingle;         /* RF_SHINGLE_* */
    uint32_t bands, rows;
    uint64_t seed;
    int shingles;        /* keep shingle sets for --verify */
    uint32_t bucket_ranges;
} rf_dedup_params;

void rf_dedup_params_default(rf_dedup_params *p);
/* Canonical text of one method's parameters ("exact" or "minhash"). */
void rf_dedup_params_text(const rf_dedup_params *p, int minhash, rf_buf *out);
uint64_t rf_dedup_params_hash(const rf_dedup_params *p, int minhash);

/* ---- MinHash ---- */

typedef struct rf_minhasher {
    uint32_t ngram, nhash, bands, rows;
    int shingle;
    uint64_t seed;
    uint64_t *a, *b; /* permutation coefficients (a odd) */
} rf_minhasher;

int rf_minhasher_init(rf_minhasher *m, uint32_t ngram, int shingle, uint32_t bands,
                      uint32_t rows, uint64_t seed, rf_err *err);
void rf_minhasher_release(rf_minhasher *m);

/* Scratch for one thread. */
typedef struct rf_minhash_scratch {
    rf_buf norm;
    uint64_t *tok;
    size_t captok;
    uint64_t *sh;
    size_t capsh, nsh;
} rf_minhash_scratch;

void rf_minhash_scratch_release(rf_minhash_scratch *s);

/* Normalisation used for MinHash (NFKC, case fold, punctuation → space,
 * digits → 0, whitespace collapsed) and for exact hashing (NFKC, case fold,
 * whitespace collapsed). */
#define RF_DEDUP_NORM_MINHASH 31u
#define RF_DEDUP_NORM_EXACT 19u

enum { RF_SHINGLES_NORMAL = 0, RF_SHINGLES_SHORT = 1, RF_SHINGLES_EMPTY = 2 };

/* Shingle hashes of (p, n) into s->sh[0..s->nsh) (unsorted, may repeat).
 * A text with fewer tokens than ngram is one shingle made of all its tokens
 * (RF_SHINGLES_SHORT), an empty one the shingle of no tokens
 * (RF_SHINGLES_EMPTY). */
int rf_minhash_shingles(const rf_minhasher *m, const char *p, size_t n, rf_minhash_scratch *s);
/* The same for a text already normalised with RF_DEDUP_NORM_MINHASH (which
 * may live in s->norm). Normalising the exact key's text (NFKC, case fold,
 * collapse) again with punctuation → space and digits → 0 gives that form,
 * so a scan doing both methods pays for NFKC once. */
int rf_minhash_shingles_normalized(const rf_minhasher *m, const char *t, size_t tn,
                                   rf_minhash_scratch *s);
/* Signature (nhash values) of the shingles in s. */
void rf_minhash_signature(const rf_minhasher *m, const rf_minhash_scratch *s, uint64_t *sig);
/* Band hash of band b of a signature. */
uint64_t rf_minhash_band(const rf_minhasher *m, const uint64_t *sig, uint32_t b);
/* Sorts and deduplicates s->sh (for exact Jaccard); returns the new count. */
size_t rf_minhash_unique(rf_minhash_scratch *s);
/* |A ∩ B| / |A ∪ B| of two sorted unique arrays (1 when both are empty). */
double rf_jaccard_sorted(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);
/* Probability that a pair of Jaccard j shares at least one band. */
double rf_lsh_probability(double j, uint32_t bands, uint32_t rows);
/* Writes the S-curve table of --explain. */
void rf_lsh_explain(uint32_t bands, uint32_t rows, rf_buf *out);

/* ---- files ---- */

enum {
    RF_DFILE_SIG = 1,      /* per shard: docs table + one sorted section per band */
    RF_DFILE_XHASH = 2,    /* per shard: sorted exact-hash records */
    RF_DFILE_PAIRS = 3,    /* per bucket unit: candidate pairs */
    RF_DFILE_REMOVE = 4,   /* per range (exact) or one (minhash): shard sections */
    RF_DFILE_SHINGLES = 5  /* per shard: sorted shingle sets */
};

#define RF_DFILE_VERSION 1
#define RF_DFILE_HDR 64

typedef struct rf_dfile_hdr {
    uint32_t kind, version;
    uint64_t params;   /* rf_dedup_params_hash */
    uint32_t unit;     /* shard or unit index */
    uint32_t nshards;
    uint64_t records;  /* SIG/XHASH/SHINGLES: records in the shard */
    uint64_t count;    /* entries */
    uint64_t aux;      /* SIG: bands; PAIRS: band; REMOVE: method (1 exact, 2 minhash) */
} rf_dfile_hdr;

void rf_dfile_hdr_encode(const rf_dfile_hdr *h, unsigned char out[RF_DFILE_HDR]);
/* Decodes and checks magic, byte order, kind and version. */
int rf_dfile_hdr_decode(const unsigned char *p, size_t n, uint32_t want_kind, rf_dfile_hdr *h,
                        const char *path, rf_err *err);

/* Record layouts (little-endian, packed as written). */
typedef struct rf_sig_doc {  /* 24 bytes */
    uint32_t ord;
    uint32_t flags;          /* RF_SHINGLES_* */
    double prio;
    uint64_t line_hash;
} rf_sig_doc;

typedef struct rf_band_rec { /* 12 bytes on disk */
    uint64_t h;
    uint32_t ord;
} rf_band_rec;
#define RF_BAND_REC 12

typedef struct rf_xrec {     /* 40 bytes */
    uint64_t hi, lo;
    uint32_t ord, pad;
    double prio;
    uint64_t line_hash;
} rf_xrec;

typedef struct rf_pair {     /* 16 bytes */
    uint32_t s1, o1, s2, o2;
} rf_pair;

enum { RF_RM_KEEP = 1, RF_RM_REMOVE = 2 };

typedef struct rf_rm {       /* 40 bytes */
    uint32_t ord, kind;
    uint32_t rep_shard, rep_ord;
    uint64_t size;           /* documents in the cluster / exact group */
    uint64_t cid;            /* exact: first 64 bits of the hash; minhash: rep_shard<<32|rep_ord */
    uint64_t line_hash;      /* of the document at (shard, ord): checked by filter */
} rf_rm;

/* Reads a whole small file (or fails with a message naming it). */
int rf_dedup_read_file(const char *path, unsigned char **data, size_t *n, rf_err *err);
int rf_dedup_exists(const char *path);

/* Whether a unit file exists with the expected header and size (its
 * completion test; contents are checked where they are read). */
int rf_dedup_probe(const char *path, uint32_t kind, uint64_t params, uint32_t unit,
                   uint32_t nshards);
/* Probes a unit file the current step needs (an error naming `step`, the
 * step that makes it, when it is not finished) and reads its header. */
int rf_dedup_unit_header(const char *path, uint32_t kind, uint64_t params, uint32_t unit,
                         uint32_t nshards, const char *step, rf_dfile_hdr *h, rf_err *err);

/* Validates a whole file image of the given kind: header, sizes, ordering.
 * Used by the readers below and by the fuzz target. */
int rf_dfile_check(const unsigned char *p, size_t n, uint32_t kind, const char *path,
                   rf_err *err);

/* A removal file loaded for one shard: entries sorted by ord. */
typedef struct rf_rmlist {
    rf_rm *e;
    size_t n, cap;
} rf_rmlist;

/* Appends the entries of shard `shard` in the removal file `path` (whole
 * file checked; header must say params/nshards). */
int rf_rmlist_load(rf_rmlist *l, const char *path, uint64_t params, uint32_t nshards,
                   uint32_t shard, rf_err *err);
void rf_rmlist_release(rf_rmlist *l);

/* ---- work directory ---- */

typedef struct rf_dedup_work {
    char *dir;
    char **shards;      /* resolved shard paths, in order */
    char **names;       /* output file names (base names) */
    uint32_t nshards;
    rf_dedup_params p;
    int has_exact, has_minhash; /* parameter files present */
} rf_dedup_work;

/* Path of a work-dir file: WORK/<fmt...>. Caller frees. */
char *rf_dedup_path(const rf_dedup_work *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Opens WORK with the given shard list (NULL: read WORK/shards.txt), writing
 * shards.txt when absent and refusing a different list. */
int rf_dedup_work_open(rf_dedup_work *w, const char *dir, char *const *inputs, size_t ninputs,
                       rf_err *err);
/* Records (or checks against what is recorded) a method's parameters. */
int rf_dedup_work_params(rf_dedup_work *w, const rf_dedup_params *p, int minhash, int explicit_,
                         rf_err *err);
/* Loads a method's recorded parameters into w->p (error when absent). */
int rf_dedup_work_load_params(rf_dedup_work *w, int minhash, rf_err *err);
void rf_dedup_work_release(rf_dedup_work *w);

/* ---- steps ---- */

typedef struct rf_dedup_step {
    uint32_t task, ntasks;
    int threads;
    int force;          /* recompute units that are already done */
    int verbosity;
    int quiet_scan;     /* all-in-one: the filter reports malformed lines, not the scan */
    double verify;      /* cluster: Jaccard threshold, 0 = off */
    const char *pairs_out; /* cluster: TSV of every candidate pair, NULL = none */
    const rf_run_config *run; /* runner configuration for steps that read shards */
    /* results (counters for the stats object) */
    rf_stats stats;
    uint64_t units_done, units_skipped;
} rf_dedup_step;

void rf_dedup_step_init(rf_dedup_step *s);
void rf_dedup_step_release(rf_dedup_step *s);

/* The units of [0, nunits) that are this task's (unit % ntasks == task)
 * and not done yet, into units[]; counts the done ones as skipped. */
size_t rf_dedup_pending(const rf_dedup_work *w, rf_dedup_step *step, uint32_t nunits,
                        uint32_t kind, uint64_t params,
                        char *(*path_of)(const rf_dedup_work *w, uint32_t unit), uint32_t *units);
/* Records per read buffer of a k-way merge over nshards files: a budget of
 * about 64 MB per thread, clamped to [lo, hi]. */
size_t rf_dedup_bufrec(size_t recsize, uint32_t nshards, int threads, size_t lo, size_t hi);

/* Reads this task's shards once, writing the exact hash files (exact != 0)
 * and/or the MinHash signature files (minhash != 0). */
int rf_dedup_scan(rf_dedup_work *w, int exact, int minhash, rf_dedup_step *s, rf_err *err);
int rf_dedup_resolve(rf_dedup_work *w, rf_dedup_step *s, rf_err *err);
int rf_dedup_buckets(rf_dedup_work *w, rf_dedup_step *s, rf_err *err);
int rf_dedup_cluster(rf_dedup_work *w, rf_dedup_step *s, rf_err *err);

/* Filter: which finished methods the work dir holds, loaded for a shard. */
typedef struct rf_dedup_filter_opts {
    const char *out_dir;
    int annotate;
    int use_exact, use_minhash;   /* apply the method when it has finished */
    int need_exact, need_minhash; /* and fail when this one has not */
} rf_dedup_filter_opts;

int rf_dedup_filter(rf_dedup_work *w, const rf_dedup_filter_opts *fo, rf_dedup_step *s,
                    rf_err *err);
/* Merges OUT/stats/<name>.json of every shard into OUT/stats.json when all
 * are present; *complete says whether it did. */
int rf_dedup_merge_stats(rf_dedup_work *w, const char *out_dir, const rf_stats *extra,
                         int *complete, rf_err *err);

/* Whether a method's final results (resolve files, remove.rm) are complete. */
int rf_dedup_exact_done(rf_dedup_work *w);
int rf_dedup_minhash_done(rf_dedup_work *w);

/* Test hook: REFINE_DEDUP_CRASH_AFTER=N kills the process (SIGKILL) while
 * writing the unit after N committed units, as a preempted Slurm task. */
void rf_dedup_crash_point(void);
int rf_dedup_unit_committed(void);

extern const rf_stage_desc rf_stage_dedup;

#endif
