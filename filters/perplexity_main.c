/* perplexity_main.c — main() of refine-perplexity: `refine-perplexity
 * calibrate ...` scores a sample and writes per-language percentile cutoffs
 * (CCNet's head/middle/tail thresholds); anything else runs the stage
 * through the shared CLI. Calibrate reuses the runner (threads, inputs,
 * --stats) with a stage variant that writes no documents. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/perplexity.h"
#include "stages/cli.h"

static const rf_optspec calib_opts[] = {
    {"percentiles", 0, RF_OPT_STR, "30,60", "A,B",
     "percentiles of the cutoffs: head < pA <= middle < pB <= tail (CCNet uses 30,60)", NULL},
    RF_OPTSPEC_END,
};

static void calib_usage(const char *prog)
{
    char tmp[16384];
    printf("Usage: %s calibrate --model [LANG=]PATH (--tokenizer FILE | --ids-field NAME) "
           "[-o CUTOFFS.tsv] "
           "[OPTIONS] [INPUT...]\n", prog);
    printf("Scores a sample of documents and writes per-language perplexity cutoffs (a TSV\n"
           "file for --cutoffs): one line per refine.lang value ('*' = no language) with the\n"
           "document count and the two percentiles. -o names the cutoffs file (default\n"
           "stdout); no documents are written.\n\ncalibrate options:\n");
    rf_opts_help(calib_opts, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
    printf("\nperplexity options:\n");
    rf_opts_help(rf_stage_perplexity_calibrate.opts, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
    printf("\nCommon options:\n");
    rf_opts_help(rf_runner_optspecs, tmp, sizeof tmp, NULL);
    fputs(tmp, stdout);
}

static int calibrate_main(int argc, char **argv)
{
    const char *prog = "refine-perplexity calibrate";
    rf_err err = {0, ""};
    const rf_optspec *tables[3] = {rf_runner_optspecs, rf_stage_perplexity_calibrate.opts,
                                   calib_opts};
    rf_opts *o = rf_opts_new(tables, 3);
    char **pos = NULL;
    size_t npos = 0;
    rf_stage st;
    int stage_ok = 0, rc;
    rf_buf out = RF_BUF_INIT, sj = RF_BUF_INIT;
    double pct[2];
    rf_run_config cfg;
    rf_run_result res;
    if ((rc = rf_cli_apply_config(argc, argv, o, "perplexity", &err)) ||
        (rc = rf_opts_parse_argv(o, argc, argv, &pos, &npos, &err)))
        goto out;
    if (rf_opt_flag(o, "help")) {
        calib_usage("refine-perplexity");
        goto out;
    }
    if (rf_opt_flag(o, "version")) {
        printf("refine-perplexity %s\n", REFINE_VERSION);
        goto out;
    }
    if ((rc = rf_ppl_parse_percentiles(rf_opt_str(o, "percentiles"), pct, &err)) ||
        (rc = rf_cli_run_config(o, prog, pos, npos, &cfg, &err)))
        goto out;
    const char *cut_path = cfg.output;
    cfg.output = "-"; /* the stage writes no documents; stdout gets nothing */
    if ((rc = rf_stage_init(&st, &rf_stage_perplexity_calibrate, o, &err)))
        goto out;
    stage_ok = 1;
    if ((rc = rf_run(&st, 1, &cfg, &res, &err)))
        goto out;
    int langs = rf_ppl_calibrate_write(&st, pct, &out);
    if (!strcmp(cut_path, "-")) {
        fwrite(out.p, 1, out.len, stdout);
        fflush(stdout);
    } else if ((rc = rf_cli_write_json(cut_path, out.p, out.len, &err))) {
        goto out;
    }
    const char *stats_path = rf_opt_str(o, "stats");
    if (stats_path) {
        rf_buf_addc(&sj, '{');
        rf_stats_json_members(&st.stats, &sj);
        rf_cli_run_json_members(&sj, &res, cfg.threads);
        rf_buf_adds(&sj, "}\n");
        if ((rc = rf_cli_write_json(stats_path, sj.p, sj.len, &err)))
            goto out;
    }
    if (cfg.verbosity >= 1)
        fprintf(stderr, "%s: %llu documents scored, cutoffs for %d language(s) written to %s\n",
                prog, (unsigned long long)st.stats.docs_out, langs, cut_path);
out:
    if (rc)
        rf_cli_error(prog, &err);
    if (stage_ok)
        rf_stage_release(&st);
    rf_buf_release(&out);
    rf_buf_release(&sj);
    free(pos);
    rf_opts_free(o);
    return rf_exit_code(rc);
}

int rf_ppl_main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "calibrate"))
        return calibrate_main(argc - 1, argv + 1);
    return rf_cli_main(&rf_stage_perplexity, argc, argv);
}
