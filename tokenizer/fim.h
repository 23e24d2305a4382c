/* fim.h — fill-in-the-middle (Bavarian et al. 2022, "Efficient Training of
 * Language Models to Fill in the Middle") as a per-document transform.
 *
 * With probability fim_rate a document is cut at two random boundaries into
 * prefix | middle | suffix and later emitted (by the packer, each part
 * tokenised separately) as
 *
 *   PSM:        <PRE> prefix <SUF> suffix <MID> middle
 *   SPM (v2):   <PRE> <SUF> suffix <MID> prefix middle      (prob. spm_rate)
 *
 * Boundaries are drawn uniformly (two independent draws, sorted, so parts
 * may be empty) among the text's extended grapheme-cluster boundaries
 * (UAX #29, utf8proc: never inside a Hangul syllable block of conjoining
 * jamo, a combining sequence, an emoji ZWJ sequence or CR LF) for prose, or
 * among line starts for code, so indentation stays with its line.
 *
 * Every random choice comes from a splitmix64 stream seeded by the document
 * key (its id) and the user's seed, in a fixed order (FIM or not, boundary
 * 1, boundary 2, SPM or not): a document gets the same transform on any
 * machine, in any shard split and for any thread count. */
#ifndef RF_FIM_H
#define RF_FIM_H

#include <stddef.h>
#include <stdint.h>

typedef enum rf_fim_split {
    RF_FIM_SPLIT_CHAR = 0, /* grapheme-cluster boundaries */
    RF_FIM_SPLIT_LINE = 1, /* line starts (and the end of the text) */
} rf_fim_split;

typedef struct rf_fim_plan {
    int fim;   /* 0: the document is left as it is */
    int spm;   /* 1: SPM variant 2; 0: PSM */
    size_t b0; /* byte offsets: prefix [0, b0), middle [b0, b1), suffix [b1, n) */
    size_t b1;
} rf_fim_plan;

/* The per-document generator seed: XXH3-64 of the key with the user seed. */
uint64_t rf_fim_doc_seed(const void *key, size_t n, uint64_t seed);

/* Decides the transform of one document (text must be valid UTF-8). */
void rf_fim_plan_doc(uint64_t doc_seed, double fim_rate, double spm_rate, const char *text,
                     size_t n, rf_fim_split split, rf_fim_plan *plan);

/* Number of candidate boundaries of text (0 and n included; 1 for an empty
 * text), and the byte offset of the k-th (k < count). */
size_t rf_fim_count_bounds(const char *text, size_t n, rf_fim_split split);
size_t rf_fim_bound_at(const char *text, size_t n, rf_fim_split split, size_t k);

/* A cheap code detector for documents without a domain label: at least 3
 * non-blank lines among the first 400, and at least 40% of them look like
 * code (end in ; { }, start with a keyword of a common language or a
 * comment marker, or are indented by a tab or 4+ spaces). */
int rf_fim_looks_like_code(const char *text, size_t n);

#endif
