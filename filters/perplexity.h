/* perplexity.h — stage 3, perplexity filtering: the pieces of
 * refine-perplexity that are plain library code (bytes in, values out), so
 * unit tests reach them without a model.
 *
 * Token ids come from the tokenizer (--tokenizer) or a JSON array field
 * (--ids-field, e.g. written by `refine-tokenize encode`); percentile cutoffs are CCNet-style per-language
 * thresholds computed by `refine-perplexity calibrate` and stored as a small
 * TSV file:
 *
 *   # refine-perplexity calibrate ...
 *   lang  docs  p30  p60
 *   en    1000  123.4  456.7
 *   *     12    99.0   150.2     ("*" = documents without refine.lang)
 *
 * A document is "head" when ppl < first cutoff, "middle" when < second,
 * else "tail" (low perplexity = close to the reference model's data). */
#ifndef RF_FILTERS_PERPLEXITY_H
#define RF_FILTERS_PERPLEXITY_H

#include <stddef.h>
#include <stdint.h>

#include "stages/err.h"
#include "stages/stage.h"

extern const rf_stage_desc rf_stage_perplexity;

/* Parses a JSON array of integer ids (the raw value text). Returns the count
 * (ids written up to cap; call again with a larger buffer when count > cap),
 * or -1 with a static reason in *why when the value is not an array of
 * integers in [0, vocab). */
int64_t rf_ppl_parse_ids(const char *json, size_t n, int32_t *ids, size_t cap, int vocab,
                         const char **why);

enum { RF_PPL_HEAD = 0, RF_PPL_MIDDLE = 1, RF_PPL_TAIL = 2 };
extern const char *const rf_ppl_bucket_names[3];

typedef struct rf_ppl_cutoff {
    char lang[32];
    uint64_t docs;
    double cut[2];
} rf_ppl_cutoff;

typedef struct rf_ppl_cutoffs {
    double pct[2];
    rf_ppl_cutoff *v;
    size_t n;
} rf_ppl_cutoffs;

int rf_ppl_cutoffs_load(rf_ppl_cutoffs *c, const char *path, rf_err *err);
void rf_ppl_cutoffs_release(rf_ppl_cutoffs *c);
const rf_ppl_cutoff *rf_ppl_cutoffs_find(const rf_ppl_cutoffs *c, const char *lang);
int rf_ppl_bucket(const rf_ppl_cutoff *c, double ppl);

/* The p-th percentile (0..100) of sorted values, linear interpolation
 * between closest ranks (numpy's default). */
double rf_ppl_percentile(const double *sorted, size_t n, double p);

/* Parses "A,B" percentiles with 0 < A < B < 100. */
int rf_ppl_parse_percentiles(const char *s, double pct[2], rf_err *err);

/* The calibrate variant of the stage: scores only, collects every ppl per
 * language; after rf_run, rf_ppl_calibrate_write appends the cutoffs file
 * text and returns the number of languages. */
extern const rf_stage_desc rf_stage_perplexity_calibrate;
int rf_ppl_calibrate_write(rf_stage *st, const double pct[2], rf_buf *out);

/* main() of refine-perplexity: `calibrate` subcommand, else the stage. */
int rf_ppl_main(int argc, char **argv);

#endif
