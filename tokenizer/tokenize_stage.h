/* tokenize_stage.h — the `tokenize` stage and how later stages get its ids.
 *
 * In a chain (`refine run` with [tokenize] followed by [pack]) the stage
 * leaves the token ids of each kept document in d->payload, in the batch
 * arena, and writes no JSON: the next stage reads them with
 * rf_tokenize_payload(). When tokenize is the last stage (or runs alone as
 * `refine-tokenize encode`), each document is written as one line
 *
 *     {"id": ID, "ids": [ID1, ID2, ...]}
 *
 * exactly in Python's json.dumps layout (", " and ": " separators): ID is the
 * raw JSON value of the document's id field (null when it has none), the ids
 * are decimal, "ids": [] for an empty text. */
#ifndef RF_TOKENIZE_STAGE_H
#define RF_TOKENIZE_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "stages/doc.h"
#include "stages/stage.h"

#define RF_TOKEN_IDS_MAGIC 0x544F4B31u /* "TOK1" */

/* Token ids of one document, owned by the batch arena (valid until the batch
 * is written). */
typedef struct rf_token_ids {
    uint32_t magic;      /* RF_TOKEN_IDS_MAGIC */
    uint32_t vocab_size; /* every id is < vocab_size (rf_tokenizer_id_limit: choose the
                          * packer's dtype by it) */
    const uint32_t *ids;
    size_t n;
    int add_special;     /* the post-processor's special tokens are included */
} rf_token_ids;

/* The ids the tokenize stage attached to d, or NULL when it did not run on d. */
const rf_token_ids *rf_tokenize_payload(const rf_doc *d);

/* Writes the {"id": ..., "ids": [...]} line of d (with '\n'). */
void rf_tokenize_write_line(const rf_doc *d, const uint32_t *ids, size_t n, rf_buf *out);

extern const rf_stage_desc rf_stage_tokenize;

/* Subcommand mains (argv[0] is the subcommand name). */
int rf_tokenize_train_main(int argc, char **argv);
int rf_tokenize_stats_main(int argc, char **argv);

#endif
