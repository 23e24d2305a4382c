/* sample.c — the `sample` stage: keeps a deterministic fraction of the
 * documents. A document is kept when a seeded XXH3-64 hash of its id (or
 * text, or position) falls below fraction × 2^64, so the same document is
 * kept in every run, shard split and thread count; dropped documents are
 * rejects with reason sampled_out. */
#include <stdlib.h>

#include "stages/dockey.h"
#include "stages/stage.h"

typedef struct sample_state {
    double fraction;
    uint64_t seed;
    rf_key_by by;
} sample_state;

static const rf_optspec sample_opts[] = {
    {"fraction", 'f', RF_OPT_FLOAT, "0.1", "F", "share of documents to keep, 0..1", NULL},
    {"seed", 0, RF_OPT_INT, "0", "N", "hash seed: different seeds give independent samples", NULL},
    {"by", 0, RF_OPT_ENUM, "id", "KEY",
     "what is hashed: the id (the text when a document has none), the text, or the position",
     RF_KEY_BY_CHOICES},
    RF_OPTSPEC_END,
};

static int sample_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    double f = rf_opt_float(o, "fraction");
    if (!(f >= 0.0 && f <= 1.0))
        return rf_errf(err, RF_EUSAGE, "--fraction must be between 0 and 1");
    sample_state *s = rf_xcalloc(1, sizeof *s);
    s->fraction = f;
    s->seed = (uint64_t)rf_opt_int(o, "seed");
    s->by = rf_key_by_parse(rf_opt_str(o, "by"));
    st->state = s;
    return 0;
}

static void sample_release(rf_stage *st)
{
    free(st->state);
}

static int sample_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    const sample_state *s = st->state;
    uint64_t h = rf_doc_key_hash(d, s->by, s->seed, w->stats);
    /* Top 53 bits as a uniform double in [0, 1). */
    double u = (double)(h >> 11) * 0x1.0p-53;
    if (!(u < s->fraction))
        rf_doc_reject(d, "sampled_out", NULL);
    return 0;
}

const rf_stage_desc rf_stage_sample = {
    .name = "sample",
    .summary = "Keep a deterministic fraction of the documents (hash of id, text or position).",
    .usage = "Dropped documents count as rejects with reason sampled_out (and go to --rejects\n"
             "when it is given).",
    .opts = sample_opts,
    .init = sample_init,
    .release = sample_release,
    .process = sample_process,
};
