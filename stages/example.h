/* example.h — the example-data generator behind `refine example`.
 *
 * Writes deterministic Korean and English JSONL shards that carry the defects
 * the seven stages remove (duplicates, boilerplate, PII, spam, low-quality
 * text, benchmark leaks, malformed records), plus a toy evaluation set the
 * leaks come from. Every document records its planted defect in a "defect"
 * field, so the effect of a pipeline can be checked. All text is written by
 * this project (templates below); nothing is copied from a corpus. */
#ifndef RF_EXAMPLE_H
#define RF_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"

typedef struct rf_example_opts {
    size_t docs_per_shard;
    size_t shards;
    uint64_t seed;
} rf_example_opts;

/* Generates shard k into out (uncompressed JSONL). */
void rf_example_shard(const rf_example_opts *o, size_t k, rf_buf *out);
/* The toy evaluation set (JSONL: id, question, answer). */
void rf_example_eval(rf_buf *out);

/* main() of `refine example`. */
int rf_example_main(int argc, char **argv);

#endif
