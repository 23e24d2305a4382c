/* stage.h — the stage descriptor: what every refinement step provides.
 *
 * A stage is a library module plus this descriptor. bin/refine-<stage> hands
 * the descriptor to rf_cli_main(); `refine run` chains several descriptors in
 * one process. Lifecycle (kenlm/zstd style: immutable shared state, per-call
 * scratch):
 *
 *   init(st, opts)            once; st->state is read-only afterwards
 *   thread_init(st, &tls)     once per worker thread
 *   process / process_batch   on worker threads, any order between batches
 *   emit(st, d)               optional: writer thread, kept documents in input order
 *   thread_release(st, tls)
 *   finish(st)                once, after all documents, stats merged
 *   release(st)
 *
 * A stage rejects a document with rf_doc_reject(d, "reason", ...), edits it
 * with rf_doc_set_text() and annotates it with rf_doc_annotate_*(). Returning
 * non-zero from process means a fatal error (the run stops), never "this
 * document is bad". */
#ifndef RF_STAGE_H
#define RF_STAGE_H

#include "stages/arena.h"
#include "stages/buf.h"
#include "stages/doc.h"
#include "stages/err.h"
#include "stages/opts.h"
#include "stages/stats.h"

typedef struct rf_stage rf_stage;

/* What a worker hands a stage for one batch. */
typedef struct rf_work {
    void *tls;       /* from thread_init */
    rf_stats *stats; /* this thread's counters for this stage */
    rf_arena *arena; /* the batch arena: freed after the batch is written */
} rf_work;

enum {
    RF_STAGE_MULTI_OUTPUT = 1, /* sets st->n_outputs in init and d->out_index */
};

typedef struct rf_stage_desc {
    const char *name;
    const char *summary;    /* one line */
    const char *usage;      /* extra --help paragraph, may be NULL */
    const rf_optspec *opts; /* NULL-terminated, may be NULL */
    unsigned flags;
    int (*init)(rf_stage *st, const rf_opts *o, rf_err *err);
    void (*release)(rf_stage *st);
    int (*thread_init)(rf_stage *st, void **tls, rf_err *err);
    void (*thread_release)(rf_stage *st, void *tls);
    int (*process)(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err);
    int (*process_batch)(rf_stage *st, rf_work *w, rf_doc **docs, size_t n, rf_err *err);
    /* Serialises a kept document instead of JSONL (only used on the last
     * stage of a chain). */
    void (*write)(rf_stage *st, rf_doc *d, rf_buf *out);
    int (*finish)(rf_stage *st, rf_err *err);
    /* Called on the writer thread, in input order, for every document the
     * whole chain kept, while its batch (payload, arena) is still alive: for
     * stages that keep their own ordered output (the packer's .bin/.idx).
     * Non-zero stops the run. */
    int (*emit)(rf_stage *st, rf_doc *d, rf_err *err);
    /* A whole command-line main (subcommands such as `refine-dedup minhash
     * signatures`); NULL means rf_cli_main(). refine-<name> and
     * `refine <name>` both call it. */
    int (*main)(int argc, char **argv);
} rf_stage_desc;

struct rf_stage {
    const rf_stage_desc *desc;
    void *state;
    const rf_opts *opts;
    const char *label;  /* name in stats and rejects (desc->name unless renamed) */
    size_t n_outputs;   /* 1 unless a MULTI_OUTPUT stage says otherwise */
    /* RF_PARSE_* flags the stage can take (set in init), e.g.
     * RF_PARSE_TEXT_OPTIONAL for a stage that reads token ids instead of
     * the text; the runner applies a flag only when every stage sets it. */
    unsigned parse_flags;
    rf_stats stats;     /* merged totals after the run */
};

/* Initialises st for desc with options o (kept by reference). */
int rf_stage_init(rf_stage *st, const rf_stage_desc *desc, const rf_opts *o, rf_err *err);
void rf_stage_release(rf_stage *st);

/* All stages built into the `refine` umbrella, NULL-terminated (generated
 * by bin/CMakeLists.txt from refine_add_stage() calls). */
extern const rf_stage_desc *const rf_stage_registry[];
const rf_stage_desc *rf_stage_lookup(const char *name);

#endif
