/* shard.c — the `shard` stage: routes every document to one of N outputs,
 * by a hash (XXH3-64) of its id or text, or round-robin by position. The
 * choice depends only on the document (or its position in the input), never
 * on thread timing, so shards are reproducible. */
#include <stdlib.h>

#include "stages/dockey.h"
#include "stages/stage.h"

typedef struct shard_state {
    uint64_t n;
    rf_key_by by;
} shard_state;

static const rf_optspec shard_opts[] = {
    {"shards", 'n', RF_OPT_INT, "2", "N", "number of output shards; -o must contain {}", NULL},
    {"by", 0, RF_OPT_ENUM, "id", "KEY",
     "what decides the shard: hash of the id (hash of the text when a document has none), "
     "hash of the text, or position (round robin)", RF_KEY_BY_CHOICES},
    RF_OPTSPEC_END,
};

static int shard_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    int64_t n = rf_opt_int(o, "shards");
    if (n < 1 || n > 65536)
        return rf_errf(err, RF_EUSAGE, "--shards must be between 1 and 65536");
    shard_state *s = rf_xcalloc(1, sizeof *s);
    s->n = (uint64_t)n;
    s->by = rf_key_by_parse(rf_opt_str(o, "by"));
    st->state = s;
    st->n_outputs = (size_t)n;
    return 0;
}

static void shard_release(rf_stage *st)
{
    free(st->state);
}

static int shard_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    const shard_state *s = st->state;
    /* Round robin is the position itself, not a hash of it. */
    uint64_t h = s->by == RF_KEY_INDEX ? d->seq : rf_doc_key_hash(d, s->by, 0, w->stats);
    d->out_index = (uint32_t)(h % s->n);
    return 0;
}

const rf_stage_desc rf_stage_shard = {
    .name = "shard",
    .summary = "Split documents into N shards by hash of id or text, or round robin.",
    .usage = "Example: refine-shard -n 8 -o out/part-{}.jsonl.zst in.jsonl.zst\n"
             "writes out/part-00000.jsonl.zst ... out/part-00007.jsonl.zst.",
    .opts = shard_opts,
    .flags = RF_STAGE_MULTI_OUTPUT,
    .init = shard_init,
    .release = shard_release,
    .process = shard_process,
};
