/* pipeline.h — `refine run PIPELINE`: several stages chained in one process.
 *
 * A pipeline file lists stages as [name] sections in order; the keys of a
 * section are that stage's long options; keys before the first section are
 * runner options (threads, text-field, ...). The command line overrides the
 * runner keys, and --set STAGE.KEY=VALUE overrides a stage key. */
#ifndef RF_PIPELINE_H
#define RF_PIPELINE_H

#include "stages/err.h"
#include "stages/opts.h"
#include "stages/stage.h"

typedef struct rf_pipeline {
    rf_conf conf;
    rf_stage *stages;
    rf_opts **opts;
    char **labels;
    size_t n;
} rf_pipeline;

/* Loads the file, applies its runner keys to runner_opts (may be NULL) and
 * initialises every stage. */
int rf_pipeline_load(rf_pipeline *p, const char *path, rf_opts *runner_opts,
                     const char *const *sets, size_t nsets, rf_err *err);
void rf_pipeline_release(rf_pipeline *p);

/* main() of `refine run`. */
int rf_pipeline_main(int argc, char **argv);

#endif
