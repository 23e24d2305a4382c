/* lm.h — the small-LM engine: a model placed on a device (CPU or CUDA)
 * behind the rf_kernels table, a per-thread context, the batched causal
 * forward pass that yields per-token negative log-likelihoods, and the
 * window scorer that turns documents of any length into per-token NLLs.
 *
 * Scoring semantics (the contract of refine-perplexity): for ids[0..n), token
 * i >= 1 is predicted from tokens < i, nll[i] = -log p(ids[i] | ids[<i]) in
 * nats, nll[0] = 0 (never predicted). A document longer than max_ctx is
 * scored in windows of max_ctx tokens that start stride tokens apart; each
 * token is scored exactly once, in the first window that contains it with at
 * least one token of context (so the context of a token is at least
 * max_ctx - stride tokens once the document is that long). Windows of many
 * documents are packed into batches of at most `batch_tokens` tokens; the
 * packing never changes a result, only the speed. */
#ifndef RF_KERNELS_LM_H
#define RF_KERNELS_LM_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/model.h"
#include "kernels/ops.h"

typedef struct rf_lm rf_lm;         /* immutable after rf_lm_new; shared by threads */
typedef struct rf_lm_ctx rf_lm_ctx; /* one per thread */

/* Places model m on backend k (m may be released afterwards). */
int rf_lm_new(rf_lm **lm, const rf_lm_model *m, const rf_kernels *k, rf_err *err);
void rf_lm_free(rf_lm *lm);
const rf_lm_config *rf_lm_cfg(const rf_lm *lm);
const rf_kernels *rf_lm_kernels(const rf_lm *lm);

/* A context for batches of up to max_tokens packed tokens. */
int rf_lm_ctx_new(rf_lm_ctx **c, const rf_lm *lm, int max_tokens, rf_err *err);
void rf_lm_ctx_free(rf_lm_ctx *c);

/* One forward pass over nseq packed sequences (host arrays): ids (T), and
 * seq_start (nseq + 1, seq_start[0] = 0, seq_start[nseq] = T). For every
 * token t, nll[t] = -log p(ids[t+1] | ids[seq begin .. t]) when t+1 is in
 * the same sequence and target[t] says so (target[t] = ids[t+1], or -1 to
 * skip), else 0. */
int rf_lm_forward(rf_lm_ctx *c, const int32_t *ids, const int32_t *target,
                  const int32_t *seq_start, int nseq, float *nll, rf_err *err);

typedef struct rf_lm_seq {
    const int32_t *ids;
    size_t n;
    float *nll; /* n entries, filled by rf_lm_score */
} rf_lm_seq;

/* Scores whole sequences with windows (see above); ids must be < vocab. */
int rf_lm_score(rf_lm_ctx *c, rf_lm_seq *seqs, size_t nseq, int max_ctx, int stride,
                rf_err *err);

#endif
