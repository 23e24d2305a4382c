/* runner.h — the streaming runner: reader thread → worker threads → writer.
 *
 * The reader decompresses inputs and cuts them into batches of lines; workers
 * parse lines into documents and run the stage chain on whole batches; the
 * writer (the calling thread) writes batches in input order, so output bytes
 * do not depend on --threads. At most max_inflight batches exist at a time:
 * memory is bounded by batch size × queue depth, not by shard size. */
#ifndef RF_RUNNER_H
#define RF_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "stages/doc.h"
#include "stages/io.h"
#include "stages/stage.h"

typedef struct rf_run_config {
    const char *const *inputs; /* paths; "-" is stdin */
    size_t ninputs;
    const char *output;        /* "-" = stdout; must contain "{}" for several outputs */
    const char *rejects;       /* NULL: rejects are only counted */
    rf_outopts outopts;
    int threads;
    size_t batch_docs;
    size_t batch_bytes;
    uint64_t max_doc_bytes;
    int64_t max_bad;           /* malformed records allowed; < 0 = unlimited */
    rf_docfmt fmt;
    int verbosity;             /* 0 quiet, 1 normal, 2 verbose */
    int progress;              /* progress line on stderr */
    const char *prog;          /* name for messages */
    unsigned parse_flags;      /* RF_PARSE_* for rf_doc_parse_flags (default 0) */
} rf_run_config;

typedef struct rf_run_result {
    uint64_t docs_in, docs_out, docs_rejected, malformed;
    uint64_t input_bytes;  /* decompressed bytes read */
    uint64_t output_bytes; /* uncompressed bytes written to the output(s) */
    double seconds;
} rf_run_result;

/* Sensible defaults for every field but inputs/output. */
void rf_run_config_defaults(rf_run_config *c);

/* Runs stages[0..n) (already initialised) over the inputs. On success the
 * outputs are committed and stages[i].stats hold the merged totals; on
 * failure no output appears under its final name. */
int rf_run(rf_stage *stages, size_t nstages, const rf_run_config *cfg, rf_run_result *res,
           rf_err *err);

/* Expands "{}" in a pattern with a zero-padded index (width of n-1). */
char *rf_output_name(const char *pattern, size_t index, size_t n);

#endif
