/* cli.h — the shared command-line front end of every executable.
 *
 * Runner options (-o, --rejects, --stats, --threads, --config, ...) are the
 * same everywhere; a stage adds its own. rf_cli_main() is the whole main()
 * of bin/refine-<stage>; `refine run` uses the same pieces with a pipeline. */
#ifndef RF_CLI_H
#define RF_CLI_H

#include <stdio.h>

#include "stages/opts.h"
#include "stages/runner.h"
#include "stages/stage.h"

#ifndef REFINE_VERSION
#define REFINE_VERSION "0.0.0"
#endif

extern const rf_optspec rf_runner_optspecs[];

/* main() of a standalone stage executable. */
int rf_cli_main(const rf_stage_desc *desc, int argc, char **argv);

/* Fills a run configuration from parsed runner options. */
int rf_cli_run_config(const rf_opts *o, const char *prog, char **inputs, size_t ninputs,
                      rf_run_config *cfg, rf_err *err);

/* Applies --config FILE (found in argv before full parsing, so the command
 * line can override the file): its top-level keys, and the keys of the
 * section named `section` when that is not NULL; other sections are ignored. */
int rf_cli_apply_config(int argc, char **argv, rf_opts *o, const char *section, rf_err *err);

/* The run-level members of a --stats object (no braces, leading comma):
 * input_bytes, output_bytes, seconds, threads, version. */
void rf_cli_run_json_members(rf_buf *b, const rf_run_result *res, int threads);

/* Prints "prog: error: msg" (and a --help hint for usage errors). */
void rf_cli_error(const char *prog, const rf_err *err);

/* Writes a JSON object atomically to path. */
int rf_cli_write_json(const char *path, const char *json, size_t n, rf_err *err);

/* One-line summary of a stage's stats on stderr. */
void rf_cli_print_stage_summary(FILE *f, const rf_stage *st, double seconds);

#endif
