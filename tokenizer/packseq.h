/* packseq.h — sequence packing: documents (token strings) in, fixed-length
 * sequences of exactly seq_len tokens out.
 *
 * concat:    documents of a group are concatenated in input order and cut
 *            every seq_len tokens (documents are split across sequences);
 *            the last sequence of each group is padded.
 * best-fit:  best-fit-decreasing bin packing of whole documents: documents
 *            longer than seq_len first give up full seq_len chunks (each its
 *            own sequence), then the pieces (whole documents and remainders)
 *            are placed, longest first (ties in input order), into the open
 *            sequence with the least room that still fits, or a new one.
 *            Works on a window of buffered tokens (buffer_tokens) so memory
 *            stays bounded; a window's sequences are all written when it
 *            is full and at the end.
 *
 * Groups (domain-aware packing): documents carry a group key; sequences
 * never mix groups. Groups are visited in order of first appearance.
 *
 * Every sequence goes to the sink with its parts (which document, which
 * token range, where in the sequence) for the side file. The output depends
 * only on the order of rf_packer_add calls. */
#ifndef RF_PACKSEQ_H
#define RF_PACKSEQ_H

#include <stddef.h>
#include <stdint.h>

#include "stages/err.h"

typedef enum rf_pack_mode { RF_PACK_BEST_FIT = 0, RF_PACK_CONCAT = 1 } rf_pack_mode;

typedef struct rf_pack_part {
    uint64_t doc;       /* document number (order of rf_packer_add) */
    const char *id;     /* raw JSON id value, or NULL */
    size_t id_len;
    uint64_t offset;    /* first token of the document in this part */
    uint32_t start;     /* position in the sequence */
    uint32_t len;       /* tokens */
} rf_pack_part;

typedef struct rf_pack_seq {
    const unsigned char *data; /* seq_len tokens, itemsize bytes each */
    uint32_t ntok;             /* tokens from documents (the rest is padding) */
    const char *group;         /* raw JSON group value, or NULL */
    size_t group_len;
    const rf_pack_part *parts;
    size_t nparts;
} rf_pack_seq;

typedef int (*rf_pack_sink)(void *ctx, const rf_pack_seq *seq, rf_err *err);

typedef struct rf_pack_stats {
    uint64_t docs, doc_tokens;    /* documents and their tokens */
    uint64_t sequences, pad_tokens;
    uint64_t split_docs;          /* documents spread over more than one sequence */
    uint64_t empty_docs;          /* documents of 0 tokens (in no sequence) */
} rf_pack_stats;

typedef struct rf_packer rf_packer;

/* pad: the padding token, itemsize bytes, little endian. */
rf_packer *rf_packer_new(rf_pack_mode mode, uint32_t seq_len, size_t itemsize,
                         const unsigned char *pad, uint64_t buffer_tokens, rf_pack_sink sink,
                         void *ctx);
void rf_packer_free(rf_packer *p);
/* Adds one document: ntok tokens of itemsize bytes (copied), its raw JSON
 * id (may be NULL) and group key (raw JSON, NULL = no group). */
int rf_packer_add(rf_packer *p, const void *data, size_t ntok, const char *id, size_t id_len,
                  const char *group, size_t group_len, rf_err *err);
/* Writes everything still buffered. */
int rf_packer_finish(rf_packer *p, rf_err *err);
const rf_pack_stats *rf_packer_stats(const rf_packer *p);

#endif
